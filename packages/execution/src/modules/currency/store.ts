import {
  AccountSchema,
  decodeCanonical,
  encode,
  IssuanceRequestSchema,
  OperatorQuotaSchema,
  PaymentRecordSchema,
  WalletSchema,
  type Account,
  type IssuanceRequest,
  type OperatorQuota,
  type PaymentRecord,
  type Wallet,
} from '@tongbao/protocol';
import type { RecordStore } from '../../state-overlay.js';

/** Upper bounds on stored values: a larger value can only be damage, never data. */
const ACCOUNT_VALUE_BYTES_MAX = 256;
const WALLET_VALUE_BYTES_MAX = 4 * 1024;
const ISSUANCE_REQUEST_VALUE_BYTES_MAX = 1024;
const QUOTA_VALUE_BYTES_MAX = 256;
const PAYMENT_VALUE_BYTES_MAX = 256;

export const accountStore: RecordStore<Account> = {
  name: 'Account',
  encode: (value) => encode(AccountSchema, value),
  decode: (bytes) => decodeCanonical(AccountSchema, bytes, ACCOUNT_VALUE_BYTES_MAX),
};

export const walletStore: RecordStore<Wallet> = {
  name: 'Wallet',
  encode: (value) => encode(WalletSchema, value),
  decode: (bytes) => decodeCanonical(WalletSchema, bytes, WALLET_VALUE_BYTES_MAX),
};

export const issuanceRequestStore: RecordStore<IssuanceRequest> = {
  name: 'IssuanceRequest',
  encode: (value) => encode(IssuanceRequestSchema, value),
  decode: (bytes) => decodeCanonical(IssuanceRequestSchema, bytes, ISSUANCE_REQUEST_VALUE_BYTES_MAX),
};

export const quotaStore: RecordStore<OperatorQuota> = {
  name: 'OperatorQuota',
  encode: (value) => encode(OperatorQuotaSchema, value),
  decode: (bytes) => decodeCanonical(OperatorQuotaSchema, bytes, QUOTA_VALUE_BYTES_MAX),
};

export const paymentStore: RecordStore<PaymentRecord> = {
  name: 'PaymentRecord',
  encode: (value) => encode(PaymentRecordSchema, value),
  decode: (bytes) => decodeCanonical(PaymentRecordSchema, bytes, PAYMENT_VALUE_BYTES_MAX),
};

/** Decodes an account record as enumerated from storage (auditing). */
export function decodeAccount(value: Uint8Array): Account {
  return accountStore.decode(value);
}
