import { AccountKind, type Account } from '@tongbao/protocol';
import { ISSUANCE_ACCOUNT_ID } from '../../keys.js';

/**
 * The conservation invariant of CURRENCY.md, checked over every account record (the
 * node enumerates them from storage under ACCOUNT_KEY_PREFIX and decodes each with
 * decodeAccount):
 *
 *   sum of all account balances = 0
 *   supply = − balance(issuance) = Σ vaults + Σ wallets + Σ held
 */

export interface ConservationFigures {
  readonly accounts: number;
  /** Sum of every balance: zero when money is conserved. */
  readonly sum: bigint;
  /** − balance(issuance). */
  readonly supply: bigint;
  readonly vaults: bigint;
  /** Personal and merchant wallets. */
  readonly wallets: bigint;
  /** Escrow, offline purses and vouchers: money set aside but not yet spent. */
  readonly held: bigint;
}

export type ConservationViolationCode =
  | 'SUM_NOT_ZERO'
  | 'SUPPLY_MISMATCH'
  | 'NEGATIVE_BALANCE'
  | 'ISSUANCE_ACCOUNT_MISSING'
  | 'DUPLICATE_ACCOUNT'
  | 'UNKNOWN_ACCOUNT_KIND';

export interface ConservationViolation {
  readonly code: ConservationViolationCode;
  readonly message: string;
  readonly accountId?: string;
}

export type ConservationResult =
  | { readonly ok: true; readonly figures: ConservationFigures }
  | { readonly ok: false; readonly figures: ConservationFigures; readonly violation: ConservationViolation };

export function checkConservation(accounts: Iterable<Account>): ConservationResult {
  const seen = new Set<string>();
  let count = 0;
  let sum = 0n;
  let issuance: bigint | undefined;
  let vaults = 0n;
  let wallets = 0n;
  let held = 0n;
  let violation: ConservationViolation | undefined;
  for (const account of accounts) {
    count++;
    sum += account.balance;
    if (seen.has(account.id)) violation ??= { code: 'DUPLICATE_ACCOUNT', message: `account ${account.id} appears twice`, accountId: account.id };
    seen.add(account.id);
    if (account.kind !== AccountKind.ISSUANCE && account.balance < 0n) {
      violation ??= { code: 'NEGATIVE_BALANCE', message: `account ${account.id} has a negative balance ${account.balance}`, accountId: account.id };
    }
    switch (account.kind) {
      case AccountKind.ISSUANCE:
        if (account.id !== ISSUANCE_ACCOUNT_ID || issuance !== undefined) {
          violation ??= { code: 'DUPLICATE_ACCOUNT', message: `account ${account.id} claims to be a second issuance account`, accountId: account.id };
        }
        issuance = (issuance ?? 0n) + account.balance;
        break;
      case AccountKind.OPERATOR_VAULT:
        vaults += account.balance;
        break;
      case AccountKind.WALLET:
      case AccountKind.MERCHANT:
        wallets += account.balance;
        break;
      case AccountKind.ESCROW:
      case AccountKind.OFFLINE_PURSE:
      case AccountKind.VOUCHER:
        held += account.balance;
        break;
      default:
        violation ??= { code: 'UNKNOWN_ACCOUNT_KIND', message: `account ${account.id} has kind ${account.kind}`, accountId: account.id };
    }
  }
  const supply = -(issuance ?? 0n);
  const figures: ConservationFigures = { accounts: count, sum, supply, vaults, wallets, held };
  if (issuance === undefined) violation ??= { code: 'ISSUANCE_ACCOUNT_MISSING', message: 'there is no issuance account' };
  if (sum !== 0n) violation ??= { code: 'SUM_NOT_ZERO', message: `balances sum to ${sum} fen, not zero` };
  if (supply !== vaults + wallets + held) {
    violation ??= {
      code: 'SUPPLY_MISMATCH',
      message: `supply ${supply} fen ≠ vaults ${vaults} + wallets ${wallets} + held ${held}`,
    };
  }
  return violation === undefined ? { ok: true, figures } : { ok: false, figures, violation };
}
