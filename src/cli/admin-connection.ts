/** The CLI's connection to a node's Admin and Replica services. */
import * as grpc from '@grpc/grpc-js';
import { AdminService, ReplicaService } from '../protocol/definitions.js';
import type { AdminClient } from '../protocol/generated/dstash/v1/Admin.js';
import type { InfoResponse__Output } from '../protocol/generated/dstash/v1/InfoResponse.js';
import type { ReplicaClient } from '../protocol/generated/dstash/v1/Replica.js';
import { fromServiceError } from '../protocol/status.js';
import { withToken } from '../protocol/bearer-token.js';

/** An Admin client of `address`. */
export function adminClient(address: string, credentials: grpc.ChannelCredentials, token?: string): AdminClient {
  return new AdminService(address, credentials, withToken({}, token)) as unknown as AdminClient;
}

/** Asks `address` to describe itself. */
export function fetchInfo(address: string, credentials: grpc.ChannelCredentials, timeoutMs: number, token?: string): Promise<InfoResponse__Output> {
  const client = new ReplicaService(address, credentials, withToken({}, token)) as unknown as ReplicaClient;
  return new Promise<InfoResponse__Output>((resolve, reject) => {
    client.Info({}, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err || !res) reject(fromServiceError(err, address));
      else resolve(res);
    });
  });
}
