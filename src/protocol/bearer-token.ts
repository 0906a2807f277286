/**
 * Bearer tokens on the wire (DESIGN.md, Wire protocol): every call carries
 * `authorization: Bearer <token>` metadata, and roles rank what a token may
 * do. Shared by the nodes, which check tokens, and by every caller (the SDK,
 * the CLI, a node calling its peers), which attaches one.
 */
import * as grpc from '@grpc/grpc-js';

/** Metadata key (and HTTP header) of the token. */
export const AUTHORIZATION_KEY = 'authorization';

/**
 * What a token may do, lowest first; each role includes those below it.
 * `read`: lookups, scans, cluster views; `write`: puts and deletes; `admin`:
 * repair and drain; `cluster`: the Replica service, which nodes (and routing
 * clients, which coordinate like nodes) speak to each other.
 */
export const ROLES = ['read', 'write', 'admin', 'cluster'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** True when `held` includes `needed`. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** Where a caller gets its token from; read on every call, so a token can change while a process runs. */
export type TokenSource = () => string | undefined;

/** The token of an `authorization: Bearer <token>` value, or undefined. */
export function bearerToken(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1] : undefined;
}

/** A client interceptor that adds the token (when there is one) to every call. */
export function bearerInterceptor(token: TokenSource): grpc.Interceptor {
  return (options, nextCall) => new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      const t = token();
      if (t) metadata.set(AUTHORIZATION_KEY, `Bearer ${t}`);
      next(metadata, listener);
    },
  });
}

/** `options` plus the interceptor that sends `token`; unchanged without a token. */
export function withToken<T extends grpc.ClientOptions>(options: T, token: TokenSource | string | undefined): T {
  if (token === undefined) return options;
  const source: TokenSource = typeof token === 'string' ? () => token : token;
  return { ...options, interceptors: [...(options.interceptors ?? []), bearerInterceptor(source)] };
}
