/**
 * The public interface of the consensus core: its configuration, the collaborators the
 * shell injects, the events it accepts and the effects it returns.
 *
 * The core is a pure, synchronous state machine (`step(event) → Effect[]`): no clock, no
 * sockets, no disk, no randomness. The shell (packages/node, or the simulator in
 * packages/testing) owns all of those and performs the effects, in order.
 *
 * Wire types (ConsensusBlock, Vote, QuorumCert, Timeout, TimeoutCert, ConsensusMessage,
 * Evidence, SafetyState) are the generated protobuf types of
 * proto/tongbao/v1/consensus.proto, re-exported here. Rounds, heights, epochs and block
 * timestamps are bigint (uint64 on the wire); durations and `nowMs` are numbers.
 */
import type {
  BatchRef,
  ConsensusBlock,
  ConsensusMessage,
  Evidence,
  QuorumCert,
  SafetyState,
  SyncRequest,
  TimeoutCert,
} from '@tongbao/protocol';

export type {
  BatchRef,
  ConsensusBlock,
  ConsensusMessage,
  ConflictingProposals,
  ConflictingVotes,
  Evidence,
  Proposal,
  QuorumCert,
  RoundSync,
  SafetyState,
  SyncRequest,
  SyncResponse,
  Timeout,
  TimeoutCert,
  TimeoutData,
  Vote,
  VoteData,
} from '@tongbao/protocol';

// ───────────────────────────── configuration ─────────────────────────────

/** Timing parameters, in milliseconds of the shell's clock. Checked at construction. */
export interface ConsensusTiming {
  /** Round timeout after a round entered by a QC (no consecutive timeouts). */
  readonly roundTimeoutBaseMs: number;
  /** Ceiling of the exponential back-off: base × 2^consecutiveTimeouts, capped here. */
  readonly roundTimeoutMaxMs: number;
  /**
   * How long a leader with nothing to order waits before proposing an empty block, which
   * keeps rounds and block time moving. Must be below roundTimeoutBaseMs.
   */
  readonly emptyBlockIntervalMs: number;
  /**
   * How long after its parent a leader with payload waits before proposing (0: at once).
   * Under moderate load rounds are short and each block would carry a few dozen
   * transactions, while a block has costs of its own (the state tree's upper pages
   * rewritten, signatures, a durable write); spacing blocks makes them fewer and fuller.
   * Measured from the parent's timestamp, and never more than this after the round began
   * here (a clock behind the parent's proposer does not stretch the wait). Must be below
   * roundTimeoutBaseMs.
   */
  readonly blockIntervalMinMs: number;
  /**
   * The interval applies only while transactions arrive at least this fast, in
   * transactions per second, as the parent block shows it: its transactions over the time
   * from its own parent's timestamp to its own (0: always). Spacing pays where the machine
   * is busy and blocks' own costs crowd out transactions; under light load a block of a
   * few dozen costs nothing anyone waits for, and waiting would add the interval to every
   * payment's latency twice (its block and the child that commits it). A rate, not a
   * block size, because a spaced block is larger for the wait alone: a size threshold
   * would keep spacing long after the load that started it has gone.
   */
  readonly blockIntervalTransactionRateMin: number;
  /** A voter rejects a proposal whose timestamp is further than this ahead of its clock. */
  readonly proposalTimestampDriftMaxMs: number;
}

/** Size limits, every one named with its unit last. Checked at construction. */
export interface ConsensusLimits {
  /** Batch references in one block. */
  readonly payloadBatchCountMax: number;
  /** Sum of the referenced batches' transaction counts in one block. */
  readonly payloadTransactionCountMax: number;
  /** Sum of the referenced batches' encoded sizes in one block. */
  readonly payloadBytesMax: number;
  /** Blocks asked for, or served, in one catch-up exchange. */
  readonly syncBlocksMax: number;
  /** Uncommitted blocks kept in the block tree; beyond it new blocks are refused. */
  readonly blockTreeBlocksMax: number;
  /** Rounds behind the current one for which votes and proposals are remembered (evidence). */
  readonly evidenceRoundsRetainedCount: number;
  /** Proposals held while their parent or batches are being fetched. */
  readonly pendingProposalsCountMax: number;
}

/**
 * Everything fixed for one epoch: constructed by the shell from the genesis (validator
 * list in genesis order, chain id) and the node's own configuration.
 */
