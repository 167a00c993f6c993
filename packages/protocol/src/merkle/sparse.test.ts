// Checks the sparse Merkle state commitment's hashing and proof verifier. Roots come from
// the from-scratch reference builder; random key sets (fast-check) give inclusion and
// absence proofs (both kinds: ending at an empty subtree and at another key's leaf) that
// must verify, and every tampering — claimed value, key, a sibling, the other leaf, a
// dropped or added sibling, the root — must fail. Also pins the hashing layout by
// computing small roots by hand, and round-trips the JSON form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { concatBytes, utf8ToBytes } from '../bytes.js';
import { DecodeError } from '../errors.js';
import {
  sparseEmptyHash,
  sparseMerkleProof,
  sparseMerkleRoot,
  stateProofFromJson,
  stateProofToJson,
  verifyStateProof,
  pathBit,
  type StateEntry,
  type StateProof,
} from './sparse.js';

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const entry = (k: string, v: string): StateEntry => ({ key: utf8ToBytes(k), value: utf8ToBytes(v) });

test('hashing layout: empty, one leaf, two leaves', () => {
  assert.deepEqual(sparseMerkleRoot(sha256, []), sparseEmptyHash(32));
  const a = entry('a', '1');
  const b = entry('b', '2');
  const leafA = sha256(concatBytes(Uint8Array.of(0x10), sha256(a.key), sha256(a.value)));
  const leafB = sha256(concatBytes(Uint8Array.of(0x10), sha256(b.key), sha256(b.value)));
  assert.deepEqual(sparseMerkleRoot(sha256, [a]), leafA);
  // H('a') and H('b') differ in their first bit, so they split at the root.
  assert.notEqual(pathBit(sha256(a.key), 0), pathBit(sha256(b.key), 0));
  const [left, right] = pathBit(sha256(a.key), 0) === 0 ? [leafA, leafB] : [leafB, leafA];
  assert.deepEqual(sparseMerkleRoot(sha256, [a, b]), sha256(concatBytes(Uint8Array.of(0x11), left, right)));
  assert.deepEqual(sparseMerkleRoot(sha256, [b, a]), sparseMerkleRoot(sha256, [a, b]));
});

const entriesArb = fc
  .uniqueArray(fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 6 }), fc.uint8Array({ maxLength: 8 })), {
    maxLength: 40,
    selector: ([k]) => Array.from(k).join(','),
  })
  .map((pairs) => pairs.map(([key, value]) => ({ key, value })));

function tamperings(proof: StateProof, flip: number): StateProof[] {
  const out: StateProof[] = [];
  out.push({ ...proof, value: proof.value === undefined ? utf8ToBytes('x') : concatBytes(proof.value, Uint8Array.of(1)) });
  if (proof.value !== undefined) out.push({ ...proof, value: undefined });
  // (Another key may well be absent too, so the key is tampered only in inclusion proofs.)
  if (proof.value !== undefined) out.push({ ...proof, key: concatBytes(proof.key, Uint8Array.of(flip & 0xff)) });
  if (proof.siblings.length > 0) {
    const siblings = proof.siblings.map((s) => s.slice());
    const s = siblings[flip % siblings.length]!;
    s[flip % 32] = s[flip % 32]! ^ (1 << (flip % 8));
    out.push({ ...proof, siblings });
    out.push({ ...proof, siblings: proof.siblings.slice(1) });
    out.push({ ...proof, siblings: proof.siblings.slice(0, -1) });
  }
  out.push({ ...proof, siblings: [...proof.siblings, sparseEmptyHash(32)] });
  if (proof.leaf !== undefined) {
    const valueHash = proof.leaf.valueHash.slice();
    valueHash[flip % 32] = valueHash[flip % 32]! ^ (1);
    out.push({ ...proof, leaf: { ...proof.leaf, valueHash } });
    const keyHash = proof.leaf.keyHash.slice();
    keyHash[31] = keyHash[31]! ^ (1);
    out.push({ ...proof, leaf: { ...proof.leaf, keyHash } });
    out.push({ ...proof, leaf: undefined });
  }
  return out;
}

