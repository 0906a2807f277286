/**
 * `GET /v1/cluster`: the cluster as this node sees it, as JSON: the members,
 * their health and how many partitions each is a home replica of; with
 * `?partitions=1`, also the home replicas of every partition
 * (`homeReplicas[p]`, best first).
 */
import type { FastifyInstance } from 'fastify';
import { DSTASH_VERSION } from '../../package-info.js';
import type { NodeView } from '../metrics/node-view.js';
import { booleanParam, type Query } from './http-query.js';

/** One member in the answer. */
interface ClusterMember {
  id: string;
  address: string;
  zone: string | null;
  healthy: boolean;
  /** True for the node that answers. */
  self: boolean;
  /** Partitions this member is a home replica of. */
  homePartitions: number;
}

/** Registers /v1/cluster. */
export function registerClusterRoute(app: FastifyInstance, view: NodeView): void {
  app.get<{ Querystring: Query }>('/v1/cluster', async (request) => {
    const withPartitions = booleanParam(request.query, 'partitions');
    const coordinator = view.coordinator();
    const placement = coordinator?.view.placement;
    const owned = placement?.ownership() ?? new Map<string, number>();
    const nodeId = view.nodeId();
    const members: ClusterMember[] = (coordinator?.members() ?? []).map((m) => ({
      id: m.id,
      address: m.address,
      zone: m.zone ?? null,
      healthy: m.healthy,
      self: m.id === nodeId,
      homePartitions: owned.get(m.id) ?? 0,
    }));
    const healthy = members.filter((m) => m.healthy).length;
    return {
      nodeId,
      version: DSTASH_VERSION,
      ...view.readiness(),
      replicas: placement?.replicas ?? null,
      partitions: placement?.partitions ?? null,
      healthy,
      unhealthy: members.length - healthy,
      members,
      ...(withPartitions && placement ? { homeReplicas: Array.from({ length: placement.partitions }, (_, p) => placement.homeReplicas(p)) } : {}),
    };
  });
}
