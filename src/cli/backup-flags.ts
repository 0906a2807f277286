/** Flags and the cluster connection shared by `dstash cluster backup` and `dstash cluster restore`. */
import { Flags } from '@oclif/core';
import type * as grpc from '@grpc/grpc-js';
import type { BackupManifest } from '../client/backup/backup-format.js';
import type { InfoResponse__Output } from '../protocol/generated/dstash/v1/InfoResponse.js';
import { channelCredentials } from '../protocol/tls.js';
import { fetchInfo } from './admin-connection.js';
import { tlsFlags, tlsOptions, tokenFlags } from './flags.js';

/** Flags of both commands. */
export const backupConnectionFlags = {
  node: Flags.string({ default: '127.0.0.1:7420', env: 'DSTASH_NODE', description: 'host:port of a node; the members it sees are the cluster.' }),
  json: Flags.boolean({ default: false, description: 'Print progress and the result as JSON lines.' }),
  concurrency: Flags.integer({ default: 4, min: 1, max: 64, description: 'Partitions worked on at once.' }),
  ...tlsFlags,
  ...tokenFlags,
};

/** Parsed {@link backupConnectionFlags}. */
export interface BackupConnectionFlags {
  node: string;
  json: boolean;
  concurrency: number;
  tls: boolean;
  'cert-file'?: string;
  'key-file'?: string;
  'ca-file'?: string;
  token?: string;
}

/** The credentials of the flags, and the cluster as `--node` sees it. */
export async function clusterView(flags: BackupConnectionFlags): Promise<{ credentials: grpc.ChannelCredentials; info: InfoResponse__Output }> {
  const credentials = channelCredentials(tlsOptions(flags));
  return { credentials, info: await fetchInfo(flags.node, credentials, 10_000, flags.token) };
}

/** A progress line: JSON, or text for a terminal. */
export function progressLine(json: boolean, what: string, p: { partitionsDone: number; partitionsTotal: number; records: number }): string {
  return json ? JSON.stringify({ event: 'progress', ...p }) : `${what}: ${p.partitionsDone}/${p.partitionsTotal} partitions, ${p.records} records`;
}

/** What a backup's manifest promises about its point in time, for people. */
export function pointInTimeText(manifest: BackupManifest): string {
  const t = manifest.pointInTime;
  return t
    ? `includes every write acknowledged at QUORUM before ${t.at} (HLC ${t.hlc})`
    : 'no point in time recorded (a backup that read one replica a partition: writes acknowledged during it may be missing)';
}
