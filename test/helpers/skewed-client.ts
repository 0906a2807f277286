/**
 * An SDK client in a child process of its own, so that its clock can be
 * skewed (test/helpers/faketime.ts): it connects through the peers file,
 * waits until it has measured every node's clock, puts the given keys one by
 * one, and prints one JSON line of outcomes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const INDEX_JS = fileURLToPath(new URL('../../src/index.js', import.meta.url));

const SCRIPT = `
const { Client } = await import(process.env.DSTASH_SDK);
const { peersFile, puts } = JSON.parse(process.argv[1]);
const client = new Client({ peersFile, healthIntervalMs: 200, timeoutMs: 5000 });
await client.connect();
// Writes start once every node is healthy and measured (bounded wait, polled).
const deadline = Date.now() + 30000;
const measured = () => client.members().every((m) => m.healthy) && client.clockStatus().offsets.length === client.members().length;
while (!measured() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
if (!measured()) throw new Error('the nodes were not all measured within 30 s: ' + JSON.stringify(client.clockStatus()));
const outcomes = [];
for (const [key, value] of puts) {
  try {
    await client.put(key, Buffer.from(value));
    outcomes.push({ key, ok: true });
  } catch (err) {
    outcomes.push({ key, ok: false, code: err.code ?? 'UNKNOWN', message: err.message });
  }
}
const clock = client.clockStatus();
await client.close();
console.log(JSON.stringify({ outcomes, clock }));
`;

/** The outcome of one put made by the child. */
export interface ChildPut {
  key: string;
  ok: boolean;
  code?: string;
  message?: string;
}

/** Runs the puts `[key, value][]` from a child process with `env` (its clock); resolves with their outcomes. */
export async function putFromChild(peersFile: string, puts: readonly [string, string][], env: NodeJS.ProcessEnv): Promise<ChildPut[]> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, JSON.stringify({ peersFile, puts })], {
    env: { ...process.env, ...env, DSTASH_SDK: INDEX_JS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  const [code] = (await once(child, 'exit')) as [number | null];
  const line = stdout.split('\n').find((l) => l.startsWith('{"outcomes"'));
  if (code !== 0 || !line) throw new Error(`client process exited ${code}: ${stderr.slice(-2000)}`);
  return (JSON.parse(line) as { outcomes: ChildPut[] }).outcomes;
}
