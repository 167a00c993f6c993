/**
 * Builders for every currency command (the `Command` oneof of
 * proto/tongbao/v1/transaction.proto). Each checks its parameters — identifiers, amounts
 * in bigint fen, tiers — and returns the protobuf Command to sign; nothing is sent.
 * Who may sign which command is the chain's rule: the central bank (quotas, issuance
 * decisions), an operator (issuance requests, redemption, wallets, distribution), a
 * wallet owner (collect, pay), the regulator (freeze, unfreeze).
 */
import {
  ApproveIssuanceSchema,
  CloseWalletSchema,
  CollectSchema,
  CommandSchema,
  DistributeSchema,
  FreezeWalletSchema,
  OpenWalletSchema,
  PaySchema,
  RedeemSchema,
  RejectIssuanceSchema,
  RequestIssuanceSchema,
  SetBankLinkSchema,
  SetQuotaSchema,
  SetWalletTierSchema,
  UnfreezeWalletSchema,
  WalletKind,
  create,
  type Command,
} from '@tongbao/protocol/portable';
import { InvalidParameterError } from '../errors.js';
import {
  checkAmount,
  checkIdentifier,
  checkOptionalIdentifier,
  checkText,
  checkTier,
  checkU64,
  toBytes,
  toOptionalBytes,
} from '../utils/validate.js';

/** Every command kind the SDK can build, as named in the Command oneof. */
export type CommandKind = NonNullable<Command['kind']['case']>;

/** An amount of fen; build one from yuan with yuan('12.50'). */
export type Fen = bigint;

export interface SetQuotaParameters {
  readonly operatorId: string;
  /** Maximum outstanding issuance, fen (0 stops further issuance). */
  readonly quota: Fen;
}
/**
 * Central bank: sets an operator's quota.
 * @example
 * setQuotaCommand({ operatorId: 'icbc', quota: yuan('1000000') })
 */
export function setQuotaCommand(parameters: SetQuotaParameters): Command {
  const value = create(SetQuotaSchema, {
    operatorId: checkIdentifier('operatorId', parameters.operatorId),
    quota: checkU64('quota', parameters.quota),
  });
  return create(CommandSchema, { kind: { case: 'setQuota', value } });
}

export interface RequestIssuanceParameters {
  /** Chosen by the operator, unique among its requests. */
  readonly requestId: string;
  readonly amount: Fen;
  /** The reserve held at the central bank that backs the request. */
  readonly reserveReference: string;
}
/**
 * Operator: asks for issuance against reserves.
 * @example
 * requestIssuanceCommand({ requestId: 'r-2024-001', amount: yuan('500000'), reserveReference: 'RRR-77' })
 */
export function requestIssuanceCommand(parameters: RequestIssuanceParameters): Command {
  const value = create(RequestIssuanceSchema, {
    requestId: checkIdentifier('requestId', parameters.requestId),
    amount: checkAmount('amount', parameters.amount),
    reserveReference: checkText('reserveReference', parameters.reserveReference, true),
  });
  return create(CommandSchema, { kind: { case: 'requestIssuance', value } });
}

export interface ApproveIssuanceParameters {
  readonly operatorId: string;
  readonly requestId: string;
}
/**
 * Central bank: approves a pending issuance request.
 * @example
 * approveIssuanceCommand({ operatorId: 'icbc', requestId: 'r-2024-001' })
 */
export function approveIssuanceCommand(parameters: ApproveIssuanceParameters): Command {
  const value = create(ApproveIssuanceSchema, {
    operatorId: checkIdentifier('operatorId', parameters.operatorId),
    requestId: checkIdentifier('requestId', parameters.requestId),
  });
  return create(CommandSchema, { kind: { case: 'approveIssuance', value } });
}

export interface RejectIssuanceParameters {
  readonly operatorId: string;
  readonly requestId: string;
  readonly reason: string;
}
/**
 * Central bank: declines a pending issuance request.
 * @example
 * rejectIssuanceCommand({ operatorId: 'icbc', requestId: 'r-2024-001', reason: 'reserve not found' })
 */
