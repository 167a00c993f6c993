import { bytesToHex, compareBytes, equalBytes, hexToBytes } from '../bytes.js';
import { DecodeError } from '../errors.js';
import type { HashFunction } from './hash.js';

/**
 * The state commitment: a compressed sparse Merkle tree over every (key, value) of the
 * state (docs/adr/0003-state-commitment.md). Storage keeps the tree; this file fixes its
 * hashing, so that the node that builds it and a light client that checks a proof agree,
 * and holds the proof verifier, which must run anywhere (browser included).
 *
 * - A key's path is H(key): 256 bits for SHA-256 and SM3, read from the most significant
 *   bit of the first byte. Bit 0 picks the left child at the root.
 * - leaf  = H(0x10 ‖ H(key) ‖ H(value))
 * - inner = H(0x11 ‖ left ‖ right)
 * - an empty subtree hashes to all zero bytes (a constant nobody can find a preimage of).
 * - Compressed: a leaf sits at the shortest prefix of its path that no other key shares;
 *   a subtree holding exactly one key is that leaf, and one holding none is empty. So an
 *   inner node always has at least two keys below it, and the tree, hence the root, is a
 *   function of the set of (key, value) alone, whatever order keys were inserted in.
 *
 * The tags differ from the binary tree's 0x00 / 0x01, and leaf from inner, so no node of
 * one kind can pass as another. Hashing the record bytes `tag ‖ a ‖ b` directly means a
 * node's stored record is also its hash preimage.
 */

export const SPARSE_LEAF_TAG = 0x10;
export const SPARSE_INNER_TAG = 0x11;

/** The hash of an empty subtree (and the root of an empty state): `hashBytes` zeros. */
export function sparseEmptyHash(hashBytes: number): Uint8Array {
  return new Uint8Array(hashBytes);
}

export function isSparseEmptyHash(node: Uint8Array): boolean {
  for (let i = 0; i < node.length; i++) if (node[i] !== 0) return false;
  return true;
}

