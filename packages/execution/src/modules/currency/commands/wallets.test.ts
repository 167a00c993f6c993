// Checks the wallet lifecycle by example: opening (ids, keys, tiers, kinds, escrow size,
// merchant sub-wallets), tier and bank-link changes by the wallet's own operator only,
// closing (balance swept to the vault with a bank-credit event; closed wallets neither
// pay nor are paid; the id stays taken), and regulator freezes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransferKind, WalletStatus } from '@tongbao/protocol';
import { getAccount, getNextNonce, getWallet } from '../queries.js';
import { cmd, expectOk, expectRejected, fundedChain, KEYS, OWNERS, testKey, yuan } from '../../../testing/harness.js';

const open = (walletId: string, extra: Parameters<typeof cmd.openWallet>[0] = {}) =>
  cmd.openWallet({ walletId, ownerPublicKey: testKey(walletId), tier: 3, kind: 1, ...extra });

test('opening wallets', () => {
  const chain = fundedChain();
  expectOk(chain.run(KEYS.icbc, open('dave@phone.1')));
  const view = getWallet(chain.state, 'dave@phone.1')!;
  assert.equal(view.wallet.operatorId, 'icbc');
  assert.equal(view.wallet.status, WalletStatus.OPEN);
  assert.equal(view.balance, 0n);
  assert.equal(getNextNonce(chain.state, testKey('dave@phone.1')), 0n);
  const taken = expectRejected(chain.run(KEYS.boc, open('dave@phone.1')), 'WALLET_ID_TAKEN');
  assert.equal(taken.code, 107);
  expectRejected(chain.run(KEYS.icbc, open('')), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, open('x'.repeat(65))), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, open('has/slash')), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, open('t0', { tier: 0 })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, open('t5', { tier: 5 })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, open('k0', { kind: 0 })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, open('k', { ownerPublicKey: new Uint8Array(33) })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, open('k', { ownerPublicKey: new Uint8Array(0) })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, open('e', { identityEscrow: new Uint8Array(1025) })), 'MALFORMED_COMMAND');
  expectOk(chain.run(KEYS.icbc, open('e', { identityEscrow: new Uint8Array(1024) })));
  // A second wallet for the same key (e.g. at another operator) keeps the key's nonce.
  expectOk(chain.run(OWNERS.alice, cmd.collect({ walletId: 'alice', amount: 1n })));
  expectOk(chain.run(KEYS.boc, open('alice-2', { ownerPublicKey: OWNERS.alice })));
  assert.equal(getNextNonce(chain.state, OWNERS.alice), 1n);
});

test('merchant sub-wallets', () => {
  const chain = fundedChain();
  // "shop" is a merchant wallet of boc.
  expectOk(chain.run(KEYS.boc, open('shop-1', { kind: 2, parentWalletId: 'shop' })));
  assert.equal(getAccount(chain.state, 'wallet:shop-1')?.kind, 4 /* MERCHANT */);
  const cases: [Uint8Array, Parameters<typeof cmd.openWallet>[0]][] = [
    [KEYS.icbc, { kind: 2, parentWalletId: 'shop' }], // another operator's merchant
    [KEYS.boc, { kind: 2, parentWalletId: 'carol' }], // a personal wallet
    [KEYS.boc, { kind: 2, parentWalletId: 'nobody' }],
    [KEYS.boc, { kind: 1, parentWalletId: 'shop' }], // a personal sub-wallet
  ];
  cases.forEach(([key, extra], i) => expectRejected(chain.run(key, open(`sub-${i}`, extra)), 'PARENT_WALLET_INVALID'));
  expectRejected(chain.run(KEYS.boc, open('self', { kind: 2, parentWalletId: 'self' })), 'PARENT_WALLET_INVALID');
});

test('tier and bank link: only the wallet\'s own operator', () => {
  const chain = fundedChain();
  expectOk(chain.run(KEYS.icbc, cmd.setWalletTier({ walletId: 'alice', tier: 2 })));
  assert.equal(getWallet(chain.state, 'alice')?.wallet.tier, 2);
  const foreign = expectRejected(chain.run(KEYS.boc, cmd.setWalletTier({ walletId: 'alice', tier: 1 })), 'UNAUTHORIZED');
  assert.match(foreign.message, /customer of icbc/);
  expectRejected(chain.run(KEYS.icbc, cmd.setWalletTier({ walletId: 'alice', tier: 9 })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, cmd.setWalletTier({ walletId: 'ghost', tier: 1 })), 'UNKNOWN_WALLET');
  expectOk(chain.run(KEYS.icbc, cmd.setBankLink({ walletId: 'alice', linked: true })));
  assert.equal(getWallet(chain.state, 'alice')?.wallet.bankAccountLinked, true);
  expectRejected(chain.run(KEYS.boc, cmd.setBankLink({ walletId: 'alice', linked: false })), 'UNAUTHORIZED');
});

