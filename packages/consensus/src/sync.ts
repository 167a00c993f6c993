/**
 * Catch-up, the serving side: the shell answers a `serveBlocks` effect with the response
 * built here from the committed blocks it has stored and the tail the core holds.
 */
import { create, SyncResponseSchema, type ConsensusBlock, type QuorumCert, type SyncRequest, type SyncResponse } from '@tongbao/protocol';

/**
 * Blocks from `request.fromHeight` up: the stored committed blocks first (ascending,
 * consecutive, starting at fromHeight — the shell reads them from its store), then the
 * tail blocks above them, at most min(request.maxBlocks, blocksMax) in all. `highQc`
 * certifies the last tail block; the receiver ignores it when the list was cut short
 * (then every block but the last is still certified by its successor's parent QC).
 */
export function buildSyncResponse(
  request: SyncRequest,
  committed: readonly ConsensusBlock[],
  tail: readonly ConsensusBlock[],
  highQc: QuorumCert,
  blocksMax: number,
): SyncResponse {
  const limit = Math.max(0, Math.min(request.maxBlocks, blocksMax));
  const blocks: ConsensusBlock[] = [];
  let next = request.fromHeight;
  for (const block of [...committed, ...tail]) {
    if (blocks.length >= limit) break;
    if (block.height < next) continue; // tail blocks the stored ones already cover
    if (block.height !== next) break; // a gap: stop at what links
    blocks.push(block);
    next += 1n;
  }
  return create(SyncResponseSchema, { blocks, highQc });
}
