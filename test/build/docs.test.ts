import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = ['README.md', 'proto/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('docs', () => {
  for (const doc of DOCS) {
    it(`${doc} points only to files of the repository that exist`, () => {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      const named = new Set<string>();
      // Markdown links, and file names in code spans or prose: `scripts/fetch-helm.js`, DESIGN.md.
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)\)/g)) if (!/^[a-z]+:/.test(target!)) named.add(join(dirname(doc), target!));
      for (const [, path] of text.matchAll(/`((?:[\w.-]+\/)+[\w.-]+\.(?:ts|js|md|proto|yaml|json|tpl|txt))`/g)) named.add(path!);
      // Relative to the document, the repository or the chart.
      const bases = ['', dirname(doc), 'charts/dstash'];
      for (const [, md] of text.matchAll(/(?<![\w/.-])([\w-]+\.md)\b/g)) named.add(join(dirname(doc), md!));
      const missing = [...named].filter((p) => !bases.some((b) => existsSync(join(ROOT, b, p))));
      assert.deepEqual(missing, []);
    });
  }

  it('docs/kubernetes.md describes rebalancing and drain as they are, not as work in progress', () => {
    const text = readFileSync(join(ROOT, 'docs', 'kubernetes.md'), 'utf8');
    assert.doesNotMatch(text, /\blanding\b|being built|\bissue \d+/i);
  });
});
