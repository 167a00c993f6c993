import { getAccount, type GetAccountParameters, type GetAccountReturnType } from '../../actions/getAccount.js';
import { getBlock, type GetBlockParameters, type GetBlockReturnType } from '../../actions/getBlock.js';
import { getGenesis, type GetGenesisReturnType } from '../../actions/getGenesis.js';
import { getSigner, type GetSignerParameters, type GetSignerReturnType } from '../../actions/getSigner.js';
import { getStatus, type GetStatusReturnType } from '../../actions/getStatus.js';
import { getSupply, type GetSupplyReturnType } from '../../actions/getSupply.js';
import { getTransaction, type GetTransactionParameters, type GetTransactionReturnType } from '../../actions/getTransaction.js';
import { getWallet, type GetWalletParameters, type GetWalletReturnType } from '../../actions/getWallet.js';
import { listEvidence, type ListEvidenceParameters, type ListEvidenceReturnType } from '../../actions/listEvidence.js';
import { sendCommand, type SendCommandParameters, type SendCommandReturnType } from '../../actions/sendCommand.js';
import { signCommand, type SignCommandParameters, type SignCommandReturnType } from '../../actions/signCommand.js';
import { submitBinary, type SubmitBinaryParameters, type SubmitBinaryReturnType } from '../../actions/submitBinary.js';
import { subscribe, type SubscribeParameters, type SubscribeReturnType } from '../../actions/subscribe.js';
import {
  submitTransaction,
  type SubmitTransactionParameters,
  type SubmitTransactionReturnType,
} from '../../actions/submitTransaction.js';
import {
  submitTransactions,
  type SubmitTransactionsParameters,
  type SubmitTransactionsReturnType,
} from '../../actions/submitTransactions.js';
import { waitForReceipt, type WaitForReceiptParameters, type WaitForReceiptReturnType } from '../../actions/waitForReceipt.js';
import type { Client } from '../createClient.js';

/** Every action, as methods of a client. */
export interface TongbaoActions {
  getStatus(): Promise<GetStatusReturnType>;
  getGenesis(): Promise<GetGenesisReturnType>;
  getBlock(parameters?: GetBlockParameters): Promise<GetBlockReturnType>;
  getTransaction(parameters: GetTransactionParameters): Promise<GetTransactionReturnType>;
  getSupply(): Promise<GetSupplyReturnType>;
  getSigner(parameters: GetSignerParameters): Promise<GetSignerReturnType>;
  getWallet(parameters: GetWalletParameters): Promise<GetWalletReturnType>;
  getAccount(parameters: GetAccountParameters): Promise<GetAccountReturnType>;
  listEvidence(parameters?: ListEvidenceParameters): Promise<ListEvidenceReturnType>;
  signCommand(parameters: SignCommandParameters): Promise<SignCommandReturnType>;
  sendCommand(parameters: SendCommandParameters): Promise<SendCommandReturnType>;
  submitTransaction(parameters: SubmitTransactionParameters): Promise<SubmitTransactionReturnType>;
  submitTransactions(parameters: SubmitTransactionsParameters): Promise<SubmitTransactionsReturnType>;
  submitBinary(parameters: SubmitBinaryParameters): Promise<SubmitBinaryReturnType>;
  waitForReceipt(parameters: WaitForReceiptParameters): Promise<WaitForReceiptReturnType>;
  subscribe(parameters: SubscribeParameters): SubscribeReturnType;
}

/**
 * Binds every action to a client, for `client.extend(tongbaoActions)`. Importing this
 * pulls in every action; applications that care about bundle size call the action
 * functions directly instead.
 *
 * @example
 * const client = createClient({ url }).extend(tongbaoActions)
 * const { balance } = await client.getWallet({ walletId: 'alice' })
 */
export function tongbaoActions(client: Client): TongbaoActions {
  return {
    getStatus: () => getStatus(client),
    getGenesis: () => getGenesis(client),
    getBlock: (parameters) => getBlock(client, parameters),
    getTransaction: (parameters) => getTransaction(client, parameters),
    getSupply: () => getSupply(client),
    getSigner: (parameters) => getSigner(client, parameters),
    getWallet: (parameters) => getWallet(client, parameters),
    getAccount: (parameters) => getAccount(client, parameters),
    listEvidence: (parameters) => listEvidence(client, parameters),
    signCommand: (parameters) => signCommand(client, parameters),
    sendCommand: (parameters) => sendCommand(client, parameters),
    submitTransaction: (parameters) => submitTransaction(client, parameters),
    submitTransactions: (parameters) => submitTransactions(client, parameters),
    submitBinary: (parameters) => submitBinary(client, parameters),
    waitForReceipt: (parameters) => waitForReceipt(client, parameters),
    subscribe: (parameters) => subscribe(client, parameters),
  };
}
