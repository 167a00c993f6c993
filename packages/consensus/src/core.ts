/**
 * The consensus core: a deterministic state machine, `step(event) → effects`.
 *
 * Protocol (Jolteon / HotStuff-2 family, two-chain):
 * - Rounds. The leader of round r is validator r mod n. A node is in round
 *   max(highQc.round, highTc.round) + 1: it enters round r on seeing a QC or a TC of r-1.
 * - The leader proposes a block extending its highest QC (carried in the block: the QC of
 *   the parent rides in the child, so certification is pipelined), plus the TC of r-1 if
 *   it entered r by timeout. Every validator votes (through the safety rules) and sends
 *   its vote to every validator; the leader of r+1 forms the QC from 2f+1 votes and
 *   proposes next, and the others form it too, so it survives that leader's crash.
 * - Commit: a QC for block B' whose parent B has round(B') = round(B) + 1 commits B and
 *   its uncommitted ancestors. Never a fork, never a reorg: committed is final.
 * - Timeouts: a round that lasts too long is given up with a signed timeout carrying the
 *   signer's highest QC, broadcast; 2f+1 form a TC that ends the round; f+1 of them make
 *   a node give up too (so one slow node cannot hold a round open). Timeouts back off
 *   exponentially while rounds keep failing.
 *
 * Maps here are keyed by hex strings and only looked up, or iterated in insertion order
 * where order matters, so every run with the same events produces the same effects.
 */
import {
  assert,
  bytesToHex,
  clone,
  create,
  equalBytes,
  ConflictingProposalsSchema,
  ConflictingVotesSchema,
  ConsensusBlockSchema,
  ConsensusMessageSchema,
  EvidenceSchema,
  ProposalSchema,
  QuorumCertSchema,
  RoundSyncSchema,
  SyncRequestSchema,
  TimeoutCertSchema,
  VoteDataSchema,
  encode,
  type BatchRef,
  type ConsensusBlock,
  type ConsensusMessage,
  type Proposal,
  type QuorumCert,
  type SyncResponse,
  type Timeout,
  type TimeoutCert,
  type Vote,
} from '@tongbao/protocol';
import { verifyProposalSignature, verifyQuorumCert, verifyTimeout, verifyTimeoutCert, verifyVote, type VerificationContext } from './certificates.js';
import { checkConfig, faultTolerance, genesisQuorumCert, initialSafetyState, leaderOf, quorumSize } from './config.js';
import { ConsensusError } from './errors.js';
import { SafetyRules } from './safety-rules.js';
import { consensusBlockHash } from './signing.js';
import type {
  CommittedBlock,
  Consensus,
  ConsensusConfig,
  ConsensusDependencies,
  ConsensusEffect,
  ConsensusEvent,
  ConsensusStatus,
  RestoredState,
  TimerKind,
} from './types.js';

/** A block held in the tree (uncommitted, or the committed root). */
interface TreeBlock {
  readonly block: ConsensusBlock | undefined; // undefined only for the genesis root
  readonly hash: Uint8Array;
  readonly key: string;
  readonly height: bigint;
  readonly round: bigint;
  readonly timestampMs: bigint;
  readonly parentKey: string;
}

interface PendingProposal {
  readonly from: number;
  readonly proposal: Proposal;
}

/**
 * Committed blocks whose payload stays excluded from new proposals: the mempool learns of
 * a commit only when the shell has performed the commit effect, possibly several blocks
 * later (a lone validator commits many blocks within one step).
 */
const RECENT_COMMITTED_BLOCKS_COUNT = 64;

/** Timeout back-off doubles at most this many times (2^30 × base exceeds any sane max). */
const BACKOFF_DOUBLINGS_MAX = 30;

/**
 * Creates the consensus core for one validator. `restored` is absent on first start and
 * is the shell's persisted state after a restart.
 */
export function createConsensus(config: ConsensusConfig, deps: ConsensusDependencies, restored?: RestoredState): Consensus {
  checkConfig(config);
  return new Core(config, deps, restored);
}

class Core implements Consensus {
  readonly #config: ConsensusConfig;
  readonly #deps: ConsensusDependencies;
  readonly #ctx: VerificationContext;
  readonly #n: number;
  readonly #quorum: number;
  readonly #f: number;
  readonly #self: number;
  readonly #safety: SafetyRules;

  #started = false;
  #now = 0n;
  #effects: ConsensusEffect[] = [];
  #local: ConsensusMessage[] = [];

  #round = 0n;
  #highQc: QuorumCert;
  #highTc: TimeoutCert | undefined;
  #consecutiveTimeouts = 0;
  #root: TreeBlock;
  #commitQc: QuorumCert;
  /** Uncommitted blocks above the root, by hex hash, in insertion order. */
  #tree = new Map<string, TreeBlock>();
  /** (round, block hash) of QCs already verified, to verify each certificate once. */
  #verifiedQcs = new Set<string>();

