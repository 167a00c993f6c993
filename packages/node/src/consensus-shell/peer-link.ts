import {
  BatchRefSchema,
  bytesToHex,
  canonicalFieldBytes,
  create,
  decodeCanonical,
  encode,
  equalBytes,
  PeerMessageSchema,
  TongbaoError,
  type Batch,
  type BatchRef,
  type ConsensusMessage,
  type PeerMessage,
  type VerifiedTransaction,
} from '@tongbao/protocol';
import type { Destination } from '@tongbao/consensus';
import type { Logger } from 'pino';
import type { VerifierPool } from '../mempool/verifier-pool.js';
import type { BatchStore, StoredBatch } from './batch-store.js';
import type { ConsensusTransport } from './consensus-driver.js';
import type { AuthorLoad } from './payload-queue.js';

/** What the link needs of the peer network: opaque frames to and from validator indexes. */
export interface FrameTransport {
  send(to: number, frame: Uint8Array): boolean;
  broadcast(frame: Uint8Array): void;
}

export interface PeerLinkOptions {
  readonly transport: FrameTransport;
  readonly validators: readonly Uint8Array[];
  readonly chainId: string;
  readonly batches: BatchStore;
  readonly pool: Pick<VerifierPool, 'verify'>;
  readonly logger: Logger;
  readonly frameBytesMax: number;
  /** Digests one BatchRequest may ask for. */
  readonly batchRequestDigestsMax: number;
  /** Told of every batch received, verified and stored, with its author's validator index. */
  readonly onBatch: (ref: BatchRef, author: number) => void;
  /** What a validator has waiting here, received and not yet ordered. */
  readonly pendingLoad: (author: number) => AuthorLoad;
  /** Bounds on that load per validator; a batch beyond them is refused unread. */
  readonly peerPendingBatchesMax: number;
  readonly peerPendingBytesMax: number;
  readonly onConsensus: (from: number, message: ConsensusMessage) => void;
}

/**
 * The node's side of validator-to-validator traffic: consensus messages, batches
 * disseminated ahead of consensus, and batch requests. A batch from a peer is accepted
 * only if it is for this chain, authored by that peer (or asked for by digest), and
 * every transaction in it verifies — so a batch this node holds is one it would vote for.
 */
export class PeerLink implements ConsensusTransport {
  private readonly requested = new Set<string>();
  /** Batches of each peer being verified now: counted against its bound too. */
  private readonly verifying = new Map<number, number>();
  /**
   * Digests (hex) of the batches being verified now. A proposal often arrives while its
   * batches are still being verified here; asking for them again, or verifying a second
   * copy, would spend the verification threads twice on the same bytes.
   */
  private readonly verifyingDigests = new Set<string>();
  /**
   * Per peer, the turn of its latest batch to be stored and announced. A validator's
   * batches must become available here in the order it sent them (its sequence order,
   * which the TCP stream keeps): verification runs them in parallel and may finish a
   * later one first, and a leader proposing that one ahead of the other would order a
   * sender's nonce n + 1 before n — a failure receipt, and every later transaction of
   * that sender failing after it.
   */
  private readonly announced = new Map<number, Promise<void>>();
  /** Batches refused per peer for exceeding its bound (logged once per 1,000). */
  private readonly refused = new Map<number, number>();

  constructor(private readonly options: PeerLinkOptions) {}

  send(to: Destination, message: ConsensusMessage): void {
    const frame = encode(PeerMessageSchema, create(PeerMessageSchema, { kind: { case: 'consensus', value: message } }));
    if (to.kind === 'broadcast') this.options.transport.broadcast(frame);
    else this.options.transport.send(to.index, frame);
  }

  broadcastBatch(stored: StoredBatch): void {
    this.options.transport.broadcast(encode(PeerMessageSchema, create(PeerMessageSchema, { kind: { case: 'batch', value: stored.batch } })));
  }

  requestBatches(from: number, refs: readonly BatchRef[]): void {
    const digests: Uint8Array[] = [];
    for (const ref of refs) {
      if (digests.length === this.options.batchRequestDigestsMax) break;
      const key = bytesToHex(ref.digest);
      // Being verified now: it is stored (or found invalid) without asking anyone.
      if (this.verifyingDigests.has(key)) continue;
      this.requested.add(key);
      digests.push(ref.digest);
    }
    if (digests.length === 0) return;
    this.options.transport.send(from, encode(PeerMessageSchema, create(PeerMessageSchema, { kind: { case: 'batchRequest', value: { digests } } })));
  }