test('inclusion and absence proofs verify; every tampering fails', () => {
  let kinds = { present: 0, absentEmpty: 0, absentLeaf: 0 };
  fc.assert(
    fc.property(entriesArb, fc.uint8Array({ maxLength: 6 }), fc.nat(), (entries, probe, flip) => {
      const root = sparseMerkleRoot(sha256, entries);
      const keys = [...entries.map((e) => e.key), probe];
      for (const key of keys) {
        const proof = sparseMerkleProof(sha256, entries, key);
        assert.ok(verifyStateProof(sha256, root, proof));
        if (proof.value !== undefined) kinds.present++;
        else if (proof.leaf === undefined) kinds.absentEmpty++;
        else kinds.absentLeaf++;
        for (const bad of tamperings(proof, flip)) assert.ok(!verifyStateProof(sha256, root, bad));
        const badRoot = root.slice();
        badRoot[flip % 32] = badRoot[flip % 32]! ^ (0x01);
        assert.ok(!verifyStateProof(sha256, badRoot, proof));
      }
    }),
    { numRuns: 200 },
  );
  assert.ok(kinds.present > 0 && kinds.absentEmpty > 0 && kinds.absentLeaf > 0, JSON.stringify(kinds));
});

test('a proof from one state does not verify against a state that differs in that key', () => {
  const entries = Array.from({ length: 50 }, (_, i) => entry(`k${i}`, `v${i}`));
  const proof = sparseMerkleProof(sha256, entries, utf8ToBytes('k7'));
  const changed = entries.map((e, i) => (i === 7 ? entry('k7', 'other') : e));
  assert.ok(!verifyStateProof(sha256, sparseMerkleRoot(sha256, changed), proof));
  const removed = entries.filter((_, i) => i !== 7);
  assert.ok(!verifyStateProof(sha256, sparseMerkleRoot(sha256, removed), proof));
});

test('JSON form round-trips and rejects malformed input with DecodeError', () => {
  const entries = Array.from({ length: 20 }, (_, i) => entry(`k${i}`, `v${i}`));
  const root = sparseMerkleRoot(sha256, entries);
  for (const key of ['k3', 'missing', 'zz']) {
    const proof = sparseMerkleProof(sha256, entries, utf8ToBytes(key));
    const json = JSON.parse(JSON.stringify(stateProofToJson(proof)));
    const back = stateProofFromJson(json);
    assert.deepEqual(back, proof);
    assert.ok(verifyStateProof(sha256, root, back));
  }
  for (const bad of [null, 3, { key: 'zz', value: null, siblings: [], leaf: null }, { key: '00', value: null, siblings: 'x', leaf: null }, { key: '00', value: null, siblings: [], leaf: 5 }]) {
    assert.throws(() => stateProofFromJson(bad), DecodeError);
  }
});

test('malformed proofs return false rather than throw', () => {
  const root = sparseMerkleRoot(sha256, [entry('a', '1'), entry('b', '2')]);
  const key = utf8ToBytes('a');
  assert.equal(verifyStateProof(sha256, root, { key, value: utf8ToBytes('1'), siblings: [new Uint8Array(3)], leaf: undefined }), false);
  assert.equal(verifyStateProof(sha256, root, { key, value: undefined, siblings: Array(257).fill(new Uint8Array(32)), leaf: undefined }), false);
  assert.equal(verifyStateProof(sha256, new Uint8Array(0), { key, value: undefined, siblings: [], leaf: undefined }), false);
  assert.equal(verifyStateProof(sha256, root, { key, value: utf8ToBytes('1'), siblings: [], leaf: { keyHash: new Uint8Array(32), valueHash: new Uint8Array(32) } }), false);
});
