/**
 * Parsing of `PUT /v1/agent/service/register` bodies into the double's
 * definitions, with Consul's defaults and validation
 * (/api-docs/agent/service#register-service, /api-docs/agent/check#register-check).
 * Only the check kinds dstash uses run here: GRPC and TTL; any other kind is
 * refused with a 400 that says so, rather than silently never running.
 */
import { ApiError } from './api-error.js';
import { parseGoDuration } from './go-duration.js';

/** A check's status as Consul names it. */
export type CheckStatus = 'passing' | 'warning' | 'critical';

/** The statuses a check may be set to (/api-docs/agent/check#ttl-check-update). */
export const CHECK_STATUSES: readonly CheckStatus[] = ['passing', 'warning', 'critical'];

/** A service as registered with the agent. */
export interface ServiceDefinition {
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
}

/** A check as registered, with its durations parsed. */
export interface CheckDefinition {
  CheckID: string;
  Name: string;
  Notes: string;
  /** Initial status; `undefined` means Consul's default, critical. */
  Status?: CheckStatus;
  Type: 'grpc' | 'ttl';
  /** `host:port` or `host:port/service` (/api-docs/agent/check, GRPC). */
  GRPC?: string;
  GRPCUseTLS: boolean;
  TLSSkipVerify: boolean;
  TLSServerName: string;
  /** The strings as given, echoed back in API answers. */
  Interval: string;
  Timeout: string;
  TTL: string;
  DeregisterCriticalServiceAfter: string;
  intervalMs: number;
  timeoutMs: number;
  ttlMs: number;
  /** 0 when unset. */
  deregisterAfterMs: number;
}

/** Consul's default check timeout (/api-docs/agent/check, Timeout). */
const DEFAULT_TIMEOUT = '10s';

/** Check kinds Consul knows but the double does not run. */
const UNSUPPORTED = ['http', 'tcp', 'udp', 'args', 'scriptargs', 'script', 'h2ping', 'dockercontainerid', 'aliasnode', 'aliasservice', 'osservice'];

/**
 * Consul decodes bodies case-insensitively and accepts snake_case keys
 * ("supports camel case and snake case", /api-docs/agent/service#register-service):
 * compare keys lower-cased with underscores removed.
 */
function normalize(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key.toLowerCase().replace(/_/g, '')] = v;
  return out;
}

function text(body: Record<string, unknown>, key: string, what: string): string {
  const value = body[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new ApiError(400, `Request decode failed: ${what} must be a string`);
  return value;
}

function duration(raw: string, what: string): number {
  const ms = parseGoDuration(raw);
  if (ms === undefined || ms < 0) throw new ApiError(400, `Request decode failed: invalid duration for ${what}: "${raw}"`);
  return ms;
}

/** Parses a register body; throws {@link ApiError} 400 as Consul would. */
export function parseRegistration(raw: unknown): { service: ServiceDefinition; checks: CheckDefinition[] } {
  const body = normalize(raw);
  const name = text(body, 'name', 'Name');
  if (!name) throw new ApiError(400, 'Invalid Service Meta: Missing service name');
  const port = body.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw new ApiError(400, 'Request decode failed: Port must be an integer');
  const tags = body.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new ApiError(400, 'Request decode failed: Tags must be a list of strings');
  const meta = body.meta ?? {};
  if (typeof meta !== 'object' || meta === null || !Object.values(meta).every((v) => typeof v === 'string')) {
    throw new ApiError(400, 'Invalid Service Meta: values must be strings');
  }
  const service: ServiceDefinition = {
    ID: text(body, 'id', 'ID') || name,
    Service: name,
    Tags: tags as string[],
    Address: text(body, 'address', 'Address'),
    Port: port,
    Meta: { ...(meta as Record<string, string>) },
  };
  const list = Array.isArray(body.checks) ? (body.checks as unknown[]) : body.check !== undefined && body.check !== null ? [body.check] : [];
  // Default IDs and names follow the agent: "service:<id>", with ":<n>" when there are several.
  const checks = list.map((check, i) => parseCheck(normalize(check), service, list.length > 1 ? `service:${service.ID}:${i + 1}` : `service:${service.ID}`));
  return { service, checks };
}

function parseCheck(body: Record<string, unknown>, service: ServiceDefinition, defaultId: string): CheckDefinition {
  const unsupported = UNSUPPORTED.find((key) => body[key] !== undefined && body[key] !== '' && body[key] !== null);
  if (unsupported) throw new ApiError(400, `the Consul double runs only GRPC and TTL checks, not '${unsupported}'`);
  const status = text(body, 'status', 'Status');
  if (status && !CHECK_STATUSES.includes(status as CheckStatus)) throw new ApiError(400, `Invalid check status: "${status}"`);
  const grpc = text(body, 'grpc', 'GRPC');
  const ttl = text(body, 'ttl', 'TTL');
  const interval = text(body, 'interval', 'Interval');
  const timeout = text(body, 'timeout', 'Timeout') || DEFAULT_TIMEOUT;
  const deregister = text(body, 'deregistercriticalserviceafter', 'DeregisterCriticalServiceAfter');
  if (!grpc && !ttl) throw new ApiError(400, 'Invalid check: the Consul double needs a GRPC (with Interval) or a TTL check');
  const intervalMs = interval ? duration(interval, 'Interval') : 0;
  const ttlMs = ttl ? duration(ttl, 'TTL') : 0;
  if (grpc && intervalMs <= 0) throw new ApiError(400, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or GRPC checks');
  if (!grpc && ttlMs <= 0) throw new ApiError(400, 'Invalid check: TTL must be > 0 for TTL checks');
  return {
    CheckID: text(body, 'checkid', 'CheckID') || text(body, 'id', 'ID') || defaultId,
    Name: text(body, 'name', 'Name') || `Service '${service.Service}' check`,
    Notes: text(body, 'notes', 'Notes'),
    ...(status ? { Status: status as CheckStatus } : {}),
    Type: grpc ? 'grpc' : 'ttl',
    ...(grpc ? { GRPC: grpc } : {}),
    GRPCUseTLS: body.grpcusetls === true,
    TLSSkipVerify: body.tlsskipverify === true,
    TLSServerName: text(body, 'tlsservername', 'TLSServerName'),
    Interval: interval,
    Timeout: timeout,
    TTL: ttl,
    DeregisterCriticalServiceAfter: deregister,
    intervalMs,
    timeoutMs: duration(timeout, 'Timeout'),
    ttlMs,
    deregisterAfterMs: deregister ? duration(deregister, 'DeregisterCriticalServiceAfter') : 0,
  };
}
