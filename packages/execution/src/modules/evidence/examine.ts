import {
  bytesToHex,
  consensusBlockHash,
  ConflictingProposalsSchema,
  ConflictingVotesSchema,
  create,
  CryptoSuite,
  encode,
  equalBytes,
  EvidenceRecordSchema,
  EvidenceSchema,
  getSuite,
  MisbehaviourKind,
  proposalSigningBytes,
  ProposalSchema,
  suiteNameFromId,
  verify,
  voteSigningBytes,
  VoteDataSchema,
  type ChainConfig,
  type Evidence,
  type EvidenceRecord,
  type Proposal,
  type SubmitEvidence,
  type Validator,
  type Vote,
} from '@tongbao/protocol';
import { evidencePath, VALIDATOR_SET_PATH, type EvidenceKindSegment } from '../../keys.js';
import { reject, type Rejection } from '../../result-codes.js';
import type { RecordReader } from '../../state-overlay.js';
import { validatorSetStore } from '../governance/store.js';
import { evidenceStore } from './store.js';

/**
 * Judging evidence of misbehaviour: does it prove that one validator of the validator set
 * signed two messages no honest validator signs — two different votes in one round, or
 * two different proposals for one round — and is that misbehaviour not yet recorded?
 * Pure over the state it reads; the mempool (`check`) and the block (`execute`) ask the
 * same question and get the same answer.
 */

/** What the evidence proves, once judged valid. */
export interface Misconduct {
  readonly kind: MisbehaviourKind;
  readonly epoch: bigint;
  readonly round: bigint;
  readonly validatorIndex: number;
  readonly validator: Validator;
  /** Where it is recorded. */
  readonly path: string;
  /** The proof as it is recorded (proposals without their unsigned timeout certificates). */
  readonly evidence: Evidence;
}

/** Larger than any suite's signature (Ed25519 and SM2 signatures are 64 bytes). */
export const EVIDENCE_SIGNATURE_BYTES_MAX = 128;

