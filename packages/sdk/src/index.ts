/**
 * @tongbao/sdk — a typed client for Tongbao nodes, for Node.js and browsers.
 *
 * Shaped after viem: a bare client (`createClient`) over fetch and WebSocket, actions as
 * functions over it (`getWallet(client, { walletId })`), or bound to it with
 * `client.extend(tongbaoActions)`. Everything here imports only
 * `@tongbao/protocol/portable`, so it bundles for a browser without native code.
 */
// clients
export {
  createClient,
  type BaseClient,
  type ChainContext,
  type Client,
  type ClientConfig,
  type WebSocketConstructor,
  type WebSocketLike,
} from './clients/createClient.js';
export { createTongbaoClient, type TongbaoClient } from './clients/createTongbaoClient.js';
export { tongbaoActions, type TongbaoActions } from './clients/decorators/tongbao.js';
export type { FetchLike, RequestParameters, TransportConfig } from './clients/transport.js';

// accounts and keys
export { generateKeyPair, type KeyPair, type SuiteName } from './accounts/generateKeyPair.js';
export {
  createLocalAccount,
  type CreateLocalAccountParameters,
  type LocalAccount,
  type SignedTransaction,
  type SignTransactionParameters,
} from './accounts/createLocalAccount.js';
export { createNonceManager, type NonceManager } from './accounts/nonceManager.js';

// commands
export {
  approveIssuanceCommand,
  closeWalletCommand,
  collectCommand,
  distributeCommand,
  freezeWalletCommand,
  openWalletCommand,
  payCommand,
  redeemCommand,
  rejectIssuanceCommand,
  requestIssuanceCommand,
  setBankLinkCommand,
  setQuotaCommand,
  setWalletTierCommand,
  unfreezeWalletCommand,
  type ApproveIssuanceParameters,
  type CloseWalletParameters,
  type CollectParameters,
  type CommandKind,
  type DistributeParameters,
  type Fen,
  type FreezeWalletParameters,
  type OpenWalletParameters,
  type PayParameters,
  type RedeemParameters,
  type RejectIssuanceParameters,
  type RequestIssuanceParameters,
  type SetBankLinkParameters,
  type SetQuotaParameters,
  type SetWalletTierParameters,
  type UnfreezeWalletParameters,
} from './commands/currency.js';
export { submitEvidenceCommand, type SubmitEvidenceParameters } from './commands/evidence.js';

// actions
export { getAccount, type GetAccountErrorType, type GetAccountParameters, type GetAccountReturnType } from './actions/getAccount.js';
export { getBlock, type GetBlockErrorType, type GetBlockParameters, type GetBlockReturnType } from './actions/getBlock.js';
export { getGenesis, type GetGenesisErrorType, type GetGenesisParameters, type GetGenesisReturnType } from './actions/getGenesis.js';
export { getSigner, type GetSignerErrorType, type GetSignerParameters, type GetSignerReturnType } from './actions/getSigner.js';
export { getStatus, type GetStatusErrorType, type GetStatusParameters, type GetStatusReturnType } from './actions/getStatus.js';
export {
  getSupply,
  type GetSupplyErrorType,
  type GetSupplyParameters,
  type GetSupplyReturnType,
  type OperatorSupply,
} from './actions/getSupply.js';
export {
  listEvidence,
  type ListEvidenceErrorType,
  type ListEvidenceParameters,
  type ListEvidenceReturnType,
} from './actions/listEvidence.js';
export {
  getTransaction,
  type GetTransactionErrorType,
  type GetTransactionParameters,
  type GetTransactionReturnType,
} from './actions/getTransaction.js';
export { getWallet, type GetWalletErrorType, type GetWalletParameters, type GetWalletReturnType } from './actions/getWallet.js';
export { sendCommand, type SendCommandErrorType, type SendCommandParameters, type SendCommandReturnType } from './actions/sendCommand.js';
export { signCommand, type SignCommandErrorType, type SignCommandParameters, type SignCommandReturnType } from './actions/signCommand.js';
export {
  encodeTransactionFrames,
  submitBinary,
  type SubmitBinaryErrorType,
  type SubmitBinaryParameters,
  type SubmitBinaryReturnType,
} from './actions/submitBinary.js';
export {
  submitTransaction,
  type ReceiptDetail,
  type SubmitResult,
  type SubmitTransactionErrorType,
  type SubmitTransactionParameters,
  type SubmitTransactionReturnType,
  type TransactionInput,
  type WaitMode,
} from './actions/submitTransaction.js';
export {
  submitTransactions,
  type SubmitTransactionsErrorType,
  type SubmitTransactionsParameters,
  type SubmitTransactionsReturnType,
} from './actions/submitTransactions.js';
export {
  subscribe,
  SUBSCRIPTION_TOPIC_COUNT_MAX,
  type ReconnectOptions,
  type SubscribeErrorType,
  type SubscribeParameters,
  type SubscribeReturnType,
  type Subscription,
  type SubscriptionEvent,
  type SubscriptionStatus,
  type SubscriptionTopic,
} from './actions/subscribe.js';
export {
  waitForReceipt,
  WAIT_FOR_RECEIPT_MS_MAX,
  type WaitForReceiptErrorType,
  type WaitForReceiptParameters,
  type WaitForReceiptReturnType,
} from './actions/waitForReceipt.js';

// errors
export {
  InvalidParameterError,
  InvalidResponseError,
  ProofVerificationError,
  SubscriptionError,
  TongbaoApiError,
  TongbaoTransportError,
  TransactionRejectedError,
  WaitTimeoutError,
  type TransportErrorCode,
} from './errors.js';

// utilities
export { formatYuan, yuan } from './utils/yuan.js';
export { base64ToBytes, bytesToBase64 } from './utils/base64.js';
