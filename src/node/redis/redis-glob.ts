/**
 * Redis glob patterns (KEYS, SCAN MATCH, HSCAN MATCH): `*`, `?`, `[abc]`,
 * `[^a-z]`, and `\` to escape, over bytes, with the answers of Redis's
 * `stringmatchlen`, its corner cases included: a class left open takes the
 * rest of the pattern as members (`[ab` matches `a`), `]` right after `[`
 * closes an empty class, a range may end in `]` (`[a-]`), a trailing `\` is
 * a literal backslash, and an empty subject matches only the empty pattern,
 * and a lone `*` (for which Redis's commands take every key without matching).
 */

const STAR = 42;
const QUESTION = 63;
const OPEN = 91;
const CLOSE = 93;
const BACKSLASH = 92;
const CARET = 94;
const DASH = 45;

/**
 * Whether `s` matches the pattern `p`. Greedy with a return to the last `*`
 * only (what `stringmatchlen` computes, without its recursion), so the time is
 * at most pattern length times subject length.
 */
export function globMatch(p: Buffer, s: Buffer): boolean {
  if (s.length === 0) return p.length === 0 || (p.length === 1 && p[0] === STAR);
  let pi = 0;
  let si = 0;
  let resume = -1;
  let starS = 0;
  while (si < s.length) {
    if (p[pi] === STAR) {
      while (p[pi + 1] === STAR) pi++;
      if (pi === p.length - 1) return true;
      resume = ++pi;
      starS = si;
      continue;
    }
    const next = pi < p.length ? matchOne(p, pi, s[si]!) : -1;
    if (next >= 0) {
      pi = next;
      si++;
    } else if (resume >= 0) {
      pi = resume;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (p[pi] === STAR) pi++;
  return pi === p.length;
}

/** Where the pattern continues when its token at `pi` matches byte `c`, else -1. */
function matchOne(p: Buffer, pi: number, c: number): number {
  const t = p[pi]!;
  if (t === QUESTION) return pi + 1;
  if (t === OPEN) return matchClass(p, pi, c);
  if (t === BACKSLASH && pi + 1 < p.length) return p[pi + 1] === c ? pi + 2 : -1;
  return t === c ? pi + 1 : -1;
}

/** The class at `start` against `c`, as `stringmatchlen` reads it: where the pattern continues, or -1. */
function matchClass(p: Buffer, start: number, c: number): number {
  let i = start + 1;
  const negate = p[i] === CARET;
  if (negate) i++;
  let hit = false;
  for (;;) {
    if (p[i] === BACKSLASH && p.length - i >= 2) {
      i++;
      if (p[i] === c) hit = true;
    } else if (p[i] === CLOSE) {
      break;
    } else if (i >= p.length) {
      // Never closed: its members ran to the end of the pattern.
      i = p.length - 1;
      break;
    } else if (p.length - i >= 3 && p[i + 1] === DASH) {
      const lo = Math.min(p[i]!, p[i + 2]!);
      const hi = Math.max(p[i]!, p[i + 2]!);
      if (c >= lo && c <= hi) hit = true;
      i += 2;
    } else if (p[i] === c) {
      hit = true;
    }
    i++;
  }
  return hit !== negate ? i + 1 : -1;
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
