/**
 * The write queue of a store: runs read-modify-write cycles one at a time, so
 * that no cycle reads a version another cycle is about to overwrite (the
 * last-writer-wins race), and merges the calls that arrive while a cycle runs
 * into the next one (group commit): one read and one write for all of them.
 */

interface Waiter<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

/** Serialises write cycles and batches waiting calls into them. */
export class WriteQueue<T, R> {
  private waiting: Waiter<T, R>[] = [];
  private flushQueued = false;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    /**
     * Commits a group of items in one cycle and returns one result per item,
     * in order. When it throws, every call of the group fails with the error.
     */
    private readonly commit: (items: T[]) => Promise<R[]>,
  ) {}

  /** Queues an item for the next cycle; settles when that cycle has committed. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        void this.exclusive(() => this.flush());
      }
    });
  }

  /**
   * Runs `task` alone, between cycles: after every cycle and task queued before
   * it. A call submitted later may still join a cycle queued before it.
   */
  exclusive<V>(task: () => Promise<V>): Promise<V> {
    const run = this.tail.then(task);
    this.tail = run.then(noop, noop);
    return run;
  }

  /** Resolves once every cycle and task queued so far, and any they queued, has finished. */
  async idle(): Promise<void> {
    for (let tail = this.tail; ; tail = this.tail) {
      await tail;
      if (tail === this.tail) return;
    }
  }

  /** One cycle: takes every call waiting when it starts, not only the one that queued it. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const group = this.waiting;
    this.waiting = [];
    try {
      const results = await this.commit(group.map((waiter) => waiter.item));
      for (let i = 0; i < group.length; i++) group[i].resolve(results[i]);
    } catch (err) {
      for (const waiter of group) waiter.reject(err);
    }
  }
}

function noop(): void {}