export function rejectIssuanceCommand(parameters: RejectIssuanceParameters): Command {
  const value = create(RejectIssuanceSchema, {
    operatorId: checkIdentifier('operatorId', parameters.operatorId),
    requestId: checkIdentifier('requestId', parameters.requestId),
    reason: checkText('reason', parameters.reason, true),
  });
  return create(CommandSchema, { kind: { case: 'rejectIssuance', value } });
}

export interface RedeemParameters {
  readonly amount: Fen;
  readonly reserveReference: string;
}
/**
 * Operator: returns currency from its vault to the central bank.
 * @example
 * redeemCommand({ amount: yuan('1000'), reserveReference: 'RRR-77' })
 */
export function redeemCommand(parameters: RedeemParameters): Command {
  const value = create(RedeemSchema, {
    amount: checkAmount('amount', parameters.amount),
    reserveReference: checkText('reserveReference', parameters.reserveReference, true),
  });
  return create(CommandSchema, { kind: { case: 'redeem', value } });
}

export interface OpenWalletParameters {
  readonly walletId: string;
  /** The owner's public key in the chain's suite: bytes, or hex. */
  readonly ownerPublicKey: Uint8Array | string;
  /** KYC tier: 1 (in person, strong) .. 4 (anonymous). */
  readonly tier: 1 | 2 | 3 | 4;
  /** 'personal' (default) or 'merchant'. */
  readonly kind?: 'personal' | 'merchant';
  readonly bankAccountLinked?: boolean;
  /** The operator's customer reference encrypted to the regulator's key. */
  readonly identityEscrow?: Uint8Array | string;
  /** For a merchant's sub-wallet, the merchant wallet it belongs to. */
  readonly parentWalletId?: string;
}
/**
 * Operator: opens a wallet for a public key.
 * @example
 * openWalletCommand({ walletId: 'alice', ownerPublicKey: alice.publicKey, tier: 2, bankAccountLinked: true })
 */
export function openWalletCommand(parameters: OpenWalletParameters): Command {
  const kind = parameters.kind ?? 'personal';
  if (kind !== 'personal' && kind !== 'merchant') {
    throw new InvalidParameterError(`kind must be 'personal' or 'merchant', got ${JSON.stringify(kind)}`);
  }
  const ownerPublicKey = toBytes('ownerPublicKey', parameters.ownerPublicKey, 256);
  if (ownerPublicKey.length === 0) throw new InvalidParameterError('ownerPublicKey must not be empty');
  const value = create(OpenWalletSchema, {
    walletId: checkIdentifier('walletId', parameters.walletId),
    ownerPublicKey,
    tier: checkTier('tier', parameters.tier),
    kind: kind === 'merchant' ? WalletKind.MERCHANT : WalletKind.PERSONAL,
    bankAccountLinked: checkBoolean('bankAccountLinked', parameters.bankAccountLinked),
    identityEscrow: toOptionalBytes('identityEscrow', parameters.identityEscrow),
    parentWalletId: checkOptionalIdentifier('parentWalletId', parameters.parentWalletId),
  });
  return create(CommandSchema, { kind: { case: 'openWallet', value } });
}

export interface SetWalletTierParameters {
  readonly walletId: string;
  readonly tier: 1 | 2 | 3 | 4;
}
/**
 * Operator: upgrades or downgrades a wallet's tier.
 * @example
 * setWalletTierCommand({ walletId: 'alice', tier: 1 })
 */
export function setWalletTierCommand(parameters: SetWalletTierParameters): Command {
  const value = create(SetWalletTierSchema, {
    walletId: checkIdentifier('walletId', parameters.walletId),
    tier: checkTier('tier', parameters.tier),
  });
  return create(CommandSchema, { kind: { case: 'setWalletTier', value } });
}

export interface SetBankLinkParameters {
  readonly walletId: string;
  readonly linked: boolean;
}
/**
 * Operator: links or unlinks the wallet's bank account.
 * @example
 * setBankLinkCommand({ walletId: 'alice', linked: true })
 */
export function setBankLinkCommand(parameters: SetBankLinkParameters): Command {
  const value = create(SetBankLinkSchema, {
    walletId: checkIdentifier('walletId', parameters.walletId),
    linked: checkBoolean('linked', parameters.linked, true),
  });
  return create(CommandSchema, { kind: { case: 'setBankLink', value } });
}

