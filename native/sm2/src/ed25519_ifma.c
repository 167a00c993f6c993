/*
 * Ed25519 batch verification's costly parts eight at a time, with AVX-512 IFMA
 * (52-bit multiply-add) where the CPU has it:
 *   - z^((p - 5) / 8) in GF(2^255 - 19) for eight elements: the square root in a point's
 *     decoding, which a batch needs for every signature's R and which is a chain of 250
 *     squarings that one element cannot run in parallel;
 *   - the tables of odd multiples of eight R values, and their small-order tests;
 *   - the multi-scalar sum's doublings and additions as eight partial sums in the lanes
 *     (ed25519.c schedules which point each lane adds at each step).
 *
 * Elements are five 51-bit limbs, the layout of ed25519.c's scalar field, so lanes load
 * and store its values as they are. IFMA multiplies the low 52 bits of two limbs and adds
 * the low or the high 52 bits of the 104-bit product; inputs must therefore be below
 * 2^52, which carried 51-bit limbs are (with one bit to spare for the loose limb 0).
 * Column k of a product collects the low halves of a_i b_j with i + j = k and twice the
 * high halves with i + j = k - 1 (2^52 = 2 · 2^51). The loops are unrolled (at -O2 they
 * are not by default, and the column arrays would live in memory: 2.7× slower).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ed25519_ifma.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define IFMA __attribute__((target("avx512f,avx512ifma")))

typedef struct { __m512i limb[5]; } fe8;

/* 19 x, as shifts and adds (2^255 = 19 folds a carry out of the top limb back into limb 0). */
IFMA static inline __m512i times19(__m512i x) {
  return _mm512_add_epi64(_mm512_add_epi64(_mm512_slli_epi64(x, 4), _mm512_slli_epi64(x, 1)), x);
}

/* Limbs back under 2^51, limb 0 under 2^52, from limbs under 2^63: what IFMA can take again. */
IFMA static inline void fe8_carry(fe8 *h) {
  const __m512i mask = _mm512_set1_epi64((1LL << 51) - 1);
#pragma GCC unroll 4
  for (int k = 0; k < 4; k++) {
    h->limb[k + 1] = _mm512_add_epi64(h->limb[k + 1], _mm512_srli_epi64(h->limb[k], 51));
    h->limb[k] = _mm512_and_si512(h->limb[k], mask);
  }
  __m512i top = _mm512_srli_epi64(h->limb[4], 51);
  h->limb[4] = _mm512_and_si512(h->limb[4], mask);
  h->limb[0] = _mm512_add_epi64(h->limb[0], times19(top));
}

/* Lane l's element is five limbs at rows + l * stride + at (a lane's row of a uint64_t array). */
IFMA static inline void fe8_load(fe8 *f, const uint64_t *rows, size_t stride, int at) {
  for (int k = 0; k < 5; k++) {
    const uint64_t *limb = rows + at + k;
    f->limb[k] = _mm512_set_epi64((long long)limb[7 * stride], (long long)limb[6 * stride], (long long)limb[5 * stride], (long long)limb[4 * stride],
                                  (long long)limb[3 * stride], (long long)limb[2 * stride], (long long)limb[stride], (long long)limb[0]);
  }
}

IFMA static inline void fe8_store(uint64_t *rows, size_t stride, int at, const fe8 *f) {
  uint64_t lanes[8];
  for (int k = 0; k < 5; k++) {
    _mm512_storeu_si512((void *)lanes, f->limb[k]);
    for (int lane = 0; lane < 8; lane++) rows[lane * stride + at + k] = lanes[lane];
  }
}

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
  for (int k = 0; k < 5; k++) h->limb[k] = _mm512_add_epi64(t[k], times19(t[k + 5]));
  fe8_carry(h);
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

/* ---------- eight partial sums of a multi-scalar multiplication ---------- */

IFMA static inline void fe8_add(fe8 *h, const fe8 *f, const fe8 *g) {
#pragma GCC unroll 5
  for (int k = 0; k < 5; k++) h->limb[k] = _mm512_add_epi64(f->limb[k], g->limb[k]);
  fe8_carry(h);
}

/* f - g + 4p (limbs of g below 2^53, so none goes negative), carried. */
IFMA static inline void fe8_sub(fe8 *h, const fe8 *f, const fe8 *g) {
  const __m512i p4_0 = _mm512_set1_epi64(0x1FFFFFFFFFFFB4LL), p4 = _mm512_set1_epi64(0x1FFFFFFFFFFFFCLL);
#pragma GCC unroll 5
  for (int k = 0; k < 5; k++) h->limb[k] = _mm512_sub_epi64(_mm512_add_epi64(f->limb[k], k == 0 ? p4_0 : p4), g->limb[k]);
  fe8_carry(h);
}

