// The happy path of every route and the error table, through app.inject against the
// fake NodeService: status codes, response shapes (checked with the shared TypeBox
// schemas), what the service was asked, and how service errors map to HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { api, bytesToHex, TongbaoError } from '@tongbao/protocol';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { createApiServer } from './server.js';
import { encodeTransactionFrames } from './codec.js';
import { ERROR_STATUS } from './errors.js';
import { FakeNodeService, fakeTransaction, fakeTransactionId, serviceError } from './testing/fake-node-service.js';
import { base64, createTestApi, isErrorBody } from './testing/helpers.js';

function assertShape(schema: TSchema, value: unknown): void {
  const validator = Compile(schema);
  assert.ok(validator.Check(value), `does not match the schema: ${JSON.stringify(value)} — ${JSON.stringify([...validator.Errors(value)].slice(0, 3))}`);
}

test('GET /v1/status, /v1/genesis, /v1/supply answer their shapes', async () => {
  const { request } = await createTestApi();
  for (const [url, schema] of [
    ['/v1/status', api.StatusResponse],
    ['/v1/genesis', api.GenesisResponse],
    ['/v1/supply', api.SupplyResponse],
  ] as const) {
    const { status, body } = await request({ method: 'GET', url });
    assert.equal(status, 200, url);
    assertShape(schema, body);
  }
});

test('POST /v1/transactions: accepted 200, committed 200 with height, rejected 422 with error', async () => {
  const { request, service } = await createTestApi();
  const tx = fakeTransaction('alice');
  const accepted = await request({ method: 'POST', url: '/v1/transactions', payload: { transaction: base64(tx) } });
  assert.equal(accepted.status, 200);
  assertShape(api.SubmitResult, accepted.body);
  assert.deepEqual(accepted.body, { id: fakeTransactionId(tx), status: 'accepted' });
  assert.deepEqual(service.calls.at(-1)!.args, [[tx], { wait: 'none', timeoutMs: 10_000, receipts: 'full' }]);

  const rejected = await request({ method: 'POST', url: '/v1/transactions', payload: { transaction: base64(Uint8Array.of(1, 2, 3)) } });
  assert.equal(rejected.status, 422);
  assertShape(api.SubmitResult, rejected.body);
  assert.equal((rejected.body as api.SubmitResult).status, 'rejected');
  assert.equal((rejected.body as api.SubmitResult).error?.code, 'MALFORMED_ENCODING');

  // wait 'committed': resolves once the block commits.
  const tx2 = fakeTransaction('bob');
  const pending = request({ method: 'POST', url: '/v1/transactions', payload: { transaction: base64(tx2), wait: 'committed', timeoutMs: 5_000 } });
  await new Promise((r) => setTimeout(r, 20));
  service.commitPending();
  const committed = await pending;
  assert.equal(committed.status, 200);
  assertShape(api.SubmitResult, committed.body);
  assert.equal((committed.body as api.SubmitResult).status, 'committed');
  assert.equal((committed.body as api.SubmitResult).height, '1');
});

test('POST /v1/transactions with wait committed past its timeout: 200, status accepted, error WAIT_TIMEOUT', async () => {
  const { request } = await createTestApi();
  const { status, body } = await request({ method: 'POST', url: '/v1/transactions', payload: { transaction: base64(fakeTransaction('t')), wait: 'committed', timeoutMs: 10 } });
  assert.equal(status, 200);
  assert.equal((body as api.SubmitResult).status, 'accepted');
  assert.equal((body as api.SubmitResult).error?.code, 'WAIT_TIMEOUT');
});

test('the default wait timeout comes from ApiOptions.waitTimeoutMsDefault', async () => {
  const { request, service } = await createTestApi({ waitTimeoutMsDefault: 1234 });
  await request({ method: 'POST', url: '/v1/transactions', payload: { transaction: base64(fakeTransaction()), wait: 'committed' } });
  assert.deepEqual(service.calls.at(-1)!.args[1], { wait: 'committed', timeoutMs: 1234, receipts: 'full' });
});

