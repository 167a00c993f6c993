/**
 * A NodeService in memory, for the API's tests and anyone else's (the SDK's, the
 * console's). It keeps a toy chain: a transaction is any byte string that starts with
 * the 4 ASCII bytes "TBTX" (FAKE_TRANSACTION_MAGIC), its id is its SHA-256; anything
 * else is rejected with MALFORMED_ENCODING, as the real mempool rejects undecodable
 * bytes. Admitted transactions wait in a mempool until `commitPending()` (or, with
 * `autoCommit`, at once) puts them in a block and emits block, receipt and wallet
 * events. A transaction's bytes after the magic may name a wallet ("TBTX" ‖ walletId)
 * whose subscribers then hear about it.
 *
 * Every call is recorded in `calls`; `stateChanges` counts admissions and commits, the
 * only calls that change the fake's state, so a fuzz test can assert that garbage
 * changed nothing. `failNext(method, error)` makes the next call of a method throw.
 */
import { createHash } from 'node:crypto';
import { api, bytesToHex, compareBytes, utf8ToBytes, TongbaoError } from '@tongbao/protocol';
import type { EvidenceQuery, NodeService, SubmitOptions, SubscriptionTopic } from '../node-service.js';

export const FAKE_TRANSACTION_MAGIC = utf8ToBytes('TBTX');

