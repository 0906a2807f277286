import assert from 'node:assert/strict';
import { ReplicaLane } from '../../../src/client/replica-lane.js';
import { DstashError, ErrorCode } from '../../../src/errors.js';
import { waitFor } from '../../helpers/wait.js';

/** A send that stays pending until released, as a frozen replica's. */
function pending(): { promise: Promise<string>; release: (err?: DstashError) => void } {
  let resolve!: (v: string) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, release: (err) => (err ? reject(err) : resolve('late')) };
}

const timeout = (): DstashError => new DstashError(ErrorCode.Timeout, 'no answer');

describe('client/replica-lane: a bulkhead with outlier detection', () => {
  it('runs at most `concurrency` messages at once and queues the rest in order', async () => {
    const lane = new ReplicaLane('r1', { concurrency: 2, stallMs: 10_000, failuresToEject: 5, ejectMs: 100 });
    const sends = [pending(), pending(), pending()];
    let started = 0;
    const results = sends.map((s) => lane.run(() => {
      started += 1;
      return s.promise;
    }));
    assert.equal(started, 2);
    assert.equal(lane.queued, 1);
    sends[0]!.release();
    await results[0];
    assert.equal(started, 3, 'the queued message starts when a slot frees');
    sends[1]!.release();
    sends[2]!.release();
    assert.deepEqual(await Promise.all(results), ['late', 'late', 'late']);
  });

  it('ejects a replica with messages in flight and no answer for stallMs, failing its queue at once', async () => {
    const changes: [string, boolean][] = [];
    const lane = new ReplicaLane('r1', { concurrency: 1, stallMs: 50, failuresToEject: 5, ejectMs: 60_000 }, (id, ejected) => changes.push([id, ejected]));
    const stuck = pending();
    const first = lane.run(() => stuck.promise);
    const queued = lane.run(() => Promise.resolve('never'));
    await assert.rejects(queued, (err: DstashError) => err.code === ErrorCode.Unavailable && /outlier detection/.test(err.message));
    assert.ok(lane.ejected);
    assert.deepEqual(changes, [['r1', true]]);
    await assert.rejects(lane.run(() => Promise.resolve('x')), (err: DstashError) => err.code === ErrorCode.Unavailable, 'new messages fail fast');
    stuck.release();
    assert.equal(await first, 'late');
    assert.equal(lane.ejected, false, 'an answer brings the replica back');
    assert.deepEqual(changes, [['r1', true], ['r1', false]]);
  });

  it('ejects after failuresToEject unreachable failures in a row, then lets one probe through after ejectMs', async () => {
    const lane = new ReplicaLane('r1', { concurrency: 4, stallMs: 10_000, failuresToEject: 3, ejectMs: 50 });
    for (let i = 0; i < 3; i++) await assert.rejects(lane.run(() => Promise.reject(timeout())));
    assert.ok(lane.ejected);
    await assert.rejects(lane.run(() => Promise.resolve('x')), (err: DstashError) => err.code === ErrorCode.Unavailable);
    // Past the ejection period one probe goes through; while it is in flight, the others still fail fast.
    const probe = pending();
    let probeStarted = false;
    const attempts: Promise<unknown>[] = [];
    await waitFor(() => {
      attempts.push(lane.run(() => {
        probeStarted = true;
        return probe.promise;
      }).catch((e: unknown) => e));
      return probeStarted;
    }, 'the probe to be let through');
    await assert.rejects(lane.run(() => Promise.resolve('x')), (err: DstashError) => err.code === ErrorCode.Unavailable);
    probe.release();
    await Promise.all(attempts);
    assert.equal(lane.ejected, false, 'the probe answer restores the lane');
    assert.equal(await lane.run(() => Promise.resolve('ok')), 'ok');
  });

  it('readmit (discovery saw the replica healthy) lets every message through at once, not one probe', async () => {
    const changes: [string, boolean][] = [];
    const lane = new ReplicaLane('r1', { concurrency: 4, stallMs: 10_000, failuresToEject: 2, ejectMs: 60_000 }, (id, ejected) => changes.push([id, ejected]));
    for (let i = 0; i < 2; i++) await assert.rejects(lane.run(() => Promise.reject(timeout())));
    assert.ok(lane.ejected);
    lane.readmit();
    assert.equal(lane.ejected, false);
    const first = pending();
    const inFlight = lane.run(() => first.promise);
    assert.equal(await lane.run(() => Promise.resolve('second')), 'second', 'a second message goes while the first is in flight');
    first.release();
    assert.equal(await inFlight, 'late');
    assert.deepEqual(changes, [['r1', true], ['r1', false]]);
  });

  it('does not count an answer with an error as a failure to reach the replica', async () => {
    const lane = new ReplicaLane('r1', { concurrency: 4, stallMs: 10_000, failuresToEject: 2, ejectMs: 50 });
    for (let i = 0; i < 5; i++) {
      await assert.rejects(lane.run(() => Promise.reject(new DstashError(ErrorCode.InvalidKey, 'bad key'))));
    }
    assert.equal(lane.ejected, false);
  });

  it('gives the p99 of recent answers, queueing included, once it has enough of them', async () => {
    const lane = new ReplicaLane('r1', { concurrency: 64, stallMs: 10_000, failuresToEject: 5, ejectMs: 50 });
    assert.equal(lane.p99(123), 123, 'the fallback before any answer');
    await Promise.all(Array.from({ length: 20 }, () => lane.run(() => Promise.resolve('x'))));
    assert.ok(lane.p99(123) < 50);
  });
});
