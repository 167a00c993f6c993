// Checks distribution, collection and payment by example: every rejection code of Pay,
// the per-payment and per-day limits (with the day boundary at midnight Beijing time,
// 23:59 vs 00:01 UTC+8), the payee's balance cap (sweep with a linked bank account,
// BALANCE_CAP without), idempotent payment ids, large-value reports, and exact messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransferKind } from '@tongbao/protocol';
import { getAccount, getPayment, getWallet } from '../queries.js';
import { cmd, expectOk, expectRejected, fundedChain, KEYS, OWNERS, yuan } from '../../../testing/harness.js';

const pay = (paymentId: string, fromWalletId: string, toWalletId: string, amount: bigint, memo = new Uint8Array(0)) =>
  cmd.pay({ paymentId, fromWalletId, toWalletId, amount, memo });

/** Milliseconds of a Beijing (UTC+8) wall-clock time. */
const beijing = (y: number, mo: number, d: number, h: number, mi: number) => BigInt(Date.UTC(y, mo - 1, d, h - 8, mi));

test('a payment moves money and records its id', () => {
  const chain = fundedChain();
  const receipt = expectOk(chain.run(OWNERS.alice, pay('p1', 'alice', 'bob', yuan(12n))));
  assert.equal(receipt.events.length, 1);
  const event = receipt.events[0]!.kind;
  assert.ok(event.case === 'transfer' && event.value.kind === TransferKind.PAY && event.value.fromAccount === 'wallet:alice' && event.value.toAccount === 'wallet:bob');
  assert.equal(getWallet(chain.state, 'alice')?.balance, yuan(4_988n));
  assert.equal(getWallet(chain.state, 'bob')?.balance, yuan(1_012n));
  assert.deepEqual({ ...getPayment(chain.state, 'alice', 'p1'), $typeName: undefined }, { $typeName: undefined, toWalletId: 'bob', amount: yuan(12n), height: chain.height });
});

test('PAYMENT_ID_USED: a retry never pays twice, whatever else it says', () => {
  const chain = fundedChain();
  expectOk(chain.run(OWNERS.alice, pay('p1', 'alice', 'bob', yuan(1n))));
  const retry = expectRejected(chain.run(OWNERS.alice, pay('p1', 'alice', 'bob', yuan(1n))), 'PAYMENT_ID_USED');
  assert.equal(retry.code, 114);
  // Different payee, an amount over the limit: still PAYMENT_ID_USED.
  expectRejected(chain.run(OWNERS.alice, pay('p1', 'alice', 'carol', yuan(999_999n))), 'PAYMENT_ID_USED');
  // Within one block too.
  const result = chain.block([chain.tx(OWNERS.alice, pay('p2', 'alice', 'bob', 1n)), chain.tx(OWNERS.alice, pay('p2', 'alice', 'bob', 1n))]);
  expectOk(result.receipts[0]!);
  expectRejected(result.receipts[1]!, 'PAYMENT_ID_USED');
  // The id is per payer wallet: bob may use "p1".
  expectOk(chain.run(OWNERS.bob, pay('p1', 'bob', 'alice', 1n)));
  // A failed payment does not use up its id.
  expectRejected(chain.run(OWNERS.alice, pay('p3', 'alice', 'bob', yuan(2_001n))), 'LIMIT_PER_PAYMENT');
  expectOk(chain.run(OWNERS.alice, pay('p3', 'alice', 'bob', yuan(2_000n))));
});

test('Pay rejections', () => {
  const chain = fundedChain();
  expectRejected(chain.run(OWNERS.alice, pay('p', 'alice', 'alice', 1n)), 'SAME_WALLET');
  expectRejected(chain.run(OWNERS.alice, pay('p', 'alice', 'bob', 0n)), 'MALFORMED_COMMAND');
  expectRejected(chain.run(OWNERS.alice, pay('', 'alice', 'bob', 1n)), 'MALFORMED_COMMAND');
  expectRejected(chain.run(OWNERS.alice, pay('p', 'alice', 'bob', 1n, new Uint8Array(1025))), 'MALFORMED_COMMAND');
  expectOk(chain.run(OWNERS.alice, pay('memo', 'alice', 'bob', 1n, new Uint8Array(1024))));
  expectRejected(chain.run(OWNERS.alice, pay('p', 'alice', 'ghost', 1n)), 'UNKNOWN_WALLET');
  expectRejected(chain.run(OWNERS.alice, pay('p', 'ghost', 'bob', 1n)), 'UNKNOWN_WALLET');
  expectRejected(chain.run(OWNERS.bob, pay('p', 'alice', 'bob', 1n)), 'UNAUTHORIZED');
  expectRejected(chain.run(KEYS.icbc, pay('p', 'alice', 'bob', 1n)), 'UNAUTHORIZED');
  const poor = expectRejected(chain.run(OWNERS.bob, pay('p', 'bob', 'alice', yuan(1_001n))), 'INSUFFICIENT_FUNDS');
  assert.equal(poor.message, 'wallet "bob" holds 1,000.01, less than the payment of 1,001.00');
});

