// Checks the canonical-encoding scan against its definition — "decoding and encoding
// again gives the same bytes" — on every message type of our schemas. Messages are drawn
// at random from the descriptors (every field kind, zeros and extremes, oneofs, nested
// messages, repeated fields). The scan must accept every encoding the encoder writes
// (else the fast path would rarely apply), and must never accept bytes that do not
// survive decode + encode: random corruptions of real encodings (bytes flipped, inserted,
// dropped, a varint padded to a non-minimal form, a field repeated, the end cut off or
// extended), two encodings run together (which decode as one merged message) and random
// bytes. Then decodeCanonical, which uses the scan, gives the same
// outcome as the decode-and-re-encode check alone on all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { create, fromBinary, ScalarType, toBinary, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { isCanonicalEncoding } from './canonical-scan.js';
import { decodeCanonical } from './encoding.js';
import { equalBytes } from './bytes.js';
import { DecodeError } from './errors.js';
import { file_tongbao_v1_batch } from './gen/tongbao/v1/batch_pb.js';
import { file_tongbao_v1_block } from './gen/tongbao/v1/block_pb.js';
import { file_tongbao_v1_consensus } from './gen/tongbao/v1/consensus_pb.js';
import { file_tongbao_v1_crypto } from './gen/tongbao/v1/crypto_pb.js';
import { file_tongbao_v1_currency } from './gen/tongbao/v1/currency_pb.js';
import { file_tongbao_v1_currency_state } from './gen/tongbao/v1/currency_state_pb.js';
import { file_tongbao_v1_evidence } from './gen/tongbao/v1/evidence_pb.js';
import { file_tongbao_v1_genesis } from './gen/tongbao/v1/genesis_pb.js';
import { file_tongbao_v1_governance } from './gen/tongbao/v1/governance_pb.js';
import { file_tongbao_v1_peer } from './gen/tongbao/v1/peer_pb.js';
import { file_tongbao_v1_receipt } from './gen/tongbao/v1/receipt_pb.js';
import { file_tongbao_v1_transaction } from './gen/tongbao/v1/transaction_pb.js';

const FILES = [
  file_tongbao_v1_batch,
  file_tongbao_v1_block,
  file_tongbao_v1_consensus,
  file_tongbao_v1_crypto,
  file_tongbao_v1_currency,
  file_tongbao_v1_currency_state,
  file_tongbao_v1_evidence,
  file_tongbao_v1_genesis,
  file_tongbao_v1_governance,
  file_tongbao_v1_peer,
  file_tongbao_v1_receipt,
  file_tongbao_v1_transaction,
];

