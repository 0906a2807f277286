/**
 * In-memory replicas and membership, for tests of the coordinator's rounds
 * and of the node's self-healing without a network: every call a replica
 * gets is recorded, and a replica can be taken down or held (its calls wait
 * until released, as a frozen process's do).
 */
import { Coordinator } from '../../src/client/coordinator.js';
import type { CoordinatorOptions } from '../../src/client/client-options.js';
import type { Discovery, Member, MembershipListener } from '../../src/discovery/discovery.js';
import { DstashError, ErrorCode } from '../../src/errors.js';
import { partitionOf } from '../../src/placement/index.js';
import type { ApplyOutcome, PartitionRecord, ReadOutcome, ReplicaRecord, ReplicaTransport, ReplicaValue } from '../../src/replica-types.js';
import { compareVersions } from '../../src/version.js';

/** One Apply a fake replica received. */
export interface ApplyCall {
  index: string;
  /** The records' keys, as UTF-8. */
  keys: string[];
  hintFor?: string;
}

/** A replica that stores records in a Map and answers last-writer-wins. */
export class FakeReplica implements ReplicaTransport {
  /** What it stores, by index and key. */
  readonly records = new Map<string, ReplicaValue>();
  /** Every Apply that reached it (down replicas record none). */
  readonly applies: ApplyCall[] = [];
  /** Every Read that reached it, as the keys asked (UTF-8). */
  readonly reads: string[][] = [];
  /** Down: every call rejects as unreachable. */
  down = false;
  /** Records it answers with an error (a failing store): the hinted ones only, or all. */
  refuse: 'nothing' | 'hints' | 'everything' = 'nothing';
  /** Calls waiting for `release()`. */
  parked = 0;
  private gate?: { opened: Promise<void>; open: () => void };

  constructor(readonly id: string) {}

  /** From now on, calls wait until `release()`. */
  hold(): void {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.gate = { opened, open };
  }

  /** Lets the held calls (and later ones) through. */
  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  /** Stores a record directly, as an earlier write would have. */
  seed(index: string, key: string, value: ReplicaValue): void {
    this.records.set(recordId(index, Buffer.from(key)), value);
  }

  /** The record stored for `key`, if any. */
  stored(index: string, key: string): ReplicaValue | undefined {
    return this.records.get(recordId(index, Buffer.from(key)));
  }

  async apply(index: string, records: readonly ReplicaRecord[], _timeoutMs: number, hintFor?: string): Promise<ApplyOutcome[]> {
    await this.enter();
    this.applies.push({ index, keys: records.map((r) => r.key.toString()), hintFor });
    if (this.refuse === 'everything' || (this.refuse === 'hints' && hintFor !== undefined)) {
      return records.map(() => ({ applied: false, error: new DstashError(ErrorCode.Internal, `${this.id}: store failed`) }));
    }
    return records.map((r) => {
      const id = recordId(index, r.key);
      const old = this.records.get(id);
      if (old && compareVersions(r.version, old.version) <= 0) return { applied: false };
      this.records.set(id, { value: r.value, version: r.version, expiresAt: r.expiresAt, tombstone: r.tombstone });
      return { applied: true };
    });
  }

  async read(index: string, keys: readonly Buffer[]): Promise<ReadOutcome[]> {
    await this.enter();
    this.reads.push(keys.map((k) => k.toString()));
    return keys.map((k) => {
      const record = this.records.get(recordId(index, k));
      return record ? { record } : {};
    });
  }

  scan(): AsyncIterable<ReplicaRecord> {
    return unsupported('scan');
  }

  partitionScan(): AsyncIterable<PartitionRecord> {
    return unsupported('partitionScan');
  }

  digest(): Promise<Buffer[]> {
    return Promise.reject(new Error('a fake replica keeps no digests'));
  }

  close(): void {
    this.release();
  }

  private async enter(): Promise<void> {
    if (this.gate) {
      this.parked += 1;
      await this.gate.opened;
      this.parked -= 1;
    }
    if (this.down) throw new DstashError(ErrorCode.Unavailable, `${this.id} is down`);
  }
}

async function* unsupported(what: string): AsyncGenerator<never> {
  yield* [];
  throw new Error(`a fake replica does not ${what}`);
}

function recordId(index: string, key: Buffer): string {
  return `${index}/${key.toString('hex')}`;
}

/** A member list set by the test; every change is announced to the listeners. */
export class FakeMembers implements Discovery {
  private list: Member[];
  private readonly listeners = new Set<MembershipListener>();

  constructor(ids: readonly string[]) {
    this.list = [...ids].sort().map((id) => ({ id, address: `${id}.invalid:7420`, healthy: true }));
  }

  async start(): Promise<void> {}

  members(): readonly Member[] {
    return this.list;
  }

  onChange(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {}

  /** Marks a member healthy or not, as its health checks would. */
  setHealthy(id: string, healthy: boolean): void {
    this.announce(this.list.map((m) => (m.id === id ? { ...m, healthy } : m)));
  }

  /** Removes a member, as deregistration would. */
  remove(id: string): void {
    this.announce(this.list.filter((m) => m.id !== id));
  }

  private announce(list: Member[]): void {
    this.list = list;
    for (const listener of this.listeners) listener(list);
  }
}

/** A started coordinator over `members`, reaching each member through `transport(id)`. */
export async function startCoordinator(
  members: FakeMembers,
  transport: (id: string) => ReplicaTransport,
  options: Partial<CoordinatorOptions> = {},
): Promise<Coordinator> {
  const coordinator = new Coordinator(members, (m) => transport(m.id), { partitions: 16, ...options });
  await coordinator.start();
  return coordinator;
}

/** The home replicas of `key`, in rank order. */
export function homesOf(coordinator: Coordinator, index: string, key: string): readonly string[] {
  return coordinator.view.placement.homeReplicas(partitionOf(index, Buffer.from(key), coordinator.options.partitions));
}

/** Whom a read of `key` asks, in order (the preference list first). */
export function readOrderOf(coordinator: Coordinator, index: string, key: string): readonly string[] {
  return coordinator.view.readTargets(partitionOf(index, Buffer.from(key), coordinator.options.partitions));
}
