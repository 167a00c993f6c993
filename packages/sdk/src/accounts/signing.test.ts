// The portable crypto of @tongbao/protocol/portable (what the SDK signs with in a
// browser) against the node's native suites of the main entry: Ed25519 keys and
// signatures byte-identical to libsodium's; SM2 signatures accepted by the node's
// OpenSSL verifier (SM2 signing is randomized, so equality is not expected) and native
// SM2 signatures accepted by the portable verifier; hashes equal; transaction signing
// bytes and encodings equal to the main entry's. Random seeds and messages via fast-check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as node from '@tongbao/protocol';
import * as portable from '@tongbao/protocol/portable';
import { createLocalAccount } from './createLocalAccount.js';
import { generateKeyPair } from './generateKeyPair.js';

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const messageArb = fc.uint8Array({ maxLength: 300 });

test('ed25519: portable keys and signatures are byte-identical to libsodium', () => {
  fc.assert(
    fc.property(seedArb, messageArb, (seed, message) => {
      const native = node.getSuite('ed25519').generateKeyPair(seed);
      const mine = generateKeyPair('ed25519', seed);
      assert.deepEqual(mine.publicKey, native.publicKey);
      assert.deepEqual(mine.secretKey, native.secretKey);
      const signature = portable.ed25519Portable.sign(mine.secretKey, message);
      assert.deepEqual(signature, node.getSuite('ed25519').sign(native.secretKey, message));
      assert.ok(node.verify('ed25519', mine.publicKey, message, signature));
      assert.ok(portable.ed25519Portable.verify(mine.publicKey, message, signature));
    }),
    { numRuns: 100 },
  );
});

test('ed25519: a fresh random key pair signs what libsodium verifies; a mismatched secret key is refused', () => {
  const { publicKey, secretKey } = generateKeyPair('ed25519');
  const message = portable.utf8ToBytes('hello');
  assert.ok(node.verify('ed25519', publicKey, message, portable.ed25519Portable.sign(secretKey, message)));
  const other = generateKeyPair('ed25519');
  const mixed = portable.concatBytes(secretKey.subarray(0, 32), other.publicKey);
  assert.throws(() => portable.ed25519Portable.sign(mixed, message), TypeError);
});

test('sm2: portable signatures verify with the node verifier, native ones with the portable verifier', () => {
  fc.assert(
    fc.property(seedArb, messageArb, (seed, message) => {
      const mine = generateKeyPair('sm2', seed);
      assert.deepEqual(mine, node.getSuite('sm2').generateKeyPair(seed));
      const signature = portable.sm2Portable.sign(mine.secretKey, message);
      assert.ok(node.verify('sm2', mine.publicKey, message, signature));
      assert.ok(!node.verify('sm2', mine.publicKey, portable.concatBytes(message, Uint8Array.of(0)), signature));
      const nativeSignature = node.getSuite('sm2').sign(mine.secretKey, message);
      assert.ok(portable.sm2Portable.verify(mine.publicKey, message, nativeSignature));
    }),
    { numRuns: 30 },
  );
});

test('hashes: portable SHA-256 and SM3 equal the node ones', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1000 }), (data) => {
      assert.deepEqual(portable.sha256Portable(data), node.getSuite('ed25519').hash(data));
      assert.deepEqual(portable.getPortableSuite('sm2').hash(data), node.getSuite('sm2').hash(data));
    }),
    { numRuns: 100 },
  );
});

test('transactions: signing bytes, encodings and ids equal the main entry, for both suites', () => {
  const command = node.create(node.CommandSchema, {
    kind: { case: 'pay', value: node.create(node.PaySchema, { paymentId: 'p', fromWalletId: 'a', toWalletId: 'b', amount: 5n }) },
  });
  for (const suite of ['ed25519', 'sm2'] as const) {
    const keys = generateKeyPair(suite, new Uint8Array(32).fill(7));
    const body = node.create(node.TransactionBodySchema, { sender: keys.publicKey, nonce: 42n, command });
    assert.deepEqual(portable.transactionSigningBytes('chain-x', body), node.transactionSigningBytes('chain-x', body));
    assert.deepEqual(portable.TRANSACTION_DOMAIN_TAG, node.TRANSACTION_DOMAIN_TAG);
    assert.equal(portable.TRANSACTION_BYTES_MAX, node.TRANSACTION_BYTES_MAX);
    const account = createLocalAccount({ suite, secretKey: keys.secretKey });
    const signed = account.signTransaction({ chainId: 'chain-x', nonce: 42n, command });
    const verified = node.verifyTransaction(suite, 'chain-x', signed.bytes);
    assert.equal(node.bytesToHex(verified.id), signed.id);
    assert.equal(node.bytesToHex(portable.transactionId(suite, portable.decodeTransaction(signed.bytes))), signed.id);
    if (suite === 'ed25519') {
      // Deterministic: the whole encoded transaction equals the node's.
      assert.deepEqual(signed.bytes, node.signTransaction(suite, 'chain-x', keys.secretKey, { sender: keys.publicKey, nonce: 42n, command }));
    }
  }
});