export interface ConsensusConfig {
  readonly chainId: string;
  /** Validator-set generation; 0 until validator changes exist. Carried in every signed message. */
  readonly epoch: bigint;
  /** Public keys in genesis order; a validator's index in this list names it everywhere. */
  readonly validators: readonly Uint8Array[];
  /** This node's index in `validators`. */
  readonly selfIndex: number;
  /** The root of the chain: height 0, round 0, certified by the genesis QC. */
  readonly genesis: GenesisAnchor;
  readonly timing: ConsensusTiming;
  readonly limits: ConsensusLimits;
}

/** The genesis as consensus sees it: a committed block at height 0, round 0. */
export interface GenesisAnchor {
  /** Hash identifying the chain's genesis (e.g. the hash of the encoded Genesis). */
  readonly hash: Uint8Array;
  /** Milliseconds since the Unix epoch; block 1's timestamp must exceed it. */
  readonly timestampMs: bigint;
}

// ───────────────────────────── injected collaborators ─────────────────────────────

/** Produces signatures with this validator's key. Only the safety rules hold it. */
export interface Signer {
  sign(message: Uint8Array): Uint8Array;
}

/** The chain's consensus-critical verifier (protocol's `verify` bound to the suite). */
export type VerifySignature = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/** The chain's hash function (protocol's suite hash). */
export type HashFunction = (data: Uint8Array) => Uint8Array;

/** What a leader asks its payload source for. */
export interface PayloadRequest {
  readonly batchCountMax: number;
  readonly transactionCountMax: number;
  readonly bytesMax: number;
  /** Batches already ordered by the uncommitted ancestors of the block being built; never return these. */
  readonly pending: readonly BatchRef[];
}

/**
 * The node's batch store as consensus sees it (the mempool). Synchronous: the shell
 * answers from memory.
 */
export interface PayloadSource {
  /**
   * Batches for the next proposal, within the limits, in the order they should be ordered.
   * Asking takes nothing: a leader may ask, wait (blockIntervalMinMs) and ask again.
   */
  next(request: PayloadRequest): BatchRef[];
  /** Whether the batch's transactions are held locally (a voter votes only if all are). */
  available(ref: BatchRef): boolean;
}

export interface ConsensusDependencies {
  readonly hash: HashFunction;
  readonly verify: VerifySignature;
  readonly signer: Signer;
  readonly payload: PayloadSource;
}

/**
 * What the shell restores after a restart: exactly what the completed `persist` and
 * `commit` effects left in its store, nothing newer.
 */
export interface RestoredState {
  /** The last persisted SafetyState (`initialSafetyState(epoch)` if none was). */
  readonly safety: SafetyState;
  /** The highest committed block and the QC that committed it; absent at genesis. */
  readonly committed?: { readonly block: ConsensusBlock; readonly commitQc: QuorumCert };
  /** Persisted blocks above the committed tip (`persist.blocks`), any order. */
  readonly blocks?: readonly ConsensusBlock[];
  /** The last persisted `persist.highQc`. */
  readonly highQc?: QuorumCert;
  /** The last persisted `persist.highTc`. */
  readonly highTc?: TimeoutCert;
}

// ───────────────────────────── events ─────────────────────────────

/** Timers the core sets; a timer fires as an event carrying its kind and round. */
export type TimerKind =
  /** The round has lasted too long: sign a timeout (or re-send it). */
  | 'roundTimeout'
  /** The leader waited emptyBlockIntervalMs with nothing to order: propose anyway. */
  | 'emptyBlock'
  /** The leader with payload waited blockIntervalMinMs after the parent: propose now. */
  | 'blockInterval';

/**
 * Inputs to `step`. Every event carries `nowMs`, the shell's clock in milliseconds since
 * the Unix epoch: the only time the core sees.
 */
export type ConsensusEvent =
  /** Once, first: enter the first round (after genesis or restore). */
  | { readonly kind: 'start'; readonly nowMs: number }
  /**
   * A decoded message from validator `from`, the index the transport authenticated
   * (mTLS). Signatures inside are not yet checked; the core checks them.
   */
  | { readonly kind: 'message'; readonly nowMs: number; readonly from: number; readonly message: ConsensusMessage }
  /** A timer set by a `setTimer` effect fired. Stale timers are ignored by the core. */
  | { readonly kind: 'timer'; readonly nowMs: number; readonly timer: TimerKind; readonly round: bigint }
  /** A batch became locally available (received, fetched or made here). */
  | { readonly kind: 'batchAvailable'; readonly nowMs: number; readonly ref: BatchRef };

