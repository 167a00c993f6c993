/**
 * The chain's hash function (SHA-256 or SM3, chosen at genesis), always passed in so
 * that no tree hard-codes one. It must return a fresh array of a fixed length.
 */
export type HashFunction = (data: Uint8Array) => Uint8Array;
