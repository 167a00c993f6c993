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
} from '@tongbao/protocol';
import { parseConfig, renderDefaultConfig, type NodeConfig } from '../config/config.js';
import { createDemoConsortium, type DemoConsortium } from '../genesis/demo-consortium.js';

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
}

export interface InitializedNetwork {
  readonly consortium: DemoConsortium;
  readonly nodeHomes: readonly string[];
  readonly apiUrls: readonly string[];
  readonly keysDir: string;
}

export const DEFAULT_API_PORT_BASE = 8700;

/**
 * Writes a demo network: one home folder per validator (config, genesis, validator key)
 * and the organizations' transaction keys under keys/ for the client commands.
 */
export function initNetwork(options: InitOptions): InitializedNetwork {
  if (existsSync(join(options.dir, 'network.json'))) {
    throw new HomeError(`${options.dir} already holds a network; remove it or choose another --dir`, { dir: options.dir });
  }
  const consortium = createDemoConsortium({
    suite: options.suite,
    validators: options.validators,
    ...(options.chainId === undefined ? {} : { chainId: options.chainId }),
  });
  const base = options.apiPortBase ?? DEFAULT_API_PORT_BASE;
  const keysDir = join(options.dir, 'keys');
  mkdirSync(keysDir, { recursive: true });
  for (const member of [consortium.centralBank, ...consortium.operators, consortium.regulator]) {
    writeKeyFile(join(keysDir, `${member.id}.json`), consortium.suite, member.keys);
  }
  const nodeHomes: string[] = [];
  const apiUrls: string[] = [];
  consortium.validators.forEach((validator, i) => {
    const home = join(options.dir, `node${i}`);
    mkdirSync(home, { recursive: true });
    writeGenesisFile(join(home, 'genesis.json'), consortium.genesis);
    writeKeyFile(join(home, 'validator-key.json'), consortium.suite, validator.keys);
    const port = base === 0 ? 0 : base + i;
    writeFileSync(join(home, CONFIG_FILE), renderDefaultConfig({ node: { moniker: `node${i}-${validator.organizationId}` }, api: { listen: `127.0.0.1:${port}` } }));
    nodeHomes.push(home);
    apiUrls.push(`http://127.0.0.1:${port}`);
  });
  writeFileSync(
    join(options.dir, 'network.json'),
    JSON.stringify({ chainId: consortium.chainId, suite: consortium.suite, nodes: nodeHomes.map((home, i) => ({ home, api: apiUrls[i] })) }, null, 2) + '\n',
  );
  return { consortium, nodeHomes, apiUrls, keysDir };
}
