import type { Command } from '@tongbao/protocol';

/** A chunk of encoded transactions, concatenated so it crosses threads as one buffer. */
export interface VerifyRequest {
  readonly requestId: number;
  readonly buffer: Uint8Array;
  readonly lengths: readonly number[];
}

/** A valid transaction's outcome; its id and sender travel packed in VerifyResponse.keys. */
export type VerifyOutcome =
  | { readonly ok: true; readonly nonce: bigint; readonly command: Command }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface VerifyResponse {
  readonly requestId: number;
  readonly outcomes: readonly VerifyOutcome[];
  /**
   * Id ‖ sender of each valid transaction in order, in one transferred buffer: two
   * cloned arrays per transaction were two ArrayBuffers each, which live as long as the
   * transaction waits for its block and so burdened the main thread's scavenges.
   */
  readonly keys: Uint8Array;
  readonly idBytes: number;
  readonly senderBytes: number;
}
