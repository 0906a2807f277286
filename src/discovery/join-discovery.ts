/**
 * Join discovery (static clusters without Consul or DNS): static discovery
 * whose members share their member list. Every node announces itself, and
 * every health interval exchanges its {@link MembershipLog} with a few healthy
 * members (the Membership service's push-pull `Exchange`), so a node started
 * with `--join host:port` alone becomes a member of every node and client
 * within seconds. Editing a peers file is an event too: a line added is a join,
 * a line removed is a leave, and both spread to the members that do not read
 * that file. A drained node leaves by pushing its own leave to every member.
 *
 * A node that keeps seeing members another member does not know logs a
 * warning: the two place partitions differently (a split view).
 */
import { unwatchFile, watchFile } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode } from '../errors.js';
import { logger, type Logger } from '../logger.js';
import { MembershipService } from '../protocol/definitions.js';
import type { ExchangeResponse, ExchangeResponse__Output } from '../protocol/generated/dstash/v1/ExchangeResponse.js';
import type { MembershipClient } from '../protocol/generated/dstash/v1/Membership.js';
import { channelCredentials } from '../protocol/tls.js';
import { withToken } from '../protocol/bearer-token.js';
import type { Member } from './discovery.js';
import { MembershipLog, type MembershipEntry } from './membership-log.js';
import { ProbedDiscovery } from './probed-discovery.js';
import { DEFAULT_STATIC_DISCOVERY_OPTIONS, parsePeer, readPeersFile, type StaticDiscoveryOptions } from './static-discovery.js';

/** Options of {@link JoinDiscovery}: those of static discovery, and whom to join. */
export interface JoinDiscoveryOptions extends StaticDiscoveryOptions {
  /**
   * Running members to ask, at start, to add this node (`host:port`); start
   * fails when none answers. Needs `self`.
   * @default []
   */
  join: string[];
  /**
   * Members each exchange round asks, picked at random among the healthy ones.
   * @default 2
   */
  fanout: number;
}

/** Rounds in a row that a member must miss some of our members before the split view is reported. */
const SPLIT_ROUNDS = 3;
/** A split view that lasts is reported again this often, in ms. */
const SPLIT_REPEAT_MS = 30_000;

/** Static discovery with a shared member list. */
export class JoinDiscovery extends ProbedDiscovery {
  readonly options: JoinDiscoveryOptions;
  private readonly membership = new MembershipLog();
  private readonly credentials: grpc.ChannelCredentials;
  private readonly clients = new Map<string, MembershipClient>();
  private readonly splits = new Map<string, { rounds: number; reportedAt: number }>();
  private readonly log: Logger;
  private selfAddress?: string;
  private fileSpecs = new Set<string>();
  private timer?: NodeJS.Timeout;
  private exchanging = false;

  /** Ids of configured peers, by address. */
  private readonly ids = new Map<string, string>();

