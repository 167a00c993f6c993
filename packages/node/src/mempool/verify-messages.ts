/** A chunk of encoded transactions, concatenated so it crosses threads as one buffer. */
export interface VerifyRequest {
  readonly requestId: number;
  readonly buffer: Uint8Array;
  readonly lengths: readonly number[];
}

/** A transaction of the chunk that is not valid, by its index, with the stable reason. */
export interface VerifyFailure {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

/**
 * A worker's answer, in a few transferred buffers rather than an object per transaction:
 * cloned objects (a decoded command is a dozen) cost the main thread their
 * deserialization, and they lived as long as the transaction waited for its block, which
 * burdened its scavenges. The main thread decodes a command when execution reads it.
 */
export interface VerifyResponse {
  readonly requestId: number;
  /** The invalid transactions, in index order; every other one is valid. */
  readonly failures: readonly VerifyFailure[];
  /** The nonce of each valid transaction, in order. */
  readonly nonces: BigUint64Array;
  /** Id ‖ sender of each valid transaction, in order. */
  readonly keys: Uint8Array;
  readonly idBytes: number;
  readonly senderBytes: number;
}
