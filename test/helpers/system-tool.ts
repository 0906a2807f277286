/**
 * Tests that need something of the machine (a Debian tool, root for a tmpfs
 * mount): on a developer's laptop without it they skip and print why; in CI
 * (`CI=true`), where .ci/run installs everything, a missing one fails.
 */
import type { Context } from 'mocha';

/** Skips the test (or, under CI=true, fails it) with `reason` when `available` is false. */
export function requireMachine(ctx: Context, available: boolean, reason: string): void {
  if (available) return;
  if (process.env.CI === 'true') throw new Error(`CI must provide this: ${reason} (see .ci/run)`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}
