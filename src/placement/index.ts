/**
 * Placement (DESIGN.md, Placement): which partition a key belongs to, and
 * which members hold each partition. Pure functions, no I/O; every client and
 * node computes the same answers from the same member list.
 */
export { hash64, hash64Parts, type Hash64Parts } from './hash.js';
export { DEFAULT_PARTITIONS, MAX_PARTITIONS, partitionOf, validatePartitions } from './partition.js';
export { DEFAULT_PLACEMENT_OPTIONS, resolvePlacementOptions, type PlacementOptions } from './placement-options.js';
export { PlacementTable, movedPartitions, type PlacementMember, type PreferredReplica } from './rendezvous.js';