/** One signed half of the evidence: what was signed, by which index, with which signature. */
interface SignedHalf {
  readonly what: string;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/** What the halves claim, before anything is looked up or verified. */
interface Claim {
  readonly kind: MisbehaviourKind;
  readonly segment: EvidenceKindSegment;
  readonly noun: string;
  readonly epoch: bigint;
  readonly round: bigint;
  readonly validatorIndex: number;
  readonly halves: readonly [SignedHalf, SignedHalf];
  readonly evidence: Evidence;
}

function invalid(message: string): Rejection {
  return reject('EVIDENCE_INVALID', message);
}

function checkSignatureShape(what: string, signature: Uint8Array): Rejection | undefined {
  if (signature.length === 0) return reject('MALFORMED_COMMAND', `${what} has no signature; evidence is the messages exactly as the validator signed them`);
  if (signature.length > EVIDENCE_SIGNATURE_BYTES_MAX) {
    return reject('MALFORMED_COMMAND', `${what} has a ${signature.length}-byte signature; no suite's signature is longer than ${EVIDENCE_SIGNATURE_BYTES_MAX} bytes`);
  }
  return undefined;
}

/** The stateless shape check (`verify`): both halves present, each with what it signs and a signature. */
export function checkEvidenceShape(command: SubmitEvidence): Rejection | undefined {
  const evidence = command.evidence;
  const kind = evidence?.kind;
  switch (kind?.case) {
    case 'conflictingVotes': {
      for (const [which, vote] of [['first', kind.value.first], ['second', kind.value.second]] as const) {
        if (vote === undefined) return reject('MALFORMED_COMMAND', `the ${which} vote is missing; conflicting votes are two votes`);
        if (vote.data === undefined) return reject('MALFORMED_COMMAND', `the ${which} vote has no vote data, so it signs nothing`);
        const signature = checkSignatureShape(`the ${which} vote`, vote.signature);
        if (signature !== undefined) return signature;
      }
      return undefined;
    }
    case 'conflictingProposals': {
      for (const [which, proposal] of [['first', kind.value.first], ['second', kind.value.second]] as const) {
        if (proposal === undefined) return reject('MALFORMED_COMMAND', `the ${which} proposal is missing; conflicting proposals are two proposals`);
        if (proposal.block === undefined) return reject('MALFORMED_COMMAND', `the ${which} proposal has no block, so it signs nothing`);
        const signature = checkSignatureShape(`the ${which} proposal`, proposal.signature);
        if (signature !== undefined) return signature;
      }
      return undefined;
    }
    default:
      return reject('MALFORMED_COMMAND', 'evidence is required: two conflicting votes or two conflicting proposals of one validator');
  }
}

function voteClaim(chainId: string, first: Vote, second: Vote): Claim | Rejection {
  const a = first.data!;
  const b = second.data!;
  if (first.voter !== second.voter) {
    return invalid(`the votes are by validators ${first.voter} and ${second.voter}; evidence shows one validator signing both`);
  }
  if (a.epoch !== b.epoch || a.round !== b.round) {
    return invalid(
      `the votes are of epoch ${a.epoch} round ${a.round} and epoch ${b.epoch} round ${b.round}; a validator votes once in every round, so only two votes of the same round conflict`,
    );
  }
  const encodedA = encode(VoteDataSchema, a);
  const encodedB = encode(VoteDataSchema, b);
  if (equalBytes(encodedA, encodedB)) {
    return invalid(`both votes sign the same vote data of round ${a.round}: that is one vote seen twice, not two conflicting votes`);
  }
  return {
    kind: MisbehaviourKind.CONFLICTING_VOTES,
    segment: 'conflicting-votes',
    noun: 'votes',
    epoch: a.epoch,
    round: a.round,
    validatorIndex: first.voter,
    halves: [
      { what: 'first vote', message: voteSigningBytes(chainId, a), signature: first.signature },
      { what: 'second vote', message: voteSigningBytes(chainId, b), signature: second.signature },
    ],
    evidence: create(EvidenceSchema, { kind: { case: 'conflictingVotes', value: create(ConflictingVotesSchema, { first, second }) } }),
  };
}

function proposalClaim(chainId: string, hash: (data: Uint8Array) => Uint8Array, first: Proposal, second: Proposal): Claim | Rejection {
  const a = first.block!;
  const b = second.block!;
  if (a.proposer !== b.proposer) {
    return invalid(`the proposals are by validators ${a.proposer} and ${b.proposer}; evidence shows one validator signing both`);
  }
  for (const [which, block] of [['first', a], ['second', b]] as const) {
    // The signing bytes name this chain; a block naming another chain is not one this
    // chain's validators could have agreed on, and is not judged here.
    if (block.chainId !== chainId) return invalid(`the ${which} proposal's block is of chain "${block.chainId}", not of this chain "${chainId}"`);
  }
  if (a.epoch !== b.epoch || a.round !== b.round) {
    return invalid(
      `the proposals are of epoch ${a.epoch} round ${a.round} and epoch ${b.epoch} round ${b.round}; a leader proposes once in its round, so only two proposals of the same round conflict`,
    );
  }
  const hashA = consensusBlockHash(hash, a);
  const hashB = consensusBlockHash(hash, b);
  if (equalBytes(hashA, hashB)) {
    return invalid(`both proposals are of the same block ${bytesToHex(hashA)}: that is one proposal seen twice, not two conflicting proposals`);
  }
  // The timeout certificate rides beside the block and no proposer signature covers it:
  // it proves nothing here, so it is not recorded.
  const signedOnly = (proposal: Proposal): Proposal => create(ProposalSchema, { block: proposal.block, signature: proposal.signature });
  return {
    kind: MisbehaviourKind.CONFLICTING_PROPOSALS,
    segment: 'conflicting-proposals',
    noun: 'proposals',
    epoch: a.epoch,
    round: a.round,
    validatorIndex: a.proposer,
    halves: [
      { what: 'first proposal', message: proposalSigningBytes(chainId, hashA), signature: first.signature },
      { what: 'second proposal', message: proposalSigningBytes(chainId, hashB), signature: second.signature },
    ],
    evidence: create(EvidenceSchema, {
      kind: { case: 'conflictingProposals', value: create(ConflictingProposalsSchema, { first: signedOnly(first), second: signedOnly(second) }) },
    }),
  };
}

/**
 * Judges evidence whose shape `checkEvidenceShape` accepted. Returns what it proves, or
 * the rejection: EVIDENCE_INVALID when it proves nothing (with what is wrong with it),
 * EVIDENCE_ALREADY_RECORDED when it proves what is already on record.
 *
 * The checks that cost nothing come first and the two signature verifications last, so
 * the copies every honest validator submits of one misbehaviour are turned away as
 * already recorded without verifying anything.
 */
export function examineEvidence(state: RecordReader, config: ChainConfig, command: SubmitEvidence): Misconduct | Rejection {
  const kind = command.evidence!.kind;
  const set = state.get(validatorSetStore, VALIDATOR_SET_PATH);
  // A chain whose genesis state was written before evidence existed has neither the suite
  // in its config nor the validator set: it cannot judge evidence, and says so the same
  // way on every node rather than halting them.
  if (config.cryptoSuite === CryptoSuite.UNSPECIFIED || set === undefined) {
    return reject('UNSUPPORTED_COMMAND', "this chain's genesis state holds no validator set or crypto suite, so it cannot judge misbehaviour evidence");
  }
  const suite = suiteNameFromId(config.cryptoSuite);
  const chainId = config.chainId;
  let claim: Claim | Rejection;
  if (kind.case === 'conflictingVotes') claim = voteClaim(chainId, kind.value.first!, kind.value.second!);
  else if (kind.case === 'conflictingProposals') claim = proposalClaim(chainId, getSuite(suite).hash, kind.value.first!, kind.value.second!);
  else return reject('MALFORMED_COMMAND', 'evidence is required: two conflicting votes or two conflicting proposals of one validator');
  if ('code' in claim) return claim;

  if (claim.epoch !== set.epoch) {
    return invalid(`the ${claim.noun} are of epoch ${claim.epoch}, but the validator set is of epoch ${set.epoch}; a validator index names a key only within its epoch`);
  }
  const validator = set.validators[claim.validatorIndex];
  if (validator === undefined) {
    return invalid(`validator ${claim.validatorIndex} is not in the validator set, which has ${set.validators.length} validators (0..${set.validators.length - 1})`);
  }

  const path = evidencePath(validator.publicKey, claim.epoch, claim.segment, claim.round);
  const recorded = state.get(evidenceStore, path);
  if (recorded !== undefined) {
    return reject(
      'EVIDENCE_ALREADY_RECORDED',
      `validator ${claim.validatorIndex}'s conflicting ${claim.noun} of epoch ${claim.epoch} round ${claim.round} were recorded at height ${recorded.height}; nothing more to submit`,
    );
  }

  for (const half of claim.halves) {
    if (!verify(suite, validator.publicKey, half.message, half.signature)) {
      return invalid(
        `the ${half.what}'s signature does not verify with validator ${claim.validatorIndex}'s key ${bytesToHex(validator.publicKey)} over its signing bytes on chain "${chainId}"; submit the messages exactly as that validator signed them`,
      );
    }
  }
  return {
    kind: claim.kind,
    epoch: claim.epoch,
    round: claim.round,
    validatorIndex: claim.validatorIndex,
    validator,
    path,
    evidence: claim.evidence,
  };
}

/** The record state keeps of proven misconduct. */
export function evidenceRecordOf(misconduct: Misconduct, height: bigint, submitter: Uint8Array): EvidenceRecord {
  return create(EvidenceRecordSchema, {
    validatorPublicKey: misconduct.validator.publicKey,
    validatorIndex: misconduct.validatorIndex,
    kind: misconduct.kind,
    epoch: misconduct.epoch,
    round: misconduct.round,
    evidence: misconduct.evidence,
    height,
    submitter,
  });
}
