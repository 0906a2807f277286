import assert from 'node:assert/strict';
import { clientLine } from '../../../../src/node/redis/commands/client-list.js';
import type { Session } from '../../../../src/node/redis/commands/command.js';
import { ScanCursors } from '../../../../src/node/redis/scan-cursors.js';

/** `CLIENT LIST` of redis-server 7.0.15, one connection. */
const REDIS_LINE =
  'id=458 addr=127.0.0.1:54356 laddr=127.0.0.1:16399 fd=7 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=20448 ' +
  'argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=37658 events=r cmd=client|list user=default redir=-1 resp=2';

const fieldNames = (line: string): string[] => line.split(' ').map((f) => f.slice(0, f.indexOf('=')));

describe('Redis CLIENT LIST lines', () => {
  const session: Session = {
    id: 7, index: 'db3', db: 3, consistency: 'QUORUM', resp3: true, name: Buffer.from('worker'), closing: false, cursors: new ScanCursors(),
    addr: '127.0.0.1:40000', laddr: '127.0.0.1:6380', fd: 21, createdAt: 1_000, lastActiveAt: 60_000, lastCommand: 'get',
  };

  it("has redis-server 7.0's fields in its order", () => {
    assert.deepEqual(fieldNames(clientLine(session, 65_500)), fieldNames(REDIS_LINE));
  });

  it('tells the connection: id, addresses, name, age and idle in seconds, db, last command, protocol', () => {
    const line = clientLine(session, 65_500);
    assert.match(line, /^id=7 addr=127\.0\.0\.1:40000 laddr=127\.0\.0\.1:6380 fd=21 name=worker age=64 idle=5 flags=N db=3 /);
    assert.match(line, / cmd=get user=default redir=-1 resp=3$/);
    assert.match(clientLine({ ...session, name: null, resp3: false }, 65_500), / name= age=.* resp=2$/);
  });
});
