// WebSocket subscriptions against a real server listening on 127.0.0.1:0, with the `ws`
// client: subscribe and receive block, receipt and wallet events; unsubscribe; malformed
// messages answered with an ErrorBody while the connection stays open; the
// per-connection subscription limit, the connection limit (503 before the upgrade), the
// message size limit (close 1009); every subscription ended when the socket closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import fc from 'fast-check';
import { api as shapes } from '@tongbao/protocol';
import { Compile } from 'typebox/compile';
import type { api } from '@tongbao/protocol';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from './server.js';
import type { ApiOptions } from './options.js';
import { FakeNodeService, fakeTransaction, fakeTransactionId } from './testing/fake-node-service.js';
import { base64, isErrorBody } from './testing/helpers.js';

interface Server {
  app: FastifyInstance;
  service: FakeNodeService;
  url: string;
}

async function startServer(options: Partial<ApiOptions> = {}): Promise<Server> {
  const service = new FakeNodeService();
  const app = createApiServer(service, options);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, service, url: `${address.replace('http', 'ws')}/v1/subscribe` };
}

/** A client that queues every message it receives, so a test can await the next one. */
class Client {
  readonly socket: WebSocket;
  private readonly queue: unknown[] = [];
  private readonly waiting: Array<(value: unknown) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data) => {
      const value: unknown = JSON.parse(data.toString());
      const waiter = this.waiting.shift();
      if (waiter) waiter(value);
      else this.queue.push(value);
    });
    this.closed = new Promise((resolve) => this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  next(timeoutMs = 2_000): Promise<unknown> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within the timeout')), timeoutMs);
      this.waiting.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }

  async send(message: unknown): Promise<unknown> {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
    return this.next();
  }

  pending(): number {
    return this.queue.length;
  }
}

async function connect(url: string): Promise<Client> {
  const client = new Client(url);
  await client.opened();
  return client;
}

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('subscribe to blocks, receipts and a wallet; events arrive; unsubscribe stops them', async () => {
  const { app, service, url } = await startServer();
  try {
    const client = await connect(url);
    const tx = fakeTransaction('alice');
    const id = fakeTransactionId(tx);
    assert.deepEqual(await client.send({ subscribe: 'blocks' }), { subscribed: 'blocks' });
    assert.deepEqual(await client.send({ subscribe: 'receipt', id }), { subscribed: 'receipt', id });
    assert.deepEqual(await client.send({ subscribe: 'wallet', walletId: 'alice' }), { subscribed: 'wallet', walletId: 'alice' });
    assert.equal(service.subscriptionCount, 3);

    const submitted = await app.inject({ method: 'POST', url: '/v1/transactions', payload: { transaction: base64(tx) } });
    assert.equal(submitted.statusCode, 200);
    service.commitPending();
    const events = [await client.next(), await client.next(), await client.next()] as api.SubscriptionEvent[];
    assert.deepEqual(events.map((e) => e.type), ['block', 'receipt', 'wallet']);
    assert.equal(events[0]!.height, '1');
    assert.equal((events[1] as api.ReceiptEvent).id, id);
    assert.equal((events[2] as api.WalletEvent).walletId, 'alice');

    assert.deepEqual(await client.send({ unsubscribe: 'blocks' }), { unsubscribed: 'blocks' });
    assert.equal(service.subscriptionCount, 2);
    service.commitPending();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(client.pending(), 0, 'no block event after unsubscribing');
    client.socket.close();
    await client.closed;
    await until(() => service.subscriptionCount === 0);
  } finally {
    await app.close();
  }
});

test('malformed messages get an ErrorBody and the connection stays usable', async () => {
  const { app, service, url } = await startServer();
  try {
    const client = await connect(url);
    const malformed: unknown[] = [
      'not json',
      '',
      'null',
      '[]',
      '42',
      { subscribe: 'everything' },
      { subscribe: 'wallet' },
      { subscribe: 'wallet', walletId: 'has space' },
      { subscribe: 'receipt', id: 'ABC' },
      { subscribe: 'blocks', extra: true },
      { unsubscribe: 'receipt', id: 'zz' },
      { subscribe: 'blocks', unsubscribe: 'blocks' },
    ];
    for (const message of malformed) {
      const answer = await client.send(message);
      assert.ok(isErrorBody(answer), JSON.stringify(message));
      assert.equal(answer.error.code, 'MALFORMED_REQUEST');
    }
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    const binaryAnswer = await client.next();
    assert.ok(isErrorBody(binaryAnswer));
    assert.equal(service.subscriptionCount, 0);
    assert.deepEqual(await client.send({ subscribe: 'blocks' }), { subscribed: 'blocks' });
    client.socket.close();
    await client.closed;
  } finally {
    await app.close();
  }
});

