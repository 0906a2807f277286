import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Coordinator, LookupOutcome, PutItem, SerialCoordinator, WriteOutcome } from '../../../../src/client/index.js';
import { DstashError, ErrorCode } from '../../../../src/errors.js';
import type { CommandContext, Session } from '../../../../src/node/redis/commands/command.js';
import { Keyspace } from '../../../../src/node/redis/keyspace.js';
import { RedisConnection } from '../../../../src/node/redis/redis-connection.js';
import { ScanCursors } from '../../../../src/node/redis/scan-cursors.js';

/** The node's value limit in these tests: small, so that a SET may fail for its size. */
const MAX_VALUE = 64;

/** A coordinator over a map that records every batch it is asked for, and fails values above the limit as the real one does. */
class RecordingCoordinator {
  readonly store = new Map<string, Buffer>();
  readonly puts: string[][] = [];
  readonly lookups: string[][] = [];

  putMany(_index: string, items: readonly PutItem[]): Promise<WriteOutcome[]> {
    this.puts.push(items.map((i) => `${i.key.toString()}=${i.value.toString()}`));
    return Promise.resolve(items.map((i) => {
      if (i.value.length > MAX_VALUE) return { error: new DstashError(ErrorCode.InvalidArgument, `value of ${i.value.length} bytes is above the limit`) };
      this.store.set(i.key.toString(), i.value);
      return { version: Buffer.alloc(12) };
    }));
  }

  lookupMany(_index: string, keys: readonly Buffer[]): Promise<LookupOutcome[]> {
    this.lookups.push(keys.map((k) => k.toString()));
    return Promise.resolve(keys.map((k) => {
      const value = this.store.get(k.toString());
      return value ? { found: true, value, expiresAt: 0 } : { found: false };
    }));
  }
}

/** RESP of one command. */
function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

describe('Redis pipeline window: commands of one key in one window', () => {
  let server: Server;
  let coordinator: RecordingCoordinator;

  beforeEach(async () => {
    coordinator = new RecordingCoordinator();
    const keyspace = new Keyspace(coordinator as unknown as Coordinator, {} as SerialCoordinator);
    server = createServer((socket) => {
      const session: Session = { id: 1, index: 'default', db: 0, consistency: 'QUORUM', resp3: false, name: null, closing: false, cursors: new ScanCursors(),
    addr: '127.0.0.1:1', laddr: '127.0.0.1:2', fd: -1, createdAt: 0, lastActiveAt: 0, lastCommand: 'NULL' };
      const ctx: CommandContext = {
        session,
        keyspace,
        coordinator: coordinator as unknown as Coordinator,
        maxValueBytes: MAX_VALUE,
        server: { nodeId: () => 'n1', connectedClients: () => 1, startedAt: 0, port: () => 0, bind: '127.0.0.1', clients: () => [], config: new Map() },
      };
      new RedisConnection(socket, session, () => ctx, { maxBulkBytes: 1024, maxArrayLength: 1024, maxCommandBytes: 4096, maxInlineBytes: 1024, maxValueBytes: MAX_VALUE });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Sends the commands as one pipeline; the replies, once all `count` lines came back. */
  async function pipeline(commands: string[][], lines: number): Promise<string[]> {
    const socket: Socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    let text = '';
    const done = new Promise<string[]>((resolve, reject) => {
      socket.on('data', (d: Buffer) => {
        text += d.toString();
        const got = text.split('\r\n').slice(0, -1);
        if (got.length >= lines) resolve(got);
      });
      socket.on('error', reject);
    });
    socket.write(commands.map((c) => resp(...c)).join(''));
    try {
      return await done;
    } finally {
      socket.destroy();
    }
  }

  it('writes only the last of pipelined SETs of one key, answers each, and a GET after them sees the last', async () => {
    const replies = await pipeline([['SET', 'k', 'a'], ['SET', 'k', 'b'], ['SET', 'other', 'x'], ['SET', 'k', 'c'], ['GET', 'k']], 6);
    assert.deepEqual(replies, ['+OK', '+OK', '+OK', '+OK', '$1', 'c']);
    assert.deepEqual(coordinator.puts.flat().sort(), ['k=c', 'other=x'], 'a and b were superseded by c before anything was sent');
    assert.deepEqual(coordinator.lookups, [['k']], 'the GET ran after the SETs');
  });

  it('reads a key once for the same read twice, and runs other reads of it beside it', async () => {
    coordinator.store.set('k', Buffer.from('v'));
    const replies = await pipeline([['GET', 'k'], ['GET', 'k'], ['STRLEN', 'k'], ['GET', 'k'], ['EXISTS', 'k']], 8);
    assert.deepEqual(replies, ['$1', 'v', '$1', 'v', ':1', '$1', 'v', ':1']);
    // GET k once, STRLEN k and EXISTS k each once: three reads of the key, in one window.
    assert.equal(coordinator.lookups.flat().length, 3);
  });

  it('does not let a SET that fails for its size take the reply of the SET after it, nor supersede it', async () => {
    const big = 'x'.repeat(MAX_VALUE + 1);
    const replies = await pipeline([['SET', 'k', big], ['SET', 'k', 'ok'], ['GET', 'k']], 4);
    assert.match(replies[0]!, /^-DSTASH_INVALID_ARGUMENT /);
    assert.deepEqual(replies.slice(1), ['+OK', '$2', 'ok']);
    assert.deepEqual(coordinator.puts.flat().map((p) => p.split('=')[0]), ['k', 'k'], 'both SETs were sent, in order');
  });
});
