import {
  assert,
  blockHash,
  BlockHeaderSchema,
  BlockSchema,
  create,
  decodeCanonical,
  decodeVerifiedTransaction,
  encode,
  equalBytes,
  GenesisSchema,
  merkleRoot,
  suiteNameFromId,
  TongbaoError,
  transactionSigningBytesFromCanonical,
  verifyTransaction,
  getSuite,
  type Block,
  type BlockHeader,
  type Genesis,
  type Receipt,
  type StateReader,
  type Suite,
  type SuiteName,
  type VerifiedTransaction,
} from '@tongbao/protocol';
import { createApplication, DEFAULT_BLOCK_LIMITS, type Application, type BlockContext, type BlockLimits } from '@tongbao/execution';
import { ChainStore, type ChainDatabases, type KeyValueStore, type StateTreeImplementation } from '@tongbao/storage';

export interface ProduceOptions {
  /** The block's time: the only clock execution sees. Must not go backwards. */
  readonly timestampMs: bigint;
  readonly proposer: Uint8Array;
  /**
   * False only for transactions whose signatures were already checked once (by the
   * mempool); the ledger then decodes without verifying again.
   */
  readonly verifySignatures?: boolean;
  readonly limits?: BlockLimits;
}

/** A transaction that could not enter the block, with the stable reason. */
export interface RejectedTransaction {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

/** Where a block's time went, in milliseconds (for metrics and benchmarks). */
export interface BlockTimings {
  readonly decodeMs: number;
  readonly executeMs: number;
  readonly prepareStateMs: number;
  readonly commitMs: number;
}

export interface ProducedBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly receipts: readonly Receipt[];
  readonly transactionIds: readonly Uint8Array[];
  /** The transactions of the block, in order (those execution did not discard). */
  readonly executed: readonly VerifiedTransaction[];
  readonly rejected: readonly RejectedTransaction[];
  readonly timings: BlockTimings;
}

export class LedgerError extends TongbaoError {
  constructor(code: 'GENESIS_MISMATCH' | 'TIME_WENT_BACKWARDS', message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
    this.name = 'LedgerError';
  }
}

/**
 * The ledger of one node: executes ordered transactions and commits each block — block,
 * receipts, state changes and indexes — in one atomic write. The same code path serves
 * a single validator and, later, blocks ordered by BFT consensus.
 */
export interface LedgerOptions {
  /** Which state tree the store runs (node.state_tree); results never depend on it. */
  readonly stateTree?: StateTreeImplementation;
  /** State tree pages kept decoded in memory (node.state_tree_cached_pages_max); results never depend on it. */
  readonly stateTreeCachedPagesMax?: number;
  /** This validator's index among the validators, so that validators write tree checkpoints at different blocks; results never depend on it. */
  readonly treeCheckpointStagger?: { readonly index: number; readonly count: number };
}

export class Ledger {
  readonly chainId: string;
  readonly suiteName: SuiteName;
  readonly suite: Suite;
  readonly genesis: Genesis;
  readonly app: Application;
  readonly store: ChainStore;

  private constructor(genesis: Genesis, store: ChainStore, app: Application) {
    this.genesis = genesis;
    this.chainId = genesis.chainId;
    this.suiteName = suiteNameFromId(genesis.cryptoSuite);
    this.suite = getSuite(this.suiteName);
    this.store = store;
    this.app = app;
  }

  /** Opens the ledger on its databases (or one store holding all three), writing the genesis state if they are empty. */
  static async open(databases: KeyValueStore | ChainDatabases, genesis: Genesis, options: LedgerOptions = {}): Promise<Ledger> {
    const suite = getSuite(suiteNameFromId(genesis.cryptoSuite));
    const store = await ChainStore.open(databases, {
      hash: suite.hash,
      ...(options.stateTree === undefined ? {} : { stateTree: options.stateTree }),
      ...(options.stateTreeCachedPagesMax === undefined ? {} : { nodeCacheEntriesMax: options.stateTreeCachedPagesMax }),
      ...(options.treeCheckpointStagger === undefined ? {} : { treeCheckpointStagger: options.treeCheckpointStagger }),
    });
    const app = createApplication({ chainId: genesis.chainId });
    const genesisBytes = encode(GenesisSchema, genesis);
    const stored = store.genesis();
    if (stored === undefined) {
      const changes = app.initChain(genesis);
      await store.commitGenesis(genesisBytes, store.prepareState(changes));
    } else if (!equalBytes(stored, genesisBytes)) {
      throw new LedgerError('GENESIS_MISMATCH', 'the store holds a different chain than this genesis; point the node at its own data folder', {
        chainId: decodeCanonical(GenesisSchema, stored, stored.length).chainId,
      });
    }
    return new Ledger(genesis, store, app);
  }

  get height(): bigint {
    return this.store.head()?.height ?? 0n;
  }

  get state(): StateReader {
    return this.store.state;
  }

