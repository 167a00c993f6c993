import {
  assert,
  bytesToHex,
  TRANSACTION_BYTES_MAX,
  type ChainConfig,
  type Event,
  type Genesis,
  type Organization,
  type Receipt,
  type Signer,
  type StateChange,
  type StateReader,
  type VerifiedTransaction,
} from '@tongbao/protocol';
import { encodeReceipts, failedReceipt, okReceipt } from './codec/receipt.js';
import { CONFIG_PATH, organizationPath, signerPath } from './keys.js';
import type { CommandContext, CommandHandler } from './modules/context.js';
import { dayIndex } from './modules/currency/limits.js';
import { authorize } from './modules/governance/authorization.js';
import { genesisChanges } from './modules/governance/genesis.js';
import { configStore, organizationStore, signerStore } from './modules/governance/store.js';
import { commandHandlers } from './modules/registry.js';
import { reject, type Rejection } from './result-codes.js';
import { BlockState, CommittedState, TransactionState, type RecordReader } from './state-overlay.js';
import type { Application, BlockContext, BlockResult, CheckResult, DiscardedTransaction } from './types.js';

export interface BlockLimits {
  readonly transactionsMax: number;
  readonly bytesMax: number;
}

/** What processProposal accepts unless told otherwise; the node's own defaults match. */
export const DEFAULT_BLOCK_LIMITS: BlockLimits = { transactionsMax: 10_000, bytesMax: 8 * 1024 * 1024 };

export interface ApplicationOptions {
  readonly chainId: string;
  /** The largest block processProposal accepts. */
  readonly blockLimits?: BlockLimits;
}

const OK: CheckResult = { ok: true };

function failed(rejection: Rejection): CheckResult {
  return { ok: false, code: rejection.code, error: rejection.error, message: rejection.message };
}

function handlerFor(tx: VerifiedTransaction): { handler: CommandHandler<unknown>; name: string } | Rejection {
  const kind = tx.command.kind;
  const handler = kind.case === undefined ? undefined : (commandHandlers[kind.case] as CommandHandler<unknown> | undefined);
  if (handler === undefined) {
    return reject('UNSUPPORTED_COMMAND', `command ${kind.case ?? '(none)'} is not executed by this chain`);
  }
  return { handler, name: kind.case! };
}

function organizationOf(state: RecordReader, signer: Signer): Organization | undefined {
  if (signer.organizationId === '') return undefined;
  const organization = state.get(organizationStore, organizationPath(signer.organizationId));
  assert(organization !== undefined, `signer of organization ${signer.organizationId} has its organization in state`);
  return organization;
}

function nonceMismatch(tx: VerifiedTransaction, next: bigint): Rejection {
  return reject('NONCE_MISMATCH', `nonce ${tx.nonce} is not this sender's next nonce ${next}; sign the next transaction with nonce ${next}`);
}

function unknownSender(tx: VerifiedTransaction): Rejection {
  return reject('UNKNOWN_SENDER', `key ${bytesToHex(tx.sender)} is neither an organization key nor a wallet owner's key on this chain`);
}

/**
 * The stateless and authorization checks a transaction passes before it executes,
 * shared by the mempool (committed state) and the block (the block's state so far).
 */
function admit(
  tx: VerifiedTransaction,
  signer: Signer,
  state: RecordReader,
): { handler: CommandHandler<unknown>; command: unknown; organization: Organization | undefined } | Rejection {
  const found = handlerFor(tx);
  if ('code' in found) return found;
  const command = tx.command.kind.value;
  const shape = found.handler.verify(command);
  if (shape !== undefined) return shape;
  const organization = organizationOf(state, signer);
  const denied = authorize(found.handler, found.name, command, tx.sender, organization, state);
  if (denied !== undefined) return denied;
  return { handler: found.handler, command, organization };
}

function receipt(tx: VerifiedTransaction, rejection: Rejection | undefined, events: Event[]): Receipt {
  if (rejection === undefined) return okReceipt(tx.id, events);
  return failedReceipt(tx.id, rejection.code, rejection.error, rejection.message);
}

