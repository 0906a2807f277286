/**
 * Tokens on the gRPC port: a server interceptor in front of every service
 * checks the `authorization` metadata against the role the method needs,
 * before any handler runs. The health service stays open for probes.
 */
import * as grpc from '@grpc/grpc-js';
import { SERVICE_NAMES } from '../../protocol/definitions.js';
import { AUTHORIZATION_KEY, bearerToken, type Role } from '../../protocol/bearer-token.js';
import { toServiceError } from '../../protocol/status.js';
import type { Authenticator } from './authenticator.js';

/** KV methods that only read; every other KV method writes. */
const KV_READS = new Set(['Lookup', 'LookupStream', 'Scan']);

/**
 * The role a method needs, or undefined when it is open. Anything not named
 * here (a method or service added later) needs `cluster` until it is given a
 * role of its own: closed by default.
 */
export function roleForMethod(path: string): Role | undefined {
  const slash = path.lastIndexOf('/');
  const service = path.slice(1, slash);
  const method = path.slice(slash + 1);
  switch (service) {
    case SERVICE_NAMES.health:
      return undefined;
    case SERVICE_NAMES.kv:
      return KV_READS.has(method) ? 'read' : 'write';
    case SERVICE_NAMES.admin:
      return 'admin';
    case SERVICE_NAMES.serial:
      // A serial read needs read; the handler checks write for every other operation.
      return 'read';
    case SERVICE_NAMES.replica:
      // Info is how callers (the CLI, discovery) learn the members; the rest is node-to-node traffic.
      return method === 'Info' ? 'read' : 'cluster';
    default:
      return 'cluster';
  }
}

/** The interceptor to pass in the gRPC server's `interceptors` option. */
export function authInterceptor(auth: Authenticator): grpc.ServerInterceptor {
  return (definition, call) => {
    const needed = roleForMethod(definition.path);
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            if (needed === undefined) return pass(metadata);
            try {
              auth.check(bearerToken(metadata.get(AUTHORIZATION_KEY)[0]), needed);
            } catch (err) {
              const e = toServiceError(err);
              call.sendStatus({ code: e.code, details: e.details, metadata: e.metadata });
              return;
            }
            pass(metadata);
          },
        });
      },
    });
  };
}
