// Checks what a receipt subscription hears from the node: the receipt when the
// transaction commits, and a `discarded` event — block height, code and message — when
// execution leaves it out of its block, so a client waiting on a WebSocket learns it at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockHeaderSchema, bytesToHex, create, ReceiptSchema, type api } from '@tongbao/protocol';
import type { Ledger } from '../ledger/ledger.js';
import type { Mempool } from '../mempool/mempool.js';
import { NodeMetrics } from '../telemetry/metrics.js';
import type { Admission } from './admission.js';
import { CommitEvents } from './commit-events.js';
import { NodeService } from './node-service.js';

test('a receipt subscription hears the receipt of a committed transaction and the reason of a discarded one', () => {
  const events = new CommitEvents();
  // Only what subscribe reads of the ledger: no receipt is stored yet.
  const ledger = { store: { getReceipt: () => undefined } } as unknown as Ledger;
  const service = new NodeService(ledger, {} as Mempool, {} as Admission, events, new NodeMetrics());
  const committedId = new Uint8Array(32).fill(1);
  const discardedId = new Uint8Array(32).fill(2);
  const heard: api.SubscriptionEvent[] = [];
  service.subscribe({ kind: 'receipt', id: bytesToHex(committedId) }, (event) => heard.push(event));
  service.subscribe({ kind: 'receipt', id: bytesToHex(discardedId) }, (event) => heard.push(event));
  const message = "nonce 3 is not this sender's next nonce 2; sign the next transaction with nonce 2";
  events.publish({
    header: create(BlockHeaderSchema, { height: 12n }),
    hash: new Uint8Array(32),
    transactions: [{ id: committedId, bytes: new Uint8Array(), sender: new Uint8Array(32), nonce: 0n, command: {} as never }],
    receipts: [create(ReceiptSchema, { transactionId: committedId })],
    discarded: [{ id: discardedId, code: 'NONCE_MISMATCH', message }],
  });
  assert.deepEqual(
    heard.map((event) => [event.type, 'id' in event ? event.id : undefined, event.height]),
    [
      ['receipt', bytesToHex(committedId), '12'],
      ['discarded', bytesToHex(discardedId), '12'],
    ],
  );
  assert.deepEqual(heard[1], { type: 'discarded', id: bytesToHex(discardedId), height: '12', code: 'NONCE_MISMATCH', message });
});
