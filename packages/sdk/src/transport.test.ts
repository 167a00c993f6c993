// The SDK against a tiny fake node: node:http for the routes of the HTTP API and `ws`
// for /v1/subscribe, answering canned JSON in the shapes of protocol's api namespace,
// with real Merkle proofs over a small state, and the node's real transaction verifier
// on submissions. Checks: typed answers, error mapping (error body, foreign body,
// network failure, timeout), GET-only retries, proof verification and its failures
// (tampered proof, balance, record, header → ProofVerificationError), nonces from
// pendingNonce counted locally, submission in JSON / batch / binary frames with
// wait 'committed', waitForReceipt over WebSocket (a receipt, or a discard) and by polling, and subscriptions that
// reconnect and resubscribe after the server drops the socket.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import {
  AccountKind,
  AccountSchema,
  BlockHeaderSchema,
  EvidenceRecordSchema,
  MisbehaviourKind,
  GenesisSchema,
  ReceiptSchema,
  WalletSchema,
  WalletStatus,
  blockHash,
  bytesToHex,
  create,
  encode,
  getSuite,
  hexToBytes,
  merkleRoot,
  sparseMerkleProof,
  sparseMerkleRoot,
  stateProofToJson,
  toJson,
  utf8ToBytes,
  verifyTransaction,
  type StateEntry,
} from '@tongbao/protocol';
import {
  InvalidResponseError,
  ProofVerificationError,
  TongbaoApiError,
  TongbaoTransportError,
  TransactionRejectedError,
  WaitTimeoutError,
  createClient,
  createLocalAccount,
  createTongbaoClient,
  generateKeyPair,
  getAccount,
  getBlock,
  getWallet,
  InvalidParameterError,
  listEvidence,
  payCommand,
  sendCommand,
  signCommand,
  submitBinary,
  submitTransaction,
  submitTransactions,
  subscribe,
  waitForReceipt,
  yuan,
  type SubscriptionEvent,
  type SubscriptionStatus,
} from './index.js';

const CHAIN = 'fake-chain';
const hash = getSuite('ed25519').hash;

// ---- the fake node's state: two wallets' records and accounts, proven against one header ----
const alice = create(WalletSchema, { id: 'alice', operatorId: 'icbc', tier: 2, status: WalletStatus.OPEN, openedHeight: 3n });
const aliceAccount = create(AccountSchema, { id: 'wallet:alice', kind: AccountKind.WALLET, balance: 1250n, operatorId: 'icbc' });
const vault = create(AccountSchema, { id: 'vault:icbc', kind: AccountKind.OPERATOR_VAULT, balance: 99_000n, operatorId: 'icbc' });
const entries: StateEntry[] = [
  { key: utf8ToBytes('wallet/alice'), value: encode(WalletSchema, alice) },
  { key: utf8ToBytes('account/wallet:alice'), value: encode(AccountSchema, aliceAccount) },
  { key: utf8ToBytes('account/vault:icbc'), value: encode(AccountSchema, vault) },
  { key: utf8ToBytes('config'), value: utf8ToBytes('x') },
];
const txIds = [hash(utf8ToBytes('t1')), hash(utf8ToBytes('t2'))];
const header = create(BlockHeaderSchema, {
  chainId: CHAIN,
  height: 7n,
  previousHash: new Uint8Array(32),
  timestampMs: 1_700_000_000_000n,
  transactionCount: 2,
  transactionsRoot: merkleRoot(hash, txIds),
  receiptsRoot: new Uint8Array(32),
  stateRoot: sparseMerkleRoot(hash, entries),
});
const headerHash = bytesToHex(blockHash(hash, header));
const at = () => ({ height: '7', hash: headerHash, header: toJson(BlockHeaderSchema, header) as Record<string, unknown> });
const proofJson = (key: string) => stateProofToJson(sparseMerkleProof(hash, entries, utf8ToBytes(key)));

/** What the fake answers for a wallet; tests swap it to tamper. */
let walletAnswer: (id: string) => unknown = (id) => ({
  walletId: id,
  wallet: id === 'alice' ? toJson(WalletSchema, alice) : null,
  balance: id === 'alice' ? '1250' : '0',
  proofs: { wallet: proofJson(`wallet/${id}`), account: proofJson(`account/wallet:${id}`) },
  at: at(),
});
const defaultWalletAnswer = walletAnswer;

