/**
 * What the Redis peers share about a redis-server: its arguments on loopback,
 * and an ioredis connection to it once it answers.
 */
import { Redis } from 'ioredis';
import { retry } from '../retry.js';

/** The arguments of a redis-server on 127.0.0.1:`port` with data in `dir`, no RDB snapshots, and `extra`. */
export function redisServerArgs(port: number, dir: string, extra: readonly string[]): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--save', '', '--dir', dir, '--loglevel', 'warning', ...extra];
}

/** An ioredis client of the server on 127.0.0.1:`port`, retried until the server answers. */
export function connectRedis(port: number): Promise<Redis> {
  return retry(async () => {
    const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    // Failures reach the caller through connect() and each command's promise.
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return redis;
    } catch (err) {
      redis.disconnect();
      throw err;
    }
  }, `redis on port ${port}`);
}

/** The server's version, from INFO. */
export async function redisVersion(redis: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
}
