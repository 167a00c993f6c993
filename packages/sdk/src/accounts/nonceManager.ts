import { getSigner } from '../actions/getSigner.js';
import type { Client } from '../clients/createClient.js';

/**
 * Hands out a signer's nonces. The first use asks the node (GET /v1/signers/:key) for
 * `pendingNonce` (the nonce after the key's transactions waiting in the mempool), else
 * `nextNonce`, else 0 for a key the chain does not know yet; later ones count up locally
 * without asking. Calls are serialized, so concurrent signers never share a nonce.
 * After a rejection (a nonce not consumed) call reset(): the next use asks again.
 */
export interface NonceManager {
  consume(parameters: { readonly client: Client; readonly publicKey: Uint8Array }): Promise<bigint>;
  /** The nonce the next consume returns, if known without asking. */
  peek(): bigint | undefined;
  /** Forget the local count; the next consume asks the node. */
  reset(): void;
}

/**
 * A nonce manager for one signer.
 *
 * @example
 * const nonces = createNonceManager()
 * const nonce = await nonces.consume({ client, publicKey })
 */
export function createNonceManager(): NonceManager {
  let next: bigint | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    consume({ client, publicKey }) {
      const run = queue.then(async () => {
        if (next === undefined) {
          const signer = await getSigner(client, { publicKey });
          next = signer.pendingNonce ?? signer.nextNonce ?? 0n;
        }
        const nonce = next!;
        next = nonce + 1n;
        return nonce;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    peek: () => next,
    reset() {
      next = undefined;
    },
  };
}
