/**
 * gRPC handlers of the public dstash.v1.Serial service: the node proposes
 * each operation with the SDK's proposer, for callers that do not route.
 */
import type { SerialHandlers } from '../../protocol/generated/dstash/v1/Serial.js';
import { fromSerialRequest, toSerialResponse } from '../../protocol/paxos-wire.js';
import { toServiceError } from '../../protocol/status.js';
import type { SerialCoordinator } from '../../client/index.js';
import { AUTHORIZATION_KEY, bearerToken } from '../../protocol/bearer-token.js';
import type { Authenticator } from '../auth/authenticator.js';

/**
 * Builds the Serial service's handlers over `serial`. With `auth`, the
 * interceptor has let in any token of role read; an operation other than a
 * read needs write, which only the request tells.
 */
export function serialHandlers(serial: SerialCoordinator, auth?: Authenticator): SerialHandlers {
  return {
    Execute(call, callback) {
      const r = call.request;
      Promise.resolve()
        .then(() => {
          const op = fromSerialRequest(r);
          if (auth && op.kind !== 'read') auth.check(bearerToken(call.metadata.get(AUTHORIZATION_KEY)[0]), 'write');
          return serial.execute(r.index, r.key, op);
        })
        .then((outcome) => callback(null, toSerialResponse(outcome)), (err) => callback(toServiceError(err)));
    },
  };
}
