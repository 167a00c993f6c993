// Property tests of the hand-written codecs against protobuf-es, the reference. For
// random records and receipts (defaults, maximum and minimum values, negative balances,
// empty, non-ASCII and lone-surrogate strings, negative enum values), the hand encoder's
// bytes must equal `toBinary`'s. For those encodings, for mutations of them (bytes flipped,
// inserted, deleted, fields repeated) and for random bytes, the hand decoder must do what
// decodeCanonical does: return an equal message, or throw the same DecodeError code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AccountSchema,
  create,
  decodeCanonical,
  DecodeError,
  encode,
  EventSchema,
  PaymentRecordSchema,
  ReceiptSchema,
  SignerSchema,
  WalletSchema,
  type Event,
} from '@tongbao/protocol';
import {
  decodeAccountRecord,
  decodePaymentRecord,
  decodeSignerRecord,
  decodeWalletRecord,
  encodeAccount,
  encodePaymentRecord,
  encodeSigner,
  encodeWallet,
  strictReaders,
} from './records.js';
import { ProtoReader } from './wire.js';
import { bankCreditRequestedEvent, encodeReceipt, encodeReceipts, failedReceipt, largeValuePaymentEvent, misbehaviourEvent, okReceipt, transferEvent } from './receipt.js';

const RUNS = 2000;
const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

const text = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9._@:-]{1,64}$/) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('冻结令 2026-001', '\ufeffbom', 'a\ufeff', 'x'.repeat(200), 'é'.repeat(70)) },
  // Lone surrogates: both encoders write U+FFFD.
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }).map((units) => String.fromCharCode(...units)) },
);
const u64 = fc.oneof(
  fc.constantFrom(0n, 1n, 127n, 128n, (1n << 49n) - 1n, 1n << 49n, (1n << 53n) + 1n, 1n << 63n, U64_MAX),
  fc.bigInt({ min: 0n, max: 1n << 20n }),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);
const i64 = fc.oneof(
  fc.constantFrom(0n, -1n, 1n, -64n, 64n, -(1n << 48n), 1n << 48n, -(1n << 51n), 1n << 51n, I64_MIN, I64_MAX),
  fc.bigInt({ min: -(1n << 20n), max: 1n << 20n }),
  fc.bigInt({ min: I64_MIN, max: I64_MAX }),
);
const u32 = fc.oneof(fc.constantFrom(0, 1, 4, 127, 128, 0x7fffffff, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const enumValue = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, -0x80000000, 0x7fffffff, 300) },
);
const bytes = fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 128, maxLength: 200 }));

const account = fc
  .record({ id: text, kind: enumValue, balance: i64, operatorId: text, outgoingDay: i64, outgoingOnDay: u64 })
  .map((fields) => create(AccountSchema, fields));
const signer = fc.record({ nextNonce: u64, organizationId: text }).map((fields) => create(SignerSchema, fields));
const payment = fc.record({ toWalletId: text, amount: u64, height: u64 }).map((fields) => create(PaymentRecordSchema, fields));
const wallet = fc
  .record({
    id: text,
    operatorId: text,
    ownerPublicKey: bytes,
    tier: u32,
    kind: enumValue,
    bankAccountLinked: fc.boolean(),
    identityEscrow: bytes,
    parentWalletId: text,
    status: enumValue,
    frozen: fc.boolean(),
    legalBasis: text,
    openedHeight: u64,
    closedHeight: u64,
  })
  .map((fields) => create(WalletSchema, fields));

interface Codec<T> {
  readonly name: string;
  readonly schema: Parameters<typeof decodeCanonical>[0];
  readonly arbitrary: fc.Arbitrary<T>;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array, maxBytes: number): T;
}

