/**
 * Static discovery (the embedded default): a list of peer addresses, from
 * options or from a peers file that is watched for changes, with health from
 * gRPC health probes (DESIGN.md, Discovery). A peer is a member once its id is
 * known, given as `id@host:port` or learned from the node itself; it stays a
 * member while it is listed, healthy or not.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';
import { logger, type Logger } from '../logger.js';
import { HealthService, ReplicaService } from '../protocol/definitions.js';
import type { ReplicaClient } from '../protocol/generated/dstash/v1/Replica.js';
import type { HealthClient } from '../protocol/generated/grpc/health/v1/Health.js';
import { channelCredentials, type TlsFiles } from '../protocol/tls.js';
import { withToken, type TokenSource } from '../protocol/bearer-token.js';
import { sameMembers, sortMembers, type Discovery, type Member, type MembershipListener } from './discovery.js';

/** Options of {@link StaticDiscovery}. */
export interface StaticDiscoveryOptions {
  /**
   * Peers as `host:port` or `id@host:port`.
   * @default []
   */
  peers: string[];
  /**
   * A file listing more peers (one per line, or a JSON array), re-read when it changes.
   * @default undefined
   */
  peersFile?: string;
  /**
   * How often each peer is probed, in ms. A peer is marked unhealthy after two
   * failed probes in a row: a stopped peer (refusing connections) within two
   * intervals, a hung one within two intervals plus the probe timeout.
   * @default 1000
   */
  healthIntervalMs: number;
  /**
   * How long a probe waits for an answer, in ms; longer than the interval, so
   * that a busy peer (or a busy client) is not taken for a dead one.
   * @default max(healthIntervalMs, 1000)
   */
  healthTimeoutMs?: number;
  /**
   * TLS to the peers.
   * @default undefined (plaintext)
   */
  tls?: TlsFiles;
  /**
   * Bearer token of the Info calls that learn each peer's id, when the nodes ask for one.
   * @default undefined
   */
  token?: TokenSource | string;
  /**
   * For a node's own discovery: the node itself, read at start (when the
   * node knows its port). It is always a member, healthy while the node runs,
   * and is not probed over the network.
   * @default undefined
   */
  self?: () => Member;
}

/** The defaults of {@link StaticDiscoveryOptions}. */
export const DEFAULT_STATIC_DISCOVERY_OPTIONS: Readonly<StaticDiscoveryOptions> = Object.freeze({ peers: [], healthIntervalMs: 1000 });

interface Peer {
  address: string;
  id?: string;
  zone?: string;
  healthy: boolean;
  /** Failed probes in a row. */
  failures: number;
  lastError?: string;
  health: HealthClient;
  replica: ReplicaClient;
  probing: boolean;
}

