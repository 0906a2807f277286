/**
 * One client connection of the Redis port: bytes in, through the parser,
 * into a queue of commands run one after another (replies go out in request
 * order, as Redis clients expect of a pipeline), replies written in batches.
 *
 * Memory stays bounded: the parser bounds each command, and reading pauses
 * while `HIGH_WATER` commands wait or while the socket cannot take more
 * replies. A protocol error is answered after the replies before it, and
 * only this connection closes.
 */
import type { Socket } from 'node:net';
import type { CommandContext, PipelineOverlap, Session } from './commands/command.js';
import { dispatch, pipelineOverlap } from './commands/command-table.js';
import { RespParser, RespProtocolError, type RespLimits } from './resp-parser.js';
import { ReplyWriter, type Reply } from './resp-reply.js';
import { DstashError, ErrorCode } from '../../errors.js';

/** Commands waiting before the connection stops reading. */
const HIGH_WATER = 1024;
/** Reply bytes gathered before they are written. */
const WRITE_BATCH_BYTES = 64 * 1024;
/** How long a closing connection waits for the client to close its side. */
const CLOSE_GRACE_MS = 5000;
/** Most pipelined commands run at once. */
const WINDOW = 256;
/** Room a record's encoding may add to a value (see redis-value.ts); a plain SET within the limit by this much cannot fail for its size. */
const ENCODING_ROOM = 16;

/** Commands run at once: `sameAs[i]`, when set, is a later (or earlier) command of the batch whose reply command `i` takes instead of running. */
interface Window {
  commands: Buffer[][];
  sameAs: (number | undefined)[];
}

/** What the connection must know besides the parser's limits. */
export interface ConnectionLimits extends RespLimits {
  /** The node's value limit, for the plain SETs a later SET of their key supersedes. */
  maxValueBytes: number;
}

/** Serves one socket. */
export class RedisConnection {
  private readonly parser: RespParser;
  private readonly writer = new ReplyWriter();
  private queue: (Buffer[] | RespProtocolError)[] = [];
  private head = 0;
  private running = false;
  private closed = false;
  private paused = false;
  /** True once the running command sent the first part of its reply ahead (CommandContext.sendAhead). */
  private ahead = false;
  private readonly sendAhead = async (length: number, elements: Reply[]): Promise<void> => {
    if (this.closed) throw new DstashError(ErrorCode.Closed, 'the connection closed while its reply was being sent');
    if (!this.ahead) this.writer.arrayHeader(length);
    this.ahead = true;
    for (const r of elements) this.writer.write(r, this.session.resp3);
    await this.flush();
  };

