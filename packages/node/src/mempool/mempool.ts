import { bytesToHex, type StateReader, type VerifiedTransaction } from '@tongbao/protocol';
import { getNextNonce, type Application } from '@tongbao/execution';

export interface MempoolLimits {
  readonly transactionsMax: number;
  readonly bytesMax: number;
  readonly senderTransactionsMax: number;
  readonly nonceGapMax: number;
}

/** Why the mempool refused a transaction. Stable codes, shown to clients. */
export type MempoolRejectionCode =
  | 'MEMPOOL_FULL'
  | 'SENDER_QUEUE_FULL'
  | 'NONCE_TOO_FAR_AHEAD'
  | 'NONCE_TAKEN'
  | 'DUPLICATE_TRANSACTION'
  | string; // plus the application's check codes (UNKNOWN_SENDER, UNAUTHORIZED, …)

export type AdmitResult = { readonly ok: true } | { readonly ok: false; readonly code: MempoolRejectionCode; readonly message: string };

interface Entry {
  readonly tx: VerifiedTransaction;
  readonly idHex: string;
  readonly senderHex: string;
  /** Taken into a batch: no longer offered, still counted until committed. */
  batched: boolean;
}

interface SenderQueue {
  readonly sender: Uint8Array;
  /** The next nonce the chain expects from this sender (committed state). */
  committedNonce: bigint;
  /** The next nonce not yet moved to the ready queue. */
  readyNonce: bigint;
  readonly byNonce: Map<bigint, Entry>;
}

/**
 * Transactions verified once (on the worker pool) and waiting to be batched. Per
 * sender, transactions leave strictly in nonce order; across senders, in the order they
 * became ready. Bounded in count and bytes, in total and per sender.
 */
export class Mempool {
  private readonly byId = new Map<string, Entry>();
  private readonly senders = new Map<string, SenderQueue>();
  /** Entries whose nonce follows their sender's previous one, in arrival order. */
  private ready: Entry[] = [];
  private readyHead = 0;
  private bytes = 0;

  constructor(
    private readonly app: Application,
    private readonly committedState: () => StateReader,
    private readonly limits: MempoolLimits,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  /** Ready transactions not yet batched. */
  get readyCount(): number {
    return this.ready.length - this.readyHead;
  }

  has(id: Uint8Array): boolean {
    return this.byId.has(bytesToHex(id));
  }

  /** The nonce after every transaction of this sender waiting here, if any wait. */
  pendingNonce(sender: Uint8Array): bigint | undefined {
    const queue = this.senders.get(bytesToHex(sender));
    return queue === undefined || queue.byNonce.size === 0 ? undefined : queue.readyNonce;
  }

  /** Admits a verified transaction, or says why not. Changes nothing on refusal. */
  admit(tx: VerifiedTransaction): AdmitResult {
    const idHex = bytesToHex(tx.id);
    if (this.byId.has(idHex)) return refuse('DUPLICATE_TRANSACTION', 'this transaction is already waiting in the mempool');
    if (this.byId.size >= this.limits.transactionsMax || this.bytes + tx.bytes.length > this.limits.bytesMax) {
      return refuse('MEMPOOL_FULL', `the mempool is full (${this.byId.size} transactions, ${this.bytes} bytes); retry shortly`);
    }
    const state = this.committedState();
    // The application refuses unknown senders, the unauthorized, used nonces (NONCE_MISMATCH), …
    const check = this.app.checkTransaction(tx, state);
    if (!check.ok) return refuse(check.error, check.message);
    const senderHex = bytesToHex(tx.sender);
    let queue = this.senders.get(senderHex);
    if (queue === undefined) {
      // A sender with transactions waiting has its committed nonce kept up to date by removeCommitted.
      const committedNonce = getNextNonce(state, tx.sender) ?? 0n;
      queue = { sender: tx.sender, committedNonce, readyNonce: committedNonce, byNonce: new Map() };
    }
    if (tx.nonce > queue.committedNonce + BigInt(this.limits.nonceGapMax)) {
      return refuse(
        'NONCE_TOO_FAR_AHEAD',
        `nonce ${tx.nonce} is more than ${this.limits.nonceGapMax} ahead of this sender's next nonce ${queue.committedNonce}; send the missing ones first`,
      );
    }
    if (queue.byNonce.has(tx.nonce)) return refuse('NONCE_TAKEN', `another transaction with nonce ${tx.nonce} from this sender is already waiting`);
    if (queue.byNonce.size >= this.limits.senderTransactionsMax) {
      return refuse('SENDER_QUEUE_FULL', `this sender already has ${queue.byNonce.size} transactions waiting; wait for some to commit`);
    }
    const entry: Entry = { tx, idHex, senderHex, batched: false };
    this.senders.set(senderHex, queue);
    queue.byNonce.set(tx.nonce, entry);
    this.byId.set(idHex, entry);
    this.bytes += tx.bytes.length;
    this.promote(queue);
    return { ok: true };
  }

  /** Moves a sender's consecutive transactions, from its ready nonce on, to the ready queue. */
  private promote(queue: SenderQueue): void {
    for (;;) {
      const next = queue.byNonce.get(queue.readyNonce);
      if (next === undefined) return;
      this.ready.push(next);
      queue.readyNonce += 1n;
    }
  }

  /** Takes ready transactions, oldest first, up to the limits, for a new batch. */
  takeBatch(transactionsMax: number, bytesMax: number): VerifiedTransaction[] {
    const out: VerifiedTransaction[] = [];
    let bytes = 0;
    while (this.readyHead < this.ready.length && out.length < transactionsMax) {
      const entry = this.ready[this.readyHead]!;
      if (bytes + entry.tx.bytes.length > bytesMax && out.length > 0) break;
      this.readyHead++;
      if (!this.byId.has(entry.idHex)) continue; // committed or evicted meanwhile
      entry.batched = true;
      bytes += entry.tx.bytes.length;
      out.push(entry.tx);
    }
    if (this.readyHead > 4096 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    return out;
  }

  /**
   * After a block commits: drops its transactions and every waiting transaction whose
   * nonce the chain has now passed, and re-reads committed nonces of affected senders.
   */
  removeCommitted(transactions: readonly VerifiedTransaction[], state: StateReader): void {
    // A validator whose clients sent nothing (its blocks are other validators' batches) has nothing to drop.
    if (this.senders.size === 0) return;
    const touched = new Set<string>();
    for (const tx of transactions) {
      const entry = this.byId.get(bytesToHex(tx.id));
      if (entry !== undefined) this.remove(entry);
      touched.add(entry?.senderHex ?? bytesToHex(tx.sender));
    }
    for (const senderHex of touched) {
      const queue = this.senders.get(senderHex);
      if (queue === undefined) continue;
      queue.committedNonce = getNextNonce(state, queue.sender) ?? queue.committedNonce;
      for (const [nonce, entry] of queue.byNonce) if (nonce < queue.committedNonce) this.remove(entry);
      if (queue.readyNonce < queue.committedNonce) queue.readyNonce = queue.committedNonce;
      if (queue.byNonce.size === 0) this.senders.delete(senderHex);
      else this.promote(queue);
    }
  }

  private remove(entry: Entry): void {
    this.byId.delete(entry.idHex);
    this.bytes -= entry.tx.bytes.length;
    this.senders.get(entry.senderHex)?.byNonce.delete(entry.tx.nonce);
  }
}

function refuse(code: MempoolRejectionCode, message: string): AdmitResult {
  return { ok: false, code, message };
}
