import { api, bytesToHex } from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import { InvalidResponseError, type InvalidParameterError, type TongbaoApiError, type TongbaoTransportError } from '../errors.js';
import { checkShape } from '../utils/response.js';
import { toBytes } from '../utils/validate.js';

export interface GetSignerParameters {
  /** The signer's public key: bytes, or hex. */
  readonly publicKey: Uint8Array | string;
}

export interface GetSignerReturnType {
  /** Hex. */
  readonly publicKey: string;
  /** The next nonce the chain expects from this key; undefined for a key the chain does not know. */
  readonly nextNonce: bigint | undefined;
  /** The nonce after every transaction of this key waiting in the mempool. */
  readonly pendingNonce: bigint | undefined;
}

export type GetSignerErrorType = TongbaoApiError | TongbaoTransportError | InvalidResponseError | InvalidParameterError;

/**
 * A signer's nonces (GET /v1/signers/:publicKeyHex).
 *
 * @example
 * const { nextNonce, pendingNonce } = await getSigner(client, { publicKey: account.publicKey })
 */
export async function getSigner(client: Client, parameters: GetSignerParameters): Promise<GetSignerReturnType> {
  const publicKey = bytesToHex(toBytes('publicKey', parameters.publicKey, 256));
  const what = `GET /v1/signers/${publicKey}`;
  const body = checkShape(api.SignerResponse, await client.request({ method: 'GET', path: `/v1/signers/${publicKey}` }), what);
  if (body.publicKey !== publicKey) {
    throw new InvalidResponseError(`${what}: answered for another key`, { details: { what } });
  }
  return {
    publicKey,
    nextNonce: body.nextNonce === undefined ? undefined : BigInt(body.nextNonce),
    pendingNonce: body.pendingNonce === undefined ? undefined : BigInt(body.pendingNonce),
  };
}
