import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  bytesToHex,
  fromJson,
  GenesisSchema,
  hexToBytes,
  toJson,
  TongbaoError,
  type Genesis,
  type KeyPair,
  type SuiteName,
  utf8ToBytes,
} from '@tongbao/protocol';
import { parseConfig, renderDefaultConfig, type NodeConfig } from '../config/config.js';
import { createDemoConsortium, type DemoConsortium } from '../genesis/demo-consortium.js';
import { createOrganizationCa, issueNodeCertificate, type CertificateAndKey } from '@tongbao/network';

/** A key file: the suite and both halves of a key pair, hex. Kept out of version control. */
export interface KeyFile {
  readonly suite: SuiteName;
  readonly publicKey: string;
  readonly secretKey: string;
}

export class HomeError extends TongbaoError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_HOME', message, { details });
    this.name = 'HomeError';
  }
}

export const CONFIG_FILE = 'tongbao.toml';

export function writeKeyFile(path: string, suite: SuiteName, keys: KeyPair): void {
  const file: KeyFile = { suite, publicKey: bytesToHex(keys.publicKey), secretKey: bytesToHex(keys.secretKey) };
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
}

export function readKeyFile(path: string): { suite: SuiteName; keys: KeyPair } {
  let file: KeyFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch (cause) {
    throw new HomeError(`cannot read the key file ${path}: ${(cause as Error).message}`, { path });
  }
  if ((file.suite !== 'ed25519' && file.suite !== 'sm2') || typeof file.publicKey !== 'string' || typeof file.secretKey !== 'string') {
    throw new HomeError(`${path} is not a key file: it needs "suite" (ed25519 or sm2), "publicKey" and "secretKey" in hex`, { path });
  }
  return { suite: file.suite, keys: { publicKey: hexToBytes(file.publicKey), secretKey: hexToBytes(file.secretKey) } };
}

export function writeGenesisFile(path: string, genesis: Genesis): void {
  writeFileSync(path, JSON.stringify(toJson(GenesisSchema, genesis), null, 2) + '\n');
}

export function readGenesisFile(path: string): Genesis {
  try {
    return fromJson(GenesisSchema, JSON.parse(readFileSync(path, 'utf8')));
  } catch (cause) {
    throw new HomeError(`cannot read the genesis ${path}: ${(cause as Error).message}`, { path });
  }
}

/** Everything a node needs from its home folder, checked. */
export interface NodeHome {
  readonly home: string;
  readonly config: NodeConfig;
  readonly genesis: Genesis;
  readonly validatorKeys: KeyPair;
  readonly dataDir: string;
}

export function loadNodeHome(home: string): NodeHome {
  const configPath = join(home, CONFIG_FILE);
  if (!existsSync(configPath)) throw new HomeError(`${home} has no ${CONFIG_FILE}; create a network with \`tongbao init --dir DIR\``, { home });
  const config = parseConfig(readFileSync(configPath, 'utf8'), configPath);
  const resolve = (path: string): string => (isAbsolute(path) ? path : join(home, path));
  const genesis = readGenesisFile(resolve(config.node.genesisFile));
  const { keys } = readKeyFile(resolve(config.node.validatorKeyFile));
  return { home, config, genesis, validatorKeys: keys, dataDir: resolve(config.node.dataDir) };
}

export interface InitOptions {
  readonly dir: string;
  readonly validators: number;
  readonly suite: SuiteName;
  readonly chainId?: string;
  /** First API port; node i listens on apiPortBase + i. 0 lets each node pick a free port (tests). */
  readonly apiPortBase?: number;
  /** First validator-to-validator port; node i listens on p2pPortBase + i (default apiPortBase + 1000). */
  readonly p2pPortBase?: number;
  /** Block spacing in every node's config (block.interval_min_ms, block.interval_transaction_rate_min); default: the config's defaults. */
  readonly blockSpacing?: { readonly intervalMinMs?: number; readonly intervalTransactionRateMin?: number };
}

export interface InitializedNetwork {
  readonly consortium: DemoConsortium;
  readonly nodeHomes: readonly string[];
  readonly apiUrls: readonly string[];
  readonly keysDir: string;
}

