import { assert } from '@tongbao/protocol';
import { StorageError } from './errors.js';
import type { KeyValueStore, KvOperation, KvRange } from './kv.js';
import { bytesKey } from './generation-cache.js';

// Keys are held as bytesKey strings: a plain sort of them gives LevelDB's order, and a
// Map gives O(1) lookup.
const keyString = bytesKey;

/** The contents of a memory store, shared by the stores reopened over it. */
class MemoryData {
  readonly entries = new Map<string, { readonly key: Uint8Array; readonly value: Uint8Array }>();
  /** Sorted keys, rebuilt lazily after a write changed the key set. */
  sorted: string[] | undefined = [];
}

function lowerBound(sorted: readonly string[], target: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * An in-memory KeyValueStore for tests and simulation. Writes are atomic (applied in one
 * synchronous step) and "durable" for as long as the data object lives: `reopen()` gives
 * a fresh store over the same contents, as a restart would over a disk.
 */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly data: MemoryData;
  private closed = false;

  constructor(data: MemoryData = new MemoryData()) {
    this.data = data;
  }

  /** A new store over the same contents (this one may be closed or abandoned). */
  reopen(): MemoryKeyValueStore {
    return new MemoryKeyValueStore(this.data);
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('STORE_CLOSED', 'the memory store is closed');
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.checkOpen();
    return this.data.entries.get(keyString(key))?.value;
  }

  async write(operations: readonly KvOperation[]): Promise<void> {
    this.checkOpen();
    // Validate everything before changing anything: a batch is all or nothing.
    for (const op of operations) {
      assert(op.key instanceof Uint8Array, 'a key-value operation has a Uint8Array key');
      assert(op.type === 'del' || op.value instanceof Uint8Array, 'a put has a Uint8Array value');
    }
    const { entries } = this.data;
    let keySetChanged = false;
    for (const op of operations) {
      const k = keyString(op.key);
      if (op.type === 'put') {
        if (!entries.has(k)) keySetChanged = true;
        // Copies, so a caller reusing its arrays cannot change what is stored.
        entries.set(k, { key: op.key.slice(), value: op.value.slice() });
      } else if (entries.delete(k)) {
        keySetChanged = true;
      }
    }
    if (keySetChanged) this.data.sorted = undefined;
  }

  async *iterate(range: KvRange = {}): AsyncIterable<readonly [Uint8Array, Uint8Array]> {
    this.checkOpen();
    const { entries } = this.data;
    const sorted = (this.data.sorted ??= [...entries.keys()].sort());
    const start = range.gte === undefined ? 0 : lowerBound(sorted, keyString(range.gte));
    const end = range.lt === undefined ? sorted.length : lowerBound(sorted, keyString(range.lt));
    // A snapshot of the keys in range, so a concurrent write cannot shift positions.
    const keys = sorted.slice(start, Math.max(start, end));
    if (range.reverse === true) keys.reverse();
    const limit = range.limit === undefined || range.limit < 0 ? Infinity : range.limit;
    let yielded = 0;
    for (const k of keys) {
      if (yielded >= limit) return;
      const entry = entries.get(k);
      if (entry === undefined) continue;
      yielded++;
      yield [entry.key, entry.value] as const;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
