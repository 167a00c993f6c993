import { Role, type Organization } from '@tongbao/protocol';
import { walletPath } from '../../keys.js';
import { reject, type Rejection } from '../../result-codes.js';
import type { RecordReader } from '../../state-overlay.js';
import type { Authority, CommandHandler } from '../context.js';
import { isOwner } from '../currency/commands/wallets.js';
import { walletStore } from '../currency/store.js';
import { isValidatorKey } from './store.js';

const ROLE_OF: Readonly<Record<Exclude<Authority, 'wallet-owner' | 'consortium-member'>, Role>> = {
  'central-bank': Role.CENTRAL_BANK,
  operator: Role.OPERATOR,
  regulator: Role.REGULATOR,
};

const AUTHORITY_NAME: Readonly<Record<Authority, string>> = {
  'central-bank': 'the central bank',
  operator: 'an operator',
  regulator: 'the regulator',
  'wallet-owner': "the wallet's owner",
  'consortium-member': "an organization's key or a validator's key",
};

function describeSender(organization: Organization | undefined, sender: Uint8Array, state: RecordReader): string {
  if (organization === undefined) return isValidatorKey(state, sender) ? "a validator's key" : 'a wallet owner key';
  return `organization "${organization.id}" (${Role[organization.role]?.toLowerCase().replace('_', ' ') ?? 'unknown role'})`;
}

/**
 * Whether the sender may issue this command at all: its organization's role, for
 * wallet-owner commands its ownership of the named wallet, for consortium-member commands
 * its being an organization's or a validator's key. The same check runs in the
 * mempool and in the block, against the state each sees. Finer rules (an operator
 * touches only its own customers' wallets) belong to the command's execute.
 */
export function authorize<C>(
  handler: CommandHandler<C>,
  commandName: string,
  command: C,
  sender: Uint8Array,
  organization: Organization | undefined,
  state: RecordReader,
): Rejection | undefined {
  if (handler.authority === 'wallet-owner') {
    const walletId = handler.ownedWalletId!(command);
    const wallet = state.get(walletStore, walletPath(walletId));
    if (wallet === undefined) return reject('UNKNOWN_WALLET', `there is no wallet "${walletId}"`);
    if (!isOwner(wallet, sender)) {
      return reject('UNAUTHORIZED', `${commandName} from wallet "${walletId}" may be signed only by its owner's key`);
    }
    return undefined;
  }
  if (handler.authority === 'consortium-member') {
    if (organization !== undefined || isValidatorKey(state, sender)) return undefined;
  } else if (organization?.role === ROLE_OF[handler.authority]) {
    return undefined;
  }
  return reject(
    'UNAUTHORIZED',
    `${commandName} may be signed only by ${AUTHORITY_NAME[handler.authority]}; the sender is ${describeSender(organization, sender, state)}`,
  );
}
