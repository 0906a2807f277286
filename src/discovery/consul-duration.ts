/**
 * Durations in Go's `time.ParseDuration` format ("250ms", "5s", "1m30s"),
 * the format every Consul duration field and the `wait` query parameter use
 * (/api-docs/features/blocking). dstash's Consul options take the same
 * strings so that an operator can copy values between Consul and dstash.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const WHOLE = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * Parses a Go duration string into milliseconds. Returns `undefined` when the
 * text is not a valid duration (Go accepts a bare "0" and nothing else unitless).
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  if (!WHOLE.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit!]!;
  return text.startsWith('-') ? -ms : ms;
}
