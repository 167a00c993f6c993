/** An opaque parsed SM2 public key, owned by the addon and freed by the garbage collector. */
export type PublicKeyHandle = { readonly __sm2PublicKey: unique symbol };

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
}

export declare const binding: Sm2Binding | null;
export declare const loadError: unknown;
