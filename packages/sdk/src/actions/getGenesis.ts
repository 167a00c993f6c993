import { GenesisSchema, api, type Genesis } from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import type { InvalidResponseError, TongbaoApiError, TongbaoTransportError } from '../errors.js';
import { checkShape, decodeProtoJson } from '../utils/response.js';

export type GetGenesisParameters = Record<string, never>;

export interface GetGenesisReturnType {
  readonly genesis: Genesis;
  /** The genesis hash, hex, as the node reports it. */
  readonly hash: string;
}

export type GetGenesisErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError;

/**
 * The chain's genesis: parameters, validators, organizations (GET /v1/genesis).
 *
 * @example
 * const { genesis } = await getGenesis(client)
 * console.log(genesis.chainId)
 */
export async function getGenesis(client: Client, _parameters: GetGenesisParameters = {}): Promise<GetGenesisReturnType> {
  const what = 'GET /v1/genesis';
  const body = checkShape(api.GenesisResponse, await client.request({ method: 'GET', path: '/v1/genesis' }), what);
  return { genesis: decodeProtoJson(GenesisSchema, body.genesis, what), hash: body.hash };
}
