/** Asks one node to describe itself (the Replica service's Info call): the CLI and the dashboard's stats use it. */
import type * as grpc from '@grpc/grpc-js';
import { ReplicaService } from './definitions.js';
import type { InfoResponse__Output } from './generated/dstash/v1/InfoResponse.js';
import type { ReplicaClient } from './generated/dstash/v1/Replica.js';
import { fromServiceError } from './status.js';
import { withToken, type TokenSource } from './bearer-token.js';

/** Asks `address` to describe itself (with `token` when the nodes ask for one); errors come back as DstashErrors naming the address. */
export function fetchInfo(address: string, credentials: grpc.ChannelCredentials, timeoutMs: number, token?: TokenSource | string): Promise<InfoResponse__Output> {
  const client = new ReplicaService(address, credentials, withToken({}, token)) as unknown as ReplicaClient;
  return new Promise<InfoResponse__Output>((resolve, reject) => {
    client.Info({}, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err || !res) reject(fromServiceError(err, address));
      else resolve(res);
    });
  });
}
