/**
 * SCAN cursors of one connection. Redis clients treat a cursor as a number
 * (redis-cli parses it), while dstash resumes a scan after a key: the
 * connection keeps the last key of each page under a number and hands that
 * number out. A cursor is valid on the connection that received it, for the
 * last `capacity` pages; `0` starts and ends a scan, as in Redis.
 */
import { RedisReplyError } from './resp-reply.js';

/** Numbered resume points of one connection's scans. */
export class ScanCursors {
  private readonly after = new Map<number, Buffer>();
  private last = 0;

  constructor(private readonly capacity = 1024) {}

  /** A cursor for resuming after `key`. */
  save(key: Buffer): number {
    this.last += 1;
    this.after.set(this.last, Buffer.from(key));
    if (this.after.size > this.capacity) this.after.delete(this.after.keys().next().value!);
    return this.last;
  }

  /** The key to resume after (empty for cursor 0); `ERR invalid cursor` for an unknown one. */
  resume(cursor: Buffer): Buffer {
    const text = cursor.toString('latin1');
    if (text === '0') return Buffer.alloc(0);
    const key = /^[1-9][0-9]{0,15}$/.test(text) ? this.after.get(Number(text)) : undefined;
    if (!key) throw new RedisReplyError('ERR invalid cursor');
    return key;
  }
}
