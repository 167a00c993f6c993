import { Role, type Organization } from '@tongbao/protocol';
import { walletPath } from '../../keys.js';
import { reject, type Rejection } from '../../result-codes.js';
import type { RecordReader } from '../../state-overlay.js';
import type { Authority, CommandHandler } from '../context.js';
import { isOwner } from '../currency/commands/wallets.js';
import { walletStore } from '../currency/store.js';

const ROLE_OF: Readonly<Record<Exclude<Authority, 'wallet-owner'>, Role>> = {
  'central-bank': Role.CENTRAL_BANK,
  operator: Role.OPERATOR,
  regulator: Role.REGULATOR,
};

const AUTHORITY_NAME: Readonly<Record<Authority, string>> = {
  'central-bank': 'the central bank',
  operator: 'an operator',
  regulator: 'the regulator',
  'wallet-owner': "the wallet's owner",
};

function describeSender(organization: Organization | undefined): string {
  if (organization === undefined) return 'a wallet owner key';
  return `organization "${organization.id}" (${Role[organization.role]?.toLowerCase().replace('_', ' ') ?? 'unknown role'})`;
}

/**
 * Whether the sender may issue this command at all: its organization's role, or for
 * wallet-owner commands its ownership of the named wallet. The same check runs in the
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
  if (organization?.role === ROLE_OF[handler.authority]) return undefined;
  return reject(
    'UNAUTHORIZED',
    `${commandName} may be signed only by ${AUTHORITY_NAME[handler.authority]}; the sender is ${describeSender(organization)}`,
  );
}
