/**
 * Child processes the benchmark starts (dstash nodes, Redis, etcd), tied to
 * the benchmark's life: each one stops when its stdin closes, which the
 * benchmark does at the end, and the operating system does if the benchmark
 * dies. Only processes started here are ever signalled, by their own PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** Most bytes of a child's output kept for error messages. */
const OUTPUT_TAIL = 4000;

/**
 * A running child: its first stdout line tells that it is up (and what it
 * needs to say); later lines answer requests written to its stdin.
 */
export class Child {
  private readonly process: ChildProcess;
  private tail = '';
  private readonly exit: Promise<string>;
  private readonly lines: string[] = [];
  private readonly waiters: { resolve(line: string): void; reject(err: Error): void }[] = [];

  /** Starts `command args`, with a pipe on stdin that the child watches. */
  constructor(
    /** Names the child in errors. */
    readonly name: string,
    command: string,
    args: readonly string[],
  ) {
    this.process = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdin!.on('error', () => undefined); // a child that died closes it first: its exit tells why
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.tail = (this.tail + chunk).slice(-OUTPUT_TAIL);
    });
    // Resolves, never rejects: a child that could not even start (spawn error) has exited too.
    this.exit = once(this.process, 'exit').then(([code, signal]) => String(signal ?? code), (err: Error) => `not started: ${err.message}`);
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(line);
      else this.lines.push(line);
    });
    void this.exit.then((how) => {
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`${name} exited (${how}): ${this.output() || 'no output'}`));
    });
  }

  /** The process id. */
  get pid(): number {
    return this.process.pid ?? 0;
  }

  /** The next line the child writes on stdout; rejects when it exits first or takes longer than `timeoutMs`. */
  nextLine(timeoutMs = 30_000): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.process.exitCode !== null || this.process.signalCode !== null) return Promise.reject(new Error(`${this.name} has exited: ${this.output() || 'no output'}`));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.name} did not answer within ${timeoutMs} ms: ${this.output() || 'no output'}`));
      }, timeoutMs);
      const waiter = {
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Writes `line` on the child's stdin and resolves with the line it answers. */
  request(line: string): Promise<string> {
    this.process.stdin!.write(`${line}\n`);
    return this.nextLine();
  }

  /** The end of what the child wrote on stderr. */
  output(): string {
    return this.tail.trim();
  }

  /**
   * Closes the child's stdin so that it stops itself; after `graceMs`,
   * SIGKILLs `pids` (the child's own by default) and waits for the exit.
   */
  async stop(graceMs = 10_000, pids: readonly number[] = [this.pid]): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.stdin!.end();
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const pid of pids) killQuietly(pid);
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exit, killed]);
    clearTimeout(timer);
    await this.exit;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
