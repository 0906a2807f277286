/**
 * Options shared by {@link ConsulDiscovery} and {@link ConsulRegistrar}: one
 * type, one defaults constant, one `resolveConsulOptions()` that fills
 * defaults from the standard Consul environment variables and validates
 * everything once, at construction.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { parseDuration } from './consul-duration.js';

/** TLS material for HTTPS to Consul. A string is a file path; a Buffer holds the PEM itself. */
export interface ConsulTlsOptions {
  /**
   * CA certificate(s) that signed Consul's HTTPS certificate.
   * @default CONSUL_CACERT, else Node's built-in CA list
   */
  ca?: string | Buffer;
  /**
   * Client certificate, for an agent with `verify_incoming`.
   * @default CONSUL_CLIENT_CERT, else none
   */
  cert?: string | Buffer;
  /**
   * Private key of `cert`.
   * @default CONSUL_CLIENT_KEY, else none
   */
  key?: string | Buffer;
  /**
   * Name expected in Consul's certificate (SNI).
   * @default CONSUL_TLS_SERVER_NAME, else the host of `address`
   */
  serverName?: string;
}

/** How dstash reaches Consul and what it registers there (DESIGN.md, Discovery). */
export interface ConsulOptions {
  /**
   * The agent's HTTP API, `host:port`; a `http://` or `https://` prefix also sets `scheme`.
   * @default CONSUL_HTTP_ADDR, else '127.0.0.1:8500'
   */
  address?: string;
  /**
   * `https` to talk TLS to the agent.
   * @default the prefix of `address`, else 'https' when CONSUL_HTTP_SSL is true, else 'http'
   */
  scheme?: 'http' | 'https';
  /**
   * TLS material; only with `scheme: 'https'`.
   * @default from CONSUL_CACERT / CONSUL_CLIENT_CERT / CONSUL_CLIENT_KEY / CONSUL_TLS_SERVER_NAME
   */
  tls?: ConsulTlsOptions;
  /**
   * ACL token sent as `X-Consul-Token`; `''` sends none even when CONSUL_HTTP_TOKEN is set.
   * @default CONSUL_HTTP_TOKEN, else none (Consul's anonymous token)
   */
  token?: string;
  /**
   * Datacenter to watch.
   * @default the agent's own datacenter
   */
  datacenter?: string;
  /**
   * Consul service name the cluster registers under and discovery follows.
   * @default 'dstash'
   */
  serviceName?: string;
  /**
   * How often Consul runs the node's gRPC health check (Consul raises values under 1s to 1s).
   * @default '5s'
   */
  checkInterval?: string;
  /**
   * Deadline of one gRPC health check.
   * @default '2s'
   */
  checkTimeout?: string;
  /**
   * Whether Consul's gRPC check dials the node with TLS (`GRPCUseTLS`); set it when nodes serve TLS.
   * @default false
   */
  checkGrpcTls?: boolean;
  /**
   * A node critical this long is deregistered by Consul and leaves the member list
   * (Consul raises values under 1m to 1m and reaps every 30s).
   * @default '1m'
   */
  deregisterCriticalServiceAfter?: string;
  /**
   * Longest time one blocking query waits for a change (Consul caps it at 10m).
   * @default '30s'
   */
  wait?: string;
  /**
   * Deadline of a non-blocking request (register, deregister, lookups), and the
   * slack added to `wait` for blocking ones.
   * @default '10s'
   */
  requestTimeout?: string;
  /**
   * How often the registrar checks that the agent still has the registration
   * (an agent restarted without its state forgets it) and registers again if not.
   * @default '10s'
   */
  resyncInterval?: string;
  /**
   * First retry delay after a failed request; doubles (with jitter) per failure.
   * @default '100ms'
   */
  backoffMin?: string;
  /**
   * Cap of the retry delay.
   * @default '10s'
   */
  backoffMax?: string;
}

