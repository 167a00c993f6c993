// Checks that quorum and timeout certificates verify only when well formed: a quorum of
// distinct validators in increasing order, each signature valid over the signed data.
// Builds honest certificates with Ed25519 keys, then forges each defect in turn (missing
// signer, duplicate signer, wrong round, foreign signature, unknown signer, genesis
// lookalikes) and expects a rejection reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clone, QuorumCertSchema, TimeoutCertSchema } from '@tongbao/protocol';
import { verifyQuorumCert, verifyTimeoutCert, verifyVote } from './certificates.js';
import { genesisQuorumCert, quorumSize } from './config.js';
import { context, genesis, makeQc, makeTc, signVote, voteData } from './test-fixtures.js';

const ctx = context(4);

test('quorum is floor(2n/3)+1', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 10].map(quorumSize), [1, 2, 3, 3, 4, 5, 5, 7]);
});

test('an honest QC of 3 of 4 verifies; the genesis QC verifies', () => {
  assert.equal(verifyQuorumCert(ctx, makeQc(voteData(5n), [0, 1, 3])), undefined);
  assert.equal(verifyQuorumCert(ctx, makeQc(voteData(5n), [0, 1, 2, 3])), undefined);
  assert.equal(verifyQuorumCert(ctx, genesisQuorumCert(genesis, 0n)), undefined);
});

test('QC forgeries are rejected', () => {
  const good = makeQc(voteData(5n), [0, 1, 2]);
  const underSigned = makeQc(voteData(5n), [0, 1]);
  assert.match(verifyQuorumCert(ctx, underSigned)!, /below the quorum/);

  const duplicate = clone(QuorumCertSchema, good);
  duplicate.signers = [0, 1, 1];
  duplicate.signatures = [good.signatures[0]!, good.signatures[1]!, good.signatures[1]!];
  assert.match(verifyQuorumCert(ctx, duplicate)!, /strictly increasing/);

  const unordered = clone(QuorumCertSchema, good);
  unordered.signers = [1, 0, 2];
  unordered.signatures = [good.signatures[1]!, good.signatures[0]!, good.signatures[2]!];
  assert.match(verifyQuorumCert(ctx, unordered)!, /strictly increasing/);

  const wrongRound = clone(QuorumCertSchema, good);
  wrongRound.data!.round = 6n;
  assert.match(verifyQuorumCert(ctx, wrongRound)!, /signature/);

  const wrongParent = clone(QuorumCertSchema, good);
  wrongParent.data!.parentRound = 3n;
  assert.match(verifyQuorumCert(ctx, wrongParent)!, /signature/);

  const swapped = clone(QuorumCertSchema, good);
  swapped.signatures[2] = good.signatures[0]!;
  assert.match(verifyQuorumCert(ctx, swapped)!, /validator 2/);

  const stranger = clone(QuorumCertSchema, good);
  stranger.signers[2] = 9;
  assert.match(verifyQuorumCert(ctx, stranger)!, /not a validator/);

  const missingSignature = clone(QuorumCertSchema, good);
  missingSignature.signatures.pop();
  assert.match(verifyQuorumCert(ctx, missingSignature)!, /counts differ/);

  const otherEpoch = clone(QuorumCertSchema, good);
  otherEpoch.data!.epoch = 1n;
  assert.match(verifyQuorumCert(ctx, otherEpoch)!, /epoch/);

  const fakeGenesis = genesisQuorumCert({ hash: new Uint8Array(32).fill(8), timestampMs: 0n }, 0n);
  assert.match(verifyQuorumCert(ctx, fakeGenesis)!, /genesis/);

  const signerless = clone(QuorumCertSchema, good);
  signerless.signers = [];
  signerless.signatures = [];
  assert.ok(verifyQuorumCert(ctx, signerless) !== undefined);
});

test('a QC signed on another chain does not verify here', () => {
  const otherChain = { ...ctx, chainId: 'other-chain' };
  assert.match(verifyQuorumCert(otherChain, makeQc(voteData(5n), [0, 1, 2]))!, /signature/);
});

test('an honest TC verifies; TC forgeries are rejected', () => {
  const good = makeTc(9n, [[0, 7n], [2, 8n], [3, 5n]]);
  assert.equal(verifyTimeoutCert(ctx, good), undefined);
  assert.match(verifyTimeoutCert(ctx, makeTc(9n, [[0, 7n], [2, 8n]]))!, /below the quorum/);

  const liftedQcRound = clone(TimeoutCertSchema, good);
  liftedQcRound.highQcRounds[0] = 8n; // claims a higher QC than was signed
  assert.match(verifyTimeoutCert(ctx, liftedQcRound)!, /signature/);

  const wrongRound = clone(TimeoutCertSchema, good);
  wrongRound.round = 10n;
  assert.match(verifyTimeoutCert(ctx, wrongRound)!, /signature/);

  const duplicate = clone(TimeoutCertSchema, good);
  duplicate.signers = [0, 0, 3];
  assert.match(verifyTimeoutCert(ctx, duplicate)!, /strictly increasing/);

  assert.match(verifyTimeoutCert(ctx, makeTc(9n, [[0, 9n], [2, 8n], [3, 5n]]))!, /not below its round/);
});

test('a vote verifies only with its own signer and data', () => {
  const vote = signVote(1, voteData(3n));
  assert.equal(verifyVote(ctx, vote), undefined);
  assert.match(verifyVote(ctx, { ...vote, voter: 2 })!, /signature/);
  assert.match(verifyVote(ctx, { ...vote, data: voteData(4n) })!, /signature/);
});