export function createApplication(options: ApplicationOptions): Application {
  const chainId = options.chainId;
  const blockLimits = options.blockLimits ?? DEFAULT_BLOCK_LIMITS;

  function readConfig(state: RecordReader): ChainConfig {
    const config = state.get(configStore, CONFIG_PATH);
    assert(config !== undefined && config.currency !== undefined, 'state holds the chain config written by initChain');
    assert(config.chainId === chainId, `state is of chain ${config.chainId}, not ${chainId}`);
    return config;
  }

  return {
    initChain(genesis: Genesis): StateChange[] {
      return genesisChanges(genesis, chainId);
    },

    checkTransaction(tx: VerifiedTransaction, state: StateReader): CheckResult {
      const committed = new CommittedState(state);
      const signer = committed.get(signerStore, signerPath(tx.sender));
      if (signer === undefined) return failed(unknownSender(tx));
      // Ahead of the committed nonce is fine: earlier ones may be waiting in the mempool.
      if (tx.nonce < signer.nextNonce) return failed(nonceMismatch(tx, signer.nextNonce));
      const admitted = admit(tx, signer, committed);
      if ('code' in admitted) return failed(admitted);
      const later = admitted.handler.check?.(committed, admitted.command);
      return later === undefined ? OK : failed(later);
    },

    prepareProposal(_ctx, candidates, state, limits): VerifiedTransaction[] {
      const committed = new CommittedState(state);
      const nextNonce = new Map<string, bigint | null>();
      const picked: VerifiedTransaction[] = [];
      let bytes = 0;
      for (const tx of candidates) {
        if (picked.length >= limits.transactionsMax) break;
        if (bytes + tx.bytes.length > limits.bytesMax) continue;
        const sender = bytesToHex(tx.sender);
        let expected = nextNonce.get(sender);
        if (expected === undefined) {
          expected = committed.get(signerStore, signerPath(tx.sender))?.nextNonce ?? null;
          nextNonce.set(sender, expected);
        }
        // An unknown sender or a nonce out of sequence would only earn a failure receipt.
        if (expected === null || tx.nonce !== expected) continue;
        nextNonce.set(sender, expected + 1n);
        picked.push(tx);
        bytes += tx.bytes.length;
      }
      return picked;
    },

    processProposal(ctx, txs): CheckResult {
      if (ctx.height < 1n) return failed(reject('BLOCK_LIMIT_EXCEEDED', `block height must be at least 1, got ${ctx.height}`));
      if (txs.length > blockLimits.transactionsMax) {
        return failed(reject('BLOCK_LIMIT_EXCEEDED', `block holds ${txs.length} transactions; at most ${blockLimits.transactionsMax} are allowed`));
      }
      let bytes = 0;
      for (const tx of txs) {
        if (tx.bytes.length > TRANSACTION_BYTES_MAX) {
          return failed(reject('BLOCK_LIMIT_EXCEEDED', `a transaction of ${tx.bytes.length} bytes exceeds the ${TRANSACTION_BYTES_MAX}-byte limit`));
        }
        bytes += tx.bytes.length;
      }
      if (bytes > blockLimits.bytesMax) {
        return failed(reject('BLOCK_LIMIT_EXCEEDED', `block holds ${bytes} transaction bytes; at most ${blockLimits.bytesMax} are allowed`));
      }
      return OK;
    },

    finalizeBlock(ctx: BlockContext, txs, state): BlockResult {
      const block = new BlockState(state);
      const config = readConfig(block);
      const day = dayIndex(ctx.timestampMs, config.currency!.utcOffsetMinutes);
      const receipts: Receipt[] = [];
      const discarded: DiscardedTransaction[] = [];
      for (let index = 0; index < txs.length; index++) {
        const tx = txs[index]!;
        const signerKey = signerPath(tx.sender);
        const signer = block.get(signerStore, signerKey);
        // Enter: a transaction that cannot consume its sender's nonce leaves no trace, so
        // that a nonce is the whole replay rule — a repeat of a committed transaction
        // finds its nonce used, and no lookup of transaction ids is needed.
        if (signer === undefined) {
          discarded.push({ index, ...unknownSender(tx) });
          continue;
        }
        if (tx.nonce !== signer.nextNonce) {
          discarded.push({ index, ...nonceMismatch(tx, signer.nextNonce) });
          continue;
        }
        // Enter: the nonce is consumed whatever the command's outcome, so a signed
        // transaction can be included once only — a failed one cannot be replayed.
        block.set(signerStore, signerKey, { ...signer, nextNonce: signer.nextNonce + 1n });
        const admitted = admit(tx, signer, block);
        if ('code' in admitted) {
          receipts.push(receipt(tx, admitted, []));
          continue;
        }
        const txState = new TransactionState(block);
        const events: Event[] = [];
        const commandContext: CommandContext = {
          block: ctx,
          state: txState,
          sender: tx.sender,
          organization: admitted.organization,
          config,
          events,
          day,
        };
        const rejection = admitted.handler.execute(commandContext, admitted.command);
        // On failure the overlay and its events are dropped: only the nonce changed.
        if (rejection === undefined) txState.commit();
        else txState.discard();
        receipts.push(receipt(tx, rejection, events));
      }
      return { receipts, discarded, receiptBytes: encodeReceipts(receipts), changes: block.changes() };
    },
  };
}
