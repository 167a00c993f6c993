/**
 * The seam between execution and storage. Execution reads committed state through a
 * StateReader (synchronous, so a block executes without awaiting and without any
 * chance of interleaving) and describes its effect as a list of StateChange sorted by
 * key. Storage applies those changes to its Merkle commitment and writes them in the
 * block's one atomic batch.
 */
export interface StateReader {
  /** The committed value, or undefined if the key is absent. */
  get(key: Uint8Array): Uint8Array | undefined;
}

export interface StateChange {
  readonly key: Uint8Array;
  /** undefined deletes the key. */
  readonly value: Uint8Array | undefined;
}
