/** Human formatting of amounts for result messages, from bigint fen: no floats anywhere. */

export const FEN_PER_YUAN = 100n;

/** 300000n → "3,000.00"; −12345n → "-123.45". */
export function formatYuan(fen: bigint): string {
  const negative = fen < 0n;
  const magnitude = negative ? -fen : fen;
  const whole = (magnitude / FEN_PER_YUAN).toString();
  const cents = (magnitude % FEN_PER_YUAN).toString().padStart(2, '0');
  let grouped = '';
  for (let i = 0; i < whole.length; i++) {
    if (i > 0 && (whole.length - i) % 3 === 0) grouped += ',';
    grouped += whole[i];
  }
  return `${negative ? '-' : ''}${grouped}.${cents}`;
}
