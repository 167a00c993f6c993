// Checks the application interface's envelope rules: unknown senders and wrong nonces
// are discarded and change nothing, a consumed nonce survives a failed command, the authorization matrix
// (every command from every role), mempool admission, proposal selection and limits,
// and that finalizeBlock's change set is sorted and one entry per key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareBytes, type VerifiedTransaction } from '@tongbao/protocol';
import { getNextNonce, getWallet } from './modules/currency/queries.js';
import { cmd, CHAIN_ID, expectOk, expectRejected, fundedChain, KEYS, makeTransaction, OWNERS, openWallet, TestChain, testKey, yuan } from './testing/harness.js';
import { createApplication } from './application.js';

test('an unknown sender is discarded with UNKNOWN_SENDER: no receipt, no change', () => {
  const chain = new TestChain();
  const result = chain.block([chain.tx(testKey('stranger'), cmd.setQuota({ operatorId: 'icbc', quota: 1n }))]);
  assert.deepEqual(result.discarded.map((d) => [d.index, d.error, d.code]), [[0, 'UNKNOWN_SENDER', 1]]);
  assert.deepEqual(result.receipts, []);
  assert.deepEqual(result.changes, []);
});

test('a nonce that is not the next is discarded with NONCE_MISMATCH: no receipt, no change', () => {
  const chain = new TestChain();
  for (const nonce of [1n, 5n]) {
    const result = chain.block([chain.tx(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: 1n }), nonce)]);
    assert.deepEqual(result.discarded.map((d) => [d.index, d.error]), [[0, 'NONCE_MISMATCH']]);
    assert.match(result.discarded[0]!.message, /next nonce 0/);
    assert.deepEqual(result.receipts, []);
    assert.deepEqual(result.changes, []);
  }
  expectOk(chain.run(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: 1n })));
  // Replaying nonce 0 now is discarded; in one block, the first of two with one nonce wins.
  const replay = chain.block([
    chain.tx(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: 2n }), 0n),
    chain.tx(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: 3n }), 1n),
    chain.tx(KEYS.centralBank, cmd.setQuota({ operatorId: 'icbc', quota: 4n }), 1n),
  ]);
  assert.deepEqual(replay.discarded.map((d) => [d.index, d.error]), [[0, 'NONCE_MISMATCH'], [2, 'NONCE_MISMATCH']]);
  assert.equal(replay.receipts.length, 1);
  expectOk(replay.receipts[0]!);
});

test('a failed command consumes the nonce and nothing else', () => {
  const chain = new TestChain();
  const result = chain.block([chain.tx(KEYS.centralBank, cmd.setQuota({ operatorId: 'ghost', quota: 1n }))]);
  expectRejected(result.receipts[0]!, 'UNKNOWN_OPERATOR');
  assert.equal(result.receipts[0]!.events.length, 0);
  assert.equal(result.changes.length, 1);
  assert.equal(getNextNonce(chain.state, KEYS.centralBank), 1n);
  // A malformed one too.
  const malformed = chain.block([chain.tx(KEYS.centralBank, cmd.setQuota({ operatorId: '', quota: 1n }))]);
  expectRejected(malformed.receipts[0]!, 'MALFORMED_COMMAND');
  assert.equal(getNextNonce(chain.state, KEYS.centralBank), 2n);
});

test('a failed payment leaves balances untouched even mid-way (overlay discarded)', () => {
  const chain = fundedChain();
  const before = [...chain.state.entries.entries()].map(([k, v]) => [k, v.value]);
  const result = chain.block([chain.tx(OWNERS.alice, cmd.pay({ paymentId: 'p', fromWalletId: 'alice', toWalletId: 'bob', amount: yuan(2_001n) }))]);
  expectRejected(result.receipts[0]!, 'LIMIT_PER_PAYMENT');
  const after = new Map([...chain.state.entries.entries()].map(([k, v]) => [k, v.value]));
  const changed = before.filter(([k, v]) => after.get(k as string) !== v).length;
  assert.equal(changed, 1, 'only the signer record changed');
});

test('changes are sorted by key with one entry per key', () => {
  const chain = fundedChain();
  const txs = [1, 2, 3].map((i) => chain.tx(OWNERS.alice, cmd.pay({ paymentId: `p${i}`, fromWalletId: 'alice', toWalletId: 'bob', amount: 100n })));
  const result = chain.block(txs);
  result.receipts.forEach(expectOk);
  for (let i = 1; i < result.changes.length; i++) assert.ok(compareBytes(result.changes[i - 1]!.key, result.changes[i]!.key) < 0);
});

