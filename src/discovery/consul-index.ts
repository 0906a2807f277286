/**
 * The `X-Consul-Index` bookkeeping of a blocking-query loop, as the docs
 * require of clients (/api-docs/features/blocking#implementation-details).
 */

/** Reads an `X-Consul-Index` header; a missing or malformed one counts as 0. */
export function parseIndex(header: string | string[] | undefined): bigint {
  const text = Array.isArray(header) ? header[0] : header;
  return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : 0n;
}

/**
 * The index to block on next, given the one just used and the one Consul
 * returned: an index that went backwards resets the loop to 0 (a fresh,
 * non-blocking read); otherwise it is never less than 1, so that a buggy 0
 * cannot turn the loop into a busy one.
 */
export function nextIndex(previous: bigint, returned: bigint): bigint {
  if (returned < previous) return 0n;
  return returned < 1n ? 1n : returned;
}
