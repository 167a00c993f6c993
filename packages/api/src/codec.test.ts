// The edge decoders: binary frame sequences round-trip and decode to views of the body
// (no copies); strict base64 refuses every non-canonical spelling; heights stop at 2^64-1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TongbaoError } from '@tongbao/protocol';
import { base64ToBytes, decodeTransactionFrames, encodeTransactionFrames, parseHeight } from './codec.js';

test('frames round-trip and decode to views of the one body buffer', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 20 }), (txs) => {
      const body = encodeTransactionFrames(txs);
      const frames = decodeTransactionFrames(body);
      assert.deepEqual(frames, txs);
      for (const f of frames) assert.equal(f.buffer, body.buffer);
    }),
  );
});

test('any strict prefix of a frame sequence that cuts a frame is malformed', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 50 }), { minLength: 1, maxLength: 5 }), fc.nat(), (txs, n) => {
      const body = encodeTransactionFrames(txs);
      const boundaries = new Set<number>();
      let offset = 0;
      for (const t of txs) boundaries.add((offset += 4 + t.length));
      const cut = n % body.length;
      if (boundaries.has(cut)) return;
      assert.throws(() => decodeTransactionFrames(body.subarray(0, cut)), (e: unknown) => e instanceof TongbaoError && e.code === 'MALFORMED_REQUEST');
    }),
  );
});

test('base64 must be canonical and padded', () => {
  assert.deepEqual(base64ToBytes('AQID', 't'), Uint8Array.of(1, 2, 3));
  assert.deepEqual(base64ToBytes('', 't'), new Uint8Array(0));
  for (const bad of ['AQI', 'AAB=', 'AQ=', 'A===', 'AQ==AQ==', ' AQID', 'AQ\nID', '-_8=']) {
    assert.throws(() => base64ToBytes(bad, 't'), (e: unknown) => e instanceof TongbaoError && e.code === 'MALFORMED_REQUEST', JSON.stringify(bad));
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => assert.deepEqual(base64ToBytes(Buffer.from(bytes).toString('base64'), 't'), bytes)));
});

test('heights: decimal u64 only', () => {
  assert.equal(parseHeight('0'), 0n);
  assert.equal(parseHeight('18446744073709551615'), 2n ** 64n - 1n);
  for (const bad of ['18446744073709551616', '-1', '01', '', '1e3', ' 1']) assert.throws(() => parseHeight(bad), TongbaoError, bad);
});
