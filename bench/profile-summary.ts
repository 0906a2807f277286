/**
 * Summarizes V8 CPU profiles (`.cpuprofile` files, as `node --cpu-prof`
 * writes them): per file, the busy time and the functions with the most self
 * time, aggregated by function, file and line.
 *
 *     node dist/bench/profile-summary.js [--top 25] prof/*.cpuprofile
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's self time, ms. */
export interface SelfTime {
  name: string;
  ms: number;
}

/** Entries V8 uses for time the thread was not running JavaScript or native code of its own. */
const IDLE = new Set(['(idle)', '(program)']);

/** Self time per function of `profile`, most first, and the busy total (idle and program excluded). */
export function selfTimes(profile: CpuProfile): { busyMs: number; entries: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    // A sample's time is the delta to the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (!node) continue;
    const name = describe(node);
    if (!IDLE.has(node.callFrame.functionName)) busy += us;
    totals.set(name, (totals.get(name) ?? 0) + us);
  }
  const entries = [...totals].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { busyMs: busy / 1000, entries };
}

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') return functionName || '(anonymous)';
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

function main(argv: string[]): void {
  let top = 25;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else files.push(argv[i]!);
  }
  if (files.length === 0 || !Number.isInteger(top) || top < 1) {
    process.stderr.write('usage: node dist/bench/profile-summary.js [--top N] FILE.cpuprofile...\n');
    process.exitCode = 2;
    return;
  }
  for (const file of files) {
    const { busyMs, entries } = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    process.stdout.write(`\n${basename(file)}: ${busyMs.toFixed(0)} ms busy\n`);
    for (const e of entries.filter((x) => !IDLE.has(x.name)).slice(0, top)) {
      process.stdout.write(`${e.ms.toFixed(1).padStart(9)} ms ${((100 * e.ms) / busyMs).toFixed(1).padStart(5)}%  ${e.name}\n`);
    }
  }
}

main(process.argv.slice(2));