const CODECS: Codec<never>[] = [
  { name: 'Account', schema: AccountSchema, arbitrary: account, encode: encodeAccount, decode: decodeAccountRecord },
  { name: 'Signer', schema: SignerSchema, arbitrary: signer, encode: encodeSigner, decode: decodeSignerRecord },
  { name: 'PaymentRecord', schema: PaymentRecordSchema, arbitrary: payment, encode: encodePaymentRecord, decode: decodePaymentRecord },
  { name: 'Wallet', schema: WalletSchema, arbitrary: wallet, encode: encodeWallet, decode: decodeWalletRecord },
] as unknown as Codec<never>[];

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

function outcome(decode: () => unknown): Outcome {
  try {
    return { ok: true, value: decode() };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return { ok: false, code: error.code };
  }
}

/** The hand decoder and decodeCanonical agree on these bytes. */
function assertSameDecoding(codec: Codec<never>, input: Uint8Array, maxBytes: number): void {
  const fast = outcome(() => codec.decode(input, maxBytes));
  const reference = outcome(() => decodeCanonical(codec.schema, input, maxBytes));
  assert.deepStrictEqual(fast, reference);
}

/** An edit of valid bytes: most are no longer canonical, some still are. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), tail: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(input: Uint8Array, edit: Mutation): Uint8Array {
  const bytes = Array.from(input);
  const at = 'at' in edit ? edit.at % (bytes.length + 1) : 0;
  switch (edit.kind) {
    case 'flip':
      if (bytes.length > 0) bytes[at % bytes.length] = bytes[at % bytes.length]! ^ (1 << edit.bit);
      break;
    case 'insert':
      bytes.splice(at, 0, edit.byte);
      break;
    case 'delete':
      bytes.splice(at % Math.max(1, bytes.length), 1);
      break;
    case 'append':
      bytes.push(...edit.tail);
      break;
    case 'repeat':
      bytes.push(...bytes.slice(at, at + edit.length));
      break;
  }
  return Uint8Array.from(bytes);
}

for (const codec of CODECS) {
  test(`${codec.name}: the hand encoder writes exactly protobuf-es's bytes`, () => {
    fc.assert(
      fc.property(codec.arbitrary, (value) => {
        assert.deepStrictEqual(codec.encode(value), encode(codec.schema, value as never));
      }),
      { numRuns: RUNS },
    );
  });

  test(`${codec.name}: the hand decoder returns what decodeCanonical returns for encoded records`, () => {
    fc.assert(
      fc.property(codec.arbitrary, (value) => {
        const bytes = encode(codec.schema, value as never);
        // Not every encodable record decodes: protobuf-es drops a leading BOM, so a string
        // that starts with U+FEFF is not canonical. Then both must refuse it alike.
        assertSameDecoding(codec, bytes, 1 << 20);
        const decoded = outcome(() => codec.decode(bytes, 1 << 20));
        if (decoded.ok) {
          assert.deepStrictEqual(codec.encode(decoded.value as never), bytes);
          // …and the strict reader took them itself, without falling back to protobuf-es
          // (negative enum values, which no record holds, are left to protobuf-es).
          const record = value as { kind?: number; status?: number };
          if ((record.kind ?? 0) < 0 || (record.status ?? 0) < 0) return;
          const strict = strictReaders[codec.name as keyof typeof strictReaders](new ProtoReader(bytes));
          assert.deepStrictEqual(strict, decoded.value);
        }
        // Over the size limit: the same OVERSIZED error.
        if (bytes.length > 0) assertSameDecoding(codec, bytes, bytes.length - 1);
      }),
      { numRuns: RUNS },
    );
  });

  test(`${codec.name}: the hand decoder accepts and rejects exactly what decodeCanonical does`, () => {
    fc.assert(
      fc.property(codec.arbitrary, fc.array(mutation, { minLength: 1, maxLength: 3 }), (value, edits) => {
        let bytes = encode(codec.schema, value as never);
        for (const edit of edits) bytes = mutate(bytes, edit);
        assertSameDecoding(codec, bytes, 1 << 20);
      }),
      { numRuns: RUNS * 2 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => assertSameDecoding(codec, bytes, 1 << 20)),
      { numRuns: RUNS },
    );
  });
}

test('decoders: hand-picked non-canonical encodings are rejected as decodeCanonical rejects them', () => {
  const cases: [Codec<never>, number[]][] = [
    [CODECS[0]!, [0x18, 0x00]], // balance 0 written out
    [CODECS[0]!, [0x18, 0x82, 0x00]], // non-minimal varint
    [CODECS[0]!, [0x0a, 0x00]], // empty id written out
    [CODECS[0]!, [0x18, 0x02, 0x0a, 0x01, 0x61]], // fields out of order
    [CODECS[0]!, [0x18, 0x02, 0x18, 0x02]], // field repeated
    [CODECS[0]!, [0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]], // kind -1
    [CODECS[0]!, [0x38, 0x01]], // unknown field 7
    [CODECS[0]!, [0x0a, 0x03, 0xef, 0xbb, 0xbf]], // a lone BOM as id
    [CODECS[0]!, [0x0a, 0x02, 0xc3, 0x28]], // invalid UTF-8
    [CODECS[0]!, [0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]], // beyond 64 bits
    [CODECS[3]!, [0x30, 0x02]], // bool written as 2
    [CODECS[3]!, [0x30, 0x00]], // false written out
    [CODECS[3]!, [0x20, 0x80, 0x80, 0x80, 0x80, 0x10]], // tier beyond 32 bits
    [CODECS[3]!, [0x1a, 0x05, 0x01]], // bytes longer than the input
  ];
  for (const [codec, bytes] of cases) assertSameDecoding(codec, Uint8Array.from(bytes), 1 << 20);
});

const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ kind: enumValue, from: text, to: text, amount: u64 }).map((e) => transferEvent(e.kind, e.from, e.to, e.amount)),
  fc.record({ operator: text, wallet: text, amount: u64, reason: enumValue }).map((e) => bankCreditRequestedEvent(e.operator, e.wallet, e.amount, e.reason)),
  fc.record({ id: text, from: text, to: text, amount: u64 }).map((e) => largeValuePaymentEvent(e.id, e.from, e.to, e.amount)),
  // Written by protobuf-es (the hand codec falls back for it): checks the fallback mid-block.
  fc.record({ key: bytes, index: u32, kind: enumValue, epoch: u64, round: u64 }).map((e) => misbehaviourEvent(e.key, e.index, e.kind, e.epoch, e.round)),
  fc.constant(null).map(() => create(EventSchema, {})),
);
const receipt = fc.oneof(
  fc.record({ id: bytes, events: fc.array(event, { maxLength: 5 }) }).map((r) => okReceipt(r.id, r.events)),
  fc.record({ id: bytes, code: u32, error: text, message: text }).map((r) => failedReceipt(r.id, r.code, r.error, r.message)),
  // Events long enough that a length takes two bytes.
  fc.record({ id: bytes, from: fc.constant('a'.repeat(150)), amount: u64 }).map((r) => okReceipt(r.id, [transferEvent(5, r.from, r.from, r.amount)])),
);

test('receipts: built objects are what create() builds, and encode to exactly protobuf-es bytes', () => {
  fc.assert(
    fc.property(receipt, (value) => {
      assert.deepStrictEqual(value, create(ReceiptSchema, value));
      const reference = encode(ReceiptSchema, value);
      assert.deepStrictEqual(encodeReceipt(value), reference);
    }),
    { numRuns: RUNS },
  );
});

test('receipts: a block of receipts encodes to each receipt\'s protobuf-es bytes', () => {
  fc.assert(
    fc.property(fc.array(receipt, { maxLength: 40 }), (values) => {
      const encoded = encodeReceipts(values);
      assert.equal(encoded.length, values.length);
      values.forEach((value, i) => assert.deepStrictEqual(Uint8Array.from(encoded[i]!), encode(ReceiptSchema, value)));
    }),
    { numRuns: RUNS / 4 },
  );
});
