/** Checks of where the data is, asked of each node directly over its Replica service. */
import * as grpc from '@grpc/grpc-js';
import { fetchInfo } from '../../src/cli/admin-connection.js';
import { nodeClients } from './grpc-clients.js';
import { PlacementTable, partitionOf } from '../../src/placement/index.js';
import type { InfoResponse__Output } from '../../src/protocol/generated/dstash/v1/InfoResponse.js';
import { exchange } from './grpc-clients.js';

/** A node's Info. */
export function info(address: string): Promise<InfoResponse__Output> {
  return fetchInfo(address, grpc.credentials.createInsecure(), 5000);
}

/**
 * The values `address` stores for `keys` of `index` (undefined where missing),
 * one per key asked: a batch answered with fewer results throws.
 */
export async function readOn(address: string, keys: readonly string[], index = 'default'): Promise<(string | undefined)[]> {
  const c = nodeClients(address);
  try {
    const batches = [];
    for (let i = 0; i < keys.length; i += 1000) batches.push({ id: i, index, keys: keys.slice(i, i + 1000).map((k) => Buffer.from(k)) });
    const answers = await exchange(c.replica.Read(), batches);
    return batches.flatMap((b) => {
      const results = answers.get(b.id)?.results ?? [];
      if (results.length !== b.keys.length) throw new Error(`${address} answered ${results.length} of the ${b.keys.length} keys of batch ${b.id}`);
      return results.map((r) => (r.found && !r.record!.tombstone ? r.record!.value.toString() : undefined));
    });
  } finally {
    c.close();
  }
}

/** The digests of `partition` on `address`. */
export function digestOn(address: string, partition: number): Promise<string> {
  const c = nodeClients(address);
  return new Promise<string>((resolve, reject) => {
    c.replica.Digest({ partition, buckets: 64 }, { deadline: Date.now() + 5000 }, (err, res) => {
      c.close();
      if (err) reject(err);
      else resolve(Buffer.concat(res!.buckets).toString('hex'));
    });
  });
}

/** Where {@link missingOnHomeReplicas} looks: the index, and the placement the nodes were started with. */
export interface HomeReplicaOptions {
  /** @default 'default' */
  index?: string;
  /** @default 3 */
  replicas?: number;
  /** @default 1024 */
  partitions?: number;
  /**
   * Home replicas left unchecked: nodes that refuse these writes by design
   * (a clock far behind). They still count in the placement.
   * @default []
   */
  except?: readonly string[];
}

/**
 * The acknowledged keys that some home replica does not hold with the
 * acknowledged value, as `key@node`: `nodes` maps node id to address.
 */
export async function missingOnHomeReplicas(acked: ReadonlyMap<string, string>, nodes: ReadonlyMap<string, string>, options: HomeReplicaOptions = {}): Promise<string[]> {
  const { index = 'default', replicas = 3, partitions = 1024, except = [] } = options;
  const table = new PlacementTable([...nodes.keys()].map((id) => ({ id })), { partitions, replicas });
  const byNode = new Map<string, string[]>();
  for (const key of acked.keys()) {
    for (const id of table.homeReplicas(partitionOf(index, Buffer.from(key), partitions))) {
      if (except.includes(id)) continue;
      let list = byNode.get(id);
      if (!list) byNode.set(id, (list = []));
      list.push(key);
    }
  }
  const missing: string[] = [];
  for (const [id, keys] of byNode) {
    const values = await readOn(nodes.get(id)!, keys, index);
    keys.forEach((k, i) => {
      if (values[i] !== acked.get(k)) missing.push(`${k}@${id}`);
    });
  }
  return missing;
}

/**
 * Waits until every home replica holds every acknowledged key (copies that a
 * quorum did not wait for, and hints, land within seconds); throws with what
 * is still missing once `deadline` (a Date.now() time) has passed.
 */
export async function untilOnHomeReplicas(acked: ReadonlyMap<string, string>, nodes: ReadonlyMap<string, string>, deadline: number, options: HomeReplicaOptions = {}): Promise<void> {
  for (;;) {
    const missing = await missingOnHomeReplicas(acked, nodes, options);
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`${missing.length} copies of ${acked.size} acknowledged keys still missing on their home replicas, e.g. ${missing.slice(0, 3).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
