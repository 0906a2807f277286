/** redis-cli and redis-benchmark (Debian `redis-tools`) for the Redis port tests and the bench. */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { redisServerArgs } from '../../../bench/peers/redis-server.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { tempDir } from '../../helpers/temp-dir.js';

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

/** A redis-server of the tests' own, on loopback; `stop()` ends it. */
export interface RedisServerProcess {
  port: number;
  stop(): Promise<void>;
}

/** Starts redis-server (Debian `redis-server`) on a free loopback port with data in `dir`; resolves once it accepts connections. */
export async function startRedisServer(dir: string): Promise<RedisServerProcess> {
  const port = await freePort();
  const child = spawn('redis-server', [...redisServerArgs(port, dir, []), '--loglevel', 'notice', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
  });
  child.removeAllListeners('exit');
  child.stdout!.resume();
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A 3-node cluster serving the Redis port, and a redis-server beside it as the reference, with a temp dir; `stop()` ends them all. */
export interface ClusterAndReference {
  cluster: ProcessCluster;
  redis: RedisServerProcess;
  /** The temp dir (the reference's data, and whatever the test puts there). */
  dir: string;
  stop(): Promise<void>;
}

/** Starts a {@link ClusterAndReference}; what started is stopped again if a later part fails. */
export async function startClusterAndReference(prefix: string): Promise<ClusterAndReference> {
  const dir = await tempDir(prefix);
  let redis: RedisServerProcess | undefined;
  let cluster: ProcessCluster | undefined;
  const stop = async (): Promise<void> => {
    await cluster?.stop();
    await redis?.stop();
    await dir.cleanup();
  };
  try {
    redis = await startRedisServer(dir.path);
    const redisArgs = await redisPortArgs(3);
    cluster = await ProcessCluster.start(3, [], (id) => ({ args: redisArgs(id) }));
    return { cluster, redis, dir: dir.path, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
