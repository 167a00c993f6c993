// Checks SubmitEvidence by example, with real signatures of the chain's suite over the
// consensus signing bytes: valid conflicting votes and proposals are recorded once with a
// `misbehaviour` event; evidence that proves nothing (same data, different rounds,
// different validators, a key outside the validator set, a bad signature, another chain
// or epoch) is EVIDENCE_INVALID and records nothing; a replay — the same pair, the pair
// swapped, or another pair for the same misbehaviour — is EVIDENCE_ALREADY_RECORDED; only
// organization and validator keys may submit; the mempool check agrees with the block.
// A table test flips every single bit of every signature and expects each to be refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytesToHex,
  clone,
  ConflictingProposalsSchema,
  ConflictingVotesSchema,
  consensusBlockHash,
  ConsensusBlockSchema,
  create,
  CryptoSuite,
  EvidenceSchema,
  GenesisSchema,
  getSuite,
  MisbehaviourKind,
  proposalSigningBytes,
  ProposalSchema,
  QuorumCertSchema,
  Role,
  TimeoutCertSchema,
  ValidatorSchema,
  voteSigningBytes,
  VoteDataSchema,
  VoteSchema,
  type ConsensusBlock,
  type Evidence,
  type Genesis,
  type KeyPair,
  type Proposal,
  type SuiteName,
  type Vote,
  type VoteData,
} from '@tongbao/protocol';
import { evidenceKeyPrefix, validatorSetKey } from '../../../keys.js';
import { getEvidence } from '../queries.js';
import { defaultCurrencyParams } from '../../currency/limits.js';
import { getNextNonce } from '../../currency/queries.js';
import { CHAIN_ID, cmd, expectOk, expectRejected, GENESIS_TIME_MS, KEYS, makeTransaction, OWNERS, TestChain, testGenesis } from '../../../testing/harness.js';

const VALIDATOR_COUNT = 4;

function validatorKeys(suite: SuiteName): KeyPair[] {
  return Array.from({ length: VALIDATOR_COUNT }, (_, i) => getSuite(suite).generateKeyPair(new Uint8Array(32).fill(i + 1)));
}

const ED25519_VALIDATORS = validatorKeys('ed25519');
/** A key of the right suite that is no validator's. */
const OUTSIDER = getSuite('ed25519').generateKeyPair(new Uint8Array(32).fill(99));

/** The test genesis with four real Ed25519 validator keys (run by pboc, icbc, boc, regulator). */
function genesisWithValidators(keys: readonly KeyPair[] = ED25519_VALIDATORS): Genesis {
  const genesis = clone(GenesisSchema, testGenesis());
  const orgs = ['pboc', 'icbc', 'boc', 'regulator'];
  genesis.validators = keys.map((k, i) => create(ValidatorSchema, { organizationId: orgs[i % orgs.length]!, publicKey: k.publicKey, power: 1n }));
  return genesis;
}

interface Signing {
  readonly suite: SuiteName;
  readonly chainId: string;
  readonly keys: readonly KeyPair[];
}

const ED25519: Signing = { suite: 'ed25519', chainId: CHAIN_ID, keys: ED25519_VALIDATORS };

function voteData(round: bigint, blockByte: number, epoch = 0n): VoteData {
  return create(VoteDataSchema, {
    epoch,
    round,
    height: round,
    blockHash: new Uint8Array(32).fill(blockByte),
    parentRound: round - 1n,
    parentHash: new Uint8Array(32).fill(0x11),
  });
}

/** A vote claiming `voter`, signed with `signer`'s key (the same, unless a test lies). */
function vote(s: Signing, voter: number, data: VoteData, signer: KeyPair = s.keys[voter]!): Vote {
  return create(VoteSchema, { data, voter, signature: getSuite(s.suite).sign(signer.secretKey, voteSigningBytes(s.chainId, data)) });
}

function block(s: Signing, round: bigint, proposer: number, timestampMs: bigint, chainId = s.chainId): ConsensusBlock {
  return create(ConsensusBlockSchema, {
    chainId,
    epoch: 0n,
    round,
    height: round,
    parentHash: new Uint8Array(32).fill(0x22),
    parentQc: create(QuorumCertSchema, { data: voteData(round - 1n, 0x22), signers: [0, 1, 2], signatures: [new Uint8Array(64), new Uint8Array(64), new Uint8Array(64)] }),
    payload: [],
    timestampMs,
    proposer,
  });
}

