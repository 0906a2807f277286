/**
 * DNS discovery (Kubernetes without Consul): members are the SRV (or A/AAAA)
 * records of a name, such as a headless service's, resolved again on an
 * interval; health comes from the gRPC probes of static discovery, which this
 * class drives with the addresses it resolves (DESIGN.md, Discovery).
 *
 * A member leaves once it has been missing from every successful answer for
 * `graceMs`; a failing DNS server changes nothing, so the last view stays.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DstashError, ErrorCode } from '../errors.js';
import { logger, type Logger } from '../logger.js';
import { resolveDnsOptions, type DnsOptions } from './dns-options.js';
import { ProbedDiscovery } from './probed-discovery.js';

/** Answers that mean "no such records", as opposed to a failed query. */
const EMPTY_ANSWER = new Set(['ENODATA', 'ENOTFOUND']);
/** Fastest retry after a failed resolution, in ms. */
const RETRY_MS = 1000;

/** Members from DNS records, with gRPC health probes. */
export class DnsDiscovery extends ProbedDiscovery {
  readonly options: DnsOptions;
  private readonly resolver: Resolver;
  private readonly log: Logger;
  /** Addresses in the view; a value is when successful answers started to miss it. */
  private readonly known = new Map<string, number | undefined>();
  private timer?: NodeJS.Timeout;
  private resolving?: Promise<boolean>;
  private lastEarly = 0;
  private unhealthy = new Set<string>();

  constructor(options: Partial<DnsOptions> & { name: string }) {
    const o = resolveDnsOptions(options);
    super({ healthIntervalMs: o.healthIntervalMs, tls: o.tls, token: o.token, self: o.self });
    this.options = o;
    this.resolver = new Resolver({ timeout: this.options.timeoutMs, tries: 2 });
    if (this.options.server) this.resolver.setServers([this.options.server]);
    this.log = logger('discovery.dns', { name: this.options.name });
  }

  async start(): Promise<void> {
    const ok = await this.resolveNow();
    if (!ok && !this.options.self) {
      await this.close();
      throw new DstashError(ErrorCode.Discovery, `cannot resolve ${this.options.name}${this.options.server ? ` at ${this.options.server}` : ''}: see --dns-name and --dns-server`);
    }
    if (this.known.size === 0 && !this.options.self) {
      await this.close();
      throw new DstashError(ErrorCode.Discovery, `${this.options.name} has no ${this.options.port === undefined ? 'SRV' : 'A/AAAA'} records`);
    }
    await this.probes.start();
    // A member whose probes fail may have moved: look it up again without waiting for the interval.
    this.probes.onChange((members) => {
      const down = new Set(members.filter((m) => !m.healthy).map((m) => m.id));
      const newlyDown = [...down].some((id) => !this.unhealthy.has(id));
      this.unhealthy = down;
      if (newlyDown && Date.now() - this.lastEarly >= RETRY_MS) {
        this.lastEarly = Date.now();
        void this.resolveNow();
      }
    });
    this.schedule(ok ? this.options.intervalMs : Math.min(RETRY_MS, this.options.intervalMs));
  }

  protected stopSource(): void {
    if (this.timer) clearTimeout(this.timer);
    this.resolver.cancel();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.resolveNow().then((ok) => this.schedule(ok ? this.options.intervalMs : Math.min(RETRY_MS, this.options.intervalMs)));
    }, delayMs);
    this.timer.unref();
  }

  /** Resolves the name once and updates the view; true when DNS answered. */
  private resolveNow(): Promise<boolean> {
    this.resolving ??= this.lookup().then((addresses) => {
      this.update(addresses);
      return true;
    }, (err: unknown) => {
      this.log.warn({ err: (err as Error).message, code: (err as NodeJS.ErrnoException).code }, 'DNS resolution failed; keeping the last view');
      return false;
    }).finally(() => {
      this.resolving = undefined;
    });
    return this.resolving;
  }

  private update(addresses: string[]): void {
    if (this.closed) return;
    const now = Date.now();
    const answered = new Set(addresses);
    for (const address of answered) this.known.set(address, undefined);
    for (const [address, missingSince] of this.known) {
      if (answered.has(address)) continue;
      if (missingSince === undefined) this.known.set(address, now);
      else if (now - missingSince >= this.options.graceMs) {
        this.known.delete(address);
        this.log.info({ address, graceMs: this.options.graceMs }, 'member absent from DNS past the grace period: it leaves');
      }
    }
    this.probes.setExtraPeers([...this.known.keys()]);
  }

  /** `host:port` of every member the name lists. */
  private async lookup(): Promise<string[]> {
    const { name, port } = this.options;
    if (port !== undefined) return (await this.hostAddresses(name, true)).map((ip) => join(ip, port));
    const records = await this.records(() => this.resolver.resolveSrv(name));
    const out: string[] = [];
    for (const r of records) {
      // With the system's resolvers, targets are dialed by name (a pod's stable name, which TLS certificates
      // name). A resolver of its own may know names the system does not: its addresses are dialed instead.
      if (!this.options.server) {
        out.push(join(r.name, r.port));
        continue;
      }
      const ips = isIP(r.name) ? [r.name] : await this.hostAddresses(r.name, false);
      for (const ip of ips.length > 0 ? ips : [r.name]) out.push(join(ip, r.port));
    }
    return [...new Set(out)].sort();
  }

  /** A and AAAA addresses of `host`; a failed query throws only when `strict`. */
  private async hostAddresses(host: string, strict: boolean): Promise<string[]> {
    const all = await Promise.allSettled([this.records(() => this.resolver.resolve4(host)), this.records(() => this.resolver.resolve6(host))]);
    const failed = all.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && strict && all.every((r) => r.status === 'rejected')) throw failed.reason;
    return all.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  }

  /** Runs a query; "no such name" and "no records" are an empty answer, not a failure. */
  private async records<T>(query: () => Promise<T[]>): Promise<T[]> {
    try {
      return await query();
    } catch (err) {
      if (EMPTY_ANSWER.has((err as NodeJS.ErrnoException).code ?? '')) return [];
      throw err;
    }
  }
}

function join(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
