/**
 * The standard grpc.health.v1.Health service: `Check` and `Watch`, per service
 * name, with '' for the node as a whole (gRPC health checking protocol).
 */
import * as grpc from '@grpc/grpc-js';
import type { HealthHandlers } from '../protocol/generated/grpc/health/v1/Health.js';
import type { HealthCheckRequest__Output } from '../protocol/generated/grpc/health/v1/HealthCheckRequest.js';
import type { HealthCheckResponse } from '../protocol/generated/grpc/health/v1/HealthCheckResponse.js';

/** Serving states a service can report. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING';

/** Holds the serving status of each service and serves it over grpc.health.v1. */
export class HealthReporter {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<{ service: string; call: grpc.ServerWritableStream<HealthCheckRequest__Output, HealthCheckResponse> }>();

  /** Sets the status of `service` ('' = the whole node) and tells its watchers. */
  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const w of this.watchers) if (w.service === service) w.call.write({ status });
  }

  /** Sets every known service, and the node, to `status`. */
  setAll(status: ServingStatus): void {
    for (const service of [...this.statuses.keys()]) this.set(service, status);
  }

  /** Ends every Watch stream (at shutdown, so the server can close). */
  endWatches(): void {
    for (const w of this.watchers) w.call.end();
    this.watchers.clear();
  }

  /** gRPC handlers for the Health service. */
  handlers(): HealthHandlers {
    return {
      Check: (call, callback) => {
        const status = this.statuses.get(call.request.service);
        if (status === undefined) {
          callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${JSON.stringify(call.request.service)}` });
          return;
        }
        callback(null, { status });
      },
      Watch: (call) => {
        const watcher = { service: call.request.service, call };
        this.watchers.add(watcher);
        call.write({ status: this.statuses.get(watcher.service) ?? 'SERVICE_UNKNOWN' });
        call.on('cancelled', () => this.watchers.delete(watcher));
      },
    };
  }
}