test('subscriptions per connection are limited; repeating a subscription does not count twice', async () => {
  const { app, service, url } = await startServer({ websocketSubscriptionsPerConnectionMax: 2 });
  try {
    const client = await connect(url);
    assert.deepEqual(await client.send({ subscribe: 'blocks' }), { subscribed: 'blocks' });
    assert.deepEqual(await client.send({ subscribe: 'blocks' }), { subscribed: 'blocks' });
    assert.deepEqual(await client.send({ subscribe: 'wallet', walletId: 'a' }), { subscribed: 'wallet', walletId: 'a' });
    const refused = await client.send({ subscribe: 'wallet', walletId: 'b' });
    assert.ok(isErrorBody(refused));
    assert.equal(refused.error.code, 'TOO_MANY_SUBSCRIPTIONS');
    assert.equal(service.subscriptionCount, 2);
    // Freeing one makes room again.
    await client.send({ unsubscribe: 'wallet', walletId: 'a' });
    assert.deepEqual(await client.send({ subscribe: 'wallet', walletId: 'b' }), { subscribed: 'wallet', walletId: 'b' });
    client.socket.close();
    await client.closed;
  } finally {
    await app.close();
  }
});

test('connections are limited: past the limit the upgrade is answered 503 TOO_MANY_CONNECTIONS', async () => {
  const { app, url } = await startServer({ websocketConnectionsMax: 2 });
  try {
    const first = await connect(url);
    const second = await connect(url);
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.on('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      socket.on('open', () => reject(new Error('a third connection was accepted')));
    });
    assert.equal(refused.status, 503);
    const body: unknown = JSON.parse(refused.body);
    assert.ok(isErrorBody(body));
    assert.equal(body.error.code, 'TOO_MANY_CONNECTIONS');
    // Closing one frees a place.
    first.socket.close();
    await first.closed;
    const third = await connect(url);
    assert.deepEqual(await third.send({ subscribe: 'blocks' }), { subscribed: 'blocks' });
    second.socket.close();
    third.socket.close();
    await Promise.all([second.closed, third.closed]);
  } finally {
    await app.close();
  }
});

test('a message over websocketMessageBytesMax closes the connection with 1009 and frees its subscriptions', async () => {
  const { app, service, url } = await startServer({ websocketMessageBytesMax: 256 });
  try {
    const client = await connect(url);
    await client.send({ subscribe: 'blocks' });
    assert.equal(service.subscriptionCount, 1);
    client.socket.send(JSON.stringify({ subscribe: 'wallet', walletId: 'x'.repeat(1_000) }));
    const { code } = await client.closed;
    assert.equal(code, 1009);
    await until(() => service.subscriptionCount === 0);
  } finally {
    await app.close();
  }
});

test('a service that fails to subscribe answers an ErrorBody, not a dropped connection', async () => {
  const { app, service, url } = await startServer();
  try {
    const client = await connect(url);
    service.failNext('subscribe', new Error('internal detail'));
    const answer = await client.send({ subscribe: 'blocks' });
    assert.ok(isErrorBody(answer));
    assert.equal(answer.error.code, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(answer), /internal detail/);
    assert.deepEqual(await client.send({ subscribe: 'blocks' }), { subscribed: 'blocks' });
    client.socket.close();
    await client.closed;
  } finally {
    await app.close();
  }
});

test('a client that stops reading is disconnected once websocketBufferedBytesMax of events wait for it', async () => {
  const { app, service, url } = await startServer({ websocketBufferedBytesMax: 64 * 1024 });
  try {
    const client = await connect(url);
    await client.send({ subscribe: 'wallet', walletId: 'slow' });
    // Stop reading at the TCP level, then publish far more than every buffer on the way holds.
    (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const receipt = { memo: 'x'.repeat(16 * 1024) };
    for (let i = 0; i < 4_000 && service.subscriptionCount > 0; i++) {
      service.emit({ kind: 'wallet', walletId: 'slow' }, { type: 'wallet', walletId: 'slow', id: 'ab'.repeat(32), height: String(i), receipt });
    }
    await until(() => service.subscriptionCount === 0, 5_000);
  } finally {
    await app.close();
  }
});

test('fuzz: random messages are answered with an ack or an ErrorBody, and the connection survives', async () => {
  const { app, service, url } = await startServer({ websocketSubscriptionsPerConnectionMax: 4 });
  const ack = Compile(shapes.SubscriptionAck);
  try {
    const client = await connect(url);
    const message = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc
        .record(
          {
            subscribe: fc.constantFrom('blocks', 'wallet', 'receipt', 'all', ''),
            unsubscribe: fc.constantFrom('blocks', 'wallet', 'receipt'),
            walletId: fc.oneof(fc.constantFrom('alice', 'bob'), fc.string({ maxLength: 70 })),
            id: fc.oneof(fc.constant('ab'.repeat(32)), fc.string({ maxLength: 70 })),
            extra: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(message, async (text) => {
        const answer = await client.send(text);
        assert.ok(isErrorBody(answer) || ack.Check(answer), `${text} → ${JSON.stringify(answer)}`);
        assert.ok(service.subscriptionCount <= 4);
      }),
      { numRuns: 300 },
    );
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    client.socket.close();
    await client.closed;
    await until(() => service.subscriptionCount === 0);
  } finally {
    await app.close();
  }
});
