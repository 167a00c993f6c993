// Pins the SM2 suite: the native (OpenSSL) verifier that consensus runs and the portable
// signer/verifier. Checks, in order: the published sample signature on the recommended
// curve; interoperability with `sm-crypto` (the JavaScript SM2 library Chinese
// developers use, hash mode with the default user id) in both directions over many
// random messages; the fixed encodings (64-byte r‖s, 65-byte uncompressed key) and
// every out-of-range value; agreement of the native and portable verifiers on random
// and mutated inputs; and the key cache staying correct past its bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../bytes.js';
import {
  getSuite,
  SM2_PUBLIC_KEY_CACHE_COUNT_MAX,
  sm2VerifyPortable,
  sm2VerifyWithUserId,
  sm3,
  verify,
} from './index.js';
import { sm2PublicKey, sm2Sign } from './sm2-portable.js';

interface SmCrypto {
  sm2: {
    generateKeyPairHex(): { privateKey: string; publicKey: string };
    doSignature(message: string | number[], privateKey: string, options: { hash: boolean; publicKey?: string }): string;
    doVerifySignature(message: string | number[], signature: string, publicKey: string, options: { hash: boolean }): boolean;
  };
}
const smCrypto = createRequire(import.meta.url)('sm-crypto') as SmCrypto;

const sm2 = getSuite('sm2');
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;

function be32(value: bigint): Uint8Array {
  return hexToBytes(value.toString(16).padStart(64, '0'));
}
function signatureOf(r: bigint, s: bigint): Uint8Array {
  return new Uint8Array([...be32(r), ...be32(s)]);
}

// The sample on the recommended curve reproduced by many implementations: private key,
// public key, message "message digest", the default user id, the fixed k, and r ‖ s.
// (The 2012 text's ALICE123@YAHOO.COM example is on a 256-bit test curve, not the
// recommended one, so it cannot be run here.)
const SAMPLE = {
  secretKey: '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8',
  publicKey:
    '0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
  message: 'message digest',
  k: 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n,
  signature:
    'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
};

test('the published sample verifies, and only under the default user id', () => {
  const publicKey = hexToBytes(SAMPLE.publicKey);
  const message = utf8ToBytes(SAMPLE.message);
  const signature = hexToBytes(SAMPLE.signature);
  assert.equal(verify('sm2', publicKey, message, signature), true);
  assert.equal(sm2VerifyPortable(publicKey, message, signature), true);
  assert.equal(sm2VerifyWithUserId(publicKey, message, signature, utf8ToBytes('1234567812345678')), true);
  assert.equal(sm2VerifyWithUserId(publicKey, message, signature, utf8ToBytes('ALICE123@YAHOO.COM')), false);
  assert.equal(sm2VerifyPortable(publicKey, message, signature, utf8ToBytes('ALICE123@YAHOO.COM')), false);
});

test('the published sample: our key derivation and signer with the fixed k reproduce it', () => {
  const secretKey = hexToBytes(SAMPLE.secretKey);
  assert.equal(bytesToHex(sm2PublicKey(secretKey)), SAMPLE.publicKey);
  const signature = sm2Sign(secretKey, utf8ToBytes(SAMPLE.message), { k: SAMPLE.k, hash: sm3 });
  assert.equal(bytesToHex(signature), SAMPLE.signature);
});

test('interop: sm-crypto signs, we verify (100 random keys and messages)', () => {
  for (let i = 0; i < 100; i++) {
    const keys = smCrypto.sm2.generateKeyPairHex();
    const message = randomBytes(i % 97);
    const signature = smCrypto.sm2.doSignature(Array.from(message), keys.privateKey, { hash: true, publicKey: keys.publicKey });
    const publicKey = hexToBytes(keys.publicKey);
    assert.equal(verify('sm2', publicKey, message, hexToBytes(signature)), true, `case ${i}`);
    assert.equal(sm2VerifyPortable(publicKey, message, hexToBytes(signature)), true, `case ${i}`);
    const other = new Uint8Array(message.length + 1);
    other.set(message);
    assert.equal(verify('sm2', publicKey, other, hexToBytes(signature)), false, `case ${i}`);
  }
});

test('interop: we sign, sm-crypto verifies (100 random keys and messages)', () => {
  for (let i = 0; i < 100; i++) {
    const keyPair = sm2.generateKeyPair();
    const message = randomBytes(i % 97);
    const signature = sm2.sign(keyPair.secretKey, message);
    assert.equal(
      smCrypto.sm2.doVerifySignature(Array.from(message), bytesToHex(signature), bytesToHex(keyPair.publicKey), { hash: true }),
      true,
      `case ${i}`,
    );
  }
});

test('seeded key generation is deterministic and distinct per seed', () => {
  const seed = new Uint8Array(32).fill(7);
  assert.deepEqual(sm2.generateKeyPair(seed), sm2.generateKeyPair(seed));
  assert.notDeepEqual(sm2.generateKeyPair(seed).publicKey, sm2.generateKeyPair(new Uint8Array(32)).publicKey);
  assert.throws(() => sm2.generateKeyPair(new Uint8Array(31)), TypeError);
  assert.throws(() => sm2.sign(new Uint8Array(31), new Uint8Array()), TypeError);
  assert.throws(() => sm2.sign(new Uint8Array(32), new Uint8Array()), TypeError); // d = 0
});

const keyPair = sm2.generateKeyPair(new Uint8Array(32).fill(1));
const message = utf8ToBytes('transfer 100 to bank b');
const good = sm2.sign(keyPair.secretKey, message);
const goodR = BigInt('0x' + bytesToHex(good.subarray(0, 32)));
const goodS = BigInt('0x' + bytesToHex(good.subarray(32)));

