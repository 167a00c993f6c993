// Checks each safety rule on its own, then the property that matters: whatever sequence of
// signing requests arrives, and wherever the process restarts from its last persisted
// state, no two different votes are ever signed for one round and no timeout is signed
// below a voted round. Unit cases build blocks and certificates with Ed25519 keys; the
// property is a fast-check run over random request sequences with random restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { create, ConsensusBlockSchema, type ConsensusBlock, type QuorumCert, type SafetyState } from '@tongbao/protocol';
import { decodeSafetyState, encodeSafetyState, genesisQuorumCert, initialSafetyState } from './config.js';
import {
  extendsHighestCertifiedRound,
  isAboveLastVotedRound,
  respectsPreferredRound,
  SafetyRules,
  timeoutCarriesHighestQc,
  timeoutFollowsCertificate,
} from './safety-rules.js';
import { consensusBlockHash } from './signing.js';
import { CHAIN, genesis, makeQc, makeTc, signerFor, voteData } from './test-fixtures.js';
import { createHash } from 'node:crypto';

const hash = (d: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(d).digest());

function block(round: bigint, parentQc: QuorumCert, variant = 0): ConsensusBlock {
  return create(ConsensusBlockSchema, {
    chainId: CHAIN,
    epoch: 0n,
    round,
    height: parentQc.data!.height + 1n,
    parentHash: parentQc.data!.blockHash,
    parentQc,
    payload: [],
    timestampMs: 2_000n + round * 10n + BigInt(variant),
    proposer: Number(round % 4n),
  });
}

function rules(state: SafetyState = initialSafetyState(0n), self = 1): SafetyRules {
  return new SafetyRules({ chainId: CHAIN, selfIndex: self, signer: signerFor(self) }, state);
}

const qc = (round: bigint, parentRound = round - 1n): QuorumCert => makeQc(voteData(round, Number(round % 200n), parentRound), [0, 1, 2]);

test('isAboveLastVotedRound: no second vote in a round, none backwards', () => {
  const r = rules();
  const b = block(3n, qc(2n));
  const first = r.signVote(b, consensusBlockHash(hash, b), undefined);
  assert.ok(first.ok && first.changed);
  assert.ok(isAboveLastVotedRound(first.state, 4n) && !isAboveLastVotedRound(first.state, 3n));
  const other = block(3n, qc(2n), 1);
  const second = r.signVote(other, consensusBlockHash(hash, other), undefined);
  assert.deepEqual(second, { ok: false, rule: 'isAboveLastVotedRound' });
  const older = block(2n, qc(1n));
  assert.equal((r.signVote(older, consensusBlockHash(hash, older), undefined) as { rule: string }).rule, 'isAboveLastVotedRound');
});

test('asking again for the same vote returns it unchanged, without a new signature', () => {
  const r = rules();
  const b = block(3n, qc(2n));
  const first = r.signVote(b, consensusBlockHash(hash, b), undefined);
  const again = r.signVote(b, consensusBlockHash(hash, b), undefined);
  assert.ok(first.ok && again.ok && !again.changed);
  assert.deepEqual(again.value, first.value);
});

test('extendsHighestCertifiedRound: the QC of the round before, or a TC whose highest QC it matches', () => {
  assert.ok(extendsHighestCertifiedRound(block(5n, qc(4n)), undefined));
  assert.ok(!extendsHighestCertifiedRound(block(6n, qc(4n)), undefined));
  const tc = makeTc(5n, [[0, 4n], [2, 3n], [3, 4n]]);
  assert.ok(extendsHighestCertifiedRound(block(6n, qc(4n)), tc));
  assert.ok(!extendsHighestCertifiedRound(block(6n, qc(3n)), tc), 'a QC below the TC’s highest QC could skip a committed block');
  assert.ok(!extendsHighestCertifiedRound(block(7n, qc(4n)), tc), 'the TC must be of the round just before');
  const r = rules();
  const skipping = block(6n, qc(3n));
  assert.equal((r.signVote(skipping, consensusBlockHash(hash, skipping), tc) as { rule: string }).rule, 'extendsHighestCertifiedRound');
});

test('respectsPreferredRound: never extend a QC below the two-chain lock', () => {
  const r = rules();
  const b = block(8n, qc(7n, 6n)); // observing QC(7) with parent round 6 locks round 6
  assert.ok(r.signVote(b, consensusBlockHash(hash, b), undefined).ok);
  assert.equal(r.state.preferredRound, 6n);
  assert.ok(!respectsPreferredRound(r.state, qc(5n)));
  const tc = makeTc(9n, [[0, 5n], [2, 5n], [3, 5n]]);
  const behind = block(10n, qc(5n));
  assert.equal((r.signVote(behind, consensusBlockHash(hash, behind), tc) as { rule: string }).rule, 'respectsPreferredRound');
});

