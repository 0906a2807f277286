/**
 * One run of a Consul GRPC check: `grpc.health.v1.Health/Check` against the
 * target, within the check's timeout (/api-docs/agent/check, GRPC). Like
 * Consul's probe it dials afresh each time and closes the connection after;
 * SERVING is passing, anything else critical, with Consul's output texts.
 */
import * as grpc from '@grpc/grpc-js';
import { healthPackage, type HealthPackage } from './health-proto.js';
import type { CheckStatus } from './registration.js';

/** How to dial the target. */
export interface ProbeTls {
  useTls: boolean;
  skipVerify: boolean;
  serverName: string;
}

/** The outcome of one probe, as the check's new status and output. */
export interface ProbeResult {
  status: Extract<CheckStatus, 'passing' | 'critical'>;
  output: string;
}

/** Go's grpc status names ("Unavailable"), for output that reads like Consul's. */
function goCodeName(code: grpc.status): string {
  const name = grpc.status[code] ?? 'Unknown';
  return name.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
}

/** Runs one probe of `target` ("host:port" or "host:port/service"); `signal` cancels it. Never rejects. */
export async function probeGrpc(target: string, timeoutMs: number, tls: ProbeTls, signal: AbortSignal): Promise<ProbeResult> {
  const slash = target.indexOf('/');
  const address = slash < 0 ? target : target.slice(0, slash);
  const service = slash < 0 ? '' : target.slice(slash + 1);
  let client: InstanceType<HealthPackage['Health']>;
  try {
    const credentials = tls.useTls
      ? grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: !tls.skipVerify, ...(tls.skipVerify ? { checkServerIdentity: () => undefined } : {}) })
      : grpc.credentials.createInsecure();
    client = new (healthPackage().Health)(address, credentials, tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName } : {});
  } catch (err) {
    return { status: 'critical', output: (err as Error).message };
  }
  let cancel = (): void => undefined;
  try {
    return await new Promise<ProbeResult>((resolve) => {
      const call = client.Check({ service }, { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err) {
          resolve({ status: 'critical', output: `rpc error: code = ${goCodeName(err.code)} desc = ${err.details || err.message}` });
        } else if (response?.status !== 'SERVING') {
          resolve({ status: 'critical', output: `gRPC ${target} serving status: ${response?.status ?? 'UNKNOWN'}` });
        } else {
          resolve({ status: 'passing', output: `gRPC check ${target}: success` });
        }
      });
      cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
    });
  } finally {
    signal.removeEventListener('abort', cancel);
    client.close();
  }
}
