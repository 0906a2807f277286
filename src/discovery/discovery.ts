/**
 * The `Discovery` seam: who the cluster's members are and whether each is
 * healthy (DESIGN.md, Discovery). Membership and health are different things:
 * an unhealthy member still owns its partitions (its writes go to a stand-in
 * with a hint); only leaving the member list moves ownership.
 */

/** One member of the cluster as discovery sees it. */
export interface Member {
  /** Stable node id (kept in the node's data dir). */
  id: string;
  /** `host:port` of the node's gRPC endpoint. */
  address: string;
  /** Zone, when the node declares one; replicas spread over zones first. */
  zone?: string;
  /** True while the member's health checks pass. */
  healthy: boolean;
}

/** Called with the full member list after every change. */
export type MembershipListener = (members: readonly Member[]) => void;

/** A source of cluster membership. */
export interface Discovery {
  /**
   * Starts following membership; resolves once the first view is known.
   * Rejects with a `DSTASH_DISCOVERY` error when the source cannot be reached.
   */
  start(): Promise<void>;
  /** The current members, sorted by id. */
  members(): readonly Member[];
  /** Subscribes to changes; returns the function that unsubscribes. */
  onChange(listener: MembershipListener): () => void;
  /** Stops following. Idempotent. */
  close(): Promise<void>;
}

/** What a node announces about itself when it registers. */
export interface Registration {
  id: string;
  /** Address other members and clients dial (not a wildcard bind address). */
  host: string;
  port: number;
  zone?: string;
  /** dstash version string. */
  version: string;
  tags?: string[];
}

/** The node side of discovery: announcing this node to the cluster. */
export interface Registrar {
  /** Registers the node; keeps the registration alive until `deregister()`. */
  register(self: Registration): Promise<void>;
  /** Removes the registration (clean shutdown). Idempotent. */
  deregister(): Promise<void>;
}

/** Sorts members by id and tells whether two member lists differ. */
export function sameMembers(a: readonly Member[], b: readonly Member[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.id !== y.id || x.address !== y.address || x.zone !== y.zone || x.healthy !== y.healthy) return false;
  }
  return true;
}

/** Returns a copy of `members` sorted by id. */
export function sortMembers(members: readonly Member[]): Member[] {
  return [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
