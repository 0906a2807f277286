/**
 * Starting a peer's server binary on loopback: find it on the PATH (or say
 * why it is skipped), pick free ports, and run it under a small shell guard
 * that prints the server's PID and kills that PID when the guard's stdin
 * closes, so that the server stops with the benchmark even if the benchmark
 * dies. Each server gets a fresh temp dir, removed when it stops.
 */
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Child } from '../child.js';
import { untilStopped } from '../cleanup.js';

/**
 * `sh -c GUARD sh binary args…`: starts the server in the background (its
 * output on stderr), prints its PID, waits for stdin to close, then stops it.
 */
const GUARD = '"$@" </dev/null >&2 & pid=$!; echo "$pid"; cat >/dev/null; kill "$pid" 2>/dev/null; wait "$pid"';

/** A running peer server. */
export interface PeerServer {
  /** The server's process id (not the guard's). */
  pid: number;
  /** Its fresh data directory. */
  dir: string;
  /** The end of what the server wrote, for error messages. */
  output(): string;
  /** Stops the server (by its PID) and removes its directory. */
  stop(): Promise<void>;
}

/** The path of `binary` on the PATH, or undefined. */
export async function findBinary(binary: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, binary);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** `count` distinct ports free on 127.0.0.1 right now (the OS picks them; the server binds them a moment later). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  // All held open together, so that the OS cannot hand out one port twice.
  await Promise.all(servers.map((s) => new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, '127.0.0.1', resolve))));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** Starts `binary` with the arguments `args(dir)` builds from its fresh data dir. */
export async function launch(name: string, binary: string, args: (dir: string) => string[]): Promise<PeerServer> {
  const dir = await mkdtemp(join(tmpdir(), `dstash-bench-${name}-`));
  const child = new Child(name, 'sh', ['-c', GUARD, 'sh', binary, ...args(dir)]);
  let serverPid = 0;
  const stop = untilStopped(async () => {
    await child.stop(10_000, [serverPid, child.pid].filter((pid) => pid > 0));
    await rm(dir, { recursive: true, force: true });
  });
  try {
    serverPid = Number(await child.nextLine());
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: serverPid, dir, stop, output: () => child.output() };
}
