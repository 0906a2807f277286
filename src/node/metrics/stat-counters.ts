/**
 * Prometheus counters over a stats object whose fields only grow (the
 * coordinator's, the clock guard's), read at scrape time.
 */
import { Counter, type Registry } from 'prom-client';

/** One field of a stats object, and the counter it becomes. */
export interface StatCounter<T> {
  field: keyof T;
  name: string;
  help: string;
}

/** Registers one counter per entry of `counters`, reporting `stats()[field]` (0 while there are no stats). */
export function registerStatCounters<T extends object>(registers: Registry[], counters: readonly StatCounter<T>[], stats: () => T | undefined): void {
  for (const { field, name, help } of counters) {
    new Counter({
      name,
      help,
      registers,
      collect() {
        // The fields only grow: report them as they are.
        this.reset();
        this.inc(Number(stats()?.[field] ?? 0));
      },
    });
  }
}