function proposal(s: Signing, b: ConsensusBlock, signer: KeyPair = s.keys[b.proposer]!): Proposal {
  const hash = consensusBlockHash(getSuite(s.suite).hash, b);
  return create(ProposalSchema, { block: b, signature: getSuite(s.suite).sign(signer.secretKey, proposalSigningBytes(s.chainId, hash)) });
}

function conflictingVotes(first: Vote, second: Vote): Evidence {
  return create(EvidenceSchema, { kind: { case: 'conflictingVotes', value: create(ConflictingVotesSchema, { first, second }) } });
}

function conflictingProposals(first: Proposal, second: Proposal): Evidence {
  return create(EvidenceSchema, { kind: { case: 'conflictingProposals', value: create(ConflictingProposalsSchema, { first, second }) } });
}

/** Validator 2 votes for two different blocks in round 7. */
function doubleVote(s: Signing = ED25519, voter = 2, round = 7n): Evidence {
  return conflictingVotes(vote(s, voter, voteData(round, 0xa1)), vote(s, voter, voteData(round, 0xb2)));
}

/** Validator 1 proposes two different blocks for round 5. */
function doubleProposal(s: Signing = ED25519, proposer = 1, round = 5n): Evidence {
  return conflictingProposals(proposal(s, block(s, round, proposer, 1_000n)), proposal(s, block(s, round, proposer, 1_001n)));
}

/** Keys of evidence records in the state. */
function evidenceKeys(chain: TestChain): string[] {
  const prefix = bytesToHex(evidenceKeyPrefix());
  return [...chain.state.entries.keys()].filter((key) => key.startsWith(prefix));
}

test('valid conflicting votes are recorded with a misbehaviour event', () => {
  const chain = new TestChain(genesisWithValidators());
  const evidence = doubleVote();
  const receipt = expectOk(chain.run(KEYS.regulator, cmd.submitEvidence({ evidence })));
  assert.equal(receipt.events.length, 1);
  const event = receipt.events[0]!.kind;
  assert.equal(event.case, 'misbehaviour');
  assert.deepEqual(event.case === 'misbehaviour' && { ...event.value }, {
    $typeName: 'tongbao.v1.Misbehaviour',
    validatorPublicKey: ED25519_VALIDATORS[2]!.publicKey,
    validatorIndex: 2,
    kind: MisbehaviourKind.CONFLICTING_VOTES,
    epoch: 0n,
    round: 7n,
  });
  const record = getEvidence(chain.state, ED25519_VALIDATORS[2]!.publicKey, 0n, MisbehaviourKind.CONFLICTING_VOTES, 7n);
  assert.ok(record !== undefined, 'the record is in state');
  assert.equal(record.validatorIndex, 2);
  assert.equal(record.round, 7n);
  assert.equal(record.height, chain.height);
  assert.equal(bytesToHex(record.submitter), bytesToHex(KEYS.regulator));
  assert.deepEqual(record.evidence, evidence, 'the votes are recorded as submitted');
  assert.equal(evidenceKeys(chain).length, 1);
  // Another kind of misbehaviour in the same round is another record.
  assert.equal(getEvidence(chain.state, ED25519_VALIDATORS[2]!.publicKey, 0n, MisbehaviourKind.CONFLICTING_PROPOSALS, 7n), undefined);
});

test('valid conflicting proposals are recorded, without the unsigned timeout certificate', () => {
  const chain = new TestChain(genesisWithValidators());
  const evidence = doubleProposal();
  const withTc = clone(EvidenceSchema, evidence);
  if (withTc.kind.case === 'conflictingProposals') withTc.kind.value.first!.timeoutCert = create(TimeoutCertSchema, { round: 4n, signers: [0], highQcRounds: [3n], signatures: [new Uint8Array(64)] });
  const receipt = expectOk(chain.run(KEYS.centralBank, cmd.submitEvidence({ evidence: withTc })));
  const event = receipt.events[0]!.kind;
  assert.ok(event.case === 'misbehaviour');
  assert.equal(event.value.kind, MisbehaviourKind.CONFLICTING_PROPOSALS);
  assert.equal(event.value.validatorIndex, 1);
  assert.equal(event.value.round, 5n);
  assert.equal(bytesToHex(event.value.validatorPublicKey), bytesToHex(ED25519_VALIDATORS[1]!.publicKey));
  const record = getEvidence(chain.state, ED25519_VALIDATORS[1]!.publicKey, 0n, MisbehaviourKind.CONFLICTING_PROPOSALS, 5n);
  assert.ok(record !== undefined);
  assert.deepEqual(record.evidence, evidence, 'recorded as signed: blocks and signatures, no timeout certificate');
});