  /** Leader side: votes of a round by VoteData key, then voter. */
  #votes = new Map<bigint, Map<string, Map<number, Vote>>>();
  /** Evidence: the first vote of each (round, voter), the first proposal of each round. */
  #seenVotes = new Map<bigint, Map<number, Vote>>();
  #seenProposals = new Map<bigint, Proposal>();
  #timeouts = new Map<bigint, Map<number, Timeout>>();
  #myTimeout: Timeout | undefined;
  #proposedRound = -1n;
  #emptyTimerRound = -1n;
  #intervalTimerRound = -1n;
  /** This node's clock when it entered the current round. */
  #roundEnteredMs = 0n;
  #pending: PendingProposal[] = [];
  #lastFetchKey = '';
  /**
   * The highest block a sync response linked to the root, while it is in the tree: catch-up
   * continues after it. Asking from the root again would fetch the same first
   * syncBlocksMax blocks for ever when the gap to the commit certificate is longer.
   */
  #syncTip: TreeBlock | undefined;
  #reported = new Set<string>();
  /** Payload of the last RECENT_COMMITTED_BLOCKS_COUNT committed blocks, oldest first. */
  #recentCommitted: BatchRef[][] = [];

  constructor(config: ConsensusConfig, deps: ConsensusDependencies, restored: RestoredState | undefined) {
    this.#config = config;
    this.#deps = deps;
    this.#n = config.validators.length;
    this.#quorum = quorumSize(this.#n);
    this.#f = faultTolerance(this.#n);
    this.#self = config.selfIndex;
    const genesisQc = genesisQuorumCert(config.genesis, config.epoch);
    this.#ctx = { chainId: config.chainId, epoch: config.epoch, validators: config.validators, verify: deps.verify, genesisQc };
    const safety = restored?.safety;
    if (safety !== undefined && safety.epoch !== config.epoch) {
      throw new ConsensusError('INVALID_RESTORED_STATE', `restored safety state is of epoch ${safety.epoch}, not ${config.epoch}`);
    }
    this.#safety = new SafetyRules(
      { chainId: config.chainId, selfIndex: config.selfIndex, signer: deps.signer },
      safety ?? initialSafetyState(config.epoch),
    );

    const genesisRoot: TreeBlock = {
      block: undefined,
      hash: config.genesis.hash,
      key: bytesToHex(config.genesis.hash),
      height: 0n,
      round: 0n,
      timestampMs: config.genesis.timestampMs,
      parentKey: '',
    };
    this.#root = genesisRoot;
    this.#highQc = genesisQc;
    this.#commitQc = genesisQc;
    this.#verifiedQcs.add(this.#qcKey(genesisQc));

