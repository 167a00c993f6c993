/**
 * The chain's hash function (SHA-256 or SM3, chosen at genesis), always passed in so
 * that no tree hard-codes one. It must return a fresh array of a fixed length.
 */
export type HashFunction = (data: Uint8Array) => Uint8Array;

/**
 * Writes the digest of `data` into `out` (exactly the hash's length), allocating nothing.
 * A hot path for code that hashes many small records (the state tree); results are
 * byte-identical to the HashFunction's.
 */
export type HashIntoFunction = (out: Uint8Array, data: Uint8Array) => void;

/** A hash function that may carry its own allocation-free form as `into`. */
export interface HashFunctionWithInto extends HashFunction {
  readonly into?: HashIntoFunction;
}

/**
 * The allocation-free form of `hash`: its own `into` when it has one (SHA-256 through
 * libsodium), else a copy of what it returns.
 */
export function hashIntoOf(hash: HashFunction): HashIntoFunction {
  const into = (hash as HashFunctionWithInto).into;
  if (typeof into === 'function') return into;
  return (out, data) => out.set(hash(data));
}
