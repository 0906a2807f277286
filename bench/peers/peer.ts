/** What measuring a peer gives back: its figures and version, or why it was skipped. */
import { sampleCpu } from '../cpu.js';
import type { Measurement } from '../results.js';
import type { BenchContext } from '../workloads/context.js';
import { findBinary, freePorts, launch, type PeerServer } from './launch.js';

/** The outcome of one peer. */
export type PeerOutcome = { measurements: Measurement[]; version: string } | { skipped: string };

/** How to start a peer's servers and measure them once they are up. */
export interface PeerSpec<C> {
  /** Name in the report and the `--peers` flag. */
  name: string;
  /** The server binary, and the Debian package that installs it. */
  binary: string;
  aptPackage: string;
  /**
   * Server processes to start, each with a fresh data dir of its own.
   * @default 1
   */
  servers?: number;
  /** Free ports to pick, for all the servers together. */
  ports: number;
  /** The arguments of server number `server` (from 0), given all the free ports and its data dir. */
  args(ports: number[], dir: string, server: number): string[];
  /** Connects a client once the servers are ready (rejecting until then) and says the server's version. */
  connect(ports: number[]): Promise<{ client: C; version: string; close(): Promise<void> }>;
  /** The workloads; `ctx.cpu` samples this process and the servers when /proc can be read. */
  run(ctx: BenchContext, client: C): Promise<Measurement[]>;
}

/**
 * Starts the peer's servers on loopback, each with a fresh data dir,
 * measures them and stops them (by PID) whatever happens; a missing binary or
 * a server that does not start is a skip with the reason, not a failed run.
 */
export async function runPeer<C>(ctx: BenchContext, spec: PeerSpec<C>): Promise<PeerOutcome> {
  const binary = await findBinary(spec.binary);
  if (!binary) return { skipped: `${spec.binary} is not on the PATH (install it: apt-get install ${spec.aptPackage})` };
  const count = spec.servers ?? 1;
  ctx.progress.note(`starting ${spec.name} (${count > 1 ? `${count} × ` : ''}${binary})`);
  const ports = await freePorts(spec.ports);
  const servers: PeerServer[] = [];
  let connection: Awaited<ReturnType<PeerSpec<C>['connect']>> | undefined;
  try {
    const started = await Promise.allSettled(Array.from({ length: count }, async (_, i) => {
      servers.push(await launch(count > 1 ? `${spec.name}-${i}` : spec.name, binary, (dir) => spec.args(ports, dir, i)));
    }));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    connection = await spec.connect(ports).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; server output: ${servers.map((s) => s.output()).filter(Boolean).join(' | ') || 'none'}`);
    });
    const pids = servers.map((s) => s.pid);
    const canSample = (await sampleCpu(pids)).servers !== undefined;
    const measured = canSample ? { ...ctx, cpu: () => sampleCpu(pids) } : ctx;
    return { measurements: await spec.run(measured, connection.client), version: connection.version };
  } catch (err) {
    return { skipped: `${spec.name} could not be measured: ${(err as Error).message}` };
  } finally {
    await connection?.close();
    await Promise.allSettled(servers.map((s) => s.stop()));
  }
}
