import { equalBytes } from '../bytes.js';
import { hashIntoOf, type HashFunction } from './hash.js';

/**
 * Binary Merkle tree over an ordered list, the shape of RFC 6962 / RFC 9162 §2.1 (the
 * Certificate Transparency log tree). Used for a block's transactions_root and
 * receipts_root.
 *
 *   root([])        = H()                       (hash of empty input)
 *   root([d])       = H(0x00 ‖ d)               (leaf)
 *   root(D[0..n))   = H(0x01 ‖ root(D[0..k)) ‖ root(D[k..n)))
 *                      where k is the largest power of two < n
 *
 * The 0x00 / 0x01 prefixes separate leaves from inner nodes, so a proof cannot pass an
 * inner node off as a leaf (the second-preimage attack on unprefixed trees). The split
 * at the largest power of two means the tree for n leaves is the same as building
 * bottom-up and carrying an unpaired last node up a level unchanged, which is how it is
 * computed here (no recursion, one pass per level).
 */

const LEAF_PREFIX = 0x00;
const INNER_PREFIX = 0x01;

/** Hard ceiling on the leaves of one tree: indexes must stay exact in a JS number. */
export const MERKLE_LEAF_COUNT_MAX = 2 ** 32;

export function merkleLeafHash(hash: HashFunction, data: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + data.length);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return hash(input);
}

export function merkleInnerHash(hash: HashFunction, left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = INNER_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return hash(input);
}

function checkLeafCount(count: number): void {
  if (count > MERKLE_LEAF_COUNT_MAX) {
    throw new RangeError(`a Merkle tree holds at most ${MERKLE_LEAF_COUNT_MAX} leaves, got ${count}`);
  }
}

/**
 * The root over `leaves` in order (each leaf is raw data; leaf hashing is done here).
 * Every block computes two of these over thousands of leaves, so the level is one
 * buffer rewritten in place and every preimage goes through one scratch buffer: no
 * allocation per node (two per node cost as much as the hashing).
 */
export function merkleRoot(hash: HashFunction, leaves: readonly Uint8Array[]): Uint8Array {
  checkLeafCount(leaves.length);
  if (leaves.length === 0) return hash(new Uint8Array(0));
  const into = hashIntoOf(hash);
  const size = hash(new Uint8Array(0)).length;
  let leafBytesMax = 0;
  for (const leaf of leaves) if (leaf.length > leafBytesMax) leafBytesMax = leaf.length;
  // Outside V8's heap from the start, so a native hash reads and writes them in place.
  const scratch = new Uint8Array(new ArrayBuffer(1 + Math.max(leafBytesMax, 2 * size)));
  const level = new Uint8Array(new ArrayBuffer(leaves.length * size));
  leaves.forEach((leaf, i) => {
    scratch[0] = LEAF_PREFIX;
    scratch.set(leaf, 1);
    into(level.subarray(i * size, (i + 1) * size), scratch.subarray(0, 1 + leaf.length));
  });
  const inner = scratch.subarray(0, 1 + 2 * size);
  for (let count = leaves.length; count > 1; count = Math.ceil(count / 2)) {
    // Node i of the next level is written over node i of this one, after nodes 2i and 2i + 1 were read.
    for (let i = 0; 2 * i + 1 < count; i++) {
      inner[0] = INNER_PREFIX;
      inner.set(level.subarray(2 * i * size, (2 * i + 2) * size), 1);
      into(level.subarray(i * size, (i + 1) * size), inner);
    }
    // An unpaired last node moves up unchanged (the RFC 6962 split, computed bottom-up).
    if (count % 2 === 1) level.copyWithin(((count - 1) / 2) * size, (count - 1) * size, count * size);
  }
  return level.slice(0, size);
}

/** An audit path: the sibling hashes from the leaf up to the root. */
export interface MerkleProof {
  readonly index: number;
  readonly leafCount: number;
  readonly siblings: readonly Uint8Array[];
}

/** The audit path of leaf `index` (RFC 9162 §2.1.3.1 PATH, computed bottom-up). */
export function merkleProof(hash: HashFunction, leaves: readonly Uint8Array[], index: number): MerkleProof {
  checkLeafCount(leaves.length);
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} is outside 0..${leaves.length - 1}`);
  }
  const siblings: Uint8Array[] = [];
  let level = leaves.map((leaf) => merkleLeafHash(hash, leaf));
  let position = index;
  while (level.length > 1) {
    const sibling = position ^ 1;
    // The last node of an odd level has no sibling: it moves up without a path entry.
    if (sibling < level.length) siblings.push(level[sibling]!);
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(merkleInnerHash(hash, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
    position >>>= 1;
  }
  return { index, leafCount: leaves.length, siblings };
}

/**
 * Whether `leaf` (raw data) is at `proof.index` of a tree of `proof.leafCount` leaves
 * with this root. Follows RFC 9162 §2.1.3.2; returns false, never throws, on any
 * malformed proof.
 */
export function verifyMerkleProof(hash: HashFunction, root: Uint8Array, leaf: Uint8Array, proof: MerkleProof): boolean {
  const { index, leafCount, siblings } = proof;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(leafCount)) return false;
  if (leafCount < 1 || leafCount > MERKLE_LEAF_COUNT_MAX || index < 0 || index >= leafCount) return false;
  // Numbers below 2^32 keep the bit arithmetic exact; use division, not >>>, to be safe at 2^32.
  let fn = index;
  let sn = leafCount - 1;
  let node = merkleLeafHash(hash, leaf);
  for (const sibling of siblings) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      node = merkleInnerHash(hash, sibling, node);
      // Skip the levels where this node was the unpaired last one and moved up alone.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      node = merkleInnerHash(hash, node, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(node, root);
}
