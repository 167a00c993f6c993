// Rate limiting per client IP address: past rateLimitRequestsMax requests in a window a
// client gets 429 RATE_LIMITED in the ErrorBody shape with a Retry-After header; other
// addresses are unaffected; malformed requests and unknown routes count too; the window
// resets. Uses app.inject with explicit remote addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApi, isErrorBody } from './testing/helpers.js';

test('past the limit a client gets 429 RATE_LIMITED with Retry-After; other clients do not', async () => {
  const { request, service } = await createTestApi({ rateLimitRequestsMax: 3, rateLimitWindowMs: 60_000 });
  const from = (remoteAddress: string, url = '/v1/status') => request({ method: 'GET', url, remoteAddress });
  for (let i = 0; i < 3; i++) assert.equal((await from('10.0.0.1')).status, 200);
  const calls = service.calls.length;
  const limited = await from('10.0.0.1');
  assert.equal(limited.status, 429);
  assert.ok(isErrorBody(limited.body));
  assert.equal(limited.body.error.code, 'RATE_LIMITED');
  const retryAfter = Number(limited.response.headers['retry-after']);
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${limited.response.headers['retry-after']}`);
  assert.equal(service.calls.length, calls, 'a limited request must not reach the service');
  // Every route is limited, including unknown ones and POSTs.
  assert.equal((await from('10.0.0.1', '/v1/nothing')).status, 429);
  assert.equal((await request({ method: 'POST', url: '/v1/transactions', payload: {}, remoteAddress: '10.0.0.1' })).status, 429);
  // Another address has its own budget.
  assert.equal((await from('10.0.0.2')).status, 200);
});

test('malformed requests and 404s spend the budget too', async () => {
  const { request } = await createTestApi({ rateLimitRequestsMax: 2, rateLimitWindowMs: 60_000 });
  const remoteAddress = '10.0.0.3';
  assert.equal((await request({ method: 'GET', url: '/v1/blocks/-1', remoteAddress })).status, 400);
  assert.equal((await request({ method: 'GET', url: '/v1/nowhere', remoteAddress })).status, 404);
  assert.equal((await request({ method: 'GET', url: '/v1/status', remoteAddress })).status, 429);
});

test('the window resets', async () => {
  const { request } = await createTestApi({ rateLimitRequestsMax: 1, rateLimitWindowMs: 200 });
  const remoteAddress = '10.0.0.4';
  assert.equal((await request({ method: 'GET', url: '/v1/status', remoteAddress })).status, 200);
  assert.equal((await request({ method: 'GET', url: '/v1/status', remoteAddress })).status, 429);
  await new Promise((resolve) => setTimeout(resolve, 350));
  assert.equal((await request({ method: 'GET', url: '/v1/status', remoteAddress })).status, 200);
});

test('behind a trusted proxy the client is X-Forwarded-For, otherwise the socket address', async () => {
  const proxied = await createTestApi({ rateLimitRequestsMax: 1, trustProxy: true });
  const viaProxy = (client: string) => proxied.request({ method: 'GET', url: '/v1/status', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': client } });
  assert.equal((await viaProxy('192.0.2.1')).status, 200);
  assert.equal((await viaProxy('192.0.2.2')).status, 200);
  assert.equal((await viaProxy('192.0.2.1')).status, 429);

  const direct = await createTestApi({ rateLimitRequestsMax: 1 });
  const spoofed = (client: string) => direct.request({ method: 'GET', url: '/v1/status', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': client } });
  assert.equal((await spoofed('192.0.2.1')).status, 200);
  assert.equal((await spoofed('192.0.2.2')).status, 429, 'X-Forwarded-For must not buy a new budget without trustProxy');
});
