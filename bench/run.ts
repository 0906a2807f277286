/**
 * The dstash benchmark, `npm run bench [-- flags]`: starts a local cluster
 * (and the peers that are installed), runs the workloads, prints a table with
 * the targets, and writes the JSON results, an SVG chart and RESULTS.md.
 * `--help` lists the flags; bench/README.md describes the workloads.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stopAllOnSignal } from './cleanup.js';
import { DataGenerator } from './data.js';
import { BenchUsageError, parseBenchOptions, usage, type BenchOptions } from './options.js';
import { Progress } from './progress.js';
import { markdownReport } from './report/markdown.js';
import { barChart } from './report/svg-chart.js';
import { measurementsTable, renderTable, targetsTable } from './report/tables.js';
import type { BenchResults } from './results.js';
import { runSuite } from './suite.js';

async function write(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

function printReport(results: BenchResults): void {
  const { machine } = results;
  const lines = [
    '',
    `dstash benchmark: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node.js ${machine.node}, load average ${machine.loadAverage.join(' ')}`,
    '',
    renderTable(measurementsTable(results), 'text'),
    '',
    renderTable(targetsTable(results.targets), 'text'),
    ...results.skipped.map((s) => `skipped ${s.peer}: ${s.reason}`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  let options: BenchOptions;
  try {
    options = parseBenchOptions(argv);
  } catch (err) {
    if (!(err instanceof BenchUsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${usage()}\n`);
    return 2;
  }
  stopAllOnSignal();
  const data = new DataGenerator(options.keySize, options.valueSize);
  const results = await runSuite({ options, data, progress: new Progress(), dataSet: data.range(0, options.keys) });
  printReport(results);
  const title = `dstash ${options.nodes} nodes (N=${options.replicas} W=${options.writeQuorum} R=${options.readQuorum}) and peers, ${results.machine.cores} cores`;
  await write(options.json, `${JSON.stringify(results, null, 2)}\n`);
  await write(options.svg, barChart(results.measurements, title));
  await write(options.markdown, markdownReport(results, options.markdown, options.svg));
  process.stderr.write(`bench: wrote ${options.json}, ${options.svg} and ${options.markdown}\n`);
  return 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
