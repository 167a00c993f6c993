// Checks that a quorum certificate is trusted only as the exact certificate that was
// verified: a copy with the same vote data but too few (or forged) signatures is refused
// even after the genuine certificate was seen. Regression: the verdict cache was keyed by
// the vote data alone, so an under-signed copy from a Byzantine validator was accepted,
// embedded in blocks and stored, and a node catching up later refused those blocks and
// stayed behind (simulator seed 100070 with votes broadcast).
//
// How: a validator enters round 2 through a genuine QC of round 1, then receives f+1
// timeouts for round 2 whose highest QC is (a) the genuine QC — it gives up the round and
// sends its own timeout — or (b) an under-signed copy — it must ignore them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, ConsensusMessageSchema, getSuite, RoundSyncSchema, TimeoutDataSchema, TimeoutSchema, type QuorumCert } from '@tongbao/protocol';
import { createConsensus } from './core.js';
import { DEFAULT_LIMITS, DEFAULT_TIMING } from './config.js';
import { timeoutSigningBytes } from './signing.js';
import { CHAIN, genesis, keys, makeQc, signerFor, voteData } from './test-fixtures.js';
import type { ConsensusEffect } from './types.js';

const suite = getSuite('ed25519');
const SELF = 0;

function newCore() {
  const core = createConsensus(
    { chainId: CHAIN, epoch: 0n, validators: keys.map((k) => k.publicKey), selfIndex: SELF, genesis, timing: DEFAULT_TIMING, limits: DEFAULT_LIMITS },
    {
      hash: suite.hash,
      verify: (pk, m, s) => suite.verify(pk, m, s),
      signer: signerFor(SELF),
      payload: { next: () => [], available: () => true },
    },
  );
  core.step({ kind: 'start', nowMs: 2_000 });
  return core;
}

function timeoutFrom(signer: number, highQc: QuorumCert) {
  const data = create(TimeoutDataSchema, { epoch: 0n, round: 2n, highQcRound: 1n });
  const signature = suite.sign(keys[signer]!.secretKey, timeoutSigningBytes(CHAIN, data));
  return create(ConsensusMessageSchema, { kind: { case: 'timeout', value: create(TimeoutSchema, { data, signer, signature, highQc }) } });
}

function sendsOwnTimeout(effects: readonly ConsensusEffect[]): boolean {
  return effects.some((e) => e.kind === 'send' && e.message.kind.case === 'timeout' && e.message.kind.value.signer === SELF);
}

function run(highQcInTimeouts: (genuine: QuorumCert) => QuorumCert): boolean {
  const core = newCore();
  const genuine = makeQc(voteData(1n), [1, 2, 3]);
  core.step({ kind: 'message', nowMs: 2_001, from: 1, message: create(ConsensusMessageSchema, { kind: { case: 'roundSync', value: create(RoundSyncSchema, { highQc: genuine }) } }) });
  assert.equal(core.status.round, 2n, 'the genuine QC of round 1 moved the validator to round 2');
  const effects = [1, 3].flatMap((from) => core.step({ kind: 'message', nowMs: 2_002, from, message: timeoutFrom(from, highQcInTimeouts(genuine)) }));
  return sendsOwnTimeout(effects);
}

test('f+1 timeouts carrying the genuine QC make the validator give up the round', () => {
  assert.equal(run((genuine) => genuine), true);
});

test('the same timeouts carrying an under-signed copy of that QC are refused', () => {
  assert.equal(run((genuine) => makeQc(genuine.data!, [1])), false);
});
