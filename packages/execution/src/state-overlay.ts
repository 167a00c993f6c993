import { assert, compareBytes, DecodeError, type StateChange, type StateReader } from '@tongbao/protocol';
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

export interface RecordReader {
  get<T>(store: RecordStore<T>, path: string): T | undefined;
}

export function readRecord<T>(reader: StateReader, store: RecordStore<T>, path: string): T | undefined {
  return readValue(reader, store, path, stateKey(path));
}

function readValue<T>(reader: StateReader, store: RecordStore<T>, path: string, key: Uint8Array): T | undefined {
  const bytes = reader.get(key);
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

/** One key the block has read or written. */
class Entry {
  /** The storage key, encoded once: when the record is first read, or at the end if only written. */
  key: Uint8Array | undefined;
  store: RecordStore<unknown>;
  /** The record as the block sees it now; undefined: absent or deleted. */
  value: unknown;
  /** Whether the block writes this key (a deletion too). */
  written = false;

  constructor(
    readonly path: string,
    key: Uint8Array | undefined,
    store: RecordStore<unknown>,
    value: unknown,
  ) {
    this.key = key;
    this.store = store;
    this.value = value;
  }
}

/**
 * The state as one block sees it: committed state underneath, decoded once per key and
 * cached, with the writes of the transactions that succeeded so far on top — one entry
 * per key for both, so a read is one lookup. Encoding happens once per changed key, at
 * the end of the block.
 *
 * A transaction writes into the entries directly, through a TransactionState that logs
 * what each write replaced; a failed transaction is undone from that log before anything
 * else reads the block.
 */
export class BlockState implements RecordReader {
  private readonly entries = new Map<string, Entry>();
  /** Entries with written = true, in the order they were first written. */
  private readonly writtenEntries: Entry[] = [];
  /** The open transaction's undo log: entry, then the value, store and written flag it replaced. */
  private readonly undo: unknown[] = [];
  private transactionOpen = false;

  constructor(private readonly reader: StateReader) {}

  get<T>(store: RecordStore<T>, path: string): T | undefined {
    const entry = this.entries.get(path);
    if (entry !== undefined) return entry.value as T | undefined;
    const key = stateKey(path);
    const value = readValue(this.reader, store, path, key);
    this.entries.set(path, new Entry(path, key, store as RecordStore<unknown>, value));
    return value;
  }

  set<T>(store: RecordStore<T>, path: string, value: T | undefined): void {
    let entry = this.entries.get(path);
    if (entry === undefined) {
      // Written without being read: its committed value never matters to this block.
      entry = new Entry(path, undefined, store as RecordStore<unknown>, undefined);
      this.entries.set(path, entry);
    }
    if (this.transactionOpen) this.undo.push(entry, entry.value, entry.store, entry.written);
    if (!entry.written) {
      entry.written = true;
      this.writtenEntries.push(entry);
    }
    entry.store = store as RecordStore<unknown>;
    entry.value = value;
  }

  /** Starts logging writes so that they can be undone (one transaction at a time). */
  beginTransaction(): void {
    assert(!this.transactionOpen, 'one transaction at a time');
    this.transactionOpen = true;
  }

  /** Keeps the transaction's writes. */
  commitTransaction(): void {
    this.transactionOpen = false;
    this.undo.length = 0;
  }

  /** Puts back everything the transaction's writes replaced, newest first. */
  discardTransaction(): void {
    const undo = this.undo;
    for (let i = undo.length - 4; i >= 0; i -= 4) {
      const entry = undo[i] as Entry;
      entry.value = undo[i + 1];
      entry.store = undo[i + 2] as RecordStore<unknown>;
      if (!(undo[i + 3] as boolean) && entry.written) {
        // First written by this transaction: it was pushed last, so it is at the end.
        entry.written = false;
        const last = this.writtenEntries.pop();
        assert(last === entry, 'entries first written by a transaction are undone in reverse order');
      }
    }
    undo.length = 0;
    this.transactionOpen = false;
  }

  /** Every written key once, encoded, sorted by key bytes as storage requires. */
  changes(): StateChange[] {
    const written = this.writtenEntries;
    let ascii = true;
    for (const entry of written) {
      entry.key ??= stateKey(entry.path);
      if (ascii && entry.key.length !== entry.path.length) ascii = false;
    }
    // For ASCII paths, string order is byte order and much cheaper to compare.
    const sorted = [...written].sort(
      ascii ? (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : (a, b) => compareBytes(a.key!, b.key!),
    );
    const changes: StateChange[] = new Array(sorted.length);
    for (let i = 0; i < sorted.length; i++) {
      const entry = sorted[i]!;
      changes[i] = { key: entry.key!, value: entry.value === undefined ? undefined : entry.store.encode(entry.value) };
    }
    return changes;
  }
}

/**
 * One transaction's view of the block. Its writes go into the block at once, logged;
 * `commit` keeps them, `discard` puts back what they replaced — as if the transaction
 * had written into an overlay of its own that was dropped.
 */
export class TransactionState implements RecordReader {
  constructor(private readonly block: BlockState) {
    block.beginTransaction();
  }

  get<T>(store: RecordStore<T>, path: string): T | undefined {
    return this.block.get(store, path);
  }

  set<T>(store: RecordStore<T>, path: string, value: T): void {
    this.block.set(store, path, value);
  }

  delete<T>(store: RecordStore<T>, path: string): void {
    this.block.set(store, path, undefined);
  }

  commit(): void {
    this.block.commitTransaction();
  }

  discard(): void {
    this.block.discardTransaction();
  }
}

/** A RecordReader straight over committed state, for queries and mempool checks. */
export class CommittedState implements RecordReader {
  constructor(private readonly reader: StateReader) {}
  get<T>(store: RecordStore<T>, path: string): T | undefined {
    return readRecord(this.reader, store, path);
  }
}
