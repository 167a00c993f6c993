// Fuzz of a live link: a raw TLS client holding validator 0's genuine certificate sends
// a PeerNetwork (validator 1) streams of random bytes mixed with well-formed frames and
// bad lengths, cut into random chunks with random pauses. For every connection the
// frames delivered must be exactly those a reference reading of the stream finds before
// its first fault — never a malformed or partial one — the receiver must close the
// connection on a fault, and it must not crash; after the run a genuine frame still
// gets through. Seeded: a failure prints the seed (TONGBAO_FUZZ_SEED=<seed> replays the
// streams; the chunk timing over real sockets may differ).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerNetwork } from './peer-network.js';
import { encodeFrameHeader } from './frames.js';
import { createConsortium, networkOptions, waitFor, within } from './testing/fixtures.js';
import { connectRaw, frameBytes } from './testing/raw-peer.js';
import { concat, referenceDecode } from './testing/reference-frames.js';

const FRAME_BYTES_MAX = 512;
const CONNECTIONS = 40;

/** xorshift32: small, seeded, good enough to pick bytes and sizes. */
function createRandom(seed: number): { next(): number; int(n: number): number; bytes(n: number): Uint8Array } {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return {
    next,
    int: (n) => next() % n,
    bytes: (n) => Uint8Array.from({ length: n }, () => next() & 0xff),
  };
}

function randomStream(random: ReturnType<typeof createRandom>): Uint8Array {
  const pieces: Uint8Array[] = [];
  const count = 1 + random.int(12);
  for (let i = 0; i < count; i++) {
    const kind = random.int(10);
    if (kind < 6) {
      const body = random.bytes(1 + random.int(FRAME_BYTES_MAX));
      pieces.push(encodeFrameHeader(body.length), body);
    } else if (kind < 8) {
      pieces.push(random.bytes(random.int(16)));
    } else if (kind === 8) {
      pieces.push(encodeFrameHeader([0, FRAME_BYTES_MAX + 1, 0xffffffff][random.int(3)]!));
    } else {
      // A frame whose length promises more than follows.
      pieces.push(encodeFrameHeader(1 + random.int(FRAME_BYTES_MAX)), random.bytes(random.int(8)));
    }
  }
  return concat(pieces);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('random bytes on a genuine TLS link never crash the receiver nor deliver a malformed frame', async (t) => {
  const seed = Number(process.env['TONGBAO_FUZZ_SEED'] ?? (Date.now() % 0xffffffff));
  t.diagnostic(`seed ${seed}`);
  const random = createRandom(seed);
  const consortium = await createConsortium(2);
  const trusted = consortium.cas.map((ca) => ca.certificatePem);
  const network = await PeerNetwork.start(
    networkOptions(consortium, 1, [0, 0], { frameBytesMax: FRAME_BYTES_MAX, reconnectDelayMs: 1, reconnectDelayMaxMs: 5 }),
  );
  let delivered: Uint8Array[] = [];
  network.onFrame((from, frame) => {
    assert.equal(from, 0);
    delivered.push(frame.slice());
  });
  try {
    let faults = 0;
    for (let c = 0; c < CONNECTIONS; c++) {
      const stream = randomStream(random);
      const expected = referenceDecode(stream, FRAME_BYTES_MAX);
      delivered = [];
      const raw = connectRaw(network.port, consortium.nodes[0]!, trusted);
      await new Promise<void>((resolve, reject) => {
        raw.socket.once('secureConnect', resolve);
        raw.socket.once('close', () => reject(new Error(`seed ${seed}: connection ${c} closed before the handshake`)));
      });
      let offset = 0;
      while (offset < stream.length && !raw.socket.destroyed) {
        const size = 1 + random.int(200);
        raw.socket.write(stream.subarray(offset, offset + size));
        offset += size;
        if (random.int(4) === 0) await sleep(1);
      }
      if (expected.fault !== undefined) {
        await within(raw.closed, `seed ${seed}: connection ${c} to be closed after ${expected.fault}`);
        faults += 1;
        await waitFor(() => network.stats().perPeer[0]!.faults === faults, `seed ${seed}: fault ${faults} counted`);
      } else {
        await waitFor(() => delivered.length >= expected.frames.length, `seed ${seed}: frames of connection ${c}`);
        raw.socket.destroy();
        await raw.closed;
      }
      await waitFor(() => !network.stats().perPeer[0]!.connected, `seed ${seed}: link ${c} down`);
      assert.deepEqual(delivered, expected.frames, `seed ${seed}: connection ${c}`);
      // Past the acceptor's back-off after a fault (reconnectDelayMaxMs = 5).
      await sleep(10);
    }
    assert.ok(faults > 0, `seed ${seed}: some streams must fault`);
    // The receiver still works.
    delivered = [];
    const genuine = connectRaw(network.port, consortium.nodes[0]!, trusted);
    genuine.socket.once('secureConnect', () => genuine.socket.write(frameBytes(new Uint8Array([42]))));
    await waitFor(() => delivered.length === 1, `seed ${seed}: the genuine frame`);
    genuine.socket.destroy();
    // (refusedConnections may be above 0: a raw peer that hangs up at once can end its
    // side of the handshake before the receiver has finished its own.)
  } finally {
    await network.close();
  }
});