function allMessages(): DescMessage[] {
  const out: DescMessage[] = [];
  const visit = (desc: DescMessage): void => {
    out.push(desc);
    desc.nestedMessages.forEach(visit);
  };
  for (const file of FILES) file.messages.forEach(visit);
  return out;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Zeros and extremes often: where encodings have their edge cases. */
function scalarArbitrary(scalar: ScalarType): fc.Arbitrary<unknown> {
  const int32 = fc.oneof(fc.constantFrom(0, 1, -1, INT32_MIN, INT32_MAX, 127, 128), fc.integer({ min: INT32_MIN, max: INT32_MAX }));
  const uint32 = fc.oneof(fc.constantFrom(0, 1, 127, 128, 2 ** 32 - 1), fc.nat({ max: 2 ** 32 - 1 }));
  const int64 = fc.oneof(fc.constantFrom(0n, 1n, -1n, -(2n ** 63n), 2n ** 63n - 1n), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
  const uint64 = fc.oneof(fc.constantFrom(0n, 1n, 2n ** 64n - 1n, 2n ** 63n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
  switch (scalar) {
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return int32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return uint32;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return int64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return uint64;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return fc.oneof(fc.constant(''), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
    case ScalarType.BYTES:
      return fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 40 }));
    default:
      return fc.double();
  }
}

function valueArbitrary(field: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarArbitrary(field.scalar);
    case 'enum':
      return fc.oneof(fc.constantFrom(...field.enum.values.map((v) => v.number)), fc.integer({ min: INT32_MIN, max: INT32_MAX }));
    case 'message':
      return messageArbitrary(field.message, depth + 1);
    case 'list': {
      const element =
        field.listKind === 'message'
          ? messageArbitrary(field.message, depth + 1)
          : field.listKind === 'enum'
            ? fc.integer({ min: INT32_MIN, max: INT32_MAX })
            : scalarArbitrary(field.scalar);
      return fc.array(element, { maxLength: depth > 2 ? 1 : 4 });
    }
    case 'map':
      return fc.constant({});
  }
}

const arbitraries = new Map<string, fc.Arbitrary<Message>>();

/** A random message of `desc`: each field set or not, a oneof on one member or none. */
function messageArbitrary(desc: DescMessage, depth = 0): fc.Arbitrary<Message> {
  const key = `${desc.typeName}@${Math.min(depth, 4)}`;
  const known = arbitraries.get(key);
  if (known !== undefined) return known;
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  if (depth < 4) {
    for (const field of desc.fields) {
      if (field.oneof === undefined) parts[field.localName] = fc.option(valueArbitrary(field, depth), { nil: undefined, freq: 2 });
    }
    for (const oneof of desc.oneofs) {
      parts[oneof.localName] = fc.oneof(
        fc.constant(undefined),
        ...oneof.fields.map((member) => valueArbitrary(member, depth).map((value) => ({ case: member.localName, value }))),
      );
    }
  }
  const arbitrary = fc.record(parts).map((init) => {
    const defined = Object.fromEntries(Object.entries(init).filter(([, value]) => value !== undefined));
    return create(desc, defined as never) as Message;
  });
  arbitraries.set(key, arbitrary);
  return arbitrary;
}

type Corruption =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'drop' | 'pad' | 'cut'; at: number }
  | { kind: 'repeat'; at: number; length: number }
  | { kind: 'extend'; tail: Uint8Array };

/** Ways to spoil an encoding; some leave it canonical by chance, which is fine. */
const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('pad' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), tail: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
);

function corrupt(bytes: Uint8Array, c: Corruption): Uint8Array {
  const n = bytes.length;
  const at = n === 0 ? 0 : ('at' in c ? c.at % n : 0);
  const out = Array.from(bytes);
  switch (c.kind) {
    case 'flip':
      if (n > 0) out[at] = out[at]! ^ c.mask;
      break;
    case 'insert':
      out.splice(at, 0, c.byte);
      break;
    case 'drop':
      out.splice(at, 1);
      break;
    case 'pad': {
      // The first byte from `at` on that ends a varint gets a redundant zero group: same value, not minimal.
      const end = out.findIndex((byte, i) => i >= at && byte < 0x80);
      if (end !== -1) out.splice(end, 1, out[end]! | 0x80, 0x00);
      break;
    }
    case 'repeat':
      out.splice(at, 0, ...out.slice(at, at + c.length));
      break;
    case 'cut':
      out.length = at;
      break;
    case 'extend':
      out.push(...c.tail);
      break;
  }
  return Uint8Array.from(out);
}

/** The definition: bytes that decode and encode back to themselves. */
function reencodes(desc: DescMessage, bytes: Uint8Array): boolean {
  try {
    return equalBytes(toBinary(desc, fromBinary(desc, bytes, { readUnknownFields: false })), bytes);
  } catch {
    return false;
  }
}

const schemas = allMessages();

test('every message type of the schemas is modelled by the scan', () => {
  assert.ok(schemas.length >= 40, `${schemas.length} message types`);
  for (const desc of schemas) assert.ok(isCanonicalEncoding(desc, toBinary(desc, create(desc))), `${desc.typeName}: the empty message`);
});

