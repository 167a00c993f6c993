import {
  AccountSchema,
  WalletSchema,
  api,
  decodeCanonical,
  equals,
  getPortableSuite,
  type Account,
  type BlockHeader,
  type Wallet,
} from '@tongbao/protocol/portable';
import type { Client } from '../clients/createClient.js';
import {
  InvalidResponseError,
  ProofVerificationError,
  type InvalidParameterError,
  type TongbaoApiError,
  type TongbaoTransportError,
} from '../errors.js';
import { accountStateKey, verifyProvenAt, verifyStateValue, walletAccountId, walletStateKey } from '../utils/proofs.js';
import { checkShape, decodeProtoJson } from '../utils/response.js';
import { checkIdentifier } from '../utils/validate.js';

/** Largest state record the SDK will decode. */
const STATE_VALUE_BYTES_MAX = 64 * 1024;

export interface GetWalletParameters {
  readonly walletId: string;
}

export interface GetWalletReturnType {
  readonly walletId: string;
  /** The proven wallet record; null when the proof shows no such wallet. */
  readonly wallet: Wallet | null;
  /** The proven balance of the wallet's account, fen (0 when it has no account). */
  readonly balance: bigint;
  /** The proven account record ("wallet:<id>"), or null. */
  readonly account: Account | null;
  /** The block whose state root both proofs verify against. */
  readonly height: bigint;
  readonly blockHash: string;
  readonly header: BlockHeader;
}

export type GetWalletErrorType =
  | TongbaoApiError
  | TongbaoTransportError
  | InvalidResponseError
  | InvalidParameterError
  | ProofVerificationError;

/**
 * A wallet and its balance, proven (GET /v1/wallets/:walletId). Before returning, the
 * header is checked to hash to the block hash, and the two Merkle proofs (wallet record,
 * wallet account) to verify against its state root; the returned records are the proven
 * bytes, and the JSON the node sent must agree with them. Any failure throws
 * ProofVerificationError. Whether the header itself is the chain's is for the caller to
 * judge (compare blockHash with a block it trusts).
 *
 * @example
 * const { wallet, balance, height } = await getWallet(client, { walletId: 'alice' })
 * console.log(formatYuan(balance), 'yuan at height', height)
 */
export async function getWallet(client: Client, parameters: GetWalletParameters): Promise<GetWalletReturnType> {
  const walletId = checkIdentifier('walletId', parameters.walletId);
  const what = `GET /v1/wallets/${walletId}`;
  const [json, { suite }] = await Promise.all([
    client.request({ method: 'GET', path: `/v1/wallets/${encodeURIComponent(walletId)}` }),
    client.getChainContext(),
  ]);
  const body = (typeof json === 'object' && json !== null ? json : {}) as Partial<api.WalletResponse>;
  if (body.walletId !== walletId) throw new InvalidResponseError(`${what}: answered for another wallet`, { details: { what } });
  const at = checkShape(api.ProvenAt, body.at, `${what}: at`);
  const balanceText = checkShape(api.I64, body.balance, `${what}: balance`);
  const proofs = (body.proofs ?? {}) as Partial<api.WalletResponse['proofs']>;
  const hash = getPortableSuite(suite).hash;

  const header = verifyProvenAt(hash, at, what);
  const walletBytes = verifyStateValue(hash, header.stateRoot, proofs.wallet, walletStateKey(walletId), `${what}: wallet proof`);
  const accountBytes = verifyStateValue(
    hash,
    header.stateRoot,
    proofs.account,
    accountStateKey(walletAccountId(walletId)),
    `${what}: account proof`,
  );
  const wallet = walletBytes === undefined ? null : decodeProven(WalletSchema, walletBytes, what);
  const account = accountBytes === undefined ? null : decodeProven(AccountSchema, accountBytes, what);

  const claimed = body.wallet === null || body.wallet === undefined ? null : decodeProtoJson(WalletSchema, body.wallet, what);
  if ((claimed === null) !== (wallet === null) || (claimed !== null && wallet !== null && !equals(WalletSchema, claimed, wallet))) {
    throw new ProofVerificationError(`${what}: the wallet the node sent is not the wallet its proof proves`, { details: { what } });
  }
  const balance = account?.balance ?? 0n;
  if (BigInt(balanceText) !== balance) {
    throw new ProofVerificationError(`${what}: the node claims balance ${balanceText} but the proof shows ${balance}`, {
      details: { what, claimed: balanceText, proven: balance.toString() },
    });
  }
  return { walletId, wallet, balance, account, height: header.height, blockHash: at.hash, header };
}

function decodeProven<Desc extends typeof WalletSchema | typeof AccountSchema>(schema: Desc, bytes: Uint8Array, what: string) {
  try {
    return decodeCanonical(schema, bytes, STATE_VALUE_BYTES_MAX);
  } catch (cause) {
    throw new ProofVerificationError(`${what}: the proven value is not a canonical ${schema.typeName}`, { details: { what }, cause });
  }
}
