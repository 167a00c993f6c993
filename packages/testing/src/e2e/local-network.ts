import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initNetwork, loadNodeHome, splitHostPort, type InitializedNetwork } from '@tongbao/node';
import { freePortRange, NodeProcess } from '@tongbao/cli';
import {
  approveIssuanceCommand,
  createClient,
  createLocalAccount,
  distributeCommand,
  generateKeyPair,
  openWalletCommand,
  payCommand,
  requestIssuanceCommand,
  sendCommand,
  setQuotaCommand,
  type Client,
  type LocalAccount,
} from '@tongbao/sdk';
import { NetnsLab } from './netns-lab.js';
import { TcpFaultProxy } from './tcp-fault-proxy.js';

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

/**
 * How validator links run, so that tests can cut and heal them: 'direct' (no cutting),
 * 'proxies' (every link i→j through its own TCP proxy) or 'netns' (every node in its own
 * network namespace; cut links drop packets in the kernel — see NetnsLab).
 */
export type LinkMode = 'direct' | 'proxies' | 'netns';

/** Each node's API and peer-to-peer ports, as initNetwork wrote them. */
function listenPorts(home: string): { api: number; p2p: number } {
  const { config } = loadNodeHome(home);
  return { api: splitHostPort(config.api.listen)[1], p2p: splitHostPort(config.network.listen)[1] };
}

/**
 * A network of real node processes on this machine for end-to-end tests, checked only
 * from outside (HTTP API, SDK, `tongbao audit`), with links that can be cut and healed
 * (LinkMode).
 */
export class LocalNetwork {
  readonly nodes: NodeProcess[];
  private readonly proxies = new Map<string, TcpFaultProxy>();
  /** Loads still running, stopped by close() whatever happened in the test. */
  private readonly loads = new Set<() => Promise<void>>();

  private constructor(
    readonly dir: string,
    readonly init: InitializedNetwork,
    private readonly lab: NetnsLab | undefined,
  ) {
    this.nodes = init.nodeHomes.map((home, i) =>
      lab === undefined ? new NodeProcess(home, init.apiUrls[i]!) : new NodeProcess(home, `http://${lab.address(i)}:${listenPorts(home).api}`, lab.launcher(i)),
    );
  }

  static async create(validators: number, options: { links?: LinkMode } = {}): Promise<LocalNetwork> {
    const dir = mkdtempSync(join(tmpdir(), 'tongbao-e2e-'));
    // One range for both, so the API ports and the peer ports cannot overlap.
    const portBase = await freePortRange(2 * validators);
    const init = await initNetwork({
      dir,
      validators,
      suite: 'ed25519',
      apiPortBase: portBase,
      p2pPortBase: portBase + validators,
    });
    const lab = options.links === 'netns' ? NetnsLab.create(validators) : undefined;
    const network = new LocalNetwork(dir, init, lab);
    if (options.links === 'proxies') await network.insertProxies();
    if (lab !== undefined) network.placeInNamespaces(lab);
    return network;
  }

  /** Rewrites every node's listen addresses and peer list to its namespace's address on the lab's bridge. */
  private placeInNamespaces(lab: NetnsLab): void {
    const ports = this.init.nodeHomes.map(listenPorts);
    this.init.nodeHomes.forEach((home, i) => {
      const path = join(home, 'tongbao.toml');
      const parts = readFileSync(path, 'utf8').split('[network]');
      if (parts.length !== 2) throw new Error(`${path}: expected one [network] section`);
      const [head, network] = parts as [string, string];
      const peers = ports.flatMap((p, j) => (j === i ? [] : [`${j}@${lab.address(j)}:${p.p2p}`])).join(',');
      writeFileSync(
        path,
        head.replace(/\nlisten = "[^"]*"\n/, `\nlisten = "${lab.address(i)}:${ports[i]!.api}"\n`) +
          '[network]' +
          network.replace(/\nlisten = "[^"]*"\n/, `\nlisten = "${lab.address(i)}:${ports[i]!.p2p}"\n`).replace(/^peers = ".*"$/m, `peers = "${peers}"`),
      );
    });
  }

  /** Rewrites every node's peer list so that the link from i to j runs through proxy i→j. */
  private async insertProxies(): Promise<void> {
    const count = this.nodes.length;
    const p2pPorts = this.init.nodeHomes.map((home) => listenPorts(home).p2p);
    for (let i = 0; i < count; i++) {
      const peers: string[] = [];
      for (let j = 0; j < count; j++) {
        if (i === j) continue;
        const proxy = await TcpFaultProxy.start(p2pPorts[j]!);
        this.proxies.set(`${i}-${j}`, proxy);
        peers.push(`${j}@127.0.0.1:${proxy.port}`);
      }
      const path = join(this.init.nodeHomes[i]!, 'tongbao.toml');
      writeFileSync(path, readFileSync(path, 'utf8').replace(/^peers = ".*"$/m, `peers = "${peers.join(',')}"`));
    }
  }

  /** Cuts (or heals) every link between a node of `a` and a node of `b`, both directions. */
  setLinks(a: readonly number[], b: readonly number[], connected: boolean): void {
    for (const i of a) {
      for (const j of b) {
        this.lab?.setLink(i, j, connected);
        for (const key of [`${i}-${j}`, `${j}-${i}`]) {
          const proxy = this.proxies.get(key);
          if (proxy === undefined) continue;
          if (connected) proxy.heal();
          else proxy.block();
        }
      }
    }
  }

  async startAll(): Promise<void> {
    for (const node of this.nodes) node.start();
    await Promise.all(this.nodes.map((node) => node.waitUntilReady()));
  }