// ---- transactions seen by the fake node ----
interface Seen {
  id: string;
  status: 'pending' | 'committed';
  bytes: Uint8Array;
}
const seen = new Map<string, Seen>();
let requests: string[] = [];
const evidenceQueries: string[] = [];
let flaky = 0; // answer 503 to this many GET /v1/supply first
let commitOnSubmit = true;

function receiptFor(id: string): Record<string, unknown> {
  return toJson(ReceiptSchema, create(ReceiptSchema, { transactionId: hexToBytes(id), code: 0 })) as Record<string, unknown>;
}

function submitOne(bytes: Uint8Array, wait: string | undefined): Record<string, unknown> {
  try {
    const verified = verifyTransaction('ed25519', CHAIN, bytes);
    const id = bytesToHex(verified.id);
    const committed = wait === 'committed' && commitOnSubmit;
    seen.set(id, { id, status: committed ? 'committed' : 'pending', bytes });
    return committed ? { id, status: 'committed', height: '8', receipt: receiptFor(id) } : { id, status: 'accepted' };
  } catch (error) {
    return { status: 'rejected', error: { code: (error as { code: string }).code, message: (error as Error).message } };
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown, raw = false): void {
  res.writeHead(status, { 'content-type': raw ? 'text/plain' : 'application/json' });
  res.end(raw ? String(body) : JSON.stringify(body));
}

const notFound = (what: string) => ({ error: { code: 'NOT_FOUND', message: `${what} not found`, details: { what } } });

const server = createServer(async (req, res) => {
  const url = new URL(req.url!, 'http://x');
  const path = url.pathname;
  requests.push(`${req.method} ${path}`);
  const body = await readBody(req);
  if (req.method === 'GET') {
    if (path === '/v1/status') {
      return send(res, 200, {
        chainId: CHAIN,
        cryptoSuite: 'ed25519',
        height: '7',
        headHash: headerHash,
        stateRoot: bytesToHex(header.stateRoot),
        timestampMs: '1700000000000',
        nodeVersion: 'fake',
        mempool: { transactions: 0, bytes: 0 },
      });
    }
    if (path === '/v1/genesis') {
      return send(res, 200, { genesis: toJson(GenesisSchema, create(GenesisSchema, { chainId: CHAIN })), hash: 'ab'.repeat(32) });
    }
    if (path === '/v1/evidence') {
      evidenceQueries.push(url.search);
      const record = (round: bigint) =>
        toJson(EvidenceRecordSchema, create(EvidenceRecordSchema, { validatorPublicKey: keys.publicKey, validatorIndex: 2, kind: MisbehaviourKind.CONFLICTING_VOTES, epoch: 0n, round, height: 9n }));
      if (url.searchParams.get('after') === null) return send(res, 200, { height: '9', records: [record(4n)], next: 'aa01' });
      return send(res, 200, { height: '9', records: [record(5n), { round: 'soon' }] });
    }
    if (path === '/v1/supply') {
      if (flaky > 0) {
        flaky--;
        return send(res, 503, { error: { code: 'SHUTTING_DOWN', message: 'busy' } });
      }
      return send(res, 200, { height: '7', supply: '100250', operators: [{ operatorId: 'icbc', quota: '1000000', outstanding: '100250', vault: '99000' }] });
    }
    if (path === '/v1/blocks/latest' || path === '/v1/blocks/7') {
      return send(res, 200, { height: '7', hash: headerHash, header: at().header, transactionIds: txIds.map(bytesToHex) });
    }
    if (path === '/v1/blocks/8') {
      return send(res, 200, { height: '7', hash: headerHash, header: at().header, transactionIds: [bytesToHex(txIds[0]!)] });
    }
    if (path.startsWith('/v1/wallets/')) {
      const id = decodeURIComponent(path.slice('/v1/wallets/'.length));
      if (id === 'ghost') return send(res, 404, notFound('wallet ghost'));
      return send(res, 200, walletAnswer(id));
    }
    if (path.startsWith('/v1/accounts/')) {
      const id = decodeURIComponent(path.slice('/v1/accounts/'.length));
      const record = entries.find((e) => new TextDecoder().decode(e.key) === `account/${id}`);
      return send(res, 200, {
        accountId: id,
        account: record === undefined ? null : toJson(AccountSchema, id === 'vault:icbc' ? vault : aliceAccount),
        proof: proofJson(`account/${id}`),
        at: at(),
      });
    }
    if (path.startsWith('/v1/signers/')) {
      return send(res, 200, { publicKey: path.slice('/v1/signers/'.length), nextNonce: '3', pendingNonce: '5' });
    }
    if (path.startsWith('/v1/transactions/')) {
      const tx = seen.get(path.slice('/v1/transactions/'.length));
      if (tx === undefined) return send(res, 404, notFound('transaction'));
      return send(res, 200, {
        id: tx.id,
        status: tx.status,
        transaction: Buffer.from(tx.bytes).toString('base64'),
        ...(tx.status === 'committed' ? { height: '8', index: 0, receipt: receiptFor(tx.id) } : {}),
      });
    }
    if (path === '/v1/broken') return send(res, 502, '<html>bad gateway</html>', true);
    if (path === '/v1/slow') return void setTimeout(() => send(res, 200, {}), 2_000);
  }
  if (req.method === 'POST') {
    if (path === '/v1/transactions') {
      const json = JSON.parse(body.toString());
      return send(res, 200, submitOne(new Uint8Array(Buffer.from(json.transaction, 'base64')), json.wait));
    }
    if (path === '/v1/transactions/batch') {
      const json = JSON.parse(body.toString());
      return send(res, 200, { results: json.transactions.map((t: string) => submitOne(new Uint8Array(Buffer.from(t, 'base64')), json.wait)) });
    }
    if (path === '/v1/transactions/binary') {
      assert.equal(req.headers['content-type'], 'application/octet-stream');
      const results = [];
      for (let offset = 0; offset < body.length; ) {
        const length = body.readUInt32BE(offset);
        results.push(submitOne(new Uint8Array(body.subarray(offset + 4, offset + 4 + length)), url.searchParams.get('wait') ?? undefined));
        offset += 4 + length;
      }
      return send(res, 200, { results });
    }
    if (path === '/v1/supply') return send(res, 503, { error: { code: 'SHUTTING_DOWN', message: 'busy' } });
  }
  send(res, 404, notFound(path));
});

// ---- WebSocket: subscriptions by topic; the test drives events and drops ----
const wss = new WebSocketServer({ server, path: '/v1/subscribe' });
const sockets = new Set<{ socket: WebSocket; topics: Array<Record<string, string>> }>();
let subscribeMessages: string[] = [];
let answerWithError = false;
wss.on('connection', (socket) => {
  const entry = { socket, topics: [] as Array<Record<string, string>> };
  sockets.add(entry);
  socket.on('close', () => sockets.delete(entry));
  socket.on('message', (data) => {
    subscribeMessages.push(data.toString());
    if (answerWithError) return void socket.send(JSON.stringify({ error: { code: 'TOO_MANY_SUBSCRIPTIONS', message: 'no more' } }));
    entry.topics.push(JSON.parse(data.toString()));
  });
});
function emit(event: Record<string, unknown>): void {
  for (const { socket, topics } of sockets) {
    const match = topics.some(
      (t) =>
        (t.subscribe === 'blocks' && event.type === 'block') ||
        (t.subscribe === 'receipt' && (event.type === 'receipt' || event.type === 'discarded') && t.id === event.id) ||
        (t.subscribe === 'wallet' && event.type === 'wallet' && t.walletId === event.walletId),
    );
    if (match) socket.send(JSON.stringify(event));
  }
}
const blockEvent = (height: number) => ({ type: 'block', height: String(height), hash: 'cd'.repeat(32), timestampMs: '1', transactionCount: 0 });

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(async () => {
  for (const { socket } of sockets) socket.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const until = async (condition: () => boolean, what: string, ms = 5_000): Promise<void> => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const client = createTongbaoClient({ url, WebSocket, retryDelayMs: 1 });
const keys = generateKeyPair('ed25519', new Uint8Array(32).fill(4));
const pay = (n: number) => payCommand({ paymentId: `p-${n}`, fromWalletId: 'alice', toWalletId: 'bob', amount: yuan('1.00') });

test('status, genesis, supply, signer and block come back typed', async () => {
  const status = await client.getStatus();
  assert.equal(status.chainId, CHAIN);
  assert.equal(status.height, 7n);
  assert.equal((await client.getGenesis()).genesis.chainId, CHAIN);
  const supply = await client.getSupply();
  assert.equal(supply.supply, 100250n);
  assert.equal(supply.operators[0]!.vault, 99000n);
  const signer = await client.getSigner({ publicKey: keys.publicKey });
  assert.equal(signer.pendingNonce, 5n);
  const block = await client.getBlock();
  assert.equal(block.height, 7n);
  assert.equal(block.hash, headerHash);
  assert.equal(block.transactionIds.length, 2);
});

test('a block whose transaction ids do not make its root is refused', async () => {
  await assert.rejects(getBlock(client, { height: 8n }), InvalidResponseError);
});

test('getWallet and getAccount return proven records', async () => {
  const wallet = await getWallet(client, { walletId: 'alice' });
  assert.equal(wallet.balance, 1250n);
  assert.equal(wallet.wallet?.tier, 2);
  assert.equal(wallet.height, 7n);
  assert.equal(wallet.blockHash, headerHash);
  const absent = await getWallet(client, { walletId: 'nobody' });
  assert.equal(absent.wallet, null);
  assert.equal(absent.balance, 0n);
  const account = await getAccount(client, { accountId: 'vault:icbc' });
  assert.equal(account.balance, 99000n);
  assert.equal((await getAccount(client, { accountId: 'vault:none' })).account, null);
});

test('tampered proofs, records, balances and headers throw ProofVerificationError', async () => {
  const tamperings: Array<(answer: any) => void> = [
    (a) => (a.proofs.wallet.siblings[0] = a.proofs.wallet.siblings[0].replace(/^./, (c: string) => (c === '0' ? '1' : '0'))),
    (a) => (a.proofs.account.value = a.proofs.account.value.slice(0, -2) + '01'),
    (a) => (a.balance = '999999'),
    (a) => (a.wallet.tier = 1),
    (a) => (a.wallet = null),
    (a) => (a.proofs.wallet = proofJson('wallet/bob')),
    (a) => (a.at.header.timestampMs = '1'),
    (a) => (a.at.hash = 'ee'.repeat(32)),
    (a) => (a.proofs.wallet = { key: 'zz' }),
  ];
  try {
    for (const [i, tamper] of tamperings.entries()) {
      walletAnswer = (id) => {
        const answer = JSON.parse(JSON.stringify(defaultWalletAnswer(id)));
        tamper(answer);
        return answer;
      };
      await assert.rejects(getWallet(client, { walletId: 'alice' }), ProofVerificationError, `tampering ${i}`);
    }
  } finally {
    walletAnswer = defaultWalletAnswer;
  }
});

test('errors map onto TongbaoApiError and TongbaoTransportError', async () => {
  await assert.rejects(getWallet(client, { walletId: 'ghost' }), (e: unknown) => {
    assert.ok(e instanceof TongbaoApiError);
    assert.equal(e.code, 'NOT_FOUND');
    assert.equal(e.httpStatus, 404);
    assert.deepEqual(e.details, { what: 'wallet ghost' });
    return true;
  });
  await assert.rejects(client.request({ method: 'GET', path: '/v1/broken' }), (e: unknown) => {
    assert.ok(e instanceof TongbaoApiError);
    assert.equal(e.code, 'HTTP_502');
    return true;
  });
  const closed = createClient({ url: 'http://127.0.0.1:1', retryCount: 1, retryDelayMs: 1 });
  await assert.rejects(closed.request({ method: 'GET', path: '/v1/status' }), (e: unknown) => {
    assert.ok(e instanceof TongbaoTransportError);
    assert.equal(e.code, 'NETWORK_ERROR');
    return true;
  });
  const impatient = createClient({ url, timeoutMs: 50, retryCount: 0 });
  await assert.rejects(impatient.request({ method: 'GET', path: '/v1/slow' }), (e: unknown) => {
    assert.ok(e instanceof TongbaoTransportError);
    assert.equal(e.code, 'TIMEOUT');
    return true;
  });
});

test('GETs are retried on 503; POSTs never are', async () => {
  requests = [];
  flaky = 2;
  assert.equal((await client.getSupply()).supply, 100250n);
  assert.equal(requests.filter((r) => r === 'GET /v1/supply').length, 3);
  flaky = 10;
  await assert.rejects(createClient({ url, retryCount: 1, retryDelayMs: 1 }).request({ method: 'GET', path: '/v1/supply' }), TongbaoApiError);
  flaky = 0;
  requests = [];
  await assert.rejects(client.request({ method: 'POST', path: '/v1/supply', json: {} }), (e: unknown) => e instanceof TongbaoApiError && e.httpStatus === 503);
  assert.deepEqual(requests, ['POST /v1/supply']);
});

test('sendCommand numbers from pendingNonce, then locally; the node verifier accepts; wait committed gives the receipt', async () => {
  const account = createLocalAccount({ suite: 'ed25519', secretKey: keys.secretKey });
  requests = [];
  const first = await sendCommand(client, { account, command: pay(1) });
  const second = await sendCommand(client, { account, command: pay(2) });
  assert.equal(first.nonce, 5n);
  assert.equal(second.nonce, 6n);
  assert.equal(requests.filter((r) => r.startsWith('GET /v1/signers/')).length, 1);
  assert.equal(first.status, 'committed');
  assert.equal(first.receipt?.code, 0);
  assert.equal(first.height, 8n);
  assert.equal(bytesToHex(first.receipt!.transactionId), first.id);
  const tx = await client.getTransaction({ id: first.id });
  assert.equal(tx.status, 'committed');
  assert.equal(tx.transaction?.body?.nonce, 5n);
});

test('a rejected transaction throws TransactionRejectedError and resets the nonce', async () => {
  const wrongChain = createClient({ url, suite: 'ed25519', chainId: 'other-chain' });
  const account = createLocalAccount({ suite: 'ed25519', secretKey: keys.secretKey });
  await assert.rejects(sendCommand(wrongChain, { account, command: pay(3) }), (e: unknown) => {
    assert.ok(e instanceof TransactionRejectedError);
    assert.equal(e.code, 'WRONG_CHAIN');
    return true;
  });
  assert.equal(account.nonceManager.peek(), undefined);
});

test('batch and binary submissions carry every transaction, in order', async () => {
  const account = createLocalAccount({ suite: 'ed25519', secretKey: keys.secretKey });
  const signed = [];
  for (let i = 10; i < 14; i++) signed.push(await signCommand(client, { account, command: pay(i) }));
  const batch = await submitTransactions(client, { transactions: signed.slice(0, 2), wait: 'committed' });
  assert.deepEqual(batch.map((r) => r.id), signed.slice(0, 2).map((s) => s.id));
  assert.ok(batch.every((r) => r.status === 'committed' && r.receipt?.code === 0));
  const binary = await submitBinary(client, { transactions: [...signed.slice(2), new Uint8Array([1, 2, 3])], wait: 'none' });
  assert.deepEqual(binary.slice(0, 2).map((r) => r.id), signed.slice(2).map((s) => s.id));
  assert.equal(binary[0]!.status, 'accepted');
  assert.equal(binary[2]!.status, 'rejected');
  assert.equal(binary[2]!.error?.code, 'MALFORMED_ENCODING');
});

/** Submits a payment, then waits for it through waitForReceipt once its receipt subscription is open. */
async function waitingOnSubscription(amount: number) {
  const account = createLocalAccount({ suite: 'ed25519', secretKey: keys.secretKey });
  const signed = await signCommand(client, { account, command: pay(amount) });
  assert.equal((await submitTransaction(client, { transaction: signed })).status, 'accepted');
  subscribeMessages = [];
  const waiting = waitForReceipt(client, { id: signed.id, timeoutMs: 5_000, pollIntervalMs: 10_000 });
  await until(() => subscribeMessages.some((m) => m.includes(signed.id)), 'the receipt subscription');
  await new Promise((r) => setTimeout(r, 20));
  return { signed, waiting };
}

test('waitForReceipt resolves from the WebSocket receipt event', async () => {
  const { signed, waiting } = await waitingOnSubscription(20);
  emit({ type: 'receipt', id: signed.id, height: '9', receipt: receiptFor(signed.id) });
  const { height, receipt } = await waiting;
  assert.equal(height, 9n);
  assert.equal(receipt.code, 0);
});

test('waitForReceipt rejects with TransactionRejectedError when the subscription reports the transaction discarded', async () => {
  const { signed, waiting } = await waitingOnSubscription(22);
  const message = "nonce 7 is not this sender's next nonce 5; sign the next transaction with nonce 5";
  emit({ type: 'discarded', id: signed.id, height: '11', code: 'NONCE_MISMATCH', message });
  await assert.rejects(waiting, (error: unknown) => error instanceof TransactionRejectedError && error.code === 'NONCE_MISMATCH' && error.message === message);
});

test('waitForReceipt falls back to polling without a WebSocket, and times out typed', async () => {
  const noSocket = createClient({ url, WebSocket: undefined as never });
  (noSocket as { WebSocket: unknown }).WebSocket = undefined;
  const account = createLocalAccount({ suite: 'ed25519', secretKey: keys.secretKey });
  const signed = await signCommand(client, { account, command: pay(21) });
  await submitTransaction(client, { transaction: signed });
  const waiting = waitForReceipt(noSocket, { id: signed.id, timeoutMs: 5_000, pollIntervalMs: 20 });
  setTimeout(() => (seen.get(signed.id)!.status = 'committed'), 60);
  assert.equal((await waiting).height, 8n);
  await assert.rejects(waitForReceipt(noSocket, { id: 'ab'.repeat(32), timeoutMs: 80, pollIntervalMs: 20 }), WaitTimeoutError);
});

test('a subscription reconnects and resubscribes after the server drops it; close() stops everything', async () => {
  const statuses: SubscriptionStatus[] = [];
  const sub = subscribe(client, {
    topics: [{ subscribe: 'blocks' }, { subscribe: 'wallet', walletId: 'alice' }],
    reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
    onStatus: (s) => statuses.push(s),
    onError: () => {},
  });
  const received: SubscriptionEvent[] = [];
  const consuming = (async () => {
    for await (const event of sub) received.push(event);
  })();
  subscribeMessages = [];
  await until(() => subscribeMessages.length === 2, 'two subscribe messages');
  emit(blockEvent(10));
  emit({ type: 'wallet', walletId: 'alice', id: 'ab'.repeat(32), height: '10', receipt: receiptFor('ab'.repeat(32)) });
  await until(() => received.length === 2, 'two events');
  assert.equal(received[0]!.type, 'block');
  assert.equal((received[0] as { height: bigint }).height, 10n);
  assert.equal(received[1]!.type, 'wallet');

  for (let drop = 0; drop < 2; drop++) {
    subscribeMessages = [];
    for (const { socket } of sockets) socket.terminate();
    await until(() => subscribeMessages.length === 2, `resubscription after drop ${drop}`);
    await until(() => sub.status === 'open', 'open again');
    emit(blockEvent(11 + drop));
    await until(() => received.length === 3 + drop, `event after drop ${drop}`);
  }
  assert.ok(statuses.filter((s) => s === 'reconnecting').length >= 2, statuses.join(','));

  sub.close();
  await consuming;
  assert.equal(sub.status, 'closed');
  await until(() => sockets.size === 0, 'server sees the socket closed');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sockets.size, 0, 'no reconnection after close()');
});

test('the server error message ends an iterator subscription with TongbaoApiError', async () => {
  answerWithError = true;
  try {
    const sub = subscribe(client, { topics: [{ subscribe: 'blocks' }] });
    await assert.rejects(
      (async () => {
        for await (const _ of sub) {
          // nothing arrives
        }
      })(),
      (e: unknown) => e instanceof TongbaoApiError && e.code === 'TOO_MANY_SUBSCRIPTIONS',
    );
    assert.equal(sub.status, 'closed');
  } finally {
    answerWithError = false;
  }
});

test('a slow iterator fails with SUBSCRIPTION_OVERFLOW instead of growing without bound', async () => {
  const sub = subscribe(client, { topics: [{ subscribe: 'blocks' }], queueCountMax: 3 });
  await until(() => sub.status === 'open', 'open');
  await until(() => [...sockets].some((s) => s.topics.length > 0), 'subscribed');
  for (let i = 0; i < 5; i++) emit(blockEvent(100 + i));
  await until(() => sub.status === 'closed', 'closed by overflow');
  const seenEvents: SubscriptionEvent[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of sub) seenEvents.push(event);
    })(),
    (e: unknown) => (e as { code?: string }).code === 'SUBSCRIPTION_OVERFLOW',
  );
  assert.equal(seenEvents.length, 3);
});

// Pages through GET /v1/evidence: the query carries validator (hex), after and limit; the
// records decode to EvidenceRecord; a record that is not one is an InvalidResponseError;
// a bad limit or cursor is refused before any request.
test('listEvidence pages with a cursor, decodes records and refuses a malformed one', async () => {
  const first = await listEvidence(client, { validator: keys.publicKey, limit: 10 });
  assert.equal(first.height, 9n);
  assert.equal(first.records[0]!.round, 4n);
  assert.equal(first.records[0]!.kind, MisbehaviourKind.CONFLICTING_VOTES);
  assert.equal(first.next, 'aa01');
  assert.equal(evidenceQueries.at(-1), `?validator=${bytesToHex(keys.publicKey)}&limit=10`);
  await assert.rejects(listEvidence(client, { after: first.next! }), InvalidResponseError);
  assert.equal(evidenceQueries.at(-1), '?after=aa01');
  const asked = evidenceQueries.length;
  await assert.rejects(listEvidence(client, { limit: 101 }), InvalidParameterError);
  await assert.rejects(listEvidence(client, { after: 'XYZ' }), InvalidParameterError);
  assert.equal(evidenceQueries.length, asked, 'nothing was sent');
});
