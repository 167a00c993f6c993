import { create, CommandSchema, signTransaction, type Command, type KeyPair, type SuiteName } from '@tongbao/protocol';

type CommandKind = NonNullable<Command['kind']['case']>;
type CommandValue<K extends CommandKind> = Extract<Command['kind'], { case: K }>['value'];

/** Builds a Command from its kind and fields, e.g. command('pay', { ... }). */
export function command<K extends CommandKind>(kind: K, value: Omit<CommandValue<K>, '$typeName' | '$unknown'>): Command {
  return create(CommandSchema, { kind: { case: kind, value } } as never);
}

/**
 * Signs transactions for one key, numbering them with consecutive nonces. The SDK will
 * carry the full client; this is what the demo and the benchmarks need.
 */
export class NonceSigner {
  private nextNonce: bigint;

  constructor(
    private readonly suite: SuiteName,
    private readonly chainId: string,
    readonly keys: KeyPair,
    firstNonce = 0n,
  ) {
    this.nextNonce = firstNonce;
  }

  sign(cmd: Command): Uint8Array {
    const bytes = signTransaction(this.suite, this.chainId, this.keys.secretKey, {
      sender: this.keys.publicKey,
      nonce: this.nextNonce,
      command: cmd,
    });
    this.nextNonce += 1n;
    return bytes;
  }
}
