// Checks the payment fast path against the reference decoder. On random payment
// transactions (ASCII and non-ASCII text, empty and full fields, zeros and 64-bit
// extremes) its answer, when it gives one, is exactly decodeCanonical's; on the plain
// ones it must answer (else the fast path would never run). On random corruptions of
// real encodings (bytes changed, inserted, dropped, the end cut off or extended, a field
// repeated) it answers only where the reference accepts, and then with the same message.
// Other commands and hand-made non-canonical forms are left to the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { create, toBinary } from '@bufbuild/protobuf';
import { decodeCanonical } from './encoding.js';
import { DecodeError } from './errors.js';
import { PaySchema } from './gen/tongbao/v1/currency_pb.js';
import { TransactionSchema, type Transaction } from './gen/tongbao/v1/transaction_pb.js';
import { decodeCanonicalPayTransaction } from './pay-transaction-decoder.js';

const U64_MAX = 2n ** 64n - 1n;

function payTransaction(fields: {
  chainId: string;
  sender: Uint8Array;
  nonce: bigint;
  paymentId: string;
  fromWalletId: string;
  toWalletId: string;
  amount: bigint;
  memo: Uint8Array;
  signature: Uint8Array;
}): Uint8Array {
  const pay = create(PaySchema, fields);
  return toBinary(
    TransactionSchema,
    create(TransactionSchema, {
      chainId: fields.chainId,
      body: { sender: fields.sender, nonce: fields.nonce, command: { kind: { case: 'pay', value: pay } } },
      signature: fields.signature,
    }),
  );
}

/** The reference's answer: the message, or undefined where it throws a DecodeError. */
function reference(bytes: Uint8Array): Transaction | undefined {
  try {
    return decodeCanonical(TransactionSchema, bytes, bytes.length);
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

const asciiId = fc.stringMatching(/^[A-Za-z0-9._@-]{1,40}$/);
const anyText = fc.oneof(asciiId, fc.constant(''), fc.string({ unit: 'grapheme', maxLength: 12 }));
const u64 = fc.oneof(fc.constant(0n), fc.constant(1n), fc.constant(U64_MAX), fc.constant(2n ** 49n - 1n), fc.constant(2n ** 49n), fc.bigInt({ min: 0n, max: U64_MAX }));
const someBytes = (max: number) => fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1, maxLength: max }));

const anyPayment = fc.record({
  chainId: anyText,
  sender: someBytes(40),
  nonce: u64,
  paymentId: anyText,
  fromWalletId: anyText,
  toWalletId: anyText,
  amount: u64,
  memo: someBytes(300),
  signature: someBytes(70),
});

/** What the fast path promises to handle: ASCII text and integers below 2^49. */
const plainPayment = fc.record({
  chainId: asciiId,
  sender: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  nonce: fc.bigInt({ min: 0n, max: 2n ** 49n - 1n }),
  paymentId: asciiId,
  fromWalletId: asciiId,
  toWalletId: asciiId,
  amount: fc.bigInt({ min: 1n, max: 2n ** 49n - 1n }),
  memo: someBytes(300),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
});

test('on random payments the fast path answers exactly as the reference, whenever it answers', () => {
  fc.assert(
    fc.property(anyPayment, (fields) => {
      const bytes = payTransaction(fields);
      const fast = decodeCanonicalPayTransaction(bytes);
      if (fast !== undefined) assert.deepStrictEqual(fast, reference(bytes));
    }),
    { numRuns: 2000 },
  );
});

test('plain payments (ASCII text, integers below 2^49) are decoded by the fast path, in protobuf-es property order', () => {
  fc.assert(
    fc.property(plainPayment, (fields) => {
      const bytes = payTransaction(fields);
      const fast = decodeCanonicalPayTransaction(bytes);
      assert.ok(fast !== undefined, 'a plain payment is handled');
      const expected = reference(bytes)!;
      assert.deepStrictEqual(fast, expected);
      // Same shapes as the reference's objects, so code reading them sees one hidden class.
      assert.deepStrictEqual(Object.keys(fast), Object.keys(expected));
      assert.deepStrictEqual(Object.keys(fast.body!), Object.keys(expected.body!));
      const pay = fast.body!.command!.kind.value!;
      assert.deepStrictEqual(Object.keys(pay), Object.keys(expected.body!.command!.kind.value!));
    }),
    { numRuns: 1000 },
  );
});

