import { StorageError } from '../errors.js';
import type { KeyValueStore, KvOperation, KvRange } from '../kv.js';

/**
 * What to break, counted from `arm()`:
 * - `failAtCall` N: the N-th call of any method (get, write, iterate, close) throws
 *   before doing anything — a crash at that instant of an atomic store.
 * - `tornWriteOperations` P: the next write applies only its first P operations to the
 *   inner store, then throws — a store WITHOUT atomic batches, to show that our
 *   consistency comes from batch atomicity alone (and that opening catches a torn one).
 * - `crashAfterWrite`: the next write is applied whole, then throws.
 * After a fault the store stays "crashed": every call throws, as if the process died.
 */
export interface FaultPlan {
  readonly failAtCall?: number;
  readonly tornWriteOperations?: number;
  /** The next write is applied in full, then the call throws: a crash before the caller learns it is durable. */
  readonly crashAfterWrite?: boolean;
}

/** A KeyValueStore wrapper that injects crashes, for crash-safety tests. */
export class FaultyKeyValueStore implements KeyValueStore {
  private readonly inner: KeyValueStore;
  private plan: FaultPlan = {};
  private calls = 0;
  private crashed = false;
  private lastWrite = 0;

  constructor(inner: KeyValueStore) {
    this.inner = inner;
  }

  /** Starts counting calls from zero under `plan`. */
  arm(plan: FaultPlan): void {
    this.plan = plan;
    this.calls = 0;
  }

  /** Calls since arm(). */
  get callCount(): number {
    return this.calls;
  }

  /** Operations in the last write called (applied or not). */
  get lastWriteOperations(): number {
    return this.lastWrite;
  }

  get hasCrashed(): boolean {
    return this.crashed;
  }

  private crash(what: string): never {
    this.crashed = true;
    throw new StorageError('IO_ERROR', `injected fault: ${what}`, { details: { call: this.calls } });
  }

  private enter(method: string): void {
    if (this.crashed) throw new StorageError('IO_ERROR', 'injected fault: the store has crashed');
    this.calls++;
    if (this.plan.failAtCall !== undefined && this.calls === this.plan.failAtCall) this.crash(`${method} (call ${this.calls})`);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.enter('get');
    return this.inner.get(key);
  }

  async write(operations: readonly KvOperation[]): Promise<void> {
    this.enter('write');
    this.lastWrite = operations.length;
    const torn = this.plan.tornWriteOperations;
    if (torn !== undefined && torn < operations.length) {
      await this.inner.write(operations.slice(0, torn));
      this.crash(`write torn after ${torn} of ${operations.length} operations`);
    }
    await this.inner.write(operations);
    if (this.plan.crashAfterWrite === true) this.crash('after the write was applied');
  }

  async *iterate(range?: KvRange): AsyncIterable<readonly [Uint8Array, Uint8Array]> {
    this.enter('iterate');
    yield* this.inner.iterate(range);
  }

  async close(): Promise<void> {
    this.enter('close');
    await this.inner.close();
  }
}
