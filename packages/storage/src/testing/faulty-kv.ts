import { StorageError } from '../errors.js';
import type { KeyValueStore, KvOperation, KvRange } from '../kv.js';

/**
 * What to break, counted from `arm()` over every store that shares one FaultInjector (the
 * databases of one process, which crash together):
 * - `failAtCall` N: the N-th call of any method (get, write, iterate, close) throws
 *   before doing anything — a crash at that instant of an atomic store.
 * - `tornWriteOperations` P: once P operations have been written, the write under way
 *   applies only its operations up to there, then throws — a store WITHOUT atomic
 *   batches, to show that our consistency comes from batch atomicity alone (and that
 *   opening catches a torn one).
 * - `crashAfterWrite`: the next write is applied whole, then throws; with a number N,
 *   the N-th write.
 * After a fault every store of the injector stays "crashed": every call throws, as if the
 * process died.
 */
export interface FaultPlan {
  readonly failAtCall?: number;
  readonly tornWriteOperations?: number;
  /** A write is applied in full, then the call throws: a crash before the caller learns it is durable. */
  readonly crashAfterWrite?: boolean | number;
}

/** The fault plan and counts that several FaultyKeyValueStores share. */
export class FaultInjector {
  plan: FaultPlan = {};
  calls = 0;
  writes = 0;
  /** Operations in the writes called since arm() (applied or not). */
  operations = 0;
  crashed = false;
  /** The method the crash came in. */
  crashedIn: 'get' | 'write' | 'iterate' | 'close' | undefined;

  /** Starts counting calls, writes and operations from zero under `plan`. */
  arm(plan: FaultPlan): void {
    this.plan = plan;
    this.calls = 0;
    this.crashedIn = undefined;
    this.writes = 0;
    this.operations = 0;
  }
}

/** A KeyValueStore wrapper that injects crashes, for crash-safety tests. */
export class FaultyKeyValueStore implements KeyValueStore {
  private lastWrite = 0;

  constructor(
    private readonly inner: KeyValueStore,
    readonly faults: FaultInjector = new FaultInjector(),
  ) {}

  /** Starts counting from zero under `plan` (for every store of this one's injector). */
  arm(plan: FaultPlan): void {
    this.faults.arm(plan);
  }

  /** Calls since arm(), on every store of the injector. */
  get callCount(): number {
    return this.faults.calls;
  }

  /** Operations in the last write called on this store (applied or not). */
  get lastWriteOperations(): number {
    return this.lastWrite;
  }

  get hasCrashed(): boolean {
    return this.faults.crashed;
  }

  private crash(method: 'get' | 'write' | 'iterate' | 'close', what: string): never {
    this.faults.crashed = true;
    this.faults.crashedIn = method;
    throw new StorageError('IO_ERROR', `injected fault: ${what}`, { details: { call: this.faults.calls } });
  }

  private enter(method: 'get' | 'write' | 'iterate' | 'close'): void {
    const faults = this.faults;
    if (faults.crashed) throw new StorageError('IO_ERROR', 'injected fault: the store has crashed');
    faults.calls++;
    if (faults.plan.failAtCall !== undefined && faults.calls === faults.plan.failAtCall) this.crash(method, `${method} (call ${faults.calls})`);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.enter('get');
    return this.inner.get(key);
  }

  async write(operations: readonly KvOperation[]): Promise<void> {
    this.enter('write');
    const faults = this.faults;
    this.lastWrite = operations.length;
    faults.writes++;
    const before = faults.operations;
    faults.operations += operations.length;
    const torn = faults.plan.tornWriteOperations;
    if (torn !== undefined && torn < faults.operations) {
      const kept = Math.max(0, torn - before);
      await this.inner.write(operations.slice(0, kept));
      this.crash('write', `write torn after ${kept} of ${operations.length} operations`);
    }
    await this.inner.write(operations);
    const after = faults.plan.crashAfterWrite;
    if (after === true || after === faults.writes) this.crash('write', 'after the write was applied');
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
