// Pins Tongbao's Ed25519 rule (ed25519-verify.ts) where it departs from libsodium and
// where batching could go wrong: signatures with a torsion component in the key or in R
// (valid under the cofactored equation, refused by libsodium's cofactorless one); the
// batch equation agreeing with one-by-one verification on random mixes of valid,
// corrupted and edge-case signatures; two invalid signatures whose errors cancel in an
// unweighted sum; and the native, batched, portable and addon-less forms giving
// identical answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import sodium from 'sodium-native';
import sm2Native from '@tongbao/sm2-native';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import {
  getSuite,
  ed25519BatchIsNative,
  ed25519VerifyPortable,
  ed25519VerifyWithoutAddon,
  ED25519_BATCH_SIGNATURES_MAX,
  type SignatureCheck,
} from './index.js';
import { hexToBytes } from '../bytes.js';

const suite = getSuite('ed25519');
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const Point = noble.Point;
/** A point of order 8: adding it gives a key or R a torsion component. */
const TORSION = Point.fromBytes(hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'), false);

function le32(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
}
function fromLe(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}
function challenge(r: Uint8Array, a: Uint8Array, message: Uint8Array): bigint {
  return fromLe(createHash('sha512').update(r).update(a).update(message).digest()) % L;
}
function mod(x: bigint): bigint {
  return ((x % L) + L) % L;
}

/** A signature made by hand: key aB (+ T), R = rB (+ T), s = r + h a. */
function handSigned(message: Uint8Array, options: { torsionInKey?: boolean; torsionInR?: boolean }): SignatureCheck {
  const a = mod(fromLe(randomBytes(64)));
  const r = mod(fromLe(randomBytes(64)));
  let keyPoint = Point.BASE.multiply(a);
  if (options.torsionInKey) keyPoint = keyPoint.add(TORSION);
  let rPoint = Point.BASE.multiply(r);
  if (options.torsionInR) rPoint = rPoint.add(TORSION);
  const publicKey = keyPoint.toBytes();
  const rBytes = rPoint.toBytes();
  const s = mod(r + challenge(rBytes, publicKey, message) * a);
  const signature = new Uint8Array(64);
  signature.set(rBytes, 0);
  signature.set(le32(s), 32);
  return { publicKey, message, signature };
}

function libsodiumVerify(check: SignatureCheck): boolean {
  return sodium.crypto_sign_verify_detached(Buffer.from(check.signature), Buffer.from(check.message), Buffer.from(check.publicKey));
}

function honest(message: Uint8Array = randomBytes(1 + (randomBytes(1)[0]! % 200))): SignatureCheck {
  const pair = suite.generateKeyPair();
  return { publicKey: pair.publicKey, message, signature: suite.sign(pair.secretKey, message) };
}

/** Every form of the rule, on each check: one by one, batched, portable, and without the addon. */
function verdicts(checks: readonly SignatureCheck[]): { one: boolean[]; many: boolean[]; portable: boolean[]; withoutAddon: boolean[] } {
  return {
    one: checks.map((c) => suite.verify(c.publicKey, c.message, c.signature)),
    many: suite.verifyMany(checks),
    portable: checks.map((c) => ed25519VerifyPortable(c.publicKey, c.message, c.signature)),
    withoutAddon: checks.map((c) => ed25519VerifyWithoutAddon(c.publicKey, c.message, c.signature)),
  };
}

test('the native addon verifies Ed25519 in this build (else every figure here is the portable fallback)', () => {
  assert.equal(ed25519BatchIsNative, true, String(sm2Native.loadError));
});

test('a key with a torsion component: valid under the cofactored rule, refused by libsodium unless 8 divides h', () => {
  const checks = Array.from({ length: 32 }, (_, i) => handSigned(Buffer.from(`pay ${i}`), { torsionInKey: true }));
  const { one, many, portable, withoutAddon } = verdicts(checks);
  assert.deepEqual(one, checks.map(() => true));
  assert.deepEqual(many, one);
  assert.deepEqual(portable, one);
  assert.deepEqual(withoutAddon, one);
  // libsodium checks sB − hA = R, off by −hT: it accepts exactly when h ≡ 0 (mod 8).
  for (const check of checks) {
    const h = challenge(check.signature.subarray(0, 32), check.publicKey, check.message);
    assert.equal(libsodiumVerify(check), h % 8n === 0n);
  }
  assert.ok(checks.some((check) => !libsodiumVerify(check)), 'the rules differ on some of these');
});

test('an R with a torsion component: valid under the cofactored rule, always refused by libsodium', () => {
  const checks = Array.from({ length: 32 }, (_, i) => handSigned(Buffer.from(`pay ${i}`), { torsionInR: true }));
  const { one, many, portable, withoutAddon } = verdicts(checks);
  assert.deepEqual(one, checks.map(() => true));
  assert.deepEqual(many, one);
  assert.deepEqual(portable, one);
  assert.deepEqual(withoutAddon, one);
  // libsodium compares sB − hA = rB with R = rB + T, which it never equals.
  for (const check of checks) assert.equal(libsodiumVerify(check), false);
});

test('honest signatures: valid under both rules, whatever the batch size', () => {
  for (const size of [1, 2, 3, ED25519_BATCH_SIGNATURES_MAX - 1, ED25519_BATCH_SIGNATURES_MAX, ED25519_BATCH_SIGNATURES_MAX + 1, 150]) {
    const checks = Array.from({ length: size }, () => honest());
    assert.deepEqual(suite.verifyMany(checks), checks.map(() => true), `batch of ${size}`);
    for (const check of checks.slice(0, 4)) assert.equal(libsodiumVerify(check), true);
  }
  assert.deepEqual(suite.verifyMany([]), []);
});

test('one bad signature among many: the batch fails and exactly that one is reported invalid', () => {
  for (const bad of [0, 17, 63, 64, 99]) {
    const checks = Array.from({ length: 100 }, () => honest());
    const signature = new Uint8Array(checks[bad]!.signature);
    signature[40]! ^= 0x10;
    checks[bad] = { ...checks[bad]!, signature };
    const expected = checks.map((_, i) => i !== bad);
    assert.deepEqual(suite.verifyMany(checks), expected, `bad at ${bad}`);
  }
});

test('two invalid signatures whose errors cancel in a plain sum are still refused: the coefficients weigh each one', () => {
  // s1 + δ and s2 − δ: Σ s_i B − Σ R_i − Σ h_i A_i is unchanged, so an unweighted batch would pass.
  const first = honest(Buffer.from('first'));
  const second = honest(Buffer.from('second'));
  const delta = 12345n;
  const shifted = (check: SignatureCheck, by: bigint): SignatureCheck => {
    const signature = new Uint8Array(check.signature);
    signature.set(le32(mod(fromLe(check.signature.subarray(32)) + by)), 32);
    return { ...check, signature };
  };
  const pair = [shifted(first, delta), shifted(second, -delta)];
  assert.deepEqual(suite.verifyMany(pair), [false, false]);
  assert.equal(rawBatch(pair), false);
});

test('random mixes of valid, corrupted and edge-case signatures: batched, one by one and portable agree', () => {
  const P = 2n ** 255n - 19n;
  const smallOrder = [le32(1n), le32(P - 1n), TORSION.toBytes(), new Uint8Array(32)];
  const kinds = ['honest', 'flipped', 'wrong-message', 'wrong-key', 'torsion-key', 'torsion-r', 'small-order-key', 'small-order-r', 's-plus-l', 'non-canonical-r', 'short-signature'] as const;
  const make = (kind: (typeof kinds)[number], seed: number): SignatureCheck => {
    const base = honest(Buffer.from(`payment ${seed}`));
    const signature = new Uint8Array(base.signature);
    switch (kind) {
      case 'honest':
        return base;
      case 'flipped':
        signature[seed % 64]! ^= 1 << (seed % 8);
        return { ...base, signature };
      case 'wrong-message':
        return { ...base, message: Buffer.from(`payment ${seed + 1}`) };
      case 'wrong-key':
        return { ...base, publicKey: honest().publicKey };
      case 'torsion-key':
        return handSigned(base.message, { torsionInKey: true });
      case 'torsion-r':
        return handSigned(base.message, { torsionInR: true });
      case 'small-order-key':
        return { ...base, publicKey: smallOrder[seed % smallOrder.length]! };
      case 'small-order-r':
        signature.set(smallOrder[seed % smallOrder.length]!, 0);
        return { ...base, signature };
      case 's-plus-l':
        signature.set(le32(fromLe(signature.subarray(32)) + L), 32);
        return { ...base, signature };
      case 'non-canonical-r':
        signature.set(le32(P + 1n), 0);
        return { ...base, signature };
      case 'short-signature':
        return { ...base, signature: signature.subarray(0, 63) };
    }
  };
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...kinds), fc.nat(10_000)), { maxLength: 90 }), (spec) => {
      const checks = spec.map(([kind, seed]) => make(kind, seed));
      const { one, many, portable, withoutAddon } = verdicts(checks);
      assert.deepEqual(many, one);
      assert.deepEqual(portable, one);
      assert.deepEqual(withoutAddon, one);
      spec.forEach(([kind], i) => assert.equal(one[i], kind === 'honest' || kind === 'torsion-key' || kind === 'torsion-r', kind));
      // What libsodium accepts, the rule accepts: the fallback's fast path never says yes wrongly.
      checks.forEach((check, i) => assert.ok(!(check.signature.length === 64 && libsodiumVerify(check)) || one[i], spec[i]![0]));
    }),
    { numRuns: 40 },
  );
});