test('POST /v1/transactions/batch: one result per transaction, in order, HTTP 200 even with rejections', async () => {
  const { request } = await createTestApi({}, { autoCommit: true });
  const good = fakeTransaction('alice', 1);
  const { status, body } = await request({
    method: 'POST',
    url: '/v1/transactions/batch',
    payload: { transactions: [base64(good), base64(Uint8Array.of(9))], wait: 'committed', timeoutMs: 1000 },
  });
  assert.equal(status, 200);
  assertShape(api.SubmitBatchResponse, body);
  const { results } = body as api.SubmitBatchResponse;
  assert.deepEqual(results.map((r) => r.status), ['committed', 'rejected']);
  assert.equal(results[0]!.id, fakeTransactionId(good));
});

test('POST /v1/transactions/binary: frames become views handed to submit, query options honoured', async () => {
  const { request, service } = await createTestApi();
  const txs = [fakeTransaction('a', 1), fakeTransaction('b', 2), fakeTransaction('c', 3)];
  const { status, body } = await request({
    method: 'POST',
    url: '/v1/transactions/binary?wait=committed&timeoutMs=15',
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from(encodeTransactionFrames(txs)),
  });
  assert.equal(status, 200);
  assertShape(api.SubmitBatchResponse, body);
  assert.deepEqual((body as api.SubmitBatchResponse).results.map((r) => r.id), txs.map(fakeTransactionId));
  assert.deepEqual(service.calls.at(-1)!.args, [txs, { wait: 'committed', timeoutMs: 15, receipts: 'full' }]);
});

test('receipts=brief reaches the service from the binary query and the batch body; another value is 400', async () => {
  const { request, service } = await createTestApi();
  const tx = fakeTransaction('a', 1);
  await request({
    method: 'POST',
    url: '/v1/transactions/binary?wait=committed&timeoutMs=15&receipts=brief',
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from(encodeTransactionFrames([tx])),
  });
  assert.deepEqual(service.calls.at(-1)!.args[1], { wait: 'committed', timeoutMs: 15, receipts: 'brief' });
  await request({ method: 'POST', url: '/v1/transactions/batch', payload: { transactions: [base64(fakeTransaction('b', 2))], wait: 'committed', timeoutMs: 15, receipts: 'brief' } });
  assert.deepEqual(service.calls.at(-1)!.args[1], { wait: 'committed', timeoutMs: 15, receipts: 'brief' });
  const calls = service.calls.length;
  const { status, body } = await request({
    method: 'POST',
    url: '/v1/transactions/binary?receipts=short',
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from(encodeTransactionFrames([fakeTransaction('c', 3)])),
  });
  assert.equal(status, 400);
  assert.equal((body as api.ErrorBody).error.code, 'MALFORMED_REQUEST');
  assert.equal(service.calls.length, calls, 'nothing was submitted');
});

test('POST /v1/transactions/binary hands the service views of the one body buffer, not copies', async () => {
  const service = new FakeNodeService();
  let buffers: ArrayBufferLike[] = [];
  const submit = service.submit.bind(service);
  service.submit = (transactions, options) => {
    buffers = transactions.map((t) => t.buffer);
    return submit(transactions, options);
  };
  const app = createApiServer(service);
  const txs = [fakeTransaction('a'), fakeTransaction('b'), fakeTransaction('c')];
  const r = await app.inject({ method: 'POST', url: '/v1/transactions/binary', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(encodeTransactionFrames(txs)) });
  assert.equal(r.statusCode, 200);
  assert.equal(buffers.length, 3);
  assert.ok(buffers.every((b) => b === buffers[0]));
});

test('GET /v1/transactions/:id: pending, committed, unknown → 404 NOT_FOUND', async () => {
  const { request, service } = await createTestApi();
  const tx = fakeTransaction('alice');
  const id = fakeTransactionId(tx);
  await request({ method: 'POST', url: '/v1/transactions', payload: { transaction: base64(tx) } });
  let r = await request({ method: 'GET', url: `/v1/transactions/${id}` });
  assert.equal(r.status, 200);
  assertShape(api.TransactionResponse, r.body);
  assert.equal((r.body as api.TransactionResponse).status, 'pending');
  service.commitPending();
  r = await request({ method: 'GET', url: `/v1/transactions/${id}` });
  assertShape(api.TransactionResponse, r.body);
  assert.equal((r.body as api.TransactionResponse).status, 'committed');
  assert.equal(bytesToHex(service.calls.at(-1)!.args[0] as Uint8Array), id);
  r = await request({ method: 'GET', url: `/v1/transactions/${'ee'.repeat(32)}` });
  assert.equal(r.status, 404);
  assert.equal((r.body as api.ErrorBody).error.code, 'NOT_FOUND');
});

