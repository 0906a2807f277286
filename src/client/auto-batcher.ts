/**
 * Auto-batching: single-key calls made in the same tick of the event loop are
 * gathered and sent as one batch, as ioredis auto-pipelining does, so that
 * many concurrent callers ride the batch streams instead of paying one round
 * trip each. A group is flushed on the next tick, or as soon as it is full.
 */

interface Group<In, Out> {
  items: In[];
  waiters: { resolve(out: Out): void; reject(err: unknown): void }[];
  /** Sum of the items' sizes (with {@link BatchSizing}). */
  bytes: number;
}

/** Bounds a group by bytes as well as by items: an item that would take it past `maxBytes` starts the next group (one larger item travels alone). */
export interface BatchSizing<In> {
  sizeOf(item: In): number;
  maxBytes: number;
}

/** Sends a group of items as one batch; one result per item, in order. */
export type BatchSender<In, Out> = (key: string, items: In[]) => Promise<Out[]>;

/** Gathers items by group key and sends each group through `send`. */
export class AutoBatcher<In, Out> {
  private readonly groups = new Map<string, Group<In, Out>>();
  private scheduled = false;
  /** Batches sent so far. */
  batches = 0;

  constructor(
    private readonly send: BatchSender<In, Out>,
    private readonly maxItems: number,
    private readonly sizing?: BatchSizing<In>,
  ) {}

  /** Queues one item in group `key`; resolves with its own result. */
  add(key: string, item: In): Promise<Out> {
    const size = this.sizing ? this.sizing.sizeOf(item) : 0;
    let group = this.groups.get(key);
    if (group && this.sizing && group.bytes + size > this.sizing.maxBytes) {
      this.groups.delete(key);
      this.flushGroup(key, group);
      group = undefined;
    }
    if (!group) this.groups.set(key, (group = { items: [], waiters: [], bytes: 0 }));
    const g = group;
    const result = new Promise<Out>((resolve, reject) => g.waiters.push({ resolve, reject }));
    g.items.push(item);
    g.bytes += size;
    if (g.items.length >= this.maxItems) {
      this.groups.delete(key);
      this.flushGroup(key, g);
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return result;
  }

  private flush(): void {
    this.scheduled = false;
    const groups = [...this.groups];
    this.groups.clear();
    for (const [key, group] of groups) this.flushGroup(key, group);
  }

  private flushGroup(key: string, group: Group<In, Out>): void {
    this.batches += 1;
    this.send(key, group.items).then(
      (results) => group.waiters.forEach((w, i) => w.resolve(results[i]!)),
      (err: unknown) => group.waiters.forEach((w) => w.reject(err)),
    );
  }
}
