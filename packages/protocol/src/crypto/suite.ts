/**
 * A crypto suite is fixed per chain at genesis: one signature scheme and one hash
 * function, used for every signature, id, link and Merkle tree on that chain.
 */
export type SuiteName = 'ed25519' | 'sm2';

export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** One signature to check: the key that should have made it, over these bytes. */
export interface SignatureCheck {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
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
  /**
   * `verify` of each check — the same verdicts, by definition — computed together where
   * the scheme allows it (Ed25519's batch equation), one by one where it does not.
   */
  verifyMany(checks: readonly SignatureCheck[]): boolean[];
}
