/**
 * Verification of everything signed that reaches the core: votes, timeouts, proposals,
 * quorum certificates and timeout certificates. Each check returns `undefined` when the
 * item is valid and otherwise a short reason (for logs and tests); bad input is never an
 * exception. A certificate is valid only if its signers are distinct validator indexes in
 * strictly increasing order, at least a quorum of them, each with a valid signature.
 */
import { create, equalBytes, TimeoutDataSchema, type Proposal, type QuorumCert, type Timeout, type TimeoutCert, type Vote } from '@tongbao/protocol';
import { quorumSize } from './config.js';
import { proposalSigningBytes, timeoutSigningBytes, voteSigningBytes } from './signing.js';
import type { VerifySignature } from './types.js';

/** What verification needs to know about the epoch. */
export interface VerificationContext {
  readonly chainId: string;
  readonly epoch: bigint;
  readonly validators: readonly Uint8Array[];
  readonly verify: VerifySignature;
  /** The one certificate allowed without signers. */
  readonly genesisQc: QuorumCert;
}

/** Signers strictly increasing (so distinct), each a validator, as many signatures, a quorum. */
function checkSignerList(ctx: VerificationContext, signers: readonly number[], signatureCount: number): string | undefined {
  if (signers.length !== signatureCount) return 'signer and signature counts differ';
  if (signers.length < quorumSize(ctx.validators.length)) return `${signers.length} signers, below the quorum of ${quorumSize(ctx.validators.length)}`;
  let previous = -1;
  for (const signer of signers) {
    if (signer <= previous) return 'signers not strictly increasing (duplicate or unordered)';
    if (signer >= ctx.validators.length) return `signer ${signer} is not a validator`;
    previous = signer;
  }
  return undefined;
}

function isGenesisQc(ctx: VerificationContext, qc: QuorumCert): boolean {
  const a = qc.data;
  const g = ctx.genesisQc.data!;
  return (
    a !== undefined &&
    qc.signers.length === 0 &&
    qc.signatures.length === 0 &&
    a.epoch === g.epoch &&
    a.round === 0n &&
    a.height === 0n &&
    a.parentRound === 0n &&
    a.parentHash.length === 0 &&
    equalBytes(a.blockHash, g.blockHash)
  );
}

export function verifyQuorumCert(ctx: VerificationContext, qc: QuorumCert): string | undefined {
  const data = qc.data;
  if (data === undefined) return 'QC without data';
  if (data.epoch !== ctx.epoch) return `QC of epoch ${data.epoch}, not ${ctx.epoch}`;
  if (data.round === 0n) return isGenesisQc(ctx, qc) ? undefined : 'round-0 QC is not the genesis QC';
  if (data.parentRound >= data.round) return 'QC parent round not below its round';
  if (data.height === 0n) return 'QC of height 0 above round 0';
  const listProblem = checkSignerList(ctx, qc.signers, qc.signatures.length);
  if (listProblem !== undefined) return `QC: ${listProblem}`;
  const message = voteSigningBytes(ctx.chainId, data);
  for (let i = 0; i < qc.signers.length; i++) {
    if (!ctx.verify(ctx.validators[qc.signers[i]!]!, message, qc.signatures[i]!)) return `QC signature of validator ${qc.signers[i]} invalid`;
  }
  return undefined;
}

export function timeoutCertHighQcRound(tc: TimeoutCert): bigint {
  let highest = 0n;
  for (const round of tc.highQcRounds) if (round > highest) highest = round;
  return highest;
}

export function verifyTimeoutCert(ctx: VerificationContext, tc: TimeoutCert): string | undefined {
  if (tc.epoch !== ctx.epoch) return `TC of epoch ${tc.epoch}, not ${ctx.epoch}`;
  if (tc.round === 0n) return 'TC for round 0';
  if (tc.highQcRounds.length !== tc.signers.length) return 'TC: signer and QC-round counts differ';
  const listProblem = checkSignerList(ctx, tc.signers, tc.signatures.length);
  if (listProblem !== undefined) return `TC: ${listProblem}`;
  for (let i = 0; i < tc.signers.length; i++) {
    const highQcRound = tc.highQcRounds[i]!;
    // A timeout for round r is signed in round r, which a QC of round r or above would have ended.
    if (highQcRound >= tc.round) return 'TC carries a QC round not below its round';
    const message = timeoutSigningBytes(ctx.chainId, create(TimeoutDataSchema, { epoch: tc.epoch, round: tc.round, highQcRound }));
    if (!ctx.verify(ctx.validators[tc.signers[i]!]!, message, tc.signatures[i]!)) return `TC signature of validator ${tc.signers[i]} invalid`;
  }
  return undefined;
}

/** The vote's own signature (not whether voting was right). */
export function verifyVote(ctx: VerificationContext, vote: Vote): string | undefined {
  const data = vote.data;
  if (data === undefined) return 'vote without data';
  if (data.epoch !== ctx.epoch) return `vote of epoch ${data.epoch}`;
  if (data.round === 0n || data.parentRound >= data.round) return 'vote rounds malformed';
  if (vote.voter >= ctx.validators.length) return `voter ${vote.voter} is not a validator`;
  if (!ctx.verify(ctx.validators[vote.voter]!, voteSigningBytes(ctx.chainId, data), vote.signature)) return 'vote signature invalid';
  return undefined;
}

/** The timeout's own signature and its consistency with the QC it carries (verified separately). */
export function verifyTimeout(ctx: VerificationContext, timeout: Timeout): string | undefined {
  const data = timeout.data;
  if (data === undefined) return 'timeout without data';
  if (data.epoch !== ctx.epoch) return `timeout of epoch ${data.epoch}`;
  if (data.round === 0n || data.highQcRound >= data.round) return 'timeout rounds malformed';
  if (timeout.highQc?.data === undefined || timeout.highQc.data.round !== data.highQcRound) return 'timeout high QC missing or not of the signed round';
  if (timeout.signer >= ctx.validators.length) return `signer ${timeout.signer} is not a validator`;
  if (!ctx.verify(ctx.validators[timeout.signer]!, timeoutSigningBytes(ctx.chainId, data), timeout.signature)) return 'timeout signature invalid';
  return undefined;
}

/** The proposer's signature over the block hash. */
export function verifyProposalSignature(ctx: VerificationContext, proposal: Proposal, blockHash: Uint8Array): string | undefined {
  const block = proposal.block;
  if (block === undefined) return 'proposal without block';
  if (block.proposer >= ctx.validators.length) return `proposer ${block.proposer} is not a validator`;
  if (!ctx.verify(ctx.validators[block.proposer]!, proposalSigningBytes(ctx.chainId, blockHash), proposal.signature)) return 'proposal signature invalid';
  return undefined;
}
