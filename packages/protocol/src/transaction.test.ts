// Checks the transaction envelope: signing bytes bind the chain and the body, a
// signature verifies only on its own chain, and tampered or non-canonical bytes fail
// with stable codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { CommandSchema, TransactionBodySchema, TransactionSchema } from './gen/tongbao/v1/transaction_pb.js';
import { getSuite } from './crypto/index.js';
import {
  decodeTransaction,
  decodeVerifiedTransaction,
  signTransaction,
  transactionSigningBytes,
  transactionSigningBytesFromCanonical,
  verifyTransaction,
  verifyTransactions,
} from './transaction.js';
import { TongbaoError } from './errors.js';
import { bytesToHex, concatBytes, utf8ToBytes } from './bytes.js';

const suite = getSuite('ed25519');
const keys = suite.generateKeyPair(new Uint8Array(32).fill(7));
const command = create(CommandSchema, { kind: { case: 'distribute', value: { walletId: 'alice', amount: 500n } } });

function sign(chainId = 'tongbao-test', nonce = 0n) {
  return signTransaction('ed25519', chainId, keys.secretKey, { sender: keys.publicKey, nonce, command });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TongbaoError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}

test('a signed transaction verifies and keeps its fields', () => {
  const verified = verifyTransaction('ed25519', 'tongbao-test', sign());
  assert.equal(verified.nonce, 0n);
  assert.equal(bytesToHex(verified.sender), bytesToHex(keys.publicKey));
  assert.equal(verified.command.kind.case, 'distribute');
  assert.equal(verified.id.length, 32);
});

test('the id is the same for the same body and differs with the nonce', () => {
  const a = verifyTransaction('ed25519', 'tongbao-test', sign()).id;
  const b = verifyTransaction('ed25519', 'tongbao-test', sign()).id;
  const c = verifyTransaction('ed25519', 'tongbao-test', sign('tongbao-test', 1n)).id;
  assert.equal(bytesToHex(a), bytesToHex(b));
  assert.notEqual(bytesToHex(a), bytesToHex(c));
});

test('a transaction for another chain is rejected as WRONG_CHAIN', () => {
  assert.equal(codeOf(() => verifyTransaction('ed25519', 'tongbao-main', sign())), 'WRONG_CHAIN');
});

test('a signature made for another chain does not verify after relabelling the chain', () => {
  // This chain's transaction carrying the signature made for the same body on another chain.
  const foreign = decodeTransaction(sign('tongbao-other'));
  const relabelled = signTransaction('ed25519', 'tongbao-test', keys.secretKey, { sender: keys.publicKey, nonce: 0n, command });
  const tx = decodeTransaction(relabelled);
  tx.signature = foreign.signature;
  assert.equal(codeOf(() => verifyTransaction('ed25519', 'tongbao-test', toBinary(TransactionSchema, tx))), 'BAD_SIGNATURE');
});

test('flipping any byte of the signature fails verification', () => {
  const bytes = sign();
  const flipped = bytes.slice();
  flipped[flipped.length - 1]! ^= 1;
  assert.equal(codeOf(() => verifyTransaction('ed25519', 'tongbao-test', flipped)), 'BAD_SIGNATURE');
});

test('trailing bytes and garbage are rejected with decode codes', () => {
  const bytes = sign();
  // An extra unknown field (number 15, varint 0) is well-formed protobuf but not canonical.
  assert.equal(codeOf(() => verifyTransaction('ed25519', 'tongbao-test', concatBytes(bytes, Uint8Array.of(0x78, 0x00)))), 'NON_CANONICAL_ENCODING');
  assert.equal(codeOf(() => verifyTransaction('ed25519', 'tongbao-test', Uint8Array.of(0xff, 0xff, 0xff))), 'MALFORMED_ENCODING');
  assert.equal(codeOf(() => verifyTransaction('ed25519', 'tongbao-test', new Uint8Array(70_000))), 'OVERSIZED');
});

