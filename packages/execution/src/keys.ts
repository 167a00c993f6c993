import { bytesToBase64Url, bytesToHex, utf8ToBytes } from '@tongbao/protocol';

/**
 * State keys are readable ASCII paths, "<record kind>/<id>[/<id>]". Every id placed in
 * a key is an identifier of [A-Za-z0-9._@-] (checked before any key is built), so "/"
 * and ":" never occur inside an id and no two records can share a key. Keys sort as
 * bytes, so one record kind is one contiguous range — storage can enumerate or prove it.
 */

export const CONFIG_PATH = 'config';
export const ORGANIZATION_PREFIX = 'org/';
export const SIGNER_PREFIX = 'signer/';
export const ACCOUNT_PREFIX = 'account/';
export const WALLET_PREFIX = 'wallet/';
export const ISSUANCE_REQUEST_PREFIX = 'issuance-request/';
export const QUOTA_PREFIX = 'quota/';
export const PAYMENT_PREFIX = 'payment/';
export const VALIDATOR_SET_PATH = 'validators';
export const EVIDENCE_PREFIX = 'evidence/';

/** The key prefix of every account record, for auditors that enumerate all balances. */
export const ACCOUNT_KEY_PREFIX: Uint8Array = utf8ToBytes(ACCOUNT_PREFIX);

/** The central bank's issuance account: its negative balance is the money supply. */
export const ISSUANCE_ACCOUNT_ID = 'issuance';

export function vaultAccountId(operatorId: string): string {
  return `vault:${operatorId}`;
}

export function walletAccountId(walletId: string): string {
  return `wallet:${walletId}`;
}

export const organizationPath = (organizationId: string): string => ORGANIZATION_PREFIX + organizationId;
/**
 * Base64url rather than hex: an Ed25519 signer's key is then 50 bytes, not 71 — every
 * payment reads and writes its sender's record, and a key of at most 64 bytes stays
 * inside V8's heap (no malloc and later free for each copy) and hashes in one SHA-256
 * block instead of two. Its alphabet (A–Z a–z 0–9 - _) is within the ids' above.
 */
export const signerPath = (publicKey: Uint8Array): string => SIGNER_PREFIX + bytesToBase64Url(publicKey);
export const accountPath = (accountId: string): string => ACCOUNT_PREFIX + accountId;
export const walletPath = (walletId: string): string => WALLET_PREFIX + walletId;
export const issuanceRequestPath = (operatorId: string, requestId: string): string =>
  `${ISSUANCE_REQUEST_PREFIX}${operatorId}/${requestId}`;
export const quotaPath = (operatorId: string): string => QUOTA_PREFIX + operatorId;
export const paymentPath = (payerWalletId: string, paymentId: string): string => `${PAYMENT_PREFIX}${payerWalletId}/${paymentId}`;

/** The kinds of misbehaviour as they appear in evidence keys. */
export type EvidenceKindSegment = 'conflicting-votes' | 'conflicting-proposals';

/** Fixed width, so that keys of one validator sort by epoch and round numerically. */
const u64Segment = (value: bigint): string => value.toString().padStart(20, '0');

/**
 * "evidence/<hex validator key>/<epoch>/<kind>/<round>": one key per misbehaviour, so the
 * same misbehaviour — whichever two messages prove it, in whichever order — is recorded
 * once; and one validator's records are one contiguous range.
 */
export const evidencePath = (validatorPublicKey: Uint8Array, epoch: bigint, kind: EvidenceKindSegment, round: bigint): string =>
  `${EVIDENCE_PREFIX}${bytesToHex(validatorPublicKey)}/${u64Segment(epoch)}/${kind}/${u64Segment(round)}`;

/**
 * The bytes of a path (UTF-8), as storage keys it. Paths are ASCII in practice, and for
 * those the loop is about twice as fast as TextEncoder; anything else goes to it.
 */
export function stateKey(path: string): Uint8Array {
  const length = path.length;
  const key = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const code = path.charCodeAt(i);
    if (code > 0x7f) return utf8ToBytes(path);
    key[i] = code;
  }
  return key;
}

// Key builders in bytes, for callers (API, storage proofs) that ask storage directly.
export const configKey = (): Uint8Array => stateKey(CONFIG_PATH);
export const organizationKey = (organizationId: string): Uint8Array => stateKey(organizationPath(organizationId));
export const signerKey = (publicKey: Uint8Array): Uint8Array => stateKey(signerPath(publicKey));
export const accountKey = (accountId: string): Uint8Array => stateKey(accountPath(accountId));
export const walletKey = (walletId: string): Uint8Array => stateKey(walletPath(walletId));
export const walletAccountKey = (walletId: string): Uint8Array => accountKey(walletAccountId(walletId));
export const vaultAccountKey = (operatorId: string): Uint8Array => accountKey(vaultAccountId(operatorId));
export const issuanceRequestKey = (operatorId: string, requestId: string): Uint8Array =>
  stateKey(issuanceRequestPath(operatorId, requestId));
export const quotaKey = (operatorId: string): Uint8Array => stateKey(quotaPath(operatorId));
export const paymentKey = (payerWalletId: string, paymentId: string): Uint8Array => stateKey(paymentPath(payerWalletId, paymentId));
export const validatorSetKey = (): Uint8Array => stateKey(VALIDATOR_SET_PATH);
/** The prefix of every evidence record, or of one validator's records. */
export const evidenceKeyPrefix = (validatorPublicKey?: Uint8Array): Uint8Array =>
  stateKey(validatorPublicKey === undefined ? EVIDENCE_PREFIX : `${EVIDENCE_PREFIX}${bytesToHex(validatorPublicKey)}/`);
