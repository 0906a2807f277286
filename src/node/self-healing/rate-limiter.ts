/**
 * A token bucket: background work (transfers, repairs) takes a token per
 * record, so that it moves at most `perSecond` records a second and serving
 * traffic keeps its latency. 0 = no limit.
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** Waits until `n` records may go. */
  async take(n: number): Promise<void> {
    if (this.perSecond <= 0) return;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) * this.perSecond) / 1000);
      this.last = now;
      if (this.tokens >= Math.min(n, this.perSecond)) {
        this.tokens -= n;
        return;
      }
      const missing = Math.min(n, this.perSecond) - this.tokens;
      await new Promise((resolve) => setTimeout(resolve, Math.ceil((missing * 1000) / this.perSecond)));
    }
  }
}
