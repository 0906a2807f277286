/** Waiting for something to come up (a server, a cluster) without fixed sleeps. */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls `attempt` until it resolves, every `everyMs`; after `timeoutMs`,
 * rejects naming `what` and the last error.
 */
export async function retry<T>(attempt: () => Promise<T>, what: string, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() >= deadline) throw new Error(`${what} not ready after ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
    }
    await sleep(everyMs);
  }
}
