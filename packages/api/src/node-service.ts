/**
 * The seam between the API and the node: everything the HTTP and WebSocket routes need,
 * and nothing else. The node implements it (the composition root wires mempool, chain
 * store and event stream behind it); tests implement it with `testing/fake-node-service`.
 *
 * Read methods are synchronous because the node answers them from committed state in
 * memory or through synchronous storage reads; only submission waits (for the mempool's
 * verifier and, with wait 'committed', for consensus), the evidence listing (a range
 * enumeration of the store) and metrics (prom-client) are async.
 *
 * Errors: a method throws a TongbaoError (from @tongbao/protocol) with a code of the
 * table in errors.ts (NOT_FOUND, MEMPOOL_FULL, SHUTTING_DOWN, …); anything else is
 * answered as 500 INTERNAL without its message.
 */
import type { api } from '@tongbao/protocol';

/** How a submit waits and what it answers with. */
export interface SubmitOptions {
  readonly wait: api.WaitMode;
  /** How long a wait for the commit lasts, ms. */
  readonly timeoutMs: number;
  /** With wait 'committed': whole receipts, or only their code, error and message. */
  readonly receipts: api.ReceiptDetail;
}

export type SubscriptionTopic =
  | { kind: 'blocks' }
  | { kind: 'wallet'; walletId: string }
  | { kind: 'receipt'; id: string /* hex */ };

/** A page of GET /v1/evidence: optionally one validator's records, those after a cursor. */
export interface EvidenceQuery {
  /** Only this validator key's records. */
  readonly validator?: Uint8Array;
  /** The `next` cursor of the previous page: only records after it. */
  readonly after?: Uint8Array;
  /** 1..EVIDENCE_PAGE_RECORDS_MAX. */
  readonly limit: number;
}

export interface NodeService {
  status(): api.StatusResponse;
  genesis(): api.GenesisResponse;
  /**
   * Verifies and admits to the mempool; with wait 'committed' resolves when each is
   * committed (or its timeout passes → that result has error WAIT_TIMEOUT, status
   * 'accepted'). Never throws for a bad transaction: its result is status 'rejected'
   * with a typed error. The byte arrays may be views into a larger request buffer that
   * is not reused after the promise settles: copy what must outlive it.
   */
  submit(transactions: readonly Uint8Array[], options: SubmitOptions): Promise<api.SubmitResult[]>;
  transaction(id: Uint8Array): api.TransactionResponse | undefined;
  block(height: bigint | 'latest'): api.BlockResponse | undefined;
  account(accountId: string): api.AccountResponse;
  wallet(walletId: string): api.WalletResponse;
  supply(): api.SupplyResponse;
  signer(publicKey: Uint8Array): api.SignerResponse;
  /** Recorded misbehaviour from committed state. Async: the node enumerates a key range of its store. */
  evidence(query: EvidenceQuery): Promise<api.EvidenceListResponse>;
  /** Calls listener for every matching event until the returned function is called. */
  subscribe(topic: SubscriptionTopic, listener: (event: api.SubscriptionEvent) => void): () => void;
  /** Prometheus text exposition, served at /metrics. */
  metrics(): Promise<{ contentType: string; body: string }>;
}
