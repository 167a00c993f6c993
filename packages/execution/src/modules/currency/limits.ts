import { assert, create, CurrencyParamsSchema, type CurrencyParams, type TierLimits } from '@tongbao/protocol';
import { FEN_PER_YUAN } from '../../format.js';

/**
 * Every size limit of the currency commands, units last. They bound what one
 * transaction can make every node store forever.
 */
export const identifierLengthMax = 64;
export const memoBytesMax = 1024;
export const identityEscrowBytesMax = 1024;
export const reserveReferenceBytesMax = 256;
export const legalBasisBytesMax = 512;
export const rejectionReasonBytesMax = 512;

export const TIER_MIN = 1;
export const TIER_MAX = 4;

/** The chain's time zone must be a real one: UTC−12:00 .. UTC+14:00. */
export const utcOffsetMinutesMin = -12 * 60;
export const utcOffsetMinutesMax = 14 * 60;

export const U64_MAX = (1n << 64n) - 1n;
export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);

const MS_PER_DAY = 86_400_000n;
const MS_PER_MINUTE = 60_000n;

/**
 * Wallet ids, payment ids, request ids and organization ids: 1–64 of [A-Za-z0-9._@-].
 * The alphabet excludes "/" and ":" so ids compose into keys and account ids unambiguously.
 */
const IDENTIFIER = /^[A-Za-z0-9._@-]{1,64}$/;

export function isIdentifier(value: string): boolean {
  return IDENTIFIER.test(value);
}

/**
 * The calendar day of a block in the chain's time zone, as days since 1970-01-01 local.
 * Floor division, so the answer is right for any timestamp, not only positive ones.
 */
export function dayIndex(timestampMs: bigint, utcOffsetMinutes: number): bigint {
  const local = timestampMs + BigInt(utcOffsetMinutes) * MS_PER_MINUTE;
  const quotient = local / MS_PER_DAY;
  return local % MS_PER_DAY < 0n ? quotient - 1n : quotient;
}

/** The limits of a tier; every chain's params hold each tier 1..4 once (checked at genesis). */
export function tierLimits(params: CurrencyParams, tier: number): TierLimits {
  const limits = params.tiers.find((entry) => entry.tier === tier);
  // A wallet's tier is always 1..4 and the genesis holds all four.
  assert(limits !== undefined, `no limits for tier ${tier}`);
  return limits;
}

/** The defaults of CURRENCY.md, in fen; 0 means no limit. Used when a genesis names none. */
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
