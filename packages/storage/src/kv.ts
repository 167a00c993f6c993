/**
 * The small key-value interface everything in storage is built on: the one seam between
 * our data layout and a database. Keys sort as unsigned bytes (compareBytes), as in
 * LevelDB. Reads are synchronous so that execution can read state without awaiting;
 * writes are batches, applied atomically and durably or not at all — the only property
 * of the database that crash safety relies on.
 */
export type KvOperation =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

export interface KvRange {
  /** Lowest key included. */
  readonly gte?: Uint8Array;
  /** First key excluded. */
  readonly lt?: Uint8Array;
  /** Highest key first. */
  readonly reverse?: boolean;
  /** At most this many entries; absent or negative for no limit. */
  readonly limit?: number;
}

export interface KeyValueStore {
  /** The value of `key`, or undefined. Callers must not mutate the returned array. */
  get(key: Uint8Array): Uint8Array | undefined;
  /**
   * Applies every operation in order (a later one on the same key wins), atomically, and
   * resolves only once the batch is durable: after a crash the store holds all of it or
   * none of it.
   */
  write(operations: readonly KvOperation[]): Promise<void>;
  /** Entries in key order within the range. Must not be used across a write. */
  iterate(range?: KvRange): AsyncIterable<readonly [Uint8Array, Uint8Array]>;
  close(): Promise<void>;
}
