/**
 * The double's HTTP API: the Consul endpoints dstash uses, with the
 * documented parameters, headers, blocking semantics and error answers.
 * Each handler names the documentation page it follows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Acl, Caller } from './acl.js';
import type { Agent } from './agent.js';
import { ApiError } from './api-error.js';
import { Catalog } from './catalog.js';
import { parseGoDuration } from './go-duration.js';
import { CHECK_STATUSES, parseRegistration, type CheckStatus } from './registration.js';

/** What the handlers need. */
export interface ApiContext {
  agent: Agent;
  acl: Acl;
  datacenter: string;
}

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  caller: Caller;
  params: string[];
}

type Handler = (ctx: ApiContext, call: Call) => Promise<void> | void;

/** Blocking-query limits (/api-docs/features/blocking): default wait 5m, at most 10m. */
const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;
const MAX_BODY_BYTES = 1 << 20;

const TTL_STATUS: Record<string, CheckStatus> = { pass: 'passing', warn: 'warning', fail: 'critical' };

/** /api-docs/agent/service#register-service */
const register: Handler = async (ctx, { req, res, url, caller }) => {
  const { service, checks } = parseRegistration(await readJson(req));
  ctx.acl.require(caller, 'service:write', service.Service);
  ctx.agent.register(service, checks, flag(url, 'replace-existing-checks'));
  sendEmpty(res);
};

/** /api-docs/agent/service#deregister-service */
const deregister: Handler = (ctx, { res, caller, params: [id] }) => {
  ctx.acl.require(caller, 'service:write', ctx.agent.catalog.service(id!)?.Service ?? id!);
  ctx.agent.deregister(id!);
  sendEmpty(res);
};

/** /api-docs/agent/service#get-service-configuration (hash-based blocking is not offered) */
const getService: Handler = (ctx, { res, caller, params: [id] }) => {
  const body = ctx.agent.catalog.agentService(id!);
  if (!body) throw new ApiError(404, `unknown service ID: ${id}`);
  ctx.acl.require(caller, 'service:read', ctx.agent.catalog.service(id!)!.Service);
  res.setHeader('X-Consul-ContentHash', (body as { ContentHash: string }).ContentHash);
  sendJson(res, body);
};

/** /api-docs/agent/check#ttl-check-pass, #ttl-check-warn, #ttl-check-fail: `?note=` becomes the output. */
const ttlNote: Handler = (ctx, { res, url, caller, params: [verb, id] }) => {
  authorizeCheck(ctx, caller, id!);
  ctx.agent.updateTtl(id!, TTL_STATUS[verb!]!, url.searchParams.get('note') ?? '');
  sendEmpty(res);
};

/** /api-docs/agent/check#ttl-check-update: JSON `{Status, Output}`. */
const ttlUpdate: Handler = async (ctx, { req, res, caller, params: [id] }) => {
  const body = (await readJson(req)) as { Status?: unknown; Output?: unknown };
  authorizeCheck(ctx, caller, id!);
  if (!CHECK_STATUSES.includes(body.Status as CheckStatus)) throw new ApiError(400, `Invalid check status: "${String(body.Status ?? '')}"`);
  ctx.agent.updateTtl(id!, body.Status as CheckStatus, typeof body.Output === 'string' ? body.Output : '');
  sendEmpty(res);
};

/** /api-docs/health#list-nodes-for-service: blocking, `?passing`, `?dc`, filtered by ACLs. */
const healthService: Handler = async (ctx, { res, url, caller, params: [name] }) => {
  checkDatacenter(ctx, url);
  const catalog = ctx.agent.catalog;
  await block(catalog, () => catalog.healthIndex(name!), url, res);
  let entries = ctx.acl.canRead(caller) ? catalog.health(name!) : [];
  if (flag(url, 'passing')) entries = entries.filter(Catalog.passing);
  sendJson(res, entries, catalog.healthIndex(name!));
};

/** /api-docs/catalog#list-services: blocking, name -> tags, filtered by ACLs. */
const catalogServices: Handler = async (ctx, { res, url, caller }) => {
  checkDatacenter(ctx, url);
  const catalog = ctx.agent.catalog;
  await block(catalog, () => catalog.catalogIndex(), url, res);
  sendJson(res, ctx.acl.canRead(caller) ? catalog.serviceTags() : {}, catalog.catalogIndex());
};

