/**
 * The transport to Consul's HTTP API: one keep-alive agent (TLS when asked),
 * the ACL token header, deadlines, cancellation, and the mapping of every
 * failure to a `DstashError` that names the agent and the option to change.
 * The `consul` npm client shares the agent for the calls it covers; blocking
 * queries need the `X-Consul-Index` header, which that client does not return.
 */
import http from 'node:http';
import https from 'node:https';
import { DstashError, ErrorCode } from '../errors.js';
import type { ResolvedConsulOptions } from './consul-options.js';

/** A 2xx answer: headers and the body parsed as JSON (`undefined` when empty). */
export interface ConsulReply<T> {
  headers: http.IncomingHttpHeaders;
  body: T;
}

/** A non-2xx answer from Consul. */
export class ConsulStatusError extends Error {
  constructor(
    readonly status: number,
    /** Consul's plain-text reason, e.g. "ACL not found". */
    readonly reason: string,
  ) {
    super(`HTTP ${status}: ${reason}`);
    this.name = 'ConsulStatusError';
  }
}

/** Per-request settings. */
export interface ConsulRequestOptions {
  /** Query parameters; `undefined` values are left out, `''` is sent as a bare flag. */
  query?: Record<string, string | undefined>;
  /** JSON request body. */
  body?: unknown;
  /** Overall deadline. @default the options' requestTimeout */
  timeoutMs?: number;
  /** Aborts the request (close()). */
  signal?: AbortSignal;
}

/** A small JSON client for one Consul agent. */
export class ConsulHttp {
  /** Shared with the `consul` npm client so that both use the same sockets and TLS settings. */
  readonly agent: http.Agent;

  constructor(private readonly options: ResolvedConsulOptions) {
    this.agent = options.scheme === 'https' ? new https.Agent({ keepAlive: true, ...options.tls }) : new http.Agent({ keepAlive: true });
  }

  /** Sends one request; resolves on 2xx, rejects with {@link ConsulStatusError} or the network error. */
  request<T>(method: 'GET' | 'PUT', path: string, request: ConsulRequestOptions = {}): Promise<ConsulReply<T>> {
    const { scheme, host, port, token } = this.options;
    const timeoutMs = request.timeoutMs ?? this.options.requestTimeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (token !== undefined) headers['x-consul-token'] = token;
    if (payload) headers['content-type'] = 'application/json';
    const transport = scheme === 'https' ? https : http;
    return new Promise<ConsulReply<T>>((resolve, reject) => {
      const req = transport.request(
        { method, host, port, path: `/v1${path}${queryString(request.query)}`, headers, agent: this.agent, signal: controller.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) return reject(new ConsulStatusError(status, text.trim() || (http.STATUS_CODES[status] ?? 'unknown')));
            try {
              resolve({ headers: res.headers, body: (text === '' ? undefined : JSON.parse(text)) as T });
            } catch (err) {
              reject(new Error(`Consul answered ${method} ${path} with a body that is not JSON`, { cause: err }));
            }
          });
        },
      );
      req.on('error', (err) => reject(controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : err));
      req.end(payload);
    }).finally(() => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    });
  }

  /** Closes the pooled sockets. */
  close(): void {
    this.agent.destroy();
  }
}

function queryString(query: Record<string, string | undefined> | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    parts.push(value === '' ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** The HTTP status of a failure, whether it came from {@link ConsulHttp} or the `consul` npm client. */
function statusOf(err: unknown): { status: number; reason: string } | undefined {
  if (err instanceof ConsulStatusError) return { status: err.status, reason: err.reason };
  // The `consul` client (papi) raises errors with `statusCode` and the raw response body.
  const papi = err as { isResponse?: boolean; statusCode?: number; response?: { body?: unknown }; message?: string };
  if (papi?.isResponse && typeof papi.statusCode === 'number') {
    const body = papi.response?.body;
    const reason = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : (papi.message ?? '');
    return { status: papi.statusCode, reason: reason.trim() };
  }
  return undefined;
}

/**
 * Wraps a failed Consul call in a `DstashError`: `DSTASH_UNAUTHENTICATED` for
 * a 403 (ACL), `DSTASH_DISCOVERY` otherwise, naming the agent, what was being
 * done, and the flag or variable to check.
 */
export function consulError(err: unknown, options: ResolvedConsulOptions, action: string): DstashError {
  if (err instanceof DstashError) return err;
  const answered = statusOf(err);
  if (answered?.status === 403) {
    return new DstashError(
      ErrorCode.Unauthenticated,
      `Consul at ${options.url} refused to ${action}: 403 ${answered.reason}; ` +
        `check the ACL token (--consul-token / CONSUL_HTTP_TOKEN${options.token === undefined ? ', none is set' : ''})`,
      { cause: err },
    );
  }
  if (answered) {
    return new DstashError(ErrorCode.Discovery, `Consul at ${options.url} failed to ${action}: ${answered.status} ${answered.reason}`, { cause: err });
  }
  const detail = (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);
  // A certificate problem is not cured by another address: point at the TLS settings instead.
  const hint = /CERT|SSL|TLS/i.test(detail) ? 'check the TLS settings (tls.ca / CONSUL_CACERT, tls.serverName)' : 'check --consul-addr / CONSUL_HTTP_ADDR';
  return new DstashError(ErrorCode.Discovery, `cannot reach Consul at ${options.url} to ${action} (${detail}); ${hint}`, { cause: err });
}