test('closing sweeps the balance to the vault; a closed wallet neither pays nor is paid', () => {
  const chain = fundedChain();
  const vaultBefore = getAccount(chain.state, 'vault:icbc')!.balance;
  const closed = expectOk(chain.run(KEYS.icbc, cmd.closeWallet({ walletId: 'bob' })));
  const [transfer, credit] = closed.events.map((e) => e.kind);
  assert.ok(transfer?.case === 'transfer' && transfer.value.kind === TransferKind.CLOSE && transfer.value.amount === yuan(1_000n));
  assert.ok(credit?.case === 'bankCreditRequested' && credit.value.walletId === 'bob' && credit.value.reason === TransferKind.CLOSE);
  assert.equal(getAccount(chain.state, 'vault:icbc')!.balance, vaultBefore + yuan(1_000n));
  assert.equal(getWallet(chain.state, 'bob')?.wallet.status, WalletStatus.CLOSED);
  assert.equal(getWallet(chain.state, 'bob')?.balance, 0n);
  expectRejected(chain.run(OWNERS.bob, cmd.pay({ paymentId: 'p', fromWalletId: 'bob', toWalletId: 'alice', amount: 1n })), 'WALLET_CLOSED');
  expectRejected(chain.run(OWNERS.alice, cmd.pay({ paymentId: 'p', fromWalletId: 'alice', toWalletId: 'bob', amount: 1n })), 'WALLET_CLOSED');
  expectRejected(chain.run(KEYS.icbc, cmd.distribute({ walletId: 'bob', amount: 1n })), 'WALLET_CLOSED');
  expectRejected(chain.run(KEYS.icbc, cmd.closeWallet({ walletId: 'bob' })), 'WALLET_CLOSED');
  expectRejected(chain.run(KEYS.icbc, open('bob')), 'WALLET_ID_TAKEN');
  expectRejected(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'bob', legalBasis: 'x' })), 'WALLET_CLOSED');
  expectRejected(chain.run(KEYS.boc, cmd.closeWallet({ walletId: 'alice' })), 'UNAUTHORIZED');
  // An empty wallet closes without any transfer.
  expectOk(chain.run(KEYS.icbc, open('empty')));
  assert.equal(expectOk(chain.run(KEYS.icbc, cmd.closeWallet({ walletId: 'empty' }))).events.length, 0);
});

test('freeze: no debits until unfrozen; credits still arrive', () => {
  const chain = fundedChain();
  expectRejected(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'alice', legalBasis: '' })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'alice', legalBasis: 'x'.repeat(513) })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'ghost', legalBasis: 'order' })), 'UNKNOWN_WALLET');
  expectRejected(chain.run(KEYS.regulator, cmd.unfreezeWallet({ walletId: 'alice', legalBasis: 'order' })), 'WALLET_NOT_FROZEN');
  expectOk(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'alice', legalBasis: 'court order 2026-17' })));
  assert.equal(getWallet(chain.state, 'alice')?.wallet.legalBasis, 'court order 2026-17');
  expectRejected(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'alice', legalBasis: 'again' })), 'WALLET_ALREADY_FROZEN');
  const frozen = expectRejected(chain.run(OWNERS.alice, cmd.pay({ paymentId: 'p', fromWalletId: 'alice', toWalletId: 'bob', amount: 1n })), 'WALLET_FROZEN');
  assert.match(frozen.message, /court order 2026-17/);
  expectRejected(chain.run(OWNERS.alice, cmd.collect({ walletId: 'alice', amount: 1n })), 'WALLET_FROZEN');
  expectRejected(chain.run(KEYS.icbc, cmd.closeWallet({ walletId: 'alice' })), 'WALLET_FROZEN');
  expectOk(chain.run(OWNERS.bob, cmd.pay({ paymentId: 'in', fromWalletId: 'bob', toWalletId: 'alice', amount: 1n })));
  expectOk(chain.run(KEYS.icbc, cmd.distribute({ walletId: 'alice', amount: 1n })));
  expectOk(chain.run(KEYS.regulator, cmd.unfreezeWallet({ walletId: 'alice', legalBasis: 'order lifted' })));
  expectOk(chain.run(OWNERS.alice, cmd.pay({ paymentId: 'p', fromWalletId: 'alice', toWalletId: 'bob', amount: 1n })));
});

// Found in review: protobuf's UTF-8 decoding drops a leading byte-order mark, so a record
// storing one could never be read back canonically and the next block touching it would
// halt the chain. Such text (and lone surrogates) is refused before anything is written.
test('text that would not read back as itself is refused and the chain keeps going', () => {
  const chain = fundedChain();
  expectRejected(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'alice', legalBasis: '\uFEFFcourt order' })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'alice', legalBasis: 'order \uD800' })), 'MALFORMED_COMMAND');
  expectOk(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'alice', legalBasis: 'court order 2026-18' })));
  const frozen = expectRejected(chain.run(OWNERS.alice, cmd.pay({ paymentId: 'p', fromWalletId: 'alice', toWalletId: 'bob', amount: 1n })), 'WALLET_FROZEN');
  assert.match(frozen.message, /court order 2026-18/);
});
