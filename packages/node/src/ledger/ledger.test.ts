// Checks the ledger end to end on real storage: blocks link by hash and carry the
// roots of their transactions, receipts and state; balances are provable against a
// header; a reopened store resumes where it stopped; bad transactions never enter a
// block. Runs on the in-memory store and on LevelDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  blockHash,
  bytesToHex,
  decodeTransaction,
  decodeVerifiedTransaction,
  encode,
  equalBytes,
  merkleRoot,
  ReceiptSchema,
  transactionSigningBytes,
  TransactionSchema,
  utf8ToBytes,
  verifyStateProof,
  WalletKind,
} from '@tongbao/protocol';
import { LevelKeyValueStore, MemoryKeyValueStore, type KeyValueStore } from '@tongbao/storage';
import { getWallet, walletAccountKey } from '@tongbao/execution';
import { createDemoConsortium } from '../genesis/demo-consortium.js';
import { command, NonceSigner } from '../demo/signer.js';
import { Ledger, LedgerError } from './ledger.js';
import { auditConservation } from './audit-conservation.js';

const consortium = createDemoConsortium({ seed: 'ledger-test' });
const { suite, chainId } = consortium;
const MINUTE_MS = 60_000n;

function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-ledger-test-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Issues currency, opens two wallets and pays between them: six blocks. */
async function runScenario(ledger: Ledger): Promise<void> {
  const pboc = new NonceSigner(suite, chainId, consortium.centralBank.keys);
  const icbc = new NonceSigner(suite, chainId, consortium.operators[0]!.keys);
  const alice = ownerSigner(ledger, 'alice');
  let time = consortium.genesis.genesisTimeMs;
  const produce = (txs: Uint8Array[]) => ledger.produceBlock(txs, { timestampMs: (time += MINUTE_MS), proposer: consortium.centralBank.keys.publicKey });
  await produce([pboc.sign(command('setQuota', { operatorId: 'icbc', quota: 1_000_000_00n }))]);
  await produce([icbc.sign(command('requestIssuance', { requestId: 'r1', amount: 500_000_00n, reserveReference: 'RSV-1' }))]);
  await produce([pboc.sign(command('approveIssuance', { operatorId: 'icbc', requestId: 'r1' }))]);
  await produce([
    icbc.sign(command('openWallet', { walletId: 'alice', ownerPublicKey: alice.keys.publicKey, tier: 2, kind: WalletKind.PERSONAL, bankAccountLinked: true, identityEscrow: new Uint8Array(), parentWalletId: '' })),
    icbc.sign(command('openWallet', { walletId: 'shop', ownerPublicKey: ownerSigner(ledger, 'shop').keys.publicKey, tier: 2, kind: WalletKind.MERCHANT, bankAccountLinked: true, identityEscrow: new Uint8Array(), parentWalletId: '' })),
  ]);
  await produce([icbc.sign(command('distribute', { walletId: 'alice', amount: 10_000_00n }))]);
  await produce([
    alice.sign(command('pay', { paymentId: 'p1', fromWalletId: 'alice', toWalletId: 'shop', amount: 25_50n, memo: new Uint8Array() })),
    alice.sign(command('pay', { paymentId: 'p2', fromWalletId: 'alice', toWalletId: 'shop', amount: 3_000_000_00n, memo: new Uint8Array() })),
  ]);
}

function ownerSigner(ledger: Ledger, name: string): NonceSigner {
  return new NonceSigner(suite, chainId, ledger.suite.generateKeyPair(ledger.suite.hash(utf8ToBytes(`owner/${name}`))));
}

async function checkChain(ledger: Ledger): Promise<void> {
  const hash = ledger.suite.hash;
  let previous: Uint8Array = new Uint8Array(ledger.suite.hashBytes);
  for (let height = 1n; height <= ledger.height; height++) {
    const block = ledger.store.getBlock(height)!;
    const header = block.header!;
    assert.ok(equalBytes(header.previousHash, previous), `block ${height} links to block ${height - 1n}`);
    const ids = block.transactions.map((bytes) => {
      const tx = decodeTransaction(bytes);
      return hash(transactionSigningBytes(tx.chainId, tx.body!));
    });
    assert.equal(header.transactionCount, block.transactions.length);
    block.transactions.forEach((bytes, i) => assert.ok(equalBytes(ledger.transactionId(bytes), ids[i]!), `ledger.transactionId of transaction ${i} of block ${height}`));
    assert.ok(equalBytes(header.transactionsRoot, merkleRoot(hash, ids)), `block ${height} transactions root`);
    const receipts = ids.map((id) => ledger.store.getReceipt(id)!.receipt);
    assert.ok(equalBytes(header.receiptsRoot, merkleRoot(hash, receipts.map((r) => hash(encode(ReceiptSchema, r))))), `block ${height} receipts root`);
    previous = blockHash(hash, header);
  }
  assert.ok(equalBytes(ledger.store.head()!.hash, previous), 'the head is the last block');
  assert.ok(equalBytes(ledger.store.head()!.header.stateRoot, ledger.store.stateRoot()), 'head state root is the tree root');
}

