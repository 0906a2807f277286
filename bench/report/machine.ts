/** The machine a run came from, for the report: figures mean little without it. */
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import type { Machine } from '../results.js';

/** Describes this machine. */
export function describeMachine(): Machine {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${type()} ${release()}`,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
