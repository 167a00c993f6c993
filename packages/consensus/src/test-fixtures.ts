/**
 * Shared fixtures for the consensus unit tests (not exported from the package): a small
 * validator set with Ed25519 keys from fixed seeds, and helpers that sign votes, QCs and
 * TCs the way honest validators would.
 */
import { create, getSuite, QuorumCertSchema, TimeoutCertSchema, TimeoutDataSchema, VoteSchema, type QuorumCert, type TimeoutCert, type Vote, type VoteData, VoteDataSchema } from '@tongbao/protocol';
import type { VerificationContext } from './certificates.js';
import { genesisQuorumCert } from './config.js';
import { timeoutSigningBytes, voteSigningBytes } from './signing.js';

export const CHAIN = 'tongbao-test';
const suite = getSuite('ed25519');
export const keys = [...Array(4).keys()].map((i) => suite.generateKeyPair(new Uint8Array(32).fill(i + 1)));
export const genesis = { hash: new Uint8Array(32).fill(7), timestampMs: 1_000n };

export function context(validatorCount = 4): VerificationContext {
  return {
    chainId: CHAIN,
    epoch: 0n,
    validators: keys.slice(0, validatorCount).map((k) => k.publicKey),
    verify: (pk, m, s) => suite.verify(pk, m, s),
    genesisQc: genesisQuorumCert(genesis, 0n),
  };
}

export function voteData(round: bigint, blockByte = 1, parentRound = round - 1n): VoteData {
  return create(VoteDataSchema, { epoch: 0n, round, height: round, blockHash: new Uint8Array(32).fill(blockByte), parentRound, parentHash: new Uint8Array(32).fill(blockByte + 100) });
}

export function signVote(signer: number, data: VoteData): Vote {
  return create(VoteSchema, { data, voter: signer, signature: suite.sign(keys[signer]!.secretKey, voteSigningBytes(CHAIN, data)) });
}

export function makeQc(data: VoteData, signers: readonly number[]): QuorumCert {
  return create(QuorumCertSchema, { data, signers: [...signers], signatures: signers.map((s) => signVote(s, data).signature) });
}

export function makeTc(round: bigint, entries: ReadonlyArray<readonly [signer: number, highQcRound: bigint]>): TimeoutCert {
  return create(TimeoutCertSchema, {
    epoch: 0n,
    round,
    signers: entries.map(([s]) => s),
    highQcRounds: entries.map(([, r]) => r),
    signatures: entries.map(([s, r]) => suite.sign(keys[s]!.secretKey, timeoutSigningBytes(CHAIN, create(TimeoutDataSchema, { epoch: 0n, round, highQcRound: r })))),
  });
}

export function signerFor(index: number): { sign(message: Uint8Array): Uint8Array } {
  return { sign: (message) => suite.sign(keys[index]!.secretKey, message) };
}
