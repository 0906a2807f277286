/**
 * The double's ACL system: off, or on with `default_policy = "deny"` and one
 * management token. What follows is Consul's documented behaviour
 * (/api-docs/api-structure#authentication) and what its HTTP layer does:
 * - the token is read from `?token=`, else `X-Consul-Token`, else
 *   `Authorization: Bearer` (that order);
 * - no token means the anonymous token, which has no policy under deny;
 * - a token Consul does not know is refused everywhere: 403 "ACL not found";
 * - a write without permission is refused: 403 "Permission denied: ...";
 * - list reads are not refused but filtered: the anonymous token gets an
 *   empty answer (/api-docs/api-structure#results-filtered-by-acls).
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

/** Who a request acts as. */
export type Caller = 'management' | 'anonymous';

/** Permission names as Consul spells them. */
export type Permission = 'service:read' | 'service:write';

/** ACL decisions for one double. */
export class Acl {
  constructor(private readonly managementToken: string | undefined) {}

  /** The `X-Consul-Default-Acl-Policy` header value (sent even with ACLs off). */
  get defaultPolicy(): 'allow' | 'deny' {
    return this.managementToken === undefined ? 'allow' : 'deny';
  }

  /** Resolves the request's token; throws 403 "ACL not found" for an unknown one. */
  caller(req: IncomingMessage, url: URL): Caller {
    if (this.managementToken === undefined) return 'management';
    const token = url.searchParams.get('token') || header(req, 'x-consul-token') || bearer(header(req, 'authorization'));
    if (!token) return 'anonymous';
    if (token === this.managementToken) return 'management';
    throw new ApiError(403, 'ACL not found');
  }

  /** Throws 403 unless `caller` holds `permission` on service `name`. */
  require(caller: Caller, permission: Permission, name: string): void {
    if (caller === 'anonymous') throw new ApiError(403, `Permission denied: anonymous token lacks permission '${permission}' on "${name}"`);
  }

  /** Whether list reads show `caller` anything (else they are filtered to nothing). */
  canRead(caller: Caller): boolean {
    return caller === 'management';
  }
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** `Authorization: <scheme> <value>`; Consul takes the value whatever the scheme, when there are two parts. */
function bearer(authorization: string): string {
  const parts = authorization.split(' ');
  return parts.length > 1 ? parts.slice(1).join(' ').trim() : '';
}
