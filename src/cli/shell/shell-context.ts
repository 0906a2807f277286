/**
 * What the shell's commands act on: one connection to a node, which
 * coordinates each request across the cluster, and the session's index and
 * consistency level.
 */
import type * as grpc from '@grpc/grpc-js';
import { DEFAULT_INDEX } from '../../limits.js';
import type { InfoResponse__Output } from '../../protocol/generated/dstash/v1/InfoResponse.js';
import type { KVClient } from '../../protocol/generated/dstash/v1/KV.js';
import type { ScanResponse__Output } from '../../protocol/generated/dstash/v1/ScanResponse.js';
import { fetchInfo } from '../../protocol/info-call.js';
import { fromServiceError } from '../../protocol/status.js';
import { channelCredentials } from '../../protocol/tls.js';
import { tlsOptions } from '../flags.js';
import { call, connect, wireConsistency, type DataFlags } from '../node-connection.js';
import { serialCall } from '../serial-connection.js';
import type { SerialRequest } from '../../protocol/generated/dstash/v1/SerialRequest.js';
import type { SerialResponse__Output } from '../../protocol/generated/dstash/v1/SerialResponse.js';

/** A record `scan` listed. */
export interface ShellEntry {
  key: Buffer;
  value: Buffer;
}

/** A connection to `flags.node` and the session's settings. */
export class ShellContext {
  /** The index of the next commands (`use`). */
  index: string;
  /** The consistency of the next commands (`consistency`); undefined = the node's default. */
  consistency: DataFlags['consistency'];
  readonly credentials: grpc.ChannelCredentials;
  private readonly client: KVClient;

  constructor(private readonly flags: DataFlags) {
    this.index = flags.index || DEFAULT_INDEX;
    this.consistency = flags.consistency;
    this.credentials = channelCredentials(tlsOptions(flags));
    this.client = connect(flags);
  }

  /** The node this shell talks to. */
  get node(): string {
    return this.flags.node;
  }

  /** Deadline of each request, in ms. */
  get timeoutMs(): number {
    return this.flags.timeout;
  }

  /** The bearer token sent to nodes that ask for one. */
  get token(): string | undefined {
    return this.flags.token;
  }

  lookup(key: Buffer): Promise<{ found: boolean; value: Buffer; expiresAtMs: number }> {
    return call(this.client, this.client.Lookup, { index: this.index, key, consistency: this.wire() }, this.flags);
  }

  async put(key: Buffer, value: Buffer, ttlMs: number): Promise<void> {
    await call(this.client, this.client.Put, { index: this.index, key, value, ttlMs, consistency: this.wire() }, this.flags);
  }

  async delete(key: Buffer): Promise<void> {
    await call(this.client, this.client.Delete, { index: this.index, key, consistency: this.wire() }, this.flags);
  }

  /** At most `limit` records whose keys start with `prefix`, in token order. */
  scan(prefix: Buffer, limit: number): Promise<ShellEntry[]> {
    return new Promise<ShellEntry[]>((resolve, reject) => {
      const entries: ShellEntry[] = [];
      const stream = this.client.Scan({ index: this.index, prefix, limit, consistency: this.wire() }, { deadline: Date.now() + this.flags.timeout });
      stream.on('data', (res: ScanResponse__Output) => {
        for (const e of res.entries) entries.push({ key: e.key, value: e.value });
      });
      stream.on('error', (err) => reject(fromServiceError(err, this.flags.node)));
      stream.on('end', () => resolve(entries));
    });
  }

  /** A linearizable single-key operation (incr, append), proposed by the node. */
  serial(request: Omit<SerialRequest, 'index'>): Promise<SerialResponse__Output> {
    return serialCall({ ...this.flags, index: this.index }, request);
  }

  /** The node's description of itself and of the members it sees. */
  info(): Promise<InfoResponse__Output> {
    return fetchInfo(this.flags.node, this.credentials, this.flags.timeout, this.flags.token);
  }

  close(): void {
    this.client.close();
  }

  private wire() {
    return wireConsistency(this.consistency);
  }
}
