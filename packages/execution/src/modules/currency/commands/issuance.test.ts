// Checks two-tier issuance by example: quotas, requests, approval within quota (and
// QUOTA_EXCEEDED beyond it), double approval and rejection, redemption with its
// outstanding bookkeeping, INSUFFICIENT_FUNDS, and the Transfer events and supply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IssuanceRequestStatus, TransferKind } from '@tongbao/protocol';
import { getAccount, getIssuanceRequest, getMoneySupply, getOperatorQuota } from '../queries.js';
import { cmd, expectOk, expectRejected, KEYS, TestChain, yuan } from '../../../testing/harness.js';

const request = (requestId: string, amount: bigint, reserveReference = 'reserve') => cmd.requestIssuance({ requestId, amount, reserveReference });

test('happy path: quota, request, approval, redemption', () => {
  const chain = new TestChain();
  expectOk(chain.run(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: yuan(1_000n) })));
  expectOk(chain.run(KEYS.icbc, request('r1', yuan(600n))));
  assert.equal(getIssuanceRequest(chain.state, 'icbc', 'r1')?.status, IssuanceRequestStatus.PENDING);
  assert.equal(getMoneySupply(chain.state), 0n, 'a request alone issues nothing');
  const approved = expectOk(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'r1' })));
  const transfer = approved.events[0]!.kind;
  assert.equal(transfer.case, 'transfer');
  assert.deepEqual(
    transfer.case === 'transfer' && { kind: transfer.value.kind, from: transfer.value.fromAccount, to: transfer.value.toAccount, amount: transfer.value.amount },
    { kind: TransferKind.ISSUE, from: 'issuance', to: 'vault:icbc', amount: yuan(600n) },
  );
  assert.equal(getMoneySupply(chain.state), yuan(600n));
  assert.equal(getAccount(chain.state, 'vault:icbc')?.balance, yuan(600n));
  assert.deepEqual(getOperatorQuota(chain.state, 'icbc'), { quota: yuan(1_000n), outstanding: yuan(600n) });
  assert.equal(getIssuanceRequest(chain.state, 'icbc', 'r1')?.status, IssuanceRequestStatus.APPROVED);

  expectOk(chain.run(KEYS.icbc, cmd.redeem({ amount: yuan(100n), reserveReference: 'back' })));
  assert.equal(getMoneySupply(chain.state), yuan(500n));
  assert.deepEqual(getOperatorQuota(chain.state, 'icbc'), { quota: yuan(1_000n), outstanding: yuan(500n) });
});

test('QUOTA_EXCEEDED: outstanding + amount must stay within the quota', () => {
  const chain = new TestChain();
  expectOk(chain.run(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: yuan(1_000n) })));
  expectOk(chain.run(KEYS.icbc, request('a', yuan(700n))));
  expectOk(chain.run(KEYS.icbc, request('b', yuan(301n))));
  expectOk(chain.run(KEYS.icbc, request('c', yuan(300n))));
  expectOk(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'a' })));
  const over = expectRejected(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'b' })), 'QUOTA_EXCEEDED');
  assert.equal(over.code, 104);
  assert.equal(over.message, "approving 301.00 would take icbc's outstanding issuance to 1,001.00, above its quota of 1,000.00");
  // Exactly at the quota is fine.
  expectOk(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'c' })));
  // The rejected approval left b pending.
  assert.equal(getIssuanceRequest(chain.state, 'icbc', 'b')?.status, IssuanceRequestStatus.PENDING);
  assert.equal(getMoneySupply(chain.state), yuan(1_000n));
});

test('request and decision rules', () => {
  const chain = new TestChain();
  expectOk(chain.run(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: yuan(1_000n) })));
  expectOk(chain.run(KEYS.icbc, request('r', yuan(1n))));
  expectRejected(chain.run(KEYS.icbc, request('r', yuan(2n))), 'REQUEST_ID_USED');
  // Request ids are per operator.
  expectOk(chain.run(KEYS.boc, request('r', yuan(2n))));
  expectRejected(chain.run(KEYS.icbc, request('z', 0n)), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, request('z', 1n, '')), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, request('no spaces', 1n)), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, request('z', 1n, 'x'.repeat(257))), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'nope' })), 'UNKNOWN_REQUEST');
  expectRejected(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'regulator', requestId: 'r' })), 'UNKNOWN_OPERATOR');
  expectRejected(chain.run(KEYS.centralBank, cmd.setQuota({ operatorId: 'pboc', quota: 1n })), 'UNKNOWN_OPERATOR');
  expectOk(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'r' })));
  const twice = expectRejected(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'r' })), 'REQUEST_NOT_PENDING');
  assert.match(twice.message, /already approved/);
  expectRejected(chain.run(KEYS.centralBank, cmd.rejectIssuance({ operatorId: 'icbc', requestId: 'r' })), 'REQUEST_NOT_PENDING');
  expectOk(chain.run(KEYS.centralBank, cmd.rejectIssuance({ operatorId: 'boc', requestId: 'r', reason: 'no reserves' })));
  assert.equal(getIssuanceRequest(chain.state, 'boc', 'r')?.rejectionReason, 'no reserves');
  expectRejected(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'boc', requestId: 'r' })), 'REQUEST_NOT_PENDING');
  assert.equal(getMoneySupply(chain.state), yuan(1n));
});

test('redeem: INSUFFICIENT_FUNDS, and outstanding stops at zero', () => {
  const chain = new TestChain();
  expectOk(chain.run(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: yuan(1_000n) })));
  expectOk(chain.run(KEYS.icbc, request('r', yuan(10n))));
  expectOk(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'r' })));
  const short = expectRejected(chain.run(KEYS.icbc, cmd.redeem({ amount: yuan(11n), reserveReference: 'x' })), 'INSUFFICIENT_FUNDS');
  assert.equal(short.message, 'vault:icbc holds 10.00, less than the 11.00 to move');
  expectRejected(chain.run(KEYS.icbc, cmd.redeem({ amount: 0n, reserveReference: 'x' })), 'MALFORMED_COMMAND');
  expectRejected(chain.run(KEYS.icbc, cmd.redeem({ amount: 1n, reserveReference: '' })), 'MALFORMED_COMMAND');
  expectOk(chain.run(KEYS.icbc, cmd.redeem({ amount: yuan(10n), reserveReference: 'x' })));
  assert.deepEqual(getOperatorQuota(chain.state, 'icbc'), { quota: yuan(1_000n), outstanding: 0n });
});

test('AMOUNT_OVERFLOW: the supply cannot leave the signed 64-bit range', () => {
  const chain = new TestChain();
  const max = (1n << 64n) - 1n;
  expectOk(chain.run(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: max })));
  expectOk(chain.run(KEYS.icbc, request('big', (1n << 63n) - 1n)));
  expectOk(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'big' })));
  expectOk(chain.run(KEYS.icbc, request('more', 2n)));
  expectRejected(chain.run(KEYS.centralBank, cmd.approveIssuance({ operatorId: 'icbc', requestId: 'more' })), 'AMOUNT_OVERFLOW');
});
