import type { Genesis, Receipt, StateChange, StateReader, VerifiedTransaction } from '@tongbao/protocol';

/** What consensus decided about a block before it executes: its height, time and proposer. */
export interface BlockContext {
  readonly height: bigint;
  /** The block's timestamp: the only clock execution ever sees. */
  readonly timestampMs: bigint;
  readonly proposer: Uint8Array;
}

export type CheckResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: number; readonly error: string; readonly message: string };

/**
 * A transaction finalizeBlock leaves out of the block: its sender is unknown or its nonce
 * is not the sender's next, so it cannot consume a nonce. It changes nothing, gets no
 * receipt and is not recorded: the nonce alone keeps any transaction from committing
 * twice, and one that was early may be sent again once its turn comes.
 */
export interface DiscardedTransaction {
  /** Its position among the transactions finalizeBlock was given. */
  readonly index: number;
  readonly code: number;
  readonly error: string;
  readonly message: string;
}

export interface BlockResult {
  /** One per transaction that was not discarded, in block order. */
  readonly receipts: Receipt[];
  /** The transactions left out, in order (see DiscardedTransaction). */
  readonly discarded: DiscardedTransaction[];
  /**
   * `encode(ReceiptSchema, receipts[i])` for each receipt, byte for byte, already made
   * (codec/receipt.ts): the receipts root and storage can use these instead of encoding
   * again. Views into one buffer; treat them as read-only.
   */
  readonly receiptBytes: Uint8Array[];
  /** Sorted by key (compareBytes), one entry per key. */
  readonly changes: StateChange[];
}

/**
 * The one door between consensus and execution, in the spirit of CometBFT's ABCI.
 * Every method is pure over the StateReader it is given: same inputs, same outputs, bit
 * for bit, on every node. Committing `changes` is storage's job.
 */
export interface Application {
  /** State of height 0 from the genesis (organizations, keys, params, quotas zero, the issuance account). Validates the genesis; throws GenesisError on a bad one. */
  initChain(genesis: Genesis): StateChange[];
  /** Mempool admission against committed state: shape, authorization, nonce >= committed next nonce, obviously-failing amounts. Pure. */
  checkTransaction(tx: VerifiedTransaction, state: StateReader): CheckResult;
  /** Picks, in order, the candidates to include (drops ones whose nonce no longer fits), up to the limits. */
  prepareProposal(
    ctx: BlockContext,
    candidates: readonly VerifiedTransaction[],
    state: StateReader,
    limits: { transactionsMax: number; bytesMax: number },
  ): VerifiedTransaction[];
  /** Whether a proposed block is acceptable to execute (size/shape); a block with failing transactions is still acceptable — they get failure receipts. */
  processProposal(ctx: BlockContext, txs: readonly VerifiedTransaction[], state: StateReader): CheckResult;
  /**
   * Executes the block: a receipt for each transaction that consumes its nonce (whatever
   * its command's outcome), the others discarded, and the state changes. Deterministic
   * bit for bit.
   */
  finalizeBlock(ctx: BlockContext, txs: readonly VerifiedTransaction[], state: StateReader): BlockResult;
}
