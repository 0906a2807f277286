/**
 * Tests that need a system tool (promtool from Debian `prometheus`, …): they
 * skip with a printed reason where the tool is missing, but under CI=true a
 * missing tool fails them (.ci/run installs every tool the suite uses).
 */
import { spawnSync } from 'node:child_process';

/**
 * The path of `tool` (a name on PATH, or an absolute path); undefined when it
 * is missing or when running it with `probe` (when given) fails.
 */
function find(tool: string, probe: string[] | undefined): string | undefined {
  const res = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' });
  if (res.status !== 0) return undefined;
  const path = res.stdout.trim();
  if (probe && spawnSync(path, probe, { stdio: 'ignore' }).status !== 0) return undefined;
  return path;
}

/**
 * The path of `tool` from Debian package `packageName`; without it, fails under
 * CI=true and skips `test` otherwise. `probe`: arguments that must run
 * successfully (a module the tool must have).
 */
export function requireTool(test: Mocha.Context, tool: string, packageName: string, probe?: string[]): string {
  const path = find(tool, probe);
  if (path) return path;
  const reason = `${tool}${probe ? ` ${probe.join(' ')}` : ''} does not run here (Debian package ${packageName})`;
  if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true: a missing tool fails the suite`);
  console.log(`      skipped: ${reason}`);
  test.skip();
}
