// Checks the signer key's shape: "signer/" and the public key in unpadded base64url, so
// that an Ed25519 sender's record key (50 bytes) and its storage key stay within what V8
// keeps inside its heap, and two keys never share a path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getSuite, utf8ToBytes, V8_IN_HEAP_BYTES_MAX } from '@tongbao/protocol';
import { signerKey, signerPath } from './keys.js';

test('an Ed25519 signer key is "signer/" and 43 base64url characters, short enough to stay in V8\'s heap', () => {
  const suite = getSuite('ed25519');
  const paths = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const { publicKey } = suite.generateKeyPair(suite.hash(utf8ToBytes(`signer/${i}`)));
    const path = signerPath(publicKey);
    assert.equal(path, `signer/${Buffer.from(publicKey).toString('base64url')}`);
    assert.equal(signerKey(publicKey).length, 50);
    // The chain store prefixes one byte to a state key.
    assert.ok(signerKey(publicKey).length + 1 <= V8_IN_HEAP_BYTES_MAX);
    paths.add(path);
  }
  assert.equal(paths.size, 200);
});
