import { api, type SuiteName } from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import type { InvalidResponseError, TongbaoApiError, TongbaoTransportError } from '../errors.js';
import { checkShape } from '../utils/response.js';

export type GetStatusParameters = Record<string, never>;

export interface GetStatusReturnType {
  readonly chainId: string;
  readonly cryptoSuite: SuiteName;
  /** Height of the last committed block. */
  readonly height: bigint;
  /** Hash of the last committed block, hex. */
  readonly headHash: string;
  /** State root after the last committed block, hex. */
  readonly stateRoot: string;
  readonly timestampMs: bigint;
  readonly nodeVersion: string;
  readonly mempool: { readonly transactions: number; readonly bytes: number };
}

export type GetStatusErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError;

/**
 * The node's view of the chain: id, suite, head and mempool (GET /v1/status).
 *
 * @example
 * const { chainId, height } = await getStatus(client)
 */
export async function getStatus(client: Client, _parameters: GetStatusParameters = {}): Promise<GetStatusReturnType> {
  const body = checkShape(api.StatusResponse, await client.request({ method: 'GET', path: '/v1/status' }), 'GET /v1/status');
  return {
    chainId: body.chainId,
    cryptoSuite: body.cryptoSuite,
    height: BigInt(body.height),
    headHash: body.headHash,
    stateRoot: body.stateRoot,
    timestampMs: BigInt(body.timestampMs),
    nodeVersion: body.nodeVersion,
    mempool: { transactions: body.mempool.transactions, bytes: body.mempool.bytes },
  };
}
