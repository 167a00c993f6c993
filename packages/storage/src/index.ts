export * from './errors.js';
export type { KeyValueStore, KvOperation, KvRange } from './kv.js';
export { MemoryKeyValueStore } from './memory-kv.js';
export { LevelKeyValueStore } from './level-kv.js';
export { openLevelChainDatabases, type LevelChainDatabases } from './level-chain-databases.js';
export {
  NODE_CACHE_ENTRIES_MAX_DEFAULT,
  type KeyPresence,
  type PreparedState,
  type StateTree,
  type StateTreeOptions,
  type StateTreeStats,
  type ValueRecords,
} from './state-tree-contract.js';
export { JsStateTree } from './state-tree.js';
export { NativeStateTree, nativeStateTreeAvailable } from './native-state-tree.js';
export { openStateTree, type StateTreeImplementation } from './open-state-tree.js';
export {
  ChainStore,
  STORED_RECORD_BYTES_MAX,
  TREE_CHECKPOINT_BLOCKS_DEFAULT,
  TREE_DIRTY_PAGES_MAX_DEFAULT,
  TREE_LOGGED_KEYS_MAX_DEFAULT,
  VALUE_CACHE_ENTRIES_MAX_DEFAULT,
  type BlockCommit,
  type ChainDatabases,
  type ChainHead,
  type ChainStoreOptions,
  type StoredReceipt,
  type StoredTransaction,
} from './chain-store.js';
export { FaultInjector, FaultyKeyValueStore, type FaultPlan } from './testing/faulty-kv.js';
