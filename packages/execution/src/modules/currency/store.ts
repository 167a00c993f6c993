import {
  decodeCanonical,
  encode,
  IssuanceRequestSchema,
  OperatorQuotaSchema,
  type Account,
  type IssuanceRequest,
  type OperatorQuota,
  type PaymentRecord,
  type Wallet,
} from '@tongbao/protocol';
import {
  decodeAccountRecord,
  decodePaymentRecord,
  decodeWalletRecord,
  encodeAccount,
  encodePaymentRecord,
  encodeWallet,
} from '../../codec/records.js';
import type { RecordStore } from '../../state-overlay.js';

/** Upper bounds on stored values: a larger value can only be damage, never data. */
const ACCOUNT_VALUE_BYTES_MAX = 256;
const WALLET_VALUE_BYTES_MAX = 4 * 1024;
const ISSUANCE_REQUEST_VALUE_BYTES_MAX = 1024;
const QUOTA_VALUE_BYTES_MAX = 256;
const PAYMENT_VALUE_BYTES_MAX = 256;

// The records of every payment (Account, Wallet, PaymentRecord; Signer in governance)
// go through the hand-written codecs of codec/records.ts, byte-identical to protobuf-es;
// the cold ones through protobuf-es itself.

export const accountStore: RecordStore<Account> = {
  name: 'Account',
  encode: encodeAccount,
  decode: (bytes) => decodeAccountRecord(bytes, ACCOUNT_VALUE_BYTES_MAX),
};

export const walletStore: RecordStore<Wallet> = {
  name: 'Wallet',
  encode: encodeWallet,
  decode: (bytes) => decodeWalletRecord(bytes, WALLET_VALUE_BYTES_MAX),
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
  encode: encodePaymentRecord,
  decode: (bytes) => decodePaymentRecord(bytes, PAYMENT_VALUE_BYTES_MAX),
};

/** Decodes an account record as enumerated from storage (auditing). */
export function decodeAccount(value: Uint8Array): Account {
  return accountStore.decode(value);
}
