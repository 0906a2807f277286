/**
 * What the metrics and the HTTP API read of their node. Functions rather than
 * values, because the node's parts come and go with its lifecycle: the HTTP
 * port opens before the store, the coordinator starts last and closes first.
 */
import type { Coordinator, SerialCoordinator } from '../../client/index.js';
import type { TlsFiles } from '../../protocol/tls.js';
import type { Store } from '../../storage/store.js';
import type { StoreHealth } from '../store-health.js';

/** Whether the node should receive traffic, and why not. */
export interface Readiness {
  ready: boolean;
  /** True while the node serves reads but refuses writes (its disk is full); absent otherwise. */
  readOnly?: true;
  /** Why the node is not ready, or why it is read-only; absent when it is ready and takes writes. */
  reason?: string;
}

/** A live view of one node. */
export interface NodeView {
  /** The node id; '' until the data dir has been read. */
  nodeId(): string;
  /** The zone the node declares, if any. */
  zone(): string | undefined;
  /** Ready = the store is open and the membership is known (see `DstashNode.readiness`). */
  readiness(): Readiness;
  /** The node's coordinator, between its creation and the start of `stop()`. */
  coordinator(): Coordinator | undefined;
  /** The node's proposer of serial operations, while its coordinator runs. */
  serial?(): SerialCoordinator | undefined;
  /** The node's store, while it is open or opening. */
  store(): Store | undefined;
  /** Versions this node's replica refused as too far ahead of its clock (DSTASH_CLOCK_SKEW). */
  refusedVersions(): number;
  /** Whether the store takes writes (after start). */
  storeHealth(): StoreHealth | undefined;
  /** The TLS files the node dials its peers with (absent or undefined: plain text). */
  tls?(): TlsFiles | undefined;
  /** The token the node presents to its peers, when the nodes ask for tokens. */
  clusterToken?(): string | undefined;
}
