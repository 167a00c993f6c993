/**
 * Signing bytes of the three kinds of signed consensus message, and block identity.
 *
 * signing bytes = domain tag ‖ u8 length of chain id ‖ chain id ‖ body, where the tag
 * differs per kind, so a signature made for one kind (or for a transaction, or on another
 * chain) can never be replayed as another.
 */
import {
  concatBytes,
  create,
  encode,
  utf8ToBytes,
  CHAIN_ID_BYTES_MAX,
  ConsensusBlockSchema,
  TimeoutDataSchema,
  VoteDataSchema,
  type ConsensusBlock,
  type TimeoutData,
  type VoteData,
} from '@tongbao/protocol';
import type { HashFunction } from './types.js';
import { ConsensusError } from './errors.js';

export const PROPOSAL_DOMAIN_TAG = utf8ToBytes('tongbao/consensus/proposal/v1\u0000');
export const VOTE_DOMAIN_TAG = utf8ToBytes('tongbao/consensus/vote/v1\u0000');
export const TIMEOUT_DOMAIN_TAG = utf8ToBytes('tongbao/consensus/timeout/v1\u0000');

function chainPrefix(tag: Uint8Array, chainId: string): Uint8Array {
  const chain = utf8ToBytes(chainId);
  if (chain.length === 0 || chain.length > CHAIN_ID_BYTES_MAX) {
    throw new ConsensusError('INVALID_CONFIG', `a chain id is 1..${CHAIN_ID_BYTES_MAX} bytes, got ${chain.length}`);
  }
  return concatBytes(tag, Uint8Array.of(chain.length), chain);
}

/** A block's identity: the chain's hash of its canonical encoding. */
export function consensusBlockHash(hash: HashFunction, block: ConsensusBlock): Uint8Array {
  return hash(encode(ConsensusBlockSchema, block));
}

/** What a proposer signs: the block's hash (the block names the chain too). */
export function proposalSigningBytes(chainId: string, blockHash: Uint8Array): Uint8Array {
  return concatBytes(chainPrefix(PROPOSAL_DOMAIN_TAG, chainId), blockHash);
}

export function voteSigningBytes(chainId: string, data: VoteData): Uint8Array {
  return concatBytes(chainPrefix(VOTE_DOMAIN_TAG, chainId), encode(VoteDataSchema, data));
}

export function timeoutSigningBytes(chainId: string, data: TimeoutData): Uint8Array {
  return concatBytes(chainPrefix(TIMEOUT_DOMAIN_TAG, chainId), encode(TimeoutDataSchema, data));
}

/** The VoteData a vote for `block` signs. */
export function voteDataFor(block: ConsensusBlock, blockHash: Uint8Array): VoteData {
  const parent = block.parentQc?.data;
  return create(VoteDataSchema, {
    epoch: block.epoch,
    round: block.round,
    height: block.height,
    blockHash,
    parentRound: parent?.round ?? 0n,
    parentHash: block.parentHash,
  });
}
