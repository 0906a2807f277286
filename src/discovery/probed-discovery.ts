/**
 * What DNS and join discovery share: a source of peer addresses of their own
 * (DNS answers, a shared member list) feeding the gRPC health probes and id
 * learning of static discovery, which make the member list.
 */
import type { Discovery, Member, MembershipListener } from './discovery.js';
import { StaticDiscovery, type StaticDiscoveryOptions } from './static-discovery.js';

/** A discovery whose members are the probed peers of a {@link StaticDiscovery} it feeds. */
export abstract class ProbedDiscovery implements Discovery {
  protected readonly probes: StaticDiscovery;
  protected closed = false;

  protected constructor(probeOptions: Partial<StaticDiscoveryOptions>) {
    this.probes = new StaticDiscovery({ ...probeOptions, peers: [], peersFile: undefined });
  }

  abstract start(): Promise<void>;

  members(): readonly Member[] {
    return this.probes.members();
  }

  onChange(listener: MembershipListener): () => void {
    return this.probes.onChange(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopSource();
    await this.probes.close();
  }

  /** Stops the source of addresses (timers, watches, connections). */
  protected abstract stopSource(): void;
}
