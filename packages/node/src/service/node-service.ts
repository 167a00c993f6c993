import {
  AccountSchema,
  api,
  BlockHeaderSchema,
  bytesToHex,
  compareBytes,
  encode,
  EvidenceRecordSchema,
  GenesisSchema,
  hexToBytes,
  Role,
  stateProofToJson,
  toJson,
  TongbaoError,
  WalletSchema,
  type BlockHeader,
} from '@tongbao/protocol';
import {
  accountKey,
  decodeEvidenceRecord,
  evidenceKeyPrefix,
  getAccount,
  getMoneySupply,
  getNextNonce,
  getOperatorQuota,
  getWallet,
  vaultAccountId,
  walletAccountKey,
  walletKey,
} from '@tongbao/execution';
import type { EvidenceQuery } from '@tongbao/api';
import type { Ledger } from '../ledger/ledger.js';
import type { Mempool } from '../mempool/mempool.js';
import type { CommitEvents } from './commit-events.js';
import type { NodeMetrics } from '../telemetry/metrics.js';
import type { Admission } from './admission.js';
import type { SubmitOptions } from '@tongbao/api';
import { receiptToJson } from './receipt-json.js';

export type SubscriptionTopic = { kind: 'blocks' } | { kind: 'wallet'; walletId: string } | { kind: 'receipt'; id: string };

const NODE_VERSION = '0.1.0';
const json = <T>(value: T): Record<string, unknown> => value as unknown as Record<string, unknown>;


function headerToJson(header: BlockHeader): Record<string, unknown> {
  return json(toJson(BlockHeaderSchema, header));
}

/**
 * The node as the API sees it: reads answer from committed state with Merkle proofs
 * against the head header; writes go through admission (verification on the worker
 * pool, then the mempool) and can wait until their block commits.
 */
export class NodeService {
  constructor(
    private readonly ledger: Ledger,
    private readonly mempool: Mempool,
    private readonly admission: Admission,
    private readonly events: CommitEvents,
    private readonly metricsRegistry: NodeMetrics,
  ) {}

  status(): api.StatusResponse {
    const head = this.ledger.store.head();
    return {
      chainId: this.ledger.chainId,
      cryptoSuite: this.ledger.suiteName,
      height: String(head?.height ?? 0n),
      headHash: head === undefined ? '' : bytesToHex(head.hash),
      stateRoot: bytesToHex(this.ledger.store.stateRoot()),
      timestampMs: String(head?.header.timestampMs ?? this.ledger.genesis.genesisTimeMs),
      nodeVersion: NODE_VERSION,
      mempool: { transactions: this.mempool.size, bytes: this.mempool.sizeBytes },
    };
  }

  genesis(): api.GenesisResponse {
    const genesis = this.ledger.genesis;
    return { genesis: json(toJson(GenesisSchema, genesis)), hash: bytesToHex(this.ledger.suite.hash(encode(GenesisSchema, genesis))) };
  }

  submit(transactions: readonly Uint8Array[], options: SubmitOptions): Promise<api.SubmitResult[]> {
    return this.admission.submit(transactions, options);
  }

  transaction(id: Uint8Array): api.TransactionResponse | undefined {
    const stored = this.ledger.store.getTransaction(id);
    if (stored !== undefined) {
      const receipt = this.ledger.store.getReceipt(id)!.receipt;
      return {
        id: bytesToHex(id),
        status: 'committed',
        height: String(stored.height),
        index: stored.index,
        transaction: Buffer.from(stored.bytes).toString('base64'),
        receipt: receiptToJson(receipt),
      };
    }
    if (this.mempool.has(id)) return { id: bytesToHex(id), status: 'pending' };
    return undefined;
  }

  block(height: bigint | 'latest'): api.BlockResponse | undefined {
    const at = height === 'latest' ? this.ledger.height : height;
    if (at < 1n) return undefined;
    const block = this.ledger.store.getBlock(at);
    if (block === undefined || block.header === undefined) return undefined;
    const hash = this.ledger.suite.hash;
    return {
      height: String(at),
      hash: bytesToHex(hash(encode(BlockHeaderSchema, block.header))),
      header: headerToJson(block.header),
      transactionIds: block.transactions.map((bytes) => bytesToHex(this.ledger.transactionId(bytes))),
    };
  }

  private provenAt(): api.ProvenAt {
    const head = this.ledger.store.head();
    if (head === undefined) throw new TongbaoError('NOT_FOUND', 'no block is committed yet; proofs are made against a block header');
    return { height: String(head.height), hash: bytesToHex(head.hash), header: headerToJson(head.header) };
  }