  /** The id of an encoded transaction of this chain (the hash of its signing bytes). */
  transactionId(bytes: Uint8Array): Uint8Array {
    // Stored transactions were found canonical on entry: hash their signing bytes as they lie.
    return this.suite.hash(transactionSigningBytesFromCanonical(this.chainId, bytes));
  }

  /**
   * Builds, executes and commits the next block from candidate transactions in order.
   * Candidates that fail decoding, chain or signature checks, or that the application
   * will not include, are reported in `rejected` and left out. (The single-process path
   * of the demo, tests and benchmarks; a node executes what consensus ordered.)
   */
  async produceBlock(candidates: readonly Uint8Array[], options: ProduceOptions): Promise<ProducedBlock> {
    const ctx = this.nextContext(options);
    const started = performance.now();
    const rejected: RejectedTransaction[] = [];
    const verified: VerifiedTransaction[] = [];
    candidates.forEach((bytes, index) => {
      try {
        verified.push(
          options.verifySignatures === false
            ? decodeVerifiedTransaction(this.suiteName, this.chainId, bytes)
            : verifyTransaction(this.suiteName, this.chainId, bytes),
        );
      } catch (error) {
        if (!(error instanceof TongbaoError)) throw error;
        rejected.push({ index, code: error.code, message: error.message });
      }
    });
    const included = this.app.prepareProposal(ctx, verified, this.store.state, options.limits ?? DEFAULT_BLOCK_LIMITS);
    // prepareProposal picks only transactions that consume their nonce in turn: none is discarded.
    return this.commit(ctx, included, rejected, performance.now() - started, false);
  }

  /**
   * Executes and commits transactions in exactly the order consensus fixed. Their
   * signatures were verified on entry to the mempool. Those that cannot consume their
   * sender's nonce — a repeat of one committed earlier or earlier in these, one whose
   * turn has not come, an unknown sender — are left out and reported in `rejected`
   * (indexes into `transactions`): a transaction id appears on the chain once.
   */
  async executeOrdered(transactions: readonly VerifiedTransaction[], options: { timestampMs: bigint; proposer: Uint8Array }): Promise<ProducedBlock> {
    return this.commit(this.nextContext(options), transactions, [], 0, true);
  }

  private nextContext(options: { timestampMs: bigint; proposer: Uint8Array }): BlockContext {
    const head = this.store.head();
    const previousTime = head?.header.timestampMs ?? this.genesis.genesisTimeMs;
    if (options.timestampMs < previousTime) {
      throw new LedgerError('TIME_WENT_BACKWARDS', `block time ${options.timestampMs} is before the previous block's ${previousTime}`);
    }
    return { height: this.height + 1n, timestampMs: options.timestampMs, proposer: options.proposer };
  }

  /**
   * Executes `candidates` and commits the block of those not discarded; `rejected`
   * (transactions refused before execution) gains the discarded ones, by their index
   * among `candidates`. A discard when `discardsExpected` is false is a bug: nothing is
   * written then.
   */
  private async commit(
    ctx: BlockContext,
    candidates: readonly VerifiedTransaction[],
    rejected: RejectedTransaction[],
    decodeMs: number,
    discardsExpected: boolean,
  ): Promise<ProducedBlock> {
    const executeStarted = performance.now();
    const { receipts, receiptBytes, changes, discarded } = this.app.finalizeBlock(ctx, candidates, this.store.state);
    assert(discardsExpected || discarded.length === 0, 'no transaction prepareProposal picked is discarded');
    let txs = candidates;
    if (discarded.length > 0) {
      const left = new Set<number>();
      for (const { index, error, message } of discarded) {
        left.add(index);
        rejected.push({ index, code: error, message });
      }
      txs = candidates.filter((_, index) => !left.has(index));
    }
    assert(receipts.length === txs.length, 'one receipt per transaction not discarded');
    const prepareStarted = performance.now();
    const prepared = this.store.prepareState(changes);
    const hashingStarted = performance.now();
    const hash = this.suite.hash;
    const transactionIds = txs.map((tx) => tx.id);
    const header = create(BlockHeaderSchema, {
      chainId: this.chainId,
      height: ctx.height,
      previousHash: this.store.head()?.hash ?? new Uint8Array(this.suite.hashBytes),
      timestampMs: ctx.timestampMs,
      proposer: ctx.proposer,
      transactionCount: txs.length,
      transactionsRoot: merkleRoot(hash, transactionIds),
      receiptsRoot: merkleRoot(hash, receiptBytes.map((bytes) => hash(bytes))),
      stateRoot: prepared.root,
    });
    const block: Block = create(BlockSchema, { header, transactions: txs.map((tx) => tx.bytes) });
    const id = blockHash(hash, header);
    await this.store.commitBlock({ block, hash: id, receipts, receiptBytes, transactionIds, prepared });
    const timings: BlockTimings = {
      decodeMs,
      executeMs: prepareStarted - executeStarted,
      prepareStateMs: hashingStarted - prepareStarted,
      commitMs: performance.now() - hashingStarted,
    };
    return { header, hash: id, receipts, transactionIds, executed: txs, rejected, timings };
  }
}
