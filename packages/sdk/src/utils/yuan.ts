import { InvalidParameterError } from '../errors.js';
import { U64_MAX } from './validate.js';

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?$/;

/**
 * An amount in yuan, written as a decimal string, to bigint fen. Exact: no floating
 * point anywhere; at most two decimals ('12.345' is refused, not rounded); no sign, no
 * exponent, no separators. Accepts a bigint or a safe integer number of whole yuan too.
 *
 * @example
 * yuan('12.50') // 1250n
 * yuan('0.01')  // 1n
 * yuan(3n)      // 300n
 */
export function yuan(amount: string | bigint | number): bigint {
  let fen: bigint;
  if (typeof amount === 'bigint') fen = amount * 100n;
  else if (typeof amount === 'number') {
    if (!Number.isSafeInteger(amount)) {
      throw new InvalidParameterError(`yuan(number) takes whole yuan only, got ${amount}; pass decimals as a string, e.g. yuan('12.50')`);
    }
    fen = BigInt(amount) * 100n;
  } else {
    const match = typeof amount === 'string' ? DECIMAL.exec(amount) : null;
    if (match === null) {
      throw new InvalidParameterError(
        `not an amount of yuan: ${JSON.stringify(amount)}; write digits with at most two decimals, e.g. '12.50'`,
      );
    }
    fen = BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
  }
  if (fen < 0n || fen > U64_MAX) throw new InvalidParameterError(`amount ${String(amount)} yuan is outside 0..2^64-1 fen`);
  return fen;
}

/**
 * Fen to a yuan decimal string with exactly two decimals.
 *
 * @example
 * formatYuan(1250n) // '12.50'
 * formatYuan(-5n)   // '-0.05'
 */
export function formatYuan(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
