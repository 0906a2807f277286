/**
 * A node run from a dstash installation other than this repository (files
 * laid out as the Docker image lays them out, an `npm install` of the
 * package), and the checks that its HTTP port serves what probes and
 * operators ask for.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { followCli, type CliProcess } from './cli.js';
import { freePort } from './ports.js';

/** The dashboard's files in this repository, which an installation must serve unchanged. */
const ASSETS = new URL('../../../src/node/http/ui/assets/', import.meta.url);

/** How long a node has to stop on SIGTERM before it is killed. */
const STOP_MS = 10_000;

/** A running node of an installation. */
export interface InstalledNode {
  cli: CliProcess;
  /** The gRPC port it serves on. */
  port: number;
  httpPort: number;
  /** Stops it (SIGTERM, SIGKILL if it lingers) and waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Runs `command`, which starts a node (an image's ENTRYPOINT, an installed
 * binary with `node start`), with the flags for 127.0.0.1 (gRPC on port 0,
 * HTTP on a free port) and its data in `dataDir`, from `cwd`; resolves once
 * it serves, and rejects with its stderr if it exits first.
 */
export async function startInstalledNode(command: string[], options: { cwd: string; dataDir: string; env?: NodeJS.ProcessEnv }): Promise<InstalledNode> {
  const httpPort = await freePort();
  const flags = ['--bind', '127.0.0.1', '--port', '0', '--http-port', String(httpPort), '--data-dir', options.dataDir, '--log-level', 'warn'];
  const child = spawn(command[0]!, [...command.slice(1), ...flags], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const cli = followCli(child);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
    child.kill('SIGTERM');
    await cli.exited();
    clearTimeout(killer);
  };
  try {
    const serving = await cli.event<{ port: number; httpPort: number }>('serving');
    assert.equal(serving.httpPort, httpPort);
    return { cli, port: serving.port, httpPort, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Asserts that the node answers the chart's probe path (`/healthz`) and
 * serves the dashboard: `/ui` and its CSS and JavaScript, each with status
 * 200, its content type, and the bytes of this repository's copy.
 */
export async function assertServesDashboard(httpPort: number): Promise<void> {
  const healthz = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
  assert.equal(healthz.status, 200, '/healthz');
  assert.equal(((await healthz.json()) as { status: string }).status, 'ok');
  for (const [path, file, type] of [
    ['/ui', 'dashboard.html', 'text/html; charset=utf-8'],
    ['/ui/dashboard.css', 'dashboard.css', 'text/css; charset=utf-8'],
    ['/ui/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8'],
  ] as const) {
    const answer = await fetch(`http://127.0.0.1:${httpPort}${path}`);
    assert.equal(answer.status, 200, path);
    assert.equal(answer.headers.get('content-type'), type, path);
    assert.ok(Buffer.from(await answer.arrayBuffer()).equals(readFileSync(new URL(file, ASSETS))), `${path} serves ${file} as shipped`);
  }
}
