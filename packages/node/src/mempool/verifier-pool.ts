import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { assert, decodeTransaction, TongbaoError, type Command, type SuiteName, type VerifiedTransaction } from '@tongbao/protocol';
import type { VerifyRequest, VerifyResponse } from './verify-messages.js';

export type VerifyResult =
  | { readonly ok: true; readonly transaction: VerifiedTransaction }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface VerifierPoolOptions {
  readonly suite: SuiteName;
  readonly chainId: string;
  /** 0 means one worker per core. */
  readonly workers: number;
  readonly transactionBytesMax: number;
  /** Transactions per message to a worker: large enough to amortise the crossing. */
  readonly chunkTransactionsMax?: number;
}

interface PendingRequest {
  readonly transactions: readonly Uint8Array[];
  readonly resolve: (results: readonly VerifyResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A transaction the worker threads verified, as the main thread keeps it while it waits
 * for its block: bytes, id, sender and nonce, its command decoded from the bytes when
 * first read (by execution, or by the mempool's admission check) and kept from then on.
 * The bytes were found canonical by the worker, so decoding them cannot fail.
 */
class WorkerVerifiedTransaction implements VerifiedTransaction {
  #command: Command | undefined;

  constructor(
    readonly id: Uint8Array,
    readonly bytes: Uint8Array,
    readonly sender: Uint8Array,
    readonly nonce: bigint,
  ) {}

  get command(): Command {
    return (this.#command ??= decodeTransaction(this.bytes).body!.command!);
  }
}

/** Joins a worker's answer with the transactions' bytes. */
function results(transactions: readonly Uint8Array[], response: VerifyResponse): VerifyResult[] {
  const { failures, nonces, keys, idBytes, senderBytes } = response;
  assert(failures.length + nonces.length === transactions.length, 'a worker answers for every transaction it was sent');
  const out: VerifyResult[] = new Array(transactions.length);
  let failure = 0;
  let valid = 0;
  for (let index = 0; index < transactions.length; index++) {
    const failed = failures[failure];
    if (failed !== undefined && failed.index === index) {
      out[index] = { ok: false, code: failed.code, message: failed.message };
      failure++;
      continue;
    }
    const offset = valid * (idBytes + senderBytes);
    const id = keys.subarray(offset, offset + idBytes);
    const sender = keys.subarray(offset + idBytes, offset + idBytes + senderBytes);
    out[index] = { ok: true, transaction: new WorkerVerifiedTransaction(id, transactions[index]!, sender, nonces[valid]!) };
    valid++;
  }
  return out;
}

/**
 * Verifies signatures on worker threads, so that verification — the dominant cost of
 * admitting a transaction — runs on every core and never blocks the event loop. Each
 * transaction is verified exactly once, here; execution trusts the result.
 */
export class VerifierPool {
  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly pending = new Map<number, PendingRequest & { worker: number }>();
  private nextRequestId = 1;
  private closed = false;
  private readonly chunkTransactionsMax: number;

  constructor(options: VerifierPoolOptions) {
    const count = options.workers === 0 ? availableParallelism() : options.workers;
    this.chunkTransactionsMax = options.chunkTransactionsMax ?? 256;
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL('./verify-worker.js', import.meta.url), {
        workerData: { suite: options.suite, chainId: options.chainId, transactionBytesMax: options.transactionBytesMax },
      });
      worker.on('message', (response: VerifyResponse) => this.settle(response));
      worker.on('error', (error) => this.failWorker(i, error));
      worker.unref();
      this.workers.push(worker);
      this.busy.push(0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Verifies transactions in parallel chunks; results come back in input order. */
  async verify(transactions: readonly Uint8Array[]): Promise<VerifyResult[]> {
    if (this.closed) throw new TongbaoError('SHUTTING_DOWN', 'the node is shutting down and accepts no transactions');
    const chunkCount = Math.max(1, Math.min(this.workers.length, Math.ceil(transactions.length / this.chunkTransactionsMax)));
    const chunkSize = Math.ceil(transactions.length / chunkCount);
    const chunks: Promise<readonly VerifyResult[]>[] = [];
    for (let start = 0; start < transactions.length; start += chunkSize) {
      chunks.push(this.send(transactions.slice(start, start + chunkSize)));
    }
    return (await Promise.all(chunks)).flat();
  }

  private send(transactions: readonly Uint8Array[]): Promise<readonly VerifyResult[]> {
    let total = 0;
    for (const tx of transactions) total += tx.length;
    const buffer = new Uint8Array(total);
    const lengths: number[] = [];
    let offset = 0;
    for (const tx of transactions) {
      buffer.set(tx, offset);
      offset += tx.length;
      lengths.push(tx.length);
    }
    // The least busy worker takes the chunk.
    let worker = 0;
    for (let i = 1; i < this.busy.length; i++) if (this.busy[i]! < this.busy[worker]!) worker = i;
    const requestId = this.nextRequestId++;
    const request: VerifyRequest = { requestId, buffer, lengths };
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { transactions, resolve, reject, worker });
      // An idle worker does not keep the process alive; a busy one must.
      if (this.busy[worker] === 0) this.workers[worker]!.ref();
      this.busy[worker]! += transactions.length;
      this.workers[worker]!.postMessage(request, [buffer.buffer]);
    });
  }

  private settle(response: VerifyResponse): void {
    const request = this.pending.get(response.requestId);
    assert(request !== undefined, `a verify response ${response.requestId} matches a request`);
    this.pending.delete(response.requestId);
    this.busy[request.worker]! -= request.transactions.length;
    if (this.busy[request.worker] === 0) this.workers[request.worker]!.unref();
    request.resolve(results(request.transactions, response));
  }

  private failWorker(index: number, error: unknown): void {
    for (const [id, request] of this.pending) {
      if (request.worker !== index) continue;
      this.pending.delete(id);
      request.reject(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