  private readonly clients = new Map<number, Client>();

  /** The SDK client of node `index` (one per node, chain context given so it asks nothing up front). */
  client(index: number): Client {
    let client = this.clients.get(index);
    if (client === undefined) {
      client = createClient({ url: this.nodes[index]!.api, retryCount: 0, suite: this.init.consortium.suite, chainId: this.init.consortium.chainId });
      this.clients.set(index, client);
    }
    return client;
  }

  account(keys: { secretKey: Uint8Array }): LocalAccount {
    return createLocalAccount({ suite: this.init.consortium.suite, secretKey: keys.secretKey });
  }

  /** Issues currency and opens `count` funded tier-1 wallets through node `via`; returns their owners' secret keys. */
  async fundWallets(count: number, via = 0): Promise<Uint8Array[]> {
    const client = this.client(via);
    const { consortium } = this.init;
    const pboc = this.account(consortium.centralBank.keys);
    const icbc = this.account(consortium.operators[0]!.keys);
    const ok = async (account: LocalAccount, command: Parameters<typeof sendCommand>[1]['command']): Promise<void> => {
      const result = await sendCommand(client, { account, command, timeoutMs: 30_000 });
      if (result.status !== 'committed' || (result.receipt?.code ?? 0) !== 0) {
        throw new Error(`setup failed: ${result.status} ${result.receipt?.error}: ${result.receipt?.message}`);
      }
    };
    await ok(pboc, setQuotaCommand({ operatorId: 'icbc', quota: 100_000_000n }));
    await ok(icbc, requestIssuanceCommand({ requestId: 'fund', amount: 100_000_000n, reserveReference: 'RSV' }));
    await ok(pboc, approveIssuanceCommand({ operatorId: 'icbc', requestId: 'fund' }));
    const secrets: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const keys = generateKeyPair(consortium.suite);
      secrets.push(keys.secretKey);
      await ok(icbc, openWalletCommand({ walletId: `w${i}`, ownerPublicKey: keys.publicKey, tier: 1 }));
      await ok(icbc, distributeCommand({ walletId: `w${i}`, amount: 10_000_000n }));
    }
    return secrets;
  }

  /**
   * Payments from every wallet to the next, each waiting for its commit, sent to the
   * running nodes in turn, until `stop()`. Records every acknowledged payment.
   */
  startLoad(secrets: readonly Uint8Array[]): { acknowledged: Map<string, number>; committedAt: number[]; stop: () => Promise<void> } {
    const acknowledged = new Map<string, number>();
    const committedAt: number[] = [];
    let stopped = false;
    let sequence = 0;
    const payer = async (i: number): Promise<void> => {
      let account = this.account({ secretKey: secrets[i]! });
      let target = i;
      while (!stopped) {
        const running = this.nodes.map((node, k) => (node.running ? k : -1)).filter((k) => k >= 0);
        if (running.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        const via = running[target++ % running.length]!;
        try {
          const result = await sendCommand(this.client(via), {
            account,
            command: payCommand({ paymentId: `p${i}-${sequence++}`, fromWalletId: `w${i}`, toWalletId: `w${(i + 1) % secrets.length}`, amount: 1n }),
            timeoutMs: 6_000,
          });
          if (result.status === 'committed') {
            acknowledged.set(result.id, result.receipt?.code ?? 0);
            committedAt.push(Date.now());
          } else {
            account = this.account({ secretKey: secrets[i]! }); // re-read the nonce
          }
        } catch {
          // The node died or stalled mid-request: nothing was acknowledged. Start over with
          // a fresh nonce from whichever node answers next.
          account = this.account({ secretKey: secrets[i]! });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const running = Promise.all(secrets.map((_, i) => payer(i)));
    const stop = async (): Promise<void> => {
      stopped = true;
      this.loads.delete(stop);
      await running;
    };
    this.loads.add(stop);
    return { acknowledged, committedAt, stop };
  }

  async status(index: number): Promise<{ height: bigint; headHash: string }> {
    const response = await fetch(`${this.nodes[index]!.api}/v1/status`);
    const json = (await response.json()) as { height: string; headHash: string };
    return { height: BigInt(json.height), headHash: json.headHash };
  }

  async blockHash(index: number, height: bigint): Promise<string | undefined> {
    const response = await fetch(`${this.nodes[index]!.api}/v1/blocks/${height}`);
    if (!response.ok) return undefined;
    return ((await response.json()) as { hash: string }).hash;
  }

  /** Waits until every running node has reached `height`. */
  async waitForHeight(height: bigint, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const heights = await Promise.all(this.nodes.map(async (node, i) => (node.running ? (await this.status(i)).height : height)));
      if (heights.every((h) => h >= height)) return;
      if (Date.now() > deadline) throw new Error(`nodes did not reach height ${height} within ${timeoutMs} ms: ${heights.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** `tongbao audit --json` of a stopped node. */
  audit(index: number): { ok: boolean; blocks: string; transactions: number; code?: string; message?: string } {
    try {
      return JSON.parse(execFileSync(process.execPath, [CLI, 'audit', '--home', this.init.nodeHomes[index]!, '--json'], { encoding: 'utf8' }));
    } catch (error) {
      return JSON.parse((error as { stdout: string }).stdout);
    }
  }

  async close(): Promise<void> {
    const loads = [...this.loads];
    for (const node of this.nodes) node.resume(); // a paused node would hold its load's requests
    await Promise.all(this.nodes.map((node) => node.stop('SIGKILL')));
    await Promise.all(loads.map((stop) => stop()));
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
    this.lab?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
