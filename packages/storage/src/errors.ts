import { TongbaoError } from '@tongbao/protocol';

/**
 * Stable codes of the storage package; never renamed, operators' alerts match on them.
 *
 * - CORRUPT_STORE: what is on disk contradicts itself (head block missing, header hash
 *   or state root mismatch, broken hash link, malformed record). Restore from a backup
 *   or resync; never serve from it.
 * - STORE_CLOSED: the store was used after close().
 * - STORE_FAILED: an earlier write failed, so this process no longer knows what is on
 *   disk; reopen the store (opening verifies it) before writing again.
 * - IO_ERROR: the underlying database reported an error (disk full, permissions, lock
 *   held by another process).
 * - OLD_LAYOUT: the store holds a chain in a layout this version no longer reads (an
 *   earlier format version, or one LevelDB for the whole chain, before format 5); remove
 *   the node's data folder and let it sync again, or re-create the network.
 */
export type StorageErrorCode = 'CORRUPT_STORE' | 'STORE_CLOSED' | 'STORE_FAILED' | 'IO_ERROR' | 'OLD_LAYOUT';

export class StorageError extends TongbaoError {
  declare readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'StorageError';
  }
}
