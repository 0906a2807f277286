/**
 * The node's stable identity, generated once and kept in its data dir
 * (`<dataDir>/node.json`), with the partition count the data was written with:
 * a restarted node keeps its id (so it keeps its partitions), and a data dir
 * never silently changes partition count.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DstashError, ErrorCode } from '../errors.js';

/** What node.json holds. */
export interface NodeIdentity {
  nodeId: string;
  partitions: number;
}

const FILE = 'node.json';

/**
 * Reads the identity from `dataDir`, or creates it. Fails with
 * `DSTASH_DATA_DIR_MISMATCH` when the requested id or partition count differs
 * from the stored one.
 */
export async function loadOrCreateIdentity(dataDir: string, wanted: { nodeId?: string; partitions: number }): Promise<NodeIdentity> {
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new DstashError(ErrorCode.Internal, `cannot create the data dir ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  const path = join(dataDir, FILE);
  let stored: NodeIdentity | undefined;
  try {
    stored = JSON.parse(await readFile(path, 'utf8')) as NodeIdentity;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DstashError(ErrorCode.Corrupt, `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (stored) {
    if (wanted.nodeId !== undefined && wanted.nodeId !== stored.nodeId) {
      throw new DstashError(ErrorCode.DataDirMismatch, `data dir ${dataDir} belongs to node ${stored.nodeId}, not ${wanted.nodeId}: use another --data-dir or drop --node-id`);
    }
    if (stored.partitions !== wanted.partitions) {
      throw new DstashError(ErrorCode.DataDirMismatch, `data dir ${dataDir} was created with ${stored.partitions} partitions, not ${wanted.partitions}`);
    }
    return stored;
  }
  const identity: NodeIdentity = { nodeId: wanted.nodeId ?? `node-${randomBytes(6).toString('hex')}`, partitions: wanted.partitions };
  try {
    // Write then rename, so that a crash never leaves a half-written identity.
    await writeFile(`${path}.tmp`, `${JSON.stringify(identity, null, 2)}\n`, { flush: true });
    await rename(`${path}.tmp`, path);
  } catch (err) {
    throw new DstashError(ErrorCode.Internal, `cannot write ${path} (is the data dir writable?): ${(err as Error).message}`, { cause: err });
  }
  return identity;
}
