import {
  BlockHeaderSchema,
  BlockSchema,
  blockHash,
  compareBytes,
  create,
  encode,
  merkleRoot,
  ReceiptSchema,
  u64ToBytes,
  utf8ToBytes,
  type HashFunction,
  type StateChange,
} from '@tongbao/protocol';
import type { BlockCommit, ChainStore } from '../chain-store.js';

/**
 * Deterministic blocks for storage tests, the crash child process and the benchmark.
 * Transactions are opaque bytes here (storage never interprets them), state keys are
 * `acct/<n>` drawn from a fixed key space, so blocks update, insert and delete.
 */

/** xorshift32: a small seeded generator, so every run and every child replays exactly. */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

export const stateKey = (n: number): Uint8Array => utf8ToBytes(`acct/${n.toString().padStart(8, '0')}`);

/** `count` distinct changes over keys 0..keySpace, about one in `deleteOneIn` a delete. */
export function randomChanges(random: () => number, count: number, keySpace: number, deleteOneIn = 5): StateChange[] {
  const picked = new Map<number, Uint8Array | undefined>();
  while (picked.size < Math.min(count, keySpace)) {
    const n = Math.floor(random() * keySpace);
    const value = random() * deleteOneIn < 1 ? undefined : u64ToBytes(BigInt(Math.floor(random() * 2 ** 40)));
    picked.set(n, value);
  }
  return [...picked.entries()].map(([n, value]) => ({ key: stateKey(n), value })).sort((a, b) => compareBytes(a.key, b.key));
}

export const GENESIS_BYTES = utf8ToBytes('storage-test-genesis');

/** Commits the genesis state (if not yet there) of `keys` accounts. */
export async function ensureGenesis(store: ChainStore, keys: number): Promise<void> {
  if (store.genesis() !== undefined) return;
  const changes: StateChange[] = [];
  for (let n = 0; n < keys; n++) changes.push({ key: stateKey(n), value: u64ToBytes(BigInt(n)) });
  await store.commitGenesis(GENESIS_BYTES, store.prepareState(changes));
}

/** The next block after the store's head, with `txCount` transactions and these state changes. */
export function nextBlock(store: ChainStore, hash: HashFunction, changes: readonly StateChange[], txCount: number, salt = 0): BlockCommit {
  const head = store.head();
  const height = (head?.height ?? 0n) + 1n;
  const prepared = store.prepareState(changes);
  const transactions: Uint8Array[] = [];
  for (let i = 0; i < txCount; i++) transactions.push(utf8ToBytes(`tx ${height} ${i} ${salt}`));
  const transactionIds = transactions.map((tx) => hash(tx));
  const receipts = transactionIds.map((transactionId, i) => create(ReceiptSchema, { transactionId, code: i % 3 === 0 ? 0 : 7 }));
  const header = create(BlockHeaderSchema, {
    chainId: 'storage-test',
    height,
    previousHash: head?.hash ?? new Uint8Array(hash(new Uint8Array(0)).length),
    timestampMs: 1_700_000_000_000n + height * 1000n,
    proposer: new Uint8Array(32),
    transactionCount: txCount,
    transactionsRoot: merkleRoot(hash, transactionIds),
    receiptsRoot: merkleRoot(hash, receipts.map((r) => hash(encode(ReceiptSchema, r)))),
    stateRoot: prepared.root,
  });
  const block = create(BlockSchema, { header, transactions });
  return { block, hash: blockHash(hash, header), receipts, transactionIds, prepared };
}