test('the JavaScript state tree and the native one give the same chain, block for block', async () => {
  const ledgers = await Promise.all(
    (['auto', 'javascript'] as const).map((stateTree) => Ledger.open(new MemoryKeyValueStore(), consortium.genesis, { stateTree })),
  );
  for (const ledger of ledgers) await runScenario(ledger);
  const [native, reference] = ledgers as [Ledger, Ledger];
  assert.equal(native.store.stateTreeKind, 'native', 'npm ci builds the addon, so the default is the native tree');
  assert.equal(reference.store.stateTreeKind, 'javascript');
  assert.equal(native.height, 6n);
  for (let height = 1n; height <= native.height; height++) {
    assert.deepEqual(native.store.getBlock(height), reference.store.getBlock(height), `block ${height}`);
  }
  assert.deepEqual(native.store.stateRoot(), reference.store.stateRoot());
});

for (const [name, open] of [
  ['memory', async () => new MemoryKeyValueStore()],
  ['leveldb', async (dir: string) => LevelKeyValueStore.open(join(dir, 'db'))],
] as const) {
  test(`${name}: blocks link by hash and commit the roots of their transactions, receipts and state`, () =>
    withTempDir(async (dir) => {
      const kv: KeyValueStore = await open(dir);
      const ledger = await Ledger.open(kv, consortium.genesis);
      await runScenario(ledger);
      assert.equal(ledger.height, 6n);
      await checkChain(ledger);
      const audit = await auditConservation(ledger);
      assert.ok(audit.ok, 'money is conserved');
      assert.equal(audit.figures.supply, 500_000_00n);
      await kv.close();
    }));
}

test('a wallet balance is proven against the head header, and an unknown wallet is proven absent', async () => {
  const ledger = await Ledger.open(new MemoryKeyValueStore(), consortium.genesis);
  await runScenario(ledger);
  const head = ledger.store.head()!;
  const hash = ledger.suite.hash;
  const proof = ledger.store.proveState(walletAccountKey('alice'));
  assert.ok(proof.value !== undefined);
  assert.ok(verifyStateProof(hash, head.header.stateRoot, proof));
  assert.equal(getWallet(ledger.state, 'alice')!.balance, 10_000_00n - 25_50n);
  const absent = ledger.store.proveState(walletAccountKey('mallory'));
  assert.equal(absent.value, undefined);
  assert.ok(verifyStateProof(hash, head.header.stateRoot, absent));
  // The same proof does not verify against an older header's root.
  const older = ledger.store.getHeader(head.height - 1n)!;
  assert.ok(!verifyStateProof(hash, older.stateRoot, proof));
});

test('a reopened LevelDB ledger resumes at its head; another genesis is refused', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'db');
    let kv = await LevelKeyValueStore.open(path);
    let ledger = await Ledger.open(kv, consortium.genesis);
    await runScenario(ledger);
    const head = ledger.store.head()!;
    await kv.close();

    kv = await LevelKeyValueStore.open(path);
    ledger = await Ledger.open(kv, consortium.genesis);
    assert.equal(ledger.height, head.height);
    assert.equal(bytesToHex(ledger.store.head()!.hash), bytesToHex(head.hash));
    assert.equal(getWallet(ledger.state, 'alice')!.balance, 10_000_00n - 25_50n);
    await kv.close();

    kv = await LevelKeyValueStore.open(path);
    const other = createDemoConsortium({ seed: 'another chain' });
    await assert.rejects(Ledger.open(kv, other.genesis), (error: unknown) => error instanceof LedgerError && error.code === 'GENESIS_MISMATCH');
    await kv.close();
  }));

test('bad signatures, foreign chains and garbage are rejected before execution and never enter a block', async () => {
  const ledger = await Ledger.open(new MemoryKeyValueStore(), consortium.genesis);
  const pboc = new NonceSigner(suite, chainId, consortium.centralBank.keys);
  const good = pboc.sign(command('setQuota', { operatorId: 'icbc', quota: 5n }));
  const tampered = decodeTransaction(pboc.sign(command('setQuota', { operatorId: 'icbc', quota: 6n })));
  tampered.signature = new Uint8Array(64);
  const foreign = new NonceSigner(suite, 'another-chain', consortium.centralBank.keys).sign(command('setQuota', { operatorId: 'icbc', quota: 7n }));
  const block = await ledger.produceBlock([encode(TransactionSchema, tampered), good, foreign, Uint8Array.of(1, 2, 3)], {
    timestampMs: consortium.genesis.genesisTimeMs + 1n,
    proposer: consortium.centralBank.keys.publicKey,
  });
  assert.deepEqual(
    block.rejected.map((r) => [r.index, r.code]),
    [
      [0, 'BAD_SIGNATURE'],
      [2, 'WRONG_CHAIN'],
      [3, 'MALFORMED_ENCODING'],
    ],
  );
  assert.equal(block.header.transactionCount, 1);
  assert.equal(block.receipts[0]!.code, 0);
});