test('LIMIT_PER_PAYMENT with the exact sentence', () => {
  const chain = fundedChain();
  const receipt = expectRejected(chain.run(OWNERS.alice, pay('p', 'alice', 'bob', yuan(3_000n))), 'LIMIT_PER_PAYMENT');
  assert.equal(receipt.code, 116);
  assert.equal(`${receipt.error}: ${receipt.message}`, 'LIMIT_PER_PAYMENT: payment of 3,000.00 exceeds the tier-4 per-payment limit of 2,000.00');
  // Tier 1 has no limits.
  expectOk(chain.run(OWNERS.carol, pay('big', 'carol', 'shop', yuan(50_000n))));
});

test('LIMIT_PER_DAY counts a calendar day in UTC+8: 23:59 and 00:01 are different days', () => {
  const chain = fundedChain();
  // alice: tier 4, 2,000 per payment, 5,000 per day, holds 5,000; top up so funds never bind.
  expectOk(chain.run(KEYS.icbc, cmd.setWalletTier({ walletId: 'bob', tier: 1 })));
  const day1 = (h: number, mi: number) => beijing(2026, 3, 10, h, mi);
  expectOk(chain.run(OWNERS.alice, pay('a', 'alice', 'bob', yuan(2_000n)), day1(9, 0)));
  expectOk(chain.run(OWNERS.alice, pay('b', 'alice', 'bob', yuan(2_000n)), day1(12, 0)));
  expectOk(chain.run(OWNERS.bob, pay('refill', 'bob', 'alice', yuan(5_000n)), day1(12, 30)));
  const over = expectRejected(chain.run(OWNERS.alice, pay('c', 'alice', 'bob', yuan(1_000n) + 1n), day1(23, 59)), 'LIMIT_PER_DAY');
  assert.equal(over.code, 117);
  assert.equal(over.message, 'payment of 1,000.01 would take today\'s payments from wallet "alice" to 5,000.01, above the tier-4 daily limit of 5,000.00');
  expectOk(chain.run(OWNERS.alice, pay('d', 'alice', 'bob', yuan(1_000n)), day1(23, 59)));
  // 00:01 Beijing on the next day is 16:01 UTC on the same UTC date: the window has reset.
  expectOk(chain.run(OWNERS.alice, pay('e', 'alice', 'bob', yuan(2_000n)), beijing(2026, 3, 11, 0, 1)));
  expectOk(chain.run(OWNERS.alice, pay('f', 'alice', 'bob', yuan(2_000n)), beijing(2026, 3, 11, 0, 2)));
  expectRejected(chain.run(OWNERS.alice, pay('g', 'alice', 'bob', yuan(1_001n)), beijing(2026, 3, 11, 0, 3)), 'LIMIT_PER_DAY');
});

