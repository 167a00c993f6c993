import {
  AccountKind,
  bytesToHex,
  ChainConfigSchema,
  create,
  CryptoSuite,
  getSuite,
  OperatorQuotaSchema,
  Role,
  SignerSchema,
  suiteNameFromId,
  ValidatorSetSchema,
  type CurrencyParams,
  type Genesis,
  type StateChange,
} from '@tongbao/protocol';
import { GenesisError } from '../../errors.js';
import {
  accountPath,
  CONFIG_PATH,
  ISSUANCE_ACCOUNT_ID,
  organizationPath,
  quotaPath,
  signerPath,
  VALIDATOR_SET_PATH,
  vaultAccountId,
} from '../../keys.js';
import { BlockState } from '../../state-overlay.js';
import { newAccount } from '../currency/ledger.js';
import { defaultCurrencyParams, isIdentifier, TIER_MAX, TIER_MIN, utcOffsetMinutesMax, utcOffsetMinutesMin } from '../currency/limits.js';
import { accountStore, quotaStore } from '../currency/store.js';
import { configStore, organizationStore, signerStore, validatorSetStore } from './store.js';

const EMPTY_STATE = { get: () => undefined };

/**
 * Checks every rule a genesis must keep and returns the currency parameters in force
 * (the defaults of CURRENCY.md when the genesis names none). Throws GenesisError.
 */
export function validateGenesis(genesis: Genesis, chainId: string): CurrencyParams {
  if (genesis.chainId !== chainId) {
    throw new GenesisError(`the genesis is for chain "${genesis.chainId}" but this application runs chain "${chainId}"`, {
      expected: chainId,
      actual: genesis.chainId,
    });
  }
  if (genesis.cryptoSuite === CryptoSuite.UNSPECIFIED || CryptoSuite[genesis.cryptoSuite] === undefined) {
    throw new GenesisError(`crypto_suite ${genesis.cryptoSuite} is not a suite this software knows`);
  }
  const publicKeyBytes = getSuite(suiteNameFromId(genesis.cryptoSuite)).publicKeyBytes;
  if (genesis.organizations.length === 0) throw new GenesisError('it names no organizations');
  const ids = new Set<string>();
  const keys = new Map<string, string>();
  let centralBanks = 0;
  for (const organization of genesis.organizations) {
    if (!isIdentifier(organization.id)) {
      throw new GenesisError(`organization id ${JSON.stringify(organization.id)} must be 1–64 characters of A–Z a–z 0–9 . _ @ -`);
    }
    if (ids.has(organization.id)) throw new GenesisError(`organization id "${organization.id}" appears twice`);
    ids.add(organization.id);
    if (Role[organization.role] === undefined || organization.role === Role.UNSPECIFIED) {
      throw new GenesisError(`organization "${organization.id}" has no valid role (got ${organization.role})`);
    }
    if (organization.role === Role.CENTRAL_BANK) centralBanks++;
    if (organization.publicKeys.length === 0) throw new GenesisError(`organization "${organization.id}" has no public key to sign with`);
    for (const key of organization.publicKeys) {
      if (key.length !== publicKeyBytes) {
        throw new GenesisError(`organization "${organization.id}" has a ${key.length}-byte key; this chain's suite uses ${publicKeyBytes}-byte public keys`);
      }
      const hex = bytesToHex(key);
      const holder = keys.get(hex);
      if (holder !== undefined) throw new GenesisError(`public key ${hex} is listed by both "${holder}" and "${organization.id}"; each key signs for one organization`);
      keys.set(hex, organization.id);
    }
  }
  if (centralBanks !== 1) throw new GenesisError(`there must be exactly one central bank, found ${centralBanks}`);
  const validatorKeys = new Set<string>();
  for (const [index, validator] of genesis.validators.entries()) {
    if (!ids.has(validator.organizationId)) {
      throw new GenesisError(`validator of organization "${validator.organizationId}" belongs to no organization of the genesis`);
    }
    // Execution checks evidence signatures against these keys, and consensus counts one
    // vote per key: a key of the wrong length or listed twice could never be used right.
    if (validator.publicKey.length !== publicKeyBytes) {
      throw new GenesisError(`validator ${index} has a ${validator.publicKey.length}-byte key; this chain's suite uses ${publicKeyBytes}-byte public keys`);
    }
    const hex = bytesToHex(validator.publicKey);
    if (validatorKeys.has(hex)) throw new GenesisError(`validator key ${hex} is listed twice; each validator has a key of its own`);
    validatorKeys.add(hex);
  }
  const params = genesis.currency ?? defaultCurrencyParams();
  const tiers = new Set<number>();
  for (const limits of params.tiers) {
    if (limits.tier < TIER_MIN || limits.tier > TIER_MAX) throw new GenesisError(`currency tier ${limits.tier} is not one of ${TIER_MIN}..${TIER_MAX}`);
    if (tiers.has(limits.tier)) throw new GenesisError(`currency tier ${limits.tier} is listed twice`);
    tiers.add(limits.tier);
  }
  if (tiers.size !== TIER_MAX - TIER_MIN + 1) {
    throw new GenesisError(`currency params must list each tier ${TIER_MIN}..${TIER_MAX} exactly once, found ${[...tiers].sort().join(', ') || 'none'}`);
  }
  if (params.utcOffsetMinutes < utcOffsetMinutesMin || params.utcOffsetMinutes > utcOffsetMinutesMax) {
    throw new GenesisError(`utc_offset_minutes ${params.utcOffsetMinutes} is outside ${utcOffsetMinutesMin}..${utcOffsetMinutesMax}`);
  }
  return params;
}

