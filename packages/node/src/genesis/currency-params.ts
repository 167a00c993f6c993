import { create, CurrencyParamsSchema, type CurrencyParams } from '@tongbao/protocol';

const FEN_PER_YUAN = 100n;

/** The default tier limits of CURRENCY.md, in fen; 0 means no limit. */
export function defaultCurrencyParams(): CurrencyParams {
  const yuan = (amount: bigint): bigint => amount * FEN_PER_YUAN;
  return create(CurrencyParamsSchema, {
    tiers: [
      { tier: 1, balanceCap: 0n, perPayment: 0n, perDay: 0n },
      { tier: 2, balanceCap: yuan(500_000n), perPayment: yuan(50_000n), perDay: yuan(100_000n) },
      { tier: 3, balanceCap: yuan(20_000n), perPayment: yuan(5_000n), perDay: yuan(10_000n) },
      { tier: 4, balanceCap: yuan(10_000n), perPayment: yuan(2_000n), perDay: yuan(5_000n) },
    ],
    utcOffsetMinutes: 480,
    largeValueThreshold: yuan(50_000n),
  });
}
