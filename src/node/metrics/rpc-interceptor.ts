/**
 * A gRPC server interceptor that feeds {@link RpcMetrics}. It sits in front
 * of every service the node serves, so the handlers stay free of metrics code
 * and every call is counted the same way, whatever its kind: the status code
 * is the one actually sent, and a call the client cancels counts as CANCELLED.
 */
import * as grpc from '@grpc/grpc-js';
import type { RpcMetrics } from './rpc-metrics.js';

/** A batch message: entries under one of these names, and an id its answer echoes. */
interface BatchMessage {
  id?: unknown;
  entries?: unknown;
  keys?: unknown;
  records?: unknown;
}

/** The interceptor to pass in the gRPC server's `interceptors` option. */
export function rpcInterceptor(metrics: RpcMetrics): grpc.ServerInterceptor {
  return (definition, call) => {
    const slash = definition.path.lastIndexOf('/');
    const service = definition.path.slice(1, slash);
    const method = definition.path.slice(slash + 1);
    const started = performance.now();
    let finished = false;
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      metrics.callFinished(service, method, grpc.status[code] ?? String(code), (performance.now() - started) / 1000, definition.requestStream || definition.responseStream);
    };
    // Batch streams answer each message with one that echoes its id; answers may come out of order.
    const batches = definition.requestStream && definition.responseStream ? new Map<unknown, number>() : undefined;
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMessage(message: BatchMessage, pass) {
            if (batches) {
              const list = message.entries ?? message.keys ?? message.records;
              if (Array.isArray(list)) metrics.batchReceived(service, method, list.length);
              batches.set(message.id, performance.now());
            }
            pass(message);
          },
          onCancel: () => finish(grpc.status.CANCELLED),
        });
      },
      sendMessage(message: BatchMessage, next) {
        const at = batches?.get(message.id);
        if (at !== undefined) {
          batches!.delete(message.id);
          metrics.batchAnswered(service, method, (performance.now() - at) / 1000);
        }
        next(message);
      },
      sendStatus(status, next) {
        finish(status.code ?? grpc.status.UNKNOWN);
        next(status);
      },
    });
  };
}
