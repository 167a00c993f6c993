// Property tests over both suites with fast-check: any signature made by `sign` verifies
// through the consensus `verify`, and flipping any single bit of the message, the
// signature or the public key makes it fail. Keys come from random seeds, so failures
// shrink to a reproducible seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getSuite, verify, type SuiteName } from './index.js';

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

for (const name of ['ed25519', 'sm2'] as const satisfies readonly SuiteName[]) {
  const suite = getSuite(name);
  const runs = name === 'sm2' ? 60 : 200;

  test(`${name}: sign then verify succeeds`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 512 }), (seed, message) => {
        const keyPair = suite.generateKeyPair(seed);
        const signature = suite.sign(keyPair.secretKey, message);
        assert.equal(signature.length, suite.signatureBytes);
        assert.equal(keyPair.publicKey.length, suite.publicKeyBytes);
        return verify(name, keyPair.publicKey, message, signature);
      }),
      { numRuns: runs },
    );
  });

  test(`${name}: any single-bit flip of message, signature or key fails`, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.constantFrom('message', 'signature', 'publicKey'),
        fc.nat(),
        (seed, message, part, position) => {
          const keyPair = suite.generateKeyPair(seed);
          const signature = suite.sign(keyPair.secretKey, message);
          const target = { message, signature, publicKey: keyPair.publicKey }[part];
          const flipped = flipBit(target, position % (target.length * 8));
          const args = { message, signature, publicKey: keyPair.publicKey, [part]: flipped };
          return !verify(name, args.publicKey, args.message, args.signature);
        },
      ),
      { numRuns: runs },
    );
  });
}
