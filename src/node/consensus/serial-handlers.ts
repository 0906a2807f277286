/**
 * gRPC handlers of the public dstash.v1.Serial service: the node proposes
 * each operation with the SDK's proposer, for callers that do not route.
 */
import type { SerialHandlers } from '../../protocol/generated/dstash/v1/Serial.js';
import { fromSerialRequest, toSerialResponse } from '../../protocol/paxos-wire.js';
import { toServiceError } from '../../protocol/status.js';
import type { SerialCoordinator } from '../../client/index.js';

/** Builds the Serial service's handlers over `serial`. */
export function serialHandlers(serial: SerialCoordinator): SerialHandlers {
  return {
    Execute(call, callback) {
      const r = call.request;
      Promise.resolve()
        .then(() => serial.execute(r.index, r.key, fromSerialRequest(r)))
        .then((outcome) => callback(null, toSerialResponse(outcome)), (err) => callback(toServiceError(err)));
    },
  };
}