test('the scan accepts every encoding the encoder writes, and nothing that does not decode and encode back', () => {
  let accepted = 0;
  let refused = 0;
  for (const desc of schemas) {
    fc.assert(
      fc.property(messageArbitrary(desc), messageArbitrary(desc), fc.array(corruption, { minLength: 1, maxLength: 3 }), fc.uint8Array({ maxLength: 30 }), (message, other, corruptions, noise) => {
        const bytes = toBinary(desc, message);
        assert.ok(isCanonicalEncoding(desc, bytes), `${desc.typeName}: the encoder's own output`);
        // Two encodings one after the other decode as one merged message: fields twice, two members of a oneof.
        const merged = Uint8Array.from([...bytes, ...toBinary(desc, other)]);
        for (const candidate of [...corruptions.map((c) => corrupt(bytes, c)), corrupt(corrupt(bytes, corruptions[0]!), corruptions.at(-1)!), merged, noise]) {
          if (isCanonicalEncoding(desc, candidate)) {
            accepted++;
            assert.ok(reencodes(desc, candidate), `${desc.typeName}: accepted ${Buffer.from(candidate).toString('hex')}, which does not re-encode to itself`);
          } else refused++;
        }
      }),
      { numRuns: 60 },
    );
  }
  assert.ok(refused > accepted, `refused ${refused}, accepted ${accepted}`);
  console.log(`corruptions and noise over ${schemas.length} message types: ${refused} refused by the scan, ${accepted} accepted (each re-encodes to itself)`);
});

test('decodeCanonical with the scan gives the outcome of decoding and encoding again', () => {
  const outcome = (run: () => unknown): string => {
    try {
      run();
      return 'ok';
    } catch (error) {
      assert.ok(error instanceof DecodeError);
      return error.code;
    }
  };
  const reference = (desc: DescMessage, bytes: Uint8Array): string =>
    outcome(() => {
      let message: Message;
      try {
        message = fromBinary(desc, bytes, { readUnknownFields: false });
      } catch {
        throw new DecodeError('MALFORMED_ENCODING', 'malformed');
      }
      if (!equalBytes(toBinary(desc, message), bytes)) throw new DecodeError('NON_CANONICAL_ENCODING', 'non-canonical');
    });
  const codes = new Set<string>();
  for (const desc of schemas) {
    fc.assert(
      fc.property(messageArbitrary(desc), corruption, (message, c) => {
        for (const bytes of [toBinary(desc, message), corrupt(toBinary(desc, message), c)]) {
          const got = outcome(() => decodeCanonical(desc, bytes, 1 << 20));
          assert.equal(got, reference(desc, bytes), `${desc.typeName}: ${Buffer.from(bytes).toString('hex')}`);
          codes.add(got);
        }
      }),
      { numRuns: 25 },
    );
  }
  assert.deepEqual([...codes].sort(), ['MALFORMED_ENCODING', 'NON_CANONICAL_ENCODING', 'ok']);
});

/** A minimal varint of `value` (< 2³²). */
function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

// Edge cases corruption seldom makes, on every field that has them: a zero written out
// for a field whose zero the encoder leaves out, and an empty packed record.
test('zeros written out and empty packed records are refused on every field', () => {
  let cases = 0;
  for (const desc of schemas) {
    for (const field of desc.fields) {
      const candidates: number[][] = [];
      const implicitScalar = (field.fieldKind === 'scalar' || field.fieldKind === 'enum') && field.presence === 2 && field.oneof === undefined;
      if (implicitScalar) {
        const scalar = field.fieldKind === 'enum' ? ScalarType.INT32 : field.scalar;
        if (scalar === ScalarType.STRING || scalar === ScalarType.BYTES) candidates.push([...varint((field.number << 3) | 2), 0]);
        else candidates.push([...varint(field.number << 3), 0]);
      }
      if (field.fieldKind === 'list' && field.packed) candidates.push([...varint((field.number << 3) | 2), 0]);
      for (const candidate of candidates) {
        const bytes = Uint8Array.from(candidate);
        assert.equal(reencodes(desc, bytes), false, `${desc.typeName}.${field.name}: the reference refuses it`);
        assert.equal(isCanonicalEncoding(desc, bytes), false, `${desc.typeName}.${field.name}: ${Buffer.from(bytes).toString('hex')}`);
        cases++;
      }
    }
  }
  assert.ok(cases > 100, `${cases} cases`);
});
