import { api } from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import type { InvalidResponseError, TongbaoApiError, TongbaoTransportError } from '../errors.js';
import { checkShape } from '../utils/response.js';

export type GetSupplyParameters = Record<string, never>;

export interface OperatorSupply {
  readonly operatorId: string;
  /** Maximum outstanding issuance, fen. */
  readonly quota: bigint;
  /** Issued to the operator minus redeemed by it, fen. */
  readonly outstanding: bigint;
  /** Balance of the operator's vault, fen. */
  readonly vault: bigint;
}

export interface GetSupplyReturnType {
  readonly height: bigint;
  /** Currency in circulation, fen: minus the issuance account's balance. */
  readonly supply: bigint;
  readonly operators: readonly OperatorSupply[];
}

export type GetSupplyErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError;

/**
 * The money supply and each operator's quota, outstanding issuance and vault
 * (GET /v1/supply).
 *
 * @example
 * const { supply } = await getSupply(client)
 * console.log(formatYuan(supply), 'yuan in circulation')
 */
export async function getSupply(client: Client, _parameters: GetSupplyParameters = {}): Promise<GetSupplyReturnType> {
  const body = checkShape(api.SupplyResponse, await client.request({ method: 'GET', path: '/v1/supply' }), 'GET /v1/supply');
  return {
    height: BigInt(body.height),
    supply: BigInt(body.supply),
    operators: body.operators.map((o) => ({
      operatorId: o.operatorId,
      quota: BigInt(o.quota),
      outstanding: BigInt(o.outstanding),
      vault: BigInt(o.vault),
    })),
  };
}
