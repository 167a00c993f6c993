/**
 * Checking what a node claims about state against the Merkle commitment in a block
 * header, so that a balance is believed because it is proven, not because a node said
 * so. The state key layout below restates the execution package's keys.ts
 * ("wallet/<id>", "account/<id>", "wallet:<id>" for a wallet's account), which the SDK
 * may not import; the transport tests pin it against the proofs of a fake node.
 */
import {
  BlockHeaderSchema,
  blockHash,
  bytesToHex,
  equalBytes,
  stateProofFromJson,
  utf8ToBytes,
  verifyStateProof,
  type BlockHeader,
  type api,
} from '@tongbao/protocol/portable';
import { ProofVerificationError } from '../errors.js';
import { decodeProtoJson } from './response.js';

export type HashFunction = (data: Uint8Array) => Uint8Array;

export const walletStateKey = (walletId: string): Uint8Array => utf8ToBytes(`wallet/${walletId}`);
export const accountStateKey = (accountId: string): Uint8Array => utf8ToBytes(`account/${accountId}`);
export const walletAccountId = (walletId: string): string => `wallet:${walletId}`;

/** The header a proof was made against, after checking that it hashes to the claimed block hash. */
export function verifyProvenAt(hash: HashFunction, at: api.ProvenAt, what: string): BlockHeader {
  const header = decodeProtoJson(BlockHeaderSchema, at.header, `${what}: at.header`);
  const computed = bytesToHex(blockHash(hash, header));
  if (computed !== at.hash) {
    throw new ProofVerificationError(`${what}: the header does not hash to the block hash ${at.hash} it came with`, {
      details: { what, claimed: at.hash, computed },
    });
  }
  if (header.height.toString() !== at.height) {
    throw new ProofVerificationError(`${what}: the header is for height ${header.height}, not ${at.height}`, { details: { what } });
  }
  return header;
}

/**
 * The value proven at `key` under `stateRoot` (undefined when the proof proves absence).
 * Throws ProofVerificationError when the proof is malformed, is for another key, or does
 * not verify.
 */
export function verifyStateValue(
  hash: HashFunction,
  stateRoot: Uint8Array,
  proofJson: unknown,
  key: Uint8Array,
  what: string,
): Uint8Array | undefined {
  let proof;
  try {
    proof = stateProofFromJson(proofJson);
  } catch (cause) {
    throw new ProofVerificationError(`${what}: the proof is malformed`, { details: { what }, cause });
  }
  if (!equalBytes(proof.key, key)) {
    throw new ProofVerificationError(`${what}: the proof is for another state key`, {
      details: { what, expected: bytesToHex(key), actual: bytesToHex(proof.key) },
    });
  }
  if (!verifyStateProof(hash, stateRoot, proof)) {
    throw new ProofVerificationError(`${what}: the Merkle proof does not verify against the header's state root`, {
      details: { what, stateRoot: bytesToHex(stateRoot) },
    });
  }
  return proof.value;
}
