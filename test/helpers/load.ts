/**
 * Continuous load for self-healing tests: batches of new keys written at
 * QUORUM and reads of keys already acknowledged, until stopped, with every
 * acknowledged write remembered and every failure counted. Bounded in rounds.
 */
import type { Client } from '../../src/index.js';

/** What the load saw. */
export interface LoadFigures {
  writesAcknowledged: number;
  writesFailed: number;
  readsDone: number;
  readsFailed: number;
  /** Acknowledged keys a read found missing or with another value. */
  readsWrong: number;
  errors: string[];
}

/** A write-and-read loop against `client`. */
export class Load {
  readonly acked = new Map<string, string>();
  readonly figures: LoadFigures = { writesAcknowledged: 0, writesFailed: 0, readsDone: 0, readsFailed: 0, readsWrong: 0, errors: [] };
  private stopping = false;
  private loop?: Promise<void>;
  private round = 0;

  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly batch = 20,
    private readonly maxRounds = 20_000,
  ) {}

  /** Starts the loop. */
  start(): void {
    this.loop = this.run();
  }

  /** Stops the loop and waits for the round in progress. */
  async stop(): Promise<LoadFigures> {
    this.stopping = true;
    await this.loop;
    return this.figures;
  }

  /** Resolves once at least `n` writes have been acknowledged. */
  async until(n: number): Promise<void> {
    while (this.acked.size < n) {
      if (this.stopping || this.round >= this.maxRounds) throw new Error(`load stopped at ${this.acked.size} acknowledged writes: ${this.figures.errors.slice(0, 3).join("; ")}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private note(message: string): void {
    if (this.figures.errors.length < 20) this.figures.errors.push(message);
  }

  private async run(): Promise<void> {
    while (!this.stopping && this.round < this.maxRounds) {
      try {
        await this.step(this.round++);
      } catch (err) {
        // A whole batch refused (not one key): counted as a failed request, and the load goes on.
        this.figures.writesFailed += 1;
        this.note(`round failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }

  private async step(round: number): Promise<void> {
    {
      const entries = Array.from({ length: this.batch }, (_, i) => ({ key: `${this.prefix}-${round}-${i}`, value: Buffer.from(`v${round}-${i}`) }));
      const written = await this.client.batchPut(entries, { consistency: 'QUORUM' });
      written.forEach((w, i) => {
        if (w.ok) {
          this.acked.set(entries[i]!.key, entries[i]!.value.toString());
          this.figures.writesAcknowledged += 1;
        } else {
          this.figures.writesFailed += 1;
          this.note(`write ${entries[i]!.key}: ${w.error.code} ${w.error.message}`);
        }
      });
      const keys = [...this.acked.keys()];
      const sample = Array.from({ length: Math.min(this.batch, keys.length) }, () => keys[Math.floor(Math.random() * keys.length)]!);
      const read = await this.client.batchLookup(sample, { consistency: 'QUORUM' });
      read.forEach((r, i) => {
        this.figures.readsDone += 1;
        if (r.found) {
          if (r.value.toString() !== this.acked.get(sample[i]!)) {
            this.figures.readsWrong += 1;
            this.note(`read ${sample[i]}: ${r.value.toString()} instead of ${this.acked.get(sample[i]!)}`);
          }
        } else if (r.error) {
          this.figures.readsFailed += 1;
          this.note(`read ${sample[i]}: ${r.error.code} ${r.error.message}`);
        } else {
          this.figures.readsWrong += 1;
          this.note(`read ${sample[i]}: missing`);
        }
      });
    }
  }
}

/** How many acknowledged writes a QUORUM read no longer finds with their value. */
export async function lostWrites(client: Client, acked: ReadonlyMap<string, string>): Promise<number> {
  const keys = [...acked.keys()];
  const found = await client.batchLookup(keys);
  return found.filter((r, i) => !r.found || r.value.toString() !== acked.get(keys[i]!)).length;
}
