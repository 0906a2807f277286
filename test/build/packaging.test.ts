import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (tests run from dist/test/build). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The part of semver this test uses. */
interface Semver {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
}
const semver = createRequire(import.meta.url)('semver') as Semver;

interface LockFile {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

describe('build and package', function () {
  this.timeout(300_000);

  it('ships no test code: the Consul test double and the checker (test/support) are not in the package', () => {
    const res = spawnSync(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const files = (JSON.parse(res.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    assert.ok(files.includes('dist/src/index.js') && files.includes('bin/run.js'), 'the package holds the SDK and the binary');
    assert.ok(files.some((f) => f.startsWith('dist/src/cli/commands/')), 'and the commands');
    assert.deepEqual(files.filter((f) => f.startsWith('dist/test/') || f.startsWith('test/')), []);
  });

  it('installs on the oldest Node the package supports: every locked package\'s engines admit it (no EBADENGINE)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as LockFile;
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.engines && !Array.isArray(p.engines) && p.engines.node !== undefined)
      .filter(([, p]) => !semver.satisfies(oldest, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${(p.engines as { node: string }).node}`);
    assert.deepEqual(refused, [], `Node ${oldest} (package.json engines) is refused by`);
  });

  it('npm run build updates dist/ in place: a running dev cluster never loses it, its copied assets stay, and stale outputs go', async () => {
    // A compiled module, and an asset copied next to the code that prune-dist must not take for a stale output.
    const watched = [join(ROOT, 'dist', 'src', 'cli', 'commands', 'get.js'), join(ROOT, 'dist', 'src', 'node', 'http', 'ui', 'assets', 'dashboard.js')];
    const staleDir = join(ROOT, 'dist', 'src', 'removed-module');
    const stale = join(staleDir, 'gone.js');
    await mkdir(staleDir, { recursive: true });
    await writeFile(stale, '// compiled from a source that no longer exists\n');
    const build = spawn(NPM, ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    build.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    let missing = 0;
    let checks = 0;
    const exited = once(build, 'exit');
    // Every check until the build exits must find the file (an emptied dist/ stays empty for seconds while tsc runs).
    while (build.exitCode === null) {
      checks++;
      if (!watched.every((file) => existsSync(file))) missing++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, stderr);
    assert.ok(checks > 0);
    assert.equal(missing, 0, `${watched.join(' or ')} was missing in ${missing} of ${checks} checks during the build`);
    assert.ok(watched.every((file) => existsSync(file)), 'and is there after it');
    assert.equal(existsSync(stale), false, 'the output of a removed source is pruned');
    assert.equal(existsSync(staleDir), false, 'and its empty folder');
  });
});