/**
 * Enter: height 0. Writes the chain config, every organization and its keys' signer
 * records (nonce 0), the validator set and a signer record for each validator key, the
 * issuance account, and for each operator a vault and a quota of zero — so no command
 * ever has to create those.
 */
export function genesisChanges(genesis: Genesis, chainId: string): StateChange[] {
  const currency = validateGenesis(genesis, chainId);
  const state = new BlockState(EMPTY_STATE);
  const publicKeyBytes = getSuite(suiteNameFromId(genesis.cryptoSuite)).publicKeyBytes;
  state.set(configStore, CONFIG_PATH, create(ChainConfigSchema, { chainId, publicKeyBytes, currency, cryptoSuite: genesis.cryptoSuite }));
  state.set(accountStore, accountPath(ISSUANCE_ACCOUNT_ID), newAccount(ISSUANCE_ACCOUNT_ID, AccountKind.ISSUANCE, ''));
  for (const organization of genesis.organizations) {
    state.set(organizationStore, organizationPath(organization.id), organization);
    for (const key of organization.publicKeys) {
      state.set(signerStore, signerPath(key), create(SignerSchema, { organizationId: organization.id }));
    }
    if (organization.role === Role.OPERATOR) {
      const vault = vaultAccountId(organization.id);
      state.set(accountStore, accountPath(vault), newAccount(vault, AccountKind.OPERATOR_VAULT, organization.id));
      state.set(quotaStore, quotaPath(organization.id), create(OperatorQuotaSchema, { operatorId: organization.id }));
    }
  }
  // Execution reads validators by index (evidence names them so) and by key (who may submit it).
  state.set(validatorSetStore, VALIDATOR_SET_PATH, create(ValidatorSetSchema, { epoch: 0n, validators: genesis.validators }));
  for (const validator of genesis.validators) {
    // A validator key signs transactions only to report misbehaviour, so it gets a nonce
    // but no organization: it must not carry its organization's role (a central-bank
    // validator's key is not the central bank's key). A key that is also an organization
    // key keeps that organization's record.
    const path = signerPath(validator.publicKey);
    if (state.get(signerStore, path) === undefined) state.set(signerStore, path, create(SignerSchema, {}));
  }
  return state.changes();
}
