/**
 * The HTTP/2 settings a client's connection to a replica announces: a receive
 * window large enough for a node's answer to a 1,000-key read to arrive
 * without waiting for window updates. Read from the wire, by an HTTP/2 server
 * that stands in for a node.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { GrpcReplicaTransport, RECEIVE_WINDOW_BYTES } from '../../../src/client/grpc-replica-transport.js';

describe('client: the receive window of replica connections', () => {
  it('announces a receive window of RECEIVE_WINDOW_BYTES, far above the HTTP/2 default', async () => {
    const server = http2.createServer();
    const settings = new Promise<http2.Settings>((resolve) => {
      server.on('session', (session) => session.once('remoteSettings', resolve));
    });
    // Any request gets a plain HTTP/2 error answer: only the connection's settings matter here.
    server.on('stream', (stream) => stream.respond({ ':status': 404 }, { endStream: true }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const transport = new GrpcReplicaTransport(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), 4 * 1024 * 1024);
    try {
      const read = transport.read('default', [Buffer.from('k')], 5000).catch((err: unknown) => err);
      const announced = await settings;
      assert.equal(announced.initialWindowSize, RECEIVE_WINDOW_BYTES);
      assert.ok(RECEIVE_WINDOW_BYTES >= 1024 * 1024, 'room for several 1,000-key answers');
      assert.ok((await read) instanceof Error, 'the stand-in is not a node: the read fails');
    } finally {
      transport.close();
      server.close();
    }
  });
});
