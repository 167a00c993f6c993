// The OpenAPI document: valid JSON that declares 3.1, lists every route Fastify serves
// (collected with an onRoute hook) and nothing else, gives every operation its error
// responses (ErrorBody) — the common ones, the body ones for POSTs, 404 where a route
// looks something up — and every $ref resolves to a component.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiServer } from './server.js';
import { ROUTES } from './routes.js';
import { FakeNodeService } from './testing/fake-node-service.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }>; requestBody?: unknown; parameters: Array<{ name: string; in: string }> }>>;
  components: { schemas: Record<string, unknown> };
};

async function fetchDocument(): Promise<{ doc: Doc; served: Set<string> }> {
  const app = createApiServer(new FakeNodeService());
  const served = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') served.add(`${method} ${route.url.replace(/:([A-Za-z]+)/g, '{$1}')}`);
  });
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const doc = JSON.parse(response.body) as Doc;
  await app.close();
  return { doc, served };
}

test('the document lists exactly the routes the server serves', async () => {
  const { doc, served } = await fetchDocument();
  assert.equal(doc.openapi, '3.1.0');
  const documented = new Set<string>();
  for (const [path, methods] of Object.entries(doc.paths)) for (const method of Object.keys(methods)) documented.add(`${method.toUpperCase()} ${path}`);
  assert.deepEqual([...documented].sort(), [...served].sort());
  for (const expected of [
    'POST /v1/transactions',
    'POST /v1/transactions/batch',
    'POST /v1/transactions/binary',
    'GET /v1/status',
    'GET /v1/genesis',
    'GET /v1/transactions/{id}',
    'GET /v1/blocks/latest',
    'GET /v1/blocks/{height}',
    'GET /v1/accounts/{accountId}',
    'GET /v1/wallets/{walletId}',
    'GET /v1/supply',
    'GET /v1/signers/{publicKey}',
    'GET /v1/evidence',
    'GET /v1/subscribe',
    'GET /openapi.json',
    'GET /metrics',
  ]) {
    assert.ok(documented.has(expected), expected);
  }
});

test('every operation has an id, its path parameters and its error responses', async () => {
  const { doc } = await fetchDocument();
  const ids = new Set<string>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
      for (const status of ['400', '429', '500', '503']) {
        assert.deepEqual(op.responses[status]?.content?.['application/json']?.schema, { $ref: '#/components/schemas/ErrorBody' }, `${method} ${path} ${status}`);
      }
      if (method === 'post') {
        assert.ok(op.requestBody, `${path} has a request body`);
        for (const status of ['413', '415']) assert.ok(op.responses[status], `${method} ${path} ${status}`);
      }
      const pathParams = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]);
      assert.deepEqual(op.parameters.filter((p) => p.in === 'path').map((p) => p.name), pathParams, `${path} parameters`);
    }
  }
  for (const route of ROUTES.filter((r) => r.errors.includes('NOT_FOUND'))) {
    const op = doc.paths[route.url.replace(/:([A-Za-z]+)/g, '{$1}')]![route.method.toLowerCase()]!;
    assert.ok(op.responses['404'], `${route.url} documents 404`);
  }
  assert.ok(doc.paths['/v1/transactions']!.post!.responses['422'], 'rejections are documented');
});

test('every $ref resolves to a component', async () => {
  const { doc } = await fetchDocument();
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  assert.ok(refs.length > 20);
  for (const ref of refs) {
    const name = /#\/components\/schemas\/(\w+)/.exec(ref)?.[1];
    assert.ok(name !== undefined && doc.components.schemas[name] !== undefined, ref);
  }
});
