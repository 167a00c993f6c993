import { assert, type ChainConfig, type Command, type Event, type Organization } from '@tongbao/protocol';
import type { Rejection } from '../result-codes.js';
import type { RecordReader, TransactionState } from '../state-overlay.js';
import type { BlockContext } from '../types.js';

/** Everything a command's `execute` may use: nothing else reaches it. */
export interface CommandContext {
  readonly block: BlockContext;
  readonly state: TransactionState;
  readonly sender: Uint8Array;
  /** The organization the sender signs for; undefined for a wallet owner's key. */
  readonly organization: Organization | undefined;
  readonly config: ChainConfig;
  /** The receipt's events; appended in the order things happen. */
  readonly events: Event[];
  /** The block's calendar day in the chain's time zone (limits.ts dayIndex). */
  readonly day: bigint;
}

/**
 * Who may sign a command. Checked before `execute`, identically by mempool and block.
 * 'consortium-member': any organization's key, whatever its role, or any validator's key.
 */
export type Authority = 'central-bank' | 'operator' | 'regulator' | 'wallet-owner' | 'consortium-member';

export type CommandCase = NonNullable<Command['kind']['case']>;
export type CommandOf<K extends CommandCase> = Extract<Command['kind'], { case: K }>['value'];

/**
 * The anatomy of every command (STYLE.md 4): who may sign it, a pure stateless
 * `verify` the mempool also runs, and `execute` against one transaction's overlay.
 * Both return a Rejection or undefined for success; execute writes only on success
 * paths, and a rejected transaction's overlay is discarded anyway.
 */
export interface CommandHandler<C> {
  readonly authority: Authority;
  /** For wallet-owner commands: the wallet whose owner must have signed. */
  readonly ownedWalletId?: (command: C) => string;
  verify(command: C): Rejection | undefined;
  execute(ctx: CommandContext, command: C): Rejection | undefined;
  /** Extra mempool checks against committed state after authorization (optional). */
  check?(state: RecordReader, command: C): Rejection | undefined;
}

export type CommandHandlers = { readonly [K in CommandCase]: CommandHandler<CommandOf<K>> };

export function isRejection(value: object): value is Rejection {
  return 'code' in value && 'error' in value;
}

/** The organization that signed an organization-authority command (authorization ran first). */
export function signingOrganization(ctx: CommandContext): Organization {
  assert(ctx.organization !== undefined, 'organization commands are authorized before execution');
  return ctx.organization;
}