  constructor(
    private readonly socket: Socket,
    private readonly session: Session,
    private readonly context: (session: Session) => CommandContext | Error,
    private readonly limits: ConnectionLimits,
  ) {
    this.parser = new RespParser(limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private received(chunk: Buffer): void {
    if (this.closed) return;
    this.parser.push(chunk);
    try {
      for (let c = this.parser.next(); c; c = this.parser.next()) this.queue.push(c);
    } catch (err) {
      if (!(err instanceof RespProtocolError)) throw err;
      this.queue.push(err);
      // Nothing after a protocol error is parsed: it is read and dropped, so that the reply reaches a client still sending.
      this.socket.removeAllListeners('data');
      this.socket.resume();
    }
    if (this.queue.length - this.head >= HIGH_WATER) this.pause();
    void this.run();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.head < this.queue.length && !this.closed) {
        const item = this.queue[this.head]!;
        if (item instanceof RespProtocolError) {
          this.writer.write({ error: item.reply }, this.session.resp3);
          this.end();
          return;
        }
        const { commands, sameAs } = this.window();
        const ctx = this.context(this.session);
        // Only a command that runs alone may send its reply in parts: the replies of a window leave in order.
        if (!(ctx instanceof Error) && commands.length === 1) ctx.sendAhead = this.sendAhead;
        const replies = ctx instanceof Error
          ? commands.map(() => ({ error: ctx.message }))
          : await Promise.all(commands.map((args, i) => (sameAs[i] === undefined ? dispatch(ctx, args) : undefined)));
        if (this.closed) return;
        if (this.ahead) {
          this.ahead = false;
          const rest = replies[0]!;
          // Past the first part a failure cannot be an error reply: the client sees the connection close.
          if (!Array.isArray(rest)) {
            this.close();
            return;
          }
          for (const reply of rest) this.writer.write(reply, this.session.resp3);
        } else {
          for (let i = 0; i < replies.length; i++) {
            let from = i;
            while (sameAs[from] !== undefined) from = sameAs[from]!;
            this.writer.write(replies[from]!, this.session.resp3);
          }
        }
        if (this.session.closing) {
          this.end();
          return;
        }
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        }
        if (this.writer.size >= WRITE_BATCH_BYTES || this.head === this.queue.length) await this.flush();
        if (this.paused && this.queue.length - this.head < HIGH_WATER / 2) {
          this.paused = false;
          this.socket.resume();
        }
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Takes the next command and the ones after it that may run at the same
   * time, as their records allow (see {@link PipelineOverlap}): commands of
   * distinct keys, and of one key those of one kind, where the same read
   * twice runs once and a plain SET supersedes the plain SETs of its key
   * before it. Each key sees its commands in order; replies keep the request
   * order.
   */
  private window(): Window {
    const first = this.queue[this.head++] as Buffer[];
    const commands = [first];
    const sameAs: (number | undefined)[] = [undefined];
    const overlap = pipelineOverlap(first);
    if (!overlap) return { commands, sameAs };
    /** Per key: the kind of its commands in the window, and the positions of those that run. */
    const keys = new Map<string, { kind: PipelineOverlap; running: number[] }>([[overlap.key.toString('latin1'), { kind: overlap.kind, running: [0] }]]);
    while (commands.length < WINDOW && this.head < this.queue.length) {
      const next = this.queue[this.head]!;
      if (next instanceof RespProtocolError) break;
      const o = pipelineOverlap(next);
      if (!o) break;
      const key = o.key.toString('latin1');
      const seen = keys.get(key);
      const at = commands.length;
      let same: number | undefined;
      if (seen) {
        if (seen.kind !== o.kind) break;
        if (o.kind === 'read') same = seen.running.find((i) => sameCommand(commands[i]!, next));
        else if (o.kind === 'set') {
          const last = seen.running[seen.running.length - 1]!;
          // Only a SET that cannot fail for its own size takes the reply of the one that supersedes it.
          if (!this.withinValueLimit(commands[last]!) || !this.withinValueLimit(next)) break;
          sameAs[last] = at;
          seen.running.pop();
        }
        if (same === undefined) seen.running.push(at);
      } else keys.set(key, { kind: o.kind, running: [at] });
      commands.push(next);
      sameAs.push(same);
      this.head++;
    }
    return { commands, sameAs };
  }

  /** A plain `SET k v` whose value fits the node's limit with room for its encoding. */
  private withinValueLimit(set: Buffer[]): boolean {
    return set[2]!.length + ENCODING_ROOM <= this.limits.maxValueBytes;
  }

  /** Writes the gathered replies; waits while the socket's buffer is full. */
  private async flush(): Promise<void> {
    if (this.writer.size === 0 || this.closed) return;
    if (this.socket.write(this.writer.take())) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end(this.writer.take());
    // A client that never closes its side is cut off after a while.
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Closes the connection at once (the node is stopping, or the peer went away). */
  close(): void {
    this.closed = true;
    if (!this.socket.destroyed) this.socket.destroy();
  }
}

/** The same command with the same arguments, byte for byte. */
function sameCommand(a: Buffer[], b: Buffer[]): boolean {
  return a.length === b.length && a.every((arg, i) => arg.equals(b[i]!));
}
