/** An opaque parsed SM2 public key, owned by the addon and freed by the garbage collector. */
export type PublicKeyHandle = { readonly __sm2PublicKey: unique symbol };

/** An opaque native state tree (src/state_tree.c), freed by the garbage collector. */
export type StateTreeHandle = { readonly __stateTree: unique symbol };
/** An opaque prepared state of a native state tree: its changed pages until applied. */
export type PreparedStateHandle = { readonly __preparedState: unique symbol };

export interface NativeTreePrepared {
  readonly prepared: PreparedStateHandle;
  readonly root: Uint8Array;
  readonly pageCount: number;
  /** nodeReads, nodeCacheHits, nodeWrites, nodeDeletes, hashes, loadHashes. */
  readonly stats: [number, number, number, number, number, number];
}

export interface NativeTreePath {
  /** The siblings from the root down, 32 bytes each. */
  readonly siblings: Uint8Array;
  /** 0: the path ends in an empty position; 1: at the key's own leaf; 2: at another key's leaf. */
  readonly leaf: 0 | 1 | 2;
  readonly leafKeyHash?: Uint8Array;
  readonly leafValueHash?: Uint8Array;
}

export interface NativeTreeRecords {
  /** Store keys end to end, keyEnds[i] the end of key i. */
  readonly keys: Uint8Array;
  readonly keyEnds: Uint32Array;
  /** Page records end to end; an empty one means the page is deleted. */
  readonly records: Uint8Array;
  readonly recordEnds: Uint32Array;
}

export interface Sm2Binding {
  /** Parses a 65-byte uncompressed point (0x04 ‖ x ‖ y); null when it is not a valid public key. */
  publicKey(raw: Uint8Array, id?: Uint8Array): PublicKeyHandle | null;
  /** SM2 verification of a 64-byte r ‖ s signature over message, with the id given to publicKey. */
  verify(key: PublicKeyHandle, message: Uint8Array, signature: Uint8Array): boolean;
  /** SHA-256 of data into out[0..32) (out at least 32 bytes); a digest context per thread. */
  sha256Into(out: Uint8Array, data: Uint8Array): void;
  /** SM3 of data into out[0..32), likewise. */
  sm3Into(out: Uint8Array, data: Uint8Array): void;
  /** Ed25519 under Tongbao's rule (cofactored; see src/ed25519.c); wrong lengths are false. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * True when every signature is valid under the same rule: n keys of 32 bytes, n
   * signatures of 64, the messages concatenated and messageEnds[i] the end of message i.
   */
  ed25519VerifyBatch(publicKeys: Uint8Array, signatures: Uint8Array, messages: Uint8Array, messageEnds: Uint32Array): boolean;
  /**
   * A state tree whose pages live in native memory, reading missing pages through
   * fetch(storeKey) and hashing with OpenSSL's SHA-256 or SM3, or by calling `digest`.
   * Throws CORRUPT_STORE when the stored root page is malformed.
   */
  stateTreeCreate(
    digest: 'sha256' | 'sm3' | ((data: Uint8Array) => Uint8Array),
    pagePrefix: number,
    cacheEntriesMax: number,
    fetch: (key: Uint8Array) => Uint8Array | undefined,
  ): StateTreeHandle;
  stateTreeRoot(tree: StateTreeHandle): Uint8Array;
  /** [cached pages, dirty pages]. */
  stateTreeCounts(tree: StateTreeHandle): [number, number];
  /** Change i: keys[keyEnds[i-1]..keyEnds[i]), its value likewise, deleted[i] 1 to delete; keys sorted, each once. */
  stateTreePrepare(
    tree: StateTreeHandle,
    keys: Uint8Array,
    keyEnds: Uint32Array,
    values: Uint8Array,
    valueEnds: Uint32Array,
    deleted: Uint8Array,
  ): NativeTreePrepared;
  stateTreeApplied(tree: StateTreeHandle, prepared: PreparedStateHandle): void;
  stateTreePageRecords(tree: StateTreeHandle, pending: PreparedStateHandle | null): NativeTreeRecords;
  stateTreeCheckpointed(tree: StateTreeHandle): void;
  stateTreeProve(tree: StateTreeHandle, key: Uint8Array): NativeTreePath;
  /** 0: the committed tree lacks `key`; 1: it holds it; 2: a page on its path is not in memory. Fetches nothing. */
  stateTreeLookup(tree: StateTreeHandle, key: Uint8Array): 0 | 1 | 2;
}

export declare const binding: Sm2Binding | null;
export declare const loadError: unknown;
