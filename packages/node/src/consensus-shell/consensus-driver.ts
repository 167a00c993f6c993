import {
  assert,
  bytesToHex,
  create,
  ConsensusMessageSchema,
  type BatchRef,
  type ConsensusMessage,
  type Evidence,
  type VerifiedTransaction,
} from '@tongbao/protocol';
import {
  buildSyncResponse,
  type CommittedBlock,
  type Consensus,
  type ConsensusEffect,
  type ConsensusEvent,
  type Destination,
  type TimerKind,
} from '@tongbao/consensus';
import type { Logger } from 'pino';
import type { BatchStore, StoredBatch } from './batch-store.js';
import type { ConsensusStore } from './consensus-store.js';
import type { PayloadQueue } from './payload-queue.js';

/** How consensus messages leave this node. With one validator there is no one to send to. */
export interface ConsensusTransport {
  send(to: Destination, message: ConsensusMessage): void;
}

export const NO_PEERS: ConsensusTransport = { send: () => {} };

/** Committed blocks that may wait for execution before consensus waits too. */
const EXECUTION_BACKLOG_BLOCKS_MAX = 8;

/** How long to wait for a peer to answer a batch request before asking another. */
const BATCH_FETCH_RETRY_MS = 500;

/** Executes committed blocks: the ledger side of the seam. */
export type ExecuteCommitted = (commit: CommittedBlock, transactions: readonly VerifiedTransaction[]) => Promise<void>;

export interface ConsensusDriverOptions {
  readonly core: Consensus;
  readonly store: ConsensusStore;
  readonly batches: BatchStore;
  readonly payload: PayloadQueue;
  readonly transport: ConsensusTransport;
  readonly execute: ExecuteCommitted;
  /** Asks validator `from` for batches a proposal references (none to ask when alone). */
  readonly fetchBatches?: (from: number, refs: readonly BatchRef[]) => void;
  readonly validatorCount: number;
  readonly selfIndex: number;
  readonly logger: Logger;
  readonly hash: (data: Uint8Array) => Uint8Array;
  /** The shell's clock; the only place consensus time comes from. */
  readonly now?: () => number;
  /**
   * Told of each proof of misbehaviour the core found, to put it on chain. Called
   * synchronously and not awaited: recording evidence never holds consensus up.
   */
  readonly onEvidence?: (evidence: Evidence) => void;
}

/**
 * The imperative shell around the pure consensus core. Events are queued and stepped one
 * at a time; the effects of each step are performed in order, and a `persist` effect is
 * durably written before any message after it leaves — so no vote leaves the node before
 * the record of it is on disk. Committed blocks are recorded, then executed, in order.
 */
export class ConsensusDriver {
  private readonly queue: ConsensusEvent[] = [];
  private running = false;
  private stopped = false;
  private readonly timers = new Map<TimerKind, NodeJS.Timeout>();
  private readonly now: () => number;
  private idle: Promise<void> = Promise.resolve();
  private resolveIdle: (() => void) | undefined;
  private failure: unknown;
  /** Committed blocks handed to execution and not yet executed. */
  private executionBacklog = 0;
  private executing: Promise<void> = Promise.resolve();

  constructor(private readonly options: ConsensusDriverOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.enqueue({ kind: 'start', nowMs: this.now() });
  }

  deliver(from: number, message: ConsensusMessage): void {
    this.enqueue({ kind: 'message', nowMs: this.now(), from, message });
  }

  batchAvailable(ref: BatchRef): void {
    this.enqueue({ kind: 'batchAvailable', nowMs: this.now(), ref });
  }

  /** Stops taking events, cancels timers and waits for the step in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.idle;
    await this.executing;
  }

  /** The error that stopped the driver, if any: a node must halt rather than go on wrong. */
  get error(): unknown {
    return this.failure;
  }

