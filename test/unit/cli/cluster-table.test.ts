/** The status table of `dstash cluster status`: what the HEALTH column says of each member. */
import assert from 'node:assert/strict';
import { type MemberStatus, statusLines } from '../../../src/cli/cluster-table.js';
import type { InfoResponse__Output } from '../../../src/protocol/generated/dstash/v1/InfoResponse.js';

describe('cluster status table', () => {
  const row = (id: string, fields: Partial<MemberStatus>): MemberStatus => ({
    id, address: `${id}:7420`, zone: '', healthy: true, partitions: 1024, sizeBytes: 0, version: '0.1.0', hintsPending: 0,
    transfer: { partitionsRemaining: 0, partitionsMoved: 0, keysMoved: 0, bytesMoved: 0 }, draining: false, readOnly: null, store: 'ok', clock: null, ...fields,
  });

  it('shows a member whose store copy is put aside as corrupt, one pulling it again as rebuilding with what is left, and one on a full disk as read-only', () => {
    const info = { nodeId: 'a', partitions: 1024, replicas: 3, maxClockOffsetMs: 500 } as InfoResponse__Output;
    const lines = statusLines(info, [
      row('a', {}),
      row('b', { store: 'corrupt' }),
      row('c', { store: 'rebuilding', transfer: { partitionsRemaining: 700, partitionsMoved: 324, keysMoved: 6000, bytesMoved: 600_000 } }),
      row('d', { healthy: false, store: null }),
      row('e', { readOnly: 'no space left on device' }),
    ]);
    const health = (id: string): string[] => lines.find((l) => l.startsWith(`${id} `) && l.includes(`${id}:7420`))!.split(/\s{2,}/);
    assert.equal(health('a')[3], 'healthy');
    assert.equal(health('b')[3], 'corrupt');
    assert.equal(health('c')[3], 'rebuilding');
    assert.ok(health('c').includes('700 partitions'));
    assert.equal(health('d')[3], 'UNHEALTHY');
    assert.equal(health('e')[3], 'read-only');
  });
});
