/**
 * Redis glob patterns (KEYS, SCAN MATCH, HSCAN MATCH): `*`, `?`, `[abc]`,
 * `[^a-z]`, and `\` to escape, over bytes.
 */

/**
 * Whether `subject` matches `pattern`. Greedy with a return to the last `*`
 * only, so the time is at most pattern length times subject length.
 */
export function globMatch(p: Buffer, s: Buffer): boolean {
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] === 42) {
      starP = pi++;
      starS = si;
      continue;
    }
    const next = pi < p.length ? matchOne(p, pi, s[si]!) : -1;
    if (next >= 0) {
      pi = next;
      si++;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === 42) pi++;
  return pi === p.length;
}

/** Where the pattern continues when its token at `pi` matches byte `c`, else -1. */
function matchOne(p: Buffer, pi: number, c: number): number {
  const t = p[pi]!;
  if (t === 63) return pi + 1;
  if (t === 91) {
    const end = classEnd(p, pi);
    if (end >= 0) return inClass(p, pi + 1, end, c) ? end + 1 : -1;
  }
  if (t === 92 && pi + 1 < p.length) return p[pi + 1] === c ? pi + 2 : -1;
  return t === c ? pi + 1 : -1;
}

/** The position of the `]` closing the class at `start`, or -1. */
function classEnd(p: Buffer, start: number): number {
  let i = start + 1;
  if (p[i] === 94) i++;
  if (p[i] === 93) i++;
  for (; i < p.length; i++) {
    if (p[i] === 92) i++;
    else if (p[i] === 93) return i;
  }
  return -1;
}

function inClass(p: Buffer, from: number, end: number, c: number): boolean {
  let i = from;
  const negate = p[i] === 94;
  if (negate) i++;
  let hit = false;
  for (; i < end; i++) {
    if (p[i] === 92 && i + 1 < end) {
      i++;
      if (p[i] === c) hit = true;
    } else if (p[i + 1] === 45 && i + 2 < end) {
      let lo = p[i]!;
      let hi = p[i + 2]!;
      if (lo > hi) [lo, hi] = [hi, lo];
      if (c >= lo && c <= hi) hit = true;
      i += 2;
    } else if (p[i] === c) hit = true;
  }
  return negate ? !hit : hit;
}

/** The literal bytes a pattern starts with (a scan can start from them). */
export function literalPrefix(pattern: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === 42 || c === 63 || c === 91) break;
    if (c === 92) {
      if (i + 1 >= pattern.length) break;
      i++;
    }
    out.push(pattern[i]!);
  }
  return Buffer.from(out);
}
