/**
 * The seam every front door of a node checks tokens through: the gRPC
 * interceptor, the HTTP hooks, and (once it lands) the Redis protocol's AUTH.
 */
import { DstashError, ErrorCode } from '../../errors.js';
import { roleAllows, type Role } from '../../protocol/bearer-token.js';

/** Checks a caller's token against the role an operation needs. */
export interface Authenticator {
  /**
   * The role of `token` when it allows `needed`. Throws `DSTASH_UNAUTHENTICATED`
   * for a missing or unknown token and `DSTASH_PERMISSION_DENIED` for a token
   * whose role is below `needed`.
   */
  check(token: string | undefined, needed: Role): Role;
  /** The token this node presents when it calls its peers (role `cluster`). */
  clusterToken(): string | undefined;
}

/** Throws the errors {@link Authenticator.check} documents, given the role the token has (undefined: none). */
export function requireRole(held: Role | undefined, token: string | undefined, needed: Role): Role {
  if (held === undefined) {
    throw new DstashError(ErrorCode.Unauthenticated, token === undefined
      ? 'a token is required: send "authorization: Bearer <token>" (SDK option token, CLI --token or DSTASH_TOKEN)'
      : 'unknown token');
  }
  if (!roleAllows(held, needed)) throw new DstashError(ErrorCode.PermissionDenied, `this needs a token of role ${needed} or above; the token has role ${held}`);
  return held;
}