/**
 * R = a point of order 8 and s = h a: the cofactored equation holds ([8](sB - hA - R) =
 * -[8]R = 0), so only the rule's refusal of a small-order R turns it away.
 */
function smallOrderRSigned(message: Uint8Array): SignatureCheck {
  const a = mod(fromLe(randomBytes(64)));
  const publicKey = Point.BASE.multiply(a).toBytes();
  const rBytes = TORSION.toBytes();
  const signature = new Uint8Array(64);
  signature.set(rBytes, 0);
  signature.set(le32(mod(challenge(rBytes, publicKey, message) * a)), 32);
  return { publicKey, message, signature };
}

/** The addon's batch equation alone, without verifyMany's one-by-one fallback that would hide a wrong decoding. */
function rawBatch(checks: readonly SignatureCheck[]): boolean {
  const keys = new Uint8Array(32 * checks.length);
  const signatures = new Uint8Array(64 * checks.length);
  const ends = new Uint32Array(checks.length);
  let length = 0;
  checks.forEach((check, i) => {
    keys.set(check.publicKey, 32 * i);
    signatures.set(check.signature, 64 * i);
    length += check.message.length;
    ends[i] = length;
  });
  const messages = new Uint8Array(Buffer.concat(checks.map((check) => check.message)));
  return sm2Native.binding!.ed25519VerifyBatch(keys, signatures, messages, ends);
}

