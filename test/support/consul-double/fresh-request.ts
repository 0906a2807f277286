/**
 * One HTTP request on a connection of its own (no keep-alive pool), for tests
 * that talk to the Consul API directly: the double drops every connection
 * when it restarts or pauses, as an agent does, and a pooled socket would
 * fail the next request for that reason alone.
 */
import http from 'node:http';

/** The whole answer. */
export interface FreshAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Sends `method path` to `address` ("host:port"), with an optional JSON body. */
export function freshRequest(address: string, method: 'GET' | 'PUT', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<FreshAnswer> {
  const url = new URL(path, `http://${address}`);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
