/**
 * A real DNS server for tests: Debian's dnsmasq as a child process on a free
 * loopback port, answering only for the records it is given. Records change
 * by restarting it on the same port (dnsmasq re-reads hosts files on SIGHUP,
 * not SRV records).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/** The records a {@link Dnsmasq} serves. */
export interface DnsRecords {
  /** SRV records: `name` points at `target:port`. */
  srv?: { name: string; target: string; port: number }[];
  /** A records (several with one name make several answers). */
  hosts?: { name: string; ip: string }[];
}

/** The zone the test records live in; dnsmasq answers NXDOMAIN for other names in it. */
export const TEST_ZONE = 'dstash.test';

/** The dnsmasq binary, if the machine has one. */
export function dnsmasqBinary(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']) {
    const path = join(dir, 'dnsmasq');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A running dnsmasq. */
export class Dnsmasq {
  private child?: ChildProcess;
  private stderr = '';

  private constructor(private readonly binary: string, readonly port: number) {}

  /** Starts dnsmasq on a free loopback port with `records`. */
  static async start(records: DnsRecords): Promise<Dnsmasq> {
    const binary = dnsmasqBinary();
    if (!binary) throw new Error('dnsmasq is not installed');
    const server = new Dnsmasq(binary, await freePort());
    await server.run(records);
    return server;
  }

  /** `127.0.0.1:port`, for `--dns-server`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Serves `records` instead (a restart on the same port). */
  async restart(records: DnsRecords): Promise<void> {
    await this.stop();
    await this.run(records);
  }

  /** Stops the server (the port then refuses queries). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }

  private async run(records: DnsRecords): Promise<void> {
    const args = [
      '--no-daemon', `--port=${this.port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
      '--conf-file=/dev/null', '--pid-file=', `--local=/${TEST_ZONE}/`,
      ...(records.srv ?? []).map((r) => `--srv-host=${r.name},${r.target},${r.port}`),
      ...(records.hosts ?? []).map((h) => `--host-record=${h.name},${h.ip}`),
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { this.stderr += chunk; });
    this.child = child;
    // Ready once it answers (NXDOMAIN for a name it does not know is an answer).
    const resolver = new Resolver({ timeout: 200, tries: 1 });
    resolver.setServers([this.address]);
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${this.stderr}`);
      try {
        await resolver.resolve4(`ready.${TEST_ZONE}`);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ENOTFOUND';
      }
    }, `dnsmasq on port ${this.port} to answer`, 10_000);
  }
}
