/**
 * etcd as a peer (etcd-server from Debian, the etcd3 client): puts with 100
 * in flight, and compare-and-set as a transaction on each key's mod revision
 * (dstash's `cas` workload: the same callers and keys). etcd commits every
 * write through its Raft log with an fsync, so it is far slower than the
 * others: each workload writes at most `etcdKeys` times, and the report
 * compares throughput (ops/s), which does not depend on the count. A fresh
 * data dir every run, because etcd slows down several-fold over deleted keys.
 */
import { Etcd3 } from 'etcd3';
import type { Measurement } from '../results.js';
import { retry } from '../retry.js';
import { measureCallers } from '../workloads/callers.js';
import type { BenchContext } from '../workloads/context.js';
import { casWorkload, type CasStore } from '../workloads/serial.js';
import type { PeerSpec } from './peer.js';

/** Puts in flight at once. */
const IN_FLIGHT = 100;

async function workloads(ctx: BenchContext, etcd: Etcd3): Promise<Measurement[]> {
  const { options, dataSet } = ctx;
  const n = Math.min(options.etcdKeys, dataSet.keys.length);
  const description = `put of ${n} keys, ${IN_FLIGHT} in flight`;
  const put = await measureCallers(ctx, { name: 'put', system: 'etcd', description }, IN_FLIGHT, n, (r) => {
    // Each run its own key prefix: new keys, as dstash's batch puts write.
    const prefix = `r${r}/`;
    return async (i) => {
      await etcd.put(prefix + dataSet.keys[i]!.toString('latin1')).value(dataSet.values[i]!);
      return true;
    };
  });
  if (!options.workloads.includes('serial')) return [put];
  // The counterpart of dstash's `cas`, run with it.
  const cas = await casWorkload(ctx, 'etcd', etcdCas(etcd), Math.min(options.etcdKeys, options.serialOps));
  return [put, cas];
}

/**
 * Compare-and-set as an etcd transaction, under the key prefix `cas-r<run>/`
 * (a fresh key space each run, as dstash's index `cas-<run>`): put when the
 * key's mod revision is the expected one (when absent: its create revision
 * is 0), else read the key for its current mod revision. The version is the
 * mod revision, which the put's transaction revision becomes.
 */
function etcdCas(etcd: Etcd3): (run: number) => CasStore<string> {
  return (run) => {
    const prefix = `cas-r${run}/`;
    return {
      async compareAndSet(key, expected, value) {
        const name = prefix + key.toString('latin1');
        const txn = expected === 'absent' ? etcd.if(name, 'Create', '==', 0) : etcd.if(name, 'Mod', '==', expected);
        const result = await txn.then(etcd.put(name).value(value)).else(etcd.get(name)).commit();
        if (result.succeeded) return { applied: true, version: result.header.revision };
        const current = result.responses[0]?.response_range.kvs[0];
        return { applied: false, version: current ? current.mod_revision : 'absent' };
      },
    };
  };
}

/** etcd, a single member on free loopback ports with a fresh data dir. */
export const etcdPeer: PeerSpec<Etcd3> = {
  name: 'etcd',
  binary: 'etcd',
  aptPackage: 'etcd-server',
  ports: 2,
  args: ([client, peer], dir) => {
    const clientUrl = `http://127.0.0.1:${client}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    return [
      '--name', 'bench', '--data-dir', dir,
      '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `bench=${peerUrl}`,
      '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'error',
    ];
  },
  async connect([port]) {
    const client = new Etcd3({ hosts: `http://127.0.0.1:${port}` });
    try {
      const status = await retry(() => client.maintenance.status(), `etcd on port ${port}`);
      return { client, version: status.version, close: async () => client.close() };
    } catch (err) {
      client.close();
      throw err;
    }
  },
  run: workloads,
};
