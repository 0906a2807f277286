/**
 * gRPC handlers of dstash.v1.Membership: members of a static cluster share
 * their member list (join, drain). A node that follows Consul or DNS has no
 * list to share and answers FAILED_PRECONDITION.
 */
import * as grpc from '@grpc/grpc-js';
import type { Discovery } from '../../discovery/discovery.js';
import { JoinDiscovery } from '../../discovery/join-discovery.js';
import type { MembershipHandlers } from '../../protocol/generated/dstash/v1/Membership.js';
import { toServiceError } from '../../protocol/status.js';

/** Builds the Membership service's handlers over the node's discovery (once it exists). */
export function membershipHandlers(discovery: () => Discovery | undefined): MembershipHandlers {
  return {
    Exchange(call, callback) {
      const d = discovery();
      if (!(d instanceof JoinDiscovery)) {
        return callback({ code: grpc.status.FAILED_PRECONDITION, details: 'this node finds its members through a registry (Consul or DNS): join it there' });
      }
      try {
        callback(null, d.exchange(call.request.entries));
      } catch (err) {
        callback(toServiceError(err));
      }
    },
  };
}
