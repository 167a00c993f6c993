/**
 * The safety rules: the one module that holds the signing key and decides whether a
 * proposal, vote or timeout may be signed. Everything that could make this validator
 * contribute to a fork is refused here, whatever the rest of the core asks.
 *
 * Each rule is a named predicate over the persisted SafetyState. A successful signature
 * returns the new state; the core emits it in a `persist` effect BEFORE the signed
 * message, so after a crash the restored state remembers every signature that left the
 * node, and no round is ever signed twice (two-chain rules of Jolteon / DiemBFT v4).
 *
 * Certificates handed in have already been verified by the core; a remote signer or HSM
 * serving this interface would verify them again.
 */
import { clone, create, equalBytes, SafetyStateSchema, TimeoutDataSchema, TimeoutSchema, VoteSchema, type ConsensusBlock, type QuorumCert, type SafetyState, type Timeout, type TimeoutCert, type Vote } from '@tongbao/protocol';
import { timeoutCertHighQcRound } from './certificates.js';
import { ConsensusError } from './errors.js';
import { proposalSigningBytes, timeoutSigningBytes, voteDataFor, voteSigningBytes } from './signing.js';
import type { Signer } from './types.js';

// ───────────── the rules, each a predicate ─────────────

/** Signed messages belong to the epoch whose state this is. */
export function isCurrentEpoch(state: SafetyState, epoch: bigint): boolean {
  return epoch === state.epoch;
}

/**
 * Never vote twice in one round, never vote in a round already given up (a timeout
 * raises lastVotedRound too), never vote backwards.
 */
export function isAboveLastVotedRound(state: SafetyState, round: bigint): boolean {
  return round > state.lastVotedRound;
}

/** Never propose twice in one round: two proposals of one round are equivocation. */
export function isAboveLastProposedRound(state: SafetyState, round: bigint): boolean {
  return round > state.lastProposedRound;
}

/**
 * Vote only for a block justified to be in its round: it extends the QC of the round just
 * before (the happy path), or the previous round ended by a TC and the block extends a QC
 * at least as high as any QC the TC's signers reported (so it cannot skip a block that
 * may have committed).
 */
export function extendsHighestCertifiedRound(block: ConsensusBlock, timeoutCert: TimeoutCert | undefined): boolean {
  const qcRound = block.parentQc?.data?.round ?? -1n;
  if (block.round === qcRound + 1n) return true;
  return timeoutCert !== undefined && block.round === timeoutCert.round + 1n && qcRound >= timeoutCertHighQcRound(timeoutCert);
}

/**
 * Never vote for a block whose parent QC is below the preferred round (the highest parent
 * round of any QC this validator has acted on — the two-chain lock).
 */
export function respectsPreferredRound(state: SafetyState, parentQc: QuorumCert): boolean {
  return (parentQc.data?.round ?? -1n) >= state.preferredRound;
}

/** A timeout is never signed for a round below one already voted in. */
export function isTimeoutNotBelowLastVote(state: SafetyState, round: bigint): boolean {
  return round >= state.lastVotedRound;
}

/** A timeout is signed only for the round its certificates put the signer in. */
export function timeoutFollowsCertificate(round: bigint, highQc: QuorumCert, highTc: TimeoutCert | undefined): boolean {
  const qcRound = highQc.data?.round ?? -1n;
  return round === qcRound + 1n || (highTc !== undefined && round === highTc.round + 1n);
}

/**
 * A timeout reports a QC at least as high as any this validator has acted on: a TC's
 * highest QC round must not understate what its signers know, or a committed block could
 * be skipped.
 */
export function timeoutCarriesHighestQc(state: SafetyState, highQc: QuorumCert): boolean {
  return (highQc.data?.round ?? -1n) >= state.oneChainRound;
}

// ───────────── the module ─────────────

export type SafetyRuleName =
  | 'isCurrentEpoch'
  | 'isAboveLastVotedRound'
  | 'isAboveLastProposedRound'
  | 'extendsHighestCertifiedRound'
  | 'respectsPreferredRound'
  | 'isTimeoutNotBelowLastVote'
  | 'timeoutFollowsCertificate'
  | 'timeoutCarriesHighestQc'
  | 'proposerIsSelf';

/**
 * Outcome of a signing request. `state` is the state to persist before the signed value
 * leaves the node; `changed` is false when a previous signature was returned unchanged.
 */
export type SignOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly state: SafetyState; readonly changed: boolean }
  | { readonly ok: false; readonly rule: SafetyRuleName };

export interface SafetyRulesOptions {
  readonly chainId: string;
  readonly selfIndex: number;
  readonly signer: Signer;
}

export class SafetyRules {
  readonly #options: SafetyRulesOptions;
  #state: SafetyState;

  constructor(options: SafetyRulesOptions, state: SafetyState) {
    if (state.lastVote !== undefined && state.lastVote.data === undefined) {
      throw new ConsensusError('INVALID_RESTORED_STATE', 'restored safety state has a last vote without data');
    }
    this.#options = options;
    this.#state = clone(SafetyStateSchema, state);
  }

