/** The write queue: one cycle at a time, waiting calls merged, each with its own result. */
import assert from 'node:assert/strict';
import { WriteQueue } from '../../../src/storage/write-queue.js';

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('storage/write-queue', () => {
  it('merges the calls that wait while a cycle runs into the next cycle', async () => {
    const groups: number[][] = [];
    const gate = deferred();
    const queue = new WriteQueue<number, number>(async (items) => {
      groups.push(items);
      if (groups.length === 1) await gate.promise;
      return items.map((item) => item * 10);
    });
    const first = queue.submit(1);
    await Promise.resolve();
    const rest = [queue.submit(2), queue.submit(3), queue.submit(4)];
    gate.resolve();
    assert.deepEqual(await Promise.all([first, ...rest]), [10, 20, 30, 40]);
    assert.deepEqual(groups, [[1], [2, 3, 4]]);
  });

  it('fails every call of a failed cycle, and only those', async () => {
    const queue = new WriteQueue<number, number>(async (items) => {
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    });
    const results = await Promise.allSettled([queue.submit(13), queue.submit(14)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(await queue.submit(15), 15);
  });

  it('runs exclusive tasks between cycles, never during one', async () => {
    const events: string[] = [];
    const started = deferred();
    const gate = deferred();
    const queue = new WriteQueue<string, string>(async (items) => {
      events.push(`start ${items.join(',')}`);
      started.resolve();
      await gate.promise;
      events.push(`end ${items.join(',')}`);
      return items;
    });
    const write = queue.submit('a');
    const task = queue.exclusive(async () => {
      events.push('task');
      return 'done';
    });
    // Submitted after the task, but before the first cycle started: it joins that cycle.
    const joined = queue.submit('b');
    await started.promise;
    const after = queue.submit('c');
    gate.resolve();
    assert.deepEqual(await Promise.all([write, joined, task, after]), ['a', 'b', 'done', 'c']);
    assert.deepEqual(events, ['start a,b', 'end a,b', 'task', 'start c', 'end c']);
  });

  it('is idle once everything queued, and everything those queued, has run', async () => {
    const done: string[] = [];
    const queue = new WriteQueue<string, string>(async (items) => {
      done.push(...items);
      return items;
    });
    void queue.exclusive(async () => {
      void queue.submit('queued by a task');
    });
    void queue.submit('first');
    await queue.idle();
    assert.deepEqual(done.sort(), ['first', 'queued by a task']);
  });
});
