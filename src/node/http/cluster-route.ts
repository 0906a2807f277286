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
export interface ClusterMember {
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
    const placement = view.coordinator()?.view.placement;
    const nodeId = view.nodeId();
    const members = clusterMembers(view);
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

/** The members as `view`'s node sees them, with the partitions each is a home replica of. */
export function clusterMembers(view: NodeView): ClusterMember[] {
  const coordinator = view.coordinator();
  const owned = coordinator?.view.placement.ownership() ?? new Map<string, number>();
  const nodeId = view.nodeId();
  return (coordinator?.members() ?? []).map((m) => ({
    id: m.id,
    address: m.address,
    zone: m.zone ?? null,
    healthy: m.healthy,
    self: m.id === nodeId,
    homePartitions: owned.get(m.id) ?? 0,
  }));
}