  private enqueue(event: ConsensusEvent): void {
    if (this.stopped) return;
    this.queue.push(event);
    if (!this.running) {
      this.running = true;
      this.idle = new Promise((resolve) => (this.resolveIdle = resolve));
      void this.drain();
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const event = this.queue.shift()!;
        await this.performAll(this.options.core.step(event));
      }
    } catch (error) {
      // A failed persist or execution leaves the node unable to vouch for its state: halt.
      this.failure = error;
      this.stopped = true;
      this.options.logger.fatal({ err: error }, 'consensus halted');
    } finally {
      this.running = false;
      this.resolveIdle?.();
    }
  }

  /**
   * A step's effects in order, except that consecutive persists and commits are written
   * together, just before the next effect that is not a timer (a message may depend on
   * them: it must not leave before they are on disk). A step that forms a QC typically
   * persists the QC, commits, and signs the next proposal: one disk sync instead of three.
   */
  private async performAll(effects: readonly ConsensusEffect[]): Promise<void> {
    const updates: (ConsensusEffect & { kind: 'persist' })[] = [];
    const commits: CommittedBlock[] = [];
    const flush = async (): Promise<void> => {
      if (updates.length === 0 && commits.length === 0) return;
      await this.options.store.save(updates, commits, this.options.hash);
      updates.length = 0;
      if (commits.length > 0) await this.commitSaved(commits.splice(0));
    };
    for (const effect of effects) {
      if (effect.kind === 'persist') updates.push(effect);
      else if (effect.kind === 'commit') commits.push(...effect.blocks);
      else {
        if (effect.kind !== 'setTimer') await flush();
        await this.perform(effect);
      }
    }
    await flush();
  }

  private async perform(effect: Exclude<ConsensusEffect, { kind: 'persist' | 'commit' }>): Promise<void> {
    switch (effect.kind) {
      case 'send':
        this.options.transport.send(effect.to, effect.message);
        return;
      case 'setTimer': {
        clearTimeout(this.timers.get(effect.timer));
        const { timer, round } = effect;
        this.timers.set(
          timer,
          setTimeout(() => {
            this.timers.delete(timer);
            this.enqueue({ kind: 'timer', nowMs: this.now(), timer, round });
          }, effect.delayMs),
        );
        return;
      }
      case 'fetchBatches':
        if (this.options.fetchBatches === undefined) {
          this.options.logger.warn({ from: effect.from, batches: effect.refs.length }, 'a proposal waits for batches and there is no peer to ask');
        } else {
          this.options.fetchBatches(effect.from, effect.refs);
        }
        return;
      case 'fetchBlocks':
        this.options.transport.send(
          { kind: 'validator', index: effect.from },
          create(ConsensusMessageSchema, { kind: { case: 'syncRequest', value: effect.request } }),
        );
        return;
      case 'serveBlocks': {
        const committed = [];
        const last = this.options.store.committedHeight();
        for (let h = effect.request.fromHeight; h <= last && committed.length < effect.request.maxBlocks; h++) {
          const stored = this.options.store.getCommit(h);
          if (stored === undefined) break;
          committed.push(stored.block);
        }
        const response = buildSyncResponse(effect.request, committed, effect.tail, effect.highQc, effect.request.maxBlocks);
        this.options.transport.send({ kind: 'validator', index: effect.to }, create(ConsensusMessageSchema, { kind: { case: 'syncResponse', value: response } }));
        return;
      }
      case 'evidence':
        this.options.logger.warn({ evidence: effect.evidence.kind.case }, 'misbehaviour evidence');
        this.options.onEvidence?.(effect.evidence);
        return;
    }
  }

  private async fetchMissingBatch(ref: BatchRef, proposer: number): Promise<StoredBatch | undefined> {
    assert(this.options.fetchBatches !== undefined && this.options.validatorCount > 1, `a committed block orders batch ${bytesToHex(ref.digest)}, held by this lone validator`);
    this.options.logger.info({ batch: bytesToHex(ref.digest).slice(0, 16) }, 'fetching a batch of a committed block');
    const stored = this.options.batches.whenStored(ref.digest);
    let asked = proposer;
    for (let attempt = 0; !this.stopped; attempt++) {
      this.options.fetchBatches(asked, [ref]);
      const answer = await Promise.race([stored, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), BATCH_FETCH_RETRY_MS))]);
      if (answer !== undefined) return answer;
      // Not answered in time: ask the next validator (skipping this one).
      do asked = (asked + 1) % this.options.validatorCount;
      while (asked === this.options.selfIndex);
    }
    return undefined;
  }

  /**
   * The commits are on disk: hands them to the execution queue and returns, so consensus
   * orders the next blocks while these execute (in height order, one at a time). A
   * restart re-executes whatever was recorded but not executed.
   */
  private async commitSaved(blocks: readonly CommittedBlock[]): Promise<void> {
    // Ordered now: never offer these batches to a proposal again.
    for (const commit of blocks) this.options.payload.remove(commit.block.payload);
    this.executionBacklog += blocks.length;
    this.executing = this.executing.then(() => this.executeCommits(blocks));
    // Back-pressure: consensus may run ahead of execution only by a few blocks.
    if (this.executionBacklog > EXECUTION_BACKLOG_BLOCKS_MAX) await this.executing;
  }

  private async executeCommits(blocks: readonly CommittedBlock[]): Promise<void> {
    try {
      for (const commit of blocks) {
        if (this.failure !== undefined) return;
        const transactions: VerifiedTransaction[] = [];
        for (const ref of commit.block.payload) {
          let batch = this.options.batches.get(ref.digest);
          if (batch === undefined) {
            // Blocks learned by catching up may order batches disseminated while this node
            // was down. A quorum certified the block, so at least one honest validator holds
            // each of them: ask until one answers.
            batch = await this.fetchMissingBatch(ref, commit.block.proposer);
            if (batch === undefined) return; // stopping
          }
          transactions.push(...batch.transactions);
        }
        await this.options.execute(commit, transactions);
        this.executionBacklog--;
        for (const ref of commit.block.payload) this.options.batches.release(ref.digest);
      }
    } catch (error) {
      // The ledger could not take a committed block: halt rather than go on wrong.
      this.failure = error;
      this.stopped = true;
      this.options.logger.fatal({ err: error }, 'execution halted');
    }
  }
}
