/**
 * Bounded clocks on real nodes (DESIGN.md, Consistency): one node, or one SDK
 * client, runs with its wall clock skewed by libfaketime. In every pattern the
 * later write of a key either wins or fails with DSTASH_CLOCK_SKEW; an
 * acknowledged write is never followed by a read of the older value.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, type Client } from '../../../src/index.js';
import { fromServiceError } from '../../../src/protocol/status.js';
import { runCli } from '../../helpers/cli.js';
import { info, untilOnHomeReplicas } from '../../helpers/cluster-checks.js';
import { clockFromFile, requireFaketime, skewedClock } from '../../helpers/faketime.js';
import { freePort } from '../../helpers/ports.js';
import { nodeClients, unary } from '../../helpers/grpc-clients.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { putFromChild } from '../../helpers/skewed-client.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

const KEYS = 20;
/** The nodes' probe interval (ProcessCluster's --health-interval). */
const PROBE_MS = 200;

/** The outcome of one write: acknowledged, or the code it failed with. */
type Outcome = { ok: true } | { ok: false; code: string };

/** A writer: puts `value` under `key` and says what happened. */
type Writer = (key: string, value: string) => Promise<Outcome>;

/** One row of the results table. */
interface PatternResult {
  pattern: string;
  writes: number;
  acknowledged: number;
  lost: number;
  clockSkew: number;
  otherErrors: string[];
  /** The value each key must read: the later write's when acknowledged, else the first's when acknowledged. */
  acked: Map<string, string>;
}

/** Writes through a node's KV service: the node stamps the version. */
function viaNode(address: string): Writer {
  return async (key, value) => {
    const c = nodeClients(address);
    try {
      await unary(c.kv, c.kv.Put, { index: 'default', key: Buffer.from(key), value: Buffer.from(value) });
      return { ok: true };
    } catch (err) {
      return { ok: false, code: fromServiceError(err).code };
    } finally {
      c.close();
    }
  };
}

/** Writes through an SDK client in this process (a correct clock). */
function viaClient(client: Client): Writer {
  return async (key, value) => {
    try {
      await client.put(key, Buffer.from(value));
      return { ok: true };
    } catch (err) {
      return { ok: false, code: (err as { code?: string }).code ?? 'UNKNOWN' };
    }
  };
}

/** Writes through an SDK client in a child process with `env` (a skewed clock): all keys in one run. */
function viaChildClient(peersFile: string, env: NodeJS.ProcessEnv): (puts: [string, string][]) => Promise<Outcome[]> {
  return async (puts) => (await putFromChild(peersFile, puts, env)).map((o) => (o.ok ? { ok: true } : { ok: false, code: o.code! }));
}

/** Per key: the first write, then the later one; then reads every key back at ALL (the newest version of all replicas). */
async function runPattern(
  pattern: string,
  client: Client,
  first: (puts: [string, string][]) => Promise<Outcome[]>,
  later: (puts: [string, string][]) => Promise<Outcome[]>,
): Promise<PatternResult> {
  const keys = Array.from({ length: KEYS }, (_, i) => `${pattern.replace(/\W+/g, '-')}-${i}`);
  const firstOutcomes = await first(keys.map((k) => [k, 'first']));
  const laterOutcomes = await later(keys.map((k) => [k, 'later']));
  const reads = await client.batchLookup(keys, { consistency: 'ALL' });
  const all = [...firstOutcomes, ...laterOutcomes];
  const failures = all.filter((o): o is { ok: false; code: string } => !o.ok);
  const acked = new Map<string, string>();
  keys.forEach((k, i) => {
    if (laterOutcomes[i]!.ok) acked.set(k, 'later');
    else if (firstOutcomes[i]!.ok) acked.set(k, 'first');
  });
  let lost = 0;
  keys.forEach((k, i) => {
    const r = reads[i]!;
    if (!r.found && r.error) assert.fail(`read of ${k} failed: ${r.error.code}`);
    if (acked.has(k) && !(r.found && r.value.toString() === acked.get(k))) lost += 1;
  });
  const result: PatternResult = {
    pattern,
    writes: all.length,
    acknowledged: all.length - failures.length,
    lost,
    clockSkew: failures.filter((f) => f.code === ErrorCode.ClockSkew).length,
    otherErrors: failures.filter((f) => f.code !== ErrorCode.ClockSkew).map((f) => f.code),
    acked,
  };
  console.log(`      | ${result.pattern} | ${result.writes} | ${result.acknowledged} | ${result.lost} | ${result.clockSkew} |`);
  return result;
}

