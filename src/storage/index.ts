/**
 * The storage layer (DESIGN.md, Components): the `Store` seam and its two
 * implementations. Storage knows nothing of the network or of placement.
 */
export { isLive, type KeyedRecord, type RecordKey, type ScanOptions, type Store, type StoredRecord, type SweepResult, TRUNCATIONS_META } from './store.js';
export { LevelStore } from './level-store.js';
export { MemoryStore } from './memory-store.js';
export type { RecordCacheStats } from './record-cache.js';
export { DEFAULT_LEVEL_STORE_OPTIONS, DEFAULT_STORE_OPTIONS, type LevelStoreOptions, type StoreOptions } from './store-options.js';
