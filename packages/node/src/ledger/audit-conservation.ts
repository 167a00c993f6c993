import { ACCOUNT_KEY_PREFIX, checkConservation, decodeAccount, type ConservationResult } from '@tongbao/execution';
import type { Account } from '@tongbao/protocol';
import type { Ledger } from './ledger.js';

/**
 * Checks the conservation of money over every account record of the committed state:
 * the sum of all balances is zero and the supply equals what vaults, wallets and held
 * funds hold. O(accounts): for audits and tests, not for every block.
 */
export async function auditConservation(ledger: Ledger): Promise<ConservationResult> {
  const accounts: Account[] = [];
  for await (const [, value] of ledger.store.iterateState(ACCOUNT_KEY_PREFIX)) accounts.push(decodeAccount(value));
  return checkConservation(accounts);
}
