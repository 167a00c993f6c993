// Pins the signing bytes of consensus messages: the exact layout (domain tag ‖ u8 chain
// id length ‖ chain id ‖ body) as literal hex, so that moving or refactoring the code
// can never silently change what validators sign (every stored certificate would stop
// verifying); the three tags keep the kinds apart; a chain id out of range is a typed
// error, not a signature over a malformed prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { bytesToHex } from './bytes.js';
import { proposalSigningBytes, timeoutSigningBytes, voteSigningBytes, consensusBlockHash } from './consensus-bytes.js';
import { ChainIdError } from './errors.js';
import { ConsensusBlockSchema, TimeoutDataSchema, VoteDataSchema } from './gen/tongbao/v1/consensus_pb.js';
import { getSuite } from './crypto/index.js';
import { encode } from './encoding.js';

const voteData = create(VoteDataSchema, {
  epoch: 0n,
  round: 7n,
  height: 5n,
  blockHash: new Uint8Array(4).fill(0xab),
  parentRound: 6n,
  parentHash: new Uint8Array(4).fill(0xcd),
});

test('vote, proposal and timeout signing bytes are pinned byte for byte', () => {
  assert.equal(
    bytesToHex(voteSigningBytes('tb', voteData)),
    // "tongbao/consensus/vote/v1\0" ‖ 02 ‖ "tb" ‖ VoteData
    '746f6e6762616f2f636f6e73656e7375732f766f74652f763100' + '02' + '7462' + '100718052204abababab28063204cdcdcdcd',
  );
  assert.equal(
    bytesToHex(proposalSigningBytes('tb', new Uint8Array(4).fill(0xee))),
    '746f6e6762616f2f636f6e73656e7375732f70726f706f73616c2f763100' + '02' + '7462' + 'eeeeeeee',
  );
  assert.equal(
    bytesToHex(timeoutSigningBytes('tb', create(TimeoutDataSchema, { epoch: 0n, round: 9n, highQcRound: 7n }))),
    '746f6e6762616f2f636f6e73656e7375732f74696d656f75742f763100' + '02' + '7462' + '10091807',
  );
});

test('a block hash is the suite hash of the canonical block encoding', () => {
  const suite = getSuite('ed25519');
  const block = create(ConsensusBlockSchema, { chainId: 'tb', round: 3n, height: 2n, proposer: 1 });
  assert.equal(bytesToHex(consensusBlockHash(suite.hash, block)), bytesToHex(suite.hash(encode(ConsensusBlockSchema, block))));
});

test('the chain id binds: other chain, other bytes', () => {
  assert.notEqual(bytesToHex(voteSigningBytes('tb', voteData)), bytesToHex(voteSigningBytes('tc', voteData)));
});

test('a chain id of 0 or more than 64 bytes is a ChainIdError', () => {
  for (const chainId of ['', 'x'.repeat(65)]) {
    assert.throws(() => voteSigningBytes(chainId, voteData), (error: unknown) => error instanceof ChainIdError && error.code === 'INVALID_CHAIN_ID');
    assert.throws(() => proposalSigningBytes(chainId, new Uint8Array(32)), ChainIdError);
  }
  assert.doesNotThrow(() => voteSigningBytes('x'.repeat(64), voteData));
});
