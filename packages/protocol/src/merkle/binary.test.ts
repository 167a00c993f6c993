// Checks the binary Merkle tree (transactions_root, receipts_root): the root matches the
// RFC 6962 recursive definition written out independently here, every leaf's audit path
// verifies for every tree size up to 70, and changing the leaf, index, size, a sibling
// or the root makes verification fail. fast-check drives sizes, indexes and tampering.
// The chain suites' own hash functions (SHA-256 with its allocation-free form, SM3)
// give the reference roots too, for leaves shorter and longer than two hashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { concatBytes, utf8ToBytes } from '../bytes.js';
import { merkleProof, merkleRoot, verifyMerkleProof } from './binary.js';
import { getSuite } from '../crypto/index.js';

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

/** RFC 6962 §2.1 MTH, recursively, as the spec states it. */
function referenceRoot(leaves: readonly Uint8Array[], hash: (data: Uint8Array) => Uint8Array = sha256): Uint8Array {
  if (leaves.length === 0) return hash(new Uint8Array(0));
  if (leaves.length === 1) return hash(concatBytes(Uint8Array.of(0), leaves[0]!));
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hash(concatBytes(Uint8Array.of(1), referenceRoot(leaves.slice(0, k), hash), referenceRoot(leaves.slice(k), hash)));
}

const leavesOf = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => utf8ToBytes(`leaf-${i}`));

test('root equals the recursive RFC 6962 definition for sizes 0..70', () => {
  for (let n = 0; n <= 70; n++) assert.deepEqual(merkleRoot(sha256, leavesOf(n)), referenceRoot(leavesOf(n)), `n=${n}`);
});

test("the suites' hash functions give the reference root, with leaves of any length", () => {
  const sm3 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sm3').update(data).digest());
  const mixed = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => new Uint8Array((i * 37) % 101).fill(i & 0xff));
  for (const [suite, reference] of [['ed25519', sha256], ['sm2', sm3]] as const) {
    const hash = getSuite(suite).hash;
    for (let n = 0; n <= 70; n++) {
      assert.deepEqual(merkleRoot(hash, mixed(n)), referenceRoot(mixed(n), reference), `${suite}, n=${n}`);
    }
  }
});

test('the empty tree is the hash of empty input', () => {
  assert.deepEqual(merkleRoot(sha256, []), sha256(new Uint8Array(0)));
});

test('every audit path verifies, for every size up to 70', () => {
  for (let n = 1; n <= 70; n++) {
    const leaves = leavesOf(n);
    const root = merkleRoot(sha256, leaves);
    for (let i = 0; i < n; i++) {
      const proof = merkleProof(sha256, leaves, i);
      assert.ok(verifyMerkleProof(sha256, root, leaves[i]!, proof), `n=${n} i=${i}`);
    }
  }
});

test('tampering with leaf, index, size, sibling or root fails', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (n, rawIndex, pick, flip) => {
      const leaves = leavesOf(n);
      const index = rawIndex % n;
      const root = merkleRoot(sha256, leaves);
      const proof = merkleProof(sha256, leaves, index);
      const leaf = leaves[index]!;
      assert.ok(verifyMerkleProof(sha256, root, leaf, proof));
      assert.ok(!verifyMerkleProof(sha256, root, utf8ToBytes('other'), proof));
      assert.ok(!verifyMerkleProof(sha256, root, leaf, { ...proof, index: (index + 1) % n }));
      // A size whose tree has another shape along this path (doubling always does) fails;
      // some other sizes legitimately share the path of a left-side leaf (RFC 9162).
      assert.ok(!verifyMerkleProof(sha256, root, leaf, { ...proof, leafCount: 2 * n }));
      const siblings = proof.siblings.map((s) => s.slice());
      const s = siblings[pick % siblings.length]!;
      s[flip % s.length] = s[flip % s.length]! ^ (1 << (pick % 8));
      assert.ok(!verifyMerkleProof(sha256, root, leaf, { ...proof, siblings }));
      assert.ok(!verifyMerkleProof(sha256, root, leaf, { ...proof, siblings: proof.siblings.slice(1) }));
      const badRoot = root.slice();
      badRoot[flip % badRoot.length] = badRoot[flip % badRoot.length]! ^ (0x80);
      assert.ok(!verifyMerkleProof(sha256, badRoot, leaf, proof));
    }),
    { numRuns: 300 },
  );
});

test('malformed proofs return false rather than throw', () => {
  const leaves = leavesOf(5);
  const root = merkleRoot(sha256, leaves);
  const proof = merkleProof(sha256, leaves, 2);
  for (const bad of [
    { ...proof, index: -1 },
    { ...proof, index: 5 },
    { ...proof, leafCount: 0 },
    { ...proof, index: 1.5 },
    { ...proof, siblings: [...proof.siblings, proof.siblings[0]!] },
  ]) {
    assert.equal(verifyMerkleProof(sha256, root, leaves[2]!, bad), false);
  }
  assert.throws(() => merkleProof(sha256, leaves, 5), RangeError);
});
