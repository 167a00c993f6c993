import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  blockHash,
  bytesToHex,
  equalBytes,
  getSuite,
  suiteNameFromId,
  TongbaoError,
  verifyTransaction,
  type Genesis,
  type VerifiedTransaction,
} from '@tongbao/protocol';
import { ChainStore, LevelKeyValueStore, openLevelChainDatabases, type KeyValueStore } from '@tongbao/storage';
import { Ledger } from '../ledger/ledger.js';
import { auditConservation } from '../ledger/audit-conservation.js';
import { HomeError, type NodeHome } from '../home/home.js';

export interface AuditProgress {
  readonly height: bigint;
  readonly head: bigint;
  readonly transactions: number;
}

export interface AuditSummary {
  readonly blocks: bigint;
  readonly transactions: number;
  readonly signaturesVerified: number;
  readonly stateRoot: string;
  readonly supply: bigint;
  readonly accounts: number;
  readonly elapsedMs: number;
}

/** The first thing found wrong, with the block it was found at. */
export class AuditViolation extends TongbaoError {
  constructor(
    readonly height: bigint,
    code: string,
    message: string,
  ) {
    super(code, `block ${height}: ${message}`, { details: { height: String(height) } });
    this.name = 'AuditViolation';
  }
}

export interface AuditOptions {
  /** Conservation of money is checked over every account this often, and at the end. */
  readonly conservationEveryBlocks?: number;
  readonly onProgress?: (progress: AuditProgress) => void;
}

/**
 * Re-verifies a whole chain offline, trusting nothing stored but the genesis: the
 * store's integrity (tree nodes and values), every hash link, every transaction signature, and — by re-executing every block from genesis on a
 * scratch ledger — every transactions root, receipts root and state root; money is
 * conserved at checkpoints and at the end. Throws AuditViolation at the first problem.
 */
export async function auditChain(store: ChainStore, genesis: Genesis, options: AuditOptions = {}): Promise<AuditSummary> {
  const started = performance.now();
  const suiteName = suiteNameFromId(genesis.cryptoSuite);
  const hash = getSuite(suiteName).hash;
  const head = store.head()?.height ?? 0n;
  const scratchDir = mkdtempSync(join(tmpdir(), 'tongbao-audit-'));
  const scratchKv: KeyValueStore = await LevelKeyValueStore.open(join(scratchDir, 'replay'));
  const every = BigInt(options.conservationEveryBlocks ?? 1000);
  let transactions = 0;
  try {
    // The store's own integrity first: every tree node and value, every hash link.
    try {
      await store.verifyFull();
    } catch (error) {
      if (!(error instanceof TongbaoError)) throw error;
      throw new AuditViolation(head, error.code, error.message);
    }
    const replay = await Ledger.open(scratchKv, genesis);
    let previousHash: Uint8Array = new Uint8Array(hash(new Uint8Array(0)).length);
    for (let height = 1n; height <= head; height++) {
      const block = store.getBlock(height);
      if (block?.header === undefined) throw new AuditViolation(height, 'BLOCK_MISSING', 'the block is missing from the store');
      const header = block.header;
      if (header.height !== height) throw new AuditViolation(height, 'HEIGHT_MISMATCH', `the header says height ${header.height}`);
      if (!equalBytes(header.previousHash, previousHash)) {
        throw new AuditViolation(height, 'BROKEN_HASH_LINK', 'previous_hash does not match the hash of the block before');
      }
      const verified: VerifiedTransaction[] = block.transactions.map((bytes, index) => {
        try {
          return verifyTransaction(suiteName, genesis.chainId, bytes, bytes.length);
        } catch (error) {
          if (!(error instanceof TongbaoError)) throw error;
          throw new AuditViolation(height, 'INVALID_TRANSACTION', `transaction ${index}: ${error.code}: ${error.message}`);
        }
      });
      transactions += verified.length;
      const replayed = await replay.executeOrdered(verified, { timestampMs: header.timestampMs, proposer: header.proposer });
      for (const [field, label] of [
        ['transactionsRoot', 'transactions root'],
        ['receiptsRoot', 'receipts root'],
        ['stateRoot', 'state root'],
      ] as const) {
        if (!equalBytes(replayed.header[field], header[field])) {
          throw new AuditViolation(height, 'ROOT_MISMATCH', `the ${label} differs from re-execution (stored ${bytesToHex(header[field])}, recomputed ${bytesToHex(replayed.header[field])})`);
        }
      }
      if (replayed.header.transactionCount !== header.transactionCount) {
        throw new AuditViolation(height, 'ROOT_MISMATCH', 'the transaction count differs from re-execution (a transaction appears twice on the chain)');
      }
      previousHash = blockHash(hash, header);
      if (!equalBytes(previousHash, replayed.hash)) throw new AuditViolation(height, 'HEADER_MISMATCH', 'the header differs from the re-executed one');
      if (height % every === 0n || height === head) {
        const conservation = await auditConservation(replay);
        if (!conservation.ok) throw new AuditViolation(height, conservation.violation.code, conservation.violation.message);
      }
      options.onProgress?.({ height, head, transactions });
    }
    const finalConservation = await auditConservation(replay);
    if (!finalConservation.ok) throw new AuditViolation(head, finalConservation.violation.code, finalConservation.violation.message);
    if (!equalBytes(replay.store.stateRoot(), store.stateRoot())) {
      throw new AuditViolation(head, 'STATE_MISMATCH', "the store's current state does not match re-execution");
    }
    return {
      blocks: head,
      transactions,
      signaturesVerified: transactions,
      stateRoot: bytesToHex(store.stateRoot()),
      supply: finalConservation.figures.supply,
      accounts: finalConservation.figures.accounts,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await scratchKv.close();
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

/**
 * Audits the ledger of a stopped node from its home folder (the node holds LevelDB's
 * lock while it runs). Throws HomeError when the folder has no ledger.
 */
export async function auditNodeHome(home: NodeHome, options: AuditOptions = {}): Promise<AuditSummary & { head: bigint }> {
  const path = join(home.dataDir, 'ledger');
  if (!existsSync(path)) throw new HomeError(`${path} does not exist; has this node ever started?`, { path });
  const databases = await openLevelChainDatabases(path);
  try {
    const store = await ChainStore.open(databases, { hash: getSuite(suiteNameFromId(home.genesis.cryptoSuite)).hash });
    const head = store.head()?.height ?? 0n;
    return { head, ...(await auditChain(store, home.genesis, options)) };
  } finally {
    await databases.close();
  }
}
