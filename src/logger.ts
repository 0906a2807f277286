/**
 * One structured, leveled logger (pino, JSON lines on stderr) with a child per
 * module. Log keys, sizes and counts, never whole values.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function make(level: string): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

let root: Logger = make(process.env.DSTASH_LOG_LEVEL ?? 'silent');

/** Replaces the root logger's level (the CLI calls this once at start-up). */
export function configureLogging(level: LogLevel): void {
  root = make(level);
}

/**
 * A child logger for one module, e.g. `logger('node.server')`. Call it when an
 * object is constructed, not at module load, so that it takes the configured level.
 */
export function logger(module: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ module, ...bindings });
}