function bothVerifiers(publicKey: Uint8Array, signature: Uint8Array, data = message): [boolean, boolean] {
  return [verify('sm2', publicKey, data, signature), sm2VerifyPortable(publicKey, data, signature)];
}

test('out-of-range r and s are rejected: 0, n, n + the value, and r + s = n', () => {
  assert.deepEqual(bothVerifiers(keyPair.publicKey, good), [true, true]);
  const cases: [string, bigint, bigint][] = [
    ['r = 0', 0n, goodS],
    ['s = 0', goodR, 0n],
    ['r = n', N, goodS],
    ['s = n', goodR, N],
    ['r + n', goodR + N, goodS],
    ['s + n', goodR, goodS + N],
    ['r + s = n', goodR, N - goodR],
    ['r = s = 2^256 − 1', 2n ** 256n - 1n, 2n ** 256n - 1n],
  ];
  for (const [name, r, s] of cases) {
    if (r >= 2n ** 256n || s >= 2n ** 256n) continue; // r + n may not fit in 32 bytes
    assert.deepEqual(bothVerifiers(keyPair.publicKey, signatureOf(r, s)), [false, false], name);
  }
});

test('a DER signature, wrong lengths and non-byte inputs are rejected without throwing', () => {
  for (const length of [0, 63, 65, 70, 71, 72]) {
    const signature = new Uint8Array(length);
    signature.set(good.subarray(0, Math.min(64, length)));
    assert.deepEqual(bothVerifiers(keyPair.publicKey, signature), [false, false], `signature of ${length} bytes`);
  }
  for (const length of [0, 33, 64, 66]) {
    const key = new Uint8Array(length);
    key.set(keyPair.publicKey.subarray(0, Math.min(65, length)));
    assert.deepEqual(bothVerifiers(key, good), [false, false], `key of ${length} bytes`);
  }
  const loose = verify as (suite: string, ...rest: unknown[]) => boolean;
  assert.equal(loose('sm2', bytesToHex(keyPair.publicKey), message, good), false);
  assert.equal(loose('sm2', keyPair.publicKey, 'message', good), false);
  assert.equal(loose('sm2', keyPair.publicKey, message, undefined), false);
});

test('only the uncompressed key encoding is accepted, and only points on the curve', () => {
  const x = keyPair.publicKey.subarray(1, 33);
  const y = keyPair.publicKey.subarray(33);
  const yOdd = (y[31]! & 1) === 1;
  const compressed = new Uint8Array([yOdd ? 3 : 2, ...x]);
  assert.deepEqual(bothVerifiers(compressed, good), [false, false], 'compressed');
  for (const prefix of [0x00, 0x02, 0x03, 0x05, 0x06, 0x07]) {
    const key = new Uint8Array(keyPair.publicKey);
    key[0] = prefix;
    assert.deepEqual(bothVerifiers(key, good), [false, false], `prefix ${prefix}`);
  }
  // Infinity has no 65-byte encoding; all zeros is not on the curve either.
  assert.deepEqual(bothVerifiers(new Uint8Array(65).fill(0, 1).fill(4, 0, 1), good), [false, false], '(0, 0)');
  assert.deepEqual(bothVerifiers(new Uint8Array([0]), good), [false, false], 'the SEC1 infinity octet');
  const offCurve = new Uint8Array(keyPair.publicKey);
  offCurve[64]! ^= 1;
  assert.deepEqual(bothVerifiers(offCurve, good), [false, false], 'off the curve');
  // x + p (and y + p) do not fit in 32 bytes for this p, so a coordinate ≥ p is tested
  // with x = p, y = anything: no such point.
  const xIsP = new Uint8Array([4, ...be32(P), ...y]);
  assert.deepEqual(bothVerifiers(xIsP, good), [false, false], 'x = p');
  const yPlusP = BigInt('0x' + bytesToHex(y)) + P;
  if (yPlusP < 2n ** 256n) {
    const key = new Uint8Array([4, ...x, ...be32(yPlusP)]);
    assert.deepEqual(bothVerifiers(key, good), [false, false], 'y + p');
  }
});

test('the native and portable verifiers agree on mutated signatures, keys and messages', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 65 + 64 + message.length - 1 }),
      fc.integer({ min: 0, max: 255 }),
      (position, value) => {
        const key = new Uint8Array(keyPair.publicKey);
        const signature = new Uint8Array(good);
        const data = new Uint8Array(message);
        if (position < 65) key[position] = value;
        else if (position < 129) signature[position - 65] = value;
        else data[position - 129] = value;
        const [native, portable] = bothVerifiers(key, signature, data);
        return native === portable;
      },
    ),
    { numRuns: 400 },
  );
});

test('the key cache stays correct past its bound', () => {
  const count = SM2_PUBLIC_KEY_CACHE_COUNT_MAX + 10;
  const first = sm2.generateKeyPair(new Uint8Array(32).fill(9));
  const firstSignature = sm2.sign(first.secretKey, message);
  assert.equal(verify('sm2', first.publicKey, message, firstSignature), true);
  // Distinct (invalid) keys fill the cache and push the first key out.
  for (let i = 0; i < count; i++) {
    const junk = new Uint8Array(65);
    junk[0] = 4;
    new DataView(junk.buffer).setUint32(1, i);
    assert.equal(verify('sm2', junk, message, firstSignature), false);
  }
  assert.equal(verify('sm2', first.publicKey, message, firstSignature), true);
  assert.equal(verify('sm2', first.publicKey, utf8ToBytes('another'), firstSignature), false);
});
