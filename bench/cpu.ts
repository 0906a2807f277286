/**
 * CPU time of the processes a workload keeps busy: on a loaded machine a
 * steadier measure of the work it took than its wall time. This process's
 * own (the client) from Node, a server's by its PID from /proc (Linux).
 */
import { readFile } from 'node:fs/promises';

/** Clock ticks a second of /proc's times (USER_HZ): 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU time used so far, µs. */
export interface CpuSample {
  /** By this process: the client, and nodes run in-process. */
  client: number;
  /** By the servers' own processes; undefined when they run in this process or cannot be read. */
  servers?: number;
}

/** User + system CPU time of this process so far, µs. */
export function ownCpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * User + system CPU time of process `pid` (all its threads) and of the
 * children it has reaped (a Redis fork that rewrote its AOF), µs, from
 * /proc/<pid>/stat: utime, stime, cutime and cstime, in 10 ms ticks.
 */
export async function processCpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name, field 2, is in parentheses and may hold spaces: count from after it (field 3 first).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);
  return (ticks * 1e6) / TICKS_PER_SECOND;
}

/** CPU time of this process and of the servers `pids`, or without `servers` when /proc cannot be read. */
export async function sampleCpu(pids: readonly number[]): Promise<CpuSample> {
  const client = ownCpuMicros();
  try {
    const servers = await Promise.all(pids.map(processCpuMicros));
    return { client, servers: servers.reduce((sum, us) => sum + us, 0) };
  } catch {
    return { client };
  }
}