test('GET /v1/blocks/latest and /v1/blocks/:height; unknown height → 404', async () => {
  const { request, service } = await createTestApi();
  service.commitPending();
  const latest = await request({ method: 'GET', url: '/v1/blocks/latest' });
  assert.equal(latest.status, 200);
  assertShape(api.BlockResponse, latest.body);
  assert.equal((latest.body as api.BlockResponse).height, '1');
  assert.deepEqual(service.calls.at(-1)!.args, ['latest']);
  const zero = await request({ method: 'GET', url: '/v1/blocks/0' });
  assert.equal(zero.status, 200);
  assert.deepEqual(service.calls.at(-1)!.args, [0n]);
  const max = await request({ method: 'GET', url: '/v1/blocks/18446744073709551615' });
  assert.equal(max.status, 404);
  assert.deepEqual(service.calls.at(-1)!.args, [18446744073709551615n]);
  assert.ok(isErrorBody(max.body));
});

test('GET /v1/accounts/:accountId, /v1/wallets/:walletId, /v1/signers/:publicKey', async () => {
  const { request, service } = await createTestApi();
  const account = await request({ method: 'GET', url: '/v1/accounts/wallet:alice' });
  assert.equal(account.status, 200);
  assertShape(api.AccountResponse, account.body);
  assert.deepEqual(service.calls.at(-1)!.args, ['wallet:alice']);
  const wallet = await request({ method: 'GET', url: '/v1/wallets/alice' });
  assert.equal(wallet.status, 200);
  assertShape(api.WalletResponse, wallet.body);
  assert.equal((wallet.body as api.WalletResponse).balance, '50000');
  const key = 'ab'.repeat(32);
  const signer = await request({ method: 'GET', url: `/v1/signers/${key}` });
  assert.equal(signer.status, 200);
  assertShape(api.SignerResponse, signer.body);
  assert.equal(bytesToHex(service.calls.at(-1)!.args[0] as Uint8Array), key);
  // An SM2 key (65 bytes uncompressed) is longer than Fastify's default parameter limit.
  const sm2 = await request({ method: 'GET', url: `/v1/signers/04${'cd'.repeat(64)}` });
  assert.equal(sm2.status, 200);
});

test('GET /v1/evidence: every record, one validator\'s, and page by page with next/after', async () => {
  const { request, service } = await createTestApi();
  const rounds = (page: api.EvidenceListResponse) => page.records.map((r) => (r as { round: string }).round);
  const all = await request({ method: 'GET', url: '/v1/evidence' });
  assert.equal(all.status, 200);
  assertShape(api.EvidenceListResponse, all.body);
  const list = all.body as api.EvidenceListResponse;
  assert.deepEqual(rounds(list), ['7', '9']);
  assert.equal(list.next, undefined, 'one page holds both');
  assert.deepEqual(service.calls.at(-1)!.args[0], { limit: api.EVIDENCE_PAGE_RECORDS_MAX });

  const one = (await request({ method: 'GET', url: `/v1/evidence?validator=${'bb'.repeat(32)}` })).body as api.EvidenceListResponse;
  assert.deepEqual(one.records.map((r) => (r as { validatorIndex: number }).validatorIndex), [2]);
  assert.deepEqual(service.calls.at(-1)!.args[0], { validator: new Uint8Array(32).fill(0xbb), limit: api.EVIDENCE_PAGE_RECORDS_MAX });

  const first = (await request({ method: 'GET', url: '/v1/evidence?limit=1' })).body as api.EvidenceListResponse;
  assert.deepEqual(rounds(first), ['7']);
  assert.ok(first.next !== undefined, 'a next page is announced');
  const second = (await request({ method: 'GET', url: `/v1/evidence?limit=1&after=${first.next}` })).body as api.EvidenceListResponse;
  assert.deepEqual(rounds(second), ['9']);
  assert.equal(second.next, undefined);
  assert.deepEqual((await request({ method: 'GET', url: `/v1/evidence?validator=${'cc'.repeat(32)}` })).body, { height: '0', records: [] });
});

