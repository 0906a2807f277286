/**
 * Go duration strings, as Consul reads every duration it is given (`wait`,
 * `Interval`, `Timeout`, `TTL`, `DeregisterCriticalServiceAfter`): Go's
 * `time.ParseDuration` accepts "a possibly signed sequence of decimal numbers,
 * each with optional fraction and a unit suffix, such as 300ms, -1.5h or
 * 2h45m", units ns, us (or µs), ms, s, m, h, and a bare "0".
 *
 * Written here from that description, not taken from dstash's own parser:
 * the double is what dstash's Consul code is tested against, so it must not
 * share that code's mistakes.
 */

/** Milliseconds per unit. */
const UNITS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-6],
  ['us', 1e-3],
  ['\u00b5s', 1e-3], // micro sign
  ['\u03bcs', 1e-3], // Greek small letter mu
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
]);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** The length of the run of digits at `from`. */
function digits(text: string, from: number): number {
  let end = from;
  while (isDigit(text[end])) end++;
  return end - from;
}

/** Parses `text` into milliseconds, or `undefined` where Go's parser returns an error. */
export function parseGoDuration(text: string): number | undefined {
  let at = 0;
  const sign = text[0] === '-' ? -1 : 1;
  if (text[0] === '-' || text[0] === '+') at++;
  const body = text.slice(at);
  if (body === '0') return 0;
  if (body === '') return undefined;
  let total = 0;
  while (at < text.length) {
    // A number: whole digits, then an optional fraction; one of the two must be there ("1.", ".5").
    const whole = digits(text, at);
    let end = at + whole;
    let fraction = 0;
    if (text[end] === '.') fraction = digits(text, end + 1);
    if (whole === 0 && fraction === 0) return undefined;
    if (text[end] === '.') end += 1 + fraction;
    const amount = Number(text.slice(at, end));
    // The unit: everything up to the next number.
    let unitEnd = end;
    while (unitEnd < text.length && text[unitEnd] !== '.' && !isDigit(text[unitEnd])) unitEnd++;
    const perUnit = UNITS.get(text.slice(end, unitEnd));
    if (perUnit === undefined) return undefined;
    total += amount * perUnit;
    at = unitEnd;
  }
  return sign * total;
}