test('a block time before the previous block is refused and nothing is written', async () => {
  const ledger = await Ledger.open(new MemoryKeyValueStore(), consortium.genesis);
  const proposer = consortium.centralBank.keys.publicKey;
  await ledger.produceBlock([], { timestampMs: consortium.genesis.genesisTimeMs + 10n, proposer });
  await assert.rejects(
    ledger.produceBlock([], { timestampMs: consortium.genesis.genesisTimeMs + 9n, proposer }),
    (error: unknown) => error instanceof LedgerError && error.code === 'TIME_WENT_BACKWARDS',
  );
  assert.equal(ledger.height, 1n);
});

test('ordered transactions that cannot consume their nonce are left out, never recorded, and may come again', async () => {
  const inner = new MemoryKeyValueStore();
  let indexReads = 0;
  // Counts reads of the transaction index (X ‖ id): the nonce alone must rule out repeats.
  const kv: KeyValueStore = Object.create(inner, {
    get: { value: (key: Uint8Array) => (key[0] === 0x58 && indexReads++, inner.get(key)) },
  });
  const ledger = await Ledger.open(kv, consortium.genesis);
  const verified = (bytes: Uint8Array) => decodeVerifiedTransaction(ledger.suiteName, chainId, bytes);
  const pboc = consortium.centralBank.keys;
  const quota = (nonce: bigint, amount: bigint) => verified(new NonceSigner(suite, chainId, pboc, nonce).sign(command('setQuota', { operatorId: 'icbc', quota: amount })));
  const stranger = new NonceSigner(suite, chainId, ledger.suite.generateKeyPair(ledger.suite.hash(utf8ToBytes('stranger'))));
  let time = consortium.genesis.genesisTimeMs;
  const execute = (txs: ReturnType<typeof verified>[]) => ledger.executeOrdered(txs, { timestampMs: (time += MINUTE_MS), proposer: pboc.publicKey });

  const first = quota(0n, 1n);
  const early = quota(2n, 3n); // its turn comes after nonce 1
  const strangers = verified(stranger.sign(command('setQuota', { operatorId: 'icbc', quota: 9n })));
  const block1 = await execute([first, early, first, strangers]);
  assert.deepEqual(block1.executed.map((tx) => tx.id), [first.id]);
  assert.equal(block1.header.transactionCount, 1);
  assert.deepEqual(
    block1.rejected.map((r) => [r.index, r.code]),
    [
      [1, 'NONCE_MISMATCH'],
      [2, 'NONCE_MISMATCH'],
      [3, 'UNKNOWN_SENDER'],
    ],
  );
  assert.match(block1.rejected[0]!.message, /nonce 2 is not this sender's next nonce 1/);
  assert.equal(ledger.store.getTransaction(early.id), undefined, 'a discarded transaction is not recorded');

  // The repeat of a committed transaction is left out; the early one, sent again in its turn, commits.
  const block2 = await execute([first, quota(1n, 2n), early]);
  assert.deepEqual(block2.rejected.map((r) => [r.index, r.code]), [[0, 'NONCE_MISMATCH']]);
  assert.equal(block2.receipts.length, 2);
  assert.ok(block2.receipts.every((receipt) => receipt.code === 0));
  assert.deepEqual(ledger.store.getTransaction(early.id)?.height, 2n);
  assert.deepEqual(ledger.store.getTransaction(first.id)?.height, 1n);
  assert.equal(indexReads, 3, 'the index is read only by the three lookups above');
  await checkChain(ledger);
});

test('node.state_tree_cached_pages_max bounds the pages the ledger keeps decoded, and changes no result', async () => {
  const ledgers = [
    await Ledger.open(new MemoryKeyValueStore(), consortium.genesis, { stateTreeCachedPagesMax: 0 }),
    await Ledger.open(new MemoryKeyValueStore(), consortium.genesis),
  ];
  for (const ledger of ledgers) await runScenario(ledger);
  assert.deepEqual(ledgers[0]!.store.head()!.header.stateRoot, ledgers[1]!.store.head()!.header.stateRoot);
  assert.equal(ledgers[0]!.store.stateTreeCachedPages(), 0, 'no cache');
  assert.ok(ledgers[1]!.store.stateTreeCachedPages() > 0, 'the default cache holds pages');
});