typedef struct { fe8 X, Y, Z, T; } ge8;

/* r = 2p (a = -1), as ed25519.c's ge_double with T. */
IFMA static void ge8_double(ge8 *r, const ge8 *p) {
  fe8 a, b, c, e, f, g, h, t;
  fe8_mul(&a, &p->X, &p->X);
  fe8_mul(&b, &p->Y, &p->Y);
  fe8_mul(&c, &p->Z, &p->Z);
  fe8_add(&c, &c, &c);
  fe8_add(&t, &p->X, &p->Y);
  fe8_mul(&e, &t, &t);
  fe8_sub(&e, &e, &a);
  fe8_sub(&e, &e, &b); /* E = 2XY */
  fe8_sub(&g, &b, &a); /* G = B - A */
  fe8_sub(&f, &g, &c); /* F = G - C */
  fe8_add(&t, &a, &b);
  const fe8 zero = {{_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()}};
  fe8_sub(&h, &zero, &t); /* H = -A - B */
  fe8_mul(&r->X, &e, &f);
  fe8_mul(&r->Y, &g, &h);
  fe8_mul(&r->T, &e, &h);
  fe8_mul(&r->Z, &f, &g);
}

/* Limb k of field element `field` (0 Y+X, 1 Y-X, 2 2Z, 3 2dT) of each lane's cached point. */
IFMA static inline __m512i gather_limb(__m512i addresses, int field, int k) {
  return _mm512_i64gather_epi64(_mm512_add_epi64(addresses, _mm512_set1_epi64((long long)(8 * (5 * field + k)))), (const void *)0, 1);
}

/* r = p + q lane by lane, or p - q in the lanes of `negate`; unified, as ge_add_cached. */
IFMA static void ge8_add_cached(ge8 *r, const ge8 *p, const uint64_t *const entries[8], __mmask8 negate) {
  const __m512i addresses = _mm512_loadu_si512((const void *)entries);
  fe8 plus, minus, z2, t2d;
#pragma GCC unroll 5
  for (int k = 0; k < 5; k++) {
    __m512i yplusx = gather_limb(addresses, 0, k), yminusx = gather_limb(addresses, 1, k);
    /* -q swaps Y+X with Y-X (and negates 2dT, below). */
    plus.limb[k] = _mm512_mask_blend_epi64(negate, yplusx, yminusx);
    minus.limb[k] = _mm512_mask_blend_epi64(negate, yminusx, yplusx);
    z2.limb[k] = gather_limb(addresses, 2, k);
    t2d.limb[k] = gather_limb(addresses, 3, k);
  }
  fe8 a, b, c, d, e, f, g, h, t, sum, difference;
  fe8_sub(&t, &p->Y, &p->X);
  fe8_mul(&a, &t, &minus);
  fe8_add(&t, &p->Y, &p->X);
  fe8_mul(&b, &t, &plus);
  fe8_mul(&c, &p->T, &t2d);
  fe8_mul(&d, &p->Z, &z2);
  fe8_sub(&e, &b, &a);
  fe8_add(&h, &b, &a);
  fe8_sub(&difference, &d, &c);
  fe8_add(&sum, &d, &c);
#pragma GCC unroll 5
  for (int k = 0; k < 5; k++) {
    f.limb[k] = _mm512_mask_blend_epi64(negate, difference.limb[k], sum.limb[k]);
    g.limb[k] = _mm512_mask_blend_epi64(negate, sum.limb[k], difference.limb[k]);
  }
  fe8_mul(&r->X, &e, &f);
  fe8_mul(&r->Y, &g, &h);
  fe8_mul(&r->T, &e, &h);
  fe8_mul(&r->Z, &f, &g);
}

IFMA void ed25519_msm_x8(uint64_t out[8][20], int top, const uint32_t *step_starts, const ed25519_msm_step *steps) {
  ge8 acc;
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi64(1);
  for (int k = 0; k < 5; k++) {
    acc.X.limb[k] = zero;
    acc.Y.limb[k] = k == 0 ? one : zero;
    acc.Z.limb[k] = k == 0 ? one : zero;
    acc.T.limb[k] = zero;
  }
  for (int i = top; i >= 0; i--) {
    ge8_double(&acc, &acc);
    for (uint32_t s = step_starts[i]; s < step_starts[i + 1]; s++) ge8_add_cached(&acc, &acc, steps[s].entry, (__mmask8)steps[s].negate);
  }
  const fe8 *fields[4] = {&acc.X, &acc.Y, &acc.Z, &acc.T};
  for (int field = 0; field < 4; field++) fe8_store(&out[0][0], 20, 5 * field, fields[field]);
}

