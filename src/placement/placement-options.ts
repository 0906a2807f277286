/**
 * Options of a placement table, their defaults, and their validation.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { DEFAULT_PARTITIONS, validatePartitions } from './partition.js';

/** How a cluster places partitions on members. */
export interface PlacementOptions {
  /**
   * Number of partitions the key space is split into. Fixed when the cluster
   * is created: changing it moves almost every key. A whole number in [1, 65536].
   * @default 1024
   */
  partitions: number;
  /**
   * Replication factor N: home replicas per partition. A cluster with fewer
   * members keeps one copy on each member. A whole number ≥ 1.
   * @default 3
   */
  replicas: number;
}

/** The defaults of {@link PlacementOptions}. */
export const DEFAULT_PLACEMENT_OPTIONS: Readonly<PlacementOptions> = Object.freeze({
  partitions: DEFAULT_PARTITIONS,
  replicas: 3,
});

/**
 * Fills defaults into `options` and validates the result; throws
 * {@link InvalidArgumentError} (`DSTASH_INVALID_OPTIONS`) for a value out of range.
 */
export function resolvePlacementOptions(options: Partial<PlacementOptions> = {}): PlacementOptions {
  const resolved: PlacementOptions = {
    partitions: options.partitions ?? DEFAULT_PLACEMENT_OPTIONS.partitions,
    replicas: options.replicas ?? DEFAULT_PLACEMENT_OPTIONS.replicas,
  };
  validatePartitions(resolved.partitions);
  if (!Number.isInteger(resolved.replicas) || resolved.replicas < 1) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidOptions,
      `invalid replicas ${resolved.replicas}: must be a whole number ≥ 1 (option replicas / --replicas)`,
    );
  }
  return resolved;
}
