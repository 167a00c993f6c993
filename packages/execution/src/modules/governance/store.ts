import {
  ChainConfigSchema,
  decodeCanonical,
  encode,
  equalBytes,
  OrganizationSchema,
  ValidatorSetSchema,
  type ChainConfig,
  type Organization,
  type Signer,
  type ValidatorSet,
} from '@tongbao/protocol';
import { decodeSignerRecord, encodeSigner } from '../../codec/records.js';
import { VALIDATOR_SET_PATH } from '../../keys.js';
import type { RecordReader, RecordStore } from '../../state-overlay.js';

/** Upper bounds on stored values: a larger value can only be damage, never data. */
const CONFIG_VALUE_BYTES_MAX = 4 * 1024;
const ORGANIZATION_VALUE_BYTES_MAX = 64 * 1024;
const SIGNER_VALUE_BYTES_MAX = 128;
/** 100 validators (consensus's maximum) with keys, organization ids and powers fit in far less. */
const VALIDATOR_SET_VALUE_BYTES_MAX = 64 * 1024;

export const configStore: RecordStore<ChainConfig> = {
  name: 'ChainConfig',
  encode: (value) => encode(ChainConfigSchema, value),
  decode: (bytes) => decodeCanonical(ChainConfigSchema, bytes, CONFIG_VALUE_BYTES_MAX),
};

export const organizationStore: RecordStore<Organization> = {
  name: 'Organization',
  encode: (value) => encode(OrganizationSchema, value),
  decode: (bytes) => decodeCanonical(OrganizationSchema, bytes, ORGANIZATION_VALUE_BYTES_MAX),
};

/** The key → (next nonce, organization) index every transaction starts from. */
export const signerStore: RecordStore<Signer> = {
  name: 'Signer',
  encode: encodeSigner,
  decode: (bytes) => decodeSignerRecord(bytes, SIGNER_VALUE_BYTES_MAX),
};

/** The validators of the current epoch in genesis order, written at genesis. */
export const validatorSetStore: RecordStore<ValidatorSet> = {
  name: 'ValidatorSet',
  encode: (value) => encode(ValidatorSetSchema, value),
  decode: (bytes) => decodeCanonical(ValidatorSetSchema, bytes, VALIDATOR_SET_VALUE_BYTES_MAX),
};

/** Whether the key is a validator's consensus key in the current validator set. */
export function isValidatorKey(state: RecordReader, publicKey: Uint8Array): boolean {
  const set = state.get(validatorSetStore, VALIDATOR_SET_PATH);
  return set !== undefined && set.validators.some((validator) => equalBytes(validator.publicKey, publicKey));
}
