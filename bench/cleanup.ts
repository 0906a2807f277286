/**
 * What must be stopped if the benchmark is interrupted: each server and temp
 * dir registers its stop here while it exists, and Ctrl-C (or SIGTERM) runs
 * them all before exiting, so that an interrupted run leaves nothing behind.
 */
const pending = new Set<() => Promise<void>>();

/** Registers `stop` until it runs; returns it wrapped to run once and unregister. */
export function untilStopped(stop: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = (): Promise<void> => {
    running ??= stop().finally(() => pending.delete(once));
    return running;
  };
  pending.add(once);
  return once;
}

/** On SIGINT or SIGTERM, stops everything registered and exits with 130. */
export function stopAllOnSignal(): void {
  const onSignal = (): void => {
    process.stderr.write('\nbench: interrupted, stopping the servers it started\n');
    void Promise.allSettled([...pending].map((stop) => stop())).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
