/**
 * Damage to the LevelDB files: telling LevelDB's corruption errors apart,
 * noticing that opening the database skipped records of a damaged
 * write-ahead log (LevelDB only says so in its `LOG` file), and putting the
 * damaged files aside (`<dataDir>/db.corrupt-<ISO time>`, never deleted)
 * before the store opens a repaired copy.
 */
import { copyFile, cp, link, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';

/** What the store met: where, and what LevelDB said. */
export interface CorruptionReport {
  /** The store operation that met it (`read`, `scan`, `write`, `open`…). */
  operation: string;
  /** LevelDB's message ("Corruption: …", or the log lines of a damaged log's recovery). */
  message: string;
  /** The damaged file, when LevelDB names one. */
  file?: string;
  /** The first key of the range being read when it was met (hex), when known. */
  fromKey?: string;
  /** Where the damaged files were put aside, once they were. */
  quarantinedAt?: string;
}

/** The prefix of the directories damaged files are kept in, under the data dir. */
export const QUARANTINE_PREFIX = 'db.corrupt-';

/** Hard links of the database's files as they were before an open, removed after a clean one. */
const BEFORE_OPEN = 'db.before-open';

/**
 * True for LevelDB's corruption errors: classic-level's `LEVEL_CORRUPTION`,
 * or a message starting "Corruption:" (LevelDB's status text), on the error
 * or on its cause.
 */
export function isCorruption(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if ((e as Error & { code?: unknown }).code === 'LEVEL_CORRUPTION' || e.message.startsWith('Corruption:')) return true;
  }
  return false;
}

/** The file a LevelDB message names (`000005.ldb`, `000003.log`, `MANIFEST-000002`), if any. */
export function namedFile(message: string): string | undefined {
  return /(?:[\w./-]*\/)?(\d{6}\.(?:ldb|sst|log)|MANIFEST-\d+)/.exec(message)?.[1];
}

/**
 * Links every file of the database at `location` into a sibling directory,
 * so that what an open is about to recover (and then delete: LevelDB removes
 * a replayed log) can still be put aside if the recovery turns out to have
 * skipped records. Links cost no copy; the table files they share are never
 * rewritten in place. Returns false when the database does not exist yet,
 * or when the links cannot be made (a full disk): that must not stop an open.
 */
export async function keepBeforeOpen(dataDir: string, location: string): Promise<boolean> {
  let files: string[];
  try {
    files = (await readdir(location, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (err) {
    // No database yet, or no data dir (opening then says what is wrong with it).
    if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return false;
    throw err;
  }
  const kept = join(dataDir, BEFORE_OPEN);
  try {
    await rm(kept, { recursive: true, force: true });
    await mkdir(kept);
  } catch {
    // A full disk, say: the open goes on, and a damaged log is still noticed, only not kept as it was.
    return false;
  }
  // LevelDB's info logs are not data (and the open rotates them); a file LevelDB removed meanwhile is not missed;
  // a file system without hard links gets copies.
  try {
    await Promise.all(files.filter((f) => !['LOCK', 'LOG', 'LOG.old'].includes(f)).map(async (f) => {
      const from = join(location, f);
      await link(from, join(kept, f)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : copyFile(from, join(kept, f))));
    }));
  } catch {
    await rm(kept, { recursive: true, force: true }).catch(() => undefined);
    return false;
  }
  return true;
}

/**
 * The records a just-completed open dropped from a damaged log: the lines
 * of LevelDB's `LOG` (rewritten at each open) that say "dropping N bytes;
 * Corruption". Empty when the log was replayed whole.
 */
export async function recoveryDrops(location: string): Promise<string[]> {
  const text = await readFile(join(location, 'LOG'), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => /dropping \d+ bytes; Corruption/.test(line));
}

/** After an open: keeps the pre-open links as a quarantine (returning its path) when the open dropped records, else removes them. */
export async function settleBeforeOpen(dataDir: string, dropped: boolean): Promise<string | undefined> {
  const kept = join(dataDir, BEFORE_OPEN);
  if (!dropped) {
    await rm(kept, { recursive: true, force: true });
    return undefined;
  }
  const to = quarantinePath(dataDir);
  await rename(kept, to);
  return to;
}

/**
 * Puts the (closed) database at `location` aside under the data dir and
 * leaves in its place a copy that LevelDB's repair has rebuilt from every
 * record it could still read (it drops the damaged blocks). Returns where
 * the damaged files are.
 */
export async function quarantineAndRepair(dataDir: string, location: string): Promise<string> {
  const to = quarantinePath(dataDir);
  await rename(location, to);
  await cp(to, location, { recursive: true });
  await ClassicLevel.repair(location);
  // Repair keeps the table files it gave up in lost/: the originals are all in the quarantine already.
  await rm(join(location, 'lost'), { recursive: true, force: true });
  return to;
}

function quarantinePath(dataDir: string): string {
  // Colons are legal on Linux but awkward in shells and on other systems.
  return join(dataDir, `${QUARANTINE_PREFIX}${new Date().toISOString().replace(/:/g, '-')}`);
}
