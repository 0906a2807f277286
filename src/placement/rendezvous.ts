/**
 * The placement table (DESIGN.md, Placement): for every partition, the
 * rendezvous ranking of the cluster's members, its home replicas, and on
 * demand its preference list given who is healthy.
 *
 * The table is a pure function of the member list and the options: the input
 * order of the members does not matter, and health never moves ownership.
 * Rankings and home replicas are computed once, in the constructor, so that
 * looking them up per key batch is O(1).
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { resolvePlacementOptions, type PlacementOptions } from './placement-options.js';
import { compareRank, scoreInput, scoreOf } from './rendezvous-score.js';
import { pickAcrossZones, zoneNumbers } from './zones.js';

/** A cluster member, as placement sees it. */
export interface PlacementMember {
  /** Stable node id; unique in the cluster. */
  id: string;
  /** Zone (failure domain); `undefined` or `''` when the member declares none. */
  zone?: string;
}

/** One entry of a partition's preference list. */
export interface PreferredReplica {
  /** Node id of the member to send the partition's requests to. */
  id: string;
  /** Set when this member stands in for an unhealthy home replica: that replica's id, to keep a hint for. */
  hintFor?: string;
}

/**
 * Rendezvous placement of a fixed set of partitions on a set of members.
 * Build a new table whenever membership changes; health changes need none.
 */
export class PlacementTable {
  /** Number of partitions. */
  readonly partitions: number;
  /** Replication factor N. */
  readonly replicas: number;
  /** The members, sorted by id, each reduced to `id` and (when declared) `zone`. */
  readonly members: readonly PlacementMember[];

  /** Member ids, sorted; a member's number is its position here. */
  readonly #ids: readonly string[];
  readonly #zoneOf: Int32Array;
  /** Per partition: member numbers, best first. */
  readonly #order: Int32Array[] = [];
  readonly #ranking: (readonly string[])[] = [];
  /** Per partition: the home replicas' member numbers, in choice order. */
  readonly #home: Int32Array[] = [];
  readonly #homeIds: (readonly string[])[] = [];