// ───────────────────────────── effects ─────────────────────────────

/** A committed block, its hash, and the certificate proving the commit. */
export interface CommittedBlock {
  readonly block: ConsensusBlock;
  readonly hash: Uint8Array;
  /**
   * The QC that committed this block: it certifies a child C of the highest block of this
   * commit (`commitQc.data.parentHash` = that block's hash, `data.round` = its round + 1).
   * Lower blocks of the same commit are linked to that block by parent hashes.
   */
  readonly commitQc: QuorumCert;
}

/** Where a message goes: one validator, or every validator but this one. */
export type Destination = { readonly kind: 'validator'; readonly index: number } | { readonly kind: 'broadcast' };

/**
 * Outputs of `step`, to be performed by the shell in list order.
 *
 * ORDERING CONTRACT: the shell MUST complete (durably, fsync'd) every `persist` effect
 * before performing any effect after it in the same list. The safety rules rely on it:
 * their state is persisted before the signed message that depends on it is sent, so a
 * crash can never lose the record of a signature that left the node.
 */
export type ConsensusEffect =
  /**
   * Save durably, then continue with the next effect:
   * - `safety`: replaces the stored SafetyState (the signing rules' memory);
   * - `blocks`: adds blocks to the stored uncommitted blocks (drop those at or below the
   *   committed height once committed);
   * - `highQc`: replaces the stored highest quorum certificate;
   * - `highTc`: replaces the stored highest timeout certificate.
   * All of them come back in `RestoredState` after a restart; without the blocks and the
   * QC a lone validator could not resume a chain whose newest certified block it lost.
   */
  | {
      readonly kind: 'persist';
      readonly safety?: SafetyState;
      readonly blocks?: readonly ConsensusBlock[];
      readonly highQc?: QuorumCert;
      readonly highTc?: TimeoutCert;
    }
  /** Send a message. Loss is tolerated: the protocol retransmits what matters on timeouts. */
  | { readonly kind: 'send'; readonly to: Destination; readonly message: ConsensusMessage }
  /**
   * Call back with a `timer` event after `delayMs`. Setting a timer of the same kind and
   * round again replaces it; timers of other rounds may be left to fire (they are ignored).
   */
  | { readonly kind: 'setTimer'; readonly timer: TimerKind; readonly round: bigint; readonly delayMs: number }
  /**
   * Blocks became final, in height order, each extending the previous committed one.
   * Execute and store them (with their commit QC, to serve catch-up); never revisited.
   */
  | { readonly kind: 'commit'; readonly blocks: readonly CommittedBlock[] }
  /** A proposal waits for these batches: fetch them (from `from` first) and report `batchAvailable`. */
  | { readonly kind: 'fetchBatches'; readonly from: number; readonly refs: readonly BatchRef[] }
  /**
   * This node is missing blocks (behind, restarted, or a parent unseen): send `request`
   * as a `syncRequest` message to validator `from` (or any other) and deliver the answer.
   */
  | { readonly kind: 'fetchBlocks'; readonly from: number; readonly request: SyncRequest }
  /**
   * Answer a peer's SyncRequest: send validator `to` a `syncResponse` made by
   * `buildSyncResponse` from the committed blocks the shell has stored from
   * `request.fromHeight` up, followed by `tail` (the uncommitted certified blocks the core
   * holds, lowest first) and `highQc`.
   */
  | {
      readonly kind: 'serveBlocks';
      readonly to: number;
      readonly request: SyncRequest;
      readonly tail: readonly ConsensusBlock[];
      readonly highQc: QuorumCert;
    }
  /** Proof that a validator misbehaved; the node will put it on chain. */
  | { readonly kind: 'evidence'; readonly evidence: Evidence };

/** The consensus core. */
export interface Consensus {
  /** Advances the state machine by one event. Synchronous and deterministic. */
  step(event: ConsensusEvent): ConsensusEffect[];
  /** Read-only views for the shell's metrics and the tests. */
  readonly status: ConsensusStatus;
}

export interface ConsensusStatus {
  readonly round: bigint;
  readonly committedHeight: bigint;
  readonly committedHash: Uint8Array;
  readonly highQcRound: bigint;
  /** Timeouts in a row since the last round entered by a QC (drives the back-off). */
  readonly consecutiveTimeouts: number;
}
