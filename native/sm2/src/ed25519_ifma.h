#ifndef TONGBAO_ED25519_IFMA_H
#define TONGBAO_ED25519_IFMA_H

#include <stdint.h>

/* Whether this CPU runs ed25519_pow22523_x8 (AVX-512 IFMA); when not, it must not be called. */
int ed25519_ifma_available(void);

/*
 * out[i] = in[i]^((p - 5) / 8) in GF(2^255 - 19) for eight elements of five 51-bit limbs
 * (ed25519.c's layout), each input limb below 2^52; outputs carried the same way.
 */
void ed25519_pow22523_x8(uint64_t out[8][5], const uint64_t in[8][5]);

/*
 * One addition step of the eight-lane sum: in each lane, a cached point (ed25519.c's
 * ge_cached: Y+X, Y-X, 2Z, 2dT, five 51-bit limbs each, every limb below 2^52) to add, or
 * subtract where the lane's bit of `negate` is set. A lane with nothing to add adds the
 * identity.
 */
typedef struct {
  const uint64_t *entry[8];
  uint8_t negate;
} ed25519_msm_step;

/*
 * Eight partial sums at once: from the identity, for each position i from `top` down to
 * 0, double every lane, then run steps[step_starts[i] .. step_starts[i + 1]). out[lane] is
 * the lane's point X, Y, Z, T (ed25519.c's ge), limbs below 2^52.
 */
void ed25519_msm_x8(uint64_t out[8][20], int top, const uint32_t *step_starts, const ed25519_msm_step *steps);

/*
 * For eight points (ed25519.c's ge: X, Y, Z, T, limbs below 2^52): out[lane] their odd
 * multiples 1P, 3P, ..., 15P as cached points (ge_cached), and small_order[lane] whether
 * [8]P is the identity.
 */
void ed25519_odd_multiples_x8(uint64_t out[8][8][20], int small_order[8], const uint64_t points[8][20]);

/* Whether X, Y, Z (five 51-bit limbs each) is the identity: X = 0 and Y = Z. Defined in ed25519.c. */
int ed25519_is_identity_limbs(const uint64_t xyz[15]);

#endif
