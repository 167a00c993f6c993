// Pins the SDK's public surface: the exact list of runtime names exported by the package
// entry. Adding or removing an export must be a deliberate change to this list (after
// viem's src/actions/index.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as sdk from './index.js';

test('the exported names are exactly these', () => {
  assert.deepEqual(Object.keys(sdk).sort(), [
    'InvalidParameterError',
    'InvalidResponseError',
    'ProofVerificationError',
    'SUBSCRIPTION_TOPIC_COUNT_MAX',
    'SubscriptionError',
    'TongbaoApiError',
    'TongbaoTransportError',
    'TransactionRejectedError',
    'WAIT_FOR_RECEIPT_MS_MAX',
    'WaitTimeoutError',
    'approveIssuanceCommand',
    'base64ToBytes',
    'bytesToBase64',
    'closeWalletCommand',
    'collectCommand',
    'createClient',
    'createLocalAccount',
    'createNonceManager',
    'createTongbaoClient',
    'distributeCommand',
    'encodeTransactionFrames',
    'formatYuan',
    'freezeWalletCommand',
    'generateKeyPair',
    'getAccount',
    'getBlock',
    'getGenesis',
    'getSigner',
    'getStatus',
    'getSupply',
    'getTransaction',
    'getWallet',
    'listEvidence',
    'openWalletCommand',
    'payCommand',
    'redeemCommand',
    'rejectIssuanceCommand',
    'requestIssuanceCommand',
    'sendCommand',
    'setBankLinkCommand',
    'setQuotaCommand',
    'setWalletTierCommand',
    'signCommand',
    'submitBinary',
    'submitEvidenceCommand',
    'submitTransaction',
    'submitTransactions',
    'subscribe',
    'tongbaoActions',
    'unfreezeWalletCommand',
    'waitForReceipt',
    'yuan',
  ]);
});

test('every error class extends protocol TongbaoError and carries its code', async () => {
  const { TongbaoError } = await import('@tongbao/protocol/portable');
  const errors = [
    new sdk.TongbaoApiError('NOT_FOUND', 'x', 404),
    new sdk.TongbaoTransportError('TIMEOUT', 'x'),
    new sdk.InvalidResponseError('x'),
    new sdk.ProofVerificationError('x'),
    new sdk.InvalidParameterError('x'),
    new sdk.TransactionRejectedError('BAD_SIGNATURE', 'x'),
    new sdk.WaitTimeoutError('x'),
    new sdk.SubscriptionError('SUBSCRIPTION_OVERFLOW', 'x'),
  ];
  for (const error of errors) {
    assert.ok(error instanceof TongbaoError, error.name);
    assert.ok(error.code.length > 0);
  }
  assert.equal(errors[0]!.code, 'NOT_FOUND');
  assert.equal((errors[0] as sdk.TongbaoApiError).httpStatus, 404);
});

test('the tongbaoActions decorator binds every action to the client', () => {
  const client = sdk.createClient({ url: 'http://127.0.0.1:1' }).extend(sdk.tongbaoActions);
  const actions = Object.keys(sdk.tongbaoActions(sdk.createClient({ url: 'http://127.0.0.1:1' }))).sort();
  for (const name of actions) {
    assert.equal(typeof (client as unknown as Record<string, unknown>)[name], 'function', name);
    assert.equal(typeof (sdk as Record<string, unknown>)[name], 'function', `${name} is also exported as a function`);
  }
  assert.equal(actions.length, 16);
  // extend composes: a second extension keeps the first.
  const more = client.extend(() => ({ hello: () => 'hi' }));
  assert.equal(more.hello(), 'hi');
  assert.equal(typeof more.getWallet, 'function');
});
