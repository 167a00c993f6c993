import { parse as parseToml } from 'smol-toml';
import { TongbaoError } from '@tongbao/protocol';
import { NODE_CACHE_ENTRIES_MAX_DEFAULT } from '@tongbao/storage';

/**
 * One configuration file per node (`tongbao.toml` in its home folder). Every limit has
 * a name with its unit last, a default, and bounds; the whole file is checked at
 * start-up, and relationships between limits are checked too, so a node never starts
 * with a configuration that would fail later.
 */
export interface NodeConfig {
  readonly node: {
    readonly moniker: string;
    /** Relative paths are relative to the home folder. */
    readonly dataDir: string;
    readonly genesisFile: string;
    readonly validatorKeyFile: string;
    /** 'auto' or 'javascript': which state tree the ledger runs (storage/open-state-tree.ts). */
    readonly stateTree: string;
    /** State tree pages kept decoded in memory (about 2 KB each). */
    readonly stateTreeCachedPagesMax: number;
  };
  readonly api: {
    /** host:port; port 0 picks a free port (tests). */
    readonly listen: string;
    readonly bodyBytesMax: number;
    readonly binaryBodyBytesMax: number;
    readonly rateLimitRequestsPerWindow: number;
    readonly rateLimitWindowMs: number;
    readonly waitTimeoutMsDefault: number;
    readonly websocketConnectionsMax: number;
    readonly websocketSubscriptionsPerConnectionMax: number;
  };
  readonly mempool: {
    readonly transactionsMax: number;
    readonly bytesMax: number;
    readonly senderTransactionsMax: number;
    /** How far ahead of a sender's next nonce a transaction may be queued. */
    readonly nonceGapMax: number;
    /** Signature-verification worker threads; 0 means one per core. */
    readonly verifyWorkers: number;
    readonly transactionBytesMax: number;
  };
  readonly block: {
    readonly transactionsMax: number;
    readonly bytesMax: number;
    /** Longest a leader waits for transactions before proposing an empty block. */
    readonly emptyBlockIntervalMs: number;
    /** Least time from a block to the next while there are transactions to order (consensus blockIntervalMinMs). */
    readonly intervalMinMs: number;
    /** The interval applies while transactions arrive at least this fast, per second (consensus blockIntervalTransactionRateMin). */
    readonly intervalTransactionRateMin: number;
  };
  readonly batch: {
    readonly transactionsMax: number;
    readonly bytesMax: number;
    /** Longest a partly filled batch waits for more transactions. */
    readonly fillWaitMs: number;
    /** Batches one other validator may have waiting here, received and not yet ordered. */
    readonly peerPendingBatchesMax: number;
    /** Bytes of such batches from one other validator. */
    readonly peerPendingBytesMax: number;
  };
  readonly consensus: {
    readonly roundTimeoutMs: number;
    readonly roundTimeoutMaxMs: number;
  };
  readonly network: {
    /** host:port for validator-to-validator TLS. */
    readonly listen: string;
    /** Comma-separated `index@host:port` of the other validators; empty for a lone validator. */
    readonly peers: string;
    readonly tlsCertificateFile: string;
    readonly tlsKeyFile: string;
    readonly frameBytesMax: number;
    readonly peerQueueFramesMax: number;
    readonly peerQueueBytesMax: number;
    readonly reconnectDelayMs: number;
    readonly reconnectDelayMaxMs: number;
    readonly connectTimeoutMs: number;
  };
  readonly log: {
    readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  };
}

export class ConfigError extends TongbaoError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_CONFIG', message, { details });
    this.name = 'ConfigError';
  }
}

type Section = keyof NodeConfig;
interface IntegerField {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly doc: string;
}
interface StringField {
  readonly kind: 'string';
  readonly default: string;
  readonly doc: string;
  readonly oneOf?: readonly string[];
  readonly pattern?: RegExp;
}
type Field = IntegerField | StringField;

