/**
 * Redis's own tests (test/redis-suite, vendored from redis 7.0.15) against
 * one node of a 3-node cluster, and against a redis-server for reference.
 * Each unit runs in its own tclsh (the harness stops at a unit's first
 * exception), bounded in time; the runner counts the `[ok]` and `[err]`
 * lines of each unit. The suite's set-up calls FLUSHALL, which the Redis
 * port does not serve yet, so that a unit stops early: the test asserts
 * that no unit passes fewer tests than it does today, and prints both
 * counts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireMachine } from '../../helpers/system-tool.js';
import { hasTool, startClusterAndReference, type ClusterAndReference } from './redis-tools.js';

const SUITE = fileURLToPath(new URL('../../../../test/redis-suite', import.meta.url));
/** The tags the BASELINES note gives for a server the harness did not start. */
const TAGS = '-needs:repl -needs:debug -needs:config-maxmemory -needs:save -needs:reset -needs:config-resetstat -needs:pfdebug';
/**
 * Tests of each unit dstash passes today: a change may raise these, never
 * lower them. `unit/expire` passes 30 or 31 (a few of its tests time
 * expiries in wall-clock time, which a loaded 2-core machine stretches): its
 * floor leaves room for two of those.
 */
const PASSING_NOW: Record<string, number> = {
  'unit/type/string': 21,
  'unit/type/incr': 23,
  'unit/type/hash': 2,
  'unit/keyspace': 29,
  'unit/expire': 29,
};
/** The harness's colours (ESC [ … m). */
const COLOUR = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, 'g');
/**
 * Longest run of one unit (Redis needs under 10 s for each; against dstash
 * unit/type/string needs about 45 s to reach its first set command, one
 * quorum round trip a command). What passed by then is counted.
 */
const UNIT_TIMEOUT_MS = 45_000;

/** What one unit's run printed, counted. */
export interface UnitCounts {
  ok: number;
  err: number;
  /** The harness stopped on an exception (or the time ran out): the first line of it. */
  stopped?: string;
}

/** Counts `[ok]:` and `[err]:` lines of the harness's output (colours stripped); notes an `[exception]:` or a timeout. */
function countLines(output: string, timedOut: boolean): UnitCounts {
  const counts: UnitCounts = { ok: 0, err: 0 };
  for (const raw of output.split('\n')) {
    const line = raw.replace(COLOUR, '');
    if (line.startsWith('[ok]: ')) counts.ok += 1;
    else if (line.startsWith('[err]: ')) counts.err += 1;
    else if (line.startsWith('[exception]: ') && !counts.stopped) counts.stopped = line;
  }
  if (timedOut) counts.stopped ??= `stopped after ${UNIT_TIMEOUT_MS} ms`;
  return counts;
}

/** Runs one unit of the suite (copied to `dir`) against 127.0.0.1:`port`. */
function runUnit(dir: string, port: number, unit: string): Promise<UnitCounts> {
  return new Promise((resolve, reject) => {
    const args = ['tests/test_helper.tcl', '--host', '127.0.0.1', '--port', String(port), '--singledb', '--ignore-encoding', '--ignore-digest', '--tags', TAGS, '--single', unit, '--clients', '1'];
    const child = spawn('tclsh', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, UNIT_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(countLines(output, timedOut));
    });
  });
}

describe("Redis's own test suite (7.0.15): string, incr, hash, keyspace, expire", function () {
  this.timeout(330_000);
  let both: ClusterAndReference | undefined;

  before(async function () {
    requireMachine(this, hasTool('tclsh') && hasTool('redis-server'), 'tclsh or redis-server is not installed (Debian tcl, redis-server)');
    both = await startClusterAndReference('dstash-redis-suite-');
    // The harness writes under tests/tmp: it runs from a copy.
    await cp(SUITE, join(both.dir, 'suite'), { recursive: true });
  });

  after(async () => {
    await both?.stop();
  });

  it('passes at least as many tests of each unit as today, beside the counts of redis-server', async () => {
    const { cluster, redis, dir } = both!;
    const suite = join(dir, 'suite');
    const rows: string[] = [];
    const short: string[] = [];
    for (const [unit, floor] of Object.entries(PASSING_NOW)) {
      const reference = await runUnit(suite, redis.port, unit);
      const ours = await runUnit(suite, cluster.nodes[0]!.redisPort!, unit);
      rows.push(`${unit}: dstash ${ours.ok} ok, ${ours.err} err${ours.stopped ? ` (${ours.stopped})` : ''}; redis-server ${reference.ok} ok, ${reference.err} err${reference.stopped ? ` (${reference.stopped})` : ''}`);
      // The reference must run whole, or its counts mean nothing.
      assert.equal(reference.stopped, undefined, `${unit} against redis-server: ${reference.stopped}`);
      assert.ok(reference.ok > 0, `${unit} against redis-server passed nothing`);
      if (ours.ok < floor) short.push(`${unit}: ${ours.ok} < ${floor}`);
    }
    console.log(`      ${rows.join('\n      ')}`);
    assert.deepEqual(short, [], 'units that pass fewer tests than before');
  });
});
