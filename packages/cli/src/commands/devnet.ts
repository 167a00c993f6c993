import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { initNetwork, readKeyFile } from '@tongbao/node';
import { bytesToHex, type SuiteName } from '@tongbao/protocol';
import { nodeProcesses, readNetworkFile } from '../network-process.js';

/**
 * `tongbao devnet [--dir DIR] [--validators N]`: creates the network if the folder has
 * none, starts every node as a child process (logs to DIR/nodeI/node.log), waits until
 * each API answers, prints how to use it, and on Ctrl-C stops them all cleanly.
 */
export async function devnetCommand(options: { dir: string; validators: number; crypto: SuiteName }): Promise<number> {
  if (!existsSync(join(options.dir, 'network.json'))) {
    await initNetwork({ dir: options.dir, validators: options.validators, suite: options.crypto });
    console.log(`created a new network in ${options.dir}`);
  }
  const network = readNetworkFile(options.dir);
  const nodes = nodeProcesses(network);
  let stopping = false;
  for (const [i, node] of nodes.entries()) {
    node.onUnexpectedExit = (code, signal) => {
      if (!stopping) console.error(`node${i} exited (${signal ?? `code ${code}`}); see ${join(node.home, 'node.log')}`);
    };
    node.start();
  }
  let stopped: () => void = () => {};
  const allStopped = new Promise<void>((resolve) => (stopped = resolve));
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('stopping every node…');
    await Promise.all(nodes.map((node) => node.stop('SIGTERM')));
    stopped();
  };
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());

  try {
    await Promise.all(nodes.map((node) => node.waitUntilReady()));
  } catch (error) {
    console.error(`devnet: ${(error as Error).message}`);
    await stopAll();
    return 1;
  }
  const keysDir = join(options.dir, 'keys');
  console.log(`\nTongbao devnet: chain "${network.chainId}", ${network.suite}, ${network.nodes.length} validator(s)`);
  network.nodes.forEach((node, i) => console.log(`  node${i}  ${node.api}   logs: ${join(node.home, 'node.log')}`));
  console.log('\ndemo identities (organization transaction keys):');
  for (const org of ['pboc', 'icbc', 'boc', 'regulator']) {
    const path = join(keysDir, `${org}.json`);
    if (existsSync(path)) console.log(`  ${org.padEnd(10)} ${bytesToHex(readKeyFile(path).keys.publicKey).slice(0, 24)}…  ${path}`);
  }
  console.log(`\ntry:  npx tongbao supply --api ${network.nodes[0]!.api}`);
  console.log('Ctrl-C stops every node.\n');
  await allStopped;
  return 0;
}
