/** The CLI's connection to a node's Admin and Replica services. */
import * as grpc from '@grpc/grpc-js';
import { AdminService } from '../protocol/definitions.js';
import type { AdminClient } from '../protocol/generated/dstash/v1/Admin.js';
import type { RebuildResponse__Output } from '../protocol/generated/dstash/v1/RebuildResponse.js';
import type { RepairResponse__Output } from '../protocol/generated/dstash/v1/RepairResponse.js';
import { withToken } from '../protocol/bearer-token.js';
import { fromServiceError } from '../protocol/status.js';

/** An Admin client of `address`. */
export function adminClient(address: string, credentials: grpc.ChannelCredentials, token?: string): AdminClient {
  return new AdminService(address, credentials, withToken({}, token)) as unknown as AdminClient;
}

/** The unary Admin methods, as `adminCall` takes them, and their answers. */
interface UnaryAdmin {
  Repair: RepairResponse__Output;
  Rebuild: RebuildResponse__Output;
}

/** Calls the unary Admin method `method` of `address` with an empty request; rejects with the node's error, naming it. */
export function adminCall<M extends keyof UnaryAdmin>(
  address: string,
  method: M,
  options: { credentials: grpc.ChannelCredentials; timeoutMs: number; token?: string },
): Promise<UnaryAdmin[M]> {
  const client = adminClient(address, options.credentials, options.token);
  type Response = UnaryAdmin[M];
  return new Promise<Response>((resolve, reject) => {
    const done = (err: grpc.ServiceError | null, res?: Response): void => {
      client.close();
      if (err || !res) reject(fromServiceError(err, address));
      else resolve(res);
    };
    (client[method] as unknown as (req: object, meta: grpc.CallOptions, cb: typeof done) => void).call(client, {}, { deadline: Date.now() + options.timeoutMs }, done);
  });
}

/** Asks `address` to describe itself. */
export { fetchInfo } from '../protocol/info-call.js';
