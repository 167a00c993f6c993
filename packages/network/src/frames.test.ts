// The frame decoder, against a reference reading of the format (u32 big-endian length
// 1..frameBytesMax, then the bytes): property tests with fast-check split streams at
// arbitrary points and check that the frames and the fault found do not depend on the
// split, that well-formed streams round-trip, that the decoder never holds more than
// frameBytesMax + 4 bytes, and that an oversized length is refused from its header alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder, encodeFrameHeader, type FrameFault } from './frames.js';
import { concat, referenceDecode } from './testing/reference-frames.js';

const FRAME_BYTES_MAX = 64;

function splitAt(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const point of [...points, stream.length]) {
    // Each chunk in its own buffer, as sockets deliver them.
    chunks.push(stream.slice(previous, point));
    previous = point;
  }
  return chunks;
}

function decodeChunks(chunks: Uint8Array[], frameBytesMax: number): { frames: Uint8Array[]; fault: FrameFault | undefined; bufferedMax: number } {
  const decoder = new FrameDecoder(frameBytesMax);
  const frames: Uint8Array[] = [];
  let fault: FrameFault | undefined;
  let bufferedMax = 0;
  for (const chunk of chunks) {
    fault = decoder.push(chunk, frames);
    bufferedMax = Math.max(bufferedMax, decoder.bufferedBytes);
    if (fault !== undefined) break;
  }
  return { frames: frames.map((f) => f.slice()), fault, bufferedMax };
}

test('well-formed streams round-trip whatever the chunking', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: FRAME_BYTES_MAX }), { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (bodies, cuts) => {
        const stream = concat(bodies.flatMap((body) => [encodeFrameHeader(body.length), body]));
        const { frames, fault, bufferedMax } = decodeChunks(splitAt(stream, cuts), FRAME_BYTES_MAX);
        assert.equal(fault, undefined);
        assert.deepEqual(frames, bodies);
        assert.ok(bufferedMax <= FRAME_BYTES_MAX + 4);
      },
    ),
    { numRuns: 500 },
  );
});

test('arbitrary bytes decode as the reference reads them, whatever the chunking', () => {
  // Streams mixing well-formed frames with random bytes (often a bad length soon).
  const piece = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: FRAME_BYTES_MAX }).map((body) => concat([encodeFrameHeader(body.length), body])),
    fc.uint8Array({ maxLength: 12 }),
    fc.constantFrom(encodeFrameHeader(0), encodeFrameHeader(FRAME_BYTES_MAX + 1), encodeFrameHeader(0xffffffff)),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (pieces, cuts) => {
      const stream = concat(pieces);
      const expected = referenceDecode(stream, FRAME_BYTES_MAX);
      const actual = decodeChunks(splitAt(stream, cuts), FRAME_BYTES_MAX);
      assert.deepEqual(actual.frames, expected.frames);
      assert.equal(actual.fault, expected.fault);
      assert.ok(actual.bufferedMax <= FRAME_BYTES_MAX + 4);
    }),
    { numRuns: 1000 },
  );
});

test('an oversized length is refused from its header, before any body byte', () => {
  const decoder = new FrameDecoder(1024);
  const frames: Uint8Array[] = [];
  assert.equal(decoder.push(encodeFrameHeader(1025).subarray(0, 2), frames), undefined);
  assert.equal(decoder.push(encodeFrameHeader(1025).subarray(2), frames), 'OVERSIZED_FRAME');
  assert.equal(decoder.bufferedBytes, 0);
  // Once faulted, it stays faulted.
  assert.equal(decoder.push(concat([encodeFrameHeader(1), new Uint8Array([7])]), frames), 'OVERSIZED_FRAME');
  assert.deepEqual(frames, []);
});

test('a frame inside one chunk is a view of it; one across chunks is assembled', () => {
  const decoder = new FrameDecoder(1024);
  const frames: Uint8Array[] = [];
  const chunk = concat([encodeFrameHeader(3), new Uint8Array([1, 2, 3]), encodeFrameHeader(4), new Uint8Array([4, 5])]);
  assert.equal(decoder.push(chunk, frames), undefined);
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.buffer, chunk.buffer);
  assert.equal(decoder.bufferedBytes, 4);
  assert.equal(decoder.push(new Uint8Array([6, 7]), frames), undefined);
  assert.deepEqual(frames.map((f) => [...f]), [[1, 2, 3], [4, 5, 6, 7]]);
});
