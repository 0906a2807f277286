/** How figures are written in the table, the Markdown report and the chart. */

/** Operations per second, with thousands separators. */
export function formatRate(opsPerSec: number): string {
  return Math.round(opsPerSec).toLocaleString('en-US');
}

/** A duration in ms: whole above 100 ms, else one decimal. */
export function formatMs(ms: number): string {
  return ms >= 100 ? Math.round(ms).toLocaleString('en-US') : ms.toFixed(1);
}

/** A latency in ms, three significant digits. */
export function formatLatency(ms: number | undefined): string {
  return ms === undefined ? '' : ms >= 100 ? String(Math.round(ms)) : ms.toPrecision(3);
}

/** A ratio, two significant digits and ×. */
export function formatRatio(x: number): string {
  return `${x >= 10 ? Math.round(x) : x.toPrecision(2)}×`;
}

/** A rate in short form for the chart, three significant digits at most: 12.3k, 100k, 1M. */
export function formatShortRate(opsPerSec: number): string {
  if (opsPerSec >= 1e6) return `${Number((opsPerSec / 1e6).toPrecision(3))}M`;
  if (opsPerSec >= 1e3) return `${Number((opsPerSec / 1e3).toPrecision(3))}k`;
  return String(Math.round(opsPerSec));
}
