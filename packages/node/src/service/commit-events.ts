import { bytesToHex, type BlockHeader, type Receipt, type VerifiedTransaction } from '@tongbao/protocol';

/** An ordered transaction its block left out (execution discarded it: it could not consume its nonce). */
export interface DiscardedTransactionEvent {
  readonly id: Uint8Array;
  readonly code: string;
  readonly message: string;
}

/** What the node announces once a block is durably committed. */
export interface CommittedBlockEvent {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly transactions: readonly VerifiedTransaction[];
  readonly receipts: readonly Receipt[];
  /** Transactions consensus ordered into this block that execution left out. */
  readonly discarded: readonly DiscardedTransactionEvent[];
}

/** What became of a transaction a client waits for: committed with its receipt, or discarded at `height`. */
export type TransactionOutcome =
  | { readonly committed: true; readonly height: bigint; readonly receipt: Receipt }
  | { readonly committed: false; readonly height: bigint; readonly code: string; readonly message: string };

type Listener = (event: CommittedBlockEvent) => void;

const WALLET_ACCOUNT_PREFIX = 'wallet:';

/** The wallets whose balance a receipt's transfers moved, in first-seen order. */
export function walletsTouched(receipt: Receipt): string[] {
  const wallets: string[] = [];
  for (const event of receipt.events) {
    if (event.kind.case !== 'transfer') continue;
    for (const account of [event.kind.value.fromAccount, event.kind.value.toAccount]) {
      if (account.startsWith(WALLET_ACCOUNT_PREFIX)) {
        const id = account.slice(WALLET_ACCOUNT_PREFIX.length);
        if (!wallets.includes(id)) wallets.push(id);
      }
    }
  }
  return wallets;
}

/**
 * Fans committed blocks out to everyone waiting: submitters waiting for their
 * transaction, and subscribers to blocks, receipts and wallets. Delivery is
 * synchronous and after the commit's write has resolved, so nothing is announced that
 * a crash could take back.
 */
export class CommitEvents {
  private readonly blockListeners = new Set<Listener>();
  private readonly outcomeWaiters = new Map<string, Set<(outcome: TransactionOutcome) => void>>();
  private readonly walletListeners = new Map<string, Set<(height: bigint, id: Uint8Array, receipt: Receipt) => void>>();

  onBlock(listener: Listener): () => void {
    this.blockListeners.add(listener);
    return () => this.blockListeners.delete(listener);
  }

  /** Calls `listener` when transaction `idHex` is committed or discarded (the listener stays until removed). */
  onOutcome(idHex: string, listener: (outcome: TransactionOutcome) => void): () => void {
    let set = this.outcomeWaiters.get(idHex);
    if (set === undefined) this.outcomeWaiters.set(idHex, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.outcomeWaiters.delete(idHex);
    };
  }

  onWallet(walletId: string, listener: (height: bigint, id: Uint8Array, receipt: Receipt) => void): () => void {
    let set = this.walletListeners.get(walletId);
    if (set === undefined) this.walletListeners.set(walletId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.walletListeners.delete(walletId);
    };
  }

  publish(event: CommittedBlockEvent): void {
    const height = event.header.height;
    event.transactions.forEach((tx, index) => {
      const receipt = event.receipts[index]!;
      if (this.outcomeWaiters.size > 0) {
        const waiters = this.outcomeWaiters.get(bytesToHex(tx.id));
        if (waiters !== undefined) for (const waiter of [...waiters]) waiter({ committed: true, height, receipt });
      }
      if (this.walletListeners.size > 0) {
        for (const walletId of walletsTouched(receipt)) {
          const listeners = this.walletListeners.get(walletId);
          if (listeners !== undefined) for (const listener of [...listeners]) listener(height, tx.id, receipt);
        }
      }
    });
    if (this.outcomeWaiters.size > 0) {
      for (const { id, code, message } of event.discarded) {
        const waiters = this.outcomeWaiters.get(bytesToHex(id));
        if (waiters !== undefined) for (const waiter of [...waiters]) waiter({ committed: false, height, code, message });
      }
    }
    for (const listener of [...this.blockListeners]) listener(event);
  }
}