test('GET /metrics serves the service text with its content type; /openapi.json is JSON', async () => {
  const { request } = await createTestApi();
  const metrics = await request({ method: 'GET', url: '/metrics' });
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.response.body, /tongbao_fake_blocks 1/);
  const doc = await request({ method: 'GET', url: '/openapi.json' });
  assert.equal(doc.status, 200);
  assert.equal((doc.body as { openapi: string }).openapi, '3.1.0');
});

test('service errors map through the one table; unknown errors are 500 INTERNAL with nothing leaked', async () => {
  const cases: Array<[unknown, number, string]> = [
    [serviceError('NOT_FOUND'), 404, 'NOT_FOUND'],
    [serviceError('INVALID_QUERY'), 400, 'INVALID_QUERY'],
    [serviceError('MEMPOOL_FULL'), 503, 'MEMPOOL_FULL'],
    [serviceError('SHUTTING_DOWN'), 503, 'SHUTTING_DOWN'],
    [serviceError('OVERSIZED'), 413, 'OVERSIZED'],
    [serviceError('RATE_LIMITED'), 429, 'RATE_LIMITED'],
    [new TongbaoError('LEVELDB_CORRUPTION', 'secret path /var/lib/tongbao'), 500, 'INTERNAL'],
    [new Error('secret path /var/lib/tongbao'), 500, 'INTERNAL'],
    ['a thrown string', 500, 'INTERNAL'],
  ];
  for (const [error, status, code] of cases) {
    const { request, service } = await createTestApi();
    service.failNext('status', error);
    const r = await request({ method: 'GET', url: '/v1/status' });
    assert.equal(r.status, status, code);
    assert.ok(isErrorBody(r.body));
    assert.equal((r.body as api.ErrorBody).error.code, code);
    assert.doesNotMatch(r.response.body, /secret/);
  }
  // Thrown from submit too (an async path), with details kept.
  const { request, service } = await createTestApi();
  service.failNext('submit', new TongbaoError('MEMPOOL_FULL', 'the mempool is full', { details: { transactionsMax: 10 } }));
  const r = await request({ method: 'POST', url: '/v1/transactions', payload: { transaction: base64(fakeTransaction()) } });
  assert.equal(r.status, 503);
  assert.deepEqual(r.body, { error: { code: 'MEMPOOL_FULL', message: 'the mempool is full', details: { transactionsMax: 10 } } });
});

test('a service answer that breaks its schema is a 500 INTERNAL, not a malformed response', async () => {
  const service = new FakeNodeService();
  service.status = () => ({ chainId: 'x' }) as unknown as api.StatusResponse;
  const app = createApiServer(service);
  const r = await app.inject({ method: 'GET', url: '/v1/status' });
  assert.equal(r.statusCode, 500);
  assert.equal(JSON.parse(r.body).error.code, 'INTERNAL');
});

test('every code in the table has a 4xx or 5xx status', () => {
  for (const [code, status] of Object.entries(ERROR_STATUS)) assert.ok(status >= 400 && status < 600, code);
});

test('a closing server answers 503 SHUTTING_DOWN in the ErrorBody shape (real server, kept-alive connection)', async () => {
  const app = createApiServer(new FakeNodeService());
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let closingStarted!: () => void;
  const started = new Promise<void>((resolve) => (closingStarted = resolve));
  app.addHook('preClose', async () => {
    closingStarted();
    await held;
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      http.get(`${address}/v1/status`, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
  assert.equal((await get()).status, 200);
  const closed = app.close();
  await started;
  const answer = await get();
  release();
  await closed;
  agent.destroy();
  assert.equal(answer.status, 503);
  assert.equal(JSON.parse(answer.body).error.code, 'SHUTTING_DOWN');
});