  constructor(options: Partial<JoinDiscoveryOptions>) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    const o: JoinDiscoveryOptions = { ...DEFAULT_STATIC_DISCOVERY_OPTIONS, join: [], fanout: 2, ...given };
    for (const p of [...o.join, ...o.peers]) parsePeer(p);
    // The probes validate the intervals. Peers and the peers file go into the shared log instead, so that a drain removes them too.
    super(o);
    this.options = o;
    this.credentials = channelCredentials(this.options.tls);
    this.log = logger('discovery.join');
  }

  async start(): Promise<void> {
    const self = this.options.self?.();
    this.selfAddress = self?.address;
    if (this.selfAddress) this.membership.join(this.selfAddress);
    // Configured peers are known at time 0: any later event about those addresses wins.
    this.membership.merge(this.options.peers.map((spec) => ({ address: this.remember(spec), left: false, atMs: 0 })));
    if (this.options.peersFile) {
      try {
        this.fileSpecs = new Set(await this.readFile());
      } catch (err) {
        throw new DstashError(ErrorCode.Discovery, `cannot read the peers file ${this.options.peersFile}: ${(err as Error).message}`, { cause: err });
      }
      this.membership.merge([...this.fileSpecs].map((address) => ({ address, left: false, atMs: 0 })));
    }
    if (this.options.join.length > 0) await this.join();
    this.probes.setExtraPeers(this.others());
    await this.probes.start();
    this.timer = setInterval(() => void this.exchangeRound(), this.options.healthIntervalMs);
    this.timer.unref();
    if (this.options.peersFile) {
      watchFile(this.options.peersFile, { interval: this.options.healthIntervalMs, persistent: false }, () => void this.fileChanged());
    }
  }

  protected stopSource(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.options.peersFile) unwatchFile(this.options.peersFile);
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  /**
   * The Membership service's `Exchange` on a node: merges the caller's entries
   * and answers with this node's. Throws DSTASH_INVALID_ARGUMENT on bad entries.
   */
  exchange(entries: readonly MembershipEntry[]): ExchangeResponse {
    if (this.membership.merge(entries)) this.update();
    const self = this.options.self?.();
    return { entries: this.membership.entries(), memberIds: this.members().map((m) => m.id), nodeId: self?.id ?? '' };
  }

  /** Leaves the cluster (drain): pushes this node's leave to every member; resolves with how many took it. */
  async leave(timeoutMs = 5000): Promise<number> {
    if (!this.selfAddress) return 0;
    this.membership.leave(this.selfAddress);
    const targets = this.members().filter((m) => m.address !== this.selfAddress).map((m) => m.address);
    const results = await Promise.allSettled(targets.map((address) => this.call(address, this.membership.entries(), timeoutMs)));
    return results.filter((r) => r.status === 'fulfilled').length;
  }

  /** Asks the `join` members, in turn, to add this node; the first answer is enough. */
  private async join(): Promise<void> {
    const reasons: string[] = [];
    for (const spec of this.options.join) {
      const { address } = parsePeer(spec);
      try {
        const res = await this.call(address, this.selfAddress ? this.membership.entries() : [], Math.max(this.options.healthIntervalMs, 2000));
        this.membership.merge(res.entries);
        this.log.info({ via: address, members: this.membership.members().length }, 'joined the cluster');
        return;
      } catch (err) {
        reasons.push(`${address} (${(err as grpc.ServiceError).details ?? (err as Error).message})`);
      }
    }
    throw new DstashError(ErrorCode.Discovery, `cannot join: no member answered: ${reasons.join(', ')}`);
  }

  /** One round: push-pull with a few healthy members; nodes compare views. */
  private async exchangeRound(): Promise<void> {
    if (this.closed || this.exchanging) return;
    this.exchanging = true;
    try {
      const others = this.members().filter((m) => m.healthy && m.address !== this.selfAddress);
      const picked = [...others].sort(() => Math.random() - 0.5).slice(0, this.options.fanout);
      await Promise.all(picked.map(async (m) => {
        try {
          // A client pulls only: it is not a member, and its view must not override the members'.
          const res = await this.call(m.address, this.selfAddress ? this.membership.entries() : [], Math.max(this.options.healthIntervalMs, 1000));
          if (this.membership.merge(res.entries)) this.update();
          if (this.selfAddress) this.compareViews(m, res.memberIds);
        } catch (err) {
          this.log.debug({ peer: m.address, err: (err as Error).message }, 'membership exchange failed');
        }
      }));
      this.pruneClients();
    } finally {
      this.exchanging = false;
    }
  }

  /** Warns, loudly and again while it lasts, when `peer` keeps missing members this node counts. */
  private compareViews(peer: Member, theirIds: readonly string[]): void {
    const theirs = new Set(theirIds);
    const missing = this.members().filter((m) => !theirs.has(m.id)).map((m) => `${m.id}@${m.address}`);
    if (missing.length === 0) {
      this.splits.delete(peer.id);
      return;
    }
    const split = this.splits.get(peer.id) ?? { rounds: 0, reportedAt: 0 };
    split.rounds += 1;
    this.splits.set(peer.id, split);
    if (split.rounds >= SPLIT_ROUNDS && Date.now() - split.reportedAt >= SPLIT_REPEAT_MS) {
      split.reportedAt = Date.now();
      this.log.warn({ peer: `${peer.id}@${peer.address}`, unknownToPeer: missing, rounds: split.rounds },
        'SPLIT VIEW: this node counts members that another member does not; the two place partitions differently. Start nodes with --join, or fix the peers lists');
    }
  }

  private async fileChanged(): Promise<void> {
    let now: Set<string>;
    try {
      now = new Set(await this.readFile());
    } catch (err) {
      this.log.warn({ file: this.options.peersFile, err: (err as Error).message }, 'cannot read the peers file; keeping the last list');
      return;
    }
    const at = Date.now();
    const events: MembershipEntry[] = [];
    for (const address of now) if (!this.fileSpecs.has(address)) events.push({ address, left: false, atMs: at });
    for (const address of this.fileSpecs) if (!now.has(address)) events.push({ address, left: true, atMs: at });
    this.fileSpecs = now;
    if (this.membership.merge(events)) this.update();
  }

  /** Addresses in the peers file (valid lines only). */
  private async readFile(): Promise<string[]> {
    const out: string[] = [];
    for (const spec of await readPeersFile(this.options.peersFile!)) {
      try {
        out.push(this.remember(spec));
      } catch (err) {
        this.log.warn({ peer: spec, err: (err as Error).message }, 'ignoring an invalid peer');
      }
    }
    return out;
  }

  /**
   * The address of a configured peer, remembering its id when the spec gives
   * one (`id@host:port`): such a peer is a member from the start, healthy or
   * not, as in static discovery, instead of only once it has answered.
   */
  private remember(spec: string): string {
    const { id, address } = parsePeer(spec);
    if (id !== undefined) this.ids.set(address, id);
    return address;
  }

  /** The other members' addresses, as peer specs (with the id where one was configured). */
  private others(): string[] {
    return this.membership.members().filter((a) => a !== this.selfAddress).map((a) => {
      const id = this.ids.get(a);
      return id === undefined ? a : `${id}@${a}`;
    });
  }

  private update(): void {
    this.probes.setExtraPeers(this.others());
  }

  private call(address: string, entries: MembershipEntry[], timeoutMs: number): Promise<ExchangeResponse__Output> {
    let client = this.clients.get(address);
    if (!client) {
      client = new MembershipService(address, this.credentials, withToken({ 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': this.options.healthIntervalMs }, this.options.token)) as unknown as MembershipClient;
      this.clients.set(address, client);
    }
    const c = client;
    return new Promise((resolve, reject) => {
      c.Exchange({ entries }, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res!)));
    });
  }

  private pruneClients(): void {
    const live = new Set(this.members().map((m) => m.address));
    for (const [address, c] of this.clients) {
      if (!live.has(address)) {
        c.close();
        this.clients.delete(address);
      }
    }
  }
}