const PEER_PATTERN = /^(?:([A-Za-z0-9_.-]{1,128})@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

/** Parses `host:port` or `id@host:port`; throws DSTASH_INVALID_OPTIONS otherwise. */
export function parsePeer(spec: string): { id?: string; address: string } {
  const m = PEER_PATTERN.exec(spec.trim());
  if (!m || Number(m[3]) > 65535) throw new InvalidArgumentError(ErrorCode.InvalidOptions, `invalid peer ${JSON.stringify(spec)}: expected host:port or id@host:port`);
  return { id: m[1], address: `${m[2]}:${m[3]}` };
}

/** Peers listed in a peers file: a JSON array of strings, or one per line (# starts a comment). */
export async function readPeersFile(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  if (text.trimStart().startsWith('[')) return (JSON.parse(text) as unknown[]).map(String);
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter((line) => line.length > 0);
}

/** Members from a fixed or file-based peer list, with gRPC health probes. */
export class StaticDiscovery implements Discovery {
  readonly options: StaticDiscoveryOptions;
  private readonly peers = new Map<string, Peer>();
  private readonly listeners = new Set<MembershipListener>();
  private readonly credentials: grpc.ChannelCredentials;
  private readonly log: Logger;
  private current: Member[] = [];
  private timer?: NodeJS.Timeout;
  private closed = false;
  /** Peers added at run time (DNS answers, joined members), on top of the options and the file. */
  private extra: string[] = [];
  private fromFile: string[] = [];

  constructor(options: Partial<StaticDiscoveryOptions>) {
    this.options = { ...DEFAULT_STATIC_DISCOVERY_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
    if (!Number.isInteger(this.options.healthIntervalMs) || this.options.healthIntervalMs < 10) {
      throw new InvalidArgumentError(ErrorCode.InvalidOptions, 'healthIntervalMs must be a whole number of at least 10 ms');
    }
    for (const p of this.options.peers) parsePeer(p);
    this.credentials = channelCredentials(this.options.tls);
    this.log = logger('discovery.static');
  }

  async start(): Promise<void> {
    let fromFile: string[] = [];
    try {
      if (this.options.peersFile) fromFile = await this.readPeersFile();
    } catch (err) {
      throw new DstashError(ErrorCode.Discovery, `cannot read the peers file ${this.options.peersFile}: ${(err as Error).message}`, { cause: err });
    }
    this.fromFile = fromFile;
    this.setPeers();
    await Promise.all([...this.peers.values()].map((p) => this.probe(p)));
    this.refresh();
    if (this.current.length === 0) {
      const reasons = [...this.peers.values()].map((p) => `${p.address} (${p.lastError ?? 'no answer'})`).join(', ');
      const error = new DstashError(ErrorCode.Discovery, this.peers.size === 0 ? 'no peers given: pass peers (--peers) or a peers file' : `no peer answered: ${reasons}`);
      await this.close();
      throw error;
    }
    this.timer = setInterval(() => this.probeAll(), this.options.healthIntervalMs);
    this.timer.unref();
    if (this.options.peersFile) {
      watchFile(this.options.peersFile, { interval: this.options.healthIntervalMs, persistent: false }, () => {
        void this.readPeersFile().then((fromFile) => {
          this.fromFile = fromFile;
          this.setPeers();
          this.probeAll();
        }, (err: unknown) => this.log.warn({ file: this.options.peersFile, err: (err as Error).message }, 'cannot read the peers file; keeping the last list'));
      });
    }
  }

  members(): readonly Member[] {
    return this.current;
  }

  /**
   * Replaces the peers added at run time (by DNS discovery or by joins), kept
   * on top of the configured peers and the peers file; new ones are probed at once.
   */
  setExtraPeers(specs: readonly string[]): void {
    this.extra = [...specs];
    if (this.closed || !this.timer) return;
    this.setPeers();
    this.probeAll();
  }

  onChange(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.options.peersFile) unwatchFile(this.options.peersFile);
    for (const p of this.peers.values()) this.closePeer(p);
    this.peers.clear();
    this.listeners.clear();
  }

  private readPeersFile(): Promise<string[]> {
    return readPeersFile(this.options.peersFile!);
  }

  private setPeers(): void {
    const specs = [...this.options.peers, ...this.fromFile, ...this.extra];
    const wanted = new Map<string, string | undefined>();
    for (const spec of specs) {
      try {
        const { id, address } = parsePeer(spec);
        wanted.set(address, id);
      } catch (err) {
        this.log.warn({ peer: spec, err: (err as Error).message }, 'ignoring an invalid peer');
      }
    }
    for (const [address, peer] of this.peers) {
      if (!wanted.has(address)) {
        this.closePeer(peer);
        this.peers.delete(address);
      }
    }
    for (const [address, id] of wanted) {
      if (this.peers.has(address)) continue;
      const health = new HealthService(address, this.credentials, { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': this.options.healthIntervalMs });
      const replica = new ReplicaService(address, this.credentials, withToken({ channelOverride: health.getChannel() as grpc.Channel }, this.options.token)) as unknown as ReplicaClient;
      this.peers.set(address, { address, id, healthy: false, failures: 0, health, replica, probing: false });
    }
    this.refresh();
  }

  private probeAll(): void {
    if (this.closed) return;
    void Promise.all([...this.peers.values()].map((p) => this.probe(p))).then(() => this.refresh());
  }

  /** One health probe (and, until the id is known, an Info call); never rejects. */
  private async probe(peer: Peer): Promise<void> {
    if (peer.probing) return;
    peer.probing = true;
    const deadline = Date.now() + (this.options.healthTimeoutMs ?? Math.max(this.options.healthIntervalMs, 1000));
    try {
      const status = await new Promise<string>((resolve, reject) => {
        peer.health.Check({ service: '' }, { deadline }, (err, res) => (err ? reject(err) : resolve(res!.status)));
      });
      if (status === 'SERVING' && peer.zone === undefined) {
        const info = await new Promise<{ nodeId: string; zone: string }>((resolve, reject) => {
          peer.replica.Info({}, { deadline }, (err, res) => (err ? reject(err) : resolve(res!)));
        });
        if (peer.id && peer.id !== info.nodeId) this.log.warn({ address: peer.address, configured: peer.id, reported: info.nodeId }, 'peer reports another node id; using it');
        peer.id = info.nodeId;
        peer.zone = info.zone;
      }
      if (status === 'SERVING') {
        peer.healthy = true;
        peer.failures = 0;
        peer.lastError = undefined;
      } else {
        // A peer that says it is not serving (draining, stopping) is taken at its word at once.
        peer.healthy = false;
        peer.lastError = status;
      }
    } catch (err) {
      peer.failures += 1;
      // One lost probe is noise (a pause, a busy event loop); two in a row is a failed peer.
      if (peer.failures >= 2) peer.healthy = false;
      peer.lastError = (err as grpc.ServiceError).details ?? (err as Error).message;
    } finally {
      peer.probing = false;
    }
  }

  private refresh(): void {
    // Two addresses may reach the same node (localhost and 127.0.0.1): one member per id, a healthy address first.
    const byId = new Map<string, Member>();
    const self = this.options.self?.();
    if (self) byId.set(self.id, self);
    for (const p of this.peers.values()) {
      if (self && (p.address === self.address || p.id === self.id)) continue;
      if (p.id === undefined) continue;
      const seen = byId.get(p.id);
      if (!seen || (!seen.healthy && p.healthy)) byId.set(p.id, { id: p.id, address: p.address, zone: p.zone || undefined, healthy: p.healthy });
    }
    const members = sortMembers([...byId.values()]);
    if (sameMembers(this.current, members)) return;
    this.current = members;
    for (const listener of this.listeners) listener(members);
  }

  private closePeer(peer: Peer): void {
    peer.health.close();
    peer.replica.close();
  }
}
