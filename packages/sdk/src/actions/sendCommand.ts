import type { Command } from '@tongbao/protocol/portable';
import type { LocalAccount } from '../accounts/createLocalAccount.js';
import type { Client } from '../clients/createClient.js';
import {
  TransactionRejectedError,
  type InvalidParameterError,
  type InvalidResponseError,
  type TongbaoApiError,
  type TongbaoTransportError,
} from '../errors.js';
import type { SubmitResult, WaitMode } from '../utils/submit.js';
import { signCommand } from './signCommand.js';
import { submitTransaction } from './submitTransaction.js';

export interface SendCommandParameters {
  readonly account: LocalAccount;
  readonly command: Command;
  readonly nonce?: bigint;
  /** Default 'committed': answer with the receipt. */
  readonly wait?: WaitMode;
  readonly timeoutMs?: number;
}

export interface SendCommandReturnType extends SubmitResult {
  /** The transaction id, hex. */
  readonly id: string;
  readonly nonce: bigint;
}

export type SendCommandErrorType =
  | TransactionRejectedError
  | InvalidParameterError
  | TongbaoApiError
  | TongbaoTransportError
  | InvalidResponseError;

/**
 * Signs and submits a command, by default waiting for the commit. A transaction the node
 * refuses throws TransactionRejectedError (code = the node's code) and resets the
 * account's nonce manager, since the nonce was not used. A committed transaction that
 * failed is data: check receipt.code (0 is success) and receipt.error.
 *
 * @example
 * const { receipt } = await sendCommand(client, {
 *   account: alice,
 *   command: payCommand({ paymentId: 'p-1', fromWalletId: 'alice', toWalletId: 'bob', amount: yuan('12.50') }),
 * })
 * if (receipt?.code !== 0) console.log(receipt?.error, receipt?.message)
 */
export async function sendCommand(client: Client, parameters: SendCommandParameters): Promise<SendCommandReturnType> {
  const wait = parameters.wait ?? 'committed';
  const signed = await signCommand(client, parameters);
  const result = await submitTransaction(client, {
    transaction: signed,
    wait,
    ...(parameters.timeoutMs === undefined ? {} : { timeoutMs: parameters.timeoutMs }),
  });
  if (result.status === 'rejected') {
    parameters.account.nonceManager.reset();
    const error = result.error ?? { code: 'REJECTED', message: 'the node rejected the transaction' };
    throw new TransactionRejectedError(error.code, error.message, { details: { ...error.details, id: signed.id, nonce: signed.nonce.toString() } });
  }
  return { ...result, id: signed.id, nonce: signed.nonce };
}