type Corruption =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'drop'; at: number }
  | { kind: 'cut'; at: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'repeat'; from: number; length: number };

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('repeat' as const), from: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
);

function corrupt(bytes: Uint8Array, change: Corruption): Uint8Array {
  const n = bytes.length;
  if (n === 0 && change.kind !== 'extend' && change.kind !== 'insert') return bytes; // nothing left to change
  const out = [...bytes];
  switch (change.kind) {
    case 'set':
      out[change.at % n] = change.byte;
      break;
    case 'insert':
      out.splice(change.at % (n + 1), 0, change.byte);
      break;
    case 'drop':
      out.splice(change.at % n, 1);
      break;
    case 'cut':
      out.length = change.at % n;
      break;
    case 'extend':
      out.push(...change.bytes);
      break;
    case 'repeat': {
      const from = change.from % n;
      out.splice(from, 0, ...out.slice(from, from + change.length));
      break;
    }
  }
  return Uint8Array.from(out);
}

test('on corrupted payments the fast path answers only where the reference accepts, and with its message', () => {
  let accepted = 0;
  fc.assert(
    fc.property(plainPayment, fc.array(corruption, { minLength: 1, maxLength: 3 }), (fields, changes) => {
      let bytes = payTransaction(fields);
      for (const change of changes) bytes = corrupt(bytes, change);
      const fast = decodeCanonicalPayTransaction(bytes);
      if (fast === undefined) return;
      accepted++;
      const expected = reference(bytes);
      assert.ok(expected !== undefined, 'the fast path accepted bytes the reference rejects');
      assert.deepStrictEqual(fast, expected);
    }),
    { numRuns: 5000 },
  );
  // Corruptions inside text, memo or signature stay valid payments: some must be accepted.
  assert.ok(accepted > 0, 'some corrupted encodings are still canonical payments');
});

test('non-canonical forms and other commands are left to the reference', () => {
  const plain = {
    chainId: 'tongbao-test',
    sender: new Uint8Array(32).fill(7),
    nonce: 5n,
    paymentId: 'p1',
    fromWalletId: 'w1',
    toWalletId: 'w2',
    amount: 100n,
    memo: new Uint8Array(0),
    signature: new Uint8Array(64).fill(9),
  };
  const bytes = payTransaction(plain);
  assert.ok(decodeCanonicalPayTransaction(bytes) !== undefined);
  const cases: Array<[string, Uint8Array]> = [
    ['an unknown field at the end', Uint8Array.from([...bytes, 0x20, 0x01])],
    ['the chain id written empty', Uint8Array.from([0x0a, 0x00, ...bytes.subarray(2 + plain.chainId.length)])],
    ['a non-minimal length of the chain id', Uint8Array.from([0x0a, 0x80 | plain.chainId.length, 0x00, ...bytes.subarray(2)])],
    ['a repeated chain id', Uint8Array.from([...bytes.subarray(0, 2 + plain.chainId.length), ...bytes])],
  ];
  for (const [name, corrupted] of cases) {
    assert.equal(decodeCanonicalPayTransaction(corrupted), undefined, name);
    assert.equal(reference(corrupted), undefined, `${name}: the reference rejects it too`);
  }
  const setQuota = toBinary(
    TransactionSchema,
    create(TransactionSchema, {
      chainId: 'tongbao-test',
      body: { sender: plain.sender, nonce: 1n, command: { kind: { case: 'setQuota', value: { operatorId: 'icbc', quota: 5n } } } },
      signature: plain.signature,
    }),
  );
  assert.equal(decodeCanonicalPayTransaction(setQuota), undefined, 'another command');
  assert.ok(reference(setQuota) !== undefined);
  const nonAscii = payTransaction({ ...plain, paymentId: '付款-1' });
  assert.equal(decodeCanonicalPayTransaction(nonAscii), undefined, 'non-ASCII text');
  assert.ok(reference(nonAscii) !== undefined);
});