  /** One frame from validator `from` (the transport authenticated the index). */
  handleFrame(from: number, frame: Uint8Array): void {
    let message: PeerMessage;
    try {
      message = decodeCanonical(PeerMessageSchema, frame, this.options.frameBytesMax);
    } catch (error) {
      if (!(error instanceof TongbaoError)) throw error;
      this.options.logger.warn({ from, code: error.code }, 'malformed frame from a peer');
      return;
    }
    switch (message.kind.case) {
      case 'consensus':
        this.options.onConsensus(from, message.kind.value);
        return;
      case 'batch':
        // The frame was found canonical, so the batch's encoding is a slice of it (field 2).
        void this.receiveBatch(from, message.kind.value, canonicalFieldBytes(frame, 2) ?? new Uint8Array(0)).catch((error: unknown) => this.options.logger.error({ err: error, from }, 'storing a batch failed'));
        return;
      case 'batchRequest': {
        for (const digest of message.kind.value.digests.slice(0, this.options.batchRequestDigestsMax)) {
          const stored = this.options.batches.get(digest);
          if (stored === undefined) continue;
          this.options.transport.send(from, encode(PeerMessageSchema, create(PeerMessageSchema, { kind: { case: 'batch', value: stored.batch } })));
        }
        return;
      }
      default:
        this.options.logger.warn({ from }, 'a peer sent an empty message');
    }
  }

  private async receiveBatch(from: number, batch: Batch, encoded: Uint8Array): Promise<void> {
    const digest = this.options.batches.digestOf(encoded);
    const key = bytesToHex(digest);
    const wasRequested = this.requested.delete(key);
    if (this.options.batches.has(digest) || this.verifyingDigests.has(key)) return;
    if (batch.chainId !== this.options.chainId) {
      this.options.logger.warn({ from }, 'a peer sent a batch of another chain');
      return;
    }
    if (!wasRequested && !equalBytes(batch.author, this.options.validators[from] ?? new Uint8Array())) {
      this.options.logger.warn({ from }, 'a peer sent a batch it did not author and nobody asked for');
      return;
    }
    // A batch asked for by digest is needed to execute a certified block: never refused.
    if (!wasRequested && this.overBound(from, encoded.length)) return;
    const author = wasRequested ? this.options.validators.findIndex((key) => equalBytes(key, batch.author)) : from;
    this.verifying.set(from, (this.verifying.get(from) ?? 0) + 1);
    this.verifyingDigests.add(key);
    // A batch asked for by digest is already ordered: it waits for no other.
    const turn = wasRequested ? undefined : this.announced.get(from);
    const done = this.verifyAndStore(from, author, batch, encoded, digest, turn);
    if (!wasRequested) this.announced.set(from, done.then(() => undefined, () => undefined));
    try {
      await done;
    } finally {
      this.verifying.set(from, this.verifying.get(from)! - 1);
      this.verifyingDigests.delete(key);
    }
  }

  /** Verifies at once; stores and announces after `turn` (the same peer's previous batch). */
  private async verifyAndStore(from: number, author: number, batch: Batch, encoded: Uint8Array, digest: Uint8Array, turn: Promise<void> | undefined): Promise<void> {
    const results = await this.options.pool.verify(batch.transactions);
    await turn;
    const transactions: VerifiedTransaction[] = [];
    for (const result of results) {
      if (!result.ok) {
        this.options.logger.warn({ from, code: result.code }, 'a peer sent a batch with an invalid transaction; refused whole');
        return;
      }
      transactions.push(result.transaction);
    }
    await this.options.batches.store(batch, encoded, transactions);
    this.options.onBatch(create(BatchRefSchema, { digest, transactionCount: transactions.length, bytes: BigInt(encoded.length) }), author);
  }

  /**
   * Whether validator `from` already has as many batches (or bytes) waiting here as it
   * may: a validator that disseminates faster than the chain orders — or floods on
   * purpose — must not exhaust this node's memory, disk and verification threads.
   */
  private overBound(from: number, bytes: number): boolean {
    const load = this.options.pendingLoad(from);
    const batches = load.batches + (this.verifying.get(from) ?? 0);
    if (batches < this.options.peerPendingBatchesMax && load.bytes + BigInt(bytes) <= BigInt(this.options.peerPendingBytesMax)) return false;
    const refused = (this.refused.get(from) ?? 0) + 1;
    this.refused.set(from, refused);
    if (refused % 1_000 === 1) {
      this.options.logger.warn({ from, pendingBatches: batches, pendingBytes: Number(load.bytes), refused }, "refused a peer's batch: it has too many waiting here");
    }
    return true;
  }
}
