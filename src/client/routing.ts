/**
 * The coordinator's view of the cluster: the placement table built from the
 * member list, who is healthy, and each partition's preference list, cached
 * until membership or health changes.
 */
import { sameMembers, type Member } from '../discovery/discovery.js';
import { PlacementTable, type PreferredReplica } from '../placement/index.js';

/** Placement plus health, rebuilt from each membership update. */
export class Routing {
  private table: PlacementTable;
  private members: readonly Member[] = [];
  private byId = new Map<string, Member>();
  private healthy = new Set<string>();
  private preference: (PreferredReplica[] | undefined)[];
  private readOrder: (string[] | undefined)[];

  constructor(
    private readonly partitions: number,
    private readonly replicas: number,
  ) {
    this.table = new PlacementTable([], { partitions, replicas });
    this.preference = new Array<PreferredReplica[] | undefined>(partitions);
    this.readOrder = new Array<string[] | undefined>(partitions);
  }

  /** Applies a new member list; returns the ids of members that left or changed address. */
  update(members: readonly Member[]): string[] {
    if (sameMembers(this.members, members)) return [];
    const gone: string[] = [];
    for (const old of this.members) {
      const now = members.find((m) => m.id === old.id);
      if (!now || now.address !== old.address) gone.push(old.id);
    }
    const placementChanged =
      members.length !== this.members.length || members.some((m, i) => m.id !== this.members[i]?.id || (m.zone ?? '') !== (this.members[i]?.zone ?? ''));
    if (placementChanged) this.table = new PlacementTable(members.map((m) => ({ id: m.id, zone: m.zone })), { partitions: this.partitions, replicas: this.replicas });
    this.members = members;
    this.byId = new Map(members.map((m) => [m.id, m]));
    this.healthy = new Set(members.filter((m) => m.healthy).map((m) => m.id));
    this.preference = new Array<PreferredReplica[] | undefined>(this.partitions);
    this.readOrder = new Array<string[] | undefined>(this.partitions);
    return gone;
  }

  /** The current members. */
  get memberList(): readonly Member[] {
    return this.members;
  }

  /** The current placement table. */
  get placement(): PlacementTable {
    return this.table;
  }

  /** A member by id. */
  member(id: string): Member | undefined {
    return this.byId.get(id);
  }

  /** True when `id` is a healthy member. */
  isHealthy(id: string): boolean {
    return this.healthy.has(id);
  }

  /** Healthy members, sorted by id. */
  healthyMembers(): Member[] {
    return this.members.filter((m) => m.healthy);
  }

  /** The first N healthy members for `partition`, stand-ins naming the home replica they replace. */
  preferenceList(partition: number): PreferredReplica[] {
    let list = this.preference[partition];
    if (!list) {
      list = this.table.preferenceList(partition, (id) => this.healthy.has(id));
      this.preference[partition] = list;
    }
    return list;
  }

  /**
   * Whom a read of `partition` may ask, in order: the preference list, then
   * the other healthy members by rank. The members after the preference list
   * are the previous owners after a membership change, asked only while a
   * new owner is still receiving the partition.
   */
  readTargets(partition: number): string[] {
    let order = this.readOrder[partition];
    if (!order) {
      order = this.preferenceList(partition).map((r) => r.id);
      for (const id of this.table.ranking(partition)) if (this.healthy.has(id) && !order.includes(id)) order.push(id);
      this.readOrder[partition] = order;
    }
    return order;
  }

  /** How many home replicas `partition` has: N, or fewer in a cluster smaller than N. */
  homeCount(partition: number): number {
    return this.table.homeReplicas(partition).length;
  }
}
