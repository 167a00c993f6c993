import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initNetwork, readKeyFile } from '@tongbao/node';
import type { SuiteName } from '@tongbao/protocol';

interface NetworkFile {
  readonly chainId: string;
  readonly suite: SuiteName;
  readonly nodes: readonly { readonly home: string; readonly api: string }[];
}

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/**
 * `tongbao devnet [--dir DIR] [--validators N]`: creates the network if the folder has
 * none, starts every node as a child process (logs to DIR/nodeI/node.log), waits until
 * each API answers, prints how to use it, and on Ctrl-C stops them all cleanly.
 */
export async function devnetCommand(options: { dir: string; validators: number; crypto: SuiteName }): Promise<number> {
  if (!existsSync(join(options.dir, 'network.json'))) {
    initNetwork({ dir: options.dir, validators: options.validators, suite: options.crypto });
    console.log(`created a new network in ${options.dir}`);
  }
  const network = JSON.parse(readFileSync(join(options.dir, 'network.json'), 'utf8')) as NetworkFile;
  const children: ChildProcess[] = network.nodes.map(({ home }) => {
    const log = createWriteStream(join(home, 'node.log'), { flags: 'a' });
    const child = spawn(process.execPath, [MAIN, 'start', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return child;
  });
  let stopping = false;
  const exited = children.map(
    (child, i) =>
      new Promise<void>((resolve) =>
        child.on('exit', (code, signal) => {
          if (!stopping) console.error(`node${i} exited (${signal ?? `code ${code}`}); see ${join(network.nodes[i]!.home, 'node.log')}`);
          resolve();
        }),
      ),
  );
  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(exited);
  };
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());

  try {
    await Promise.all(network.nodes.map(({ api }) => waitUntilReady(api)));
  } catch (error) {
    console.error(`devnet: ${(error as Error).message}`);
    await stopAll();
    return 1;
  }
  const keysDir = join(options.dir, 'keys');
  console.log(`\nTongbao devnet: chain "${network.chainId}", ${network.suite}, ${network.nodes.length} validator(s)`);
  network.nodes.forEach((node, i) => console.log(`  node${i}  ${node.api}   (logs: ${join(node.home, 'node.log')})`));
  console.log('\ndemo identities (transaction keys):');
  for (const org of ['pboc', 'icbc', 'boc', 'regulator']) {
    const path = join(keysDir, `${org}.json`);
    if (existsSync(path)) console.log(`  ${org.padEnd(10)} ${readKeyFile(path).keys.publicKey.length}-byte key, file ${path}`);
  }
  console.log(`\ntry:  npx tongbao supply --api ${network.nodes[0]!.api}`);
  console.log('Ctrl-C stops every node.\n');
  await Promise.all(exited);
  return 0;
}

async function waitUntilReady(api: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(`${api}/v1/status`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${api} did not answer within ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
