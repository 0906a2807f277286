/**
 * The CLI's connection to one node's KV service. The CLI does not route: the
 * node it talks to coordinates each request across the cluster.
 */
import * as grpc from '@grpc/grpc-js';
import { Flags } from '@oclif/core';
import { DstashError } from '../errors.js';
import { DEFAULT_INDEX } from '../limits.js';
import { KvService } from '../protocol/definitions.js';
import type { Consistency } from '../protocol/generated/dstash/v1/Consistency.js';
import type { KVClient } from '../protocol/generated/dstash/v1/KV.js';
import { fromServiceError } from '../protocol/status.js';
import { channelCredentials } from '../protocol/tls.js';
import { tlsFlags, tlsOptions, tokenFlags } from './flags.js';
import { withToken } from '../protocol/bearer-token.js';
import { nodeFlag } from './node-address.js';
import { encodingFlag, type CliEncoding } from './text-encoding.js';

/** Flags of every data command. */
export const dataFlags = {
  node: nodeFlag('host:port (gRPC) of the node that coordinates the request.'),
  index: Flags.string({ char: 'i', default: DEFAULT_INDEX, description: 'Index (namespace) of the key.' }),
  consistency: Flags.option({ options: ['one', 'quorum', 'all'] as const, description: 'Replicas that must answer (default: the node\'s default, quorum).' })(),
  json: Flags.boolean({ default: false, description: 'Print JSON.' }),
  timeout: Flags.integer({ default: 10_000, min: 1, description: 'Deadline in milliseconds.' }),
  encoding: encodingFlag,
  ...tlsFlags,
  ...tokenFlags,
};

/** Parsed values of {@link dataFlags}. */
export interface DataFlags {
  node: string;
  index: string;
  consistency?: 'one' | 'quorum' | 'all';
  json: boolean;
  timeout: number;
  encoding: CliEncoding;
  tls: boolean;
  'cert-file'?: string;
  'key-file'?: string;
  'ca-file'?: string;
  token?: string;
}

/** The wire enum for a --consistency value. */
export function wireConsistency(c: DataFlags['consistency']): Consistency {
  return c ? (`CONSISTENCY_${c.toUpperCase()}` as Consistency) : 'CONSISTENCY_UNSPECIFIED';
}

/** Opens a KV client to `--node`. */
export function connect(flags: DataFlags): KVClient {
  return new KvService(flags.node, channelCredentials(tlsOptions(flags)), withToken({ 'grpc.max_receive_message_length': -1 }, flags.token)) as KVClient;
}

/** A generated unary method, loosely typed so that one helper calls them all. */
type UnaryMethod<Res> = (request: never, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => unknown;

/** Calls a unary method (of the KV or Serial service) with the command's deadline; errors come back as DstashErrors. */
export function call<Res>(client: grpc.Client, method: UnaryMethod<Res>, request: object, flags: DataFlags): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    method.call(client, request as never, new grpc.Metadata(), { deadline: Date.now() + flags.timeout }, (err, res) => {
      if (err) reject(fromServiceError(err, flags.node));
      else resolve(res as Res);
    });
  });
}

/** The message a failed command prints: the error and its stable code. */
export function describeError(err: unknown): string {
  return err instanceof DstashError ? `${err.message} [${err.code}]` : ((err as Error)?.message ?? String(err));
}
