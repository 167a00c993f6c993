// Checks how a node reports misbehaviour, against a fake admission path: the evidence
// becomes a SubmitEvidence transaction signed with the validator key that verifies on the
// chain and carries the evidence (a proposal's unsigned timeout certificate dropped); the
// nonce is the next one after what the mempool holds; reports go one at a time, so two
// never share a nonce and a refused one leaves no gap; one misbehaviour is reported once;
// an unknown key or a failing submission is logged, never thrown. Also: the consensus
// driver hands each `evidence` effect to its onEvidence callback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import {
  bytesToHex,
  ConflictingProposalsSchema,
  ConflictingVotesSchema,
  ConsensusBlockSchema,
  create,
  EvidenceSchema,
  getSuite,
  ProposalSchema,
  TimeoutCertSchema,
  verifyTransaction,
  VoteDataSchema,
  VoteSchema,
  type api,
  type Evidence,
} from '@tongbao/protocol';
import type { Consensus, ConsensusEffect } from '@tongbao/consensus';
import { createLogger } from '../telemetry/logger.js';
import { ConsensusDriver } from './consensus-driver.js';
import { EvidenceReporter, type EvidenceReporterOptions } from './evidence-reporter.js';

const CHAIN_ID = 'tongbao-test';
const keys = getSuite('ed25519').generateKeyPair(new Uint8Array(32).fill(3));
const quiet = createLogger({ level: 'silent', moniker: 'test', destination: new Writable({ write: (_c, _e, done) => done() }) });

function votes(voter: number, round: bigint, a = 1, b = 2): Evidence {
  const vote = (byte: number) =>
    create(VoteSchema, { data: create(VoteDataSchema, { round, height: round, parentRound: round - 1n, blockHash: new Uint8Array(32).fill(byte) }), voter, signature: new Uint8Array(64).fill(byte) });
  return create(EvidenceSchema, { kind: { case: 'conflictingVotes', value: create(ConflictingVotesSchema, { first: vote(a), second: vote(b) }) } });
}

function proposals(proposer: number, round: bigint): Evidence {
  const proposal = (timestampMs: bigint) =>
    create(ProposalSchema, {
      block: create(ConsensusBlockSchema, { chainId: CHAIN_ID, round, height: round, proposer, timestampMs }),
      timeoutCert: create(TimeoutCertSchema, { round: round - 1n, signers: [0], highQcRounds: [0n], signatures: [new Uint8Array(64)] }),
      signature: new Uint8Array(64).fill(Number(timestampMs)),
    });
  return create(EvidenceSchema, { kind: { case: 'conflictingProposals', value: create(ConflictingProposalsSchema, { first: proposal(1n), second: proposal(2n) }) } });
}

/** A mempool of one sender: admits the next nonce unless told to refuse, and remembers what it admitted. */
class FakeAdmission {
  committedNonce = 5n;
  readonly admitted: Uint8Array[] = [];
  refuseNext: api.SubmitResult['error'] | undefined;
  failNext = false;

  readonly nextNonce = (): bigint => this.committedNonce + BigInt(this.admitted.length);

  readonly submit = async (bytes: Uint8Array): Promise<api.SubmitResult> => {
    // Admission is asynchronous (signature verification on worker threads).
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('verifier pool closed');
    }
    if (this.refuseNext !== undefined) {
      const error = this.refuseNext;
      this.refuseNext = undefined;
      return { status: 'rejected', error };
    }
    const tx = verifyTransaction('ed25519', CHAIN_ID, bytes);
    if (tx.nonce !== this.nextNonce()) return { status: 'rejected', error: { code: 'NONCE_MISMATCH', message: `nonce ${tx.nonce}` } };
    this.admitted.push(bytes);
    return { id: bytesToHex(tx.id), status: 'accepted' };
  };
}

function reporter(admission: FakeAdmission, overrides: Partial<EvidenceReporterOptions> = {}): EvidenceReporter {
  return new EvidenceReporter({ suite: 'ed25519', chainId: CHAIN_ID, keys, nextNonce: admission.nextNonce, submit: admission.submit, logger: quiet, ...overrides });
}

