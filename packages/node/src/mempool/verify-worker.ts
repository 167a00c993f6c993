/**
 * A signature-verification worker thread. It receives a chunk of encoded transactions
 * and answers, for each, either the verified transaction (id, sender, nonce, command) or
 * the stable reason it is invalid. Workers share nothing; the pool spreads chunks over
 * them so that every core verifies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getSuite, TongbaoError, verifyTransactions, type SuiteName, type VerifiedTransaction } from '@tongbao/protocol';
import type { VerifyRequest, VerifyResponse, VerifyOutcome } from './verify-messages.js';

const { suite, chainId, transactionBytesMax } = workerData as { suite: SuiteName; chainId: string; transactionBytesMax: number };

const { hashBytes: idBytes, publicKeyBytes: senderBytes } = getSuite(suite);

parentPort!.on('message', (request: VerifyRequest) => {
  const encodings: Uint8Array[] = [];
  let offset = 0;
  for (const length of request.lengths) {
    encodings.push(request.buffer.subarray(offset, offset + length));
    offset += length;
  }
  const outcomes: VerifyOutcome[] = [];
  const valid: VerifiedTransaction[] = [];
  // One batch equation for the chunk's signatures (verifyTransactions), same verdicts as one by one.
  for (const outcome of verifyTransactions(suite, chainId, encodings, transactionBytesMax)) {
    if (outcome instanceof TongbaoError) {
      outcomes.push({ ok: false, code: outcome.code, message: outcome.message });
    } else {
      outcomes.push({ ok: true, nonce: outcome.nonce, command: outcome.command });
      valid.push(outcome);
    }
  }
  const keys = new Uint8Array(new ArrayBuffer(valid.length * (idBytes + senderBytes)));
  valid.forEach((tx, i) => {
    keys.set(tx.id, i * (idBytes + senderBytes));
    keys.set(tx.sender, i * (idBytes + senderBytes) + idBytes);
  });
  const response: VerifyResponse = { requestId: request.requestId, outcomes, keys, idBytes, senderBytes };
  parentPort!.postMessage(response, [keys.buffer]);
});
