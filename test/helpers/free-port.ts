/** A port that is free on loopback right now (for a flag that takes no 0). */
import { createServer } from 'node:net';

/** Binds 127.0.0.1:0, reads the port, and releases it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
