import type { CommandHandlers } from './context.js';
import { approveIssuance, redeem, rejectIssuance, requestIssuance, setQuota } from './currency/commands/issuance.js';
import { collect, distribute, pay } from './currency/commands/movements.js';
import { closeWallet, freezeWallet, openWallet, setBankLink, setWalletTier, unfreezeWallet } from './currency/commands/wallets.js';
import { submitEvidence } from './evidence/commands/submit-evidence.js';

/**
 * Every command this chain executes, by its case in the Command oneof. The mapped type
 * makes adding a command to transaction.proto without a handler a compile error.
 */
export const commandHandlers: CommandHandlers = {
  setQuota,
  requestIssuance,
  approveIssuance,
  rejectIssuance,
  redeem,
  openWallet,
  setWalletTier,
  setBankLink,
  closeWallet,
  distribute,
  collect,
  pay,
  freezeWallet,
  unfreezeWallet,
  submitEvidence,
};