/* ---------- eight points' tables of odd multiples ---------- */

/* Each lane's point as a cached point (Y+X, Y-X, 2Z, 2dT; 20 limbs) at rows + lane * stride. */
IFMA static void ge8_store_cached(uint64_t *rows, size_t stride, const ge8 *p, const fe8 *two_d) {
  fe8 cached[4];
  fe8_add(&cached[0], &p->Y, &p->X);
  fe8_sub(&cached[1], &p->Y, &p->X);
  fe8_add(&cached[2], &p->Z, &p->Z);
  fe8_mul(&cached[3], &p->T, two_d);
  for (int field = 0; field < 4; field++) fe8_store(rows, stride, 5 * field, &cached[field]);
}

IFMA void ed25519_odd_multiples_x8(uint64_t out[8][8][20], int small_order[8], const uint64_t points[8][20]) {
  ge8 p;
  fe8 *const fields[4] = {&p.X, &p.Y, &p.Z, &p.T};
  for (int field = 0; field < 4; field++) fe8_load(fields[field], &points[0][0], 20, 5 * field);
  /* [8]P, for the small-order test, made on the extracted lanes. */
  ge8 q;
  ge8_double(&q, &p);
  ge8_double(&q, &q);
  ge8_double(&q, &q);
  uint64_t eightfold[8][15];
  fe8_store(&eightfold[0][0], 15, 0, &q.X);
  fe8_store(&eightfold[0][0], 15, 5, &q.Y);
  fe8_store(&eightfold[0][0], 15, 10, &q.Z);
  for (int lane = 0; lane < 8; lane++) small_order[lane] = ed25519_is_identity_limbs(eightfold[lane]);

  /* 2d, as ed25519.c's FE_D2. */
  const fe8 two_d = {{_mm512_set1_epi64(0x69b9426b2f159LL), _mm512_set1_epi64(0x35050762add7aLL), _mm512_set1_epi64(0x3cf44c0038052LL),
                      _mm512_set1_epi64(0x6738cc7407977LL), _mm512_set1_epi64(0x2406d9dc56dffLL)}};
  /* Entry i of every lane: (2i + 1)P as a cached point; 2P cached for the additions. */
  ge8 acc = p, doubled;
  ge8_double(&doubled, &p);
  uint64_t doubled_cached[8][20];
  const uint64_t *doubled_entries[8];
  for (int lane = 0; lane < 8; lane++) doubled_entries[lane] = doubled_cached[lane];
  ge8_store_cached(&doubled_cached[0][0], 20, &doubled, &two_d);
  for (int i = 0; i < 8; i++) {
    ge8_store_cached(&out[0][i][0], 8 * 20, &acc, &two_d);
    if (i < 7) ge8_add_cached(&acc, &acc, doubled_entries, 0);
  }
}

IFMA void ed25519_pow22523_x8(uint64_t out[8][5], const uint64_t in[8][5]) {
  fe8 z, r;
  fe8_load(&z, &in[0][0], 5, 0);
  fe8_pow22523(&r, &z);
  fe8_store(&out[0][0], 5, 0, &r);
}

int ed25519_ifma_available(void) {
  static int available = -1;
  if (available < 0) {
    __builtin_cpu_init();
    /* TONGBAO_ED25519_SCALAR (any value) keeps the scalar path: for tests of it, and for comparisons. */
    available = getenv("TONGBAO_ED25519_SCALAR") == NULL && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma");
  }
  return available;
}

#else

int ed25519_ifma_available(void) { return 0; }

void ed25519_pow22523_x8(uint64_t out[8][5], const uint64_t in[8][5]) {
  (void)out;
  (void)in;
}

void ed25519_msm_x8(uint64_t out[8][20], int top, const uint32_t *step_starts, const ed25519_msm_step *steps) {
  (void)out;
  (void)top;
  (void)step_starts;
  (void)steps;
}

void ed25519_odd_multiples_x8(uint64_t out[8][8][20], int small_order[8], const uint64_t points[8][20]) {
  (void)out;
  (void)small_order;
  (void)points;
}

#endif
