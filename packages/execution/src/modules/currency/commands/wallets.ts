import {
  AccountKind,
  create,
  SignerSchema,
  TransferKind,
  WalletKind,
  WalletSchema,
  WalletStatus,
  equalBytes,
  type CloseWallet,
  type FreezeWallet,
  type OpenWallet,
  type SetBankLink,
  type SetWalletTier,
  type UnfreezeWallet,
  type Wallet,
} from '@tongbao/protocol';
import { accountPath, signerPath, walletAccountId, walletPath, vaultAccountId } from '../../../keys.js';
import { reject, type Rejection } from '../../../result-codes.js';
import { isRejection, signingOrganization, type CommandContext, type CommandHandler } from '../../context.js';
import { signerStore } from '../../governance/store.js';
import { balanceOf, newAccount, requestBankCredit, transfer } from '../ledger.js';
import { identityEscrowBytesMax, legalBasisBytesMax } from '../limits.js';
import { accountStore, walletStore } from '../store.js';
import { checkBytes, checkIdentifier, checkText, checkTier, firstRejection } from '../validate.js';

/**
 * The wallet's life: opened by an operator for an owner key, its terms changed only by
 * that operator, frozen and unfrozen only by the regulator, closed for good by its
 * operator (the id stays taken so it can never be reused to confuse a history).
 */

/** The wallet named by an operator command, if it is that operator's customer's. */
export function operatorsWallet(ctx: CommandContext, walletId: string): Wallet | Rejection {
  const wallet = ctx.state.get(walletStore, walletPath(walletId));
  if (wallet === undefined) return reject('UNKNOWN_WALLET', `there is no wallet "${walletId}"`);
  const operatorId = signingOrganization(ctx).id;
  if (wallet.operatorId !== operatorId) {
    return reject('UNAUTHORIZED', `wallet "${walletId}" is a customer of ${wallet.operatorId}; only its own operator may change it, not ${operatorId}`);
  }
  return wallet;
}

/** The wallet unless it is closed. */
export function requireOpen(wallet: Wallet): Rejection | undefined {
  if (wallet.status === WalletStatus.OPEN) return undefined;
  return reject('WALLET_CLOSED', `wallet "${wallet.id}" was closed at height ${wallet.closedHeight}`);
}

function openOperatorsWallet(ctx: CommandContext, walletId: string): Wallet | Rejection {
  const wallet = operatorsWallet(ctx, walletId);
  if (isRejection(wallet)) return wallet;
  return requireOpen(wallet) ?? wallet;
}

/** Enter: an operator opens a wallet for an owner key after its identity check. */
export const openWallet: CommandHandler<OpenWallet> = {
  authority: 'operator',
  verify: (command) =>
    firstRejection(
      checkIdentifier('wallet_id', command.walletId),
      command.ownerPublicKey.length === 0 ? reject('MALFORMED_COMMAND', 'owner_public_key is required') : undefined,
      checkTier(command.tier),
      command.kind === WalletKind.PERSONAL || command.kind === WalletKind.MERCHANT
        ? undefined
        : reject('MALFORMED_COMMAND', `kind must be PERSONAL (1) or MERCHANT (2), got ${command.kind}`),
      checkBytes('identity_escrow', command.identityEscrow, identityEscrowBytesMax),
      command.parentWalletId === '' ? undefined : checkIdentifier('parent_wallet_id', command.parentWalletId),
      command.parentWalletId === command.walletId ? reject('PARENT_WALLET_INVALID', 'a wallet cannot be its own parent') : undefined,
    ),
  execute(ctx, command) {
    const operatorId = signingOrganization(ctx).id;
    if (command.ownerPublicKey.length !== ctx.config.publicKeyBytes) {
      return reject(
        'MALFORMED_COMMAND',
        `owner_public_key is ${command.ownerPublicKey.length} bytes; a public key of this chain's suite is ${ctx.config.publicKeyBytes} bytes`,
      );
    }
    const path = walletPath(command.walletId);
    const existing = ctx.state.get(walletStore, path);
    if (existing !== undefined) {
      return reject('WALLET_ID_TAKEN', `wallet id "${command.walletId}" is already taken (wallet ids are unique on the chain forever)`);
    }
    if (command.parentWalletId !== '') {
      const parent = ctx.state.get(walletStore, walletPath(command.parentWalletId));
      const problem =
        parent === undefined
          ? 'does not exist'
          : parent.operatorId !== operatorId
            ? `belongs to operator ${parent.operatorId}`
            : parent.kind !== WalletKind.MERCHANT
              ? 'is not a merchant wallet'
              : parent.status !== WalletStatus.OPEN
                ? 'is closed'
                : command.kind !== WalletKind.MERCHANT
                  ? 'can only have merchant sub-wallets'
                  : undefined;
      if (problem !== undefined) {
        return reject('PARENT_WALLET_INVALID', `parent wallet "${command.parentWalletId}" ${problem}; a sub-wallet's parent must be an open merchant wallet of the same operator`);
      }
    }
    ctx.state.set(
      walletStore,
      path,
      create(WalletSchema, {
        id: command.walletId,
        operatorId,
        ownerPublicKey: command.ownerPublicKey,
        tier: command.tier,
        kind: command.kind,
        bankAccountLinked: command.bankAccountLinked,
        identityEscrow: command.identityEscrow,
        parentWalletId: command.parentWalletId,
        status: WalletStatus.OPEN,
        openedHeight: ctx.block.height,
      }),
    );
    const accountId = walletAccountId(command.walletId);
    const accountKind = command.kind === WalletKind.MERCHANT ? AccountKind.MERCHANT : AccountKind.WALLET;
    ctx.state.set(accountStore, accountPath(accountId), newAccount(accountId, accountKind, operatorId));
    // A person may hold several wallets under one key: the signer (and its nonce) is per key.
    const signer = signerPath(command.ownerPublicKey);
    if (ctx.state.get(signerStore, signer) === undefined) ctx.state.set(signerStore, signer, create(SignerSchema, {}));
    return undefined;
  },
};

