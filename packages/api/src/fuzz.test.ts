// Fuzzing every route with fast-check: random JSON values and random bytes as bodies,
// random strings as path parameters and query values, random mutations of valid frame
// sequences. Inputs that happen to be valid requests are skipped (fc.pre), so every
// remaining request is malformed and must be answered with a 4xx (never 5xx) in the
// ErrorBody shape, without the fake service changing any state. One server serves all
// runs; the rate limit is set out of reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { api } from '@tongbao/protocol';
import { Compile } from 'typebox/compile';
import type { InjectOptions } from 'fastify';
import { decodeTransactionFrames, encodeTransactionFrames } from './codec.js';
import { fakeTransaction } from './testing/fake-node-service.js';
import { createTestApi, isErrorBody, type TestApi } from './testing/helpers.js';

const RUNS = 300;
const LIMITS = { bodyBytesMax: 64 * 1024, binaryBodyBytesMax: 256 * 1024, rateLimitRequestsMax: 1_000_000 };

async function assertRejected(t: TestApi, request: InjectOptions): Promise<void> {
  const before = t.service.stateChanges;
  const { status, body, response } = await t.request(request);
  const what = `${request.method} ${request.url} → ${status} ${response.body.slice(0, 200)}`;
  assert.ok(status >= 400 && status < 500, what);
  assert.ok(isErrorBody(body), `not an ErrorBody: ${what}`);
  assert.equal(t.service.stateChanges, before, `state changed: ${what}`);
}

function isCanonicalBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text) && Buffer.from(text, 'base64').toString('base64') === text;
}

/** Would this JSON body be a valid request (schema and base64)? Then it is not fuzz. */
const validBody: Record<string, (value: unknown) => boolean> = {
  '/v1/transactions': (v) => Compile(api.SubmitRequest).Check(v) && isCanonicalBase64((v as api.SubmitRequest).transaction),
  '/v1/transactions/batch': (v) => Compile(api.SubmitBatchRequest).Check(v) && (v as api.SubmitBatchRequest).transactions.every(isCanonicalBase64),
};

/** JSON values biased towards the request shapes: right keys, wrong or odd values. */
const nearRequest = fc.record(
  {
    transaction: fc.oneof(fc.string(), fc.base64String(), fc.integer(), fc.constant(null)),
    transactions: fc.oneof(fc.array(fc.oneof(fc.string(), fc.base64String(), fc.integer()), { maxLength: 4 }), fc.string()),
    wait: fc.oneof(fc.constantFrom('none', 'committed', 'soon', ''), fc.integer()),
    timeoutMs: fc.oneof(fc.integer(), fc.double(), fc.string()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const jsonBody = fc.oneof(fc.jsonValue(), nearRequest);

for (const url of ['/v1/transactions', '/v1/transactions/batch']) {
  test(`fuzz POST ${url} with random JSON`, async () => {
    const t = await createTestApi(LIMITS);
    await fc.assert(
      fc.asyncProperty(jsonBody, async (value) => {
        fc.pre(!validBody[url]!(value));
        await assertRejected(t, { method: 'POST', url, payload: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
      }),
      { numRuns: RUNS },
    );
  });

  test(`fuzz POST ${url} with random bytes under random content types`, async () => {
    const t = await createTestApi(LIMITS);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16'),
        async (bytes, contentType) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
          } catch {
            parsed = undefined;
          }
          fc.pre(!(contentType === 'application/json' && validBody[url]!(parsed)));
          await assertRejected(t, { method: 'POST', url, payload: Buffer.from(bytes), headers: { 'content-type': contentType } });
        },
      ),
      { numRuns: RUNS },
    );
  });
}

function framesValid(bytes: Uint8Array): boolean {
  try {
    decodeTransactionFrames(bytes);
    return true;
  } catch {
    return false;
  }
}

test('fuzz POST /v1/transactions/binary with random bytes', async () => {
  const t = await createTestApi(LIMITS);
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), async (bytes) => {
      fc.pre(!framesValid(bytes));
      await assertRejected(t, { method: 'POST', url: '/v1/transactions/binary', payload: Buffer.from(bytes), headers: { 'content-type': 'application/octet-stream' } });
    }),
    { numRuns: RUNS },
  );
});

