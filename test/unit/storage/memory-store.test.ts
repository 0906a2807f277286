/** MemoryStore: the compliance suite. */
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { storeCompliance } from './store-compliance.js';

storeCompliance('MemoryStore', async (options = {}) => ({ store: new MemoryStore(options), cleanup: async () => undefined }));
