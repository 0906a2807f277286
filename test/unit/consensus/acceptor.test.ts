import assert from 'node:assert/strict';
import { acceptRule, decodeAcceptorState, EMPTY_ACCEPTOR_STATE, encodeAcceptorState, prepareRule, type RegisterValue } from '../../../src/consensus/acceptor-state.js';
import { ErrorCode, hasCode } from '../../../src/errors.js';
import { LocalAcceptor } from '../../../src/node/consensus/local-acceptor.js';
import { partitionOf } from '../../../src/placement/partition.js';
import { LevelStore } from '../../../src/storage/level-store.js';
import { encodeVersion } from '../../../src/version.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ballot = (ms: number, writer = 1): Buffer => encodeVersion(ms, 0, writer);
const value = (text: string, version: Buffer, ops: Buffer[] = []): RegisterValue => ({ record: { value: Buffer.from(text), version, expiresAt: 0, tombstone: false }, ops });

describe('Paxos acceptor', () => {
  describe('rules', () => {
    it('promises only a ballot higher than every promise and accept so far', () => {
      const first = prepareRule(EMPTY_ACCEPTOR_STATE, ballot(10));
      assert.equal(first.promised, true);
      assert.equal(prepareRule(first.next!, ballot(10)).promised, false, 'the same ballot twice');
      assert.equal(prepareRule(first.next!, ballot(9)).promised, false);
      assert.equal(prepareRule(first.next!, ballot(10, 2)).promised, true, 'the writer id breaks ties');
    });

    it('accepts at or above the promise, never below, and never the same ballot twice', () => {
      const promised = prepareRule(EMPTY_ACCEPTOR_STATE, ballot(10)).next!;
      assert.equal(acceptRule(promised, ballot(9), value('a', ballot(9))).accepted, false);
      const accepted = acceptRule(promised, ballot(10), value('a', ballot(10)));
      assert.equal(accepted.accepted, true);
      assert.equal(acceptRule(accepted.next!, ballot(10), value('b', ballot(10))).accepted, false);
      assert.equal(acceptRule(accepted.next!, ballot(11), value('b', ballot(11))).accepted, true, 'a higher ballot without its prepare (it was promised elsewhere)');
    });

    it('round-trips its state through the durable encoding and refuses garbage with DSTASH_CORRUPT', () => {
      const ops = [Buffer.alloc(16, 1), Buffer.alloc(16, 2)];
      const state = { promised: ballot(12), acceptedBallot: ballot(11), accepted: { record: { value: Buffer.from('v'), version: ballot(7), expiresAt: 1234, tombstone: false }, ops } };
      assert.deepEqual(decodeAcceptorState(encodeAcceptorState(state)), state);
      const tomb = { promised: ballot(3), acceptedBallot: ballot(3), accepted: { record: { value: Buffer.alloc(0), version: ballot(3), expiresAt: 0, tombstone: true }, ops: [] } };
      assert.deepEqual(decodeAcceptorState(encodeAcceptorState(tomb)), tomb);
      assert.deepEqual(decodeAcceptorState(encodeAcceptorState(EMPTY_ACCEPTOR_STATE)), { promised: Buffer.alloc(0), acceptedBallot: Buffer.alloc(0) });
      assert.throws(() => decodeAcceptorState(Buffer.from([9, 0, 0])), (err) => hasCode(err, ErrorCode.Corrupt));
      assert.throws(() => decodeAcceptorState(Buffer.from([1, 12, 1])), (err) => hasCode(err, ErrorCode.Corrupt));
    });
  });

  describe('on LevelDB', () => {
    it('keeps promises and accepted values across a close and reopen, apart from the records', async () => {
      const dir = await tempDir('dstash-acceptor-');
      const store = new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0 });
      try {
        await store.open();
        const acceptor = new LocalAcceptor(store, 1024, 1024);
        const key = Buffer.from('k');
        assert.equal((await acceptor.prepare('default', key, ballot(5))).promised, true);
        assert.equal((await acceptor.accept('default', key, ballot(5), value('five', ballot(5), [Buffer.alloc(16, 7)]))).accepted, true);
        assert.equal((await acceptor.prepare('default', key, ballot(8))).promised, true);
        await store.close();

        await store.open();
        const again = new LocalAcceptor(store, 1024, 1024);
        const refused = await again.prepare('default', key, ballot(7));
        assert.equal(refused.promised, false, 'the promise of ballot 8 survived');
        assert.deepEqual(refused.promisedBallot, ballot(8));
        assert.deepEqual(refused.acceptedBallot, ballot(5));
        assert.equal(refused.accepted?.record.value.toString(), 'five');
        assert.deepEqual(refused.accepted?.ops, [Buffer.alloc(16, 7)]);
        assert.equal(refused.stored, undefined, 'an accepted value is not a record until committed');
        assert.equal((await again.accept('default', key, ballot(7), value('seven', ballot(7)))).accepted, false);
        let records = 0;
        for (let p = 0; p < 1024; p++) for await (const _ of store.partition(p)) records += 1;
        assert.equal(records, 0, 'partition scans (transfer, digests) never see acceptor state');
      } finally {
        await store.close();
        await dir.cleanup();
      }
    });

    it('takes concurrent prepares on one key one at a time, in arrival order', async () => {
      const dir = await tempDir('dstash-acceptor-');
      const store = new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0 });
      try {
        await store.open();
        const acceptor = new LocalAcceptor(store, 1024, 1024);
        const key = Buffer.from('hot');
        const replies = await Promise.all([3, 1, 2].map((w) => acceptor.prepare('default', key, ballot(100, w))));
        // In arrival order 3, 1, 2: only writer 3's ballot is the highest when it arrives first.
        assert.deepEqual(replies.map((r) => r.promised), [true, false, false]);
      } finally {
        await store.close();
        await dir.cleanup();
      }
    });

    it('reads and writes a batch at once; a corrupt state fails its own step only', async () => {
      const dir = await tempDir('dstash-acceptor-');
      const store = new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0 });
      try {
        await store.open();
        const acceptor = new LocalAcceptor(store, 1024, 1024);
        const bad = Buffer.from('bad');
        await store.putPaxosStates([{ key: { partition: partitionOf('default', bad, 1024), index: 'default', key: bad }, state: Buffer.from([9, 9]) }]);
        const results = await acceptor.run([
          { phase: 'prepare', index: 'default', key: Buffer.from('a'), ballot: ballot(5) },
          { phase: 'prepare', index: 'default', key: bad, ballot: ballot(5) },
          { phase: 'accept', index: 'default', key: Buffer.from('a'), ballot: ballot(5), value: value('five', ballot(5)) },
          { phase: 'prepare', index: 'default', key: Buffer.alloc(0), ballot: ballot(5) },
        ]);
        assert.deepEqual(results.map((r) => ('error' in r ? (r.error as { code: string }).code : r.phase)), ['prepare', ErrorCode.Corrupt, 'accept', ErrorCode.InvalidKey]);
        assert.equal((await acceptor.prepare('default', Buffer.from('a'), ballot(6))).accepted?.record.value.toString(), 'five', 'the accept ran after the prepare of its batch');
      } finally {
        await store.close();
        await dir.cleanup();
      }
    });

    it('refuses bad input with typed errors and changes nothing', async () => {
      const dir = await tempDir('dstash-acceptor-');
      const store = new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0 });
      try {
        await store.open();
        const acceptor = new LocalAcceptor(store, 1024, 16);
        await assert.rejects(acceptor.prepare('bad index!', Buffer.from('k'), ballot(1)), (err) => hasCode(err, ErrorCode.InvalidIndex));
        await assert.rejects(acceptor.prepare('default', Buffer.alloc(0), ballot(1)), (err) => hasCode(err, ErrorCode.InvalidKey));
        await assert.rejects(acceptor.prepare('default', Buffer.from('k'), Buffer.from('short')), (err) => hasCode(err, ErrorCode.InvalidArgument));
        await assert.rejects(acceptor.accept('default', Buffer.from('k'), ballot(1), value('x'.repeat(17), ballot(1))), (err) => hasCode(err, ErrorCode.InvalidValue));
        await assert.rejects(acceptor.accept('default', Buffer.from('k'), ballot(1), value('x', ballot(1), [Buffer.alloc(3)])), (err) => hasCode(err, ErrorCode.InvalidArgument));
        assert.equal((await acceptor.prepare('default', Buffer.from('k'), ballot(1))).promised, true, 'nothing was promised or accepted before');
      } finally {
        await store.close();
        await dir.cleanup();
      }
    });
  });
});
