import { existsSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import {
  approveIssuanceCommand,
  createClient,
  createLocalAccount,
  distributeCommand,
  formatYuan,
  generateKeyPair,
  getSupply,
  getWallet,
  listEvidence,
  openWalletCommand,
  payCommand,
  redeemCommand,
  requestIssuanceCommand,
  sendCommand,
  setQuotaCommand,
  yuan,
  type Client,
  type SuiteName,
} from '@tongbao/sdk';
import { bytesToHex, MisbehaviourKind, TongbaoError, type Command as TxCommand, type EvidenceRecord } from '@tongbao/protocol';
import { readKeyFile } from '@tongbao/node';

/** Output for people, or one JSON object per command for machines (--json). */
function print(json: boolean, human: string, data: Record<string, unknown>): void {
  if (json) console.log(JSON.stringify(data, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
  else console.log(human);
}

const yuanArgument = (value: string): bigint => {
  try {
    return yuan(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

const tierArgument = (value: string): 1 | 2 | 3 | 4 => {
  if (!['1', '2', '3', '4'].includes(value)) throw new InvalidArgumentError('a tier is 1, 2, 3 or 4');
  return Number(value) as 1 | 2 | 3 | 4;
};

interface ClientOptions {
  readonly api: string;
  readonly json?: boolean;
}

interface SignerOptions extends ClientOptions {
  readonly key: string;
}

function client(options: ClientOptions): Client {
  return createClient({ url: options.api });
}

/** Signs with the key file, submits, waits for the commit, and reports the receipt. */
async function send(options: SignerOptions, build: () => TxCommand, describe: string): Promise<number> {
  const { suite, keys } = readKeyFile(options.key);
  const account = createLocalAccount({ suite, secretKey: keys.secretKey });
  const result = await sendCommand(client(options), { account, command: build() });
  const receipt = result.receipt;
  const code = receipt?.code ?? 0;
  if (code !== 0) {
    print(options.json === true, `${describe}: FAILED ${receipt?.error}: ${receipt?.message}`, { id: result.id, status: result.status, height: result.height, code, error: receipt?.error, message: receipt?.message });
    return 1;
  }
  print(options.json === true, `${describe}: committed in block ${result.height} (transaction ${result.id.slice(0, 16)}…)`, { id: result.id, status: result.status, height: result.height, code: 0 });
  return 0;
}

/** Adds the client commands (`issue`, `approve`, `distribute`, `open-wallet`, `pay`, `redeem`, `balance`, `supply`, `evidence`, `keygen`) to the program. */
export function addClientCommands(program: Command, runAction: (action: () => Promise<number> | number) => Promise<void>): void {
  // With --json, a refusal is JSON on stdout too ({ error, message }, exit 1), so that a
  // script reads one shape whatever happened; without it, the caller prints the sentence.
  function run(action: () => Promise<number> | number, options?: ClientOptions): Promise<void> {
    return runAction(async () => {
      try {
        return await action();
      } catch (error) {
        if (options?.json !== true || !(error instanceof TongbaoError)) throw error;
        print(true, '', { error: error.code, message: error.message });
        return 1;
      }
    });
  }
  const withApi = (cmd: Command): Command => cmd.requiredOption('--api <url>', 'node API, e.g. http://127.0.0.1:8700').option('--json', 'print JSON');
  const withKey = (cmd: Command): Command => withApi(cmd).requiredOption('--key <file>', 'key file of the signer (e.g. DIR/keys/pboc.json)');

  withKey(program.command('set-quota').description('central bank: set an operator\'s maximum outstanding issuance'))
    .requiredOption('--operator <id>', 'operator organization id')
    .requiredOption('--amount <yuan>', 'quota in yuan', yuanArgument)
    .action((o) => run(() => send(o, () => setQuotaCommand({ operatorId: o.operator, quota: o.amount }), `quota of ${o.operator} set to ${formatYuan(o.amount)}`), o));

  withKey(program.command('issue').description('operator: request issuance against reserves held at the central bank'))
    .requiredOption('--request-id <id>', 'unique per operator')
    .requiredOption('--amount <yuan>', 'amount in yuan', yuanArgument)
    .requiredOption('--reserve <reference>', 'reference of the reserves backing it')
    .action((o) => run(() => send(o, () => requestIssuanceCommand({ requestId: o.requestId, amount: o.amount, reserveReference: o.reserve }), `issuance of ${formatYuan(o.amount)} requested`), o));

  withKey(program.command('approve').description('central bank: approve an issuance request, moving currency to the operator\'s vault'))
    .requiredOption('--operator <id>', 'operator organization id')
    .requiredOption('--request-id <id>', 'the request to approve')
    .action((o) => run(() => send(o, () => approveIssuanceCommand({ operatorId: o.operator, requestId: o.requestId }), `issuance ${o.requestId} of ${o.operator} approved`), o));

  withKey(program.command('open-wallet').description('operator: open a wallet for an owner key with a KYC tier'))
    .requiredOption('--wallet <id>', 'wallet id, unique on the chain')
    .requiredOption('--owner <key>', "owner's public key (hex) or key file")
    .requiredOption('--tier <n>', '1 (in person) .. 4 (anonymous)', tierArgument)
    .option('--merchant', 'a merchant wallet')
    .option('--linked', 'linked to a bank account at the operator (excess over the balance cap is swept there)')
    .action((o) =>
      run(() => {
        const owner = existsSync(o.owner) ? bytesToHex(readKeyFile(o.owner).keys.publicKey) : o.owner;
        return send(
          o,
          () => openWalletCommand({ walletId: o.wallet, ownerPublicKey: owner, tier: o.tier, kind: o.merchant ? 'merchant' : 'personal', bankAccountLinked: o.linked === true }),
          `wallet ${o.wallet} opened (tier ${o.tier})`,
        );
      }, o),
    );

  withKey(program.command('distribute').description("operator: move currency from its vault to a customer's wallet"))
    .requiredOption('--wallet <id>', 'wallet id')
    .requiredOption('--amount <yuan>', 'amount in yuan', yuanArgument)
    .action((o) => run(() => send(o, () => distributeCommand({ walletId: o.wallet, amount: o.amount }), `${formatYuan(o.amount)} distributed to ${o.wallet}`), o));

  withKey(program.command('pay').description("wallet owner: pay another wallet (a retry with the same --payment-id never pays twice)"))
    .requiredOption('--from <wallet>', 'paying wallet')
    .requiredOption('--to <wallet>', 'paid wallet')
    .requiredOption('--amount <yuan>', 'amount in yuan', yuanArgument)
    .option('--payment-id <id>', 'client payment id (default: a new one)')
    .action((o) =>
      run(() => {
        const paymentId = o.paymentId ?? `cli-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
        return send(o, () => payCommand({ paymentId, fromWalletId: o.from, toWalletId: o.to, amount: o.amount }), `paid ${formatYuan(o.amount)} from ${o.from} to ${o.to} (payment ${paymentId})`);
      }, o),
    );

  withKey(program.command('redeem').description('operator: return currency from its vault to the central bank'))
    .requiredOption('--amount <yuan>', 'amount in yuan', yuanArgument)
    .requiredOption('--reserve <reference>', 'reference of the reserves credited')
    .action((o) => run(() => send(o, () => redeemCommand({ amount: o.amount, reserveReference: o.reserve }), `${formatYuan(o.amount)} redeemed`), o));

  withApi(program.command('balance').description("a wallet's balance, proven against a block header (the Merkle proof is verified)"))
    .requiredOption('--wallet <id>', 'wallet id')
    .action((o) =>
      run(async () => {
        const view = await getWallet(client(o), { walletId: o.wallet });
        if (view.wallet === null) {
          print(o.json === true, `wallet ${o.wallet} does not exist (proven absent at block ${view.height})`, { walletId: o.wallet, exists: false, height: view.height });
          return 1;
        }
        print(o.json === true, `${o.wallet}: ${formatYuan(view.balance)} yuan, tier ${view.wallet.tier} (proof verified against block ${view.height})`, {
          walletId: o.wallet,
          balance: view.balance,
          tier: view.wallet.tier,
          height: view.height,
          proofVerified: true,
        });
        return 0;
      }, o),
    );

  withApi(program.command('supply').description('the money supply and each operator\'s quota, outstanding issuance and vault'))
    .action((o) =>
      run(async () => {
        const supply = await getSupply(client(o));
        const lines = [`money supply at block ${supply.height}: ${formatYuan(supply.supply)} yuan`];
        for (const op of supply.operators) {
          lines.push(`  ${op.operatorId.padEnd(10)} quota ${formatYuan(op.quota).padStart(16)}   outstanding ${formatYuan(op.outstanding).padStart(16)}   vault ${formatYuan(op.vault).padStart(16)}`);
        }
        print(o.json === true, lines.join('\n'), { height: supply.height, supply: supply.supply, operators: supply.operators });
        return 0;
      }, o),
    );

  withApi(program.command('evidence').description('misbehaviour recorded on chain: validators that signed two conflicting votes or proposals in one round'))
    .option('--validator <hex>', "only this validator's records (its public key)")
    .action((o: ClientOptions & { validator?: string }) =>
      run(async () => {
        const records: EvidenceRecord[] = [];
        let height = 0n;
        let after: string | undefined;
        do {
          const page = await listEvidence(client(o), { ...(o.validator === undefined ? {} : { validator: o.validator }), ...(after === undefined ? {} : { after }) });
          height = page.height;
          records.push(...page.records);
          after = page.next;
        } while (after !== undefined);
        const kindName = (kind: MisbehaviourKind): string => (kind === MisbehaviourKind.CONFLICTING_VOTES ? 'two votes' : kind === MisbehaviourKind.CONFLICTING_PROPOSALS ? 'two proposals' : `kind ${kind}`);
        const lines = [`${records.length} misbehaviour record(s) at block ${height}`];
        for (const r of records) {
          lines.push(`  validator ${r.validatorIndex} (${bytesToHex(r.validatorPublicKey).slice(0, 16)}…) signed ${kindName(r.kind)} in epoch ${r.epoch} round ${r.round}; recorded in block ${r.height}`);
        }
        print(o.json === true, lines.join('\n'), {
          height,
          records: records.map((r) => ({
            validator: bytesToHex(r.validatorPublicKey),
            validatorIndex: r.validatorIndex,
            kind: kindName(r.kind),
            epoch: r.epoch,
            round: r.round,
            height: r.height,
            submitter: bytesToHex(r.submitter),
          })),
        });
        return 0;
      }, o),
    );

  program
    .command('keygen')
    .description('create a key file (for a wallet owner, say)')
    .requiredOption('--out <file>', 'where to write the key file')
    .option('--crypto <suite>', 'ed25519 or sm2', 'ed25519')
    .action((o) =>
      run(() => {
        if (existsSync(o.out)) throw new TongbaoError('FILE_EXISTS', `${o.out} exists; choose another --out`);
        const keys = generateKeyPair(o.crypto as SuiteName);
        writeFileSync(o.out, JSON.stringify({ suite: o.crypto, publicKey: bytesToHex(keys.publicKey), secretKey: bytesToHex(keys.secretKey) }, null, 2) + '\n', { mode: 0o600 });
        console.log(`public key ${bytesToHex(keys.publicKey)}\nkey file ${o.out}`);
        return 0;
      }, o),
    );
}
