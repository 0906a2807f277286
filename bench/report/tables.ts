/**
 * The report's tables, rendered as aligned text for the terminal or as
 * Markdown for RESULTS.md, from the same rows.
 */
import type { BenchResults, Measurement, TargetResult } from '../results.js';
import { measurementId } from './compare.js';
import { formatLatency, formatMs, formatRate, formatRatio } from './format.js';

/** A table: a header row and rows of cells; `right` marks the columns aligned right. */
export interface Table {
  header: string[];
  rows: string[][];
  right: boolean[];
}

/** Renders `table` as padded text columns or as a Markdown table. */
export function renderTable(table: Table, style: 'text' | 'markdown'): string {
  const all = [table.header, ...table.rows];
  if (style === 'markdown') {
    const line = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    const rule = `|${table.right.map((r) => (r ? ' ---: ' : ' --- ')).join('|')}|`;
    return [line(table.header), rule, ...table.rows.map(line)].join('\n');
  }
  const widths = table.header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (table.right[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(table.header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

/** Every measurement: dstash's first, each with its speed relative to the peers that do the same job. */
export function measurementsTable(results: BenchResults): Table {
  const withErrors = results.measurements.some((m) => m.errors > 0);
  const versus = (m: Measurement): string => results.comparisons
    .filter((c) => m.system === 'dstash' && c.workload === m.name)
    .map((c) => `${c.peer} ${formatRatio(c.speedup)}`)
    .join(', ');
  const header = ['workload', 'what', 'ops', 'time ms', 'ops/s', 'cpu ms', 'cpu µs/op', 'server cpu ms', 'p50 ms', 'p99 ms', 'p999 ms', ...(withErrors ? ['errors'] : []), 'speed vs peers (>1×: dstash faster)'];
  const rows = results.measurements.map((m) => [
    measurementId(m),
    m.description,
    m.ops.toLocaleString('en-US'),
    formatMs(m.ms),
    formatRate(m.opsPerSec),
    m.cpuMs === undefined ? '' : formatMs(m.cpuMs),
    m.cpuUsPerOp === undefined ? '' : formatMs(m.cpuUsPerOp),
    m.serverCpuMs === undefined ? '' : formatMs(m.serverCpuMs),
    formatLatency(m.latency?.p50),
    formatLatency(m.latency?.p99),
    formatLatency(m.latency?.p999),
    ...(withErrors ? [String(m.errors)] : []),
    versus(m),
  ]);
  return { header, rows, right: header.map((h) => /ms|ops|\/op|errors/.test(h) && h !== 'workload') };
}

/** A target's figure in its unit. */
function targetFigure(t: TargetResult, x: number): string {
  switch (t.unit) {
    case 'x':
      return formatRatio(x);
    case 'µs':
      return `${formatMs(x)} µs`;
    case 'ms':
      return `${formatLatency(x)} ms`;
    default:
      return `${formatRate(x)} ops/s`;
  }
}

/** The targets with their measured figures and verdicts, and the storage engine's floor beside a CPU target's verdict. */
export function targetsTable(targets: readonly TargetResult[]): Table {
  const verdict = (t: TargetResult): string => [
    t.note ? `${t.verdict}: ${t.note}` : t.verdict,
    ...(t.floor === undefined ? [] : [`(LevelDB alone: ${targetFigure(t, t.floor)})`]),
  ].join(' ');
  return {
    header: ['target', 'measured', 'verdict'],
    rows: targets.map((t) => [t.target, t.measured === undefined ? '' : targetFigure(t, t.measured), verdict(t)]),
    right: [false, true, false],
  };
}
