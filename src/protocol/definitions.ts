/**
 * The gRPC service definitions of proto/ (dstash.v1 and grpc.health.v1),
 * loaded once with @grpc/proto-loader. Typed by the generated code in
 * ./generated (npm run proto:gen).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as KvProto } from './generated/kv.js';
import type { ProtoGrpcType as ReplicaProto } from './generated/replica.js';
import type { ProtoGrpcType as HealthProto } from './generated/health.js';
import type { ProtoGrpcType as PaxosProto } from './generated/paxos.js';
import type { ProtoGrpcType as SerialProto } from './generated/serial.js';
import type { ProtoGrpcType as MembershipProto } from './generated/membership.js';
import { KV_SERVER_CODECS } from './kv-codec.js';
import { REPLICA_CLIENT_CODECS, REPLICA_SERVER_CODECS } from './replica-codec.js';
import type { ReplicaServiceClient } from './replica-messages.js';

/** Options shared by every loader of the protocol; the generated types assume them. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The proto/ directory shipped with the package (found from this file's location, in src/ or dist/src/). */
export const PROTO_DIR: string = findProtoDir();

function findProtoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'proto', 'dstash', 'v1', 'kv.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('dstash: cannot find the proto/ directory next to the package');
}

function load<T>(file: string): T {
  const definition = protoLoader.loadSync(file, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
  return grpc.loadPackageDefinition(definition) as unknown as T;
}

const kv = load<KvProto>('dstash/v1/kv.proto');
const replica = load<ReplicaProto>('dstash/v1/replica.proto');
const health = load<HealthProto>('grpc/health/v1/health.proto');
const paxos = load<PaxosProto>('dstash/v1/paxos.proto');
const serial = load<SerialProto>('dstash/v1/serial.proto');
const membership = load<MembershipProto>('dstash/v1/membership.proto');

/**
 * `dstash.v1.KV`: the public key/value service. A server built from it reads
 * and answers the batch streams (`PutStream`, `LookupStream`, `DeleteStream`)
 * with the hand-written codec (kv-codec.ts), in the shapes of kv-messages.ts;
 * a client built from it keeps the generic codec and the generated shapes.
 */
export const KvService = kv.dstash.v1.KV;
// A client constructor has taken its codec functions already; addService reads these later.
for (const method of ['PutStream', 'LookupStream', 'DeleteStream'] as const) Object.assign(KvService.service[method], KV_SERVER_CODECS[method]);
/**
 * `dstash.v1.Replica`: the replica service coordinators speak to each replica.
 * A server built from it reads and answers the `Apply` and `Read` streams
 * with the hand-written codec (replica-codec.ts), in the shapes of
 * replica-messages.ts; a client built from it keeps the generic codec and the
 * generated shapes (coordinators use {@link ReplicaStreamsClient}).
 */
export const ReplicaService = replica.dstash.v1.Replica;
// A client constructor has taken its codec functions already; addService reads these later.
for (const method of ['Apply', 'Read'] as const) Object.assign(ReplicaService.service[method], REPLICA_SERVER_CODECS[method]);

/** A Replica service client whose `Apply` and `Read` streams use the hand-written codec. */
export const ReplicaStreamsClient = grpc.makeClientConstructor({
  ...ReplicaService.service,
  Apply: { ...ReplicaService.service.Apply, ...REPLICA_CLIENT_CODECS.Apply },
  Read: { ...ReplicaService.service.Read, ...REPLICA_CLIENT_CODECS.Read },
}, 'dstash.v1.Replica') as unknown as new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => ReplicaServiceClient;
/** `dstash.v1.Admin`: operations on one node (repair, drain). */
export const AdminService = replica.dstash.v1.Admin;
/** `dstash.v1.Membership`: members of a static cluster share their list (join, drain). */
export const MembershipService = membership.dstash.v1.Membership;
/** `grpc.health.v1.Health`: the standard health service. */
export const HealthService = health.grpc.health.v1.Health;

/** `dstash.v1.Paxos`: the internal acceptor service of per-key consensus. */
export const PaxosService = paxos.dstash.v1.Paxos;
/** `dstash.v1.Serial`: linearizable single-key operations, proposed by the node for its caller. */
export const SerialService = serial.dstash.v1.Serial;

/** Fully-qualified service names, as health checks and logs name them. */
export const SERVICE_NAMES = {
  kv: 'dstash.v1.KV',
  replica: 'dstash.v1.Replica',
  admin: 'dstash.v1.Admin',
  membership: 'dstash.v1.Membership',
  serial: 'dstash.v1.Serial',
  health: 'grpc.health.v1.Health',
} as const;

/**
 * The health-check name that says whether the node takes writes: NOT_SERVING
 * while its store is read-only (disk full), when the node ('') and its
 * services stay SERVING for reads.
 */
export const WRITES_HEALTH_NAME = 'dstash.v1.Writes';

