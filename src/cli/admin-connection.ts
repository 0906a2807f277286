/** The CLI's connection to a node's Admin and Replica services. */
import * as grpc from '@grpc/grpc-js';
import { AdminService } from '../protocol/definitions.js';
import type { AdminClient } from '../protocol/generated/dstash/v1/Admin.js';
import { withToken } from '../protocol/bearer-token.js';

/** An Admin client of `address`. */
export function adminClient(address: string, credentials: grpc.ChannelCredentials, token?: string): AdminClient {
  return new AdminService(address, credentials, withToken({}, token)) as unknown as AdminClient;
}

/** Asks `address` to describe itself. */
export { fetchInfo } from '../protocol/info-call.js';
