import { u64ToBytes } from '@tongbao/protocol';

/**
 * The key layout of a chain store: one ASCII letter names the record kind (a block's
 * records share `b` and are told apart by a letter after the height, BLOCK_RECORD), then
 * fixed-width big-endian numbers so that keys sort in height order. The letters are
 * distinct across the three databases (ChainDatabases), so one store can also hold them
 * all. The README has the table, with the database of each; change it there too.
 */
export const PREFIX = {
  /** m ‖ name: singletons (head, genesis, format). */
  meta: 0x6d,
  /** b ‖ height u64 ‖ record kind (BLOCK_RECORD): a block's header, transactions and receipts, side by side. */
  block: 0x62,
  /** H ‖ block hash: height u64. */
  blockHash: 0x48,
  /** X ‖ transaction id: height u64 ‖ index u32. */
  transactionIndex: 0x58,
  /** v ‖ state key: state value. */
  value: 0x76,
  /** p ‖ level u8 ‖ path prefix: a page of the sparse Merkle tree (4 binary levels). */
  page: 0x70,
  /** t ‖ height u64: the state keys a block changed (genesis is block 0), kept until a written tree checkpoint covers it. */
  treeLog: 0x74,
} as const;

const encoder = new TextEncoder();

function metaKey(name: string): Uint8Array {
  const text = encoder.encode(name);
  const key = new Uint8Array(1 + text.length);
  key[0] = PREFIX.meta;
  key.set(text, 1);
  return key;
}

/**
 * The last byte of a block record's key. A block's records are keyed height first, and
 * the history database holds nothing else, so it is only ever appended to in key order:
 * LevelDB then places each flushed file below the others without merging it with them
 * (a compaction only moves it), where with the kinds under prefixes of their own every
 * flushed file spanned the others' key ranges and was merged and rewritten.
 */
export const BLOCK_RECORD = {
  /** encoded BlockHeader */
  header: 0x42,
  /** the block's encoded transactions, as in the block, in one record list (record-list.ts) */
  transactions: 0x54,
  /** the block's encoded receipts, in one record list */
  receipts: 0x52,
} as const;

/** Height ‖ hash of the last committed block. Absent until block 1. */
export const HEAD_KEY = metaKey('head');
/** The encoded Genesis. Its presence means genesis was committed. */
export const GENESIS_KEY = metaKey('genesis');
/** The state root right after genesis, checked on open while there is no block yet. */
export const GENESIS_STATE_ROOT_KEY = metaKey('genesis-state-root');
/** u32 layout version of this store, so a future layout can refuse or migrate an old one. */
export const FORMAT_KEY = metaKey('format');
/** Height u64 ‖ state root of the block whose tree the page records hold (see the tree log). */
export const TREE_CHECKPOINT_KEY = metaKey('tree-checkpoint');
/**
 * 1: one record per binary tree node (n ‖ depth ‖ prefix); 2: pages of 4 levels
 * (p ‖ level ‖ prefix), written with every block; 3: pages written at checkpoints, with
 * a log of changed keys per block since; 4: a block's transactions and its receipts in
 * one record each (T ‖ height, R ‖ height) instead of one per transaction; 5: three
 * databases (history, state, tree), every block's keys logged (docs/adr/0005); 6: a
 * block's records keyed height first (b ‖ height ‖ kind), the block hash index in the
 * state database.
 */
export const FORMAT_VERSION = 6;

function withPrefix(prefix: number, body: Uint8Array): Uint8Array {
  const key = new Uint8Array(1 + body.length);
  key[0] = prefix;
  key.set(body, 1);
  return key;
}

export function u32ToBytes(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

export function bytesToU32(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
}

/** height u64 ‖ index u32: where a transaction is, the value of its index record. */
export function locationBytes(heightBytes: Uint8Array, index: number): Uint8Array {
  const location = new Uint8Array(12);
  location.set(heightBytes, 0);
  location[8] = index >>> 24;
  location[9] = (index >>> 16) & 0xff;
  location[10] = (index >>> 8) & 0xff;
  location[11] = index & 0xff;
  return location;
}

function blockRecordKey(height: bigint, kind: number): Uint8Array {
  const key = new Uint8Array(10);
  key[0] = PREFIX.block;
  key.set(u64ToBytes(height), 1);
  key[9] = kind;
  return key;
}

export const headerKey = (height: bigint): Uint8Array => blockRecordKey(height, BLOCK_RECORD.header);
export const blockTransactionsKey = (height: bigint): Uint8Array => blockRecordKey(height, BLOCK_RECORD.transactions);
export const blockReceiptsKey = (height: bigint): Uint8Array => blockRecordKey(height, BLOCK_RECORD.receipts);
export const blockHashKey = (hash: Uint8Array): Uint8Array => withPrefix(PREFIX.blockHash, hash);
export const transactionIndexKey = (id: Uint8Array): Uint8Array => withPrefix(PREFIX.transactionIndex, id);
export const valueKey = (stateKey: Uint8Array): Uint8Array => withPrefix(PREFIX.value, stateKey);
export const treeLogKey = (height: bigint): Uint8Array => withPrefix(PREFIX.treeLog, u64ToBytes(height));

/** Binary tree levels per page: a page holds the nodes at depths 4·level … 4·level + 3. */
export const PAGE_DEPTH_BITS = 4;

/**
 * The key of the tree page at `level` (binary depth 4·level) on the path `path`:
 * p ‖ level u8 ‖ the first ceil(4·level / 8) bytes of the path with the bits from
 * 4·level on cleared. With `lastBit`, bit 4·level − 1 is set to it instead of taken from
 * the path (a child page's key from its parent's path).
 */
export function pageKey(level: number, path: Uint8Array, lastBit: -1 | 0 | 1 = -1): Uint8Array {
  const depth = level * PAGE_DEPTH_BITS;
  const bytes = (depth + 7) >>> 3;
  const key = new Uint8Array(2 + bytes);
  key[0] = PREFIX.page;
  key[1] = level;
  for (let i = 0; i < bytes; i++) key[2 + i] = path[i]!;
  const rest = depth & 7;
  if (rest !== 0) key[1 + bytes] = key[1 + bytes]! & (0xff << (8 - rest));
  if (lastBit !== -1) {
    const bit = depth - 1;
    const at = 2 + (bit >>> 3);
    const mask = 0x80 >>> (bit & 7);
    key[at] = lastBit === 1 ? key[at]! | mask : key[at]! & ~mask;
  }
  return key;
}

/** The first key after every key that starts with `prefix` (for range ends). */
export function prefixEnd(prefix: number): Uint8Array {
  return Uint8Array.of(prefix + 1);
}
