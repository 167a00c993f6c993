// Checks the leader's block spacing (timing.blockIntervalMinMs) on a one-validator
// network, where every round's leader is the validator itself and its own vote is a
// quorum: with payload waiting, a block follows its parent only once the interval has
// passed — the leader sets a 'blockInterval' timer for the rest and proposes when it
// fires — and a clock behind the parent's timestamp waits no longer than the interval.
// With the interval 0 the next block follows at once, and a block with payload is followed
// by one more, which commits it, not two. With a rate threshold
// (blockIntervalTransactionRateMin) the interval applies only after a block whose
// transactions, over the time since its own parent, came at least that fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { BatchRefSchema, bytesToHex, type BatchRef, type ConsensusBlock } from '@tongbao/protocol';
import { DEFAULT_LIMITS, DEFAULT_TIMING } from './config.js';
import { createConsensus } from './core.js';
import type { ConsensusEffect, ConsensusEvent } from './types.js';

const GENESIS_MS = 1_000_000;
const PUBLIC_KEY = new Uint8Array(32).fill(1);
const sign = (message: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', 'validator-0').update(message).digest());

/** Blocks proposed in a step: alone, the validator sends nothing; it stores what it proposed and voted for. */
function proposals(effects: readonly ConsensusEffect[]): ConsensusBlock[] {
  return effects.flatMap((effect) => (effect.kind === 'persist' && effect.blocks !== undefined ? [...effect.blocks] : []));
}

/** Round, timestamp and batch count of each block proposed in a step. */
function summary(effects: readonly ConsensusEffect[]): Array<[bigint, bigint, number]> {
  return proposals(effects).map((block) => [block.round, block.timestampMs, block.payload.length]);
}

interface OneValidatorNetwork {
  step(event: ConsensusEvent): ConsensusEffect[];
  /** A new batch the payload source offers, not announced. */
  addBatch(): BatchRef;
  /** A new batch, announced to the core at `nowMs` (batchAvailable); the step's effects. */
  batchArrives(nowMs: number): ConsensusEffect[];
}

function network(blockIntervalMinMs: number, blockIntervalTransactionRateMin = 0): OneValidatorNetwork {
  const batches: BatchRef[] = [];
  /** Digests in blocks already proposed: a payload source offers a batch until it is ordered. */
  const ordered = new Set<string>();
  const core = createConsensus(
    {
      chainId: 'interval-test',
      epoch: 0n,
      validators: [PUBLIC_KEY],
      selfIndex: 0,
      genesis: { hash: new Uint8Array(32), timestampMs: BigInt(GENESIS_MS) },
      timing: { ...DEFAULT_TIMING, blockIntervalMinMs, blockIntervalTransactionRateMin },
      limits: DEFAULT_LIMITS,
    },
    {
      hash: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
      verify: (publicKey, message, signature) => Buffer.from(publicKey).equals(PUBLIC_KEY) && Buffer.from(sign(message)).equals(signature),
      signer: { sign },
      payload: {
        // Asking takes nothing (as in the node): every batch neither ordered nor in an uncommitted ancestor.
        next: (request) => {
          const pending = new Set(request.pending.map((ref) => bytesToHex(ref.digest)));
          return batches.filter((ref) => !ordered.has(bytesToHex(ref.digest)) && !pending.has(bytesToHex(ref.digest)));
        },
        available: () => true,
      },
    },
  );
  const step = (event: ConsensusEvent): ConsensusEffect[] => {
    const effects = core.step(event);
    for (const block of proposals(effects)) for (const ref of block.payload) ordered.add(bytesToHex(ref.digest));
    return effects;
  };
  const addBatch = (): BatchRef => {
    const ref = create(BatchRefSchema, { digest: new Uint8Array(32).fill(batches.length + 1), transactionCount: 10, bytes: 1_000n });
    batches.push(ref);
    return ref;
  };
  return { step, addBatch, batchArrives: (nowMs) => step({ kind: 'batchAvailable', nowMs, ref: addBatch() }) };
}


function intervalTimers(effects: readonly ConsensusEffect[]): Array<{ round: bigint; delayMs: number }> {
  return effects.flatMap((effect) => (effect.kind === 'setTimer' && effect.timer === 'blockInterval' ? [{ round: effect.round, delayMs: effect.delayMs }] : []));
}

test('with payload waiting, a leader proposes the next block only blockIntervalMinMs after its parent', () => {
  const { step, batchArrives } = network(100);
  const now = GENESIS_MS + 5_000;
  step({ kind: 'start', nowMs: now });
  // The genesis parent is long past: the first block goes out at once. Its QC (our own
  // vote) opens round 2 in the same step, whose block must carry block 1's commit: it waits.
  const first = batchArrives(now);
  assert.deepEqual(summary(first), [[1n, BigInt(now), 1]]);
  assert.deepEqual(intervalTimers(first), [{ round: 2n, delayMs: 100 }]);
  const early = batchArrives(now + 30);
  assert.deepEqual(proposals(early), [], 'no block 30 ms after its parent, though payload arrived');
  assert.deepEqual(intervalTimers(early), [], 'the timer already set is not set again');
  const fired = step({ kind: 'timer', nowMs: now + 100, timer: 'blockInterval', round: 2n });
  assert.deepEqual(summary(fired), [[2n, BigInt(now + 100), 1]], 'the block carries what arrived while the leader waited');
  assert.deepEqual(intervalTimers(fired), [{ round: 3n, delayMs: 100 }]);
});

test('a leader whose clock is behind its parent waits no longer than the interval from the start of its round', () => {
  const { step, batchArrives } = network(100);
  // This clock is a second behind the genesis parent's timestamp: by the parent alone the
  // leader would wait 1.1 s, past the round timeout.
  const now = GENESIS_MS - 1_000;
  step({ kind: 'start', nowMs: now });
  const effects = batchArrives(now + 20);
  assert.deepEqual(proposals(effects), []);
  assert.deepEqual(intervalTimers(effects), [{ round: 1n, delayMs: 80 }], 'the round began at `now`: 100 ms from then');
  // A timer of another round is stale and ignored.
  assert.deepEqual(proposals(step({ kind: 'timer', nowMs: now + 50, timer: 'blockInterval', round: 7n })), []);
  const fired = proposals(step({ kind: 'timer', nowMs: now + 100, timer: 'blockInterval', round: 1n }));
  assert.equal(fired.length, 1);
  // Timestamps still increase: the parent's plus one, as for any leader whose clock is behind.
  assert.equal(fired[0]!.timestampMs, BigInt(GENESIS_MS + 1));
});

test('the interval timer firing is the interval elapsed, even a millisecond early by the clock', () => {
  const { step, addBatch, batchArrives } = network(100);
  const now = GENESIS_MS + 5_000;
  step({ kind: 'start', nowMs: now });
  batchArrives(now);
  addBatch();
  // A shell's timer may run before its clock reaches the deadline; the leader must not
  // wait again (it would set no second timer, and the round would idle until it timed out).
  const fired = step({ kind: 'timer', nowMs: now + 99, timer: 'blockInterval', round: 2n });
  assert.deepEqual(
    proposals(fired).map((block) => [block.round, block.payload.length]),
    [[2n, 1]],
  );
});

test('with the interval 0 the next block follows its parent at once', () => {
  const { step, batchArrives } = network(0);
  const now = GENESIS_MS + 5_000;
  step({ kind: 'start', nowMs: now });
  // The block with payload, then the child whose QC commits it, in one instant (a block's
  // timestamp exceeds its parent's by at least 1 ms) — and no third block: the commit is
  // known once the child is certified.
  const effects = batchArrives(now);
  assert.deepEqual(summary(effects), [
    [1n, BigInt(now), 1],
    [2n, BigInt(now + 1), 0],
  ]);
  const committed = effects.flatMap((effect) => (effect.kind === 'commit' ? effect.blocks.map((c) => c.block.height) : []));
  assert.deepEqual(committed, [1n], 'block 1 is committed by the QC of block 2');
  assert.deepEqual(intervalTimers(effects), []);
});

test('with a rate threshold, the interval follows only blocks whose transactions came that fast', () => {
  // Batches hold 10 transactions each; the threshold is 200 a second.
  const { step, addBatch, batchArrives } = network(100, 200);
  const now = GENESIS_MS + 5_000;
  step({ kind: 'start', nowMs: now });
  // Block 1 orders 10 transactions over the 5 s since the genesis: 2 a second. Block 2,
  // which commits it, follows at once, as with no interval at all.
  const light = batchArrives(now);
  assert.deepEqual(summary(light), [
    [1n, BigInt(now), 1],
    [2n, BigInt(now + 1), 0],
  ]);
  assert.deepEqual(intervalTimers(light), []);
  // Block 3 orders 30 transactions 9 ms after block 2: 3,333 a second. The leader of
  // round 4 spaces its block after it.
  addBatch();
  addBatch();
  const heavy = batchArrives(now + 10);
  assert.deepEqual(summary(heavy), [[3n, BigInt(now + 10), 3]]);
  assert.deepEqual(intervalTimers(heavy), [{ round: 4n, delayMs: 100 }]);
  assert.deepEqual(proposals(batchArrives(now + 40)), [], 'no block 30 ms after a parent whose transactions came at 3,333 a second');
  // Block 4 orders the 10 that arrived meanwhile, over 100 ms: 100 a second. Block 5,
  // which commits it, needs no wait.
  const fired = step({ kind: 'timer', nowMs: now + 110, timer: 'blockInterval', round: 4n });
  assert.deepEqual(summary(fired), [
    [4n, BigInt(now + 110), 1],
    [5n, BigInt(now + 111), 0],
  ]);
  assert.deepEqual(intervalTimers(fired), []);
  // The same 30 transactions as block 3's, over 889 ms (34 a second), do not call for
  // spacing: a rate, not a size.
  addBatch();
  addBatch();
  const slow = batchArrives(now + 1_000);
  assert.deepEqual(summary(slow), [
    [6n, BigInt(now + 1_000), 3],
    [7n, BigInt(now + 1_001), 0],
  ]);
  assert.deepEqual(intervalTimers(slow), []);
});

test('the configuration refuses an interval at or above the round timeout, and a negative one', () => {
  for (const blockIntervalMinMs of [DEFAULT_TIMING.roundTimeoutBaseMs, -1, 1.5]) {
    assert.throws(() => network(blockIntervalMinMs), { code: 'INVALID_CONFIG' });
  }
  for (const threshold of [-1, 2.5]) {
    assert.throws(() => network(50, threshold), { code: 'INVALID_CONFIG', message: /blockIntervalTransactionRateMin/ });
  }
});