test('a batch decodes its R values and sums its terms eight lanes at a time (AVX-512 IFMA where the CPU has it), with the verdicts one by one gives', () => {
  // A y on no curve point: the encoding is canonical, the square root fails.
  let offCurve: Uint8Array | undefined;
  for (let y = 2n; offCurve === undefined; y++) {
    try {
      Point.fromBytes(le32(y), false);
    } catch {
      offCurve = le32(y);
    }
  }
  // Lengths around the groups of eight (the last group short or full) and the lanes'
  // threshold, up to a full native batch; the batch equation alone must hold, and fail
  // for one off-curve R or one wrong s at either end or in the middle.
  const lengths = [...Array.from({ length: 19 }, (_, i) => i + 1), 31, 32, 33, ED25519_BATCH_SIGNATURES_MAX];
  for (const n of lengths) {
    const checks = Array.from({ length: n }, (_, i) =>
      i % 5 === 2 ? handSigned(Buffer.from(`r ${n} ${i}`), { torsionInR: true }) : i % 5 === 4 ? handSigned(Buffer.from(`a ${n} ${i}`), { torsionInKey: true }) : honest(),
    );
    assert.equal(rawBatch(checks), true, `${n} valid signatures`);
    for (const at of new Set([0, n >> 1, n - 1])) {
      for (const spoil of ['off-curve R', 'wrong s', 'small-order R'] as const) {
        const signature = new Uint8Array(checks[at]!.signature);
        if (spoil === 'off-curve R') signature.set(offCurve, 0);
        else if (spoil === 'wrong s') signature[32 + (at % 31)]! ^= 1 << (at % 8);
        const replacement = spoil === 'small-order R' ? smallOrderRSigned(checks[at]!.message) : { ...checks[at]!, signature };
        const spoiled = checks.map((check, i) => (i === at ? replacement : check));
        assert.equal(rawBatch(spoiled), false, `${n} signatures, ${spoil} at ${at}`);
        assert.deepEqual(suite.verifyMany(spoiled), checks.map((_, i) => i !== at), `${n} signatures, ${spoil} at ${at}`);
      }
    }
  }
});