type Role = 'centralBank' | 'icbc' | 'boc' | 'regulator' | 'enterprise' | 'aliceOwner' | 'mallory';

test('authorization matrix: every command from every role', () => {
  const chain = fundedChain();
  openWallet(chain, { id: 'mal', operator: 'boc', owner: OWNERS.mallory, tier: 4 });
  const senders: Record<Role, Uint8Array> = {
    centralBank: KEYS.centralBank,
    icbc: KEYS.icbc,
    boc: KEYS.boc,
    regulator: KEYS.regulator,
    enterprise: KEYS.enterprise,
    aliceOwner: OWNERS.alice,
    mallory: OWNERS.mallory,
  };
  // Which roles may send each command (icbc is alice's operator, boc is not).
  const matrix: [string, ReturnType<typeof cmd.pay>, Role[]][] = [
    ['setQuota', cmd.setQuota({ operatorId: 'icbc', quota: yuan(100_000_000n) }), ['centralBank']],
    ['requestIssuance', cmd.requestIssuance({ requestId: 'm', amount: 1n, reserveReference: 'r' }), ['icbc', 'boc']],
    ['approveIssuance', cmd.approveIssuance({ operatorId: 'icbc', requestId: 'm' }), ['centralBank']],
    ['rejectIssuance', cmd.rejectIssuance({ operatorId: 'boc', requestId: 'm' }), ['centralBank']],
    ['redeem', cmd.redeem({ amount: 1n, reserveReference: 'r' }), ['icbc', 'boc']],
    ['setWalletTier', cmd.setWalletTier({ walletId: 'alice', tier: 4 }), ['icbc']],
    ['setBankLink', cmd.setBankLink({ walletId: 'alice', linked: false }), ['icbc']],
    ['distribute', cmd.distribute({ walletId: 'alice', amount: 1n }), ['icbc']],
    ['collect', cmd.collect({ walletId: 'alice', amount: 1n }), ['aliceOwner']],
    ['freezeWallet', cmd.freezeWallet({ walletId: 'alice', legalBasis: 'order 1' }), ['regulator']],
    ['unfreezeWallet', cmd.unfreezeWallet({ walletId: 'alice', legalBasis: 'order 2' }), ['regulator']],
    ['pay', cmd.pay({ paymentId: 'x', fromWalletId: 'alice', toWalletId: 'bob', amount: 1n }), ['aliceOwner']],
    ['closeWallet', cmd.closeWallet({ walletId: 'bob' }), ['icbc']],
  ];
  for (const [name, kind, allowed] of matrix) {
    for (const role of Object.keys(senders) as Role[]) {
      // Each command in its own block from a role, every role in turn.
      const receipt = chain.run(senders[role], kind);
      const verdict = `${name} from ${role}: ${receipt.error} ${receipt.message}`;
      if (allowed.includes(role)) {
        // The first allowed sender succeeds; a second one may hit a state rule, never authorization.
        assert.notEqual(receipt.error, 'UNAUTHORIZED', verdict);
      } else {
        assert.equal(receipt.error, 'UNAUTHORIZED', verdict);
      }
    }
  }
  // An openWallet from each role.
  for (const role of Object.keys(senders) as Role[]) {
    const receipt = chain.run(senders[role], cmd.openWallet({ walletId: `w-${role}`, ownerPublicKey: testKey(role), tier: 4, kind: 1 }));
    if (role === 'icbc' || role === 'boc') expectOk(receipt);
    else expectRejected(receipt, 'UNAUTHORIZED');
  }
});

test('checkTransaction admits what the next block would accept and turns away the hopeless', () => {
  const chain = fundedChain();
  const app = chain.app;
  expectOk(chain.run(OWNERS.alice, cmd.pay({ paymentId: 'warm-up', fromWalletId: 'alice', toWalletId: 'bob', amount: 1n })));
  const nonce = getNextNonce(chain.state, OWNERS.alice)!;
  const pay = (n: bigint, id: string, from = 'alice', amount = 100n) =>
    makeTransaction(OWNERS.alice, n, cmd.pay({ paymentId: id, fromWalletId: from, toWalletId: 'shop', amount }));
  assert.deepEqual(app.checkTransaction(pay(nonce, 'a'), chain.state), { ok: true });
  assert.deepEqual(app.checkTransaction(pay(nonce + 3n, 'a'), chain.state), { ok: true });
  const stale = app.checkTransaction(pay(nonce - 1n, 'a'), chain.state);
  assert.equal(stale.ok === false && stale.error, 'NONCE_MISMATCH');
  const stranger = app.checkTransaction(makeTransaction(testKey('x'), 0n, cmd.setQuota({ operatorId: 'icbc' })), chain.state);
  assert.equal(stranger.ok === false && stranger.error, 'UNKNOWN_SENDER');
  const zero = app.checkTransaction(pay(nonce, 'a', 'alice', 0n), chain.state);
  assert.equal(zero.ok === false && zero.error, 'MALFORMED_COMMAND');
  const notMine = app.checkTransaction(pay(nonce, 'a', 'bob'), chain.state);
  assert.equal(notMine.ok === false && notMine.error, 'UNAUTHORIZED');
  const role = app.checkTransaction(makeTransaction(KEYS.regulator, 0n, cmd.setQuota({ operatorId: 'icbc' })), chain.state);
  assert.equal(role.ok === false && role.error, 'UNAUTHORIZED');
  // A settled payment id is refused at the door.
  expectOk(chain.run(OWNERS.alice, cmd.pay({ paymentId: 'done', fromWalletId: 'alice', toWalletId: 'bob', amount: 100n })));
  const retry = app.checkTransaction(pay(nonce + 1n, 'done'), chain.state);
  assert.equal(retry.ok === false && retry.error, 'PAYMENT_ID_USED');
});

