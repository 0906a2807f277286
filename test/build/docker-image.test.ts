// The Docker image's node, without a container runtime (none runs on the build machines): the runtime stage's
// files are laid out from the built tree exactly as its COPY lines say, and the node starts from there as its
// ENTRYPOINT starts it, with the HTTP port the Helm chart turns on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertServesDashboard, startInstalledNode, type InstalledNode } from '../helpers/installed-node.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The repository (tests run from dist/test/build). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One instruction of a Dockerfile, continuation lines joined. */
interface Instruction {
  keyword: string;
  args: string;
}

/** A stage: its name (`AS name`) and its instructions after FROM. */
interface Stage {
  name: string | undefined;
  instructions: Instruction[];
}

/** A COPY: its `--from` stage (none: the build context), sources and destination. */
interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
}

/** Splits a Dockerfile into stages (the parser directives and comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    pending += line.replace(/\\\s*$/, ' ');
    if (/\\\s*$/.test(line)) continue;
    const match = /^\s*(\S+)\s*(.*)$/.exec(pending);
    pending = '';
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') stages.push({ name: /\sAS\s+(\S+)$/i.exec(args)?.[1], instructions: [] });
    else stages.at(-1)!.instructions.push({ keyword, args });
  }
  return stages;
}

/** The arguments of an exec-form instruction (`["node", "x.js"]`). */
function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  assert.ok(Array.isArray(parsed) && parsed.every((a) => typeof a === 'string'), `exec form expected: ${args}`);
  return parsed as string[];
}

function copies(stage: Stage): Copy[] {
  return stage.instructions.filter((i) => i.keyword === 'COPY').map(({ args }) => {
    const words = args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    assert.ok(flags.every((f) => f.startsWith('--from=')), `COPY flags this test does not lay out: ${args}`);
    assert.ok(paths.length >= 2, `COPY needs a source and a destination: ${args}`);
    return { from: flags[0]?.slice('--from='.length), sources: paths.slice(0, -1), dest: paths.at(-1)! };
  });
}

/** The stage's WORKDIR (the last one, an absolute path). */
function workdir(stage: Stage): string {
  const dir = stage.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args;
  assert.ok(dir !== undefined && dir.startsWith('/'), `stage ${stage.name ?? '(unnamed)'} has an absolute WORKDIR`);
  return dir;
}

/** `ENV a=1 b=2` lines of a stage, as an environment. */
function environment(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const [, name, value] of args.matchAll(/(\w+)=(\S*)/g)) env[name!] = value!;
  }
  return env;
}

/** `path` (absolute in the image, or relative to `base`) as a path relative to `base`; throws if it leaves it. */
function under(base: string, path: string): string {
  const relative = posix.relative(base, posix.resolve(base, path));
  assert.ok(!relative.startsWith('..'), `${path} is outside ${base}`);
  return relative;
}

describe('build: the Docker image, laid out from its Dockerfile', function () {
  this.timeout(120_000);
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stages = parseDockerfile(dockerfile);
  const runtime = stages.at(-1)!;
  const build = stages.find((s) => s.name === 'build')!;
  let image: { path: string; cleanup: () => Promise<void> };
  let data: { path: string; cleanup: () => Promise<void> };
  let node: InstalledNode | undefined;

  beforeEach(async () => {
    image = await tempDir('dstash-image-');
    data = await tempDir('dstash-image-data-');
  });

  afterEach(async () => {
    await node?.stop();
    node = undefined;
    await image.cleanup();
    await data.cleanup();
  });

  /** Lays out `runtime`'s COPY lines into the temp dir as its WORKDIR; returns that WORKDIR. */
  function layOut(): string {
    const appDir = workdir(runtime);
    const buildDir = workdir(build);
    for (const copy of copies(runtime)) {
      assert.ok(copy.from === undefined || copy.from === 'build', `COPY --from=${copy.from}: only the build stage and the context are laid out`);
      const toDir = copy.sources.length > 1 || copy.dest.endsWith('/');
      for (const source of copy.sources) {
        // The build stage builds this repository in its WORKDIR, and the context is the repository: either way a path of it.
        const from = join(ROOT, copy.from === 'build' ? under(buildDir, source) : source);
        const to = join(image.path, under(appDir, toDir ? posix.join(copy.dest, basename(source)) : copy.dest));
        mkdirSync(dirname(to), { recursive: true });
        // node_modules is the one big tree, and is read only: a link keeps the test fast.
        if (basename(from) === 'node_modules') symlinkSync(from, to, 'dir');
        else cpSync(from, to, { recursive: true });
      }
    }
    return appDir;
  }

  it('builds with `npm run build` from files it copies into its context (so the built tree here is the image\'s)', () => {
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    assert.ok(runs.some((r) => /\bnpm run build\b/.test(r)), `the build stage runs npm run build: ${runs.join(' | ')}`);
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { build: string } }).scripts.build;
    const sources = copies(build).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    const included = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    const covered = (path: string, by: string[]): boolean => by.some((p) => path === p || path.startsWith(`${p}/`));
    for (const [, file] of script.matchAll(/\bnode (\S+)/g)) {
      assert.ok(covered(file!, sources), `${file} (npm run build) is copied into the build stage`);
      assert.ok(covered(file!, included), `${file} is in the build context (.dockerignore)`);
    }
  });

  it('starts a node with the HTTP port: /healthz and the dashboard answer, and the image\'s HEALTHCHECK passes', async () => {
    const appDir = layOut();
    const inImage = (path: string): string => join(image.path, under(appDir, path));
    const entrypoint = execForm(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!.args);
    assert.equal(entrypoint[0], 'node');
    // The entrypoint's files are the image's: /app/bin/run.js here is <temp>/bin/run.js.
    const command = [process.execPath, ...entrypoint.slice(1).map((a) => (a.startsWith(appDir) ? inImage(a) : a))];
    node = await startInstalledNode(command, { cwd: image.path, dataDir: data.path, env: environment(runtime) });
    await assertServesDashboard(node.httpPort);

    const healthcheck = execForm(runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args.replace(/^.*?\bCMD\s+/, ''));
    const probe = spawn(process.execPath, healthcheck.slice(1).map((a) => (a.startsWith(appDir) ? inImage(a) : a)), {
      cwd: image.path,
      env: { ...process.env, ...environment(runtime), DSTASH_PORT: String(node.port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    probe.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    const [code] = (await once(probe, 'exit')) as [number | null];
    assert.equal(code, 0, `HEALTHCHECK: ${stderr}`);
  });
});