test('timeout rules: not below the last vote, only for the certified round, carrying the highest QC', () => {
  const r = rules();
  const b = block(5n, qc(4n));
  assert.ok(r.signVote(b, consensusBlockHash(hash, b), undefined).ok);
  assert.equal((r.signTimeout(4n, qc(3n), undefined, 0n) as { rule: string }).rule, 'isTimeoutNotBelowLastVote');
  assert.ok(!timeoutFollowsCertificate(7n, qc(5n), undefined));
  assert.equal((r.signTimeout(7n, qc(5n), undefined, 0n) as { rule: string }).rule, 'timeoutFollowsCertificate');
  assert.ok(!timeoutCarriesHighestQc(r.state, qc(3n)));
  const tc = makeTc(4n, [[0, 3n], [1, 3n], [2, 3n]]);
  assert.equal((r.signTimeout(5n, qc(3n), tc, 0n) as { rule: string }).rule, 'timeoutCarriesHighestQc');
  const timeout = r.signTimeout(5n, qc(4n), undefined, 0n);
  assert.ok(timeout.ok);
  // Having timed out in round 6, no vote in round 6 afterwards.
  assert.ok(r.signTimeout(6n, qc(5n), undefined, 0n).ok);
  const late = block(6n, qc(5n));
  assert.equal((r.signVote(late, consensusBlockHash(hash, late), undefined) as { rule: string }).rule, 'isAboveLastVotedRound');
});

test('proposals: only our own, never two in one round', () => {
  const r = rules(initialSafetyState(0n), 1);
  const mine = block(5n, qc(4n)); // round 5 → proposer 1
  assert.ok(r.signProposal(mine, consensusBlockHash(hash, mine)).ok);
  const again = block(5n, qc(4n), 3);
  assert.equal((r.signProposal(again, consensusBlockHash(hash, again)) as { rule: string }).rule, 'isAboveLastProposedRound');
  const notMine = block(6n, qc(5n));
  assert.equal((r.signProposal(notMine, consensusBlockHash(hash, notMine)) as { rule: string }).rule, 'proposerIsSelf');
});

test('epoch: nothing is signed for another epoch', () => {
  const r = rules();
  const b = { ...block(3n, qc(2n)), epoch: 1n };
  assert.equal((r.signVote(b, consensusBlockHash(hash, b), undefined) as { rule: string }).rule, 'isCurrentEpoch');
});

test('restarts from the last persisted state never sign two different votes in one round', () => {
  const request = fc.oneof(
    fc.record({ kind: fc.constant('vote' as const), round: fc.bigInt(1n, 12n), variant: fc.integer({ min: 0, max: 2 }), viaTc: fc.boolean() }),
    fc.record({ kind: fc.constant('timeout' as const), round: fc.bigInt(1n, 12n) }),
    fc.record({ kind: fc.constant('restart' as const), lose: fc.boolean() }),
  );
  fc.assert(
    fc.property(fc.array(request, { maxLength: 40 }), (requests) => {
      let persisted = encodeSafetyState(initialSafetyState(0n));
      let r = rules(decodeSafetyState(persisted));
      const votes = new Map<bigint, string>();
      const timeouts: bigint[] = [];
      for (const req of requests) {
        if (req.kind === 'restart') {
          // The shell persists before sending, so what was sent is always in `persisted`.
          r = rules(decodeSafetyState(persisted));
          continue;
        }
        if (req.kind === 'timeout') {
          const highQc = req.round === 1n ? genesisQuorumCert(genesis, 0n) : qc(req.round - 1n);
          const out = r.signTimeout(req.round, highQc, undefined, 0n);
          if (out.ok) {
            persisted = encodeSafetyState(out.state);
            timeouts.push(req.round);
          }
          continue;
        }
        const parentRound = req.viaTc ? (req.round > 2n ? req.round - 2n : 0n) : req.round - 1n;
        const parentQc = parentRound === 0n ? genesisQuorumCert(genesis, 0n) : qc(parentRound);
        const tc = req.viaTc && req.round > 1n ? makeTc(req.round - 1n, [[0, parentRound], [2, parentRound], [3, 0n]]) : undefined;
        const b = block(req.round, parentQc, req.variant);
        const h = consensusBlockHash(hash, b);
        const out = r.signVote(b, h, tc);
        if (!out.ok) continue;
        persisted = encodeSafetyState(out.state);
        const key = Buffer.from(h).toString('hex');
        const previous = votes.get(req.round);
        assert.ok(previous === undefined || previous === key, `two different votes in round ${req.round}`);
        // No vote in a round already given up by a timeout.
        assert.ok(!timeouts.some((t) => t >= req.round) || previous === key, `vote in round ${req.round} after a timeout`);
        votes.set(req.round, key);
      }
    }),
    { numRuns: 300 },
  );
});
