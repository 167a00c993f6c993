// ApiOptions are checked when the server is created: each bad limit fails with
// INVALID_API_OPTIONS naming the option; defaults are filled in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TongbaoError } from '@tongbao/protocol';
import { API_OPTIONS_DEFAULT, resolveApiOptions } from './options.js';
import { createApiServer } from './server.js';
import { FakeNodeService } from './testing/fake-node-service.js';

test('defaults fill what is not given', () => {
  assert.deepEqual(resolveApiOptions({}), { ...API_OPTIONS_DEFAULT });
  assert.equal(resolveApiOptions({ bodyBytesMax: 1000 }).bodyBytesMax, 1000);
});

test('every bad limit is refused at creation with a clear error', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['bodyBytesMax', 0, /bodyBytesMax must be between/],
    ['bodyBytesMax', 1.5, /bodyBytesMax must be an integer/],
    ['binaryBodyBytesMax', -1, /binaryBodyBytesMax must be between/],
    ['binaryBodyBytesMax', 2 ** 40, /binaryBodyBytesMax must be between/],
    ['rateLimitRequestsMax', 0, /rateLimitRequestsMax/],
    ['rateLimitWindowMs', Number.NaN, /rateLimitWindowMs must be an integer/],
    ['websocketConnectionsMax', 0, /websocketConnectionsMax/],
    ['websocketSubscriptionsPerConnectionMax', '5', /websocketSubscriptionsPerConnectionMax must be an integer/],
    ['websocketMessageBytesMax', 1, /websocketMessageBytesMax/],
    ['websocketBufferedBytesMax', 10, /websocketBufferedBytesMax must be between/],
    ['waitTimeoutMsDefault', 60_001, /waitTimeoutMsDefault must be between 1 and 60000/],
    ['trustProxy', 'yes', /trustProxy must be a boolean/],
    ['bodyBytesMaxx', 5, /bodyBytesMaxx is not a known option/],
  ];
  for (const [name, value, message] of bad) {
    assert.throws(
      () => createApiServer(new FakeNodeService(), { [name]: value }),
      (error: unknown) => error instanceof TongbaoError && error.code === 'INVALID_API_OPTIONS' && message.test(error.message) && error.details.option === name,
      name,
    );
  }
});
