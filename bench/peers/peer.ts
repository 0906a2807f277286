/** What measuring a peer gives back: its figures and version, or why it was skipped. */
import type { Measurement } from '../results.js';
import type { BenchContext } from '../workloads/context.js';
import { findBinary, freePorts, launch, type PeerServer } from './launch.js';

/** The outcome of one peer. */
export type PeerOutcome = { measurements: Measurement[]; version: string } | { skipped: string };

/** How to start a peer's server and measure it once it is up. */
export interface PeerSpec<C> {
  /** Name in the report and the `--peers` flag. */
  name: string;
  /** The server binary, and the Debian package that installs it. */
  binary: string;
  aptPackage: string;
  /** The server's arguments, given its free ports (`ports()` of them) and fresh data dir. */
  args(ports: number[], dir: string): string[];
  ports: number;
  /** Connects a client once the server answers (rejecting until then) and says the server's version. */
  connect(ports: number[]): Promise<{ client: C; version: string; close(): Promise<void> }>;
  /** The workloads. */
  run(ctx: BenchContext, client: C): Promise<Measurement[]>;
}

/**
 * Starts the peer's server on loopback with a fresh data dir, measures it and
 * stops it (by PID) whatever happens; a missing binary or a server that does
 * not start is a skip with the reason, not a failed run.
 */
export async function runPeer<C>(ctx: BenchContext, spec: PeerSpec<C>): Promise<PeerOutcome> {
  const binary = await findBinary(spec.binary);
  if (!binary) return { skipped: `${spec.binary} is not on the PATH (install it: apt-get install ${spec.aptPackage})` };
  ctx.progress.note(`starting ${spec.name} (${binary})`);
  const ports = await freePorts(spec.ports);
  let server: PeerServer | undefined;
  let connection: Awaited<ReturnType<PeerSpec<C>['connect']>> | undefined;
  try {
    server = await launch(spec.name, binary, (dir) => spec.args(ports, dir));
    connection = await spec.connect(ports).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; server output: ${server?.output() || 'none'}`);
    });
    return { measurements: await spec.run(ctx, connection.client), version: connection.version };
  } catch (err) {
    return { skipped: `${spec.name} could not be measured: ${(err as Error).message}` };
  } finally {
    await connection?.close();
    await server?.stop();
  }
}
