/**
 * The mark a node leaves in its data dir (`<dataDir>/drained.json`) when
 * `dstash node drain` took it out of the cluster. Its data was handed over
 * and it left the membership; a process supervisor (a StatefulSet, systemd)
 * that restarts it must not make it a member again unnoticed, with data that
 * grows staler by the hour. A node refuses to start on a marked data dir
 * unless told to rejoin (`rejoin`, `--rejoin`), which removes the mark. The
 * mark is written by `runUntilStopped` (run-until-stopped.ts), which knows
 * whether a signal or an operator's drain stopped the node.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DstashError, ErrorCode } from '../../errors.js';

/** What drained.json holds. */
export interface DrainMark {
  nodeId: string;
  /** When the drain finished, ISO 8601. */
  drainedAt: string;
}

const FILE = 'drained.json';

/** Marks `dataDir` as drained. */
export async function markDrained(dataDir: string, nodeId: string): Promise<void> {
  const mark: DrainMark = { nodeId, drainedAt: new Date().toISOString() };
  await writeFile(join(dataDir, FILE), `${JSON.stringify(mark)}\n`, { flush: true });
}

/** The mark of `dataDir`, or undefined when it has none. */
export async function readDrainMark(dataDir: string): Promise<DrainMark | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, FILE), 'utf8')) as DrainMark;
  } catch (err) {
    // No data dir yet (or a path that cannot be one): no mark; starting the node says what is wrong with the dir.
    if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw new DstashError(ErrorCode.Corrupt, `cannot read ${join(dataDir, FILE)}: ${(err as Error).message}`, { cause: err });
  }
}

/** The error of a start on a marked data dir: `DSTASH_DATA_DIR_MISMATCH`, saying how to go on; `mark` says when the drain was. */
export class DrainedError extends DstashError {
  constructor(dataDir: string, readonly mark: DrainMark) {
    super(ErrorCode.DataDirMismatch, `node ${mark.nodeId} was drained out of the cluster at ${mark.drainedAt} (dstash node drain): `
      + `its data was handed over and it is no longer a member. To make it a member again with the data in ${dataDir}, start it with --rejoin `
      + '(DSTASH_REJOIN=true); to join as a new, empty node, remove the data dir first.');
  }
}

/** Before a node opens `dataDir`: refuses a marked one with a {@link DrainedError}; with `rejoin`, removes the mark instead. */
export async function admitDataDir(dataDir: string, rejoin: boolean): Promise<void> {
  const mark = await readDrainMark(dataDir);
  if (!mark) return;
  if (!rejoin) throw new DrainedError(dataDir, mark);
  await rm(join(dataDir, FILE), { force: true });
}