/**
 * Waits until every home replica but `except` holds what each pattern
 * acknowledged (the third copy lands after a W=2 answer).
 */
async function untilAckedOnHomeReplicas(cluster: ProcessCluster, results: readonly PatternResult[], except: string[] = []): Promise<void> {
  await untilOnHomeReplicas(new Map(results.flatMap((r) => [...r.acked])), cluster.addresses(), Date.now() + 20_000, { except });
}

/** One writer applied key by key. */
function sequential(writer: Writer): (puts: [string, string][]) => Promise<Outcome[]> {
  return async (puts) => {
    const out: Outcome[] = [];
    for (const [k, v] of puts) out.push(await writer(k, v));
    return out;
  };
}

/** Whether `node` (seen from `by`) is marked as beyond the maximum offset, and its measured offset. */
async function clockOf(by: string, node: string): Promise<{ offender: boolean; offsetMs: number } | undefined> {
  const member = (await info(by)).members.find((m) => m.id === node);
  return member?.clock ? { offender: member.clock.offender, offsetMs: member.clock.offsetMs } : undefined;
}

async function readyz(httpPort: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status;
}

describe('cluster: bounded clocks, one clock skewed by libfaketime', function () {
  this.timeout(240_000);
  let lib: string;
  let cluster: ProcessCluster | undefined;
  let client: Client | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  before(function () {
    lib = requireFaketime(this);
  });
  afterEach(async () => {
    await client?.close();
    await cluster?.stop();
    client = undefined;
    cluster = undefined;
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  for (const offset of ['+1h', '-1h']) {
    it(`a node ${offset}: measured, not ready, stamps nothing; no acknowledged write is lost in any order`, async () => {
      const httpPort = await freePort();
      cluster = await ProcessCluster.start(3, [], (id) => (id === 'node-1' ? { env: skewedClock(lib, offset), args: ['--http-port', String(httpPort)] } : {}));
      client = cluster.client();
      await ProcessCluster.until(client, 3, 3);
      const [n1, n2, n3] = cluster.nodes.map((n) => n.address) as [string, string, string];

      // The others measure node-1 an hour off and mark it; node-1 knows it is the one out of bounds.
      const seen = await waitFor(async () => {
        const c = await clockOf(n2, 'node-1');
        return c?.offender ? c : undefined;
      }, 'node-2 to mark node-1 as skewed');
      assert.ok(Math.abs(Math.abs(seen.offsetMs) - 3_600_000) < 5_000, `measured offset ${seen.offsetMs} ms`);
      assert.equal(Math.sign(seen.offsetMs), offset.startsWith('+') ? 1 : -1);
      assert.equal((await clockOf(n2, 'node-2'))?.offender, false, 'a correct node is not marked');
      await waitFor(async () => (await clockOf(n1, 'node-1'))?.offender, 'node-1 to see itself out of bounds');
      await waitFor(async () => (await readyz(httpPort)) === 503, 'node-1 /readyz to fail');
      // A correct SDK client sees the same, and stays within bounds itself.
      await waitFor(() => client!.clockStatus().offsets.find((o) => o.id === 'node-1')?.offender, 'the client to mark node-1');
      assert.equal(client.clockStatus().outOfBounds, false);

      const results = [
        await runPattern(`node ${offset} first, then a correct node`, client, sequential(viaNode(n1)), sequential(viaNode(n2))),
        await runPattern(`a correct node first, then node ${offset}`, client, sequential(viaNode(n2)), sequential(viaNode(n1))),
        await runPattern(`two correct nodes (node ${offset} running)`, client, sequential(viaNode(n2)), sequential(viaNode(n3))),
        await runPattern(`SDK client first, then node ${offset}`, client, sequential(viaClient(client)), sequential(viaNode(n1))),
      ];
      for (const r of results) {
        assert.equal(r.lost, 0, `${r.pattern}: acknowledged writes lost`);
        assert.deepEqual(r.otherErrors, [], `${r.pattern}: failures other than DSTASH_CLOCK_SKEW`);
      }
      // The skewed node's own writes are refused; the correct ones all go through.
      assert.equal(results[0]!.clockSkew + results[1]!.clockSkew + results[3]!.clockSkew, 3 * KEYS);
      assert.equal(results[2]!.acknowledged, 2 * KEYS);
      // A replica an hour behind refuses the correct versions as beyond the maximum offset: its copies wait for its clock.
      await untilAckedOnHomeReplicas(cluster, results, offset.startsWith('-') ? ['node-1'] : []);

      // Operators see it: cluster status marks node-1, and node-1's metrics say it refused to stamp.
      const status = await runCli(['cluster', 'status', '--node', n2]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^node-1 .* SKEWED/m);
      assert.doesNotMatch(status.stdout, /^node-[23] .* SKEWED/m);
      const json = JSON.parse((await runCli(['cluster', 'status', '--node', n2, '--json'])).stdout) as { members: { id: string; clock: { offender: boolean } | null }[] };
      assert.deepEqual(json.members.map((m) => [m.id, m.clock?.offender]), [['node-1', true], ['node-2', false], ['node-3', false]]);
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const clockMetrics = metrics.split('\n').filter((l) => l.startsWith('dstash_clock_'));
      assert.ok(clockMetrics.includes('dstash_clock_out_of_bounds 1'), clockMetrics.join('\n'));
      assert.ok(clockMetrics.includes(`dstash_clock_skew_refused_writes_total ${3 * KEYS}`), clockMetrics.join('\n'));
    });
  }

  for (const offset of ['+1h', '-1h']) {
    it(`an SDK client ${offset}: it stamps nothing; no acknowledged write is lost in either order`, async () => {
      ({ cluster, client } = await ProcessCluster.withClient(3));
      const skewed = viaChildClient(cluster.peersFile, skewedClock(lib, offset));
      const results = [
        await runPattern(`SDK client ${offset} first, then a correct client`, client, skewed, sequential(viaClient(client))),
        await runPattern(`a correct client first, then SDK client ${offset}`, client, sequential(viaClient(client)), skewed),
      ];
      for (const r of results) {
        assert.equal(r.lost, 0, `${r.pattern}: acknowledged writes lost`);
        assert.deepEqual(r.otherErrors, [], `${r.pattern}: failures other than DSTASH_CLOCK_SKEW`);
        assert.equal(r.clockSkew, KEYS, `${r.pattern}: the skewed client's writes are refused`);
      }
      await untilAckedOnHomeReplicas(cluster, results);
    });
  }

  it('a clock that jumps on a running node is detected within a few probe intervals, and recovery too', async () => {
    const dir = await tempDir('dstash-clock-');
    cleanups.push(dir.cleanup);
    const clockFile = join(dir.path, 'faketime');
    await writeFile(clockFile, '+0\n');
    const httpPort = await freePort();
    cluster = await ProcessCluster.start(3, [], (id) => (id === 'node-1' ? { env: clockFromFile(lib, clockFile), args: ['--http-port', String(httpPort)] } : {}));
    const [n1, n2] = cluster.nodes.map((n) => n.address) as [string, string];
    await waitFor(async () => (await readyz(httpPort)) === 200, 'node-1 ready with a correct clock');
    assert.deepEqual(await viaNode(n1)('jump-before', 'v'), { ok: true });

    await writeFile(clockFile, '+1h\n');
    const jumped = Date.now();
    // libfaketime re-reads the file at most every second, then two probe rounds: about 1.5 s on an
    // idle machine. The limit is well above that, so that only a jump left unnoticed fails it.
    const deadline = 10_000;
    await waitFor(async () => (await clockOf(n2, 'node-1'))?.offender && (await readyz(httpPort)) === 503, 'the jump to be detected', deadline, 20);
    console.log(`      jump of +1 h detected after ${Date.now() - jumped} ms (probe interval ${PROBE_MS} ms, faketime re-reads its file every 1000 ms)`);
    const refused = await viaNode(n1)('jump-after', 'v');
    assert.deepEqual(refused, { ok: false, code: ErrorCode.ClockSkew });

    await writeFile(clockFile, '+0\n');
    await waitFor(async () => (await readyz(httpPort)) === 200 && !(await clockOf(n2, 'node-1'))?.offender, 'recovery to be detected', deadline, 20);
    assert.deepEqual(await viaNode(n1)('jump-back', 'v'), { ok: true });
  });

  it('offsets below the maximum raise no false alarm under load', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3, [], (id) => (id === 'node-1' ? { env: skewedClock(lib, '+0.2') } : {})));
    const addresses = cluster.nodes.map((n) => n.address);
    let alarms = 0;
    let polls = 0;
    let loadDone = false;
    const watch = (async () => {
      while (!loadDone) {
        for (const a of addresses) {
          const members = (await info(a)).members;
          polls += 1;
          alarms += members.filter((m) => m.clock?.offender).length;
        }
      }
    })();
    const failures: string[] = [];
    const acked = new Map<string, string>();
    let wrongReads = 0;
    try {
      // Bounded load: 40 rounds of 500 puts and 500 lookups, 4 rounds in flight.
      for (let round = 0; round < 40; round += 4) {
        await Promise.all([0, 1, 2, 3].map(async (j) => {
          const keys = Array.from({ length: 500 }, (_, i) => `load-${round + j}-${i}`);
          const puts = await client!.batchPut(keys.map((k) => ({ key: k, value: Buffer.from(k) })));
          puts.forEach((p, i) => {
            if (p.ok) acked.set(keys[i]!, keys[i]!);
            else failures.push(`put ${keys[i]}: ${p.error.code} ${p.error.message}`);
          });
          // Each acknowledged key reads back with its value.
          (await client!.batchLookup(keys)).forEach((r, i) => {
            const value = acked.get(keys[i]!);
            if (value === undefined || (r.found && r.value.toString() === value)) return;
            wrongReads += 1;
            failures.push(`lookup ${keys[i]}: ${r.found ? `read ${r.value.toString()}` : r.error ? `${r.error.code} ${r.error.message}` : 'missing'}`);
          });
        }));
      }
    } finally {
      loadDone = true;
      await watch;
    }
    const offset = await clockOf(addresses[1]!, 'node-1');
    console.log(`      20,000 puts under load, node-1 measured ${offset?.offsetMs} ms ahead; ${polls} offset polls, ${alarms} alarms, ${wrongReads} wrong reads`);
    assert.deepEqual(failures, []);
    assert.equal(acked.size, 20_000);
    assert.equal(wrongReads, 0);
    // The third copy of each write (W=2) lands after the answer: within seconds.
    await untilOnHomeReplicas(acked, cluster.addresses(), Date.now() + 20_000);
    assert.ok(polls > 0);
    assert.equal(alarms, 0);
    assert.ok(offset && offset.offsetMs > 50, 'the small offset is measured, not hidden');
  });
});
