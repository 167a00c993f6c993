import { AccountSchema, api, decodeCanonical, equals, getPortableSuite, type Account, type BlockHeader } from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import {
  InvalidParameterError,
  InvalidResponseError,
  ProofVerificationError,
  type TongbaoApiError,
  type TongbaoTransportError,
} from '../errors.js';
import { accountStateKey, verifyProvenAt, verifyStateValue } from '../utils/proofs.js';
import { checkShape, decodeProtoJson } from '../utils/response.js';

const ACCOUNT_ID = /^(issuance|(vault|wallet):[A-Za-z0-9._@-]{1,64})$/;
const STATE_VALUE_BYTES_MAX = 64 * 1024;

export interface GetAccountParameters {
  /** "issuance", "vault:<operator id>" or "wallet:<wallet id>". */
  readonly accountId: string;
}

export interface GetAccountReturnType {
  readonly accountId: string;
  /** The proven account record; null when the proof shows no such account. */
  readonly account: Account | null;
  /** account.balance, or 0 when absent, fen. */
  readonly balance: bigint;
  readonly height: bigint;
  readonly blockHash: string;
  readonly header: BlockHeader;
}

export type GetAccountErrorType =
  | TongbaoApiError
  | TongbaoTransportError
  | InvalidResponseError
  | InvalidParameterError
  | ProofVerificationError;

/**
 * A double-entry account, proven (GET /v1/accounts/:accountId): the header must hash to
 * the block hash and the Merkle proof verify against its state root, else
 * ProofVerificationError.
 *
 * @example
 * const { balance } = await getAccount(client, { accountId: 'vault:icbc' })
 */
export async function getAccount(client: Client, parameters: GetAccountParameters): Promise<GetAccountReturnType> {
  const accountId = parameters.accountId;
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) {
    throw new InvalidParameterError(`accountId must be "issuance", "vault:<id>" or "wallet:<id>", got ${JSON.stringify(accountId)}`);
  }
  const what = `GET /v1/accounts/${accountId}`;
  const [json, { suite }] = await Promise.all([
    client.request({ method: 'GET', path: `/v1/accounts/${encodeURIComponent(accountId)}` }),
    client.getChainContext(),
  ]);
  const body = (typeof json === 'object' && json !== null ? json : {}) as Partial<api.AccountResponse>;
  if (body.accountId !== accountId) throw new InvalidResponseError(`${what}: answered for another account`, { details: { what } });
  const at = checkShape(api.ProvenAt, body.at, `${what}: at`);
  const hash = getPortableSuite(suite).hash;
  const header = verifyProvenAt(hash, at, what);
  const bytes = verifyStateValue(hash, header.stateRoot, body.proof, accountStateKey(accountId), `${what}: proof`);
  let account: Account | null = null;
  if (bytes !== undefined) {
    try {
      account = decodeCanonical(AccountSchema, bytes, STATE_VALUE_BYTES_MAX);
    } catch (cause) {
      throw new ProofVerificationError(`${what}: the proven value is not a canonical Account`, { details: { what }, cause });
    }
  }
  const claimed = body.account === null || body.account === undefined ? null : decodeProtoJson(AccountSchema, body.account, what);
  if ((claimed === null) !== (account === null) || (claimed !== null && account !== null && !equals(AccountSchema, claimed, account))) {
    throw new ProofVerificationError(`${what}: the account the node sent is not the account its proof proves`, { details: { what } });
  }
  return { accountId, account, balance: account?.balance ?? 0n, height: header.height, blockHash: at.hash, header };
}
