/**
 * `Discovery` backed by Consul: follows `/v1/health/service/<name>` with
 * blocking queries (/api-docs/features/blocking) and turns every instance
 * into a member, healthy when all its checks pass (DESIGN.md, Discovery).
 * All instances are read, not `?passing`: an unhealthy member keeps its
 * partitions, so it must stay in the list.
 */
import { DstashError, ErrorCode } from '../errors.js';
import { logger, type Logger } from '../logger.js';
import { sameMembers, type Discovery, type Member, type MembershipListener } from './discovery.js';
import { membersFromEntries, type ConsulServiceEntry } from './consul-health.js';
import { ConsulHttp, consulError, type ConsulReply } from './consul-http.js';
import { nextIndex, parseIndex } from './consul-index.js';
import { resolveConsulOptions, type ConsulOptions, type ResolvedConsulOptions } from './consul-options.js';
import { Backoff, TokenBucket, pause } from './consul-pacing.js';

/**
 * Refill period of the query token bucket (burst 2, as the docs suggest).
 * Churn degrades to four queries a second, which still delivers a change
 * within the design's one second, where the docs' example of 15 s would not.
 */
const QUERY_REFILL_MS = 250;

/** Follows the members of one Consul service. */
export class ConsulDiscovery implements Discovery {
  private readonly options: ResolvedConsulOptions;
  private readonly http: ConsulHttp;
  private readonly log: Logger;
  private readonly listeners = new Set<MembershipListener>();
  private readonly stopping = new AbortController();
  private view: readonly Member[] = Object.freeze([]);
  /** The `X-Consul-Index` to block on; 0 asks for the current state at once. */
  private index = 0n;
  private starting?: Promise<void>;
  private following?: Promise<void>;
  private closing?: Promise<void>;
  private aclHintLogged = false;
  private failure?: DstashError;

  /** Validates `options` (throws `DSTASH_INVALID_OPTIONS`); nothing is contacted until {@link start}. */
  constructor(options: ConsulOptions = {}) {
    this.options = resolveConsulOptions(options);
    this.http = new ConsulHttp(this.options);
    this.log = logger('discovery.consul', { consul: this.options.url, service: this.options.serviceName });
  }

  /**
   * Reads the current members, then keeps following. Rejects with
   * `DSTASH_DISCOVERY` when Consul cannot be reached (the message names the
   * address and --consul-addr / CONSUL_HTTP_ADDR), `DSTASH_UNAUTHENTICATED`
   * when it refuses the token. A failed start may be retried.
   */
  start(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.reject(new DstashError(ErrorCode.Closed, 'Consul discovery is closed'));
    this.starting ??= this.firstView().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  /** The current members, sorted by id; while Consul is unreachable, the last view it gave. */
  members(): readonly Member[] {
    return this.view;
  }

  /**
   * Why the last query failed while following, until one succeeds again:
   * set while Consul is unreachable or refusing, for status displays.
   */
  get lastError(): DstashError | undefined {
    return this.failure;
  }

  /** Calls `listener` with the full list after each change (not on idle blocking-query returns). */
  onChange(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops following and releases sockets and timers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping.abort();
      this.listeners.clear();
      await this.starting?.catch(() => undefined);
      await this.following;
      this.http.close();
    })();
    return this.closing;
  }

  private async firstView(): Promise<void> {
    let reply: ConsulReply<ConsulServiceEntry[] | undefined>;
    try {
      reply = await this.query();
    } catch (err) {
      if (this.stopping.signal.aborted) throw new DstashError(ErrorCode.Closed, 'Consul discovery was closed while starting');
      throw this.describe(err);
    }
    this.accept(reply);
    this.following = this.follow();
  }

  /** The blocking-query loop; never rejects. */
  private async follow(): Promise<void> {
    const signal = this.stopping.signal;
    const bucket = new TokenBucket(2, QUERY_REFILL_MS);
    const backoff = new Backoff(this.options.backoffMinMs, this.options.backoffMaxMs);
    while (!signal.aborted) {
      await pause(bucket.take(), signal);
      if (signal.aborted) break;
      try {
        const reply = await this.query();
        if (this.failure) this.log.info('Consul answers again; following membership');
        this.failure = undefined;
        backoff.reset();
        this.accept(reply);
      } catch (err) {
        if (signal.aborted) break;
        // Warn once per outage, not per retry; the last good view stays in place.
        if (!this.failure) this.log.warn({ err: this.describe(err).message }, 'Consul query failed; keeping the last member view and retrying with backoff');
        this.failure = this.describe(err);
        await pause(backoff.next(), signal);
      }
    }
  }

  private query(): Promise<ConsulReply<ConsulServiceEntry[] | undefined>> {
    const { serviceName, datacenter, wait, waitMs, requestTimeoutMs } = this.options;
    const blocking = this.index > 0n;
    return this.http.request('GET', `/health/service/${encodeURIComponent(serviceName)}`, {
      query: { dc: datacenter, index: blocking ? String(this.index) : undefined, wait: blocking ? wait : undefined },
      // Consul may add up to wait/16 of jitter to a blocking query (/api-docs/features/blocking).
      timeoutMs: blocking ? waitMs + waitMs / 16 + requestTimeoutMs : requestTimeoutMs,
      signal: this.stopping.signal,
    });
  }

  private accept(reply: ConsulReply<ConsulServiceEntry[] | undefined>): void {
    const returned = parseIndex(reply.headers['x-consul-index']);
    if (returned < this.index) this.log.debug({ previous: String(this.index), returned: String(returned) }, 'Consul index went backwards; re-reading from 0');
    this.index = nextIndex(this.index, returned);
    const members = membersFromEntries(reply.body ?? []);
    this.hintAcl(reply, members);
    if (sameMembers(members, this.view)) return;
    this.view = Object.freeze(members);
    for (const listener of [...this.listeners]) {
      try {
        listener(this.view);
      } catch (err) {
        this.log.error({ err }, 'membership listener threw');
      }
    }
  }

  /**
   * With ACLs on and the default policy deny, Consul answers an anonymous
   * read with an empty list rather than an error (results are filtered), so
   * an empty cluster and a missing token look alike; say so once.
   */
  private hintAcl(reply: ConsulReply<unknown>, members: readonly Member[]): void {
    if (this.aclHintLogged || this.options.token !== undefined || members.length > 0) return;
    if (reply.headers['x-consul-default-acl-policy'] !== 'deny') return;
    this.aclHintLogged = true;
    this.log.warn("Consul's ACL default policy is deny and no token is set: anonymous reads return no members; set --consul-token or CONSUL_HTTP_TOKEN");
  }

  private describe(err: unknown): DstashError {
    return consulError(err, this.options, `read the health of service '${this.options.serviceName}'`);
  }
}
