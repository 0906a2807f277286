import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Client, ErrorCode, hasCode } from '../../../src/index.js';
import { SerialService } from '../../../src/protocol/definitions.js';
import type { SerialClient } from '../../../src/protocol/generated/dstash/v1/Serial.js';
import type { SerialResponse__Output } from '../../../src/protocol/generated/dstash/v1/SerialResponse.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { unary, type UnaryMethod } from '../../helpers/grpc-clients.js';

describe('serial operations (per-key Paxos) on 3 real nodes', function () {
  this.timeout(120_000);
  let cluster: ProcessCluster;
  let client: Client;
  before(async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3));
  });
  after(async () => {
    await client?.close();
    await cluster?.stop();
  });

  it('putIfAbsent applies once; the loser gets the current value and version, which plain reads see too', async () => {
    const first = await client.putIfAbsent('pia', Buffer.from('one'));
    assert.equal(first.applied, true);
    assert.equal(first.value?.toString(), 'one');
    const second = await client.putIfAbsent('pia', Buffer.from('two'));
    assert.equal(second.applied, false);
    assert.equal(second.value?.toString(), 'one');
    assert.deepEqual(second.version, first.version);
    const plain = await client.batchLookup(['pia'], { consistency: 'QUORUM' });
    assert.ok(plain[0]!.found);
    assert.equal(plain[0]!.value.toString(), 'one');
    assert.deepEqual(plain[0]!.version, first.version, 'the committed record carries the serial version');
  });

  it('compareAndSet applies only on the expected version; deleteIf likewise', async () => {
    const created = await client.putIfAbsent('cas', Buffer.from('v1'));
    const stale = created.version!;
    const next = await client.compareAndSet('cas', stale, Buffer.from('v2'));
    assert.equal(next.applied, true);
    assert.notDeepEqual(next.version, stale);
    const again = await client.compareAndSet('cas', stale, Buffer.from('v3'));
    assert.equal(again.applied, false);
    assert.equal(again.value?.toString(), 'v2');
    assert.equal((await client.deleteIf('cas', stale)).applied, false);
    const deleted = await client.deleteIf('cas', next.version!);
    assert.equal(deleted.applied, true);
    assert.equal(deleted.found, false);
    assert.equal(await client.lookup('cas'), undefined);
    assert.equal((await client.serialLookup('cas')).found, false);
    assert.equal((await client.putIfAbsent('cas', Buffer.from('back'))).applied, true, 'a deleted key is absent');
  });

  it('appends and increments atomically; a non-counter fails with DSTASH_NOT_A_COUNTER', async () => {
    await client.append('log', 'a');
    const appended = await client.append('log', Buffer.from('bc'));
    assert.equal(appended.value?.toString(), 'abc');
    assert.equal(await client.increment('hits'), 1n);
    assert.equal(await client.increment('hits', 41), 42n);
    assert.equal(await client.increment('hits', -50n), -8n);
    assert.equal((await client.lookup('hits'))?.toString(), '-8', 'a counter is ASCII decimal');
    await assert.rejects(client.increment('log'), (err) => hasCode(err, ErrorCode.NotACounter));
    await assert.rejects(client.increment('hits', 1.5), (err) => hasCode(err, ErrorCode.InvalidArgument));
  });

  it('a serial read sees a plain write, and serial operations build on it', async () => {
    await client.put('mixed', Buffer.from('plain'));
    const read = await client.serialLookup('mixed');
    assert.equal(read.value?.toString(), 'plain');
    const cas = await client.compareAndSet('mixed', read.version!, Buffer.from('serial'));
    assert.equal(cas.applied, true);
    assert.equal((await client.lookup('mixed'))?.toString(), 'serial');
  });

  it('putIfAbsent from 32 concurrent clients on one key: exactly one wins, all see its value', async () => {
    const peers = cluster.nodes.map((n) => `${n.id}@${n.address}`);
    // A generous deadline: 32 clients open their connections at once, on a machine that may be busy.
    const clients = Array.from({ length: 32 }, () => new Client({ peers, healthIntervalMs: 200, timeoutMs: 30_000 }));
    try {
      const results = await Promise.all(clients.map((c, i) => c.putIfAbsent('race', Buffer.from(`client-${i}`))));
      const winners = results.filter((r) => r.applied);
      assert.equal(winners.length, 1, `winners: ${winners.map((w) => w.value?.toString()).join(', ')}`);
      const value = winners[0]!.value!.toString();
      assert.ok(results.every((r) => r.value?.toString() === value), 'every loser is told the winning value');
      assert.equal((await client.serialLookup('race')).value?.toString(), value);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('a node coordinates serial operations over gRPC for callers that do not route', async () => {
    const serial = new SerialService(cluster.nodes[1]!.address, grpc.credentials.createInsecure()) as unknown as SerialClient;
    const call = (request: object): Promise<SerialResponse__Output> => unary(serial, serial.Execute as unknown as UnaryMethod<SerialResponse__Output>, request);
    try {
      const created = await call({ index: 'default', key: Buffer.from('grpc-key'), op: 'SERIAL_OP_SET', expectAbsent: true, value: Buffer.from('x') });
      assert.equal(created.applied, true);
      const lost = await call({ index: 'default', key: Buffer.from('grpc-key'), op: 'SERIAL_OP_SET', expectAbsent: true, value: Buffer.from('y') });
      assert.equal(lost.applied, false);
      assert.equal(lost.value.toString(), 'x');
      const counted = await call({ index: 'default', key: Buffer.from('grpc-count'), op: 'SERIAL_OP_INCREMENT', by: '5' });
      assert.equal(counted.value.toString(), '5');
      await assert.rejects(call({ index: 'default', key: Buffer.from('grpc-count'), op: 'SERIAL_OP_INCREMENT', by: 'five' }), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
        return true;
      });
      await assert.rejects(call({ index: 'bad index!', key: Buffer.from('k'), op: 'SERIAL_OP_READ' }), (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT);
      await assert.rejects(call({ index: 'default', key: Buffer.from('k'), op: 'SERIAL_OP_UNSPECIFIED' }), (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT);
    } finally {
      serial.close();
    }
  });
});
