// Checks canonicalFieldBytes against the encoder: for random messages, the slice it finds
// for a length-delimited field is exactly the canonical encoding of that field's value —
// past varint fields before it, for a field that comes last, and undefined for a field at
// its default (which canonical encoding leaves out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { create, toBinary } from '@bufbuild/protobuf';
import { BatchSchema } from './gen/tongbao/v1/batch_pb.js';
import { PeerMessageSchema } from './gen/tongbao/v1/peer_pb.js';
import { ReceiptSchema } from './gen/tongbao/v1/receipt_pb.js';
import { canonicalFieldBytes } from './encoding.js';
import { utf8ToBytes } from './bytes.js';

test('a batch sliced out of a canonical peer message is its canonical encoding', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 20 }),
      (chainId, author, sequence, transactions) => {
        const batch = create(BatchSchema, { chainId, author, sequence, transactions });
        const frame = toBinary(PeerMessageSchema, create(PeerMessageSchema, { kind: { case: 'batch', value: batch } }));
        assert.deepEqual(canonicalFieldBytes(frame, 2), toBinary(BatchSchema, batch));
        assert.equal(canonicalFieldBytes(frame, 1), undefined, 'another case of the oneof is absent');
      },
    ),
    { numRuns: 300 },
  );
});

test('fields after varint fields are found; a field at its default is absent', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (id, code, error, message) => {
      const bytes = toBinary(ReceiptSchema, create(ReceiptSchema, { transactionId: id, code, error, message }));
      assert.deepEqual(canonicalFieldBytes(bytes, 3), error === '' ? undefined : utf8ToBytes(error));
      assert.deepEqual(canonicalFieldBytes(bytes, 4), message === '' ? undefined : utf8ToBytes(message));
      assert.deepEqual(canonicalFieldBytes(bytes, 1), id.length === 0 ? undefined : id);
    }),
    { numRuns: 300 },
  );
});
