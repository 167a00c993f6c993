import { concatBytes, utf8ToBytes } from './bytes.js';
import { encode } from './encoding.js';
import { ChainIdError } from './errors.js';
import { CHAIN_ID_BYTES_MAX } from './transaction-bytes.js';
import {
  ConsensusBlockSchema,
  TimeoutDataSchema,
  VoteDataSchema,
  type ConsensusBlock,
  type TimeoutData,
  type VoteData,
} from './gen/tongbao/v1/consensus_pb.js';

/**
 * Signing bytes of the three kinds of signed consensus message, and block identity.
 *
 * signing bytes = domain tag ‖ u8 length of chain id ‖ chain id ‖ body, where the tag
 * differs per kind, so a signature made for one kind (or for a transaction, or on another
 * chain) can never be replayed as another.
 *
 * They live in protocol, not in consensus, because consensus is not their only reader:
 * execution checks the signatures of misbehaviour evidence over exactly these bytes, and
 * execution may import protocol alone. One definition means a vote that consensus signs
 * is the vote execution verifies.
 */

export const PROPOSAL_DOMAIN_TAG = utf8ToBytes('tongbao/consensus/proposal/v1\u0000');
export const VOTE_DOMAIN_TAG = utf8ToBytes('tongbao/consensus/vote/v1\u0000');
export const TIMEOUT_DOMAIN_TAG = utf8ToBytes('tongbao/consensus/timeout/v1\u0000');

function chainPrefix(tag: Uint8Array, chainId: string): Uint8Array {
  const chain = utf8ToBytes(chainId);
  if (chain.length === 0 || chain.length > CHAIN_ID_BYTES_MAX) {
    throw new ChainIdError(`a chain id is 1..${CHAIN_ID_BYTES_MAX} bytes, got ${chain.length}`, { details: { bytes: chain.length } });
  }
  return concatBytes(tag, Uint8Array.of(chain.length), chain);
}

/** A consensus block's identity: the chain's hash of its canonical encoding. */
export function consensusBlockHash(hash: (data: Uint8Array) => Uint8Array, block: ConsensusBlock): Uint8Array {
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