  /**
   * Ranks `members` for every partition. Throws `DSTASH_INVALID_OPTIONS` for
   * options out of range, and `DSTASH_INVALID_ARGUMENT` for an empty or
   * repeated member id.
   */
  constructor(members: readonly PlacementMember[], options?: Partial<PlacementOptions>) {
    const { partitions, replicas } = resolvePlacementOptions(options);
    this.partitions = partitions;
    this.replicas = replicas;
    this.members = normalizeMembers(members);
    const ids = this.members.map((m) => m.id);
    this.#ids = ids;
    this.#zoneOf = zoneNumbers(this.members.map((m) => m.zone));

    const count = ids.length;
    const inputs = ids.map(scoreInput);
    const hi = new Uint32Array(count);
    const lo = new Uint32Array(count);
    const byRank = (a: number, b: number): number => compareRank(hi[a]!, lo[a]!, ids[a]!, hi[b]!, lo[b]!, ids[b]!);
    // Sorted in place partition after partition: the comparator is a total
    // order, so the order it starts from does not change the result.
    const ranked = ids.map((_, member) => member);
    const homeCount = Math.min(replicas, count);
    const everyone = (): boolean => true;
    for (let partition = 0; partition < partitions; partition++) {
      for (let member = 0; member < count; member++) {
        const score = scoreOf(inputs[member]!, partition);
        hi[member] = score.hi;
        lo[member] = score.lo;
      }
      ranked.sort(byRank);
      const order = Int32Array.from(ranked);
      const home = Int32Array.from(pickAcrossZones(order, homeCount, this.#zoneOf, [], everyone));
      this.#order.push(order);
      this.#ranking.push(Object.freeze(ranked.map((member) => ids[member]!)));
      this.#home.push(home);
      this.#homeIds.push(Object.freeze(Array.from(home, (member) => ids[member]!)));
    }
  }

  /** Every member id, best first for `partition`. */
  ranking(partition: number): readonly string[] {
    return this.#ranking[this.#checkPartition(partition)]!;
  }

  /**
   * The ids of `partition`'s home replicas: min(N, members) of them, one per
   * zone first (best-ranked member of each zone, in rank order), then the
   * rest in rank order. Without zones: the first N of the ranking.
   */
  homeReplicas(partition: number): readonly string[] {
    return this.#homeIds[this.#checkPartition(partition)]!;
  }

  /**
   * Where `partition`'s requests go now: each healthy home replica in
   * {@link homeReplicas} order, and in place of each unhealthy one the next
   * healthy member of the ranking that is not chosen yet, preferring zones the
   * list does not use yet, tagged with the replica it stands in for. Shorter
   * than N when too few members are healthy.
   */
  preferenceList(partition: number, isHealthy: (id: string) => boolean): PreferredReplica[] {
    const home = this.#home[this.#checkPartition(partition)]!;
    const ids = this.#ids;
    const healthy = Array.from(home, (member) => isHealthy(ids[member]!));
    const down = healthy.filter((up) => !up).length;
    const usedZones: number[] = [];
    home.forEach((member, i) => {
      if (healthy[i]) usedZones.push(this.#zoneOf[member]!);
    });
    const standIns =
      down === 0
        ? []
        : pickAcrossZones(this.#order[partition]!, down, this.#zoneOf, usedZones, (member) => !home.includes(member) && isHealthy(ids[member]!));

    const list: PreferredReplica[] = [];
    let next = 0;
    home.forEach((member, i) => {
      if (healthy[i]) list.push({ id: ids[member]! });
      else if (next < standIns.length) list.push({ id: ids[standIns[next++]!]!, hintFor: ids[member]! });
    });
    return list;
  }

  /** The partitions `id` is a home replica of, ascending; none for a non-member. */
  partitionsOwnedBy(id: string): number[] {
    const member = this.#ids.indexOf(id);
    const owned: number[] = [];
    if (member < 0) return owned;
    this.#home.forEach((home, partition) => {
      if (home.includes(member)) owned.push(partition);
    });
    return owned;
  }

  /** How many partitions each member is a home replica of, by id (every member, in id order). */
  ownership(): Map<string, number> {
    const counts = new Array<number>(this.#ids.length).fill(0);
    for (const home of this.#home) for (const member of home) counts[member]!++;
    return new Map(this.#ids.map((id, member) => [id, counts[member]!]));
  }

  #checkPartition(partition: number): number {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.partitions) {
      throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid partition ${partition}: the table has partitions 0 to ${this.partitions - 1}`);
    }
    return partition;
  }
}

/**
 * The partitions whose set of home replicas differs between two tables of the
 * same partition count: the ones a membership change moves. Throws
 * `DSTASH_INVALID_ARGUMENT` when the partition counts differ.
 */
export function movedPartitions(before: PlacementTable, after: PlacementTable): number[] {
  if (before.partitions !== after.partitions) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidArgument,
      `cannot compare placement tables of ${before.partitions} and ${after.partitions} partitions: the partition count is fixed for a cluster's life`,
    );
  }
  const moved: number[] = [];
  for (let partition = 0; partition < before.partitions; partition++) {
    const was = before.homeReplicas(partition);
    const now = after.homeReplicas(partition);
    if (was.length !== now.length || was.some((id) => !now.includes(id))) moved.push(partition);
  }
  return moved;
}

/** Sorts members by id into frozen `{ id, zone? }` copies; rejects empty and repeated ids. */
function normalizeMembers(members: readonly PlacementMember[]): readonly PlacementMember[] {
  const sorted = members
    .map(({ id, zone }) => {
      if (typeof id !== 'string' || id === '') {
        throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid member id ${JSON.stringify(id)}: must be a non-empty string`);
      }
      return Object.freeze(zone ? { id, zone } : { id });
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) {
      throw new InvalidArgumentError(ErrorCode.InvalidArgument, `member id ${JSON.stringify(sorted[i]!.id)} appears more than once: member ids must be unique`);
    }
  }
  return Object.freeze(sorted);
}
