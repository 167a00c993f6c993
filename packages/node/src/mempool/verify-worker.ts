/**
 * A signature-verification worker thread. It receives a chunk of encoded transactions
 * and answers, for each, either what the main thread needs of a verified transaction (id,
 * sender, nonce) or the stable reason it is invalid. Workers share nothing; the pool
 * spreads chunks over them so that every core verifies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getSuite, TongbaoError, verifyTransactions, type SuiteName, type VerifiedTransaction } from '@tongbao/protocol';
import type { VerifyFailure, VerifyRequest, VerifyResponse } from './verify-messages.js';

const { suite, chainId, transactionBytesMax } = workerData as { suite: SuiteName; chainId: string; transactionBytesMax: number };

const { hashBytes: idBytes, publicKeyBytes: senderBytes } = getSuite(suite);

parentPort!.on('message', (request: VerifyRequest) => {
  const encodings: Uint8Array[] = [];
  let offset = 0;
  for (const length of request.lengths) {
    encodings.push(request.buffer.subarray(offset, offset + length));
    offset += length;
  }
  const failures: VerifyFailure[] = [];
  const valid: VerifiedTransaction[] = [];
  // One batch equation for the chunk's signatures (verifyTransactions), same verdicts as one by one.
  verifyTransactions(suite, chainId, encodings, transactionBytesMax).forEach((outcome, index) => {
    if (outcome instanceof TongbaoError) failures.push({ index, code: outcome.code, message: outcome.message });
    else valid.push(outcome);
  });
  const keys = new Uint8Array(new ArrayBuffer(valid.length * (idBytes + senderBytes)));
  const nonces = new BigUint64Array(valid.length);
  valid.forEach((tx, i) => {
    keys.set(tx.id, i * (idBytes + senderBytes));
    keys.set(tx.sender, i * (idBytes + senderBytes) + idBytes);
    nonces[i] = tx.nonce;
  });
  const response: VerifyResponse = { requestId: request.requestId, failures, nonces, keys, idBytes, senderBytes };
  parentPort!.postMessage(response, [keys.buffer, nonces.buffer]);
});
