// Pins every result code number and name. Codes are consensus state (receipts are
// hashed into block headers): this test fails if one is renumbered, renamed or removed.
// Appending a new code means appending it here too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reject, ResultCode, resultName } from './result-codes.js';

const PINNED: Record<string, number> = {
  OK: 0,
  UNKNOWN_SENDER: 1,
  NONCE_MISMATCH: 2,
  UNAUTHORIZED: 3,
  MALFORMED_COMMAND: 4,
  UNSUPPORTED_COMMAND: 5,
  BLOCK_LIMIT_EXCEEDED: 6,
  UNKNOWN_OPERATOR: 100,
  REQUEST_ID_USED: 101,
  UNKNOWN_REQUEST: 102,
  REQUEST_NOT_PENDING: 103,
  QUOTA_EXCEEDED: 104,
  INSUFFICIENT_FUNDS: 105,
  AMOUNT_OVERFLOW: 106,
  WALLET_ID_TAKEN: 107,
  UNKNOWN_WALLET: 108,
  WALLET_CLOSED: 109,
  WALLET_FROZEN: 110,
  WALLET_ALREADY_FROZEN: 111,
  WALLET_NOT_FROZEN: 112,
  PARENT_WALLET_INVALID: 113,
  PAYMENT_ID_USED: 114,
  SAME_WALLET: 115,
  LIMIT_PER_PAYMENT: 116,
  LIMIT_PER_DAY: 117,
  BALANCE_CAP: 118,
  EVIDENCE_INVALID: 200,
  EVIDENCE_ALREADY_RECORDED: 201,
};

test('result codes keep their numbers and names forever', () => {
  assert.deepEqual({ ...ResultCode }, PINNED);
});

test('codes are unique and in their ranges', () => {
  const numbers = Object.values(ResultCode);
  assert.equal(new Set(numbers).size, numbers.length);
  for (const [name, code] of Object.entries(ResultCode)) {
    assert.equal(resultName(code), name);
    assert.ok(code === 0 || (code >= 1 && code <= 99) || (code >= 100 && code <= 199) || (code >= 200 && code <= 299), `${name} ${code}`);
  }
  assert.equal(resultName(99), undefined);
});

test('reject builds code, name and sentence together', () => {
  assert.deepEqual(reject('BALANCE_CAP', 'too much'), { code: 118, error: 'BALANCE_CAP', message: 'too much' });
});
