/**
 * `GET /v1/stats`: the cluster at a glance, for the dashboard (`/ui`). The
 * members as this node sees them (`/v1/cluster`), each with what it says of
 * itself through its Info call: version, store size, hints pending,
 * rebalancing and anti-entropy progress, and its load over the last minutes
 * (requests and p99 latency per window). Members this node sees as unhealthy
 * are not asked (`stats: null`); a member that does not answer has `error`.
 *
 * One answer is reused for a second, so that several open dashboards cost
 * the cluster one round of Info calls a second at most.
 */
import type * as grpc from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { DstashError, ErrorCode } from '../../errors.js';
import type { InfoResponse__Output } from '../../protocol/generated/dstash/v1/InfoResponse.js';
import { fetchInfo } from '../../protocol/info-call.js';
import { channelCredentials } from '../../protocol/tls.js';
import type { NodeView } from '../metrics/node-view.js';
import { clusterMembers, type ClusterMember } from './cluster-route.js';

/** Deadline of each member's Info call. */
const INFO_TIMEOUT_MS = 1500;
/** How long one answer is reused. */
const REUSE_MS = 1000;

/** What a member says of itself. */
interface MemberStats {
  version: string;
  sizeBytes: number;
  hintsPending: number;
  draining: boolean;
  /** Why its store is read-only (disk full); empty while it takes writes. */
  readOnly: string;
  /** The store's copy: `ok`, `corrupt` (damaged files being put aside) or `rebuilding` (pulled again from the peers). */
  storeState: string;
  transfer: InfoResponse__Output['transfer'];
  load: InfoResponse__Output['load'];
}

/** One member in the answer. */
interface StatsMember extends ClusterMember {
  /** The member's clock offset as this node measured it, when this node measures clocks; null otherwise. */
  clock: unknown;
  stats: MemberStats | null;
  error: { code: string; message: string } | null;
}

/** The answer of /v1/stats. */
interface StatsAnswer {
  nodeId: string;
  at: number;
  replicas: number | null;
  partitions: number | null;
  members: StatsMember[];
}

/** Registers /v1/stats. */
export function registerStatsRoute(app: FastifyInstance, view: NodeView): void {
  let credentials: grpc.ChannelCredentials | undefined;
  let last: { at: number; answer: Promise<StatsAnswer> } | undefined;
  app.get('/v1/stats', async () => {
    if (!last || Date.now() - last.at >= REUSE_MS) {
      credentials ??= channelCredentials(view.tls?.());
      last = { at: Date.now(), answer: gather(view, credentials) };
    }
    return last.answer;
  });
}

async function gather(view: NodeView, credentials: grpc.ChannelCredentials): Promise<StatsAnswer> {
  const members = clusterMembers(view);
  const answers = await Promise.all(members.map(async (m) => {
    if (!m.healthy) return { info: undefined, error: null };
    try {
      return { info: await fetchInfo(m.address, credentials, INFO_TIMEOUT_MS, view.clusterToken?.()), error: null };
    } catch (err) {
      const e = err instanceof DstashError ? err : new DstashError(ErrorCode.Unavailable, String(err));
      return { info: undefined, error: { code: e.code, message: e.message } };
    }
  }));
  const selfInfo = answers[members.findIndex((m) => m.self)]?.info;
  const placement = view.coordinator()?.view.placement;
  return {
    nodeId: view.nodeId(),
    at: Date.now(),
    replicas: placement?.replicas ?? null,
    partitions: placement?.partitions ?? null,
    members: members.map((m, i) => {
      const { info, error } = answers[i]!;
      // Clock offsets travel in the member list of a node that measures them (a field this node's Info may not have).
      const seen = selfInfo?.members.find((x) => x.id === m.id) as { clock?: unknown } | undefined;
      return {
        ...m,
        clock: seen?.clock ?? null,
        stats: info
          ? { version: info.version, sizeBytes: info.approximateSizeBytes, hintsPending: info.hintsPending, draining: info.draining, readOnly: info.readOnly, storeState: info.storeState || 'ok', transfer: info.transfer, load: info.load }
          : null,
        error,
      };
    }),
  };
}