  account(accountId: string): api.AccountResponse {
    const at = this.provenAt();
    const account = getAccount(this.ledger.state, accountId);
    return {
      accountId,
      account: account === undefined ? null : json(toJson(AccountSchema, account)),
      proof: stateProofToJson(this.ledger.store.proveState(accountKey(accountId))) as api.AccountResponse['proof'],
      at,
    };
  }

  wallet(walletId: string): api.WalletResponse {
    const at = this.provenAt();
    const view = getWallet(this.ledger.state, walletId);
    const prove = (key: Uint8Array) => stateProofToJson(this.ledger.store.proveState(key)) as api.WalletResponse['proofs']['wallet'];
    return {
      walletId,
      wallet: view === undefined ? null : json(toJson(WalletSchema, view.wallet)),
      balance: String(view?.balance ?? 0n),
      proofs: { wallet: prove(walletKey(walletId)), account: prove(walletAccountKey(walletId)) },
      at,
    };
  }

  supply(): api.SupplyResponse {
    const state = this.ledger.state;
    const operators = this.ledger.genesis.organizations
      .filter((org) => org.role === Role.OPERATOR)
      .map((org) => org.id)
      .sort()
      .map((operatorId) => {
        const quota = getOperatorQuota(state, operatorId);
        return {
          operatorId,
          quota: String(quota?.quota ?? 0n),
          outstanding: String(quota?.outstanding ?? 0n),
          vault: String(getAccount(state, vaultAccountId(operatorId))?.balance ?? 0n),
        };
      });
    return { height: String(this.ledger.height), supply: String(getMoneySupply(state)), operators };
  }

  signer(publicKey: Uint8Array): api.SignerResponse {
    const nextNonce = getNextNonce(this.ledger.state, publicKey);
    const pendingNonce = this.mempool.pendingNonce(publicKey);
    return {
      publicKey: bytesToHex(publicKey),
      ...(nextNonce === undefined ? {} : { nextNonce: String(nextNonce) }),
      ...(pendingNonce === undefined ? {} : { pendingNonce: String(pendingNonce) }),
    };
  }

  /**
   * Recorded misbehaviour from the store's evidence range. The store enumerates a prefix
   * only from its start, so a later page walks past the earlier keys; records are rare
   * (each is a validator caught signing twice), and a page stops at `limit`.
   */
  async evidence(query: EvidenceQuery): Promise<api.EvidenceListResponse> {
    const height = this.ledger.height;
    const records: api.ProtoJsonValue[] = [];
    let lastKey: Uint8Array | undefined;
    let more = false;
    for await (const [key, value] of this.ledger.store.iterateState(evidenceKeyPrefix(query.validator))) {
      if (query.after !== undefined && compareBytes(key, query.after) <= 0) continue;
      if (records.length === query.limit) {
        more = true;
        break;
      }
      records.push(json(toJson(EvidenceRecordSchema, decodeEvidenceRecord(key, value))));
      lastKey = key;
    }
    return { height: String(height), records, ...(more && lastKey !== undefined ? { next: bytesToHex(lastKey) } : {}) };
  }

  subscribe(topic: SubscriptionTopic, listener: (event: api.SubscriptionEvent) => void): () => void {
    switch (topic.kind) {
      case 'blocks':
        return this.events.onBlock((event) =>
          listener({
            type: 'block',
            height: String(event.header.height),
            hash: bytesToHex(event.hash),
            timestampMs: String(event.header.timestampMs),
            transactionCount: event.header.transactionCount,
          }),
        );
      case 'receipt': {
        const id = topic.id;
        const stored = this.ledger.store.getReceipt(hexToBytes(id));
        if (stored !== undefined) {
          // Already committed: answer at once, as a fresh subscriber would otherwise wait forever.
          queueMicrotask(() => listener({ type: 'receipt', id, height: String(stored.height), receipt: receiptToJson(stored.receipt) }));
          return () => {};
        }
        return this.events.onOutcome(id, (outcome) =>
          listener(
            outcome.committed
              ? { type: 'receipt', id, height: String(outcome.height), receipt: receiptToJson(outcome.receipt) }
              : { type: 'discarded', id, height: String(outcome.height), code: outcome.code, message: outcome.message },
          ),
        );
      }
      case 'wallet':
        return this.events.onWallet(topic.walletId, (height, id, receipt) =>
          listener({ type: 'wallet', walletId: topic.walletId, id: bytesToHex(id), height: String(height), receipt: receiptToJson(receipt) }),
        );
    }
  }

  async metrics(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.metricsRegistry.registry.contentType, body: await this.metricsRegistry.registry.metrics() };
  }
}
