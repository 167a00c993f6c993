#!/usr/bin/env node
/**
 * The `tongbao` command: create, run, audit and benchmark networks, and use the
 * currency from the command line. Run `tongbao --help` or `tongbao <command> --help`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { TongbaoError } from '@tongbao/protocol';
import { auditCommand } from './commands/audit.js';
import { devnetCommand } from './commands/devnet.js';
import { initCommand } from './commands/init.js';
import { startCommand } from './commands/start.js';
import { benchCommand } from './commands/bench.js';
import { benchDrive } from './commands/bench-drive.js';
import { addClientCommands } from './commands/client.js';

const integer = (name: string, min: number, max: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};
const cryptoOption = () => new Option('--crypto <suite>', 'crypto suite of the chain').choices(['ed25519', 'sm2']).default('ed25519');

const program = new Command('tongbao').description('Tongbao: a permissioned BFT ledger and a digital currency').showHelpAfterError();

program
  .command('init')
  .description('create a demo consortium: a central bank, two operators, a regulator, their keys, the genesis and one home folder per validator')
  .requiredOption('--dir <dir>', 'folder to create the network in')
  .option('--validators <n>', 'number of validators', integer('--validators', 1, 100), 1)
  .option('--api-port-base <port>', 'API port of node0; node i uses base + i', integer('--api-port-base', 1, 65_000))
  .addOption(cryptoOption())
  .action(async (o) => process.exit(await initCommand(o)));

program
  .command('start')
  .description('run one node from its home folder until Ctrl-C')
  .requiredOption('--home <dir>', "the node's home folder (tongbao.toml, genesis.json, validator-key.json)")
  .action(async (o) => process.exit(await startCommand(o)));

program
  .command('devnet')
  .description('create a network if needed and run all its nodes as child processes; Ctrl-C stops them')
  .option('--dir <dir>', 'network folder', '.tongbao/devnet')
  .option('--validators <n>', 'number of validators (for a new network)', integer('--validators', 1, 100), 4)
  .addOption(cryptoOption())
  .action(async (o) => process.exit(await devnetCommand(o)));

program
  .command('audit')
  .description("re-verify a stopped node's whole chain: hash links, signatures, roots by re-execution, conservation of money")
  .requiredOption('--home <dir>', "the node's home folder")
  .option('--json', 'print the result as JSON')
  .action(async (o) => process.exit(await auditCommand(o)));

program
  .command('bench')
  .description('start a network, drive it with pre-signed payments from a separate process, print throughput, latency and the ratio to the signature-verification limit')
  .option('--validators <n>', 'validators', integer('--validators', 1, 16), 1)
  .option('--wallets <n>', 'wallets paying each other', integer('--wallets', 2, 1_000_000), 2_000)
  .option('--payments <n>', 'payments to send', integer('--payments', 1, 10_000_000), 50_000)
  .option('--chunk <n>', 'payments per request', integer('--chunk', 1, 10_000), 1_000)
  .option('--inflight <n>', 'requests in flight', integer('--inflight', 1, 256), 8)
  .option('--rate <n>', 'offered payments per second, sent open-loop every 50 ms; 0: as fast as --inflight allows (latency is then mostly queueing)', integer('--rate', 0, 1_000_000), 0)
  .option('--warmup <n>', 'payments committed before the timing starts (default: a fifth of --payments)', integer('--warmup', 0, 10_000_000))
  .option('--block-interval <ms>', "the nodes' block.interval_min_ms: least time between blocks with payments (default: the node config's)", integer('--block-interval', 0, 999))
  .option('--block-interval-rate <n>', "the nodes' block.interval_transaction_rate_min: the interval applies while this many payments a second or more arrive (default: the node config's)", integer('--block-interval-rate', 0, 100_000_000))
  .option('--json', 'print the result as JSON')
  .option('--keep', "keep the network's homes and node logs, and print where")
  .option('--spread', "send each wallet's payments to its own validator (as a bank's customers use their bank's node) instead of all to the first")
  .addOption(cryptoOption())
  .action(async (o) => process.exit(await benchCommand(o)));

program
  .command('bench-drive', { hidden: true })
  .requiredOption('--api <urls>', 'the validators\' API addresses, comma-separated')
  .requiredOption('--keys <dir>')
  .requiredOption('--suite <suite>')
  .requiredOption('--chain-id <id>')
  .requiredOption('--wallets <n>', '', integer('--wallets', 2, 1_000_000))
  .requiredOption('--payments <n>', '', integer('--payments', 1, 10_000_000))
  .requiredOption('--chunk <n>', '', integer('--chunk', 1, 10_000))
  .requiredOption('--inflight <n>', '', integer('--inflight', 1, 256))
  .requiredOption('--rate <n>', '', integer('--rate', 0, 1_000_000))
  .requiredOption('--warmup <n>', '', integer('--warmup', 0, 10_000_000))
  .action(async (o) => {
    console.log(JSON.stringify(await benchDrive({ ...o, apis: (o.api as string).split(','), chainId: o.chainId })));
    process.exit(0);
  });

addClientCommands(program, async (action) => {
  try {
    process.exit(await action());
  } catch (error) {
    if (error instanceof TongbaoError) {
      console.error(`tongbao: ${error.code}: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
});

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof TongbaoError) {
    console.error(`tongbao: ${error.code}: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
