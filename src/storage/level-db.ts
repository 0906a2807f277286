/**
 * The LevelDB handle behind {@link LevelStore}: opening it, and turning
 * classic-level's errors into dstash errors that say what to do.
 */
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { DstashError, ErrorCode } from '../errors.js';
import { type CorruptionReport, isCorruption, keepBeforeOpen, namedFile, recoveryDrops, settleBeforeOpen } from './level-corruption.js';
import { notOpenError } from './store-checks.js';

/** The database as the store uses it: Buffer keys and values, no encodings. */
export type LevelDb = ClassicLevel<Buffer, Buffer>;

/** The operations a write batch takes (keys and values are copied at once: the caller may reuse their bytes). */
export interface LevelBatch {
  put(key: Uint8Array, value: Uint8Array): void;
  del(key: Uint8Array): void;
}

type ChainedBatch = ReturnType<LevelDb['batch']>;

/**
 * The implementation half of abstract-level's chained batch (its documented
 * contract for implementations, which classic-level fills in): `_put` and
 * `_del` add an operation to the native batch as they are.
 */
interface NativeOperations {
  _put(key: Uint8Array, value: Uint8Array, options: object): void;
  _del(key: Uint8Array, options: object): void;
}

const NO_OPTIONS = Object.freeze({});

/**
 * A chained batch that sends every operation but the first straight to
 * classic-level's native batch. abstract-level's public `put` and `del` check
 * the key, spread an options object, look up the encodings and run hooks, about
 * 0.6 µs an operation, which is a fifth of the node's work per record; this
 * store uses Buffer keys and values, no sublevels, hooks or events, so for it
 * they change nothing. The first operation goes through the public method, so
 * that the batch knows it is not empty and writes.
 */
class DirectBatch implements LevelBatch {
  private started = false;
  private readonly native: NativeOperations | undefined;

  constructor(readonly batch: ChainedBatch) {
    const native = batch as unknown as Partial<NativeOperations>;
    this.native = typeof native._put === 'function' && typeof native._del === 'function' ? (native as NativeOperations) : undefined;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    if (this.started && this.native) this.native._put(key, value, NO_OPTIONS);
    else this.batch.put(asBuffer(key), asBuffer(value));
    this.started = true;
  }

  del(key: Uint8Array): void {
    if (this.started && this.native) this.native._del(key, NO_OPTIONS);
    else this.batch.del(asBuffer(key));
    this.started = true;
  }
}

/** `bytes` as a Buffer, without a copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Writes what `fill` adds to a new batch, atomically, with fsync when `sync`
 * (nothing when it adds nothing), and returns what `fill` returns. A chained
 * batch, because an array batch given an options object (`{ sync }`) copies
 * the options into every operation and runs 3 to 5 times slower (abstract-level 3.1).
 */
export async function writeBatch<T>(db: LevelDb, sync: boolean, fill: (batch: LevelBatch) => T): Promise<T> {
  const batch = db.batch();
  let result: T;
  try {
    result = fill(new DirectBatch(batch));
  } catch (err) {
    await batch.close();
    throw err;
  }
  if (batch.length === 0) await batch.close();
  else await batch.write({ sync });
  return result;
}

/**
 * Opens (creating it when missing) the database in `<dataDir>/db`. Throws
 * `DSTASH_INTERNAL` naming the path and the cause; when another process (or
 * another store in this one) holds the database, the message says so. With
 * `onCorruption`, every LevelDB corruption error met through
 * {@link translateLevelError} is told to it, and so is an open that skipped
 * records of a damaged write-ahead log (LevelDB replays what it can read of
 * a log without an error, and writes only to its `LOG` file what it
 * dropped): then the database as it was before the open is kept aside
 * (when the disk had room for the links), and the report says where.
 */
export async function openLevelDb(
  dataDir: string,
  tuning: { writeBufferSize: number; cacheSize: number },
  onCorruption?: (report: CorruptionReport) => void,
): Promise<LevelDb> {
  const location = levelDbLocation(dataDir);
  const db: LevelDb = new ClassicLevel<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer', ...tuning });
  let kept = false;
  try {
    kept = onCorruption !== undefined && await keepBeforeOpen(dataDir, location);
    await db.open();
  } catch (err) {
    if (kept) await settleBeforeOpen(dataDir, false);
    // classic-level reports LEVEL_DATABASE_NOT_OPEN with the real reason as its cause.
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const reason = levelCode(cause) === 'LEVEL_LOCKED'
      ? `the data dir is in use by another process (LevelDB lock ${join(location, 'LOCK')} is held); stop that node or choose another data dir`
      : cause instanceof Error ? cause.message : String(cause);
    throw new DstashError(ErrorCode.Internal, `cannot open ${storeName(location)}: ${reason}`, { cause: err });
  }
  if (onCorruption === undefined) return db;
  reporters.set(db, onCorruption);
  const drops = await recoveryDrops(location);
  const quarantinedAt = kept ? await settleBeforeOpen(dataDir, drops.length > 0) : undefined;
  if (drops.length > 0) onCorruption({ operation: 'open', message: drops.join('\n'), file: namedFile(drops[0]!), quarantinedAt });
  return db;
}

/** Where the database of the store in `dataDir` lives. */
export function levelDbLocation(dataDir: string): string {
  return join(dataDir, 'db');
}

/** How errors name the store of a database. */
export function storeName(location: string): string {
  return `the store in ${location}`;
}

/** Who hears of the corruption each database meets (see {@link openLevelDb}). */
const reporters = new WeakMap<LevelDb, (report: CorruptionReport) => void>();

/**
 * Maps classic-level's "not open" errors (the store was closed under a running
 * scan or sweep) to `DSTASH_NOT_OPEN`; returns anything else unchanged. A
 * corruption error is also told to the database's reporter, as met by
 * `operation` in the range from `fromKey`, when the caller knows them.
 */
export function translateLevelError(err: unknown, db: LevelDb, where: { operation: string; fromKey?: Buffer } = { operation: 'read' }): unknown {
  if (isCorruption(err)) {
    const message = (err as Error).message;
    reporters.get(db)?.({ operation: where.operation, message, file: namedFile(message), fromKey: where.fromKey?.toString('hex') });
  }
  const code = levelCode(err);
  return code === 'LEVEL_DATABASE_NOT_OPEN' || code === 'LEVEL_ITERATOR_NOT_OPEN' ? notOpenError(storeName(db.location)) : err;
}

/** Awaits a LevelDB call, its errors passed through {@link translateLevelError}. */
export async function levelCall<T>(db: LevelDb, call: Promise<T>, operation = 'read'): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw translateLevelError(err, db, { operation });
  }
}

function levelCode(err: unknown): unknown {
  return err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
}