test('the scalar path gives the same verdicts: the lanes test again in a process with TONGBAO_ED25519_SCALAR set', () => {
  // On a CPU with IFMA every batch of eight or more takes the lanes; this keeps the
  // scalar path of such batches, which other CPUs run, under the same checks.
  const child = spawnSync(process.execPath, ['--test', '--test-name-pattern=eight lanes at a time', fileURLToPath(import.meta.url)], {
    // Without NODE_TEST_CONTEXT the child reports in plain TAP rather than to this runner.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT')), TONGBAO_ED25519_SCALAR: '1' },
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stdout + child.stderr);
  assert.match(child.stdout, /# pass 1\b/);
});

test('the native batch refuses arguments of the wrong shape with TONGBAO_ED25519_ARGUMENTS', () => {
  const batch = sm2Native.binding!;
  const loose = batch.ed25519VerifyBatch as (...args: unknown[]) => boolean;
  assert.throws(() => loose(new Uint8Array(32), new Uint8Array(64), new Uint8Array(1)), { code: 'TONGBAO_ED25519_ARGUMENTS' });
  assert.throws(() => loose(new Uint8Array(32), new Uint8Array(64), new Uint8Array(1), new Uint8Array(1)), { code: 'TONGBAO_ED25519_ARGUMENTS' });
  // Two messages' worth of ends but one key.
  assert.throws(() => batch.ed25519VerifyBatch(new Uint8Array(32), new Uint8Array(128), new Uint8Array(2), Uint32Array.of(1, 2)), { code: 'TONGBAO_ED25519_ARGUMENTS' });
  // The ends must reach the messages' length, and never run backwards.
  assert.throws(() => batch.ed25519VerifyBatch(new Uint8Array(32), new Uint8Array(64), new Uint8Array(5), Uint32Array.of(4)), { code: 'TONGBAO_ED25519_ARGUMENTS' });
  const two = [honest(Buffer.from('ab')), honest(Buffer.from('cd'))];
  const keys = new Uint8Array(64);
  keys.set(two[0]!.publicKey, 0);
  keys.set(two[1]!.publicKey, 32);
  const signatures = new Uint8Array(128);
  signatures.set(two[0]!.signature, 0);
  signatures.set(two[1]!.signature, 64);
  assert.equal(batch.ed25519VerifyBatch(keys, signatures, new Uint8Array(Buffer.from('abcd')), Uint32Array.of(2, 4)), true);
  assert.equal(batch.ed25519VerifyBatch(keys, signatures, new Uint8Array(Buffer.from('abcd')), Uint32Array.of(3, 4)), false);
  assert.equal(batch.ed25519VerifyBatch(keys, signatures, new Uint8Array(Buffer.from('abcd')), Uint32Array.of(5, 4)), false);
  assert.equal(batch.ed25519VerifyBatch(new Uint8Array(0), new Uint8Array(0), new Uint8Array(0), new Uint32Array(0)), true);
});

test('the addon remembers prepared keys in two-way sets: keys sharing a set never stand in for each other', () => {
  // Sets are chosen by the key's first 13 bits and hold two keys; generate keys until
  // three share one, so that each use of one evicts another.
  type KeyPair = ReturnType<typeof suite.generateKeyPair>;
  const bySet = new Map<number, KeyPair[]>();
  let found: KeyPair[] | undefined;
  while (found === undefined) {
    const keys = suite.generateKeyPair();
    const set = (keys.publicKey[0]! | (keys.publicKey[1]! << 8)) & 8191;
    const members = bySet.get(set) ?? [];
    members.push(keys);
    bySet.set(set, members);
    if (members.length === 3) found = members;
  }
  const trio: KeyPair[] = found;
  const message = Buffer.from('pay the merchant');
  const signed = trio.map((keys) => suite.sign(keys.secretKey, message));
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 3; i++) {
      const other = (i + 1) % 3;
      assert.equal(suite.verify(trio[i]!.publicKey, message, signed[i]!), true);
      assert.equal(suite.verify(trio[other]!.publicKey, message, signed[i]!), false);
    }
    // In one batch all three take the set; each signature still answers to its own key.
    assert.deepEqual(
      suite.verifyMany([0, 1, 2, 0, 2].map((i) => ({ publicKey: trio[i]!.publicKey, message, signature: signed[i]! }))),
      [true, true, true, true, true],
    );
    assert.deepEqual(
      suite.verifyMany([
        { publicKey: trio[0]!.publicKey, message, signature: signed[0]! },
        { publicKey: trio[1]!.publicKey, message, signature: signed[2]! },
      ]),
      [true, false],
    );
  }
  // The batch equation itself (verifyMany would hide a wrong table behind its one-by-one fallback).
  assert.equal(rawBatch([0, 1, 2, 0].map((i) => ({ publicKey: trio[i]!.publicKey, message, signature: signed[i]! }))), true);
  // A small-order key sharing a cached key's set is refused, not looked up.
  const smallOrder = TORSION.toBytes();
  assert.equal(suite.verify(smallOrder, message, signed[0]!), false);
});

