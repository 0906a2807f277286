/**
 * Tests that need something of the machine (a Debian tool, root for a tmpfs
 * mount): on a developer's laptop without it they skip and print why; in CI
 * (`CI=true`), where .ci/run installs everything, a missing one fails.
 */
import { spawnSync } from 'node:child_process';
import type { Context } from 'mocha';

/**
 * Skips the test and prints `reason`, so that a skipped test is never silent:
 * for what no machine could change (the platform); a missing tool goes
 * through {@link requireMachine}.
 */
export function skipBecause(ctx: Context, reason: string): never {
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

/** Skips the test (or, under CI=true, fails it) with `reason` when `available` is false. */
export function requireMachine(ctx: Context, available: boolean, reason: string): void {
  if (available) return;
  if (process.env.CI === 'true') throw new Error(`CI must provide this: ${reason} (see .ci/run)`);
  skipBecause(ctx, reason);
}

/**
 * The path of `tool` (a name on PATH, or an absolute path) from Debian package
 * `packageName`, through {@link requireMachine} when it is missing. `probe`:
 * arguments it must run successfully with (a module the tool must have).
 */
export function requireTool(ctx: Context, tool: string, packageName: string, probe?: string[]): string {
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim() : '';
  const runs = path !== '' && (!probe || spawnSync(path, probe, { stdio: 'ignore' }).status === 0);
  requireMachine(ctx, runs, `${tool}${probe ? ` ${probe.join(' ')}` : ''} does not run here (Debian package ${packageName})`);
  return path;
}
