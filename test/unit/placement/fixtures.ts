/**
 * Deterministic inputs for the placement tests: a seeded generator, so that a
 * statistical assertion either always holds or never does.
 */
import type { PlacementMember } from '../../../src/placement/index.js';

/** A seeded generator of unsigned 32-bit integers (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `length` bytes from `next`. */
export function randomBytes(next: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => next() & 0xff);
}

/** A random version-4 UUID string from `next`, shaped like the node ids nodes generate. */
export function randomUuid(next: () => number): string {
  const bytes = randomBytes(next, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A copy of `items` in a random order from `next` (Fisher-Yates). */
export function shuffle<T>(next: () => number, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** `node-1` … `node-<count>`. */
export function nodeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${i + 1}`);
}

/** Members with the given ids and no zone. */
export function members(ids: readonly string[]): PlacementMember[] {
  return ids.map((id) => ({ id }));
}
