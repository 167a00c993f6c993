/**
 * SM2 (GB/T 32918.2) in pure JavaScript on @noble/curves: key generation and signing for
 * every platform, and the verifier for platforms without the native addon (the browser
 * SDK). In Node the consensus verifier is the OpenSSL one in ./sm2.ts; this one is kept
 * in agreement with it by differential tests, never used next to it.
 *
 * Encodings are fixed so that a signature has exactly one byte form: a public key is the
 * 65-byte uncompressed point 0x04 ‖ x ‖ y, a signature is r ‖ s, 32 bytes each,
 * big-endian, with 1 ≤ r, s ≤ n − 1. A secret key is the 32-byte scalar d, 1 ≤ d ≤ n − 2
 * (the standard excludes n − 1 because signing divides by 1 + d).
 */
import { weierstrass, type WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import { sm3Portable } from './sm3-portable.js';
import { concatBytes, utf8ToBytes } from '../bytes.js';
import type { KeyPair, SignatureCheck, Suite } from './suite.js';

export const SM2_PUBLIC_KEY_BYTES = 65;
export const SM2_SIGNATURE_BYTES = 64;
export const SM2_SECRET_KEY_BYTES = 32;

/** GM/T 0009 / GB/T 35276: the user id every signer uses unless agreed otherwise. */
export const SM2_DEFAULT_USER_ID: Uint8Array = utf8ToBytes('1234567812345678');

/** The recommended curve of GB/T 32918.5. */
const CURVE: { readonly [K in 'p' | 'n' | 'h' | 'a' | 'b' | 'Gx' | 'Gy']: bigint } = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

const Point = weierstrass<bigint>(CURVE);
type Point = WeierstrassPoint<bigint>;
const N = CURVE.n;

function bytesToBigint(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function bigintTo32Bytes(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r >= 0n ? r : r + m;
}

function invert(a: bigint, m: bigint): bigint {
  // Extended Euclid; a is never 0 mod m here (callers check).
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

function coordinates(): Uint8Array {
  return concatBytes(...[CURVE.a, CURVE.b, CURVE.Gx, CURVE.Gy].map(bigintTo32Bytes));
}
const CURVE_BYTES = coordinates();

/**
 * Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), which binds a signature to the
 * signer's identity and key. `hash` is SM3; it is a parameter so Node can pass OpenSSL's.
 */
export function sm2UserHash(
  publicKey: Uint8Array,
  userId: Uint8Array = SM2_DEFAULT_USER_ID,
  hash: (data: Uint8Array) => Uint8Array = sm3Portable,
): Uint8Array {
  if (userId.length > 8191) throw new TypeError(`an SM2 user id is at most 8191 bytes, got ${userId.length}`);
  const bits = userId.length * 8;
  return hash(concatBytes(new Uint8Array([bits >> 8, bits & 0xff]), userId, CURVE_BYTES, publicKey.subarray(1)));
}

/** The public key as a point, or null when the bytes are not a valid SM2 public key. */
export function sm2DecodePublicKey(publicKey: Uint8Array): Point | null {
  // Only the uncompressed form: a second (compressed) encoding of one key would give one
  // account two addresses.
  if (publicKey.length !== SM2_PUBLIC_KEY_BYTES || publicKey[0] !== 0x04) return null;
  const x = bytesToBigint(publicKey.subarray(1, 33));
  const y = bytesToBigint(publicKey.subarray(33, 65));
  if (x >= CURVE.p || y >= CURVE.p) return null;
  try {
    const point = Point.fromAffine({ x, y });
    point.assertValidity(); // on the curve and not infinity; the cofactor is 1
    return point;
  } catch {
    return null;
  }
}

function randomScalar(random: (length: number) => Uint8Array): bigint {
  // 48 bytes reduced mod n − 1 leaves a bias below 2^-128.
  return mod(bytesToBigint(random(48)), N - 1n) + 1n;
}

function defaultRandom(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/** d from a 32-byte seed (tests, demos) or at random; 1 ≤ d ≤ n − 2. */
export function sm2SecretKey(seed?: Uint8Array): Uint8Array {
  if (seed !== undefined && seed.length !== 32) throw new TypeError(`an SM2 seed is 32 bytes, got ${seed.length}`);
  const wide =
    seed === undefined
      ? defaultRandom(48)
      : concatBytes(sm3Portable(concatBytes(seed, new Uint8Array([0]))), sm3Portable(concatBytes(seed, new Uint8Array([1])))).subarray(0, 48);
  return bigintTo32Bytes(mod(bytesToBigint(wide), N - 2n) + 1n);
}

function secretScalar(secretKey: Uint8Array): bigint {
  if (secretKey.length !== SM2_SECRET_KEY_BYTES) {
    throw new TypeError(`an SM2 secret key is ${SM2_SECRET_KEY_BYTES} bytes, got ${secretKey.length}`);
  }
  const d = bytesToBigint(secretKey);
  if (d < 1n || d > N - 2n) throw new TypeError('an SM2 secret key must be in [1, n-2]');
  return d;
}

export function sm2PublicKey(secretKey: Uint8Array): Uint8Array {
  return Point.BASE.multiply(secretScalar(secretKey)).toBytes(false);
}

/**
 * GB/T 32918.2 section 6.1. `random` supplies k's entropy; tests inject it to reproduce
 * the standard's sample. The caller passes the public key when it has it, to save a
 * scalar multiplication.
 */
export function sm2Sign(
  secretKey: Uint8Array,
  message: Uint8Array,
  options: {
    publicKey?: Uint8Array;
    userId?: Uint8Array;
    hash?: (data: Uint8Array) => Uint8Array;
    random?: (length: number) => Uint8Array;
    /** Only for reproducing published samples: a fixed k. */
    k?: bigint;
  } = {},
): Uint8Array {
  const d = secretScalar(secretKey);
  const hash = options.hash ?? sm3Portable;
  const publicKey = options.publicKey ?? Point.BASE.multiply(d).toBytes(false);
  const e = bytesToBigint(hash(concatBytes(sm2UserHash(publicKey, options.userId, hash), message)));
  const dInverse = invert(1n + d, N);
  for (;;) {
    const k = options.k ?? randomScalar(options.random ?? defaultRandom);
    const x1 = Point.BASE.multiply(k).toAffine().x;
    const r = mod(e + x1, N);
    if (r === 0n || r + k === N) continue;
    const s = mod(dInverse * (k - r * d), N);
    if (s === 0n) continue;
    return concatBytes(bigintTo32Bytes(r), bigintTo32Bytes(s));
  }
}

/** A key decoded and prepared for repeated verification. */
export interface Sm2PreparedKey {
  readonly point: Point;
  readonly userHash: Uint8Array;
}

export function sm2PrepareKey(
  publicKey: Uint8Array,
  userId: Uint8Array = SM2_DEFAULT_USER_ID,
  hash: (data: Uint8Array) => Uint8Array = sm3Portable,
  precompute = true,
): Sm2PreparedKey | null {
  const point = sm2DecodePublicKey(publicKey);
  if (point === null) return null;
  // A window table per key costs about ten verifications to build and makes every later
  // one several times cheaper: worth it for keys that sign again, not for one-offs.
  if (precompute) point.precompute(8, false);
  return { point, userHash: sm2UserHash(publicKey, userId, hash) };
}

/** GB/T 32918.2 section 7.1, over a prepared key. False, never a throw, for bad input. */
export function sm2VerifyPrepared(
  key: Sm2PreparedKey,
  message: Uint8Array,
  signature: Uint8Array,
  hash: (data: Uint8Array) => Uint8Array = sm3Portable,
): boolean {
  if (signature.length !== SM2_SIGNATURE_BYTES) return false;
  const r = bytesToBigint(signature.subarray(0, 32));
  const s = bytesToBigint(signature.subarray(32, 64));
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = mod(r + s, N);
  if (t === 0n) return false;
  const e = bytesToBigint(hash(concatBytes(key.userHash, message)));
  // Public scalars: the variable-time multiplications are safe here and use the tables.
  const sum = Point.BASE.multiplyUnsafe(s).add(key.point.multiplyUnsafe(t));
  if (sum.is0()) return false;
  return mod(e + sum.toAffine().x, N) === r;
}

/** Pure-JavaScript verification, for platforms without the native addon. */
export function sm2VerifyPortable(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  userId: Uint8Array = SM2_DEFAULT_USER_ID,
): boolean {
  const key = sm2PrepareKey(publicKey, userId, sm3Portable, false);
  return key !== null && sm2VerifyPrepared(key, message, signature);
}

/**
 * The SM2 suite over a given SM3 and a given verifier: key generation, signing and the
 * argument checks are the same everywhere; the node verifies through OpenSSL (./sm2.ts),
 * a browser with the pure-JavaScript verifier (../portable.ts).
 */
export function createSm2Suite(
  hash: (data: Uint8Array) => Uint8Array,
  verifyWellFormed: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean,
): Suite {
  const suite: Suite = {
    name: 'sm2',
    publicKeyBytes: SM2_PUBLIC_KEY_BYTES,
    signatureBytes: SM2_SIGNATURE_BYTES,
    hashBytes: 32,
    hash,
    generateKeyPair(seed?: Uint8Array): KeyPair {
      const secretKey = sm2SecretKey(seed);
      return { publicKey: sm2PublicKey(secretKey), secretKey };
    },
    sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
      if (secretKey.length !== SM2_SECRET_KEY_BYTES) {
        throw new TypeError(`an SM2 secret key is ${SM2_SECRET_KEY_BYTES} bytes, got ${secretKey.length}`);
      }
      return sm2Sign(secretKey, message, { hash, userId: SM2_DEFAULT_USER_ID });
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
        return false;
      }
      return verifyWellFormed(publicKey, message, signature);
    },
    verifyMany(checks: readonly SignatureCheck[]): boolean[] {
      // SM2 has no batch equation: one by one.
      return checks.map((check) => suite.verify(check.publicKey, check.message, check.signature));
    },
  };
  return suite;
}
