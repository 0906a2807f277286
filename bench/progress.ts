/**
 * Progress while the benchmark runs, on stderr so that stdout keeps only the
 * report: a bar per stage on a terminal, one line per stage elsewhere (a CI
 * log or a pipe gets no control characters).
 */
import cliProgress from 'cli-progress';

/** One stage being reported. */
export interface Stage {
  /** Sets how much of the stage is done. */
  update(done: number): void;
  /** Ends the stage. */
  done(): void;
}

/** Reports stages as bars, or as plain lines when bars would garble the output. */
export class Progress {
  private readonly bars: boolean;

  constructor(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env) {
    this.bars = Boolean(stream.isTTY) && !env.CI;
  }

  /** Starts a stage of `total` steps. */
  stage(name: string, total: number): Stage {
    if (!this.bars) {
      process.stderr.write(`bench: ${name} (${total})\n`);
      return { update: () => undefined, done: () => undefined };
    }
    const bar = new cliProgress.SingleBar(
      { format: `${name.padEnd(28)} [{bar}] {percentage}% {value}/{total} {duration_formatted}`, clearOnComplete: false, hideCursor: true, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return {
      update: (done) => bar.update(done),
      done: () => {
        bar.update(total);
        bar.stop();
      },
    };
  }

  /** Runs `task` as a stage of one step. */
  async around<T>(name: string, task: () => Promise<T>): Promise<T> {
    const stage = this.stage(name, 1);
    try {
      return await task();
    } finally {
      stage.done();
    }
  }

  /** A message between stages. */
  note(message: string): void {
    process.stderr.write(`bench: ${message}\n`);
  }
}
