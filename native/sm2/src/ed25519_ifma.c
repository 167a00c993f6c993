/*
 * z^((p - 5) / 8) in GF(2^255 - 19) for eight field elements at once, with AVX-512 IFMA
 * (52-bit multiply-add) where the CPU has it: the square root in a point's decoding,
 * which a batch needs for every signature's R and which is a chain of 250 squarings that
 * one element cannot run in parallel. Eight independent chains fill the vector lanes.
 *
 * Elements are five 51-bit limbs, the layout of ed25519.c's scalar field, so lanes load
 * and store its values as they are. IFMA multiplies the low 52 bits of two limbs and adds
 * the low or the high 52 bits of the 104-bit product; inputs must therefore be below
 * 2^52, which carried 51-bit limbs are (with one bit to spare for the loose limb 0).
 * Column k of a product collects the low halves of a_i b_j with i + j = k and twice the
 * high halves with i + j = k - 1 (2^52 = 2 · 2^51). The loops are unrolled (at -O2 they
 * are not by default, and the column arrays would live in memory: 3× slower).
 */
#include <stdint.h>
#include <string.h>
#include "ed25519_ifma.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define IFMA __attribute__((target("avx512f,avx512ifma")))

typedef struct { __m512i limb[5]; } fe8;

/*
 * h = f g with every limb of f and g below 2^52; h's limbs are below 2^51, limb 0 below
 * 2^52. Column sums stay below 15 · 2^52 < 2^56, and adding 19 times the upper five
 * columns below 2^62: no 64-bit lane overflows.
 */
IFMA static inline void fe8_mul(fe8 *h, const fe8 *f, const fe8 *g) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i lo[10], hi[10];
  #pragma GCC unroll 10
  for (int k = 0; k < 10; k++) lo[k] = hi[k] = zero;
  #pragma GCC unroll 10
  for (int i = 0; i < 5; i++) {
    #pragma GCC unroll 10
    for (int j = 0; j < 5; j++) {
      lo[i + j] = _mm512_madd52lo_epu64(lo[i + j], f->limb[i], g->limb[j]);
      hi[i + j + 1] = _mm512_madd52hi_epu64(hi[i + j + 1], f->limb[i], g->limb[j]);
    }
  }
  __m512i t[10];
  #pragma GCC unroll 10
  for (int k = 0; k < 10; k++) t[k] = _mm512_add_epi64(lo[k], _mm512_slli_epi64(hi[k], 1));
  /* 2^255 = 19: column k + 5 folds into column k. */
  #pragma GCC unroll 10
  for (int k = 0; k < 5; k++) {
    __m512i x = t[k + 5];
    __m512i times19 = _mm512_add_epi64(_mm512_add_epi64(_mm512_slli_epi64(x, 4), _mm512_slli_epi64(x, 1)), x);
    t[k] = _mm512_add_epi64(t[k], times19);
  }
  const __m512i mask = _mm512_set1_epi64((1LL << 51) - 1);
  #pragma GCC unroll 10
  for (int k = 0; k < 4; k++) {
    t[k + 1] = _mm512_add_epi64(t[k + 1], _mm512_srli_epi64(t[k], 51));
    t[k] = _mm512_and_si512(t[k], mask);
  }
  __m512i top = _mm512_srli_epi64(t[4], 51);
  t[4] = _mm512_and_si512(t[4], mask);
  t[0] = _mm512_add_epi64(t[0], _mm512_add_epi64(_mm512_add_epi64(_mm512_slli_epi64(top, 4), _mm512_slli_epi64(top, 1)), top));
  #pragma GCC unroll 10
  for (int k = 0; k < 5; k++) h->limb[k] = t[k];
}

IFMA static void fe8_sq_times(fe8 *h, const fe8 *f, int times) {
  fe8 x = *f;
  for (int i = 0; i < times; i++) fe8_mul(&x, &x, &x);
  *h = x;
}

/* The addition chain of ed25519.c's fe_pow22523, lane by lane. */
IFMA static void fe8_pow22523(fe8 *out, const fe8 *z) {
  fe8 z2, t, z9, z11, z_5_0, z_10_0, z_20_0, z_40_0, z_50_0, z_100_0, z_200_0;
  fe8_mul(&z2, z, z);
  fe8_sq_times(&t, &z2, 2);
  fe8_mul(&z9, &t, z);
  fe8_mul(&z11, &z9, &z2);
  fe8_mul(&t, &z11, &z11);
  fe8_mul(&z_5_0, &t, &z9);
  fe8_sq_times(&t, &z_5_0, 5);
  fe8_mul(&z_10_0, &t, &z_5_0);
  fe8_sq_times(&t, &z_10_0, 10);
  fe8_mul(&z_20_0, &t, &z_10_0);
  fe8_sq_times(&t, &z_20_0, 20);
  fe8_mul(&z_40_0, &t, &z_20_0);
  fe8_sq_times(&t, &z_40_0, 10);
  fe8_mul(&z_50_0, &t, &z_10_0);
  fe8_sq_times(&t, &z_50_0, 50);
  fe8_mul(&z_100_0, &t, &z_50_0);
  fe8_sq_times(&t, &z_100_0, 100);
  fe8_mul(&z_200_0, &t, &z_100_0);
  fe8_sq_times(&t, &z_200_0, 50);
  fe8_mul(&z_50_0, &t, &z_50_0); /* z^(2^250 - 1) */
  fe8_sq_times(&t, &z_50_0, 2);
  fe8_mul(out, &t, z);
}

IFMA static void pow22523_x8_ifma(uint64_t out[8][5], const uint64_t in[8][5]) {
  fe8 z, r;
  for (int k = 0; k < 5; k++) {
    z.limb[k] = _mm512_set_epi64((long long)in[7][k], (long long)in[6][k], (long long)in[5][k], (long long)in[4][k],
                                 (long long)in[3][k], (long long)in[2][k], (long long)in[1][k], (long long)in[0][k]);
  }
  fe8_pow22523(&r, &z);
  uint64_t lanes[8];
  for (int k = 0; k < 5; k++) {
    _mm512_storeu_si512((void *)lanes, r.limb[k]);
    for (int lane = 0; lane < 8; lane++) out[lane][k] = lanes[lane];
  }
}

int ed25519_ifma_available(void) {
  static int available = -1;
  if (available < 0) {
    __builtin_cpu_init();
    available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma");
  }
  return available;
}

void ed25519_pow22523_x8(uint64_t out[8][5], const uint64_t in[8][5]) {
  pow22523_x8_ifma(out, in);
}

#else

int ed25519_ifma_available(void) { return 0; }

void ed25519_pow22523_x8(uint64_t out[8][5], const uint64_t in[8][5]) {
  (void)out;
  (void)in;
}

#endif
