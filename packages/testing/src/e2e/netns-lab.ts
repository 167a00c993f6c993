import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A small virtual network for end-to-end tests, on Linux with the right to make network
 * namespaces (root, `ip` from iproute2): one namespace per node, each with a veth pair
 * plugged into one bridge in the test's own namespace, which also has an address on the
 * bridge so the test reaches every node's API. A link between two nodes is cut by
 * blackhole routes to each other in both namespaces: the kernel drops the packets, so
 * TCP sees silence and retransmits — the failure a real partition causes, unlike a proxy
 * that closes or stalls connections.
 *
 * Names carry a random tag so that concurrent runs and leftovers of killed runs never
 * collide; `close` removes everything it made.
 */
export class NetnsLab {
  private readonly namespaces: string[] = [];
  private readonly cuts = new Set<string>();

  private constructor(
    private readonly tag: string,
    /** The first three octets of the lab's /24. */
    private readonly subnet: string,
    readonly bridge: string,
  ) {}

  /** Why this machine cannot host a lab, or undefined if it can (checked by building a one-node lab and reaching it). */
  static unavailableReason(): string | undefined {
    if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
    if (process.getuid?.() !== 0) return 'making network namespaces needs root';
    if (spawnSync('ip', ['-V']).status !== 0) return 'the ip command (iproute2) is not installed';
    let lab: NetnsLab | undefined;
    try {
      lab = NetnsLab.create(1);
      const probe = spawnSync('ip', ['netns', 'exec', lab.namespace(0), process.execPath, '-e', 'process.exit(0)']);
      if (probe.status !== 0) return `cannot run a process in a namespace: ${probe.stderr.toString().trim()}`;
      return undefined;
    } catch (error) {
      return `cannot build a namespace lab: ${(error as Error).message.split('\n')[0]}`;
    } finally {
      lab?.close();
    }
  }

  /** Builds a lab of `count` namespaces (at most 200) on the bridge. */
  static create(count: number): NetnsLab {
    const tag = randomBytes(3).toString('hex');
    const lab = new NetnsLab(tag, `10.${200 + (parseInt(tag.slice(0, 2), 16) % 50)}.${parseInt(tag.slice(2, 4), 16)}`, `tbb${tag}`);
    try {
      ip('link', 'add', lab.bridge, 'type', 'bridge');
      ip('addr', 'add', `${lab.subnet}.1/24`, 'dev', lab.bridge);
      ip('link', 'set', lab.bridge, 'up');
      for (let i = 0; i < count; i++) {
        const ns = lab.namespace(i);
        const outside = `tv${tag}${i}`;
        const inside = `tp${tag}${i}`;
        ip('netns', 'add', ns);
        lab.namespaces.push(ns);
        ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
        ip('link', 'set', inside, 'netns', ns);
        ip('link', 'set', outside, 'master', lab.bridge);
        ip('link', 'set', outside, 'up');
        ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${lab.address(i)}/24`, 'dev', inside);
        ip('netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up');
        ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
      }
    } catch (error) {
      lab.close();
      throw error;
    }
    return lab;
  }

  namespace(index: number): string {
    return `tbn${this.tag}-${index}`;
  }

  /** Node `index`'s address on the bridge. */
  address(index: number): string {
    return `${this.subnet}.${10 + index}`;
  }

  /** The command prefix that runs a process inside node `index`'s namespace (exec'ing it, same pid). */
  launcher(index: number): string[] {
    return ['ip', 'netns', 'exec', this.namespace(index)];
  }

  /** Cuts (or heals) the link between nodes i and j, both directions. */
  setLink(i: number, j: number, connected: boolean): void {
    const key = i < j ? `${i}-${j}` : `${j}-${i}`;
    if (connected === !this.cuts.has(key)) return;
    for (const [from, to] of [
      [i, j],
      [j, i],
    ] as const) {
      ip('netns', 'exec', this.namespace(from), 'ip', 'route', connected ? 'del' : 'add', 'blackhole', `${this.address(to)}/32`);
    }
    if (connected) this.cuts.delete(key);
    else this.cuts.add(key);
  }

  /** Removes the namespaces (their veth ends go with them) and the bridge. */
  close(): void {
    for (const ns of this.namespaces.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', this.bridge]);
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