const KIB = 1024;
const MIB = 1024 * KIB;
const int = (min: number, max: number, value: number, doc: string): IntegerField => ({ kind: 'integer', min, max, default: value, doc });
const str = (value: string, doc: string, extra: Partial<StringField> = {}): StringField => ({ kind: 'string', default: value, doc, ...extra });

/** The schema of tongbao.toml: sections, keys (snake_case in the file), defaults, bounds. */
export const CONFIG_FIELDS: { readonly [S in Section]: Readonly<Record<keyof NodeConfig[S] & string, Field>> } = {
  node: {
    moniker: str('tongbao-node', 'a human name for this node, shown in logs and status'),
    dataDir: str('data', 'where the ledger lives (LevelDB); relative to the home folder'),
    genesisFile: str('genesis.json', 'the chain genesis (proto3 JSON of tongbao.v1.Genesis)'),
    validatorKeyFile: str('validator-key.json', "this validator's signing key; keep it secret"),
    stateTree: str('auto', 'the state tree: auto (native code where the addon is built, as npm ci does) or javascript (the reference, about three times slower); both keep the same pages and roots', {
      pattern: /^(auto|javascript)$/,
    }),
    stateTreeCachedPagesMax: int(
      0,
      1 << 24,
      NODE_CACHE_ENTRIES_MAX_DEFAULT,
      'state tree pages kept decoded in memory, about 2 KB each (the default is about 512 MB at most); a page missing is read from disk and re-hashed, so size it to the state: below 2 disables the cache',
    ),
  },
  api: {
    listen: str('127.0.0.1:8545', 'host:port of the HTTP and WebSocket API', { pattern: /^[A-Za-z0-9.:[\]-]+:\d{1,5}$/ }),
    bodyBytesMax: int(1 * KIB, 64 * MIB, 4 * MIB, 'largest JSON request body'),
    binaryBodyBytesMax: int(1 * KIB, 256 * MIB, 32 * MIB, 'largest binary transaction batch'),
    rateLimitRequestsPerWindow: int(1, 10_000_000, 100_000, 'requests one client may make per window'),
    rateLimitWindowMs: int(100, 3_600_000, 60_000, 'the rate limit window'),
    waitTimeoutMsDefault: int(100, 60_000, 30_000, 'how long a submit with wait=committed waits by default'),
    websocketConnectionsMax: int(1, 100_000, 1_000, 'concurrent WebSocket connections'),
    websocketSubscriptionsPerConnectionMax: int(1, 100_000, 1_000, 'subscriptions on one WebSocket'),
  },
  mempool: {
    transactionsMax: int(1, 10_000_000, 500_000, 'transactions waiting in the mempool, in total'),
    bytesMax: int(64 * KIB, 8 * 1024 * MIB, 512 * MIB, 'bytes of transactions waiting in the mempool, in total'),
    senderTransactionsMax: int(1, 1_000_000, 50_000, 'transactions one sender may have waiting'),
    nonceGapMax: int(0, 1_000_000, 50_000, "how far ahead of a sender's next nonce a transaction may wait"),
    verifyWorkers: int(0, 64, 0, 'signature-verification threads; 0 = one per core'),
    transactionBytesMax: int(256, 64 * KIB, 16 * KIB, "largest transaction a client may submit (other validators' batches and this node's own evidence may carry up to the protocol's 64 KiB)"),
  },
  block: {
    transactionsMax: int(1, 1_000_000, 20_000, 'transactions in one block'),
    bytesMax: int(64 * KIB, 256 * MIB, 16 * MIB, 'bytes of transactions in one block'),
    emptyBlockIntervalMs: int(10, 3_600_000, 500, 'longest a leader waits before proposing an empty block'),
    intervalMinMs: int(0, 3_600_000, 100, 'least time from a block to the next while there are transactions to order; fewer, fuller blocks under load'),
    intervalTransactionRateMin: int(0, 100_000_000, 4_000, 'the interval applies only while transactions arrive at least this fast, per second, as the last block shows (0: always), so light load keeps its latency'),
  },
  batch: {
    transactionsMax: int(1, 100_000, 2_000, 'transactions in one batch'),
    bytesMax: int(1 * KIB, 64 * MIB, 2 * MIB, 'bytes in one batch'),
    fillWaitMs: int(0, 10_000, 5, 'longest a partly filled batch waits for more transactions'),
    peerPendingBatchesMax: int(1, 1_000_000, 256, 'batches one other validator may have waiting here, received but not yet ordered; more are refused until some are ordered'),
    peerPendingBytesMax: int(1 * KIB, 64 * 1024 * MIB, 256 * MIB, 'bytes of batches one other validator may have waiting here, received but not yet ordered'),
  },
  consensus: {
    roundTimeoutMs: int(50, 600_000, 1_000, 'first timeout of a round without progress'),
    roundTimeoutMaxMs: int(50, 3_600_000, 30_000, 'ceiling of the exponential back-off of round timeouts'),
  },
  network: {
    listen: str('127.0.0.1:27000', 'host:port of the validator-to-validator TLS listener', { pattern: /^[A-Za-z0-9.:[\]-]+:\d{1,5}$/ }),
    peers: str('-', "the other validators as comma-separated index@host:port, or - for none", { pattern: /^(-|\d+@[A-Za-z0-9.:[\]-]+:\d{1,5}(,\d+@[A-Za-z0-9.:[\]-]+:\d{1,5})*)$/ }),
    tlsCertificateFile: str('node-cert.pem', "this node's TLS certificate, issued by its organization's CA"),
    tlsKeyFile: str('node-key.pem', "this node's TLS private key; keep it secret"),
    frameBytesMax: int(1 * KIB, 256 * MIB, 64 * MIB, 'largest frame a peer may send'),
    peerQueueFramesMax: int(1, 1_000_000, 10_000, 'frames queued for one peer before new ones are dropped'),
    peerQueueBytesMax: int(1 * KIB, 4 * 1024 * MIB, 256 * MIB, 'bytes queued for one peer before new frames are dropped'),
    reconnectDelayMs: int(10, 600_000, 100, 'first delay before reconnecting to a lost peer'),
    reconnectDelayMaxMs: int(10, 3_600_000, 1_000, 'ceiling of the reconnection back-off (only the lower-indexed validator of a pair dials, so this bounds how long a restarted peer waits to be reached)'),
    connectTimeoutMs: int(100, 600_000, 5_000, 'how long a connection attempt may take'),
  },
  log: {
    level: str('info', 'log level', { oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'silent'] }),
  },
};

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Parses and checks a tongbao.toml; missing keys take their defaults. */
export function parseConfig(text: string, source = 'tongbao.toml'): NodeConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (cause) {
    throw new ConfigError(`${source} is not valid TOML: ${(cause as Error).message}`);
  }
  const config: Record<string, Record<string, unknown>> = {};
  for (const key of Object.keys(raw)) {
    if (!(key in CONFIG_FIELDS)) {
      throw new ConfigError(`${source}: unknown section [${key}]; known sections are ${Object.keys(CONFIG_FIELDS).map((s) => `[${s}]`).join(', ')}`);
    }
  }
  for (const [section, fields] of Object.entries(CONFIG_FIELDS) as [Section, Record<string, Field>][]) {
    const given = raw[section] ?? {};
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      throw new ConfigError(`${source}: [${section}] must be a table`);
    }
    const byFileName = new Map(Object.keys(fields).map((name) => [snake(name), name]));
    for (const key of Object.keys(given)) {
      if (!byFileName.has(key)) {
        throw new ConfigError(`${source}: unknown key ${section}.${key}; known keys are ${[...byFileName.keys()].join(', ')}`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(fields)) {
      const fileName = `${section}.${snake(name)}`;
      const value = (given as Record<string, unknown>)[snake(name)];
      out[name] = value === undefined ? field.default : checkField(fileName, field, value, source);
    }
    config[section] = out;
  }
  const result = config as unknown as NodeConfig;
  checkRelations(result, source);
  return result;
}

