/**
 * Quorum arithmetic, leader rotation, the genesis certificate, configuration checks and
 * defaults. All pure.
 */
import { create, decodeCanonical, encode, QuorumCertSchema, SafetyStateSchema, VoteDataSchema, type QuorumCert, type SafetyState } from '@tongbao/protocol';
import { ConsensusError } from './errors.js';
import type { ConsensusConfig, ConsensusLimits, ConsensusTiming, GenesisAnchor } from './types.js';

/** Validators in one epoch; bounds signer bitmaps and per-round bookkeeping. */
export const VALIDATOR_COUNT_MAX = 256;

/** Ceiling on an encoded SafetyState (one vote and a few numbers). */
export const SAFETY_STATE_BYTES_MAX = 4096;

/** f: the Byzantine validators tolerated among n (n ≥ 3f + 1). */
export function faultTolerance(validatorCount: number): number {
  return Math.floor((validatorCount - 1) / 3);
}

/** 2f + 1 in the general form floor(2n/3) + 1: any two quorums share an honest validator. */
export function quorumSize(validatorCount: number): number {
  return Math.floor((2 * validatorCount) / 3) + 1;
}

/** Round-robin over the genesis validator list; deterministic, the same on every node. */
export function leaderOf(round: bigint, validatorCount: number): number {
  return Number(round % BigInt(validatorCount));
}

/**
 * The certificate of the genesis: round 0, height 0, no signers. Every node constructs the
 * same one; a QC without signers is valid only if it equals it.
 */
export function genesisQuorumCert(genesis: GenesisAnchor, epoch: bigint): QuorumCert {
  return create(QuorumCertSchema, {
    data: create(VoteDataSchema, { epoch, round: 0n, height: 0n, blockHash: genesis.hash, parentRound: 0n, parentHash: new Uint8Array(0) }),
    signers: [],
    signatures: [],
  });
}

/** The safety state of a validator that has never signed anything in this epoch. */
export function initialSafetyState(epoch: bigint): SafetyState {
  return create(SafetyStateSchema, { epoch });
}

export function encodeSafetyState(state: SafetyState): Uint8Array {
  return encode(SafetyStateSchema, state);
}

export function decodeSafetyState(bytes: Uint8Array): SafetyState {
  return decodeCanonical(SafetyStateSchema, bytes, SAFETY_STATE_BYTES_MAX);
}

/** Defaults suited to a LAN consortium; a deployment tunes them in its node configuration. */
export const DEFAULT_TIMING: ConsensusTiming = {
  roundTimeoutBaseMs: 1_000,
  roundTimeoutMaxMs: 60_000,
  emptyBlockIntervalMs: 500,
  blockIntervalMinMs: 0,
  blockIntervalTransactionRateMin: 0,
  proposalTimestampDriftMaxMs: 2_000,
};

export const DEFAULT_LIMITS: ConsensusLimits = {
  payloadBatchCountMax: 256,
  payloadTransactionCountMax: 20_000,
  payloadBytesMax: 16 * 1024 * 1024,
  syncBlocksMax: 100,
  blockTreeBlocksMax: 1_000,
  evidenceRoundsRetainedCount: 100,
  pendingProposalsCountMax: 16,
};

function invalid(message: string, details: Record<string, unknown>): never {
  throw new ConsensusError('INVALID_CONFIG', message, { details });
}

/** Checks every value and every relationship between values; throws ConsensusError. */
export function checkConfig(config: ConsensusConfig): void {
  const n = config.validators.length;
  if (n < 1 || n > VALIDATOR_COUNT_MAX) invalid(`a validator set has 1..${VALIDATOR_COUNT_MAX} members, got ${n}`, { n });
  if (!Number.isInteger(config.selfIndex) || config.selfIndex < 0 || config.selfIndex >= n) {
    invalid(`selfIndex ${config.selfIndex} is not an index into ${n} validators`, { selfIndex: config.selfIndex, n });
  }
  if (config.epoch < 0n) invalid('epoch is negative', { epoch: config.epoch });
  const t = config.timing;
  for (const [name, value] of Object.entries(t)) {
    // Only the block interval (no wait) and its rate threshold (always) may be 0.
    const least = name === 'blockIntervalMinMs' || name === 'blockIntervalTransactionRateMin' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least) invalid(`timing.${name} must be an integer of at least ${least}, got ${value}`, { name, value });
  }
  if (t.roundTimeoutMaxMs < t.roundTimeoutBaseMs) invalid('roundTimeoutMaxMs is below roundTimeoutBaseMs', { ...t });
  // A leader that waits for payload must still propose before the others give up on it.
  if (t.emptyBlockIntervalMs >= t.roundTimeoutBaseMs) invalid('emptyBlockIntervalMs must be below roundTimeoutBaseMs', { ...t });
  // Likewise a leader spacing its blocks.
  if (t.blockIntervalMinMs >= t.roundTimeoutBaseMs) invalid('blockIntervalMinMs must be below roundTimeoutBaseMs', { ...t });
  for (const [name, value] of Object.entries(config.limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) invalid(`limits.${name} must be a positive integer, got ${value}`, { name, value });
  }
  // Catch-up must fit in the tree that receives it.
  if (config.limits.syncBlocksMax > config.limits.blockTreeBlocksMax) invalid('syncBlocksMax exceeds blockTreeBlocksMax', { ...config.limits });
}