export const DEFAULT_API_PORT_BASE = 8700;

/**
 * Writes a demo network: one home folder per validator (config, genesis, validator key,
 * TLS certificate issued by its organization's CA), the organizations' transaction keys
 * under keys/ for the client commands, and their CAs under ca/. Every organization's
 * CA certificate goes into the genesis, so a node accepts exactly the consortium's nodes.
 */
export async function initNetwork(options: InitOptions): Promise<InitializedNetwork> {
  if (existsSync(join(options.dir, 'network.json'))) {
    throw new HomeError(`${options.dir} already holds a network; remove it or choose another --dir`, { dir: options.dir });
  }
  const consortium = createDemoConsortium({
    suite: options.suite,
    validators: options.validators,
    ...(options.chainId === undefined ? {} : { chainId: options.chainId }),
  });
  const base = options.apiPortBase ?? DEFAULT_API_PORT_BASE;
  const p2pBase = options.p2pPortBase ?? (base === 0 ? 0 : base + 1000);
  if (p2pBase === 0 && consortium.validators.length > 1) {
    throw new HomeError('validators must know each other\'s ports: give p2pPortBase (or a non-zero apiPortBase) for more than one validator');
  }
  const keysDir = join(options.dir, 'keys');
  const caDir = join(options.dir, 'ca');
  mkdirSync(keysDir, { recursive: true });
  mkdirSync(caDir, { recursive: true });
  const cas = new Map<string, CertificateAndKey>();
  for (const member of [consortium.centralBank, ...consortium.operators, consortium.regulator]) {
    writeKeyFile(join(keysDir, `${member.id}.json`), consortium.suite, member.keys);
    const ca = await createOrganizationCa(member.id);
    cas.set(member.id, ca);
    writeFileSync(join(caDir, `${member.id}-ca.pem`), ca.certificatePem);
    writeFileSync(join(caDir, `${member.id}-ca-key.pem`), ca.privateKeyPem, { mode: 0o600 });
  }
  for (const organization of consortium.genesis.organizations) {
    organization.tlsCaCertificate = utf8ToBytes(cas.get(organization.id)!.certificatePem);
  }
  const p2pPort = (i: number): number => (p2pBase === 0 ? 0 : p2pBase + i);
  const nodeHomes: string[] = [];
  const apiUrls: string[] = [];
  for (const [i, validator] of consortium.validators.entries()) {
    const home = join(options.dir, `node${i}`);
    mkdirSync(home, { recursive: true });
    writeGenesisFile(join(home, 'genesis.json'), consortium.genesis);
    writeKeyFile(join(home, 'validator-key.json'), consortium.suite, validator.keys);
    const tls = await issueNodeCertificate(cas.get(validator.organizationId)!, { organizationId: validator.organizationId, validatorPublicKey: validator.keys.publicKey });
    writeFileSync(join(home, 'node-cert.pem'), tls.certificatePem);
    writeFileSync(join(home, 'node-key.pem'), tls.privateKeyPem, { mode: 0o600 });
    const port = base === 0 ? 0 : base + i;
    const peers = consortium.validators.flatMap((_, j) => (j === i ? [] : [`${j}@127.0.0.1:${p2pPort(j)}`])).join(',') || '-';
    writeFileSync(
      join(home, CONFIG_FILE),
      renderDefaultConfig({
        node: { moniker: `node${i}-${validator.organizationId}` },
        api: { listen: `127.0.0.1:${port}` },
        network: { listen: `127.0.0.1:${p2pPort(i)}`, peers },
        ...(options.blockSpacing !== undefined ? { block: { ...options.blockSpacing } } : {}),
      }),
    );
    nodeHomes.push(home);
    apiUrls.push(`http://127.0.0.1:${port}`);
  }
  writeFileSync(
    join(options.dir, 'network.json'),
    JSON.stringify({ chainId: consortium.chainId, suite: consortium.suite, nodes: nodeHomes.map((home, i) => ({ home, api: apiUrls[i] })) }, null, 2) + '\n',
  );
  return { consortium, nodeHomes, apiUrls, keysDir };
}