test('a validator key that is no organization key may submit evidence, and it has a nonce from genesis', () => {
  const chain = new TestChain(genesisWithValidators());
  assert.equal(getNextNonce(chain.state, ED25519_VALIDATORS[3]!.publicKey), 0n);
  // Validator 3 is run by the regulator but signs with its own consensus key.
  expectOk(chain.run(ED25519_VALIDATORS[3]!.publicKey, cmd.submitEvidence({ evidence: doubleVote() })));
  assert.equal(getNextNonce(chain.state, ED25519_VALIDATORS[3]!.publicKey), 1n);
});

test('a wallet owner may not submit evidence (UNAUTHORIZED), and nothing is recorded', () => {
  const chain = new TestChain(genesisWithValidators());
  expectOk(chain.run(KEYS.icbc, cmd.openWallet({ walletId: 'alice', ownerPublicKey: OWNERS.alice, tier: 1, kind: 1, identityEscrow: new Uint8Array(1) })));
  const receipt = expectRejected(chain.run(OWNERS.alice, cmd.submitEvidence({ evidence: doubleVote() })), 'UNAUTHORIZED');
  assert.match(receipt.message, /signed only by an organization's key or a validator's key; the sender is a wallet owner key/);
  assert.deepEqual(evidenceKeys(chain), []);
});

