/** Runs the dstash binary as a child process, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** The repository's bin/run.js (tests run from dist/test/helpers). */
export const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

/** A running `dstash` child process (or a program of the tests' own, see startProgram). */
export interface CliProcess {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first stdout line that parses as JSON and has `event === name`. */
  event<T = Record<string, unknown>>(name: string, timeoutMs?: number): Promise<T>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited(): Promise<number | string>;
}

/**
 * Starts `dstash ...args`. With `uid`, the process runs as that user (through
 * setpriv, keeping the right to read and write any file), so that iptables
 * rules can tell its connections from the test's own (`-m owner`).
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, uid?: number): CliProcess {
  const command = uid === undefined
    ? [process.execPath, BIN, ...args]
    : ['setpriv', '--euid', String(uid), '--egid', String(uid), '--clear-groups', '--inh-caps', '+dac_override', '--ambient-caps', '+dac_override', process.execPath, BIN, ...args];
  return startWatched(command, env);
}

/** Starts `node script ...args`, a program that embeds dstash, read as startCli reads the binary. */
export function startProgram(script: string, args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  return startWatched([process.execPath, script, ...args], env);
}

/** Spawns `command`, collecting its stderr and the JSON events on its stdout. */
function startWatched(command: string[], env: NodeJS.ProcessEnv): CliProcess {
  return followCli(spawn(command[0]!, command.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/**
 * Follows a `dstash` child process started some other way (another
 * installation's binary, say), spawned with stdout and stderr piped.
 */
export function followCli(child: ChildProcess): CliProcess {
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const events: Record<string, unknown>[] = [];
  const waiters: { name: string; resolve: (e: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let parsed: Record<string, unknown> | undefined;
    try { parsed = JSON.parse(line) as Record<string, unknown>; } catch { return; }
    events.push(parsed);
    for (const w of [...waiters]) {
      if (parsed.event === w.name) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(parsed);
      }
    }
  });
  const exit = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    child,
    stderr: () => stderr,
    exited: () => exit,
    event<T>(name: string, timeoutMs = 30_000): Promise<T> {
      const seen = events.find((e) => e.event === name);
      if (seen) return Promise.resolve(seen as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${name}" event within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({ name, resolve: (e) => { clearTimeout(timer); resolve(e as T); } });
        void exit.then((code) => { clearTimeout(timer); reject(new Error(`dstash exited (${code}) before "${name}"; stderr: ${stderr.slice(-2000)}`)); });
      });
    },
  };
}

/** Runs `dstash ...args` to completion; returns exit code, stdout and stderr. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
