/**
 * Splits the entries bound for each replica into batch messages of bounded
 * size: at most `maxBatchEntries` entries and about `maxBatchBytes` bytes (an
 * entry larger than that travels alone).
 */

/** One batch message: the entries (by their index in the caller's batch) for one replica. */
export interface Message {
  nodeId: string;
  entries: number[];
}

/** Splits `plan` (replica id → entry indexes) into messages. */
export function planMessages(
  plan: ReadonlyMap<string, readonly number[]>,
  sizeOf: (entry: number) => number,
  limits: { maxBatchEntries: number; maxBatchBytes: number },
): Message[] {
  const messages: Message[] = [];
  for (const [nodeId, entries] of plan) {
    let current: number[] = [];
    let bytes = 0;
    for (const e of entries) {
      const size = sizeOf(e);
      if (current.length > 0 && (current.length >= limits.maxBatchEntries || bytes + size > limits.maxBatchBytes)) {
        messages.push({ nodeId, entries: current });
        current = [];
        bytes = 0;
      }
      current.push(e);
      bytes += size;
    }
    if (current.length > 0) messages.push({ nodeId, entries: current });
  }
  return messages;
}