export interface CloseWalletParameters {
  readonly walletId: string;
}
/**
 * Operator: closes a wallet, sweeping its balance to the operator's vault.
 * @example
 * closeWalletCommand({ walletId: 'alice' })
 */
export function closeWalletCommand(parameters: CloseWalletParameters): Command {
  const value = create(CloseWalletSchema, { walletId: checkIdentifier('walletId', parameters.walletId) });
  return create(CommandSchema, { kind: { case: 'closeWallet', value } });
}

export interface DistributeParameters {
  readonly walletId: string;
  readonly amount: Fen;
}
/**
 * Operator: moves currency from its vault to a customer's wallet.
 * @example
 * distributeCommand({ walletId: 'alice', amount: yuan('200') })
 */
export function distributeCommand(parameters: DistributeParameters): Command {
  const value = create(DistributeSchema, {
    walletId: checkIdentifier('walletId', parameters.walletId),
    amount: checkAmount('amount', parameters.amount),
  });
  return create(CommandSchema, { kind: { case: 'distribute', value } });
}

export interface CollectParameters {
  readonly walletId: string;
  readonly amount: Fen;
}
/**
 * Wallet owner: returns currency to the operator's vault (exchange for deposits).
 * @example
 * collectCommand({ walletId: 'alice', amount: yuan('50') })
 */
export function collectCommand(parameters: CollectParameters): Command {
  const value = create(CollectSchema, {
    walletId: checkIdentifier('walletId', parameters.walletId),
    amount: checkAmount('amount', parameters.amount),
  });
  return create(CommandSchema, { kind: { case: 'collect', value } });
}

export interface PayParameters {
  /** Chosen by the client, unique per payer wallet: a retry with the same id can never pay twice. */
  readonly paymentId: string;
  readonly fromWalletId: string;
  readonly toWalletId: string;
  readonly amount: Fen;
  /** Encrypted to the parties, their operators and the regulator; opaque to the ledger. */
  readonly memo?: Uint8Array | string;
}
/**
 * Wallet owner: pays another wallet.
 * @example
 * payCommand({ paymentId: 'p-0001', fromWalletId: 'alice', toWalletId: 'shop-1', amount: yuan('12.50') })
 */
export function payCommand(parameters: PayParameters): Command {
  const value = create(PaySchema, {
    paymentId: checkIdentifier('paymentId', parameters.paymentId),
    fromWalletId: checkIdentifier('fromWalletId', parameters.fromWalletId),
    toWalletId: checkIdentifier('toWalletId', parameters.toWalletId),
    amount: checkAmount('amount', parameters.amount),
    memo: toOptionalBytes('memo', parameters.memo),
  });
  return create(CommandSchema, { kind: { case: 'pay', value } });
}

export interface FreezeWalletParameters {
  readonly walletId: string;
  /** The legal order behind the freeze, recorded on chain. */
  readonly legalBasis: string;
}
/**
 * Regulator: no debits from the wallet until unfrozen.
 * @example
 * freezeWalletCommand({ walletId: 'mule-7', legalBasis: 'court order 2024-123' })
 */
export function freezeWalletCommand(parameters: FreezeWalletParameters): Command {
  const value = create(FreezeWalletSchema, {
    walletId: checkIdentifier('walletId', parameters.walletId),
    legalBasis: checkText('legalBasis', parameters.legalBasis, true),
  });
  return create(CommandSchema, { kind: { case: 'freezeWallet', value } });
}

export interface UnfreezeWalletParameters {
  readonly walletId: string;
  readonly legalBasis: string;
}
/**
 * Regulator: lifts a freeze.
 * @example
 * unfreezeWalletCommand({ walletId: 'mule-7', legalBasis: 'court order 2024-140' })
 */
export function unfreezeWalletCommand(parameters: UnfreezeWalletParameters): Command {
  const value = create(UnfreezeWalletSchema, {
    walletId: checkIdentifier('walletId', parameters.walletId),
    legalBasis: checkText('legalBasis', parameters.legalBasis, true),
  });
  return create(CommandSchema, { kind: { case: 'unfreezeWallet', value } });
}

function checkBoolean(name: string, value: unknown, required = false): boolean {
  if (value === undefined && !required) return false;
  if (typeof value !== 'boolean') throw new InvalidParameterError(`${name} must be a boolean, got ${typeof value}`);
  return value;
}