test('a validator key carries no organization authority', () => {
  const chain = new TestChain(genesisWithValidators());
  // Validator 0 is run by the central bank; its key still may not set quotas.
  const receipt = expectRejected(chain.run(ED25519_VALIDATORS[0]!.publicKey, cmd.setQuota({ operatorId: 'icbc', quota: 1n })), 'UNAUTHORIZED');
  assert.match(receipt.message, /the sender is a validator's key/);
});

function expectInvalid(evidence: Evidence, pattern: RegExp, chain = new TestChain(genesisWithValidators())): void {
  const receipt = expectRejected(chain.run(KEYS.regulator, cmd.submitEvidence({ evidence })), 'EVIDENCE_INVALID');
  assert.equal(receipt.code, 200);
  assert.match(receipt.message, pattern);
  assert.deepEqual(receipt.events, []);
  assert.deepEqual(evidenceKeys(chain), [], 'nothing recorded');
}

test('same vote data twice is not a conflict', () => {
  const same = vote(ED25519, 2, voteData(7n, 0xa1));
  expectInvalid(conflictingVotes(same, clone(VoteSchema, same)), /same vote data of round 7: that is one vote seen twice/);
});

test('the same block proposed twice is not a conflict', () => {
  const b = block(ED25519, 5n, 1, 1_000n);
  expectInvalid(conflictingProposals(proposal(ED25519, b), proposal(ED25519, clone(ConsensusBlockSchema, b))), /same block [0-9a-f]{64}: that is one proposal seen twice/);
});

test('votes or proposals of different rounds or epochs do not conflict', () => {
  expectInvalid(conflictingVotes(vote(ED25519, 2, voteData(7n, 0xa1)), vote(ED25519, 2, voteData(8n, 0xb2))), /round 7 and epoch 0 round 8; a validator votes once in every round/);
  expectInvalid(conflictingVotes(vote(ED25519, 2, voteData(7n, 0xa1)), vote(ED25519, 2, voteData(7n, 0xb2, 1n))), /epoch 0 round 7 and epoch 1 round 7/);
  expectInvalid(
    conflictingProposals(proposal(ED25519, block(ED25519, 5n, 1, 1_000n)), proposal(ED25519, block(ED25519, 6n, 1, 1_001n))),
    /round 5 and epoch 0 round 6; a leader proposes once in its round/,
  );
  // Both halves of another epoch: conflicting, but the index names no key of this set.
  expectInvalid(
    conflictingVotes(vote(ED25519, 2, voteData(7n, 0xa1, 3n)), vote(ED25519, 2, voteData(7n, 0xb2, 3n))),
    /votes are of epoch 3, but the validator set is of epoch 0/,
  );
});

test('wrong signer: two validators, or a signature by another validator than the one named', () => {
  expectInvalid(conflictingVotes(vote(ED25519, 1, voteData(7n, 0xa1)), vote(ED25519, 2, voteData(7n, 0xb2))), /votes are by validators 1 and 2; evidence shows one validator signing both/);
  expectInvalid(
    conflictingProposals(proposal(ED25519, block(ED25519, 5n, 1, 1_000n)), proposal(ED25519, block(ED25519, 5n, 2, 1_001n))),
    /proposals are by validators 1 and 2/,
  );
  // Validator 3 signs two votes that name validator 2: they prove nothing about 2.
  const framed = conflictingVotes(vote(ED25519, 2, voteData(7n, 0xa1), ED25519_VALIDATORS[3]), vote(ED25519, 2, voteData(7n, 0xb2), ED25519_VALIDATORS[3]));
  expectInvalid(framed, /the first vote's signature does not verify with validator 2's key/);
});

test('signer not a validator: an index outside the set, or an outsider key posing as a validator', () => {
  const outsiderSigning: Signing = { ...ED25519, keys: [...ED25519_VALIDATORS, ...Array.from({ length: 6 }, () => OUTSIDER)] };
  expectInvalid(doubleVote(outsiderSigning, 9), /validator 9 is not in the validator set, which has 4 validators \(0..3\)/);
  expectInvalid(doubleProposal(outsiderSigning, 6), /validator 6 is not in the validator set/);
  const posing = conflictingVotes(vote(ED25519, 0, voteData(7n, 0xa1), OUTSIDER), vote(ED25519, 0, voteData(7n, 0xb2), OUTSIDER));
  expectInvalid(posing, /first vote's signature does not verify with validator 0's key/);
});

test('a bad signature on either half is refused', () => {
  const good = doubleVote();
  assert.ok(good.kind.case === 'conflictingVotes');
  const badSecond = clone(EvidenceSchema, good);
  assert.ok(badSecond.kind.case === 'conflictingVotes');
  badSecond.kind.value.second!.signature = new Uint8Array(64).fill(7);
  expectInvalid(badSecond, /the second vote's signature does not verify/);
  // A signature made for the first vote, reused on the second.
  const reused = clone(EvidenceSchema, good);
  assert.ok(reused.kind.case === 'conflictingVotes');
  reused.kind.value.second!.signature = good.kind.value.first!.signature;
  expectInvalid(reused, /the second vote's signature does not verify/);
});

test('signatures made for another chain are refused, and so are blocks of another chain', () => {
  expectInvalid(doubleVote({ ...ED25519, chainId: 'another-chain' }), /first vote's signature does not verify .* on chain "tongbao-test"/);
  expectInvalid(
    conflictingProposals(proposal(ED25519, block(ED25519, 5n, 1, 1_000n, 'another-chain')), proposal(ED25519, block(ED25519, 5n, 1, 1_001n, 'another-chain'))),
    /the first proposal's block is of chain "another-chain", not of this chain "tongbao-test"/,
  );
});

test('replay: the same misbehaviour is recorded once, whichever proof of it comes next', () => {
  const chain = new TestChain(genesisWithValidators());
  const evidence = doubleVote();
  expectOk(chain.run(KEYS.regulator, cmd.submitEvidence({ evidence })));
  const recordedAt = chain.height;
  assert.ok(evidence.kind.case === 'conflictingVotes');
  const swapped = conflictingVotes(evidence.kind.value.second!, evidence.kind.value.first!);
  const third = conflictingVotes(vote(ED25519, 2, voteData(7n, 0xc3)), vote(ED25519, 2, voteData(7n, 0xd4)));
  for (const [sender, replay] of [[KEYS.regulator, evidence], [ED25519_VALIDATORS[0]!.publicKey, evidence], [KEYS.icbc, swapped], [KEYS.boc, third]] as const) {
    const before = evidenceKeys(chain).map((key) => bytesToHex(chain.state.entries.get(key)!.value));
    const receipt = expectRejected(chain.run(sender, cmd.submitEvidence({ evidence: replay })), 'EVIDENCE_ALREADY_RECORDED');
    assert.equal(receipt.code, 201);
    assert.equal(receipt.message, `validator 2's conflicting votes of epoch 0 round 7 were recorded at height ${recordedAt}; nothing more to submit`);
    assert.deepEqual(evidenceKeys(chain).map((key) => bytesToHex(chain.state.entries.get(key)!.value)), before, 'the record is unchanged');
  }
  // Another round of the same validator is another misbehaviour.
  expectOk(chain.run(KEYS.regulator, cmd.submitEvidence({ evidence: doubleVote(ED25519, 2, 8n) })));
  assert.equal(evidenceKeys(chain).length, 2);
});

test('malformed evidence is MALFORMED_COMMAND', () => {
  const chain = new TestChain(genesisWithValidators());
  const cases: [Evidence | undefined, RegExp][] = [
    [undefined, /evidence is required/],
    [create(EvidenceSchema, {}), /evidence is required/],
    [conflictingVotes(vote(ED25519, 2, voteData(7n, 1)), undefined as never), /the second vote is missing/],
    [conflictingVotes(create(VoteSchema, { voter: 2, signature: new Uint8Array(64) }), vote(ED25519, 2, voteData(7n, 1))), /the first vote has no vote data/],
    [conflictingVotes(create(VoteSchema, { data: voteData(7n, 1), voter: 2 }), vote(ED25519, 2, voteData(7n, 2))), /the first vote has no signature/],
    [conflictingVotes(create(VoteSchema, { data: voteData(7n, 1), voter: 2, signature: new Uint8Array(129) }), vote(ED25519, 2, voteData(7n, 2))), /129-byte signature/],
    [conflictingProposals(create(ProposalSchema, { signature: new Uint8Array(64) }), proposal(ED25519, block(ED25519, 5n, 1, 1n))), /the first proposal has no block/],
    [conflictingProposals(proposal(ED25519, block(ED25519, 5n, 1, 1n)), undefined as never), /the second proposal is missing/],
  ];
  for (const [evidence, pattern] of cases) {
    const receipt = expectRejected(chain.run(KEYS.regulator, cmd.submitEvidence(evidence === undefined ? {} : { evidence })), 'MALFORMED_COMMAND');
    assert.match(receipt.message, pattern);
  }
  assert.deepEqual(evidenceKeys(chain), []);
});

test('the mempool check agrees with the block: invalid and already recorded evidence is refused before it takes block space', () => {
  const chain = new TestChain(genesisWithValidators());
  const evidence = doubleProposal();
  assert.deepEqual(chain.app.checkTransaction(makeTransaction(KEYS.regulator, 0n, cmd.submitEvidence({ evidence })), chain.state), { ok: true });
  const bad = clone(EvidenceSchema, evidence);
  assert.ok(bad.kind.case === 'conflictingProposals');
  bad.kind.value.first!.signature[0]! ^= 1;
  const refused = chain.app.checkTransaction(makeTransaction(KEYS.regulator, 0n, cmd.submitEvidence({ evidence: bad })), chain.state);
  assert.equal(refused.ok === false && refused.error, 'EVIDENCE_INVALID');
  expectOk(chain.run(KEYS.regulator, cmd.submitEvidence({ evidence })));
  const again = chain.app.checkTransaction(makeTransaction(KEYS.boc, 0n, cmd.submitEvidence({ evidence })), chain.state);
  assert.equal(again.ok === false && again.error, 'EVIDENCE_ALREADY_RECORDED');
});

test('copies from several validators in one block: the first is recorded, the rest get the stable rejection', () => {
  const chain = new TestChain(genesisWithValidators());
  const evidence = doubleVote();
  const result = chain.block(ED25519_VALIDATORS.slice(0, 3).map((k) => chain.tx(k.publicKey, cmd.submitEvidence({ evidence }))));
  assert.deepEqual(result.receipts.map((r) => r.error), ['', 'EVIDENCE_ALREADY_RECORDED', 'EVIDENCE_ALREADY_RECORDED']);
  assert.equal(evidenceKeys(chain).length, 1);
});

/** Every evidence variant with every single bit of one of its two signatures flipped. */
function* bitFlips(evidence: Evidence): Generator<Evidence> {
  for (const half of ['first', 'second'] as const) {
    const value = evidence.kind.value as { first: { signature: Uint8Array }; second: { signature: Uint8Array } };
    const length = value[half].signature.length;
    for (let bit = 0; bit < length * 8; bit++) {
      const flipped = clone(EvidenceSchema, evidence);
      const target = (flipped.kind.value as typeof value)[half];
      target.signature[bit >> 3]! ^= 1 << (bit & 7);
      yield flipped;
    }
  }
}

/** Submits every bit-flipped variant in one block; each must be EVIDENCE_INVALID and nothing recorded. */
function assertEveryBitFlipRefused(chain: TestChain, evidence: Evidence): number {
  const variants = [...bitFlips(evidence)];
  const result = chain.block(variants.map((v) => chain.tx(KEYS.regulator, cmd.submitEvidence({ evidence: v }))));
  result.receipts.forEach((receipt, i) => assert.equal(receipt.error, 'EVIDENCE_INVALID', `variant ${i}: ${receipt.error || 'OK'} ${receipt.message}`));
  assert.deepEqual(evidenceKeys(chain), []);
  // The untouched evidence is still good: the flips, not the evidence, were refused.
  expectOk(chain.run(KEYS.regulator, cmd.submitEvidence({ evidence })));
  return variants.length;
}

test('table: any single-bit flip in either signature is refused (Ed25519, votes and proposals)', () => {
  assert.equal(assertEveryBitFlipRefused(new TestChain(genesisWithValidators()), doubleVote()), 2 * 64 * 8);
  assert.equal(assertEveryBitFlipRefused(new TestChain(genesisWithValidators()), doubleProposal()), 2 * 64 * 8);
});

/** A genesis of the SM2 suite, with real keys of the right length for organizations too. */
function sm2Genesis(validators: readonly KeyPair[]): Genesis {
  const suite = getSuite('sm2');
  const org = (id: string, role: Role, seed: number) => ({ id, name: id, role, publicKeys: [suite.generateKeyPair(new Uint8Array(32).fill(seed)).publicKey] });
  return create(GenesisSchema, {
    chainId: CHAIN_ID,
    cryptoSuite: CryptoSuite.SM2,
    genesisTimeMs: GENESIS_TIME_MS,
    organizations: [org('pboc', Role.CENTRAL_BANK, 50), org('icbc', Role.OPERATOR, 51), org('regulator', Role.REGULATOR, 52)],
    validators: validators.map((k) => ({ organizationId: 'pboc', publicKey: k.publicKey, power: 1n })),
    currency: defaultCurrencyParams(),
  });
}

test('an SM2 chain judges evidence with SM2: recorded when valid, every bit flip of a vote signature refused', () => {
  const keys = validatorKeys('sm2');
  const sm2: Signing = { suite: 'sm2', chainId: CHAIN_ID, keys };
  const genesis = sm2Genesis(keys);
  const sender = genesis.organizations[2]!.publicKeys[0]!;
  const chain = new TestChain(genesis);
  // Ed25519 signatures mean nothing on an SM2 chain.
  const receipt = expectRejected(chain.run(sender, cmd.submitEvidence({ evidence: doubleVote(ED25519) })), 'EVIDENCE_INVALID');
  assert.match(receipt.message, /signature does not verify/);
  const evidence = doubleVote(sm2, 1);
  const variants = [...bitFlips(evidence)];
  const result = chain.block(variants.map((v) => chain.tx(sender, cmd.submitEvidence({ evidence: v }))));
  for (const r of result.receipts) assert.equal(r.error, 'EVIDENCE_INVALID');
  expectOk(chain.run(sender, cmd.submitEvidence({ evidence })));
  expectOk(chain.run(sender, cmd.submitEvidence({ evidence: doubleProposal(sm2, 2) })));
  assert.ok(getEvidence(chain.state, keys[1]!.publicKey, 0n, MisbehaviourKind.CONFLICTING_VOTES, 7n) !== undefined);
  assert.ok(getEvidence(chain.state, keys[2]!.publicKey, 0n, MisbehaviourKind.CONFLICTING_PROPOSALS, 5n) !== undefined);
});

test('a chain whose genesis state predates evidence refuses it as UNSUPPORTED_COMMAND on every node, without halting', () => {
  const chain = new TestChain(genesisWithValidators());
  // Remove what an older genesis did not write: the validator set.
  chain.state.entries.delete(bytesToHex(validatorSetKey()));
  const receipt = expectRejected(chain.run(KEYS.regulator, cmd.submitEvidence({ evidence: doubleVote() })), 'UNSUPPORTED_COMMAND');
  assert.match(receipt.message, /holds no validator set or crypto suite/);
  assert.deepEqual(evidenceKeys(chain), []);
});

test('execution of evidence is deterministic: the same block gives the same outcomes and state changes', () => {
  const run = () => {
    const chain = new TestChain(genesisWithValidators());
    const result = chain.block([chain.tx(KEYS.regulator, cmd.submitEvidence({ evidence: doubleProposal() })), chain.tx(KEYS.icbc, cmd.submitEvidence({ evidence: doubleVote() }))]);
    // Test transaction ids carry a counter (harness), so compare everything but them.
    return { outcomes: result.receipts.map((r) => ({ code: r.code, events: r.events })), changes: result.changes };
  };
  const a = run();
  assert.equal(a.outcomes.filter((o) => o.code === 0).length, 2);
  assert.deepEqual(run(), a);
});
