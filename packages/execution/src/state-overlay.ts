import { compareBytes, DecodeError, type StateChange, type StateReader } from '@tongbao/protocol';
import { ExecutionError } from './errors.js';
import { stateKey } from './keys.js';

/**
 * A kind of record in state: how its value is encoded. Records handed out by the
 * overlays are shared and must be treated as immutable; a command that changes one
 * builds a new object and `set`s it. That is what lets a failed transaction be
 * discarded by dropping its overlay, with no undo log.
 */
export interface RecordStore<T> {
  readonly name: string;
  encode(value: T): Uint8Array;
  /** Throws on bytes that are not a canonical encoding. */
  decode(bytes: Uint8Array): T;
}

export interface Slot {
  readonly store: RecordStore<unknown>;
  /** undefined: the record is deleted. */
  readonly value: unknown;
}

export interface RecordReader {
  get<T>(store: RecordStore<T>, path: string): T | undefined;
}

export function readRecord<T>(reader: StateReader, store: RecordStore<T>, path: string): T | undefined {
  const bytes = reader.get(stateKey(path));
  if (bytes === undefined) return undefined;
  try {
    return store.decode(bytes);
  } catch (cause) {
    if (!(cause instanceof DecodeError)) throw cause;
    throw new ExecutionError('STATE_CORRUPT', `state key "${path}" does not hold a valid ${store.name} record: ${cause.message}`, {
      details: { path, store: store.name },
      cause,
    });
  }
}

/**
 * The state as one block sees it: committed state underneath, decoded once per key and
 * cached, with the writes of the transactions that succeeded so far on top. Encoding
 * happens once per changed key, at the end of the block.
 */
export class BlockState implements RecordReader {
  private readonly committed = new Map<string, unknown>();
  private readonly written = new Map<string, Slot>();

  constructor(private readonly reader: StateReader) {}

  get<T>(store: RecordStore<T>, path: string): T | undefined {
    const slot = this.written.get(path);
    if (slot !== undefined) return slot.value as T | undefined;
    if (this.committed.has(path)) return this.committed.get(path) as T | undefined;
    const value = readRecord(this.reader, store, path);
    this.committed.set(path, value);
    return value;
  }

  /** Takes over the writes of a transaction that succeeded. */
  apply(writes: ReadonlyMap<string, Slot>): void {
    for (const [path, slot] of writes) this.written.set(path, slot);
  }

  set<T>(store: RecordStore<T>, path: string, value: T): void {
    this.written.set(path, { store: store as RecordStore<unknown>, value });
  }

  /** Every written key once, encoded, sorted by key bytes as storage requires. */
  changes(): StateChange[] {
    const changes: StateChange[] = [];
    for (const [path, slot] of this.written) {
      changes.push({ key: stateKey(path), value: slot.value === undefined ? undefined : slot.store.encode(slot.value) });
    }
    return changes.sort((a, b) => compareBytes(a.key, b.key));
  }
}

/**
 * One transaction's view: its own writes over the block's. On success the block takes
 * the writes (`commit`); on failure the overlay is simply dropped.
 */
export class TransactionState implements RecordReader {
  private writes: Map<string, Slot> | undefined;

  constructor(private readonly block: BlockState) {}

  get<T>(store: RecordStore<T>, path: string): T | undefined {
    const slot = this.writes?.get(path);
    if (slot !== undefined) return slot.value as T | undefined;
    return this.block.get(store, path);
  }

  set<T>(store: RecordStore<T>, path: string, value: T): void {
    (this.writes ??= new Map()).set(path, { store: store as RecordStore<unknown>, value });
  }

  delete<T>(store: RecordStore<T>, path: string): void {
    (this.writes ??= new Map()).set(path, { store: store as RecordStore<unknown>, value: undefined });
  }

  commit(): void {
    if (this.writes !== undefined) this.block.apply(this.writes);
    this.writes = undefined;
  }
}

/** A RecordReader straight over committed state, for queries and mempool checks. */
export class CommittedState implements RecordReader {
  constructor(private readonly reader: StateReader) {}
  get<T>(store: RecordStore<T>, path: string): T | undefined {
    return readRecord(this.reader, store, path);
  }
}
