import { encode } from './encoding.js';
import { BlockHeaderSchema, type BlockHeader } from './gen/tongbao/v1/block_pb.js';

/** Hard ceiling on one encoded block; chains configure lower limits. */
export const BLOCK_BYTES_MAX = 64 * 1024 * 1024;

/** A block's identity: the chain's hash of its canonically encoded header. */
export function blockHash(hash: (data: Uint8Array) => Uint8Array, header: BlockHeader): Uint8Array {
  return hash(encode(BlockHeaderSchema, header));
}
