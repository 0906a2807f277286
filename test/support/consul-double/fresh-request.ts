/**
 * One HTTP request on a connection of its own (no keep-alive pool), for tests
 * that talk to the Consul API directly: the double drops every connection
 * when it restarts or pauses, as an agent does, and a pooled socket would
 * fail the next request for that reason alone.
 */
import http from 'node:http';
import https from 'node:https';

/** The whole answer. */
export interface FreshAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Settings beyond the request itself. */
export interface FreshOptions {
  /** TLS material for an `https://` address. @default none (the system CAs) */
  tls?: Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'servername'>;
  /** Gives up (rejects) after this long. @default no limit */
  timeoutMs?: number;
}

/**
 * Sends `method path` to `address` ("host:port", or "http(s)://host:port"),
 * with an optional JSON body.
 */
export function freshRequest(address: string, method: 'GET' | 'PUT', path: string, body?: unknown, headers: Record<string, string> = {}, options: FreshOptions = {}): Promise<FreshAnswer> {
  const url = new URL(path, /^https?:\/\//.test(address) ? address : `http://${address}`);
  const transport = url.protocol === 'https:' ? https : http;
  const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method, headers, agent: false, signal, ...options.tls }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