/** tag ‖ H(key) ‖ H(value): a leaf's record, whose hash is the leaf's hash. */
export function sparseLeafRecord(keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array {
  const record = new Uint8Array(1 + keyHash.length + valueHash.length);
  record[0] = SPARSE_LEAF_TAG;
  record.set(keyHash, 1);
  record.set(valueHash, 1 + keyHash.length);
  return record;
}

/** tag ‖ left ‖ right: an inner node's record, whose hash is the node's hash. */
export function sparseInnerRecord(left: Uint8Array, right: Uint8Array): Uint8Array {
  const record = new Uint8Array(1 + left.length + right.length);
  record[0] = SPARSE_INNER_TAG;
  record.set(left, 1);
  record.set(right, 1 + left.length);
  return record;
}

/** Bit `depth` of a path, most significant bit of byte 0 first: 0 = left, 1 = right. */
export function pathBit(path: Uint8Array, depth: number): 0 | 1 {
  return ((path[depth >>> 3]! >>> (7 - (depth & 7))) & 1) as 0 | 1;
}

/** Whether two paths agree on their first `bits` bits. */
export function pathsSharePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >>> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

export interface StateEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

interface HashedEntry {
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array;
}

function hashEntries(hash: HashFunction, entries: Iterable<StateEntry>): HashedEntry[] {
  const hashed: HashedEntry[] = [];
  for (const { key, value } of entries) hashed.push({ keyHash: hash(key), valueHash: hash(value) });
  hashed.sort((a, b) => compareBytes(a.keyHash, b.keyHash));
  for (let i = 1; i < hashed.length; i++) {
    if (equalBytes(hashed[i - 1]!.keyHash, hashed[i]!.keyHash)) {
      throw new RangeError('the same key appears twice among the entries of a state tree');
    }
  }
  return hashed;
}

function subtreeHash(hash: HashFunction, hashBytes: number, entries: readonly HashedEntry[], depth: number): Uint8Array {
  if (entries.length === 0) return sparseEmptyHash(hashBytes);
  if (entries.length === 1) return hash(sparseLeafRecord(entries[0]!.keyHash, entries[0]!.valueHash));
  let mid = 0;
  while (mid < entries.length && pathBit(entries[mid]!.keyHash, depth) === 0) mid++;
  const left = subtreeHash(hash, hashBytes, entries.slice(0, mid), depth + 1);
  const right = subtreeHash(hash, hashBytes, entries.slice(mid), depth + 1);
  return hash(sparseInnerRecord(left, right));
}

/**
 * The state root of a whole set of entries, computed from scratch. The reference model:
 * storage updates its tree incrementally and its tests check it always agrees with this.
 */
export function sparseMerkleRoot(hash: HashFunction, entries: Iterable<StateEntry>): Uint8Array {
  const hashBytes = hash(new Uint8Array(0)).length;
  return subtreeHash(hash, hashBytes, hashEntries(hash, entries), 0);
}

/**
 * Evidence that `key` has `value` in the state under some root, or, with `value`
 * undefined, that it is absent. `siblings[i]` is the hash of the sibling of the path's
 * node at depth i + 1, so the root is at the top of the list. An absence proof ends
 * either at an empty subtree (`leaf` undefined) or at the leaf of another key whose
 * path shares the first `siblings.length` bits (`leaf` given).
 */
export interface StateProof {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
  readonly siblings: readonly Uint8Array[];
  readonly leaf: { readonly keyHash: Uint8Array; readonly valueHash: Uint8Array } | undefined;
}

/** A StateProof as JSON, bytes in lower-case hex, for the API. */
export interface StateProofJson {
  readonly key: string;
  readonly value: string | null;
  readonly siblings: readonly string[];
  readonly leaf: { readonly keyHash: string; readonly valueHash: string } | null;
}

/** The proof for `key` in the tree of `entries`, computed from scratch (reference, tests). */
export function sparseMerkleProof(hash: HashFunction, entries: Iterable<StateEntry>, key: Uint8Array): StateProof {
  const all = [...entries];
  const hashBytes = hash(new Uint8Array(0)).length;
  const keyHash = hash(key);
  const value = all.find((entry) => equalBytes(entry.key, key))?.value;
  let below = hashEntries(hash, all);
  const siblings: Uint8Array[] = [];
  let depth = 0;
  while (below.length > 1) {
    const bit = pathBit(keyHash, depth);
    const same = below.filter((entry) => pathBit(entry.keyHash, depth) === bit);
    const other = below.filter((entry) => pathBit(entry.keyHash, depth) !== bit);
    siblings.push(subtreeHash(hash, hashBytes, other, depth + 1));
    below = same;
    depth++;
  }
  const only = below[0];
  const leaf = only !== undefined && !equalBytes(only.keyHash, keyHash) ? only : undefined;
  return { key, value, siblings, leaf };
}

/**
 * Whether `proof` shows, against `stateRoot`, that `proof.key` has `proof.value`
 * (present) or, when `proof.value` is undefined, that the key is absent. Returns false,
 * never throws, on any malformed or non-canonical proof.
 */
export function verifyStateProof(hash: HashFunction, stateRoot: Uint8Array, proof: StateProof): boolean {
  const hashBytes = stateRoot.length;
  const { key, value, siblings, leaf } = proof;
  if (hashBytes === 0 || siblings.length > hashBytes * 8) return false;
  for (const sibling of siblings) if (sibling.length !== hashBytes) return false;
  const keyHash = hash(key);
  if (keyHash.length !== hashBytes) return false;
  let node: Uint8Array;
  let isLeaf: boolean;
  if (value !== undefined) {
    if (leaf !== undefined) return false;
    node = hash(sparseLeafRecord(keyHash, hash(value)));
    isLeaf = true;
  } else if (leaf !== undefined) {
    if (leaf.keyHash.length !== hashBytes || leaf.valueHash.length !== hashBytes) return false;
    // The other leaf must be another key that really sits on this key's path.
    if (equalBytes(leaf.keyHash, keyHash) || !pathsSharePrefix(leaf.keyHash, keyHash, siblings.length)) return false;
    node = hash(sparseLeafRecord(leaf.keyHash, leaf.valueHash));
    isLeaf = true;
  } else {
    node = sparseEmptyHash(hashBytes);
    isLeaf = false;
  }
  // A leaf beside an empty sibling would have been lifted into its parent's place.
  const deepest = siblings[siblings.length - 1];
  if (isLeaf && deepest !== undefined && isSparseEmptyHash(deepest)) return false;
  for (let depth = siblings.length - 1; depth >= 0; depth--) {
    const sibling = siblings[depth]!;
    node = pathBit(keyHash, depth) === 0 ? hash(sparseInnerRecord(node, sibling)) : hash(sparseInnerRecord(sibling, node));
  }
  return equalBytes(node, stateRoot);
}

export function stateProofToJson(proof: StateProof): StateProofJson {
  return {
    key: bytesToHex(proof.key),
    value: proof.value === undefined ? null : bytesToHex(proof.value),
    siblings: proof.siblings.map(bytesToHex),
    leaf: proof.leaf === undefined ? null : { keyHash: bytesToHex(proof.leaf.keyHash), valueHash: bytesToHex(proof.leaf.valueHash) },
  };
}

/** Hard ceiling on the siblings of a JSON proof: a 512-bit hash's path length. */
export const STATE_PROOF_SIBLINGS_MAX = 512;

function hexField(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') {
    throw new DecodeError('MALFORMED_ENCODING', `state proof field ${field} must be a hex string`, { details: { field } });
  }
  try {
    return hexToBytes(value);
  } catch (cause) {
    throw new DecodeError('MALFORMED_ENCODING', `state proof field ${field} is not hex of whole bytes`, { details: { field }, cause });
  }
}

/** Parses the JSON form, checking its shape (not its validity: that is verifyStateProof). */
export function stateProofFromJson(json: unknown): StateProof {
  if (typeof json !== 'object' || json === null) {
    throw new DecodeError('MALFORMED_ENCODING', 'a state proof must be a JSON object');
  }
  const { key, value, siblings, leaf } = json as Record<string, unknown>;
  if (!Array.isArray(siblings) || siblings.length > STATE_PROOF_SIBLINGS_MAX) {
    throw new DecodeError('MALFORMED_ENCODING', `state proof siblings must be an array of at most ${STATE_PROOF_SIBLINGS_MAX} hex strings`);
  }
  let parsedLeaf: StateProof['leaf'];
  if (leaf === null || leaf === undefined) parsedLeaf = undefined;
  else if (typeof leaf === 'object') {
    const { keyHash, valueHash } = leaf as Record<string, unknown>;
    parsedLeaf = { keyHash: hexField(keyHash, 'leaf.keyHash'), valueHash: hexField(valueHash, 'leaf.valueHash') };
  } else {
    throw new DecodeError('MALFORMED_ENCODING', 'state proof leaf must be null or an object');
  }
  return {
    key: hexField(key, 'key'),
    value: value === null || value === undefined ? undefined : hexField(value, 'value'),
    siblings: siblings.map((sibling, i) => hexField(sibling, `siblings[${i}]`)),
    leaf: parsedLeaf,
  };
}
