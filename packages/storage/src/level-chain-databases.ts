import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainDatabases } from './chain-store.js';
import { StorageError } from './errors.js';
import { LevelKeyValueStore } from './level-kv.js';

/** The three LevelDBs of a chain store, in the subfolders of one ledger folder named after them. */
export interface LevelChainDatabases extends ChainDatabases {
  readonly history: LevelKeyValueStore;
  readonly state: LevelKeyValueStore;
  readonly tree: LevelKeyValueStore;
  close(): Promise<void>;
}

/**
 * Opens (creating if missing) `folder/history`, `folder/state` and `folder/tree`. A
 * folder that is itself a LevelDB holds a chain of the one-database layout (format 4 and
 * before): refused with OLD_LAYOUT rather than opened beside it as a new, empty chain.
 */
export async function openLevelChainDatabases(folder: string): Promise<LevelChainDatabases> {
  if (existsSync(join(folder, 'CURRENT'))) {
    throw new StorageError(
      'OLD_LAYOUT',
      `${folder} holds a chain in the one-database layout of an earlier version, which this version does not read; remove the node's data folder and let it sync again, or re-create the network`,
      { details: { location: folder } },
    );
  }
  const opened: LevelKeyValueStore[] = [];
  try {
    for (const name of ['history', 'state', 'tree'] as const) opened.push(await LevelKeyValueStore.open(join(folder, name)));
  } catch (error) {
    await Promise.allSettled(opened.map((kv) => kv.close()));
    throw error;
  }
  const [history, state, tree] = opened as [LevelKeyValueStore, LevelKeyValueStore, LevelKeyValueStore];
  return {
    history,
    state,
    tree,
    async close() {
      const results = await Promise.allSettled([history.close(), state.close(), tree.close()]);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