/** A transaction the fake admits: the magic, then (optionally) the id of a wallet it touches. */
export function fakeTransaction(walletId = '', nonce = 0): Uint8Array {
  return utf8ToBytes(`TBTX${walletId}${nonce === 0 ? '' : `#${nonce}`}`);
}

export function fakeTransactionId(transaction: Uint8Array): string {
  return createHash('sha256').update(transaction).digest('hex');
}

export const FAKE_CHAIN_ID = 'tongbao-fake';
const ZERO_HASH = '00'.repeat(32);

export interface FakeCall {
  method: keyof NodeService;
  args: unknown[];
}

interface FakeBlock {
  height: bigint;
  hash: string;
  timestampMs: bigint;
  transactionIds: string[];
}

interface Pending {
  id: string;
  bytes: Uint8Array;
  walletId: string;
  waiters: Array<(result: api.SubmitResult) => void>;
}

export interface FakeNodeServiceOptions {
  /** Commit every admitted transaction at once (so wait 'committed' resolves immediately). */
  autoCommit?: boolean;
}

export class FakeNodeService implements NodeService {
  readonly calls: FakeCall[] = [];
  /** Admissions plus commits: the calls that changed the fake's state. */
  stateChanges = 0;
  readonly blocks: FakeBlock[] = [{ height: 0n, hash: ZERO_HASH.replace(/^00/, '01'), timestampMs: 1_700_000_000_000n, transactionIds: [] }];
  readonly mempool = new Map<string, Pending>();
  readonly committed = new Map<string, { height: bigint; index: number; bytes: Uint8Array }>();
  readonly wallets = new Map<string, bigint>([
    ['alice', 500_00n],
    ['bob', 0n],
  ]);
  /** Recorded misbehaviour, keyed as the node keys it ("evidence/<hex validator key>/…"). */
  readonly evidenceRecords: Array<{ key: Uint8Array; record: api.ProtoJsonValue }> = [
    { key: utf8ToBytes(`evidence/${'aa'.repeat(32)}/${'0'.repeat(20)}/conflicting-votes/${'7'.padStart(20, '0')}`), record: { validatorIndex: 1, kind: 'MISBEHAVIOUR_KIND_CONFLICTING_VOTES', round: '7' } },
    { key: utf8ToBytes(`evidence/${'bb'.repeat(32)}/${'0'.repeat(20)}/conflicting-proposals/${'9'.padStart(20, '0')}`), record: { validatorIndex: 2, kind: 'MISBEHAVIOUR_KIND_CONFLICTING_PROPOSALS', round: '9' } },
  ];
  private readonly listeners = new Map<number, { topic: SubscriptionTopic; listener: (event: api.SubscriptionEvent) => void }>();
  private nextListener = 0;
  private readonly failures = new Map<keyof NodeService, unknown>();
  private readonly autoCommit: boolean;

  constructor(options: FakeNodeServiceOptions = {}) {
    this.autoCommit = options.autoCommit ?? false;
  }

  /** Subscriptions open now. */
  get subscriptionCount(): number {
    return this.listeners.size;
  }

  /** The next call of `method` throws `error`. */
  failNext(method: keyof NodeService, error: unknown): void {
    this.failures.set(method, error);
  }

  private record(method: keyof NodeService, ...args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failures.has(method)) {
      const error = this.failures.get(method);
      this.failures.delete(method);
      throw error;
    }
  }

  private head(): FakeBlock {
    return this.blocks[this.blocks.length - 1]!;
  }

  private header(block: FakeBlock): api.ProtoJsonValue {
    return { chainId: FAKE_CHAIN_ID, height: String(block.height), timestampMs: String(block.timestampMs) };
  }

  private receipt(id: string): api.ProtoJsonValue {
    return { transactionId: Buffer.from(id, 'hex').toString('base64'), code: 0 };
  }

  status(): api.StatusResponse {
    this.record('status');
    const head = this.head();
    let bytes = 0;
    for (const p of this.mempool.values()) bytes += p.bytes.length;
    return {
      chainId: FAKE_CHAIN_ID,
      cryptoSuite: 'ed25519',
      height: String(head.height),
      headHash: head.hash,
      stateRoot: ZERO_HASH,
      timestampMs: String(head.timestampMs),
      nodeVersion: '0.0.0-fake',
      mempool: { transactions: this.mempool.size, bytes },
    };
  }

  genesis(): api.GenesisResponse {
    this.record('genesis');
    return { genesis: { chainId: FAKE_CHAIN_ID }, hash: this.blocks[0]!.hash };
  }

  async submit(transactions: readonly Uint8Array[], options: SubmitOptions): Promise<api.SubmitResult[]> {
    this.record('submit', transactions.map((t) => Uint8Array.from(t)), options);
    const waits: Array<Promise<api.SubmitResult>> = [];
    for (const bytes of transactions) {
      const hasMagic = bytes.length >= 4 && FAKE_TRANSACTION_MAGIC.every((b, i) => bytes[i] === b);
      if (!hasMagic) {
        waits.push(Promise.resolve({ status: 'rejected', error: { code: 'MALFORMED_ENCODING', message: 'not a fake transaction (no TBTX magic)' } }));
        continue;
      }
      const id = fakeTransactionId(bytes);
      if (this.committed.has(id) || this.mempool.has(id)) {
        waits.push(Promise.resolve({ id, status: 'rejected', error: { code: 'DUPLICATE', message: 'transaction already known' } }));
        continue;
      }
      const walletId = Buffer.from(bytes.subarray(4)).toString('utf8').split('#')[0]!;
      const pending: Pending = { id, bytes: Uint8Array.from(bytes), walletId, waiters: [] };
      this.mempool.set(id, pending);
      this.stateChanges++;
      if (options.wait === 'none') {
        waits.push(Promise.resolve({ id, status: 'accepted' }));
        continue;
      }
      waits.push(
        new Promise<api.SubmitResult>((resolve) => {
          const timer = setTimeout(() => {
            resolve({ id, status: 'accepted', error: { code: 'WAIT_TIMEOUT', message: `not committed within ${options.timeoutMs} ms` } });
          }, options.timeoutMs);
          pending.waiters.push((result) => {
            clearTimeout(timer);
            resolve(result);
          });
        }),
      );
    }
    if (this.autoCommit && this.mempool.size > 0) this.commitPending();
    return Promise.all(waits);
  }

  /** Commits every pending transaction in one new block and emits its events. */
  commitPending(): FakeBlock {
    const pendings = [...this.mempool.values()];
    this.mempool.clear();
    const parent = this.head();
    const block: FakeBlock = {
      height: parent.height + 1n,
      hash: createHash('sha256').update(parent.hash).update(pendings.map((p) => p.id).join('')).digest('hex'),
      timestampMs: parent.timestampMs + 1000n,
      transactionIds: pendings.map((p) => p.id),
    };
    this.blocks.push(block);
    this.stateChanges++;
    pendings.forEach((p, index) => this.committed.set(p.id, { height: block.height, index, bytes: p.bytes }));
    this.emit({ kind: 'blocks' }, { type: 'block', height: String(block.height), hash: block.hash, timestampMs: String(block.timestampMs), transactionCount: pendings.length });
    for (const p of pendings) {
      const receipt = this.receipt(p.id);
      this.emit({ kind: 'receipt', id: p.id }, { type: 'receipt', id: p.id, height: String(block.height), receipt });
      if (p.walletId !== '') this.emit({ kind: 'wallet', walletId: p.walletId }, { type: 'wallet', walletId: p.walletId, id: p.id, height: String(block.height), receipt });
      for (const waiter of p.waiters) waiter({ id: p.id, status: 'committed', height: String(block.height), receipt });
    }
    return block;
  }

  /** Delivers an event to the listeners of a topic, as the node's event stream would. */
  emit(topic: SubscriptionTopic, event: api.SubscriptionEvent): void {
    for (const { topic: t, listener } of [...this.listeners.values()]) {
      const match =
        t.kind === topic.kind &&
        (t.kind !== 'wallet' || (topic.kind === 'wallet' && t.walletId === topic.walletId)) &&
        (t.kind !== 'receipt' || (topic.kind === 'receipt' && t.id === topic.id));
      if (match) listener(event);
    }
  }

  transaction(id: Uint8Array): api.TransactionResponse | undefined {
    this.record('transaction', Uint8Array.from(id));
    const hex = bytesToHex(id);
    const pending = this.mempool.get(hex);
    if (pending !== undefined) return { id: hex, status: 'pending', transaction: Buffer.from(pending.bytes).toString('base64') };
    const committed = this.committed.get(hex);
    if (committed === undefined) return undefined;
    return {
      id: hex,
      status: 'committed',
      height: String(committed.height),
      index: committed.index,
      transaction: Buffer.from(committed.bytes).toString('base64'),
      receipt: this.receipt(hex),
    };
  }

  block(height: bigint | 'latest'): api.BlockResponse | undefined {
    this.record('block', height);
    const block = height === 'latest' ? this.head() : this.blocks.find((b) => b.height === height);
    if (block === undefined) return undefined;
    return { height: String(block.height), hash: block.hash, header: this.header(block), transactionIds: block.transactionIds };
  }

  private at(): api.ProvenAt {
    const head = this.head();
    return { height: String(head.height), hash: head.hash, header: this.header(head) };
  }

  private proof(key: string, present: boolean): api.StateProofBody {
    const keyHex = Buffer.from(key).toString('hex');
    return { key: keyHex, value: present ? '00' : null, siblings: [], leaf: null };
  }

  account(accountId: string): api.AccountResponse {
    this.record('account', accountId);
    const walletId = accountId.startsWith('wallet:') ? accountId.slice('wallet:'.length) : undefined;
    const balance = walletId === undefined ? undefined : this.wallets.get(walletId);
    return {
      accountId,
      account: balance === undefined ? null : { id: accountId, kind: 'ACCOUNT_KIND_WALLET', balance: String(balance) },
      proof: this.proof(`account/${accountId}`, balance !== undefined),
      at: this.at(),
    };
  }

  wallet(walletId: string): api.WalletResponse {
    this.record('wallet', walletId);
    const balance = this.wallets.get(walletId);
    return {
      walletId,
      wallet: balance === undefined ? null : { id: walletId, tier: 2 },
      balance: String(balance ?? 0n),
      proofs: { wallet: this.proof(`wallet/${walletId}`, balance !== undefined), account: this.proof(`account/wallet:${walletId}`, balance !== undefined) },
      at: this.at(),
    };
  }

  supply(): api.SupplyResponse {
    this.record('supply');
    let total = 0n;
    for (const b of this.wallets.values()) total += b;
    return { height: String(this.head().height), supply: String(total), operators: [{ operatorId: 'icbc', quota: '100000000', outstanding: String(total), vault: '0' }] };
  }

  signer(publicKey: Uint8Array): api.SignerResponse {
    this.record('signer', Uint8Array.from(publicKey));
    return { publicKey: bytesToHex(publicKey), nextNonce: '1', pendingNonce: '1' };
  }

  async evidence(query: EvidenceQuery): Promise<api.EvidenceListResponse> {
    this.record('evidence', { ...query });
    const prefix = utf8ToBytes(query.validator === undefined ? 'evidence/' : `evidence/${bytesToHex(query.validator)}/`);
    const matching = this.evidenceRecords
      .filter((r) => compareBytes(r.key.subarray(0, prefix.length), prefix) === 0)
      .filter((r) => query.after === undefined || compareBytes(r.key, query.after) > 0)
      .sort((a, b) => compareBytes(a.key, b.key));
    const page = matching.slice(0, query.limit);
    return {
      height: String(this.head().height),
      records: page.map((r) => r.record),
      ...(matching.length > page.length ? { next: bytesToHex(page[page.length - 1]!.key) } : {}),
    };
  }

  subscribe(topic: SubscriptionTopic, listener: (event: api.SubscriptionEvent) => void): () => void {
    this.record('subscribe', topic);
    const key = this.nextListener++;
    this.listeners.set(key, { topic, listener });
    return () => {
      this.listeners.delete(key);
    };
  }

  async metrics(): Promise<{ contentType: string; body: string }> {
    this.record('metrics');
    return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: `# HELP tongbao_fake_blocks blocks\n# TYPE tongbao_fake_blocks gauge\ntongbao_fake_blocks ${this.blocks.length}\n` };
  }
}

/** An error the fake can be told to throw, as the node would. */
export function serviceError(code: string, message = code.toLowerCase()): TongbaoError {
  return new TongbaoError(code, message);
}