    const committed = restored?.committed;
    if (committed !== undefined) {
      const hash = consensusBlockHash(deps.hash, committed.block);
      const problem = verifyQuorumCert(this.#ctx, committed.commitQc);
      if (problem !== undefined || !equalBytes(committed.commitQc.data!.parentHash, hash)) {
        throw new ConsensusError('INVALID_RESTORED_STATE', `restored commit certificate does not commit the restored block: ${problem ?? 'hash mismatch'}`);
      }
      this.#root = this.#toTreeBlock(committed.block, hash);
      this.#commitQc = committed.commitQc;
      this.#highQc = committed.commitQc;
      this.#verifiedQcs.add(this.#qcKey(committed.commitQc));
    }
    // Our own persisted blocks: re-link those that still extend the committed root.
    const stored = [...(restored?.blocks ?? [])].sort((a, b) => (a.height < b.height ? -1 : a.height > b.height ? 1 : 0));
    for (const block of stored) {
      if (block.height <= this.#root.height) continue;
      const entry = this.#toTreeBlock(block, consensusBlockHash(deps.hash, block));
      if (this.#lookup(entry.parentKey) !== undefined && !this.#tree.has(entry.key)) this.#tree.set(entry.key, entry);
    }
    const highQc = restored?.highQc;
    if (highQc !== undefined && highQc.data !== undefined && highQc.data.round > this.#highQc.data!.round && verifyQuorumCert(this.#ctx, highQc) === undefined) {
      this.#highQc = highQc;
      this.#verifiedQcs.add(this.#qcKey(highQc));
    }
    const highTc = restored?.highTc;
    if (highTc !== undefined && verifyTimeoutCert(this.#ctx, highTc) === undefined) this.#highTc = highTc;
  }

  get status(): ConsensusStatus {
    return {
      round: this.#round,
      committedHeight: this.#root.height,
      committedHash: this.#root.hash,
      highQcRound: this.#highQc.data!.round,
      consecutiveTimeouts: this.#consecutiveTimeouts,
    };
  }

  step(event: ConsensusEvent): ConsensusEffect[] {
    this.#effects = [];
    this.#now = BigInt(Math.floor(event.nowMs));
    if (event.kind === 'start') {
      if (this.#started) throw new ConsensusError('INVALID_EVENT_ORDER', 'start delivered twice');
      this.#started = true;
      // Enter: the round after our highest certificate (1 at genesis). A restored QC whose
      // block we lack is fetched from the round's leader's peers as blocks arrive.
      this.#retryCommit();
      const highTcRound = this.#highTc?.round ?? 0n;
      const qcRound = this.#highQc.data!.round;
      this.#enterRound((highTcRound > qcRound ? highTcRound : qcRound) + 1n, highTcRound > qcRound);
    } else {
      if (!this.#started) throw new ConsensusError('INVALID_EVENT_ORDER', `${event.kind} before start`);
      switch (event.kind) {
        case 'message':
          this.#onMessage(event.from, event.message);
          break;
        case 'timer':
          this.#onTimer(event.timer, event.round);
          break;
        case 'batchAvailable':
          this.#retryPending();
          if (this.#isLeader(this.#round)) this.#tryPropose(false);
          break;
      }
    }
    // Messages to ourselves are handled within the same step, after what caused them.
    while (this.#local.length > 0) this.#onMessage(this.#self, this.#local.shift()!);
    const effects = this.#effects;
    this.#effects = [];
    return effects;
  }

  // ───────────── rounds ─────────────

  /**
   * Enter: a QC (byTimeout false) or TC (byTimeout true) of round r-1 was seen, or start.
   * Arms the round timer with back-off, lets the leader propose, retries held proposals.
   */
  #enterRound(round: bigint, byTimeout: boolean): void {
    if (round <= this.#round) return;
    this.#round = round;
    this.#roundEnteredMs = this.#now;
    this.#consecutiveTimeouts = byTimeout ? this.#consecutiveTimeouts + 1 : 0;
    this.#myTimeout = undefined;
    this.#emit({ kind: 'setTimer', timer: 'roundTimeout', round, delayMs: this.#roundTimeoutMs() });
    this.#prune();
    if (this.#isLeader(round)) this.#tryPropose(false);
    this.#retryPending();
  }

  #roundTimeoutMs(): number {
    const t = this.#config.timing;
    const doublings = Math.min(this.#consecutiveTimeouts, BACKOFF_DOUBLINGS_MAX);
    return Math.min(t.roundTimeoutBaseMs * 2 ** doublings, t.roundTimeoutMaxMs);
  }

  #isLeader(round: bigint): boolean {
    return leaderOf(round, this.#n) === this.#self;
  }

  #onTimer(timer: TimerKind, round: bigint): void {
    if (round !== this.#round) return; // stale: the round already ended
    if (timer === 'emptyBlock' || timer === 'blockInterval') {
      // The interval timer having fired is the interval elapsed: a shell's timer may fire
      // a little before its clock says so, and waiting again would leave the round idle.
      if (this.#isLeader(round)) this.#tryPropose(timer === 'emptyBlock', timer === 'blockInterval');
      return;
    }
    this.#localTimeout();
    // Keep re-sending the timeout (messages may be lost) until the round ends.
    this.#emit({ kind: 'setTimer', timer: 'roundTimeout', round, delayMs: this.#roundTimeoutMs() });
    // Whatever we were waiting for may never come from the peer first asked.
    this.#lastFetchKey = '';
    if (this.#lookup(bytesToHex(this.#highQc.data!.blockHash)) === undefined) this.#fetch(leaderOf(round + 1n, this.#n));
  }

  /** Enter (sub-state "timed out"): the round timer fired, or f+1 others gave the round up. */
  #localTimeout(): void {
    const highTc = this.#highTc !== undefined && this.#highTc.round + 1n === this.#round ? this.#highTc : undefined;
    const outcome = this.#safety.signTimeout(this.#round, this.#highQc, highTc, this.#config.epoch);
    if (!outcome.ok) return;
    if (outcome.changed) this.#emit({ kind: 'persist', safety: outcome.state });
    this.#myTimeout = outcome.value;
    this.#broadcast(create(ConsensusMessageSchema, { kind: { case: 'timeout', value: outcome.value } }));
  }

  // ───────────── messages ─────────────

  #onMessage(from: number, message: ConsensusMessage): void {
    if (from < 0 || from >= this.#n) return;
    const kind = message.kind;
    switch (kind.case) {
      case 'proposal':
        this.#onProposal(from, kind.value);
        break;
      case 'vote':
        this.#onVote(from, kind.value);
        break;
      case 'timeout':
        this.#onTimeout(from, kind.value);
        break;
      case 'roundSync':
        if (kind.value.highQc !== undefined && this.#acceptQc(kind.value.highQc, from)) this.#processQc(kind.value.highQc, from);
        if (kind.value.highTc !== undefined && verifyTimeoutCert(this.#ctx, kind.value.highTc) === undefined) this.#processTc(kind.value.highTc);
        break;
      case 'syncRequest':
        if (from !== this.#self) this.#serveSync(from, kind.value.fromHeight, kind.value.maxBlocks);
        break;
      case 'syncResponse':
        this.#onSyncResponse(from, kind.value);
        break;
      default:
        break;
    }
  }

  #onProposal(from: number, proposal: Proposal): void {
    const block = proposal.block;
    if (block === undefined || block.parentQc?.data === undefined) return;
    if (block.chainId !== this.#config.chainId || block.epoch !== this.#config.epoch) return;
    if (block.proposer !== leaderOf(block.round, this.#n)) return;
    if (block.round + 1n < this.#round) return; // long over; nothing to learn
    const hash = consensusBlockHash(this.#deps.hash, block);
    const key = bytesToHex(hash);
    if (verifyProposalSignature(this.#ctx, proposal, hash) !== undefined) return;
    // Misbehaviour: a second, different proposal signed for the same round.
    const seen = this.#seenProposals.get(block.round);
    if (seen === undefined) this.#seenProposals.set(block.round, clone(ProposalSchema, proposal));
    else if (!equalBytes(consensusBlockHash(this.#deps.hash, seen.block!), hash)) {
      if (!this.#reportOnce(`proposal:${block.round}`)) return;
      this.#emit({
        kind: 'evidence',
        evidence: create(EvidenceSchema, { kind: { case: 'conflictingProposals', value: create(ConflictingProposalsSchema, { first: seen, second: proposal }) } }),
      });
      return;
    }
    // The certificates it carries are news worth having whatever we decide about the block.
    if (!this.#acceptQc(block.parentQc, from)) return;
    const tc = proposal.timeoutCert;
    if (tc !== undefined && verifyTimeoutCert(this.#ctx, tc) !== undefined) return;
    this.#processQc(block.parentQc, from);
    if (tc !== undefined) this.#processTc(tc);
    if (block.round !== this.#round) return; // a block justified for a later round would have moved us there
    this.#considerProposal(from, proposal, hash, key);
  }

  /** Checks a signed, certified proposal of the current round against our tree; votes if all is well. */
  #considerProposal(from: number, proposal: Proposal, hash: Uint8Array, key: string): void {
    const block = proposal.block!;
    const parentQc = block.parentQc!.data!;
    if (!equalBytes(block.parentHash, parentQc.blockHash) || block.height !== parentQc.height + 1n) return;
    const parent = this.#lookup(bytesToHex(block.parentHash));
    if (parent === undefined) {
      // Enter (waiting for blocks): the parent is certified but unseen here.
      this.#hold(from, proposal);
      this.#fetch(from);
      return;
    }
    if (block.timestampMs <= parent.timestampMs) return;
    if (block.timestampMs > this.#now + BigInt(this.#config.timing.proposalTimestampDriftMaxMs)) return;
    if (!this.#payloadIsValid(block, parent)) return;
    const missing = block.payload.filter((ref) => !this.#deps.payload.available(ref));
    if (missing.length > 0) {
      // Enter (waiting for batches): vote once every referenced batch is held here.
      this.#hold(from, proposal);
      this.#emit({ kind: 'fetchBatches', from: block.proposer, refs: missing });
      return;
    }
    const isNew = !this.#tree.has(key);
    if (isNew && this.#tree.size >= this.#config.limits.blockTreeBlocksMax) return;
    const entry = this.#toTreeBlock(block, hash);
    const outcome = this.#safety.signVote(block, hash, proposal.timeoutCert);
    if (!outcome.ok) {
      if (isNew) {
        this.#tree.set(key, entry);
        this.#emit({ kind: 'persist', blocks: [block] });
      }
      return;
    }
    if (isNew) this.#tree.set(key, entry);
    // Persist the block and the vote's safety state before the vote leaves.
    if (isNew || outcome.changed) this.#emit({ kind: 'persist', ...(outcome.changed ? { safety: outcome.state } : {}), ...(isNew ? { blocks: [block] } : {}) });
    // Every validator gets the vote, not only the next leader: if that leader is down,
    // the others still form the QC and carry it in their timeouts, so the block certified
    // in the round before a crashed leader's is not lost (one failed round per rotation
    // instead of two).
    this.#broadcast(create(ConsensusMessageSchema, { kind: { case: 'vote', value: outcome.value } }));
  }

  #payloadIsValid(block: ConsensusBlock, parent: TreeBlock): boolean {
    const limits = this.#config.limits;
    if (block.payload.length > limits.payloadBatchCountMax) return false;
    let transactions = 0;
    let bytes = 0;
    const digests = new Set<string>();
    for (const ref of block.payload) {
      transactions += ref.transactionCount;
      bytes += Number(ref.bytes);
      const digest = bytesToHex(ref.digest);
      if (digests.has(digest)) return false;
      digests.add(digest);
    }
    if (transactions > limits.payloadTransactionCountMax || bytes > limits.payloadBytesMax) return false;
    // Not ordered again by an uncommitted ancestor (committed repeats are execution's
    // concern: it rejects replayed transactions).
    for (const ref of this.#pendingPayload(parent)) if (digests.has(bytesToHex(ref.digest))) return false;
    return true;
  }

  /** Payload of `tip` and its uncommitted ancestors, and of recently committed blocks. */
  #pendingPayload(tip: TreeBlock): BatchRef[] {
    const refs: BatchRef[] = this.#recentCommitted.flat();
    let cursor: TreeBlock | undefined = tip;
    while (cursor !== undefined && cursor.key !== this.#root.key) {
      if (cursor.block !== undefined) refs.push(...cursor.block.payload);
      cursor = this.#tree.get(cursor.parentKey);
    }
    return refs;
  }

  #onVote(from: number, vote: Vote): void {
    if (vote.voter !== from) return; // votes come straight from their signer
    const data = vote.data;
    if (data === undefined) return;
    if (verifyVote(this.#ctx, vote) !== undefined) return;
    // Misbehaviour: two different votes signed for one round.
    let byVoter = this.#seenVotes.get(data.round);
    if (byVoter === undefined) this.#seenVotes.set(data.round, (byVoter = new Map()));
    const first = byVoter.get(vote.voter);
    if (first === undefined) byVoter.set(vote.voter, vote);
    else if (!equalBytes(encode(VoteDataSchema, first.data!), encode(VoteDataSchema, data))) {
      if (!this.#reportOnce(`vote:${data.round}:${vote.voter}`)) return;
      this.#emit({
        kind: 'evidence',
        evidence: create(EvidenceSchema, { kind: { case: 'conflictingVotes', value: create(ConflictingVotesSchema, { first, second: vote }) } }),
      });
      return;
    }
    if (data.round + 1n < this.#round) {
      if (from !== this.#self) this.#sendRoundSync(from);
      return;
    }
    if (data.round < this.#round - 1n) return;
    let byData = this.#votes.get(data.round);
    if (byData === undefined) this.#votes.set(data.round, (byData = new Map()));
    const dataKey = bytesToHex(encode(VoteDataSchema, data));
    let voters = byData.get(dataKey);
    if (voters === undefined) byData.set(dataKey, (voters = new Map()));
    if (voters.has(vote.voter)) return;
    voters.set(vote.voter, vote);
    if (voters.size !== this.#quorum) return;
    // Enter (QC formed): 2f+1 votes on the same VoteData.
    const signers = [...voters.keys()].sort((a, b) => a - b);
    const qc = create(QuorumCertSchema, {
      data: clone(VoteDataSchema, data),
      signers,
      signatures: signers.map((s) => voters.get(s)!.signature),
    });
    this.#verifiedQcs.add(this.#qcKey(qc));
    this.#processQc(qc, from);
  }

  #onTimeout(from: number, timeout: Timeout): void {
    if (timeout.signer !== from) return;
    const data = timeout.data;
    if (data === undefined || verifyTimeout(this.#ctx, timeout) !== undefined) return;
    if (!this.#acceptQc(timeout.highQc!, from)) return;
    const highTc = timeout.highTc;
    if (highTc !== undefined && verifyTimeoutCert(this.#ctx, highTc) !== undefined) return;
    this.#processQc(timeout.highQc!, from);
    if (highTc !== undefined) this.#processTc(highTc);
    if (data.round < this.#round) {
      // The sender is behind: hand it the certificates that moved us on.
      if (from !== this.#self) this.#sendRoundSync(from);
      return;
    }
    if (data.round > this.#round) return; // unjustified: its certificates did not bring us there
    let bySigner = this.#timeouts.get(data.round);
    if (bySigner === undefined) this.#timeouts.set(data.round, (bySigner = new Map()));
    if (bySigner.has(timeout.signer)) return;
    bySigner.set(timeout.signer, timeout);
    // f+1 validators gave the round up, so at least one honest one did: join them.
    if (bySigner.size >= this.#f + 1 && this.#myTimeout === undefined) this.#localTimeout();
    if (bySigner.size !== this.#quorum) return;
    // Enter (TC formed): 2f+1 timeouts for this round.
    const signers = [...bySigner.keys()].sort((a, b) => a - b);
    const tc = create(TimeoutCertSchema, {
      epoch: this.#config.epoch,
      round: data.round,
      signers,
      highQcRounds: signers.map((s) => bySigner.get(s)!.data!.highQcRound),
      signatures: signers.map((s) => bySigner.get(s)!.signature),
    });
    this.#processTc(tc);
  }

  #sendRoundSync(to: number): void {
    this.#sendTo(to, create(ConsensusMessageSchema, { kind: { case: 'roundSync', value: create(RoundSyncSchema, { highQc: this.#highQc, highTc: this.#highTc }) } }));
  }

  // ───────────── certificates ─────────────

  #qcKey(qc: QuorumCert): string {
    // The whole certificate, signers and signatures included: a copy with the same vote
    // data but forged or missing signatures must get its own verdict. (Keyed by the vote
    // data alone, an under-signed copy rode on an earlier valid one, was embedded in
    // blocks and stored, and a node catching up later rightly refused it: found by the
    // simulator, seed 100070 with votes broadcast.)
    return bytesToHex(encode(QuorumCertSchema, qc));
  }

  /** Verifies a QC once; later identical copies reuse the verdict. */
  #acceptQc(qc: QuorumCert, from: number): boolean {
    void from;
    if (qc.data === undefined) return false;
    const key = this.#qcKey(qc);
    if (this.#verifiedQcs.has(key)) return true;
    if (verifyQuorumCert(this.#ctx, qc) !== undefined) return false;
    this.#verifiedQcs.add(key);
    return true;
  }

  /** A verified QC: raise highQc, apply the commit rule, move to the next round. */
  #processQc(qc: QuorumCert, from: number): void {
    const data = qc.data!;
    if (data.round > this.#highQc.data!.round) {
      this.#highQc = qc;
      this.#emit({ kind: 'persist', highQc: qc });
    }
    this.#applyCommitRule(qc, from);
    if (data.round + 1n > this.#round) this.#enterRound(data.round + 1n, false);
  }

  #processTc(tc: TimeoutCert): void {
    if (this.#highTc === undefined || tc.round > this.#highTc.round) {
      this.#highTc = tc;
      // Kept across restarts: having signed timeouts for the round this TC opened, the
      // honest validators could not sign the TC's round again to rebuild it.
      this.#emit({ kind: 'persist', highTc: tc });
    }
    if (tc.round + 1n > this.#round) this.#enterRound(tc.round + 1n, true);
  }

  /**
   * The two-chain rule: a QC of round r whose parent has round r-1 commits the parent
   * (and, with it, every uncommitted ancestor). The QC names both, being signed over them.
   */
  #applyCommitRule(qc: QuorumCert, from: number): void {
    const data = qc.data!;
    if (data.round !== data.parentRound + 1n || data.height < 2n) return;
    if (data.height - 1n <= this.#root.height) return;
    if (data.round > this.#commitQc.data!.round && (this.#pendingCommit === undefined || data.round > this.#pendingCommit.data!.round)) this.#pendingCommit = qc;
    if (!this.#retryCommit()) this.#fetch(from);
  }

  /** The highest commit certificate not yet applied for want of blocks. */
  #pendingCommit: QuorumCert | undefined;

  /** Commits up to the pending commit certificate if the blocks are all here; false if some are missing. */
  #retryCommit(): boolean {
    const qc = this.#pendingCommit;
    if (qc === undefined) return true;
    const data = qc.data!;
    if (data.height - 1n <= this.#root.height) {
      this.#pendingCommit = undefined;
      return true;
    }
    const chain: TreeBlock[] = [];
    let cursor = this.#tree.get(bytesToHex(data.parentHash));
    while (cursor !== undefined && cursor.key !== this.#root.key) {
      chain.push(cursor);
      cursor = this.#tree.get(cursor.parentKey) ?? (cursor.parentKey === this.#root.key ? this.#root : undefined);
    }
    if (cursor === undefined) return false;
    chain.reverse();
    assert(chain.length > 0 && chain[chain.length - 1]!.height === data.height - 1n, 'commit chain ends at the committed block');
    const committed: CommittedBlock[] = chain.map((entry) => ({ block: entry.block!, hash: entry.hash, commitQc: qc }));
    this.#pendingCommit = undefined;
    for (const entry of chain) this.#recentCommitted.push(entry.block!.payload);
    if (this.#recentCommitted.length > RECENT_COMMITTED_BLOCKS_COUNT) this.#recentCommitted.splice(0, this.#recentCommitted.length - RECENT_COMMITTED_BLOCKS_COUNT);
    this.#root = chain[chain.length - 1]!;
    this.#commitQc = qc;
    this.#pruneTree();
    this.#emit({ kind: 'commit', blocks: committed });
    return true;
  }

  /** Drops blocks that can no longer commit: at or below the root, or not descending from it. */
  #pruneTree(): void {
    const keep = new Map<string, TreeBlock>();
    const entries = [...this.#tree.values()].sort((a, b) => (a.height < b.height ? -1 : a.height > b.height ? 1 : 0));
    for (const entry of entries) {
      if (entry.height <= this.#root.height) continue;
      if (entry.parentKey === this.#root.key || keep.has(entry.parentKey)) keep.set(entry.key, entry);
    }
    this.#tree = keep;
  }

  // ───────────── proposing ─────────────

  /**
   * Leader of the current round: propose once, extending highQc. Immediately if there is
   * payload, or if the certified block carries payload (the two-chain rule commits it
   * once a child is certified) — but not before blockIntervalMinMs after the parent while
   * transactions arrive fast enough to call for spacing (#spacedAfter);
   * otherwise after emptyBlockIntervalMs (`force` is that timer having fired,
   * `intervalElapsed` the blockInterval timer). Not for a payload grandparent: votes go
   * to every validator, so each forms the child's QC and commits the grandparent itself;
   * a third block would cost every validator a round of signatures, writes and an
   * execution and commit nothing sooner.
   */
  #tryPropose(force: boolean, intervalElapsed = false): void {
    const round = this.#round;
    if (this.#proposedRound >= round) return;
    const qc = this.#highQc;
    const qcData = qc.data!;
    const viaTc = qcData.round + 1n !== round;
    const tc = viaTc ? this.#highTc : undefined;
    if (viaTc && (tc === undefined || tc.round + 1n !== round)) return;
    const parent = this.#lookup(bytesToHex(qcData.blockHash));
    if (parent === undefined) {
      this.#fetch(leaderOf(qcData.round, this.#n));
      return;
    }
    const pending = this.#pendingPayload(parent);
    const limits = this.#config.limits;
    const payload = this.#deps.payload.next({
      batchCountMax: limits.payloadBatchCountMax,
      transactionCountMax: limits.payloadTransactionCountMax,
      bytesMax: limits.payloadBytesMax,
      pending,
    });
    const urgent = payload.length > 0 || (parent.block?.payload.length ?? 0) > 0;
    if (!urgent && !force) {
      if (this.#emptyTimerRound !== round) {
        this.#emptyTimerRound = round;
        this.#emit({ kind: 'setTimer', timer: 'emptyBlock', round, delayMs: this.#config.timing.emptyBlockIntervalMs });
      }
      return;
    }
    if (!force && !intervalElapsed && this.#spacedAfter(parent)) {
      const waitMs = this.#blockIntervalWaitMs(parent.timestampMs);
      if (waitMs > 0) {
        if (this.#intervalTimerRound !== round) {
          this.#intervalTimerRound = round;
          this.#emit({ kind: 'setTimer', timer: 'blockInterval', round, delayMs: waitMs });
        }
        return;
      }
    }
    const block = create(ConsensusBlockSchema, {
      chainId: this.#config.chainId,
      epoch: this.#config.epoch,
      round,
      height: parent.height + 1n,
      parentHash: parent.hash,
      parentQc: qc,
      payload,
      timestampMs: this.#now > parent.timestampMs ? this.#now : parent.timestampMs + 1n,
      proposer: this.#self,
    });
    const hash = consensusBlockHash(this.#deps.hash, block);
    const outcome = this.#safety.signProposal(block, hash);
    if (!outcome.ok) return;
    this.#proposedRound = round;
    this.#emit({ kind: 'persist', safety: outcome.state });
    const proposal = create(ProposalSchema, { block, timeoutCert: tc, signature: outcome.value });
    this.#broadcast(create(ConsensusMessageSchema, { kind: { case: 'proposal', value: proposal } }));
  }

  /**
   * Whether the next block waits for blockIntervalMinMs after `parent`: only while
   * transactions arrive at blockIntervalTransactionRateMin a second or faster, as `parent`
   * shows it (its transactions over the time since its own parent) — the load at which
   * fewer, fuller blocks pay for the wait. Integer arithmetic on block timestamps.
   */
  #spacedAfter(parent: TreeBlock): boolean {
    const timing = this.#config.timing;
    if (timing.blockIntervalMinMs === 0) return false;
    const rateMin = BigInt(timing.blockIntervalTransactionRateMin);
    if (rateMin === 0n) return true;
    const block = parent.block;
    const grandparent = block === undefined ? undefined : this.#lookup(parent.parentKey);
    if (block === undefined || grandparent === undefined) return false;
    let transactions = 0;
    for (const ref of block.payload) transactions += ref.transactionCount;
    // transactions / gap ≥ rateMin / 1000 ms, multiplied out.
    return BigInt(transactions) * 1000n >= rateMin * (parent.timestampMs - grandparent.timestampMs);
  }

  /**
   * How much longer a leader waits before proposing after a parent of timestamp
   * `parentMs`: until blockIntervalMinMs past the parent, but at most that long past the
   * moment this round began here.
   */
  #blockIntervalWaitMs(parentMs: bigint): number {
    const interval = BigInt(this.#config.timing.blockIntervalMinMs);
    if (interval === 0n) return 0;
    const byParent = parentMs + interval;
    const byRound = this.#roundEnteredMs + interval;
    const earliest = byParent < byRound ? byParent : byRound;
    return earliest > this.#now ? Number(earliest - this.#now) : 0;
  }

  // ───────────── catch-up ─────────────

  /**
   * Asks `from` (or the next validator, if that is us) for the blocks after the root, or
   * after the sync tip. Once per height and round: every message that shows us behind
   * would otherwise send a request, and a lagging validator among many would ask all of
   * them again and again (the simulator found such a storm, seed 103638). The round
   * timer clears it, so an unanswered request is repeated to another peer.
   */
  #fetch(from: number): void {
    const peer = from === this.#self ? (this.#self + 1) % this.#n : from;
    if (peer === this.#self) return; // alone: nobody to ask
    const fromHeight = this.#syncFromHeight();
    const key = `${fromHeight}:${this.#round}`;
    if (key === this.#lastFetchKey) return;
    this.#lastFetchKey = key;
    this.#emit({
      kind: 'fetchBlocks',
      from: peer,
      request: create(SyncRequestSchema, { fromHeight, maxBlocks: this.#config.limits.syncBlocksMax }),
    });
  }

  #syncFromHeight(): bigint {
    const tip = this.#syncTip;
    if (tip !== undefined && tip.height > this.#root.height && this.#tree.get(tip.key) === tip) return tip.height + 1n;
    return this.#root.height + 1n;
  }

  /** The uncommitted certified chain from the root up to highQc's block, for a peer catching up. */
  #serveSync(to: number, fromHeight: bigint, maxBlocks: number): void {
    const tail: ConsensusBlock[] = [];
    let cursor = this.#tree.get(bytesToHex(this.#highQc.data!.blockHash));
    while (cursor !== undefined && cursor.block !== undefined) {
      tail.push(cursor.block);
      cursor = this.#tree.get(cursor.parentKey);
    }
    tail.reverse();
    this.#emit({
      kind: 'serveBlocks',
      to,
      request: create(SyncRequestSchema, { fromHeight, maxBlocks: Math.min(maxBlocks, this.#config.limits.syncBlocksMax) }),
      tail,
      highQc: this.#highQc,
    });
  }

  /**
   * Blocks from a peer: each must link to the previous by hash and be certified (by the
   * next block's parent QC, or the response's high QC for the last). Certified blocks join
   * the tree, and their certificates go through the ordinary commit rule.
   */
  #onSyncResponse(from: number, response: SyncResponse): void {
    const blocks = response.blocks.slice(0, this.#config.limits.syncBlocksMax);
    const hashes = blocks.map((b) => consensusBlockHash(this.#deps.hash, b));
    const certificates: QuorumCert[] = [];
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i]!;
      const qc = block.parentQc;
      if (block.chainId !== this.#config.chainId || block.epoch !== this.#config.epoch || qc?.data === undefined) return;
      if (!equalBytes(qc.data.blockHash, block.parentHash) || qc.data.height + 1n !== block.height) return;
      if (i > 0 && !equalBytes(block.parentHash, hashes[i - 1]!)) return;
      if (!this.#acceptQc(qc, from)) return;
      certificates.push(qc);
    }
    const highQc = response.highQc;
    let certifiedCount = blocks.length - 1;
    if (blocks.length > 0 && highQc?.data !== undefined && equalBytes(highQc.data.blockHash, hashes[blocks.length - 1]!) && this.#acceptQc(highQc, from)) {
      certificates.push(highQc);
      certifiedCount = blocks.length;
    }
    const tipBefore = this.#syncFromHeight();
    let linked: TreeBlock | undefined;
    let unlinked = false;
    for (let i = 0; i < certifiedCount; i++) {
      const block = blocks[i]!;
      if (block.height <= this.#root.height) continue;
      const entry = this.#toTreeBlock(block, hashes[i]!);
      const parent = this.#lookup(entry.parentKey);
      if (parent === undefined) unlinked = linked === undefined;
      if (parent === undefined || block.timestampMs <= parent.timestampMs) break;
      const known = this.#tree.get(entry.key);
      if (known !== undefined) {
        linked = known;
        continue;
      }
      if (this.#tree.size >= this.#config.limits.blockTreeBlocksMax) break;
      this.#tree.set(entry.key, entry);
      this.#emit({ kind: 'persist', blocks: [block] });
      linked = entry;
    }
    if (linked !== undefined && linked.height >= this.#syncFromHeight()) this.#syncTip = linked;
    // Nothing linked: the tip we asked after is on a branch the chain left (a certified
    // block that never committed). Catch-up starts over from the root.
    const abandoned = unlinked && this.#syncTip !== undefined;
    if (abandoned) this.#syncTip = undefined;
    for (const qc of certificates) this.#processQc(qc, from);
    this.#retryCommit();
    this.#retryPending();
    if (this.#isLeader(this.#round)) this.#tryPropose(false);
    // A full answer that took us further suggests more: ask again, after what it linked.
    if (abandoned || (blocks.length >= this.#config.limits.syncBlocksMax && this.#syncFromHeight() > tipBefore)) {
      this.#lastFetchKey = '';
      this.#fetch(from);
    }
  }

  // ───────────── held proposals ─────────────

  #hold(from: number, proposal: Proposal): void {
    if (this.#pending.some((p) => p.proposal === proposal)) return;
    this.#pending.push({ from, proposal });
    while (this.#pending.length > this.#config.limits.pendingProposalsCountMax) this.#pending.shift();
  }

  /** Re-examines held proposals of the current round (others are dropped). */
  #retryPending(): void {
    const held = this.#pending.filter((p) => p.proposal.block!.round === this.#round);
    this.#pending = [];
    for (const { from, proposal } of held) {
      const hash = consensusBlockHash(this.#deps.hash, proposal.block!);
      this.#considerProposal(from, proposal, hash, bytesToHex(hash));
    }
  }

  // ───────────── helpers ─────────────

  #toTreeBlock(block: ConsensusBlock, hash: Uint8Array): TreeBlock {
    return {
      block,
      hash,
      key: bytesToHex(hash),
      height: block.height,
      round: block.round,
      timestampMs: block.timestampMs,
      parentKey: bytesToHex(block.parentHash),
    };
  }

  /** True the first time a misbehaviour is seen, so evidence is emitted once. */
  #reportOnce(key: string): boolean {
    if (this.#reported.has(key)) return false;
    this.#reported.add(key);
    return true;
  }

  #lookup(key: string): TreeBlock | undefined {
    return key === this.#root.key ? this.#root : this.#tree.get(key);
  }

  #emit(effect: ConsensusEffect): void {
    this.#effects.push(effect);
  }

  #broadcast(message: ConsensusMessage): void {
    if (this.#n > 1) this.#emit({ kind: 'send', to: { kind: 'broadcast' }, message });
    this.#local.push(message);
  }

  #sendTo(to: number, message: ConsensusMessage): void {
    if (to === this.#self) this.#local.push(message);
    else this.#emit({ kind: 'send', to: { kind: 'validator', index: to }, message });
  }

  /** Forgets per-round bookkeeping of rounds that can no longer matter. */
  #prune(): void {
    const keep = BigInt(this.#config.limits.evidenceRoundsRetainedCount);
    const floor = this.#round - keep;
    for (const map of [this.#seenVotes, this.#seenProposals] as Map<bigint, unknown>[]) {
      for (const round of map.keys()) if (round < floor) map.delete(round);
    }
    for (const map of [this.#votes, this.#timeouts] as Map<bigint, unknown>[]) {
      for (const round of map.keys()) if (round + 1n < this.#round) map.delete(round);
    }
    if (this.#reported.size > 4 * this.#config.limits.evidenceRoundsRetainedCount) this.#reported.clear();
    if (this.#verifiedQcs.size > 4 * this.#config.limits.blockTreeBlocksMax) {
      this.#verifiedQcs = new Set([this.#qcKey(this.#ctx.genesisQc), this.#qcKey(this.#highQc), this.#qcKey(this.#commitQc)]);
    }
  }
}
