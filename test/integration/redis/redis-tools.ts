/** redis-cli and redis-benchmark (Debian `redis-tools`) for the Redis port tests and the bench. */
import { execFile, execFileSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

/** Whether `tool` is on the PATH. */
export function hasTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs redis-cli against `port` with `--no-raw` (typed output: `(integer) 1`, `"v"`, `(nil)`, `(error) …`); its stdout, trimmed. */
export function redisCli(port: number, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('redis-cli', ['-p', String(port), '--no-raw', ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`redis-cli ${args.join(' ')} failed: ${err.message} ${stderr}`));
      else resolve(stdout.trim());
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** A port that was free a moment ago (for a child process's `--redis-port`, where 0 means off). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `--redis-port` for node-1…node-count, each on a free port. */
export async function redisPortArgs(count: number): Promise<(id: string) => string[]> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  return (id) => ['--redis-port', String(ports[Number(id.replace('node-', '')) - 1])];
}
