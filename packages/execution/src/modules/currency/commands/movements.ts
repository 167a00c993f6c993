import {
  assert,
  TransferKind,
  type Collect,
  type Distribute,
  type Pay,
  type Wallet,
} from '@tongbao/protocol';
import { largeValuePaymentEvent } from '../../../codec/receipt.js';
import { formatYuan } from '../../../format.js';
import { paymentPath, vaultAccountId, walletAccountId, walletPath } from '../../../keys.js';
import { reject, type Rejection } from '../../../result-codes.js';
import type { RecordReader } from '../../../state-overlay.js';
import { isRejection, type CommandContext, type CommandHandler } from '../../context.js';
import { balanceOf, loadAccount, requestBankCredit, transfer } from '../ledger.js';
import { memoBytesMax, tierLimits, U64_MAX } from '../limits.js';
import { paymentStore, walletStore } from '../store.js';
import { checkAmount, checkBytes, checkIdentifier, firstRejection } from '../validate.js';
import { frozen, operatorsWallet, requireOpen } from './wallets.js';

/**
 * Money moving between operators and wallets, and between wallets. Each command loads
 * the few records it needs once (the block caches them decoded), checks every rule,
 * and only then moves money, so a rejection leaves nothing half done.
 */

/** The payee-side cap: how far `amount` would take `wallet` above its tier's balance cap (0 if not). */
function excessOverCap(ctx: CommandContext, wallet: Wallet, balance: bigint, amount: bigint): { excess: bigint; cap: bigint } {
  const cap = tierLimits(ctx.config.currency!, wallet.tier).balanceCap;
  if (cap === 0n) return { excess: 0n, cap };
  const after = balance + amount;
  if (after <= cap) return { excess: 0n, cap };
  // A wallet already above a lowered cap keeps what it has; the whole credit is excess.
  return { excess: after - cap < amount ? after - cap : amount, cap };
}

/** Enter: the operator hands currency from its vault to its own customer's wallet. */
export const distribute: CommandHandler<Distribute> = {
  authority: 'operator',
  verify: (command) => firstRejection(checkIdentifier('wallet_id', command.walletId), checkAmount('amount', command.amount)),
  execute(ctx, command) {
    const wallet = operatorsWallet(ctx, command.walletId);
    if (isRejection(wallet)) return wallet;
    const closed = requireOpen(wallet);
    if (closed !== undefined) return closed;
    const accountId = walletAccountId(wallet.id);
    const balance = balanceOf(ctx.state, accountId);
    // No sweep here: the operator would be sweeping its own distribution straight back.
    const { excess, cap } = excessOverCap(ctx, wallet, balance, command.amount);
    if (excess > 0n) {
      return reject(
        'BALANCE_CAP',
        `distributing ${formatYuan(command.amount)} would take wallet "${wallet.id}" to ${formatYuan(balance + command.amount)}, above the tier-${wallet.tier} balance cap of ${formatYuan(cap)}`,
      );
    }
    return transfer(ctx, TransferKind.DISTRIBUTE, vaultAccountId(wallet.operatorId), accountId, command.amount);
  },
};

/** The wallet named by an owner command; authorization has already checked it exists and is the sender's. */
function ownedWallet(state: RecordReader, walletId: string): Wallet {
  const wallet = state.get(walletStore, walletPath(walletId));
  assert(wallet !== undefined, 'owner commands are authorized before execution');
  return wallet;
}

/** Enter: the owner exchanges wallet currency back for a deposit at its operator. */
export const collect: CommandHandler<Collect> = {
  authority: 'wallet-owner',
  ownedWalletId: (command) => command.walletId,
  verify: (command) => firstRejection(checkIdentifier('wallet_id', command.walletId), checkAmount('amount', command.amount)),
  execute(ctx, command) {
    const wallet = ownedWallet(ctx.state, command.walletId);
    const closed = requireOpen(wallet);
    if (closed !== undefined) return closed;
    if (wallet.frozen) return frozen(wallet);
    const moved = transfer(ctx, TransferKind.COLLECT, walletAccountId(wallet.id), vaultAccountId(wallet.operatorId), command.amount);
    if (moved !== undefined) return moved;
    requestBankCredit(ctx, wallet.operatorId, wallet.id, command.amount, TransferKind.COLLECT);
    return undefined;
  },
};

function paymentIdUsed(state: RecordReader, command: Pay, path = paymentPath(command.fromWalletId, command.paymentId)): Rejection | undefined {
  if (state.get(paymentStore, path) === undefined) return undefined;
  return reject(
    'PAYMENT_ID_USED',
    `wallet "${command.fromWalletId}" already made payment "${command.paymentId}"; a retry never pays twice — use a new payment id for a new payment`,
  );
}

