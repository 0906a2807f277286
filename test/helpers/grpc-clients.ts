/** Raw gRPC clients of a node's services, for protocol-level tests. */
import * as grpc from '@grpc/grpc-js';
import { HealthService, KvService, ReplicaService, SerialService } from '../../src/protocol/definitions.js';
import type { KVClient } from '../../src/protocol/generated/dstash/v1/KV.js';
import type { ReplicaClient } from '../../src/protocol/generated/dstash/v1/Replica.js';
import type { SerialClient } from '../../src/protocol/generated/dstash/v1/Serial.js';
import type { HealthClient } from '../../src/protocol/generated/grpc/health/v1/Health.js';

/** Clients of the public and internal services on one address; `close()` closes them all. */
export interface NodeClients {
  kv: KVClient;
  replica: ReplicaClient;
  health: HealthClient;
  serial: SerialClient;
  close(): void;
}

/** Opens clients to `address`. */
export function nodeClients(address: string, credentials = grpc.credentials.createInsecure(), options: grpc.ChannelOptions = {}): NodeClients {
  const kv = new KvService(address, credentials, options);
  const replica = new ReplicaService(address, credentials, options);
  const health = new HealthService(address, credentials, options);
  const serial = new SerialService(address, credentials, options) as SerialClient;
  return {
    kv,
    replica,
    health,
    serial,
    close() {
      kv.close();
      replica.close();
      health.close();
      serial.close();
    },
  };
}

/** A generated unary method, loosely typed so that one helper calls them all. */
export type UnaryMethod<Res> = (request: never, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => unknown;

/** Calls a unary method as a promise. */
export function unary<Res>(client: grpc.Client, method: UnaryMethod<Res>, request: object, deadlineMs = 10_000): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    method.call(client, request as never, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}

/** Sends `batches` on a bidi stream and collects every answer, keyed by batch id. */
export function exchange<Req, Res extends { id: number }>(call: grpc.ClientDuplexStream<Req, Res>, batches: NoInfer<Req>[]): Promise<Map<number, Res>> {
  return new Promise((resolve, reject) => {
    const answers = new Map<number, Res>();
    call.on('data', (res: Res) => answers.set(Number(res.id), res));
    call.on('error', reject);
    call.on('end', () => resolve(answers));
    for (const b of batches) call.write(b);
    call.end();
  });
}

/** The serving status the node reports for `service` ('' = the node). */
export function healthStatus(health: HealthClient, service = ''): Promise<string> {
  return unary<{ status: string }>(health, health.Check, { service }).then((r) => r.status);
}