/** Enter: the operator re-assesses the holder's identity. A lower cap binds future credits only. */
export const setWalletTier: CommandHandler<SetWalletTier> = {
  authority: 'operator',
  verify: (command) => firstRejection(checkIdentifier('wallet_id', command.walletId), checkTier(command.tier)),
  execute(ctx, command) {
    const wallet = openOperatorsWallet(ctx, command.walletId);
    if (isRejection(wallet)) return wallet;
    ctx.state.set(walletStore, walletPath(wallet.id), { ...wallet, tier: command.tier });
    return undefined;
  },
};

/** Enter: the operator links or unlinks the holder's bank account (which enables sweeps). */
export const setBankLink: CommandHandler<SetBankLink> = {
  authority: 'operator',
  verify: (command) => checkIdentifier('wallet_id', command.walletId),
  execute(ctx, command) {
    const wallet = openOperatorsWallet(ctx, command.walletId);
    if (isRejection(wallet)) return wallet;
    ctx.state.set(walletStore, walletPath(wallet.id), { ...wallet, bankAccountLinked: command.linked });
    return undefined;
  },
};

/** Enter: the operator closes a wallet; its balance goes to the operator's vault. */
export const closeWallet: CommandHandler<CloseWallet> = {
  authority: 'operator',
  verify: (command) => checkIdentifier('wallet_id', command.walletId),
  execute(ctx, command) {
    const wallet = openOperatorsWallet(ctx, command.walletId);
    if (isRejection(wallet)) return wallet;
    // Closing sweeps the balance out: a debit, which a freeze forbids.
    if (wallet.frozen) return frozen(wallet);
    const accountId = walletAccountId(wallet.id);
    const balance = balanceOf(ctx.state, accountId);
    if (balance > 0n) {
      const moved = transfer(ctx, TransferKind.CLOSE, accountId, vaultAccountId(wallet.operatorId), balance);
      if (moved !== undefined) return moved;
      requestBankCredit(ctx, wallet.operatorId, wallet.id, balance, TransferKind.CLOSE);
    }
    ctx.state.set(walletStore, walletPath(wallet.id), { ...wallet, status: WalletStatus.CLOSED, closedHeight: ctx.block.height });
    return undefined;
  },
};

export function frozen(wallet: Wallet): Rejection {
  return reject('WALLET_FROZEN', `wallet "${wallet.id}" is frozen by the regulator (legal basis: ${wallet.legalBasis}); it cannot be debited`);
}

function regulatedWallet(ctx: CommandContext, walletId: string): Wallet | Rejection {
  const wallet = ctx.state.get(walletStore, walletPath(walletId));
  if (wallet === undefined) return reject('UNKNOWN_WALLET', `there is no wallet "${walletId}"`);
  return requireOpen(wallet) ?? wallet;
}

/** Enter: the regulator, under a recorded legal order, stops all debits of a wallet. */
export const freezeWallet: CommandHandler<FreezeWallet> = {
  authority: 'regulator',
  verify: (command) => firstRejection(checkIdentifier('wallet_id', command.walletId), checkText('legal_basis', command.legalBasis, legalBasisBytesMax, true)),
  execute(ctx, command) {
    const wallet = regulatedWallet(ctx, command.walletId);
    if (isRejection(wallet)) return wallet;
    if (wallet.frozen) return reject('WALLET_ALREADY_FROZEN', `wallet "${wallet.id}" is already frozen (legal basis: ${wallet.legalBasis})`);
    ctx.state.set(walletStore, walletPath(wallet.id), { ...wallet, frozen: true, legalBasis: command.legalBasis });
    return undefined;
  },
};

/** Enter: the regulator lifts a freeze, recording why. */
export const unfreezeWallet: CommandHandler<UnfreezeWallet> = {
  authority: 'regulator',
  verify: (command) => firstRejection(checkIdentifier('wallet_id', command.walletId), checkText('legal_basis', command.legalBasis, legalBasisBytesMax, true)),
  execute(ctx, command) {
    const wallet = regulatedWallet(ctx, command.walletId);
    if (isRejection(wallet)) return wallet;
    if (!wallet.frozen) return reject('WALLET_NOT_FROZEN', `wallet "${wallet.id}" is not frozen`);
    ctx.state.set(walletStore, walletPath(wallet.id), { ...wallet, frozen: false, legalBasis: command.legalBasis });
    return undefined;
  },
};

/** Whether `publicKey` owns the wallet. */
export function isOwner(wallet: Wallet, publicKey: Uint8Array): boolean {
  return equalBytes(wallet.ownerPublicKey, publicKey);
}