/** The first route whose path matches decides; a wrong method is 405, as Consul's mux answers. */
const ROUTES: [method: string, path: RegExp, handler: Handler][] = [
  ['PUT', /^\/v1\/agent\/service\/register$/, register],
  ['PUT', /^\/v1\/agent\/service\/deregister\/([^/]+)$/, deregister],
  ['GET', /^\/v1\/agent\/service\/([^/]+)$/, getService],
  ['PUT', /^\/v1\/agent\/check\/(pass|warn|fail)\/([^/]+)$/, ttlNote],
  ['PUT', /^\/v1\/agent\/check\/update\/([^/]+)$/, ttlUpdate],
  ['GET', /^\/v1\/health\/service\/([^/]+)$/, healthService],
  ['GET', /^\/v1\/catalog\/services$/, catalogServices],
];

/** Serves one request. Never rejects. */
export async function handleRequest(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Sent on every answer since Consul 1.9, ACLs on or off (/api-docs/api-structure#default-acl-policy).
  res.setHeader('X-Consul-Default-Acl-Policy', ctx.acl.defaultPolicy);
  try {
    const url = new URL(req.url ?? '/', 'http://consul.invalid');
    for (const [method, path, handler] of ROUTES) {
      const match = path.exec(url.pathname);
      if (!match) continue;
      if (req.method !== method) throw new ApiError(405, `method ${req.method} not allowed`);
      const caller = ctx.acl.caller(req, url);
      await handler(ctx, { req, res, url, caller, params: match.slice(1).map((p) => decodeURIComponent(p)) });
      return;
    }
    throw new ApiError(404, '404 page not found');
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 500;
    sendText(res, status, (err as Error).message);
  }
}

function authorizeCheck(ctx: ApiContext, caller: Caller, checkId: string): void {
  const check = ctx.agent.catalog.check(checkId);
  if (!check) throw new ApiError(404, `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`);
  ctx.acl.require(caller, 'service:write', check.service.Service);
}

/** The double is one datacenter; Consul answers a query for another it cannot reach with 500 "No path to datacenter". */
function checkDatacenter(ctx: ApiContext, url: URL): void {
  const dc = url.searchParams.get('dc');
  if (dc && dc !== ctx.datacenter) throw new ApiError(500, 'No path to datacenter');
}

/** A boolean query flag: present (`?passing`) means true unless its value says false. */
function flag(url: URL, name: string): boolean {
  const value = url.searchParams.get(name);
  return value !== null && value !== 'false' && value !== '0';
}

/**
 * Blocking-query semantics (/api-docs/features/blocking): with `?index=N`
 * (N > 0) the answer waits until the result's index exceeds N or `wait`
 * passes (default 5m, capped at 10m, plus up to wait/16 of jitter). An index
 * below the current one returns at once; one above it waits for the timeout,
 * which is why clients must reset an index that went backwards.
 */
function block(catalog: Catalog, index: () => bigint, url: URL, res: ServerResponse): Promise<void> {
  const rawIndex = url.searchParams.get('index');
  if (rawIndex && !/^\d+$/.test(rawIndex)) throw new ApiError(400, 'Invalid index');
  const min = rawIndex ? BigInt(rawIndex) : 0n;
  const rawWait = url.searchParams.get('wait');
  const waitMs = rawWait ? parseGoDuration(rawWait) : DEFAULT_WAIT_MS;
  if (waitMs === undefined) throw new ApiError(400, 'Invalid wait time');
  if (min === 0n || index() > min) return Promise.resolve();
  const capped = Math.max(0, Math.min(waitMs, MAX_WAIT_MS));
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, capped + (Math.random() * capped) / 16);
    const unsubscribe = catalog.onChange(() => {
      if (index() > min) done();
    });
    // A client that hangs up (or a double that stops) ends the wait.
    res.on('close', done);
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'Request body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new ApiError(400, `Request decode failed: ${(err as Error).message}`);
  }
}

function sendJson(res: ServerResponse, body: unknown, index?: bigint): void {
  if (res.destroyed) return;
  res.setHeader('Content-Type', 'application/json');
  if (index !== undefined) {
    res.setHeader('X-Consul-Index', String(index));
    res.setHeader('X-Consul-KnownLeader', 'true');
    res.setHeader('X-Consul-LastContact', '0');
  }
  res.end(JSON.stringify(body));
}

function sendEmpty(res: ServerResponse): void {
  if (!res.destroyed) res.end();
}

/** Consul's error answers are plain text. */
function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.destroyed) return;
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(text);
}
