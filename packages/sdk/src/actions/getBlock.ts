import {
  BlockHeaderSchema,
  api,
  blockHash,
  bytesToHex,
  equalBytes,
  getPortableSuite,
  merkleRoot,
  type BlockHeader,
} from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import { InvalidResponseError, type TongbaoApiError, type TongbaoTransportError } from '../errors.js';
import { checkU64 } from '../utils/validate.js';
import { checkShape, decodeHex, decodeProtoJson } from '../utils/response.js';

export interface GetBlockParameters {
  /** A height, or 'latest' (the default). */
  readonly height?: bigint | 'latest';
}

export interface GetBlockReturnType {
  readonly height: bigint;
  /** The block hash, hex: checked to be the hash of `header`. */
  readonly hash: string;
  readonly header: BlockHeader;
  /** Transaction ids in block order, hex: checked against header.transactionsRoot. */
  readonly transactionIds: readonly string[];
}

export type GetBlockErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError;

/**
 * A committed block's header and transaction ids (GET /v1/blocks/:height or /latest).
 * The header is checked to hash to the block hash, and the ids to make the header's
 * transactions root, so the answer is consistent with itself.
 *
 * @example
 * const latest = await getBlock(client)
 * const first = await getBlock(client, { height: 1n })
 */
export async function getBlock(client: Client, parameters: GetBlockParameters = {}): Promise<GetBlockReturnType> {
  const height = parameters.height ?? 'latest';
  const segment = height === 'latest' ? 'latest' : checkU64('height', height).toString();
  const what = `GET /v1/blocks/${segment}`;
  const [json, { suite }] = await Promise.all([
    client.request({ method: 'GET', path: `/v1/blocks/${segment}` }),
    client.getChainContext(),
  ]);
  const body = checkShape(api.BlockResponse, json, what);
  const hash = getPortableSuite(suite).hash;
  const header = decodeProtoJson(BlockHeaderSchema, body.header, what);
  if (bytesToHex(blockHash(hash, header)) !== body.hash) {
    throw new InvalidResponseError(`${what}: the header does not hash to the block hash it came with`, { details: { what } });
  }
  if (header.height.toString() !== body.height || (height !== 'latest' && header.height !== height)) {
    throw new InvalidResponseError(`${what}: the header is for height ${header.height}`, { details: { what } });
  }
  const ids = body.transactionIds.map((id) => decodeHex(id, what));
  if (!equalBytes(merkleRoot(hash, ids), header.transactionsRoot) || ids.length !== header.transactionCount) {
    throw new InvalidResponseError(`${what}: the transaction ids do not make the header's transactions root`, { details: { what } });
  }
  return { height: header.height, hash: body.hash, header, transactionIds: body.transactionIds };
}