test('prepareProposal keeps candidates in order, drops nonces that do not fit, and respects limits', () => {
  const chain = fundedChain();
  const ctx = chain.context();
  const n = getNextNonce(chain.state, OWNERS.alice)!;
  const m = getNextNonce(chain.state, OWNERS.bob)!;
  const p = (key: Uint8Array, nonce: bigint, id: string, from: string, to: string) =>
    makeTransaction(key, nonce, cmd.pay({ paymentId: id, fromWalletId: from, toWalletId: to, amount: 1n }));
  const candidates: VerifiedTransaction[] = [
    p(OWNERS.alice, n, 'a0', 'alice', 'bob'),
    p(OWNERS.bob, m + 1n, 'b1', 'bob', 'alice'), // gap: dropped
    p(OWNERS.alice, n + 1n, 'a1', 'alice', 'bob'),
    p(OWNERS.alice, n + 1n, 'a1-dup', 'alice', 'bob'), // same nonce again: dropped
    p(testKey('nobody'), 0n, 'z', 'alice', 'bob'), // unknown sender: dropped
    p(OWNERS.bob, m, 'b0', 'bob', 'alice'),
    p(OWNERS.alice, n + 2n, 'a2', 'alice', 'bob'),
  ];
  const picked = chain.app.prepareProposal(ctx, candidates, chain.state, { transactionsMax: 100, bytesMax: 1 << 20 });
  assert.deepEqual(picked, [candidates[0], candidates[2], candidates[5], candidates[6]]);
  const two = chain.app.prepareProposal(ctx, candidates, chain.state, { transactionsMax: 2, bytesMax: 1 << 20 });
  assert.deepEqual(two, [candidates[0], candidates[2]]);
  const small = chain.app.prepareProposal(ctx, candidates, chain.state, { transactionsMax: 100, bytesMax: candidates[0]!.bytes.length });
  assert.deepEqual(small, [candidates[0]]);
});

test('processProposal accepts failing transactions but not oversized blocks', () => {
  const chain = new TestChain();
  const app = createApplication({ chainId: CHAIN_ID, blockLimits: { transactionsMax: 2, bytesMax: 10_000 } });
  const bad = makeTransaction(testKey('stranger'), 9n, cmd.setQuota({ operatorId: 'icbc' }));
  assert.deepEqual(app.processProposal(chain.context(), [bad, bad], chain.state), { ok: true });
  const tooMany = app.processProposal(chain.context(), [bad, bad, bad], chain.state);
  assert.equal(tooMany.ok === false && tooMany.error, 'BLOCK_LIMIT_EXCEEDED');
  const big = { ...bad, bytes: new Uint8Array(10_001) };
  const tooBig = app.processProposal(chain.context(), [big], chain.state);
  assert.equal(tooBig.ok === false && tooBig.error, 'BLOCK_LIMIT_EXCEEDED');
});

test('an owner key opened in a block can sign later in the same block', () => {
  const chain = fundedChain();
  const key = testKey('newcomer');
  const result = chain.block([
    chain.tx(KEYS.icbc, cmd.openWallet({ walletId: 'new', ownerPublicKey: key, tier: 1, kind: 1 })),
    chain.tx(KEYS.icbc, cmd.distribute({ walletId: 'new', amount: 500n })),
    chain.tx(key, cmd.pay({ paymentId: 'first', fromWalletId: 'new', toWalletId: 'bob', amount: 200n })),
  ]);
  result.receipts.forEach(expectOk);
  assert.equal(getWallet(chain.state, 'new')?.balance, 300n);
});
