import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TongbaoError, type SuiteName } from '@tongbao/protocol';

export interface NetworkFile {
  readonly chainId: string;
  readonly suite: SuiteName;
  readonly nodes: readonly { readonly home: string; readonly api: string }[];
}

export function readNetworkFile(dir: string): NetworkFile {
  return JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkFile;
}

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

/**
 * Node flags for the node processes this command starts, all on one machine.
 *
 * - `--max-semi-space-size=64`: a node allocates a few hundred short-lived objects per
 *   transaction; a 64 MB young generation (16 MB by default) lets most die before they
 *   are copied, which took node CPU per committed payment from about 290 to 270 µs in
 *   `tongbao bench --validators 1`.
 * - `--v8-pool-size=1`: V8 sizes its pool of background threads (garbage collection
 *   helpers, the optimizing compiler) for a process that has the machine to itself — four
 *   of them. Several validators on one machine multiply that past its cores, and a
 *   parallel scavenge then waits for helpers that are not running. With one each, four
 *   validators on two cores spent less CPU per committed payment in 9 of 10 saturated
 *   runs side by side (mean 150 → 138 µs; 9 % more payments a second), and the same,
 *   with the same p99, at 2,400 and 2,800 offered.
 *
 * To run `tongbao start` by hand with the same, set NODE_OPTIONS; a validator alone on its
 * machine wants the default pool.
 */
export const NODE_RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--v8-pool-size=1'];

/** TONGBAO_NODE_FLAGS: more Node flags for node processes and the bench's load driver, e.g. "--cpu-prof" to profile a bench. */
export function extraNodeFlags(): string[] {
  return (process.env['TONGBAO_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
}
const READY_TIMEOUT_MS = 60_000;

/** One node running as a child process, its logs appended to HOME/node.log. */
export class NodeProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> = Promise.resolve(null);
  /** Set when the process ended without being asked to. */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  private expectingExit = false;

  constructor(
    readonly home: string,
    readonly api: string,
    /**
     * A command the node is started through, e.g. ['ip', 'netns', 'exec', 'ns0'] to run it
     * in a network namespace; it must exec the node in its place (same pid).
     */
    private readonly launcher: readonly string[] = [],
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const log = createWriteStream(join(this.home, 'node.log'), { flags: 'a' });
    const flags = [...NODE_RUNTIME_FLAGS, ...extraNodeFlags()];
    const command = [...this.launcher, process.execPath, ...flags, MAIN, 'start', '--home', this.home];
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.expectingExit = false;
    this.exit = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        if (!this.expectingExit) this.onUnexpectedExit?.(code, signal);
        resolve(code);
      }),
    );
    this.child = child;
  }

  /** SIGTERM (clean shutdown) or SIGKILL (crash), then waits for the exit. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    this.expectingExit = true;
    if (this.running) this.child!.kill(signal);
    await this.exit;
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Resolves once GET /v1/status answers. */
  async waitUntilReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`the node in ${this.home} exited while starting; see ${join(this.home, 'node.log')}`);
      try {
        const response = await fetch(`${this.api}/v1/status`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.api} did not answer within ${timeoutMs / 1000} s; see ${join(this.home, 'node.log')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export function nodeProcesses(network: NetworkFile): NodeProcess[] {
  return network.nodes.map(({ home, api }) => new NodeProcess(home, api));
}

/**
 * Ports are picked below this: Linux takes the source ports of outgoing connections from
 * 32768 up (net.ipv4.ip_local_port_range), so a listen port picked there can be taken by
 * any connection, the nodes' own among them, between the check and the node's start.
 */
const EPHEMERAL_PORTS_FIRST = 32_768;
const PICKED_PORTS_FIRST = 20_000;

/**
 * The first of `count` consecutive TCP ports free on 127.0.0.1 right now (for networks
 * started by benchmarks and tests; another process may still take one before use).
 */
export async function freePortRange(count: number): Promise<number> {
  const listens = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = PICKED_PORTS_FIRST + Math.floor(Math.random() * (EPHEMERAL_PORTS_FIRST - PICKED_PORTS_FIRST - count));
    const free = await Promise.all(Array.from({ length: count }, (_, i) => listens(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new TongbaoError('NO_FREE_PORTS', `found no ${count} consecutive free ports on 127.0.0.1 in 50 tries`);
}
