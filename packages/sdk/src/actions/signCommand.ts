import type { Command } from '@tongbao/protocol/portable';
import type { LocalAccount, SignedTransaction } from '../accounts/createLocalAccount.js';
import type { Client } from '../clients/createClient.js';
import { InvalidParameterError, type InvalidResponseError, type TongbaoApiError, type TongbaoTransportError } from '../errors.js';

export interface SignCommandParameters {
  readonly account: LocalAccount;
  readonly command: Command;
  /** Overrides the account's nonce manager. */
  readonly nonce?: bigint;
}

export type SignCommandReturnType = SignedTransaction;

export type SignCommandErrorType = InvalidParameterError | TongbaoApiError | TongbaoTransportError | InvalidResponseError;

/**
 * Signs a command for the client's chain: the chain id and suite come from the client
 * (asked of the node once), the nonce from the account's nonce manager unless given.
 * Sends nothing.
 *
 * @example
 * const signed = await signCommand(client, { account, command: distributeCommand({ walletId: 'alice', amount: yuan('200') }) })
 * console.log(signed.id)
 */
export async function signCommand(client: Client, parameters: SignCommandParameters): Promise<SignCommandReturnType> {
  const { account, command } = parameters;
  const { chainId, suite } = await client.getChainContext();
  if (account.suite !== suite) {
    throw new InvalidParameterError(`the account signs with ${account.suite} but the chain uses ${suite}`);
  }
  const nonce = parameters.nonce ?? (await account.nonceManager.consume({ client, publicKey: account.publicKey }));
  return account.signTransaction({ chainId, nonce, command });
}
