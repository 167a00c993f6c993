import { ReceiptSchema, api, bytesToHex, decodeTransaction, transactionId, type Receipt, type Transaction } from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import { InvalidResponseError, type InvalidParameterError, type TongbaoApiError, type TongbaoTransportError } from '../errors.js';
import { base64ToBytes } from '../utils/base64.js';
import { checkShape, decodeProtoJson } from '../utils/response.js';
import { toHashHex } from '../utils/validate.js';

export interface GetTransactionParameters {
  /** The transaction id: 32 bytes, or hex. */
  readonly id: Uint8Array | string;
}

export interface GetTransactionReturnType {
  readonly id: string;
  readonly status: 'pending' | 'committed';
  readonly height: bigint | undefined;
  /** Position in its block. */
  readonly index: number | undefined;
  /** The encoded transaction, as signed; its id is checked to be `id`. */
  readonly bytes: Uint8Array | undefined;
  readonly transaction: Transaction | undefined;
  /** Present once committed. receipt.code 0 is success. */
  readonly receipt: Receipt | undefined;
}

export type GetTransactionErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError | InvalidParameterError;

/**
 * A transaction by id, pending or committed, with its receipt once committed
 * (GET /v1/transactions/:id). An unknown id is a TongbaoApiError with code NOT_FOUND.
 *
 * @example
 * const tx = await getTransaction(client, { id })
 * if (tx.receipt?.code === 0) console.log('paid at height', tx.height)
 */
export async function getTransaction(client: Client, parameters: GetTransactionParameters): Promise<GetTransactionReturnType> {
  const id = toHashHex('id', parameters.id);
  const what = `GET /v1/transactions/${id}`;
  const body = checkShape(api.TransactionResponse, await client.request({ method: 'GET', path: `/v1/transactions/${id}` }), what);
  if (body.id !== id) throw new InvalidResponseError(`${what}: answered for another transaction, ${body.id}`, { details: { what } });
  let bytes: Uint8Array | undefined;
  let transaction: Transaction | undefined;
  if (body.transaction !== undefined) {
    bytes = base64ToBytes(body.transaction) ?? undefined;
    if (bytes === undefined) throw new InvalidResponseError(`${what}: transaction is not base64`, { details: { what } });
    try {
      transaction = decodeTransaction(bytes);
    } catch (cause) {
      throw new InvalidResponseError(`${what}: transaction does not decode`, { details: { what }, cause });
    }
    const { suite } = await client.getChainContext();
    if (bytesToHex(transactionId(suite, transaction)) !== id) {
      throw new InvalidResponseError(`${what}: the transaction returned does not have this id`, { details: { what } });
    }
  }
  return {
    id,
    status: body.status,
    height: body.height === undefined ? undefined : BigInt(body.height),
    index: body.index,
    bytes,
    transaction,
    receipt: body.receipt === undefined ? undefined : decodeProtoJson(ReceiptSchema, body.receipt, what),
  };
}
