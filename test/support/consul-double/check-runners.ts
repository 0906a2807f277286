/**
 * What makes the double's checks change on their own, as the agent's check
 * runners do: GRPC checks probe every Interval (the first run staggered
 * randomly within it, as Consul does), and TTL checks turn critical when
 * their TTL passes without an update (/api-docs/agent/check#register-check).
 */
import type { Catalog } from './catalog.js';
import { probeGrpc } from './grpc-probe.js';
import type { CheckDefinition, CheckStatus } from './registration.js';

interface Runner {
  stop(): void;
  /** TTL checks only: restarts the TTL clock and remembers the output. */
  touch?(output: string): void;
}

/** The running checks of one agent. */
export class CheckRunners {
  private readonly running = new Map<string, Runner>();

  constructor(
    private readonly catalog: Catalog,
    /** Intervals below this are raised to it (Consul: 1 s). */
    private readonly minIntervalMs: number,
  ) {}

  /** Starts (or restarts, after a re-registration) the runner of a check. */
  start(def: CheckDefinition): void {
    this.stop(def.CheckID);
    this.running.set(def.CheckID, def.Type === 'grpc' ? this.grpc(def) : this.ttl(def));
  }

  /** Stops one check's runner, if any. */
  stop(checkId: string): void {
    this.running.get(checkId)?.stop();
    this.running.delete(checkId);
  }

  /** Stops every runner; cancels probes in flight. */
  stopAll(): void {
    for (const id of [...this.running.keys()]) this.stop(id);
  }

  /**
   * A TTL update (pass, warn, fail or update): sets status and output and
   * restarts the TTL clock. Returns false when the check is not a TTL check.
   */
  updateTtl(checkId: string, status: CheckStatus, output: string): boolean {
    const runner = this.running.get(checkId);
    if (!runner?.touch) return false;
    this.catalog.updateCheck(checkId, status, output, Date.now());
    runner.touch(output);
    return true;
  }

  private grpc(def: CheckDefinition): Runner {
    const stopping = new AbortController();
    const interval = Math.max(def.intervalMs, this.minIntervalMs);
    const tls = { useTls: def.GRPCUseTLS, skipVerify: def.TLSSkipVerify, serverName: def.TLSServerName };
    // probeGrpc never rejects; the next run is scheduled once this one is done, as Consul does.
    const run = (): void =>
      void probeGrpc(def.GRPC!, def.timeoutMs, tls, stopping.signal).then((result) => {
        if (stopping.signal.aborted) return;
        this.catalog.updateCheck(def.CheckID, result.status, result.output, Date.now());
        timer = setTimeout(run, interval);
      });
    let timer = setTimeout(run, Math.random() * interval);
    return {
      stop: () => {
        stopping.abort();
        clearTimeout(timer);
      },
    };
  }

  private ttl(def: CheckDefinition): Runner {
    let lastOutput = '';
    // Consul's text when a TTL passes: "TTL expired", with the last output if there was one.
    const expire = (): void =>
      this.catalog.updateCheck(def.CheckID, 'critical', lastOutput ? `TTL expired (last output before timeout follows): ${lastOutput}` : 'TTL expired', Date.now());
    let timer = setTimeout(expire, def.ttlMs);
    return {
      stop: () => clearTimeout(timer),
      touch: (output) => {
        lastOutput = output;
        clearTimeout(timer);
        timer = setTimeout(expire, def.ttlMs);
      },
    };
  }
}