  /** A copy of the current state (what the last persist effect carried, or will). */
  get state(): SafetyState {
    return clone(SafetyStateSchema, this.#state);
  }

  /** Signs a proposal made by this validator; returns the signature over the block hash. */
  signProposal(block: ConsensusBlock, blockHash: Uint8Array): SignOutcome<Uint8Array> {
    const state = this.#state;
    if (!isCurrentEpoch(state, block.epoch)) return { ok: false, rule: 'isCurrentEpoch' };
    if (block.proposer !== this.#options.selfIndex) return { ok: false, rule: 'proposerIsSelf' };
    if (!isAboveLastProposedRound(state, block.round)) return { ok: false, rule: 'isAboveLastProposedRound' };
    // A leader proposes before voting in its round; having voted or timed out in it already means it gave the round up.
    if (!isAboveLastVotedRound(state, block.round)) return { ok: false, rule: 'isAboveLastVotedRound' };
    const next = clone(SafetyStateSchema, state);
    next.lastProposedRound = block.round;
    this.#state = next;
    const signature = this.#options.signer.sign(proposalSigningBytes(this.#options.chainId, blockHash));
    return { ok: true, value: signature, state: clone(SafetyStateSchema, next), changed: true };
  }

  /** Signs a vote for `block` (verified by the core), entered by `timeoutCert` if its round was. */
  signVote(block: ConsensusBlock, blockHash: Uint8Array, timeoutCert: TimeoutCert | undefined): SignOutcome<Vote> {
    const state = this.#state;
    const parentQc = block.parentQc;
    if (!isCurrentEpoch(state, block.epoch)) return { ok: false, rule: 'isCurrentEpoch' };
    // Asked again for the vote already given in this round (a restart, a retransmission): the same vote, not a new one.
    const last = state.lastVote;
    if (last?.data !== undefined && last.data.round === block.round && equalBytes(last.data.blockHash, blockHash)) {
      return { ok: true, value: clone(VoteSchema, last), state: clone(SafetyStateSchema, state), changed: false };
    }
    if (!isAboveLastVotedRound(state, block.round)) return { ok: false, rule: 'isAboveLastVotedRound' };
    if (parentQc === undefined || !extendsHighestCertifiedRound(block, timeoutCert)) return { ok: false, rule: 'extendsHighestCertifiedRound' };
    if (!respectsPreferredRound(state, parentQc)) return { ok: false, rule: 'respectsPreferredRound' };
    const data = voteDataFor(block, blockHash);
    const vote = create(VoteSchema, {
      data,
      voter: this.#options.selfIndex,
      signature: this.#options.signer.sign(voteSigningBytes(this.#options.chainId, data)),
    });
    const next = clone(SafetyStateSchema, state);
    next.lastVotedRound = block.round;
    this.#observe(next, parentQc);
    next.lastVote = vote;
    this.#state = next;
    return { ok: true, value: clone(VoteSchema, vote), state: clone(SafetyStateSchema, next), changed: true };
  }

  /**
   * Signs a timeout for `round`, carrying this validator's highest QC, and the TC by which
   * it entered the round if it did. Re-signing the same round (retransmission) is allowed.
   */
  signTimeout(round: bigint, highQc: QuorumCert, highTc: TimeoutCert | undefined, epoch: bigint): SignOutcome<Timeout> {
    const state = this.#state;
    if (!isCurrentEpoch(state, epoch)) return { ok: false, rule: 'isCurrentEpoch' };
    if (!isTimeoutNotBelowLastVote(state, round)) return { ok: false, rule: 'isTimeoutNotBelowLastVote' };
    if (!timeoutFollowsCertificate(round, highQc, highTc)) return { ok: false, rule: 'timeoutFollowsCertificate' };
    if (!timeoutCarriesHighestQc(state, highQc)) return { ok: false, rule: 'timeoutCarriesHighestQc' };
    const data = create(TimeoutDataSchema, { epoch, round, highQcRound: highQc.data!.round });
    const next = clone(SafetyStateSchema, state);
    // Having given the round up, never vote in it afterwards.
    if (round > next.lastVotedRound) next.lastVotedRound = round;
    if (round > next.highestTimeoutRound) next.highestTimeoutRound = round;
    this.#observe(next, highQc);
    const changed = next.lastVotedRound !== state.lastVotedRound || next.highestTimeoutRound !== state.highestTimeoutRound || next.oneChainRound !== state.oneChainRound || next.preferredRound !== state.preferredRound;
    this.#state = next;
    const timeout = create(TimeoutSchema, {
      data,
      signer: this.#options.selfIndex,
      signature: this.#options.signer.sign(timeoutSigningBytes(this.#options.chainId, data)),
      highQc,
      highTc: highTc !== undefined && round === highTc.round + 1n ? highTc : undefined,
    });
    return { ok: true, value: timeout, state: clone(SafetyStateSchema, next), changed };
  }

  /** Raises the one-chain round (highest QC acted on) and the preferred round (its parent's round). */
  #observe(state: SafetyState, qc: QuorumCert): void {
    const data = qc.data!;
    if (data.round > state.oneChainRound) state.oneChainRound = data.round;
    if (data.parentRound > state.preferredRound) state.preferredRound = data.parentRound;
  }
}
