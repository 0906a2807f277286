import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';

describe('cli: conditional puts, serial gets, incr and append', function () {
  this.timeout(120_000);
  let cluster: ProcessCluster;
  let node: string;
  before(async () => {
    cluster = await ProcessCluster.start(1);
    node = cluster.nodes[0]!.address;
  });
  after(async () => {
    await cluster?.stop();
  });

  it('put --if-absent creates once, then exits 1 with DSTASH_CONDITION_FAILED; --if-version applies at that version only', async () => {
    const created = await runCli(['put', 'lock', 'me', '--if-absent', '--node', node, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { version } = JSON.parse(created.stdout) as { version: string };
    const again = await runCli(['put', 'lock', 'you', '--if-absent', '--node', node, '--json']);
    assert.equal(again.code, 1);
    const failed = JSON.parse(again.stdout) as { applied: boolean; code: string; value: string; version: string };
    assert.deepEqual([failed.applied, failed.code, failed.value, failed.version], [false, 'DSTASH_CONDITION_FAILED', 'me', version]);
    const plain = await runCli(['put', 'lock', 'them', '--if-version', version, '--node', node]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout.trim(), 'OK');
    const stale = await runCli(['put', 'lock', 'us', '--if-version', version, '--node', node]);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /DSTASH_CONDITION_FAILED/);
    const serial = await runCli(['get', 'lock', '--consistency', 'serial', '--node', node]);
    assert.equal(serial.code, 0, serial.stderr);
    assert.equal(serial.stdout, 'them');
    const bad = await runCli(['put', 'lock', 'x', '--if-version', 'nothex', '--node', node]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /DSTASH_INVALID_ARGUMENT/);
  });

  it('del --if-version deletes at that version only, and exits 1 with DSTASH_CONDITION_FAILED otherwise', async () => {
    const put = await runCli(['put', 'doomed', 'v', '--if-absent', '--node', node, '--json']);
    assert.equal(put.code, 0, put.stderr);
    const { version } = JSON.parse(put.stdout) as { version: string };
    const stale = await runCli(['del', 'doomed', '--if-version', '000000000000000000000001', '--node', node]);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /DSTASH_CONDITION_FAILED/);
    assert.equal((await runCli(['get', 'doomed', '--node', node])).stdout, 'v', 'still there');
    const deleted = await runCli(['del', 'doomed', '--if-version', version, '--node', node]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout.trim(), 'OK');
    assert.equal((await runCli(['get', 'doomed', '--node', node])).code, 1, 'gone');
    const bad = await runCli(['del', 'doomed', '--if-version', 'nothex', '--node', node]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /DSTASH_INVALID_ARGUMENT/);
  });

  it('incr counts, append appends, and a non-counter is refused with DSTASH_NOT_A_COUNTER', async () => {
    assert.equal((await runCli(['incr', 'visits', '--node', node])).stdout.trim(), '1');
    assert.equal((await runCli(['incr', 'visits', '--by', '41', '--node', node])).stdout.trim(), '42');
    assert.equal((await runCli(['append', 'log', 'ab', '--node', node])).stdout.trim(), '2');
    assert.equal((await runCli(['append', 'log', 'cd', '--node', node])).stdout.trim(), '4');
    assert.equal((await runCli(['get', 'log', '--node', node])).stdout, 'abcd');
    const notCounter = await runCli(['incr', 'log', '--node', node]);
    assert.equal(notCounter.code, 2);
    assert.match(notCounter.stderr, /DSTASH_NOT_A_COUNTER/);
    const missing = await runCli(['get', 'nothing', '--consistency', 'serial', '--node', node]);
    assert.equal(missing.code, 1);
  });
});
