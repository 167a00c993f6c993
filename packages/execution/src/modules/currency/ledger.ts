import { AccountKind, assert, type Account, type TransferKind } from '@tongbao/protocol';
import { bankCreditRequestedEvent, transferEvent } from '../../codec/receipt.js';
import { accountPath } from '../../keys.js';
import { reject, type Rejection } from '../../result-codes.js';
import type { RecordReader } from '../../state-overlay.js';
import { formatYuan } from '../../format.js';
import type { CommandContext } from '../context.js';
import { accountStore } from './store.js';
import { I64_MAX, I64_MIN } from './limits.js';

export function loadAccount(state: RecordReader, accountId: string): Account | undefined {
  return state.get(accountStore, accountPath(accountId));
}

/** The balance of an account, 0 for one never written. */
export function balanceOf(state: RecordReader, accountId: string): bigint {
  return loadAccount(state, accountId)?.balance ?? 0n;
}

/** What a payment changes on the debited account besides its balance: the day window. */
export interface OutgoingWindow {
  readonly outgoingDay: bigint;
  readonly outgoingOnDay: bigint;
}

/**
 * The one way money moves: debit `fromId`, credit `toId`, record the Transfer event.
 * Only the issuance account may go negative; no balance may leave the signed 64-bit
 * range. Both accounts must exist (callers create wallet and vault accounts when they
 * create the wallet or the operator); their absence is a bug, not a user error.
 * `window`, for payments, is written to the debited account with its new balance.
 */
export function transfer(
  ctx: CommandContext,
  kind: TransferKind,
  fromId: string,
  toId: string,
  amount: bigint,
  window?: OutgoingWindow,
): Rejection | undefined {
  const fromPath = accountPath(fromId);
  const toPath = accountPath(toId);
  const from = ctx.state.get(accountStore, fromPath);
  const to = ctx.state.get(accountStore, toPath);
  assert(from !== undefined && to !== undefined, `transfer between existing accounts, not ${fromId} → ${toId}`);
  const fromBalance = from.balance - amount;
  if (from.kind === AccountKind.ISSUANCE) {
    if (fromBalance < I64_MIN) {
      return reject('AMOUNT_OVERFLOW', `issuing ${formatYuan(amount)} would take the money supply beyond the 64-bit range`);
    }
  } else if (fromBalance < 0n) {
    return reject(
      'INSUFFICIENT_FUNDS',
      `${fromId} holds ${formatYuan(from.balance)}, less than the ${formatYuan(amount)} to move`,
    );
  }
  const toBalance = to.balance + amount;
  if (toBalance > I64_MAX) {
    return reject('AMOUNT_OVERFLOW', `crediting ${formatYuan(amount)} would take ${toId} beyond the 64-bit balance range`);
  }
  ctx.state.set(
    accountStore,
    fromPath,
    window === undefined
      ? { ...from, balance: fromBalance }
      : { ...from, balance: fromBalance, outgoingDay: window.outgoingDay, outgoingOnDay: window.outgoingOnDay },
  );
  ctx.state.set(accountStore, toPath, { ...to, balance: toBalance });
  ctx.events.push(transferEvent(kind, fromId, toId, amount));
  return undefined;
}

/** Tells the operator to credit the customer's linked bank account off-chain. */
export function requestBankCredit(ctx: CommandContext, operatorId: string, walletId: string, amount: bigint, reason: TransferKind): void {
  ctx.events.push(bankCreditRequestedEvent(operatorId, walletId, amount, reason));
}

/** A fresh account record with a zero balance. */
export function newAccount(id: string, kind: AccountKind, operatorId: string): Account {
  return { $typeName: 'tongbao.v1.Account', id, kind, balance: 0n, operatorId, outgoingDay: 0n, outgoingOnDay: 0n };
}
