// Checks genesis validation (each rule rejects with GenesisError and a clear message)
// and the height-0 state it writes: config, organizations, signer records with nonce 0,
// the issuance account, and a zero vault and quota per operator — all sorted by key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareBytes, clone, GenesisSchema, Role, type Genesis } from '@tongbao/protocol';
import { createApplication } from '../../application.js';
import { GenesisError } from '../../errors.js';
import { getAccount, getMoneySupply, getNextNonce, getOperatorQuota, getOrganization } from '../currency/queries.js';
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
