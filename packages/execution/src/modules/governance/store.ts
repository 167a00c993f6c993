import {
  ChainConfigSchema,
  decodeCanonical,
  encode,
  OrganizationSchema,
  type ChainConfig,
  type Organization,
  type Signer,
} from '@tongbao/protocol';
import { decodeSignerRecord, encodeSigner } from '../../codec/records.js';
import type { RecordStore } from '../../state-overlay.js';

/** Upper bounds on stored values: a larger value can only be damage, never data. */
const CONFIG_VALUE_BYTES_MAX = 4 * 1024;
const ORGANIZATION_VALUE_BYTES_MAX = 64 * 1024;
const SIGNER_VALUE_BYTES_MAX = 128;

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
