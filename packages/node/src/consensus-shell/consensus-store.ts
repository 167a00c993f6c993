import {
  bytesToHex,
  bytesToU64,
  concatBytes,
  ConsensusBlockSchema,
  decodeCanonical,
  encode,
  QuorumCertSchema,
  SafetyStateSchema,
  TimeoutCertSchema,
  u64ToBytes,
  utf8ToBytes,
  type ConsensusBlock,
  type QuorumCert,
  type SafetyState,
  type TimeoutCert,
} from '@tongbao/protocol';
import type { KeyValueStore, KvOperation } from '@tongbao/storage';

const SAFETY_KEY = utf8ToBytes('s');
const HIGH_QC_KEY = utf8ToBytes('h');
const HIGH_TC_KEY = utf8ToBytes('x');
const UNCOMMITTED_PREFIX = utf8ToBytes('u');
const COMMITTED_TIP_KEY = utf8ToBytes('t');
const BLOCK_PREFIX = utf8ToBytes('c');
const COMMIT_QC_PREFIX = utf8ToBytes('q');
const RECORD_BYTES_MAX = 64 * 1024 * 1024;

/** What one `persist` effect of the core asks to keep. */
export interface PersistUpdate {
  readonly safety?: SafetyState;
  readonly blocks?: readonly ConsensusBlock[];
  readonly highQc?: QuorumCert;
  readonly highTc?: TimeoutCert;
}

export interface StoredCommit {
  readonly block: ConsensusBlock;
  readonly commitQc: QuorumCert;
}

/**
 * The consensus side's durable state: the safety rules' state (saved, synced, before any
 * signature that depends on it leaves the node), and every committed block with the
 * certificate that committed it — to re-execute after a crash and to serve peers that
 * catch up. Lives in its own LevelDB next to the ledger.
 */
export class ConsensusStore {
  /**
   * The uncommitted-block records on disk, by key (hex): those written since open, and
   * once loadUncommitted has run (at start, or at the first commit) those found at open.
   * Deleting committed ones by a range scan instead would walk every deletion LevelDB has
   * not yet compacted away — thousands of them after a few minutes of blocks, on every
   * commit.
   */
  private readonly uncommitted = new Map<string, { readonly height: bigint; readonly key: Uint8Array }>();
  private uncommittedScanned = false;

  constructor(private readonly kv: KeyValueStore) {}

  loadSafety(): SafetyState | undefined {
    const bytes = this.kv.get(SAFETY_KEY);
    return bytes === undefined ? undefined : decodeCanonical(SafetyStateSchema, bytes, RECORD_BYTES_MAX);
  }

  loadHighQc(): QuorumCert | undefined {
    const bytes = this.kv.get(HIGH_QC_KEY);
    return bytes === undefined ? undefined : decodeCanonical(QuorumCertSchema, bytes, RECORD_BYTES_MAX);
  }

  loadHighTc(): TimeoutCert | undefined {
    const bytes = this.kv.get(HIGH_TC_KEY);
    return bytes === undefined ? undefined : decodeCanonical(TimeoutCertSchema, bytes, RECORD_BYTES_MAX);
  }

  /**
   * Certified or proposed blocks above the committed tip, kept so a restart resumes them.
   * The node reads them at start; the scan also tells later commits which records to delete.
   */
  async loadUncommitted(): Promise<ConsensusBlock[]> {
    const committed = this.committedHeight();
    const blocks: ConsensusBlock[] = [];
    for await (const [key, value] of this.kv.iterate({ gte: UNCOMMITTED_PREFIX, lt: Uint8Array.of(UNCOMMITTED_PREFIX[0]! + 1) })) {
      const block = decodeCanonical(ConsensusBlockSchema, value, RECORD_BYTES_MAX);
      // Every record, those at or below the tip too: the next commit deletes them.
      this.uncommitted.set(bytesToHex(key), { height: block.height, key });
      if (block.height > committed) blocks.push(block);
    }
    this.uncommittedScanned = true;
    return blocks;
  }

  /**
   * Persist updates, then commits, as one synced write: what a consensus step asked to
   * persist before its next message leaves costs one disk sync, not one per effect.
   */
  async save(updates: readonly PersistUpdate[], commits: readonly StoredCommit[], hash: (data: Uint8Array) => Uint8Array): Promise<void> {
    const ops: KvOperation[] = [];
    for (const update of updates) {
      if (update.safety !== undefined) ops.push({ type: 'put', key: SAFETY_KEY, value: encode(SafetyStateSchema, update.safety) });
      if (update.highQc !== undefined) ops.push({ type: 'put', key: HIGH_QC_KEY, value: encode(QuorumCertSchema, update.highQc) });
      if (update.highTc !== undefined) ops.push({ type: 'put', key: HIGH_TC_KEY, value: encode(TimeoutCertSchema, update.highTc) });
      for (const block of update.blocks ?? []) {
        const value = encode(ConsensusBlockSchema, block);
        const key = concatBytes(UNCOMMITTED_PREFIX, u64ToBytes(block.height), hash(value));
        ops.push({ type: 'put', key, value });
        this.uncommitted.set(bytesToHex(key), { height: block.height, key });
      }
    }
    const stale: string[] = [];
    if (commits.length > 0) {
      const top = commits[commits.length - 1]!.block.height;
      if (!this.uncommittedScanned) await this.loadUncommitted();
      for (const { block, commitQc } of commits) {
        ops.push({ type: 'put', key: concatBytes(BLOCK_PREFIX, u64ToBytes(block.height)), value: encode(ConsensusBlockSchema, block) });
        ops.push({ type: 'put', key: concatBytes(COMMIT_QC_PREFIX, u64ToBytes(block.height)), value: encode(QuorumCertSchema, commitQc) });
      }
      ops.push({ type: 'put', key: COMMITTED_TIP_KEY, value: u64ToBytes(top) });
      for (const [hex, { height, key }] of this.uncommitted) {
        if (height > top) continue;
        stale.push(hex);
        ops.push({ type: 'del', key });
      }
    }
    if (ops.length === 0) return;
    await this.kv.write(ops);
    for (const hex of stale) this.uncommitted.delete(hex);
  }

  committedHeight(): bigint {
    const bytes = this.kv.get(COMMITTED_TIP_KEY);
    return bytes === undefined ? 0n : bytesToU64(bytes);
  }

  getCommit(height: bigint): StoredCommit | undefined {
    const block = this.kv.get(concatBytes(BLOCK_PREFIX, u64ToBytes(height)));
    const qc = this.kv.get(concatBytes(COMMIT_QC_PREFIX, u64ToBytes(height)));
    if (block === undefined || qc === undefined) return undefined;
    return { block: decodeCanonical(ConsensusBlockSchema, block, RECORD_BYTES_MAX), commitQc: decodeCanonical(QuorumCertSchema, qc, RECORD_BYTES_MAX) };
  }
}
