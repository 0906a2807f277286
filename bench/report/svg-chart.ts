/**
 * The results as a horizontal bar chart of throughput, hand-written SVG (no
 * charting dependency). The scale is logarithmic: etcd's few thousand ops/s
 * and a batch's hundreds of thousands both stay readable. The storage
 * engine's floor workloads are left out: their figure is CPU per record in
 * one process, and their throughput, without a network or replicas, is not
 * a store's to compare.
 */
import type { Measurement } from '../results.js';
import { measurementId } from './compare.js';
import { formatShortRate } from './format.js';

/** The systems the chart shows: the stores a user would pick. */
type ChartedSystem = Exclude<Measurement['system'], 'leveldb'>;

const COLOURS: Record<ChartedSystem, string> = {
  dstash: '#2b6cb0',
  redis: '#c53030',
  'redis-aof-no': '#dd6b20',
  'redis-aof-everysec': '#b7791f',
  etcd: '#2f855a',
};
const ROW = 22;
const LABEL = 190;
const PLOT = 560;
const TOP = 46;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The colour key, one entry a system, each as wide as its name (about 7 px a character). */
function legend(): string[] {
  let lx = LABEL + 40;
  return Object.entries(COLOURS).map(([system, colour]) => {
    const entry = `<rect x="${lx}" y="27" width="10" height="10" fill="${colour}"/><text x="${lx + 14}" y="36">${system}</text>`;
    lx += 30 + system.length * 7;
    return entry;
  });
}

/** An SVG bar chart of each store's measurements' ops/s, titled `title`. */
export function barChart(all: readonly Measurement[], title: string): string {
  const measurements = all.filter((m): m is Measurement & { system: ChartedSystem } => m.system !== 'leveldb');
  const rates = measurements.map((m) => Math.max(1, m.opsPerSec));
  const low = Math.floor(Math.log10(Math.min(...rates, 1000)));
  const high = Math.ceil(Math.log10(Math.max(...rates, 10_000)));
  const x = (rate: number): number => LABEL + ((Math.log10(Math.max(1, rate)) - low) / (high - low)) * PLOT;
  const width = LABEL + PLOT + 90;
  const height = TOP + measurements.length * ROW + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="36" fill="#555">operations per second (log scale)</text>`,
    ...legend(),
  ];
  for (let decade = low; decade <= high; decade++) {
    const gx = x(10 ** decade).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${height - 24}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx}" y="${height - 10}" text-anchor="middle" fill="#555">${formatShortRate(10 ** decade)}</text>`);
  }
  measurements.forEach((m, i) => {
    const y = TOP + i * ROW;
    const end = x(rates[i]!);
    parts.push(`<text x="${LABEL - 8}" y="${y + 14}" text-anchor="end">${escapeXml(measurementId(m))}</text>`);
    parts.push(`<rect x="${LABEL}" y="${y + 3}" width="${Math.max(1, end - LABEL).toFixed(1)}" height="${ROW - 6}" fill="${COLOURS[m.system]}"/>`);
    parts.push(`<text x="${(end + 5).toFixed(1)}" y="${y + 14}" fill="#333">${formatShortRate(m.opsPerSec)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
