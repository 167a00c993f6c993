import { initNetwork } from '@tongbao/node';
import type { SuiteName } from '@tongbao/protocol';

/** `tongbao init --dir DIR [--validators N] [--crypto ed25519|sm2]` */
export async function initCommand(options: { dir: string; validators: number; crypto: SuiteName; apiPortBase?: number }): Promise<number> {
  const network = await initNetwork({
    dir: options.dir,
    validators: options.validators,
    suite: options.crypto,
    ...(options.apiPortBase === undefined ? {} : { apiPortBase: options.apiPortBase }),
  });
  console.log(`created chain "${network.consortium.chainId}" (${network.consortium.suite}) with ${network.nodeHomes.length} validator(s) in ${options.dir}`);
  network.nodeHomes.forEach((home, i) => console.log(`  ${home}   api ${network.apiUrls[i]}`));
  console.log(`organization keys (central bank, operators, regulator) in ${network.keysDir}`);
  return 0;
}