/** Enter: the payer wallet's owner pays another wallet, within the payer's tier limits. */
export const pay: CommandHandler<Pay> = {
  authority: 'wallet-owner',
  ownedWalletId: (command) => command.fromWalletId,
  verify: (command) =>
    firstRejection(
      checkIdentifier('payment_id', command.paymentId),
      checkIdentifier('from_wallet_id', command.fromWalletId),
      checkIdentifier('to_wallet_id', command.toWalletId),
      checkAmount('amount', command.amount),
      checkBytes('memo', command.memo, memoBytesMax),
      command.fromWalletId === command.toWalletId
        ? reject('SAME_WALLET', `wallet "${command.fromWalletId}" cannot pay itself`)
        : undefined,
    ),
  // The mempool turns away retries of a settled payment at once: that can never change.
  check: (state, command) => paymentIdUsed(state, command),
  execute(ctx, command) {
    const amount = command.amount;
    // A settled id wins over every other answer, so a client's retry learns it already paid.
    const recordPath = paymentPath(command.fromWalletId, command.paymentId);
    const used = paymentIdUsed(ctx.state, command, recordPath);
    if (used !== undefined) return used;

    const payer = ownedWallet(ctx.state, command.fromWalletId);
    const payerClosed = requireOpen(payer);
    if (payerClosed !== undefined) return payerClosed;
    if (payer.frozen) return frozen(payer);
    const payee = ctx.state.get(walletStore, walletPath(command.toWalletId));
    if (payee === undefined) return reject('UNKNOWN_WALLET', `there is no wallet "${command.toWalletId}" to pay`);
    const payeeClosed = requireOpen(payee);
    if (payeeClosed !== undefined) return payeeClosed;

    const params = ctx.config.currency!;
    const limits = tierLimits(params, payer.tier);
    if (limits.perPayment !== 0n && amount > limits.perPayment) {
      return reject(
        'LIMIT_PER_PAYMENT',
        `payment of ${formatYuan(amount)} exceeds the tier-${payer.tier} per-payment limit of ${formatYuan(limits.perPayment)}`,
      );
    }
    const payerAccountId = walletAccountId(payer.id);
    const payerAccount = loadAccount(ctx.state, payerAccountId)!;
    const paidToday = payerAccount.outgoingDay === ctx.day ? payerAccount.outgoingOnDay : 0n;
    const paidTodayAfter = paidToday + amount > U64_MAX ? U64_MAX : paidToday + amount;
    if (limits.perDay !== 0n && paidTodayAfter > limits.perDay) {
      return reject(
        'LIMIT_PER_DAY',
        `payment of ${formatYuan(amount)} would take today's payments from wallet "${payer.id}" to ${formatYuan(paidTodayAfter)}, above the tier-${payer.tier} daily limit of ${formatYuan(limits.perDay)}`,
      );
    }
    if (payerAccount.balance < amount) {
      return reject('INSUFFICIENT_FUNDS', `wallet "${payer.id}" holds ${formatYuan(payerAccount.balance)}, less than the payment of ${formatYuan(amount)}`);
    }
    const payeeAccountId = walletAccountId(payee.id);
    const payeeBalance = balanceOf(ctx.state, payeeAccountId);
    const { excess, cap } = excessOverCap(ctx, payee, payeeBalance, amount);
    // The sweep debits the payee, so a frozen payee cannot sweep: over its cap it is
    // treated like an unlinked one.
    if (excess > 0n && (!payee.bankAccountLinked || payee.frozen)) {
      return reject(
        'BALANCE_CAP',
        `payment of ${formatYuan(amount)} would take wallet "${payee.id}" to ${formatYuan(payeeBalance + amount)}, above its tier-${payee.tier} balance cap of ${formatYuan(cap)}, and it has no linked bank account to take the excess`,
      );
    }

    const paid = transfer(ctx, TransferKind.PAY, payerAccountId, payeeAccountId, amount, { outgoingDay: ctx.day, outgoingOnDay: paidTodayAfter });
    if (paid !== undefined) return paid;
    if (excess > 0n) {
      const swept = transfer(ctx, TransferKind.SWEEP, payeeAccountId, vaultAccountId(payee.operatorId), excess);
      if (swept !== undefined) return swept;
      requestBankCredit(ctx, payee.operatorId, payee.id, excess, TransferKind.SWEEP);
    }
    // payer.id is command.fromWalletId (authorization loaded the wallet by that id).
    ctx.state.set(
      paymentStore,
      recordPath,
      { $typeName: 'tongbao.v1.PaymentRecord', toWalletId: payee.id, amount, height: ctx.block.height },
    );
    const threshold = params.largeValueThreshold;
    if (threshold !== 0n && amount >= threshold) {
      ctx.events.push(largeValuePaymentEvent(command.paymentId, payer.id, payee.id, amount));
    }
    return undefined;
  },
};
