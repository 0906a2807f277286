/**
 * The standard `grpc.health.v1` package, loaded from proto/ at the repository
 * root with the generated types of src/protocol/generated/health.ts. Shared by
 * the double's GRPC check probe and the health servers tests stand up.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../../../src/protocol/generated/health.js';

/** `grpc.health.v1`: the `Health` client constructor (with `.service`) and its messages. */
export type HealthPackage = ProtoGrpcType['grpc']['health']['v1'];

let loaded: HealthPackage | undefined;

/**
 * Loads the package once. This module runs from src/testing/consul-double
 * (under a TypeScript loader) or from dist/src/testing/consul-double, so the
 * proto is three or four levels up.
 */
export function healthPackage(): HealthPackage {
  if (loaded) return loaded;
  const candidates = ['../../../proto/grpc/health/v1/health.proto', '../../../../proto/grpc/health/v1/health.proto'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const file = candidates.find((p) => existsSync(p));
  if (!file) throw new Error(`grpc health proto not found; looked at ${candidates.join(', ')}`);
  const definition = protoLoader.loadSync(file, { keepCase: true, enums: String, defaults: true });
  loaded = (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).grpc.health.v1;
  return loaded;
}
