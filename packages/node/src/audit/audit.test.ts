// Checks the offline audit: it passes on an honest chain, and on a store tampered with
// underneath (a transaction's bytes, a state value) it stops at the first violation and
// names the block and the reason. Tampering writes raw records at the keys the storage
// README documents (b ‖ height ‖ T, v ‖ state key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatBytes, u64ToBytes, WalletKind } from '@tongbao/protocol';
import { ChainStore, LevelKeyValueStore, StorageError } from '@tongbao/storage';
import { walletAccountKey } from '@tongbao/execution';
import { createDemoConsortium } from '../genesis/demo-consortium.js';
import { command, NonceSigner } from '../demo/signer.js';
import { Ledger } from '../ledger/ledger.js';
import { auditChain, AuditViolation } from './audit.js';

const consortium = createDemoConsortium({ seed: 'audit-test' });
const { suite, chainId } = consortium;

async function buildChain(path: string): Promise<void> {
  const kv = await LevelKeyValueStore.open(path);
  const ledger = await Ledger.open(kv, consortium.genesis);
  const pboc = new NonceSigner(suite, chainId, consortium.centralBank.keys);
  const icbc = new NonceSigner(suite, chainId, consortium.operators[0]!.keys);
  const alice = new NonceSigner(suite, chainId, ledger.suite.generateKeyPair(new Uint8Array(32).fill(1)));
  let time = consortium.genesis.genesisTimeMs;
  const produce = (txs: Uint8Array[]) => ledger.produceBlock(txs, { timestampMs: (time += 1000n), proposer: consortium.validators[0]!.keys.publicKey });
  await produce([pboc.sign(command('setQuota', { operatorId: 'icbc', quota: 1_000_00n }))]);
  await produce([icbc.sign(command('requestIssuance', { requestId: 'r', amount: 1_000_00n, reserveReference: 'R' }))]);
  await produce([pboc.sign(command('approveIssuance', { operatorId: 'icbc', requestId: 'r' }))]);
  await produce([
    icbc.sign(command('openWallet', { walletId: 'alice', ownerPublicKey: alice.keys.publicKey, tier: 1, kind: WalletKind.PERSONAL, bankAccountLinked: false, identityEscrow: new Uint8Array(), parentWalletId: '' })),
    icbc.sign(command('distribute', { walletId: 'alice', amount: 500_00n })),
  ]);
  await kv.close();
}

async function withChain(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-audit-test-'));
  try {
    const path = join(dir, 'db');
    await buildChain(path);
    await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function audit(path: string) {
  const kv = await LevelKeyValueStore.open(path);
  try {
    const store = await ChainStore.open(kv, { hash: (await Ledger.open(kv, consortium.genesis)).suite.hash });
    return await auditChain(store, consortium.genesis);
  } finally {
    await kv.close();
  }
}

test('an honest chain passes the audit with every figure', () =>
  withChain(async (path) => {
    const summary = await audit(path);
    assert.equal(summary.blocks, 4n);
    assert.equal(summary.transactions, 5);
    assert.equal(summary.supply, 1_000_00n);
  }));

test('a tampered transaction is found at its block: its signature no longer verifies', () =>
  withChain(async (path) => {
    const kv = await LevelKeyValueStore.open(path);
    // Block 2's transactions, one record (b ‖ height ‖ T): its last byte is the last transaction's signature's.
    const key = concatBytes(Uint8Array.of(0x62), u64ToBytes(2n), Uint8Array.of(0x54));
    const bytes = kv.get(key)!.slice();
    bytes[bytes.length - 1]! ^= 0xff;
    await kv.write([{ type: 'put', key, value: bytes }]);
    await kv.close();
    await assert.rejects(audit(path), (error: unknown) => error instanceof AuditViolation && error.height === 2n && error.code === 'INVALID_TRANSACTION');
  }));

test('a tampered state value is found: the stored state no longer matches re-execution', () =>
  withChain(async (path) => {
    const kv = await LevelKeyValueStore.open(path);
    const key = concatBytes(Uint8Array.of(0x76), walletAccountKey('alice'));
    const value = kv.get(key)!;
    await kv.write([{ type: 'put', key, value: concatBytes(value.subarray(0, value.length - 1), Uint8Array.of(value[value.length - 1]! ^ 1)) }]);
    await kv.close();
    // Found when opening (the key is in the tree log, so its value is re-hashed into the
    // root), by the store's full check, or by re-execution, whichever comes first.
    await assert.rejects(
      audit(path),
      (error: unknown) =>
        (error instanceof AuditViolation && ['STATE_MISMATCH', 'CORRUPT_STORE'].includes(error.code)) ||
        (error instanceof StorageError && error.code === 'CORRUPT_STORE'),
    );
  }));
