// Checks genesis validation (each rule rejects with GenesisError and a clear message)
// and the height-0 state it writes: config (with the crypto suite), organizations, signer
// records with nonce 0, the validator set and an organization-less signer record per
// validator key, the issuance account, and a zero vault and quota per operator — all
// sorted by key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareBytes, clone, create, CryptoSuite, GenesisSchema, Role, ValidatorSchema, type Genesis } from '@tongbao/protocol';
import { createApplication } from '../../application.js';
import { GenesisError } from '../../errors.js';
import { getAccount, getChainConfig, getMoneySupply, getNextNonce, getOperatorQuota, getOrganization } from '../currency/queries.js';
import { getValidatorSet } from '../evidence/queries.js';
import { signerStore } from './store.js';
import { readRecord } from '../../state-overlay.js';
import { signerPath } from '../../keys.js';
import { CHAIN_ID, KEYS, MemoryState, testGenesis, testKey } from '../../testing/harness.js';

const app = createApplication({ chainId: CHAIN_ID });

function rejects(mutate: (genesis: Genesis) => void, pattern: RegExp): void {
  const genesis = clone(GenesisSchema, testGenesis());
  mutate(genesis);
  assert.throws(() => app.initChain(genesis), (error: unknown) => {
    assert.ok(error instanceof GenesisError);
    assert.equal(error.code, 'INVALID_GENESIS');
    assert.match(error.message, pattern);
    return true;
  });
}

test('a valid genesis gives the height-0 state', () => {
  const state = new MemoryState();
  const changes = app.initChain(testGenesis());
  for (let i = 1; i < changes.length; i++) assert.ok(compareBytes(changes[i - 1]!.key, changes[i]!.key) < 0);
  state.apply(changes);
  assert.equal(getOrganization(state, 'pboc')?.role, Role.CENTRAL_BANK);
  assert.equal(getNextNonce(state, KEYS.icbc), 0n);
  assert.equal(getNextNonce(state, testKey('nobody')), undefined);
  assert.equal(getMoneySupply(state), 0n);
  assert.equal(getAccount(state, 'vault:icbc')?.balance, 0n);
  assert.equal(getAccount(state, 'vault:regulator'), undefined);
  assert.deepEqual(getOperatorQuota(state, 'boc'), { quota: 0n, outstanding: 0n });
  assert.equal(getOperatorQuota(state, 'pboc'), undefined);
});

test('genesis writes the validator set, and a nonce but no organization for each validator key', () => {
  const genesis = clone(GenesisSchema, testGenesis());
  const validatorKey = testKey('validator-1');
  // Validator 0 signs with the central bank's key (an organization key); validator 1 with a key of its own.
  genesis.validators.push(create(ValidatorSchema, { organizationId: 'icbc', publicKey: validatorKey, power: 1n }));
  const state = new MemoryState();
  state.apply(app.initChain(genesis));
  assert.equal(getChainConfig(state)?.cryptoSuite, CryptoSuite.ED25519);
  const set = getValidatorSet(state);
  assert.equal(set?.epoch, 0n);
  assert.deepEqual(set?.validators, genesis.validators);
  assert.deepEqual({ ...readRecord(state, signerStore, signerPath(validatorKey)) }, { $typeName: 'tongbao.v1.Signer', nextNonce: 0n, organizationId: '' });
  assert.equal(readRecord(state, signerStore, signerPath(KEYS.centralBank))?.organizationId, 'pboc', 'an organization key that is also a validator key keeps its organization');
});

test('initChain is deterministic', () => {
  const a = app.initChain(testGenesis());
  const b = app.initChain(testGenesis());
  assert.deepEqual(a, b);
});

test('genesis rules', () => {
  rejects((g) => (g.chainId = 'other'), /for chain "other"/);
  rejects((g) => (g.cryptoSuite = 0), /crypto_suite/);
  rejects((g) => (g.organizations = []), /no organizations/);
  rejects((g) => (g.organizations[1]!.id = 'pboc'), /"pboc" appears twice/);
  rejects((g) => (g.organizations[1]!.id = 'bad/id'), /organization id/);
  rejects((g) => (g.organizations[1]!.role = Role.CENTRAL_BANK), /exactly one central bank, found 2/);
  rejects((g) => (g.organizations[0]!.role = Role.OPERATOR), /exactly one central bank, found 0/);
  rejects((g) => (g.organizations[1]!.role = Role.UNSPECIFIED), /no valid role/);
  rejects((g) => (g.organizations[1]!.publicKeys = []), /no public key/);
  rejects((g) => (g.organizations[1]!.publicKeys = [KEYS.centralBank]), /listed by both "pboc" and "icbc"/);
  rejects((g) => (g.organizations[1]!.publicKeys = [new Uint8Array(33)]), /33-byte key/);
  rejects((g) => (g.validators[0]!.organizationId = 'ghost'), /belongs to no organization/);
  rejects((g) => (g.validators[0]!.publicKey = new Uint8Array(31)), /validator 0 has a 31-byte key; this chain's suite uses 32-byte/);
  rejects((g) => g.validators.push(clone(ValidatorSchema, g.validators[0]!)), /validator key [0-9a-f]{64} is listed twice/);
  rejects((g) => g.currency!.tiers.pop(), /each tier 1..4 exactly once/);
  rejects((g) => (g.currency!.tiers[3]!.tier = 3), /tier 3 is listed twice/);
  rejects((g) => (g.currency!.tiers[3]!.tier = 5), /tier 5/);
  rejects((g) => (g.currency!.utcOffsetMinutes = 15 * 60), /utc_offset_minutes/);
});

test('a genesis without currency params gets the defaults', () => {
  const genesis = clone(GenesisSchema, testGenesis());
  genesis.currency = undefined;
  assert.doesNotThrow(() => app.initChain(genesis));
});
