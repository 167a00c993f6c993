import type {
  Account,
  ChainConfig,
  IssuanceRequest,
  Organization,
  PaymentRecord,
  StateReader,
  Wallet,
} from '@tongbao/protocol';
import { ExecutionError } from '../../errors.js';
import {
  accountPath,
  CONFIG_PATH,
  ISSUANCE_ACCOUNT_ID,
  issuanceRequestPath,
  organizationPath,
  paymentPath,
  quotaPath,
  signerPath,
  walletAccountId,
  walletPath,
} from '../../keys.js';
import { readRecord } from '../../state-overlay.js';
import { configStore, organizationStore, signerStore } from '../governance/store.js';
import { isIdentifier } from './limits.js';
import { accountStore, issuanceRequestStore, paymentStore, quotaStore, walletStore } from './store.js';

/**
 * The read-only query surface: pure functions over committed state, for the API and
 * the console. Each returns undefined for a record that does not exist; ids that can
 * never name a record throw ExecutionError INVALID_QUERY, so a typo is not mistaken
 * for absence.
 */

function requireIdentifier(field: string, value: string): void {
  if (!isIdentifier(value)) {
    throw new ExecutionError('INVALID_QUERY', `${field} ${JSON.stringify(value)} is not an identifier (1–64 of A–Z a–z 0–9 . _ @ -)`);
  }
}

export function getChainConfig(state: StateReader): ChainConfig | undefined {
  return readRecord(state, configStore, CONFIG_PATH);
}

export function getOrganization(state: StateReader, organizationId: string): Organization | undefined {
  requireIdentifier('organization id', organizationId);
  return readRecord(state, organizationStore, organizationPath(organizationId));
}

/** An account by its id ("issuance", "vault:<operator>", "wallet:<wallet>"). */
export function getAccount(state: StateReader, accountId: string): Account | undefined {
  return readRecord(state, accountStore, accountPath(accountId));
}

export interface WalletView {
  readonly wallet: Wallet;
  readonly balance: bigint;
}

export function getWallet(state: StateReader, walletId: string): WalletView | undefined {
  requireIdentifier('wallet id', walletId);
  const wallet = readRecord(state, walletStore, walletPath(walletId));
  if (wallet === undefined) return undefined;
  return { wallet, balance: getAccount(state, walletAccountId(walletId))?.balance ?? 0n };
}

export function getIssuanceRequest(state: StateReader, operatorId: string, requestId: string): IssuanceRequest | undefined {
  requireIdentifier('operator id', operatorId);
  requireIdentifier('request id', requestId);
  return readRecord(state, issuanceRequestStore, issuanceRequestPath(operatorId, requestId));
}

export interface OperatorQuotaView {
  readonly quota: bigint;
  readonly outstanding: bigint;
}

export function getOperatorQuota(state: StateReader, operatorId: string): OperatorQuotaView | undefined {
  requireIdentifier('operator id', operatorId);
  const record = readRecord(state, quotaStore, quotaPath(operatorId));
  return record === undefined ? undefined : { quota: record.quota, outstanding: record.outstanding };
}

/** The currency in circulation: minus the issuance account's balance. */
export function getMoneySupply(state: StateReader): bigint {
  return -(getAccount(state, ISSUANCE_ACCOUNT_ID)?.balance ?? 0n);
}

/** The nonce the key must sign with next, or undefined for a key unknown to the chain. */
export function getNextNonce(state: StateReader, publicKey: Uint8Array): bigint | undefined {
  return readRecord(state, signerStore, signerPath(publicKey))?.nextNonce;
}

/** A settled payment, by payer wallet and the client's payment id. */
export function getPayment(state: StateReader, payerWalletId: string, paymentId: string): PaymentRecord | undefined {
  requireIdentifier('wallet id', payerWalletId);
  requireIdentifier('payment id', paymentId);
  return readRecord(state, paymentStore, paymentPath(payerWalletId, paymentId));
}