function checkField(name: string, field: Field, value: unknown, source: string): unknown {
  if (field.kind === 'integer') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < field.min || value > field.max) {
      throw new ConfigError(`${source}: ${name} must be an integer from ${field.min} to ${field.max} (${field.doc}); got ${JSON.stringify(value)}`, {
        key: name,
      });
    }
    return value;
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`${source}: ${name} must be a non-empty string (${field.doc}); got ${JSON.stringify(value)}`, { key: name });
  }
  if (field.oneOf !== undefined && !field.oneOf.includes(value)) {
    throw new ConfigError(`${source}: ${name} must be one of ${field.oneOf.join(', ')}; got ${JSON.stringify(value)}`, { key: name });
  }
  if (field.pattern !== undefined && !field.pattern.test(value)) {
    throw new ConfigError(`${source}: ${name} has the wrong form (${field.doc}); got ${JSON.stringify(value)}`, { key: name });
  }
  return value;
}

/** Limits that only make sense together. */
function checkRelations(config: NodeConfig, source: string): void {
  const rules: [boolean, string][] = [
    [config.batch.transactionsMax <= config.block.transactionsMax, 'batch.transactions_max must not exceed block.transactions_max'],
    [config.batch.bytesMax <= config.block.bytesMax, 'batch.bytes_max must not exceed block.bytes_max'],
    [config.batch.bytesMax <= config.batch.peerPendingBytesMax, 'batch.bytes_max must not exceed batch.peer_pending_bytes_max, or no batch of a peer could ever be held'],
    [config.block.transactionsMax <= config.mempool.transactionsMax, 'block.transactions_max must not exceed mempool.transactions_max'],
    [config.block.bytesMax <= config.mempool.bytesMax, 'block.bytes_max must not exceed mempool.bytes_max'],
    [config.mempool.transactionBytesMax <= config.batch.bytesMax, 'mempool.transaction_bytes_max must not exceed batch.bytes_max'],
    [config.mempool.senderTransactionsMax <= config.mempool.transactionsMax, 'mempool.sender_transactions_max must not exceed mempool.transactions_max'],
    [config.consensus.roundTimeoutMs <= config.consensus.roundTimeoutMaxMs, 'consensus.round_timeout_ms must not exceed consensus.round_timeout_max_ms'],
    [config.mempool.transactionBytesMax <= config.api.bodyBytesMax, 'mempool.transaction_bytes_max must not exceed api.body_bytes_max'],
    [config.network.reconnectDelayMs <= config.network.reconnectDelayMaxMs, 'network.reconnect_delay_ms must not exceed network.reconnect_delay_max_ms'],
    [config.block.bytesMax + 1024 * 1024 <= config.network.frameBytesMax, 'network.frame_bytes_max must exceed block.bytes_max by at least 1 MiB (a batch or block must fit in one frame)'],
    [config.block.emptyBlockIntervalMs < config.consensus.roundTimeoutMs, 'block.empty_block_interval_ms must be below consensus.round_timeout_ms, or idle rounds would time out'],
    [config.block.intervalMinMs < config.consensus.roundTimeoutMs, 'block.interval_min_ms must be below consensus.round_timeout_ms, or rounds would time out'],
  ];
  for (const [ok, message] of rules) if (!ok) throw new ConfigError(`${source}: ${message}`);
}

/** A commented tongbao.toml with every key at its default, for `tongbao init`. */
export function renderDefaultConfig(overrides: { [S in Section]?: Partial<Record<string, string | number>> } = {}): string {
  const lines = ['# Tongbao node configuration. Every limit is named with its unit last.', ''];
  for (const [section, fields] of Object.entries(CONFIG_FIELDS) as [Section, Record<string, Field>][]) {
    lines.push(`[${section}]`);
    for (const [name, field] of Object.entries(fields)) {
      const value = overrides[section]?.[name] ?? field.default;
      lines.push(`# ${field.doc}`);
      lines.push(`${snake(name)} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
