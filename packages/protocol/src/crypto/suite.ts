/**
 * A crypto suite is fixed per chain at genesis: one signature scheme and one hash
 * function, used for every signature, id, link and Merkle tree on that chain.
 */
export type SuiteName = 'ed25519' | 'sm2';

export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export interface Suite {
  readonly name: SuiteName;
  readonly publicKeyBytes: number;
  readonly signatureBytes: number;
  readonly hashBytes: number;
  hash(data: Uint8Array): Uint8Array;
  /** A fresh key pair, or a deterministic one from a 32-byte seed (tests, demos). */
  generateKeyPair(seed?: Uint8Array): KeyPair;
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * The consensus-critical verifier: the one implementation every node runs. Returns
   * false, never throws, for any malformed key or signature.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}