test('evidence becomes a SubmitEvidence signed with the validator key, at the next nonce', async () => {
  const admission = new FakeAdmission();
  const evidence = votes(2, 7n);
  const outcome = await reporter(admission).report(evidence);
  assert.equal(outcome.kind, 'submitted');
  assert.equal(outcome.kind === 'submitted' && outcome.nonce, 5n);
  assert.equal(admission.admitted.length, 1);
  const tx = verifyTransaction('ed25519', CHAIN_ID, admission.admitted[0]!);
  assert.equal(bytesToHex(tx.sender), bytesToHex(keys.publicKey));
  assert.equal(tx.nonce, 5n);
  assert.equal(tx.command.kind.case, 'submitEvidence');
  assert.deepEqual(tx.command.kind.case === 'submitEvidence' && tx.command.kind.value.evidence, evidence);
});

test('a proposal pair is submitted without the timeout certificates no signature covers', async () => {
  const admission = new FakeAdmission();
  const evidence = proposals(1, 9n);
  await reporter(admission).report(evidence);
  const tx = verifyTransaction('ed25519', CHAIN_ID, admission.admitted[0]!);
  const sent = tx.command.kind.case === 'submitEvidence' ? tx.command.kind.value.evidence : undefined;
  assert.ok(sent?.kind.case === 'conflictingProposals' && evidence.kind.case === 'conflictingProposals');
  for (const half of ['first', 'second'] as const) {
    assert.equal(sent.kind.value[half]!.timeoutCert, undefined);
    assert.deepEqual(sent.kind.value[half]!.block, evidence.kind.value[half]!.block);
    assert.deepEqual(sent.kind.value[half]!.signature, evidence.kind.value[half]!.signature);
  }
  assert.ok(evidence.kind.value.first!.timeoutCert !== undefined, 'the caller\'s evidence is not changed');
});

test('reports made together get consecutive nonces; a refused one leaves no gap', async () => {
  const admission = new FakeAdmission();
  const r = reporter(admission);
  const outcomes = await Promise.all([r.report(votes(1, 3n)), r.report(votes(2, 3n)), r.report(proposals(1, 4n))]);
  assert.deepEqual(outcomes.map((o) => o.kind === 'submitted' && o.nonce), [5n, 6n, 7n]);
  admission.refuseNext = { code: 'EVIDENCE_ALREADY_RECORDED', message: 'recorded at height 3' };
  const refused = await r.report(votes(3, 3n));
  assert.deepEqual(refused, { kind: 'rejected', code: 'EVIDENCE_ALREADY_RECORDED', message: 'recorded at height 3' });
  const next = await r.report(votes(3, 4n));
  assert.equal(next.kind === 'submitted' && next.nonce, 8n, 'the refused report did not use up a nonce');
});

test('one misbehaviour is reported once, whichever pair shows it', async () => {
  const admission = new FakeAdmission();
  const r = reporter(admission);
  assert.equal((await r.report(votes(2, 7n, 1, 2))).kind, 'submitted');
  assert.deepEqual(await r.report(votes(2, 7n, 1, 2)), { kind: 'duplicate' });
  assert.deepEqual(await r.report(votes(2, 7n, 3, 4)), { kind: 'duplicate' });
  assert.equal((await r.report(proposals(2, 7n))).kind, 'submitted', 'another kind is another misbehaviour');
  assert.equal(admission.admitted.length, 2);
});

test('an unknown key or a failing admission is reported in the outcome, never thrown, and later reports go on', async () => {
  const admission = new FakeAdmission();
  assert.deepEqual(await reporter(admission, { nextNonce: () => undefined }).report(votes(1, 1n)), { kind: 'unknown-key' });
  const r = reporter(admission);
  admission.failNext = true;
  const failed = await r.report(votes(1, 2n));
  assert.equal(failed.kind === 'rejected' && failed.code, 'INTERNAL');
  assert.equal((await r.report(votes(1, 3n))).kind, 'submitted');
});

test('the consensus driver hands every evidence effect to onEvidence, in order', async () => {
  const evidence = [votes(1, 2n), proposals(3, 3n)];
  const core: Consensus = {
    step: () => evidence.map((e): ConsensusEffect => ({ kind: 'evidence', evidence: e })),
  } as unknown as Consensus;
  const seen: Evidence[] = [];
  const driver = new ConsensusDriver({
    core,
    store: undefined as never,
    batches: undefined as never,
    payload: undefined as never,
    transport: { send: () => {} },
    execute: async () => {},
    validatorCount: 4,
    selfIndex: 0,
    logger: quiet,
    hash: getSuite('ed25519').hash,
    onEvidence: (e) => seen.push(e),
  });
  driver.start();
  await driver.stop();
  assert.equal(driver.error, undefined);
  assert.deepEqual(seen, evidence);
});
