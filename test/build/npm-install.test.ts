// The package as a user gets it: `npm pack` of the built tree, installed into an empty project, and a node
// started from the installed binary serves its dashboard from the files the package ships.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertServesDashboard, startInstalledNode, type InstalledNode } from '../helpers/installed-node.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The repository (tests run from dist/test/build). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs npm to completion; rejects with its output when it fails. */
async function npm(args: string[], cwd: string): Promise<string> {
  const child = spawn(NPM, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, `npm ${args.join(' ')}: ${stderr.slice(-2000)}`);
  return stdout;
}

describe('build: the npm package, installed', function () {
  this.timeout(300_000);
  let work: { path: string; cleanup: () => Promise<void> };
  let node: InstalledNode | undefined;

  beforeEach(async () => {
    work = await tempDir('dstash-npm-install-');
  });

  afterEach(async () => {
    await node?.stop();
    node = undefined;
    await work.cleanup();
  });

  it('installs from `npm pack` and starts from node_modules/.bin/dstash, serving /ui and its CSS and JS', async () => {
    const packed = JSON.parse(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work.path], ROOT)) as { filename: string }[];
    const tarball = join(work.path, packed[0]!.filename);
    const project = join(work.path, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'dstash-install-check', private: true })}\n`);
    // From the cache when it holds every dependency (after `npm ci` it does), from the registry otherwise.
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
    const installed = join(project, 'node_modules', 'dstash');
    assert.equal(existsSync(join(installed, 'src')), false, 'the package ships the compiled tree, not the sources');

    node = await startInstalledNode([join(project, 'node_modules', '.bin', 'dstash'), 'node', 'start'], { cwd: project, dataDir: join(work.path, 'data') });
    await assertServesDashboard(node.httpPort);
  });
});
