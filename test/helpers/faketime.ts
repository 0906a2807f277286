/**
 * Skewed clocks for one child process: libfaketime (Debian package
 * `faketime`) preloaded with an offset. Monotonic clocks stay real, so the
 * process's timers keep their pace; only its wall clock is off.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireMachine } from './system-tool.js';

/** The multi-threaded libfaketime, when installed. */
export function faketimeLibrary(): string | undefined {
  const roots = ['/usr/lib', '/usr/local/lib'];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const dir of ['', ...readdirSync(root)]) {
      const path = join(root, dir, 'faketime', 'libfaketimeMT.so.1');
      if (existsSync(path)) return path;
    }
  }
  return undefined;
}

/**
 * libfaketime's path; skips the suite (with the reason printed) when it is
 * missing, except under CI=true, where a missing tool is a failure.
 */
export function requireFaketime(context: Mocha.Context): string {
  const lib = faketimeLibrary();
  requireMachine(context, lib !== undefined, 'libfaketime is not installed (Debian package faketime)');
  return lib!;
}

/** Environment that runs a process with its wall clock `offset` away ("+1h", "-1h", "+0.2"). */
export function skewedClock(lib: string, offset: string): NodeJS.ProcessEnv {
  return { LD_PRELOAD: lib, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

/**
 * Environment that runs a process with its wall-clock offset read from
 * `file` (one line, as FAKETIME), re-read at most every second: writing the
 * file makes the clock of the running process jump.
 */
export function clockFromFile(lib: string, file: string): NodeJS.ProcessEnv {
  return { LD_PRELOAD: lib, FAKETIME_TIMESTAMP_FILE: file, FAKETIME_CACHE_DURATION: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}
