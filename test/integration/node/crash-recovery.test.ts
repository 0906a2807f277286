import assert from 'node:assert/strict';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { missingOnHomeReplicas } from '../../helpers/cluster-checks.js';
import { exchange, nodeClients } from '../../helpers/grpc-clients.js';
import { startCli, type CliProcess } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';
import type { PutBatch } from '../../../src/protocol/generated/dstash/v1/PutBatch.js';
import type { PutBatchResult__Output } from '../../../src/protocol/generated/dstash/v1/PutBatchResult.js';
import type { LookupBatch } from '../../../src/protocol/generated/dstash/v1/LookupBatch.js';

const BATCH = 500;

describe('node: crash recovery', function () {
  let dir: { path: string; cleanup: () => Promise<void> };
  const procs: CliProcess[] = [];
  beforeEach(async () => { dir = await tempDir('dstash-crash-'); });
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited();
    }
    await dir.cleanup();
  });

  it('keeps every acknowledged write when SIGKILLed in the middle of batches (--sync)', async () => {
    const dataDir = join(dir.path, 'node');
    const first = startCli(['node', 'start', '--port', '0', '--sync', '--data-dir', dataDir, '--log-level', 'warn']);
    procs.push(first);
    const { address, nodeId } = await first.event<{ address: string; nodeId: string }>('serving');
    const c = nodeClients(address);
    const acked: string[] = [];
    const call: grpc.ClientDuplexStream<PutBatch, PutBatchResult__Output> = c.kv.PutStream();
    let nextId = 0;
    const sendOne = (): void => {
      const id = nextId++;
      call.write({ id, index: 'crash', entries: Array.from({ length: BATCH }, (_, i) => ({ key: Buffer.from(`b${id}-${i}`), value: Buffer.from(`value-${id}-${i}`) })) });
    };
    const killed = new Promise<void>((resolve) => {
      call.on('data', (res: PutBatchResult__Output) => {
        if (res.results.every((r) => r.status?.code === 0)) for (let i = 0; i < BATCH; i++) acked.push(`b${res.id}-${i}`);
        // Kill with several batches still in flight, so that the crash lands mid-batch.
        if (acked.length >= 20 * BATCH && first.child.exitCode === null && first.child.signalCode === null) {
          first.child.kill('SIGKILL');
          resolve();
        } else sendOne();
      });
      call.on('error', () => resolve());
    });
    for (let i = 0; i < 4; i++) sendOne();
    await killed;
    assert.equal(await first.exited(), 'SIGKILL');
    c.close();
    assert.ok(acked.length >= 20 * BATCH);
    const expected = new Map(acked.map((k) => [k, `value-${k.slice(1)}`]));

    const second = startCli(['node', 'start', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn']);
    procs.push(second);
    const again = await second.event<{ address: string }>('serving');
    const c2 = nodeClients(again.address);
    const batches: LookupBatch[] = [];
    for (let i = 0; i < acked.length; i += 5000) batches.push({ id: i, index: 'crash', keys: acked.slice(i, i + 5000).map((k) => Buffer.from(k)) });
    const answers = await exchange(c2.kv.LookupStream(), batches);
    c2.close();
    // Over the keys asked, so that an answer with fewer results than keys counts what it left out.
    let missing = 0;
    for (const batch of batches) {
      const results = answers.get(Number(batch.id))?.results ?? [];
      batch.keys!.forEach((k, i) => {
        const r = results[i];
        if (!r?.found || r.value.toString() !== expected.get((k as Buffer).toString())) missing++;
      });
    }
    assert.equal(missing, 0, `${missing} of ${acked.length} acknowledged writes were lost`);
    // And in the node's own store, read past the coordinator.
    const stored = await missingOnHomeReplicas(expected, new Map([[nodeId, again.address]]), { index: 'crash' });
    assert.deepEqual(stored.slice(0, 10), [], `${stored.length} of ${acked.length} acknowledged writes missing from the store`);
  });
});
