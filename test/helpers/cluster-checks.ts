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

/** The values `address` stores for `keys` of index 'default' (undefined where missing). */
export async function readOn(address: string, keys: readonly string[]): Promise<(string | undefined)[]> {
  const c = nodeClients(address);
  try {
    const batches = [];
    for (let i = 0; i < keys.length; i += 1000) batches.push({ id: i, index: 'default', keys: keys.slice(i, i + 1000).map((k) => Buffer.from(k)) });
    const answers = await exchange(c.replica.Read(), batches);
    return batches.flatMap((b) => answers.get(b.id)!.results.map((r) => (r.found && !r.record!.tombstone ? r.record!.value.toString() : undefined)));
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

/**
 * The acknowledged keys that some home replica does not hold with the
 * acknowledged value: `nodes` maps node id to address.
 */
export async function missingOnHomeReplicas(acked: ReadonlyMap<string, string>, nodes: ReadonlyMap<string, string>, replicas = 3, partitions = 1024): Promise<string[]> {
  const table = new PlacementTable([...nodes.keys()].map((id) => ({ id })), { partitions, replicas });
  const byNode = new Map<string, string[]>();
  for (const key of acked.keys()) {
    for (const id of table.homeReplicas(partitionOf('default', Buffer.from(key), partitions))) {
      let list = byNode.get(id);
      if (!list) byNode.set(id, (list = []));
      list.push(key);
    }
  }
  const missing: string[] = [];
  for (const [id, keys] of byNode) {
    const values = await readOn(nodes.get(id)!, keys);
    keys.forEach((k, i) => {
      if (values[i] !== acked.get(k)) missing.push(`${k}@${id}`);
    });
  }
  return missing;
}
