// Every route exercised with malformed input — wrong types, missing and extra fields,
// bad base64 and hex, out-of-range heights, oversized bodies, wrong content types,
// garbage and truncated binary frames — through app.inject. Each must answer the
// expected 4xx status and error code in the ErrorBody shape, and the fake service must
// not have been asked to submit anything (nor changed any state).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSACTION_BYTES_MAX, api } from '@tongbao/protocol';
import type { InjectOptions } from 'fastify';
import { encodeTransactionFrames } from './codec.js';
import { fakeTransaction } from './testing/fake-node-service.js';
import { base64, createTestApi, isErrorBody } from './testing/helpers.js';

interface Case {
  name: string;
  request: InjectOptions;
  status: number;
  code: string;
}

const json = (url: string, payload: unknown): InjectOptions => ({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
const raw = (url: string, payload: string | Buffer, contentType: string): InjectOptions => ({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
const binary = (payload: Uint8Array, query = ''): InjectOptions => raw(`/v1/transactions/binary${query}`, Buffer.from(payload), 'application/octet-stream');
const get = (url: string): InjectOptions => ({ method: 'GET', url });
const good = base64(fakeTransaction('alice'));

function frame(length: number, body: number[] = []): number[] {
  return [(length >>> 24) & 255, (length >>> 16) & 255, (length >>> 8) & 255, length & 255, ...body];
}

const M = 'MALFORMED_REQUEST';

const CASES: Case[] = [
  // POST /v1/transactions
  { name: 'submit: transaction is a number', request: json('/v1/transactions', { transaction: 5 }), status: 400, code: M },
  { name: 'submit: transaction missing', request: json('/v1/transactions', {}), status: 400, code: M },
  { name: 'submit: extra field', request: json('/v1/transactions', { transaction: good, amount: 5 }), status: 400, code: M },
  { name: 'submit: body is null', request: json('/v1/transactions', null), status: 400, code: M },
  { name: 'submit: body is an array', request: json('/v1/transactions', [good]), status: 400, code: M },
  { name: 'submit: body is a string', request: json('/v1/transactions', good), status: 400, code: M },
  { name: 'submit: base64 of bad length', request: json('/v1/transactions', { transaction: 'QUJD' + 'A' }), status: 400, code: M },
  { name: 'submit: base64 with bad characters', request: json('/v1/transactions', { transaction: 'QU*D' }), status: 400, code: M },
  { name: 'submit: base64url alphabet', request: json('/v1/transactions', { transaction: '-_-_' }), status: 400, code: M },
  { name: 'submit: base64 padding inside', request: json('/v1/transactions', { transaction: 'QQ==QQ==' }), status: 400, code: M },
  { name: 'submit: non-canonical base64 (trailing bits)', request: json('/v1/transactions', { transaction: 'AAB=' }), status: 400, code: M },
  { name: 'submit: unpadded base64', request: json('/v1/transactions', { transaction: 'QQ' }), status: 400, code: M },
  { name: 'submit: base64 longer than the schema allows', request: json('/v1/transactions', { transaction: 'A'.repeat(100_004) }), status: 400, code: M },
  { name: 'submit: unknown wait', request: json('/v1/transactions', { transaction: good, wait: 'later' }), status: 400, code: M },
  { name: 'submit: timeoutMs 0', request: json('/v1/transactions', { transaction: good, timeoutMs: 0 }), status: 400, code: M },
  { name: 'submit: timeoutMs negative', request: json('/v1/transactions', { transaction: good, timeoutMs: -1 }), status: 400, code: M },
  { name: 'submit: timeoutMs fractional', request: json('/v1/transactions', { transaction: good, timeoutMs: 1.5 }), status: 400, code: M },
  { name: 'submit: timeoutMs too long', request: json('/v1/transactions', { transaction: good, timeoutMs: api.SUBMIT_WAIT_MS_MAX + 1 }), status: 400, code: M },
  { name: 'submit: timeoutMs as a string', request: json('/v1/transactions', { transaction: good, timeoutMs: '100' }), status: 400, code: M },
  { name: 'submit: invalid JSON', request: raw('/v1/transactions', '{"transaction":', 'application/json'), status: 400, code: M },
  { name: 'submit: empty JSON body', request: raw('/v1/transactions', '', 'application/json'), status: 400, code: M },
  { name: 'submit: prototype poisoning', request: raw('/v1/transactions', `{"transaction":"${good}","__proto__":{"x":1}}`, 'application/json'), status: 400, code: M },
  { name: 'submit: text/plain', request: raw('/v1/transactions', good, 'text/plain'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'submit: octet-stream', request: raw('/v1/transactions', Buffer.from([1, 2]), 'application/octet-stream'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'submit: form encoding', request: raw('/v1/transactions', 'transaction=x', 'application/x-www-form-urlencoded'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'submit: no body', request: { method: 'POST', url: '/v1/transactions' }, status: 400, code: M },
  { name: 'submit: body over bodyBytesMax', request: json('/v1/transactions', { transaction: 'A'.repeat(250_000) }), status: 413, code: 'OVERSIZED' },
  // POST /v1/transactions/batch
  { name: 'batch: empty list', request: json('/v1/transactions/batch', { transactions: [] }), status: 400, code: M },
  { name: 'batch: not a list', request: json('/v1/transactions/batch', { transactions: good }), status: 400, code: M },
  { name: 'batch: missing list', request: json('/v1/transactions/batch', { wait: 'none' }), status: 400, code: M },
  { name: 'batch: extra field', request: json('/v1/transactions/batch', { transactions: [good], priority: 1 }), status: 400, code: M },
  { name: 'batch: a number in the list', request: json('/v1/transactions/batch', { transactions: [good, 7] }), status: 400, code: M },
  { name: 'batch: one bad base64 among good ones (nothing submitted)', request: json('/v1/transactions/batch', { transactions: [good, good, 'AAB='] }), status: 400, code: M },
  { name: 'batch: bad wait', request: json('/v1/transactions/batch', { transactions: [good], wait: 1 }), status: 400, code: M },
  { name: 'batch: too many transactions', request: json('/v1/transactions/batch', { transactions: new Array(api.SUBMIT_BATCH_TRANSACTIONS_MAX + 1).fill('') }), status: 400, code: M },
  { name: 'batch: text/plain', request: raw('/v1/transactions/batch', '[]', 'text/plain'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  // POST /v1/transactions/binary
  { name: 'binary: empty body', request: binary(new Uint8Array(0)), status: 400, code: M },
  { name: 'binary: truncated length prefix', request: binary(Uint8Array.of(0, 0, 1)), status: 400, code: M },
  { name: 'binary: truncated frame', request: binary(Uint8Array.from(frame(10, [84, 66, 84, 88]))), status: 400, code: M },
  { name: 'binary: zero-length frame', request: binary(Uint8Array.from(frame(0))), status: 400, code: M },
  { name: 'binary: frame longer than a transaction may be', request: binary(Uint8Array.from(frame(TRANSACTION_BYTES_MAX + 1, [1, 2, 3]))), status: 400, code: M },
  { name: 'binary: length 0xffffffff', request: binary(Uint8Array.from(frame(0xffffffff, [1]))), status: 400, code: M },
  {
    name: 'binary: good frame then a truncated one (nothing submitted)',
    request: binary(Uint8Array.from([...encodeTransactionFrames([fakeTransaction('a')]), ...frame(5, [84])])),
    status: 400,
    code: M,
  },
  {
    name: 'binary: good frame then 2 stray bytes',
    request: binary(Uint8Array.from([...encodeTransactionFrames([fakeTransaction('a')]), 0, 0])),
    status: 400,
    code: M,
  },
  { name: 'binary: too many frames', request: binary(encodeTransactionFrames(new Array(api.SUBMIT_BATCH_TRANSACTIONS_MAX + 1).fill(Uint8Array.of(1)))), status: 400, code: M },
  { name: 'binary: bad wait', request: binary(encodeTransactionFrames([fakeTransaction()]), '?wait=soon'), status: 400, code: M },
  { name: 'binary: timeoutMs 0', request: binary(encodeTransactionFrames([fakeTransaction()]), '?timeoutMs=0'), status: 400, code: M },
  { name: 'binary: timeoutMs negative', request: binary(encodeTransactionFrames([fakeTransaction()]), '?timeoutMs=-5'), status: 400, code: M },
  { name: 'binary: timeoutMs too long', request: binary(encodeTransactionFrames([fakeTransaction()]), '?timeoutMs=60001'), status: 400, code: M },
  { name: 'binary: timeoutMs not a number', request: binary(encodeTransactionFrames([fakeTransaction()]), '?timeoutMs=1e3'), status: 400, code: M },
  { name: 'binary: repeated query key', request: binary(encodeTransactionFrames([fakeTransaction()]), '?wait=none&wait=committed'), status: 400, code: M },
  { name: 'binary: unknown query key', request: binary(encodeTransactionFrames([fakeTransaction()]), '?fast=1'), status: 400, code: M },
  { name: 'binary: JSON content type', request: json('/v1/transactions/binary', { transactions: [good] }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'binary: no content type', request: { method: 'POST', url: '/v1/transactions/binary', payload: Buffer.from([0, 0, 0, 1, 1]) }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'binary: body over binaryBodyBytesMax', request: binary(encodeTransactionFrames([new Uint8Array(120_000)])), status: 413, code: 'OVERSIZED' },
  // GET /v1/transactions/:id
  { name: 'transaction: not hex', request: get('/v1/transactions/zz'), status: 400, code: M },
  { name: 'transaction: uppercase hex', request: get(`/v1/transactions/${'AB'.repeat(32)}`), status: 400, code: M },
  { name: 'transaction: 63 hex digits', request: get(`/v1/transactions/${'a'.repeat(63)}`), status: 400, code: M },
  { name: 'transaction: 66 hex digits', request: get(`/v1/transactions/${'a'.repeat(66)}`), status: 400, code: M },
  { name: 'transaction: id far too long', request: get(`/v1/transactions/${'a'.repeat(5_000)}`), status: 414, code: 'URI_TOO_LONG' },
  { name: 'transaction: bad percent-encoding', request: get('/v1/transactions/%E0%A4%A'), status: 400, code: M },
  // GET /v1/blocks/:height
  { name: 'block: negative height', request: get('/v1/blocks/-1'), status: 400, code: M },
  { name: 'block: leading zero', request: get('/v1/blocks/01'), status: 400, code: M },
  { name: 'block: fractional', request: get('/v1/blocks/1.5'), status: 400, code: M },
  { name: 'block: word', request: get('/v1/blocks/first'), status: 400, code: M },
  { name: 'block: 2^64', request: get('/v1/blocks/18446744073709551616'), status: 400, code: M },
  { name: 'block: 20 nines', request: get('/v1/blocks/99999999999999999999'), status: 400, code: M },
  { name: 'block: 21 digits', request: get('/v1/blocks/100000000000000000000'), status: 400, code: M },
  { name: 'block: hex', request: get('/v1/blocks/0x10'), status: 400, code: M },
  // GET /v1/accounts/:accountId, /v1/wallets/:walletId
  { name: 'account: space in id', request: get('/v1/accounts/wallet%3Aa%20b'), status: 400, code: M },
  { name: 'account: id too long', request: get(`/v1/accounts/${'a'.repeat(131)}`), status: 400, code: M },
  { name: 'account: unicode id', request: get('/v1/accounts/%E9%92%B1'), status: 400, code: M },
  { name: 'wallet: colon in id', request: get('/v1/wallets/wallet:alice'), status: 400, code: M },
  { name: 'wallet: id too long', request: get(`/v1/wallets/${'w'.repeat(65)}`), status: 400, code: M },
  { name: 'wallet: NUL in id', request: get('/v1/wallets/a%00b'), status: 400, code: M },
  // GET /v1/signers/:publicKey
  { name: 'signer: odd hex', request: get('/v1/signers/abc'), status: 400, code: M },
  { name: 'signer: not hex', request: get('/v1/signers/xyz0'), status: 400, code: M },
  { name: 'signer: uppercase', request: get('/v1/signers/ABCD'), status: 400, code: M },
  { name: 'signer: key over 512 bytes', request: get(`/v1/signers/${'ab'.repeat(513)}`), status: 400, code: M },
  // GET /v1/evidence
  { name: 'evidence: limit 0', request: get('/v1/evidence?limit=0'), status: 400, code: M },
  { name: 'evidence: limit over the page maximum', request: get(`/v1/evidence?limit=${api.EVIDENCE_PAGE_RECORDS_MAX + 1}`), status: 400, code: M },
  { name: 'evidence: limit negative', request: get('/v1/evidence?limit=-1'), status: 400, code: M },
  { name: 'evidence: limit with a leading zero', request: get('/v1/evidence?limit=010'), status: 400, code: M },
  { name: 'evidence: limit not a number', request: get('/v1/evidence?limit=ten'), status: 400, code: M },
  { name: 'evidence: limit of four digits', request: get('/v1/evidence?limit=1000'), status: 400, code: M },
  { name: 'evidence: validator not hex', request: get('/v1/evidence?validator=xyz0'), status: 400, code: M },
  { name: 'evidence: validator odd hex', request: get('/v1/evidence?validator=abc'), status: 400, code: M },
  { name: 'evidence: validator uppercase', request: get('/v1/evidence?validator=ABCD'), status: 400, code: M },
  { name: 'evidence: validator empty', request: get('/v1/evidence?validator='), status: 400, code: M },
  { name: 'evidence: validator over 512 bytes', request: get(`/v1/evidence?validator=${'ab'.repeat(513)}`), status: 400, code: M },
  { name: 'evidence: after not hex', request: get('/v1/evidence?after=next-page'), status: 400, code: M },
  { name: 'evidence: after empty', request: get('/v1/evidence?after='), status: 400, code: M },
  { name: 'evidence: repeated validator', request: get(`/v1/evidence?validator=${'aa'.repeat(32)}&validator=${'bb'.repeat(32)}`), status: 400, code: M },
  { name: 'evidence: unknown query key', request: get('/v1/evidence?round=7'), status: 400, code: M },
  { name: 'evidence: POST', request: json('/v1/evidence', {}), status: 404, code: 'NOT_FOUND' },
  // Unknown routes and methods
  { name: 'unknown route', request: get('/v1/nothing'), status: 404, code: 'NOT_FOUND' },
  { name: 'unknown version', request: get('/v2/status'), status: 404, code: 'NOT_FOUND' },
  { name: 'wrong method', request: { method: 'DELETE', url: '/v1/status' }, status: 404, code: 'NOT_FOUND' },
  { name: 'GET on a POST route', request: get('/v1/transactions/batch'), status: 400, code: M },
  { name: 'plain GET on the WebSocket route', request: get('/v1/subscribe'), status: 426, code: 'UPGRADE_REQUIRED' },
];

test('every malformed request gets its typed 4xx error and submits nothing', async () => {
  const { request, service } = await createTestApi({ bodyBytesMax: 200_000, binaryBodyBytesMax: 100_000 });
  for (const c of CASES) {
    const before = service.stateChanges;
    const submitsBefore = service.calls.filter((call) => call.method === 'submit').length;
    const evidenceQueriesBefore = service.calls.filter((call) => call.method === 'evidence').length;
    const { status, body, response } = await request(c.request);
    assert.equal(status, c.status, `${c.name}: status ${status}, body ${response.body.slice(0, 300)}`);
    assert.ok(isErrorBody(body), `${c.name}: not an ErrorBody: ${response.body.slice(0, 300)}`);
    assert.equal(body.error.code, c.code, `${c.name}: ${response.body.slice(0, 300)}`);
    assert.ok(body.error.message.length > 0, c.name);
    assert.equal(service.stateChanges, before, `${c.name}: state changed`);
    assert.equal(service.calls.filter((call) => call.method === 'submit').length, submitsBefore, `${c.name}: submit was called`);
    assert.equal(service.calls.filter((call) => call.method === 'evidence').length, evidenceQueriesBefore, `${c.name}: the evidence query reached the node`);
  }
});

test('validation messages name the offending field', async () => {
  const { request } = await createTestApi();
  const missing = await request(json('/v1/transactions', {}));
  assert.match((missing.body as api.ErrorBody).error.message, /transaction/);
  const extra = await request(json('/v1/transactions', { transaction: good, amount: 1 }));
  assert.equal((extra.body as api.ErrorBody).error.message, 'body must NOT have additional properties (found "amount")');
  const wait = await request(json('/v1/transactions', { transaction: good, wait: 'soon' }));
  assert.equal((wait.body as api.ErrorBody).error.message, 'body/wait must be one of "none", "committed"');
  const huge = await request(json('/v1/transactions', { transaction: good, ['k'.repeat(5_000)]: 1 }));
  assert.ok((huge.body as api.ErrorBody).error.message.length <= 301, 'messages quoting the request are clipped');
  const frames = await request(binary(Uint8Array.from([...encodeTransactionFrames([fakeTransaction('a')]), ...frame(5, [84])])));
  assert.match((frames.body as api.ErrorBody).error.message, /frame 1 is truncated/);
  assert.deepEqual((frames.body as api.ErrorBody).error.details, { frame: 1, offset: 9 });
});
