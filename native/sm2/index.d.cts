/** An opaque parsed SM2 public key, owned by the addon and freed by the garbage collector. */
export type PublicKeyHandle = { readonly __sm2PublicKey: unique symbol };

export interface Sm2Binding {
  /** Parses a 65-byte uncompressed point (0x04 ‖ x ‖ y); null when it is not a valid public key. */
  publicKey(raw: Uint8Array, id?: Uint8Array): PublicKeyHandle | null;
  /** SM2 verification of a 64-byte r ‖ s signature over message, with the id given to publicKey. */
  verify(key: PublicKeyHandle, message: Uint8Array, signature: Uint8Array): boolean;
}

export declare const binding: Sm2Binding | null;
export declare const loadError: unknown;
