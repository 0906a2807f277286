import assert from 'node:assert/strict';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '../../../src/index.js';
import { readDrainMark } from '../../../src/node/self-healing/drain-mark.js';
import { runCli, startCli, startProgram, type CliProcess } from '../../helpers/cli.js';
import { info, missingOnHomeReplicas } from '../../helpers/cluster-checks.js';
import { lostWrites } from '../../helpers/load.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { waitFor } from '../../helpers/wait.js';

/** The program that embeds a node (compiled next to this file, importing dist/src/node/index.js). */
const PROGRAM = fileURLToPath(new URL('./embedded-node-program.js', import.meta.url));
/** N of the cluster: with two members left after a drain, every key must be on both. */
const REPLICAS = 2;

describe('node: a node embedded in a program, run by runUntilStopped', function () {
  this.timeout(180_000);
  let cluster: ProcessCluster | undefined;
  let client: Client | undefined;
  const started: CliProcess[] = [];
  afterEach(async () => {
    for (const p of started.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited();
    }
    await client?.close();
    client = undefined;
    await cluster?.stop();
    cluster = undefined;
  });

  async function twoNodes(): Promise<{ cluster: ProcessCluster; client: Client }> {
    cluster = await ProcessCluster.start(2, ['--replicas', String(REPLICAS)]);
    client = cluster.client({ replicas: REPLICAS });
    return { cluster, client };
  }

  /** Starts node-3 as an embedded program, with the options `dstash node start` would give it. */
  function embedded(c: ProcessCluster, dataDir: string, extra: { drainOnExit?: boolean; rejoin?: boolean } = {}): CliProcess {
    const options = { dataDir, nodeId: 'node-3', bind: '127.0.0.1', port: 0, peersFile: c.peersFile, healthIntervalMs: 200, coordinator: { replicas: REPLICAS }, ...extra };
    const p = startProgram(PROGRAM, [JSON.stringify(options)], { DSTASH_LOG_LEVEL: 'info' });
    started.push(p);
    return p;
  }

  /** Lists node-3 in the peers file and waits until the client and every node see three members with their partitions. */
  async function joined(c: ProcessCluster, cl: Client, p: CliProcess): Promise<string> {
    const { address } = await p.event<{ address: string }>('serving');
    await appendFile(c.peersFile, `node-3@${address}\n`);
    await ProcessCluster.until(cl, 3, 3);
    for (const a of [...c.nodes.map((n) => n.address), address]) {
      await waitFor(async () => (await info(a)).transfer?.partitionsRemaining === 0, `${a} to hold its partitions`, 30_000);
    }
    return address;
  }

  async function writeKeys(cl: Client, prefix: string): Promise<Map<string, string>> {
    const acked = new Map(Array.from({ length: 300 }, (_, i) => [`${prefix}-${i}`, `v${i}`] as const));
    const written = await cl.batchPut([...acked].map(([key, value]) => ({ key, value: Buffer.from(value) })));
    assert.deepEqual(written.filter((w) => !w.ok), [], 'every write acknowledged');
    return acked;
  }

  for (const kind of ['embedded', 'cli'] as const) {
    it(`${kind === 'embedded' ? 'an embedded node with drainOnExit' : 'dstash node start --drain-on-exit, for comparison,'} drains on SIGTERM: hands every key over, leaves the peers file, exits 0, leaves no mark`, async () => {
      const { cluster: c, client: cl } = await twoNodes();
      const dataDir = join(c.root, 'node-3');
      const p = kind === 'embedded' ? embedded(c, dataDir, { drainOnExit: true }) : startCli(c.startArgs('node-3', dataDir, 0, ['--drain-on-exit']));
      if (kind === 'cli') started.push(p);
      const address = await joined(c, cl, p);
      const acked = await writeKeys(cl, kind);

      p.child.kill('SIGTERM');
      if (kind === 'embedded') {
        assert.deepEqual(await p.event('stopped'), { event: 'stopped', signal: 'SIGTERM' });
        assert.match(p.stderr(), /"msg":"drain started"/);
      }
      assert.equal(await p.exited(), 0, p.stderr());
      // A drain leaves the peers file; a plain stop would stay listed there.
      assert.ok(!(await readFile(c.peersFile, 'utf8')).includes(address), 'node-3 left the peers file');
      await ProcessCluster.until(cl, 2, 2);
      const rest = new Map(c.nodes.map((n) => [n.id, n.address]));
      assert.deepEqual((await missingOnHomeReplicas(acked, rest, { replicas: REPLICAS })).slice(0, 10), [], 'key copies missing on the members left');
      assert.equal(await lostWrites(cl, acked), 0);
      assert.equal(await readDrainMark(dataDir), undefined, 'a drain on a signal leaves no mark');
    });
  }

  it('an embedded node that an operator drains stops by itself, marks its data dir, and stays out on restart until it rejoins', async () => {
    const { cluster: c, client: cl } = await twoNodes();
    const dataDir = join(c.root, 'node-3');
    const first = embedded(c, dataDir);
    const address = await joined(c, cl, first);
    const drain = await runCli(['node', 'drain', '--node', address]);
    assert.equal(drain.code, 0, drain.stderr);
    assert.deepEqual(await first.event('stopped'), { event: 'stopped', signal: null });
    assert.equal(await first.exited(), 0, first.stderr());
    assert.equal((await readDrainMark(dataDir))?.nodeId, 'node-3');
    await ProcessCluster.until(cl, 2, 2);

    const again = embedded(c, dataDir);
    assert.deepEqual(await again.event('refused'), { event: 'refused', code: 'DSTASH_DATA_DIR_MISMATCH', drained: true });
    assert.equal(await again.exited(), 2);

    const back = embedded(c, dataDir, { rejoin: true });
    await joined(c, cl, back);
    assert.equal(await readDrainMark(dataDir), undefined, 'a rejoin removes the mark');
    back.child.kill('SIGINT');
    assert.deepEqual(await back.event('stopped'), { event: 'stopped', signal: 'SIGINT' });
    assert.equal(await back.exited(), 0, back.stderr());
  });
});
