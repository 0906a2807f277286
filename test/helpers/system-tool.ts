/**
 * Tests that need a system tool (promtool from Debian `prometheus`, …): they
 * skip with a printed reason where the tool is missing, but under CI=true a
 * missing tool fails them (.ci/run installs every tool the suite uses).
 */
import { spawnSync } from 'node:child_process';

/** The path of `tool` on PATH, or undefined. */
function which(tool: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/** The path of `tool`; without it, fails under CI=true and skips `test` otherwise. */
export function requireTool(test: Mocha.Context, tool: string, packageName: string): string {
  const path = which(tool);
  if (path) return path;
  const reason = `${tool} is not installed (Debian package ${packageName})`;
  if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true: a missing tool fails the suite`);
  console.log(`      skipped: ${reason}`);
  test.skip();
}
