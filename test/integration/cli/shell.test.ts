import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN } from '../../helpers/cli.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { requireMachine } from '../../helpers/system-tool.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

/** Runs `dstash shell` with `input` piped to it. */
async function pipedShell(node: string, input: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'shell', '--node', node], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  child.stdin.end(input);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('dstash shell', function () {
  this.timeout(60_000);
  let node: TestNode;
  let home: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    node = await startTestNode();
    home = await tempDir('dstash-shell-home-');
  });
  afterEach(async () => {
    await node.stop();
    await home.cleanup();
  });

  it('piped: prints results only, one line per result, errors as one line with a code, and goes on', async () => {
    const input = [
      'set greeting "hello, world"',
      'get greeting',
      'set bin \\x00\\x01\\x02',
      'get bin',
      'get missing',
      'set short v 60000',
      'ttl short',
      'ttl greeting',
      'nosuch command',
      'get',
      'get "unclosed',
      'incr counter',
      'append greeting !',
      'use bad/index',
      'use other',
      'get greeting',
      'set k-in-other x',
      'scan',
      'use default',
      'consistency all',
      'scan greet',
      'consistency sometimes',
      'del greeting',
      'get greeting',
      'members',
    ].join('\n');
    const { code, stdout, stderr } = await pipedShell(node.node.address, `${input}\n`, { DSTASH_HISTORY_FILE: join(home.path, 'history') });
    const out = stdout.trimEnd().split('\n');
    assert.deepEqual(out.slice(0, 5), ['OK', 'hello, world', 'OK', 'base64:AAEC', '(nil)']);
    assert.equal(out[5], 'OK');
    const ttl = Number(out[6]);
    assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${out[6]}`);
    assert.deepEqual(out.slice(7), [
      'none',
      '1', // incr counter
      'OK', // append greeting !
      'OK', // use other
      '(nil)', // greeting is in default
      'OK',
      'k-in-other\tx',
      'OK', 'OK', // use default, consistency all
      'greeting\thello, world!',
      'OK', // del
      '(nil)',
      `${node.node.nodeId}  ${node.node.address}  -  healthy`,
    ]);
    const errors = stderr.trimEnd().split('\n');
    assert.deepEqual(errors.map((l) => l.split(' ').slice(0, 2).join(' ')), [
      '(error) DSTASH_INVALID_ARGUMENT', // nosuch
      '(error) DSTASH_INVALID_ARGUMENT', // get without a key
      '(error) DSTASH_INVALID_ARGUMENT', // unclosed quote
      '(error) DSTASH_INVALID_INDEX',
      '(error) DSTASH_INVALID_ARGUMENT', // consistency sometimes
    ], stderr);
    assert.equal(code, 1, 'a script learns that a command failed');
    await assert.rejects(readFile(join(home.path, 'history')), { code: 'ENOENT' }, 'piped input is not history');
  });

  it('piped: an unreachable node is an error line per command, with its code, and the shell goes on', async () => {
    const stopped = node.node.address;
    await node.stop();
    node = await startTestNode();
    const { code, stdout, stderr } = await pipedShell(stopped, 'get a\nhelp get\n');
    assert.match(stderr.trim(), /^\(error\) DSTASH_UNAVAILABLE /);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.equal(stdout, 'get KEY\n  print the value of KEY, or (nil)\n');
    assert.equal(code, 1);
  });

  it('on a terminal: prompt, tab completion, history kept in the history file', async function () {
    const script = spawnSync('script', ['--version']);
    requireMachine(this, script.status === 0, 'script (util-linux) runs the shell on a pseudo-terminal');
    const historyFile = join(home.path, '.dstash_history');
    const command = [process.execPath, BIN, 'shell', '--node', node.node.address].map((w) => `'${w}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      // Not TERM=dumb: readline leaves completion out on a dumb terminal.
      env: { ...process.env, HOME: home.path, TERM: 'xterm', COLUMNS: '200' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // What the terminal shows, without its cursor movements.
    let screen = '';
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');
    child.stdout.setEncoding('utf8').on('data', (c: string) => { screen += c.replace(ansi, ''); });
    const prompts = (): number => screen.split(prompt).length - 1;
    // Types `keys` once the shell shows its prompt for the `n`th time.
    const typeAt = async (n: number, keys: string): Promise<void> => {
      await waitFor(() => prompts() >= n, `prompt ${n} on ${JSON.stringify(screen)}`, 20_000);
      child.stdin.write(keys);
    };
    const exited = once(child, 'exit');
    const prompt = `${node.node.address}[default]> `;
    try {
      await typeAt(1, 'set k1 "v 1"\r');
      // Tab completes "ge" to "get ".
      await typeAt(2, 'ge\t');
      await waitFor(() => screen.endsWith(`${prompt}get `), `the completion on ${JSON.stringify(screen)}`);
      child.stdin.write('k1\r');
      await typeAt(3, 'nosuch\r');
      await typeAt(4, 'use other\r');
      await waitFor(() => screen.includes(`${node.node.address}[other]> `), 'the prompt naming the index');
      child.stdin.write('exit\r');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, 'an error does not end the shell, and exit leaves with 0');
      assert.match(screen, /get k1\r?\r\nv 1\r\n/, 'the value of k1');
      assert.match(screen, /nosuch\r?\r\n\(error\) DSTASH_INVALID_ARGUMENT unknown command/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    assert.deepEqual((await readFile(historyFile, 'utf8')).split('\n'), ['set k1 "v 1"', 'get k1', 'nosuch', 'use other', 'exit', '']);
  });
});
