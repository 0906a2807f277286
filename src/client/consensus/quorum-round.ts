/**
 * One round of messages to a key's home replicas that settles as soon as a
 * quorum said yes, or as soon as a quorum can no longer say yes: a slow or
 * frozen replica holds nobody once the others have answered.
 */

/** What a round heard. */
export interface RoundResult<T> {
  /** True when `need` replicas said yes. */
  reached: boolean;
  /** Answers that said yes, and those that said no. */
  yes: T[];
  no: T[];
  /** Replicas that failed (unreachable, timed out, errored), with why. */
  failed: { nodeId: string; error: Error }[];
}

/** Calls `send` on every target and settles once `need` answers pass `ok`, or can no longer. */
export function quorumRound<T>(targets: readonly string[], need: number, send: (nodeId: string) => Promise<T>, ok: (answer: T) => boolean): Promise<RoundResult<T>> {
  return new Promise((resolve) => {
    const result: RoundResult<T> = { reached: false, yes: [], no: [], failed: [] };
    let settled = false;
    const check = (): void => {
      if (settled) return;
      const answered = result.yes.length + result.no.length + result.failed.length;
      if (result.yes.length >= need || targets.length - answered + result.yes.length < need) {
        settled = true;
        // A copy: answers that arrive later do not change what the caller saw.
        resolve({ reached: result.yes.length >= need, yes: [...result.yes], no: [...result.no], failed: [...result.failed] });
      }
    };
    for (const nodeId of targets) {
      let call: Promise<T>;
      try {
        call = send(nodeId);
      } catch (err) {
        call = Promise.reject(err);
      }
      call.then(
        (answer) => (ok(answer) ? result.yes : result.no).push(answer),
        (err: unknown) => result.failed.push({ nodeId, error: err instanceof Error ? err : new Error(String(err)) }),
      ).finally(check);
    }
    check();
  });
}