/** Defaults of every {@link ConsulOptions} field that does not come from the environment. */
export const DEFAULT_CONSUL_OPTIONS = {
  address: '127.0.0.1:8500',
  scheme: 'http',
  serviceName: 'dstash',
  checkInterval: '5s',
  checkTimeout: '2s',
  checkGrpcTls: false,
  deregisterCriticalServiceAfter: '1m',
  wait: '30s',
  requestTimeout: '10s',
  resyncInterval: '10s',
  backoffMin: '100ms',
  backoffMax: '10s',
} as const satisfies ConsulOptions;

/** TLS material read into memory, in the shape `https.Agent` takes. */
export interface ResolvedConsulTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
}

/** {@link ConsulOptions} with defaults filled in, durations in milliseconds and files read. */
export interface ResolvedConsulOptions {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** `scheme://host:port`, for messages. */
  url: string;
  tls?: ResolvedConsulTls;
  token?: string;
  datacenter?: string;
  serviceName: string;
  /** Consul-format strings, passed through to the check definition. */
  checkInterval: string;
  checkTimeout: string;
  deregisterCriticalServiceAfter: string;
  checkGrpcTls: boolean;
  /** Consul-format string sent as `?wait=`, and the same in milliseconds. */
  wait: string;
  waitMs: number;
  requestTimeoutMs: number;
  resyncIntervalMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

/** Consul's documented cap on a blocking query's wait (/api-docs/features/blocking). */
const MAX_WAIT_MS = 10 * 60_000;

/**
 * Fills defaults (explicit option, then the standard Consul environment
 * variable, then {@link DEFAULT_CONSUL_OPTIONS}) and validates. Throws
 * `DSTASH_INVALID_OPTIONS` naming the offending option.
 */
export function resolveConsulOptions(options: ConsulOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConsulOptions {
  const rawAddress = options.address ?? nonEmpty(env.CONSUL_HTTP_ADDR) ?? DEFAULT_CONSUL_OPTIONS.address;
  const { prefix, host, port } = parseAddress(rawAddress, options.address === undefined && env.CONSUL_HTTP_ADDR ? 'CONSUL_HTTP_ADDR' : 'address');
  const envScheme = /^(1|true)$/i.test(env.CONSUL_HTTP_SSL ?? '') ? 'https' : undefined;
  const scheme = options.scheme ?? prefix ?? envScheme ?? DEFAULT_CONSUL_OPTIONS.scheme;
  if (scheme !== 'http' && scheme !== 'https') throw invalid(`scheme must be 'http' or 'https', got '${String(scheme)}'`);
  if (prefix !== undefined && options.scheme !== undefined && prefix !== options.scheme) {
    throw invalid(`scheme '${options.scheme}' contradicts the '${prefix}://' prefix of address '${rawAddress}'`);
  }
  const tls = resolveTls(options.tls, env, scheme);

  const serviceName = options.serviceName ?? DEFAULT_CONSUL_OPTIONS.serviceName;
  if (serviceName.length === 0 || /[\s/]/.test(serviceName)) throw invalid(`serviceName must be a non-empty name without spaces or '/', got '${serviceName}'`);
  if (options.datacenter !== undefined && options.datacenter.length === 0) throw invalid('datacenter must not be empty (leave it unset for the agent\'s own)');

  const checkInterval = options.checkInterval ?? DEFAULT_CONSUL_OPTIONS.checkInterval;
  const checkTimeout = options.checkTimeout ?? DEFAULT_CONSUL_OPTIONS.checkTimeout;
  const deregisterCriticalServiceAfter = options.deregisterCriticalServiceAfter ?? DEFAULT_CONSUL_OPTIONS.deregisterCriticalServiceAfter;
  const wait = options.wait ?? DEFAULT_CONSUL_OPTIONS.wait;
  positiveDuration('checkInterval', checkInterval);
  positiveDuration('checkTimeout', checkTimeout);
  positiveDuration('deregisterCriticalServiceAfter', deregisterCriticalServiceAfter);
  const waitMs = positiveDuration('wait', wait);
  if (waitMs > MAX_WAIT_MS) throw invalid(`wait must be at most 10m (Consul's cap), got '${wait}'`);
  const backoffMinMs = positiveDuration('backoffMin', options.backoffMin ?? DEFAULT_CONSUL_OPTIONS.backoffMin);
  const backoffMaxMs = positiveDuration('backoffMax', options.backoffMax ?? DEFAULT_CONSUL_OPTIONS.backoffMax);
  if (backoffMinMs > backoffMaxMs) throw invalid(`backoffMin (${options.backoffMin}) must not exceed backoffMax (${options.backoffMax ?? DEFAULT_CONSUL_OPTIONS.backoffMax})`);

  const token = options.token !== undefined ? nonEmpty(options.token.trim()) : nonEmpty(env.CONSUL_HTTP_TOKEN?.trim());
  return {
    scheme,
    host,
    port,
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ...(tls === undefined ? {} : { tls }),
    ...(token === undefined ? {} : { token }),
    ...(options.datacenter === undefined ? {} : { datacenter: options.datacenter }),
    serviceName,
    checkInterval,
    checkTimeout,
    deregisterCriticalServiceAfter,
    checkGrpcTls: options.checkGrpcTls ?? DEFAULT_CONSUL_OPTIONS.checkGrpcTls,
    wait,
    waitMs,
    requestTimeoutMs: positiveDuration('requestTimeout', options.requestTimeout ?? DEFAULT_CONSUL_OPTIONS.requestTimeout),
    resyncIntervalMs: positiveDuration('resyncInterval', options.resyncInterval ?? DEFAULT_CONSUL_OPTIONS.resyncInterval),
    backoffMinMs,
    backoffMaxMs,
  };
}

function parseAddress(text: string, optionName: string): { prefix?: 'http' | 'https'; host: string; port: number } {
  const match = /^(?:(https?):\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(text.trim());
  const port = match ? Number(match[3]) : 0;
  if (!match || port < 1 || port > 65535) {
    throw invalid(`${optionName} must be host:port (optionally with an http:// or https:// prefix), got '${text}'`);
  }
  const host = match[2]!.replace(/^\[(.*)\]$/, '$1');
  return { ...(match[1] ? { prefix: match[1] as 'http' | 'https' } : {}), host, port };
}

function resolveTls(tls: ConsulTlsOptions | undefined, env: NodeJS.ProcessEnv, scheme: 'http' | 'https'): ResolvedConsulTls | undefined {
  if (tls !== undefined && scheme !== 'https') throw invalid("tls is set but scheme is 'http'; use scheme 'https' or an https:// address");
  if (scheme !== 'https') return undefined;
  const ca = readPem('tls.ca', tls?.ca ?? nonEmpty(env.CONSUL_CACERT));
  const cert = readPem('tls.cert', tls?.cert ?? nonEmpty(env.CONSUL_CLIENT_CERT));
  const key = readPem('tls.key', tls?.key ?? nonEmpty(env.CONSUL_CLIENT_KEY));
  if ((cert === undefined) !== (key === undefined)) throw invalid('tls.cert and tls.key must be given together');
  const servername = tls?.serverName ?? nonEmpty(env.CONSUL_TLS_SERVER_NAME);
  const out: ResolvedConsulTls = {};
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  if (servername) out.servername = servername;
  return out;
}

function readPem(optionName: string, source: string | Buffer | undefined): Buffer | undefined {
  if (source === undefined || Buffer.isBuffer(source)) return source;
  try {
    return readFileSync(source);
  } catch (err) {
    throw invalid(`cannot read ${optionName} file '${source}': ${(err as Error).message}`);
  }
}

function positiveDuration(optionName: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw invalid(`${optionName} must be a positive duration such as '500ms', '5s' or '1m', got '${text}'`);
  return ms;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(ErrorCode.InvalidOptions, `invalid Consul options: ${message}`);
}