test('fuzz POST /v1/transactions/binary with valid frame sequences, truncated or with a corrupted length', async () => {
  const t = await createTestApi(LIMITS);
  const transactions = fc.array(fc.string({ minLength: 0, maxLength: 20 }).map((s) => fakeTransaction(s)), { minLength: 1, maxLength: 8 });
  await fc.assert(
    fc.asyncProperty(transactions, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), async (txs, cutAt, lengthAt, length) => {
      const frames = encodeTransactionFrames(txs);
      // Either cut the sequence short, or overwrite one frame's length prefix.
      const mutated = Uint8Array.from(frames);
      let body: Uint8Array;
      if (cutAt % 2 === 0) {
        body = mutated.subarray(0, cutAt % frames.length);
      } else {
        let offset = 0;
        for (let i = 0; i < lengthAt % txs.length; i++) offset += 4 + txs[i]!.length;
        new DataView(mutated.buffer).setUint32(offset, length);
        body = mutated;
      }
      fc.pre(!framesValid(body));
      await assertRejected(t, { method: 'POST', url: '/v1/transactions/binary', payload: Buffer.from(body), headers: { 'content-type': 'application/octet-stream' } });
    }),
    { numRuns: RUNS },
  );
});

test('fuzz POST /v1/transactions/binary query string', async () => {
  const t = await createTestApi(LIMITS);
  const frames = Buffer.from(encodeTransactionFrames([fakeTransaction('q')]));
  const validQuery = Compile(api.WaitMode);
  await fc.assert(
    fc.asyncProperty(fc.string(), fc.string(), async (wait, timeoutMs) => {
      const timeoutOk = /^[1-9][0-9]{0,4}$/.test(timeoutMs) && Number(timeoutMs) <= api.SUBMIT_WAIT_MS_MAX;
      fc.pre(!(validQuery.Check(wait) && timeoutOk));
      const query = `?wait=${encodeURIComponent(wait)}&timeoutMs=${encodeURIComponent(timeoutMs)}`;
      await assertRejected(t, { method: 'POST', url: `/v1/transactions/binary${query}`, payload: frames, headers: { 'content-type': 'application/octet-stream' } });
    }),
    { numRuns: RUNS },
  );
});

/** GET routes with a parameter: the parameter's own validity test (valid ones are skipped). */
const PARAM_ROUTES: ReadonlyArray<[string, (value: string) => boolean]> = [
  ['/v1/transactions/', (v) => /^[0-9a-f]{64}$/.test(v)],
  ['/v1/blocks/', (v) => v === 'latest' || (/^(0|[1-9][0-9]{0,19})$/.test(v) && BigInt(v) < 2n ** 64n)],
  ['/v1/accounts/', (v) => /^[A-Za-z0-9._@:-]{1,130}$/.test(v)],
  ['/v1/wallets/', (v) => /^[A-Za-z0-9._@-]{1,64}$/.test(v)],
  ['/v1/signers/', (v) => /^([0-9a-f]{2}){1,512}$/.test(v)],
];

const paramValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-.:_@/%x'), maxLength: 140 }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
);

for (const [prefix, valid] of PARAM_ROUTES) {
  test(`fuzz GET ${prefix}:param with random strings`, async () => {
    const t = await createTestApi(LIMITS);
    await fc.assert(
      fc.asyncProperty(paramValue, async (value) => {
        fc.pre(value.length > 0 && !valid(value));
        await assertRejected(t, { method: 'GET', url: prefix + encodeURIComponent(value) });
      }),
      { numRuns: RUNS },
    );
  });
}

test('fuzz GET /v1/evidence query string', async () => {
  const t = await createTestApi(LIMITS);
  const hexOk = (v: string) => /^([0-9a-f]{2}){1,512}$/.test(v);
  const limitOk = (v: string) => /^[1-9][0-9]{0,2}$/.test(v) && Number(v) <= api.EVIDENCE_PAGE_RECORDS_MAX;
  const value = fc.oneof(paramValue, fc.constantFrom('', '1', '100', '101', 'ab', 'abc', 'AB'));
  const key = fc.constantFrom('validator', 'after', 'limit', 'round', 'validator[]', '');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }), async (pairs) => {
      const keys = pairs.map(([k]) => k);
      const valid =
        new Set(keys).size === keys.length &&
        pairs.every(([k, v]) => (k === 'limit' ? limitOk(v) : k === 'validator' || k === 'after' ? hexOk(v) : false));
      fc.pre(!valid);
      const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      const before = t.service.calls.filter((call) => call.method === 'evidence').length;
      await assertRejected(t, { method: 'GET', url: `/v1/evidence?${query}` });
      assert.equal(t.service.calls.filter((call) => call.method === 'evidence').length, before, `the node was asked: ${query}`);
    }),
    { numRuns: RUNS },
  );
});

test('fuzz random methods and paths outside the API', async () => {
  const t = await createTestApi(LIMITS);
  const known = /^\/(v1\/(status|genesis|supply|subscribe|transactions|blocks|accounts|wallets|signers|evidence)|metrics|openapi\.json)/;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), fc.webPath(), async (method, path) => {
      fc.pre(!known.test(path));
      await assertRejected(t, { method: method as InjectOptions['method'], url: path === '' ? '/x' : path });
    }),
    { numRuns: RUNS },
  );
});
