import {
  create,
  GenesisSchema,
  getSuite,
  Role,
  suiteIdFromName,
  utf8ToBytes,
  type Genesis,
  type KeyPair,
  type SuiteName,
} from '@tongbao/protocol';
import { defaultCurrencyParams } from '@tongbao/execution';

/** One organization of a demo consortium with the key it signs with. */
export interface DemoMember {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly keys: KeyPair;
}

/** A validator node's identity: the organization that runs it and its signing key. */
export interface DemoValidator {
  readonly organizationId: string;
  readonly keys: KeyPair;
}

export interface DemoConsortium {
  readonly suite: SuiteName;
  readonly chainId: string;
  readonly genesis: Genesis;
  readonly centralBank: DemoMember;
  readonly operators: readonly DemoMember[];
  readonly regulator: DemoMember;
  readonly validators: readonly DemoValidator[];
}

export interface DemoConsortiumOptions {
  readonly suite?: SuiteName;
  readonly chainId?: string;
  readonly genesisTimeMs?: bigint;
  /** Validator nodes, run by the central bank, the operators and the regulator in turn (default 1). */
  readonly validators?: number;
  /**
   * Derives every key from this string, so tests and demos are reproducible. Omit it
   * for fresh random keys (a real deployment generates keys on each organization's
   * own hardware and only public keys meet in the genesis).
   */
  readonly seed?: string;
}

/**
 * A consortium of the shape the design describes: a central bank, two commercial-bank
 * operators and a regulator, each with one key, and validator nodes with keys of their own
 * (a validator's consensus key is not its organization's transaction key).
 */
export function createDemoConsortium(options: DemoConsortiumOptions = {}): DemoConsortium {
  const suiteName = options.suite ?? 'ed25519';
  const suite = getSuite(suiteName);
  const chainId = options.chainId ?? 'tongbao-demo';
  const keyFor = (id: string): KeyPair =>
    options.seed === undefined
      ? suite.generateKeyPair()
      : suite.generateKeyPair(suite.hash(utf8ToBytes(`tongbao demo key/${options.seed}/${id}`)).slice(0, 32));
  const member = (id: string, name: string, role: Role): DemoMember => ({ id, name, role, keys: keyFor(id) });

  const centralBank = member('pboc', "People's Bank (central bank)", Role.CENTRAL_BANK);
  const operators = [member('icbc', 'ICBC (operator)', Role.OPERATOR), member('boc', 'Bank of China (operator)', Role.OPERATOR)];
  const regulator = member('regulator', 'Supervisory authority', Role.REGULATOR);
  const members = [centralBank, ...operators, regulator];
  const validatorCount = options.validators ?? 1;
  if (!Number.isInteger(validatorCount) || validatorCount < 1 || validatorCount > 100) {
    throw new TypeError(`a demo consortium has 1 to 100 validators, not ${validatorCount}`);
  }
  const validators: DemoValidator[] = Array.from({ length: validatorCount }, (_, i) => {
    const organizationId = members[i % members.length]!.id;
    return { organizationId, keys: keyFor(`validator-${i}`) };
  });

  const genesis = create(GenesisSchema, {
    chainId,
    cryptoSuite: suiteIdFromName(suiteName),
    genesisTimeMs: options.genesisTimeMs ?? 1_767_225_600_000n, // 2026-01-01T00:00:00Z
    organizations: members.map((m) => ({ id: m.id, name: m.name, role: m.role, publicKeys: [m.keys.publicKey] })),
    validators: validators.map((v) => ({ organizationId: v.organizationId, publicKey: v.keys.publicKey, power: 1n })),
    currency: defaultCurrencyParams(),
  });
  return { suite: suiteName, chainId, genesis, centralBank, operators, regulator, validators };
}