test('worker threads verify with their own addon state, and a thread that ends frees it: later threads still verify', async () => {
  // Each worker's environment registers a cleanup of its thread's contexts and key cache;
  // a use after that free, or a state shared between threads, would break the verdicts here.
  const { Worker } = await import('node:worker_threads');
  const entry = new URL('../index.js', import.meta.url).href;
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.entry).then(({ getSuite }) => {
      const suite = getSuite('ed25519');
      const checks = [];
      for (let i = 0; i < 70; i++) {
        const keys = suite.generateKeyPair();
        const message = new Uint8Array([i, 1, 2, 3]);
        checks.push({ publicKey: keys.publicKey, message, signature: suite.sign(keys.secretKey, message) });
      }
      const bad = { ...checks[5], message: new Uint8Array([9]) };
      parentPort.postMessage({ good: suite.verifyMany(checks).every(Boolean), bad: suite.verifyMany([checks[0], bad]) });
    });`;
  for (let round = 0; round < 4; round++) {
    const worker = new Worker(source, { eval: true, workerData: { entry } });
    const answer = await new Promise<{ good: boolean; bad: boolean[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.deepEqual(answer, { good: true, bad: [true, false] }, `worker ${round}`);
  }
  // And this thread's own state is untouched by theirs ending.
  const here = honest();
  assert.equal(suite.verify(here.publicKey, here.message, here.signature), true);
});
