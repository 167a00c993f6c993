import type { Command } from '@tongbao/protocol';

/** A chunk of encoded transactions, concatenated so it crosses threads as one buffer. */
export interface VerifyRequest {
  readonly requestId: number;
  readonly buffer: Uint8Array;
  readonly lengths: readonly number[];
}

export type VerifyOutcome =
  | { readonly ok: true; readonly id: Uint8Array; readonly sender: Uint8Array; readonly nonce: bigint; readonly command: Command }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface VerifyResponse {
  readonly requestId: number;
  readonly outcomes: readonly VerifyOutcome[];
}