test('payee over its cap: the excess is swept when linked, BALANCE_CAP when not', () => {
  const chain = fundedChain();
  // bob: tier 3, cap 20,000, holds 1,000, unlinked. carol: tier 2 (50,000 per payment), linked.
  const capped = expectRejected(chain.run(OWNERS.carol, pay('c1', 'carol', 'bob', yuan(19_001n))), 'BALANCE_CAP');
  assert.equal(capped.code, 118);
  assert.match(capped.message, /would take wallet "bob" to 20,001.00, above its tier-3 balance cap of 20,000.00/);
  expectOk(chain.run(OWNERS.carol, pay('c2', 'carol', 'bob', yuan(19_000n))));
  assert.equal(getWallet(chain.state, 'bob')?.balance, yuan(20_000n));

  expectOk(chain.run(KEYS.icbc, cmd.setBankLink({ walletId: 'bob', linked: true })));
  const vault = getAccount(chain.state, 'vault:icbc')!.balance;
  const swept = expectOk(chain.run(OWNERS.carol, pay('c3', 'carol', 'bob', yuan(300n))));
  const kinds = swept.events.map((e) => e.kind);
  assert.ok(kinds[0]?.case === 'transfer' && kinds[0].value.kind === TransferKind.PAY && kinds[0].value.amount === yuan(300n));
  assert.ok(kinds[1]?.case === 'transfer' && kinds[1].value.kind === TransferKind.SWEEP && kinds[1].value.toAccount === 'vault:icbc' && kinds[1].value.amount === yuan(300n));
  assert.ok(kinds[2]?.case === 'bankCreditRequested' && kinds[2].value.operatorId === 'icbc' && kinds[2].value.amount === yuan(300n) && kinds[2].value.reason === TransferKind.SWEEP);
  assert.equal(getWallet(chain.state, 'bob')?.balance, yuan(20_000n));
  assert.equal(getAccount(chain.state, 'vault:icbc')!.balance, vault + yuan(300n));

  // Partly over: only the excess is swept.
  expectOk(chain.run(OWNERS.bob, pay('b1', 'bob', 'alice', yuan(100n))));
  const partial = expectOk(chain.run(OWNERS.carol, pay('c4', 'carol', 'bob', yuan(250n))));
  const sweep = partial.events[1]!.kind;
  assert.ok(sweep.case === 'transfer' && sweep.value.amount === yuan(150n));
  assert.equal(getWallet(chain.state, 'bob')?.balance, yuan(20_000n));

  // A frozen payee cannot have its excess swept out.
  expectOk(chain.run(KEYS.regulator, cmd.freezeWallet({ walletId: 'bob', legalBasis: 'order' })));
  expectRejected(chain.run(OWNERS.carol, pay('c5', 'carol', 'bob', yuan(1n))), 'BALANCE_CAP');
});

test('distribute is capped without a sweep; collect returns funds with a bank credit', () => {
  const chain = fundedChain();
  // alice: tier 4 cap 10,000, holds 5,000.
  const capped = expectRejected(chain.run(KEYS.icbc, cmd.distribute({ walletId: 'alice', amount: yuan(5_000n) + 1n })), 'BALANCE_CAP');
  assert.match(capped.message, /distributing 5,000.01 would take wallet "alice" to 10,000.01, above the tier-4 balance cap of 10,000.00/);
  expectOk(chain.run(KEYS.icbc, cmd.distribute({ walletId: 'alice', amount: yuan(5_000n) })));
  expectRejected(chain.run(KEYS.boc, cmd.distribute({ walletId: 'alice', amount: 1n })), 'UNAUTHORIZED');
  expectRejected(chain.run(KEYS.icbc, cmd.distribute({ walletId: 'ghost', amount: 1n })), 'UNKNOWN_WALLET');
  expectRejected(chain.run(KEYS.icbc, cmd.distribute({ walletId: 'alice', amount: 0n })), 'MALFORMED_COMMAND');
  // Vault too small.
  expectOk(chain.run(KEYS.boc, cmd.openWallet({ walletId: 'rich', ownerPublicKey: OWNERS.mallory, tier: 1, kind: 1 })));
  expectRejected(chain.run(KEYS.boc, cmd.distribute({ walletId: 'rich', amount: yuan(20_000_000n) })), 'INSUFFICIENT_FUNDS');

  const collected = expectOk(chain.run(OWNERS.alice, cmd.collect({ walletId: 'alice', amount: yuan(10n) })));
  const [transfer, credit] = collected.events.map((e) => e.kind);
  assert.ok(transfer?.case === 'transfer' && transfer.value.kind === TransferKind.COLLECT && transfer.value.toAccount === 'vault:icbc');
  assert.ok(credit?.case === 'bankCreditRequested' && credit.value.reason === TransferKind.COLLECT && credit.value.amount === yuan(10n));
  expectRejected(chain.run(OWNERS.alice, cmd.collect({ walletId: 'alice', amount: yuan(10_000n) })), 'INSUFFICIENT_FUNDS');
  expectRejected(chain.run(OWNERS.bob, cmd.collect({ walletId: 'alice', amount: 1n })), 'UNAUTHORIZED');
});

test('payments at or above the large-value threshold are reported', () => {
  const chain = fundedChain();
  const big = expectOk(chain.run(OWNERS.carol, pay('big', 'carol', 'shop', yuan(50_000n))));
  const report = big.events.at(-1)!.kind;
  assert.ok(report.case === 'largeValuePayment' && report.value.amount === yuan(50_000n) && report.value.fromWalletId === 'carol');
  const small = expectOk(chain.run(OWNERS.carol, pay('small', 'carol', 'shop', yuan(49_999n))));
  assert.ok(small.events.every((e) => e.kind.case !== 'largeValuePayment'));
});
