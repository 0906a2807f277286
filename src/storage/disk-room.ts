/**
 * Whether the disk of a store has room again after it filled: LevelDB must
 * not be reopened before it does, because opening replays the write-ahead
 * logs into a new table and writes a new manifest, and an open that fails
 * for lack of space leaves no store to read from.
 */
import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { levelDbLocation } from './level-db.js';

/** Room kept beyond the logs' size, for the manifest and the new log. */
const OPEN_MARGIN_BYTES = 1024 * 1024;

/** The free space on the disk of the store in `dataDir`, and what reopening its database needs. */
export interface DiskRoom {
  /** Bytes an unprivileged writer may still use. */
  freeBytes: number;
  /** Bytes a reopen needs: the write-ahead logs it turns into a table, and a margin. */
  reopenBytes: number;
}

/** Measures {@link DiskRoom} for the store in `dataDir`. */
export async function diskRoom(dataDir: string): Promise<DiskRoom> {
  const location = levelDbLocation(dataDir);
  const fs = await statfs(location);
  const logs = (await readdir(location)).filter((name) => name.endsWith('.log'));
  const sizes = await Promise.all(logs.map((name) => stat(join(location, name)).then((s) => s.size, () => 0)));
  return { freeBytes: fs.bavail * fs.bsize, reopenBytes: sizes.reduce((a, b) => a + b, 0) + OPEN_MARGIN_BYTES };
}

/** True when `err` is a write that failed for lack of space (LevelDB says so in its message only). */
export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === 'ENOSPC' || (typeof e?.message === 'string' && /no space left on device|ENOSPC/i.test(e.message));
}