// The signing bytes sliced out of canonical transaction bytes must equal the signing
// bytes built by encoding the body, for any body: any sender, nonce (including 0, which
// canonical encoding omits, and values needing long varints), chain id and command
// payload size (lengths that need one- and two-byte length prefixes).
test('signing bytes sliced from canonical bytes equal those of the encoded body', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.string({ minLength: 1, maxLength: 40 }).filter((s) => utf8ToBytes(s).length <= 64),
      fc.string({ maxLength: 300 }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      (sender, nonce, chainId, walletId, amount) => {
        const body = create(TransactionBodySchema, { sender, nonce, command: create(CommandSchema, { kind: { case: 'distribute', value: { walletId, amount } } }) });
        const bytes = toBinary(TransactionSchema, create(TransactionSchema, { chainId, body, signature: new Uint8Array(64).fill(1) }));
        assert.deepEqual(transactionSigningBytesFromCanonical(chainId, bytes), transactionSigningBytes(chainId, body));
      },
    ),
    { numRuns: 500 },
  );
});

test('decodeVerifiedTransaction gives the id verifyTransaction gives', () => {
  for (const nonce of [0n, 1n, 300n, 2n ** 63n]) {
    const bytes = sign('tongbao-test', nonce);
    assert.deepEqual(decodeVerifiedTransaction('ed25519', 'tongbao-test', bytes), verifyTransaction('ed25519', 'tongbao-test', bytes));
  }
});

test('verifyTransactions gives, for each encoding, what verifyTransaction gives: the transaction or the error code', () => {
  // Both suites (Ed25519 batches its signatures, SM2 checks one by one), a mix of outcomes.
  for (const suiteName of ['ed25519', 'sm2'] as const) {
    const signer = getSuite(suiteName).generateKeyPair(new Uint8Array(32).fill(3));
    const make = (nonce: bigint, chainId = 'tongbao-test') =>
      signTransaction(suiteName, chainId, signer.secretKey, { sender: signer.publicKey, nonce, command });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('valid', 'flipped', 'other-chain', 'garbage', 'truncated'), fc.nat(1000)), { maxLength: 80 }),
        (spec) => {
          const encodings = spec.map(([kind, seed]) => {
            const bytes = make(BigInt(seed));
            if (kind === 'valid') return bytes;
            if (kind === 'flipped') {
              const copy = new Uint8Array(bytes);
              copy[copy.length - 1 - (seed % 32)]! ^= 1 << (seed % 8);
              return copy;
            }
            if (kind === 'other-chain') return make(BigInt(seed), 'tongbao-main');
            if (kind === 'garbage') return utf8ToBytes(`not a transaction ${seed}`);
            return bytes.subarray(0, bytes.length - 1 - (seed % 10));
          });
          const together = verifyTransactions(suiteName, 'tongbao-test', encodings);
          assert.equal(together.length, encodings.length);
          encodings.forEach((bytes, i) => {
            const alone = codeOf(() => verifyTransaction(suiteName, 'tongbao-test', bytes));
            const outcome = together[i]!;
            if (outcome instanceof TongbaoError) {
              assert.equal(outcome.code, alone, `${spec[i]![0]}`);
            } else {
              assert.equal(alone, 'NO_ERROR', `${spec[i]![0]}`);
              const single = verifyTransaction(suiteName, 'tongbao-test', bytes);
              assert.equal(bytesToHex(outcome.id), bytesToHex(single.id));
              assert.equal(outcome.nonce, single.nonce);
              assert.equal(bytesToHex(outcome.sender), bytesToHex(single.sender));
            }
            if (spec[i]![0] === 'valid') assert.ok(!(outcome instanceof TongbaoError), 'a valid transaction verifies');
            if (spec[i]![0] === 'flipped') assert.ok(outcome instanceof TongbaoError, 'a flipped signature byte fails');
          });
        },
      ),
      { numRuns: suiteName === 'sm2' ? 10 : 40 },
    );
  }
});
