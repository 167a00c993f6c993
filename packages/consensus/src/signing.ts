/**
 * Signing bytes and block identity, as the rest of the core imports them. The byte
 * layouts themselves are defined in @tongbao/protocol (consensus-bytes.ts), because
 * execution verifies misbehaviour evidence over exactly the same bytes and may import
 * only protocol; they are re-exported here so that callers of consensus are unchanged.
 */
import { create, VoteDataSchema, type ConsensusBlock, type VoteData } from '@tongbao/protocol';

export {
  consensusBlockHash,
  proposalSigningBytes,
  timeoutSigningBytes,
  voteSigningBytes,
  PROPOSAL_DOMAIN_TAG,
  TIMEOUT_DOMAIN_TAG,
  VOTE_DOMAIN_TAG,
} from '@tongbao/protocol';

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
