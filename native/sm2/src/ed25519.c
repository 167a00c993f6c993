/*
 * Ed25519 signature verification, one at a time or many at once, under one rule:
 *
 *   - s is canonical (s < L);
 *   - A (the public key) and R (the signature's first half) are canonical point
 *     encodings (y < p; x = 0 with the sign bit set is refused) that decode to curve
 *     points, neither of small order;
 *   - the cofactored equation holds: [8]([s]B - R - [h]A) = 0, h = SHA-512(R || A || M) mod L.
 *
 * Why this rule and not libsodium's (which checks [s]B - [h]A == R without the factor 8):
 * only under the cofactored equation does checking many signatures at once give exactly
 * the verdict of checking each alone, so a node may batch however its transactions
 * arrive and still agree with every other node. The two rules differ only on signatures
 * built with a torsion component in A or R, which no honest signer produces. It is the
 * rule of RFC 8032's strict decoding with the cofactored check (as @noble/curves'
 * verify with zip215 false), plus the refusal of a small-order R.
 *
 * A batch of n signatures is checked as one multi-scalar multiplication:
 *   [8]( [sum z_i s_i]B - sum [z_i]R_i - sum [z_i h_i]A_i ) = 0
 * with 128-bit coefficients z_i derived by hashing the whole batch (deterministic: no
 * randomness, and an attacker who cannot choose the others' signatures cannot aim at the
 * z_i). If every signature is valid the sum is exactly zero; if one is not, it is zero
 * with probability about 2^-128. Straus' method shares the 253 doublings over the batch,
 * so each signature costs its two point decodings and about 64 additions. A key's decoding
 * is cached (wallets pay again and again); where the CPU has AVX-512 IFMA, R's square
 * roots run eight at a time and the sum as eight partial sums (ed25519_ifma.c).
 *
 * Field elements are five 51-bit limbs (unsigned __int128 products); points are in
 * extended twisted Edwards coordinates (Hisil, Wong, Carter and Dawson, 2008).
 */
#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include "ed25519.h"
#include "ed25519_ifma.h"

typedef unsigned __int128 u128;
typedef uint64_t fe[5];

#define MASK51 ((1ULL << 51) - 1)

/* ---------- the field GF(2^255 - 19) ---------- */

static const fe FE_D = {0x34dca135978a3ULL, 0x1a8283b156ebdULL, 0x5e7a26001c029ULL, 0x739c663a03cbbULL, 0x52036cee2b6ffULL};
static const fe FE_D2 = {0x69b9426b2f159ULL, 0x35050762add7aULL, 0x3cf44c0038052ULL, 0x6738cc7407977ULL, 0x2406d9dc56dffULL};
static const fe FE_SQRTM1 = {0x61b274a0ea0b0ULL, 0xd5a5fc8f189dULL, 0x7ef5e9cbd0c60ULL, 0x78595a6804c9eULL, 0x2b8324804fc1dULL};

static inline void fe_copy(fe h, const fe f) { memcpy(h, f, sizeof(fe)); }
static inline void fe_zero(fe h) { memset(h, 0, sizeof(fe)); }
static inline void fe_one(fe h) { fe_zero(h); h[0] = 1; }

/* Limbs back under 2^51 (h[0] may end slightly above after the wrap of the top carry). */
static inline void fe_carry(fe h) {
  uint64_t c;
  c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
  c = h[1] >> 51; h[1] &= MASK51; h[2] += c;
  c = h[2] >> 51; h[2] &= MASK51; h[3] += c;
  c = h[3] >> 51; h[3] &= MASK51; h[4] += c;
  c = h[4] >> 51; h[4] &= MASK51; h[0] += 19 * c;
}

/*
 * Sums and differences without the carry, for values that go straight into a
 * multiplication, whose reduction carries them: inputs with limbs below 2^52 (as products
 * and decoded values have) give outputs below 2^54, and fe_mul's 128-bit column sums hold
 * limbs up to 2^56. Not for anything compared, encoded or subtracted from again; fe_add
 * and fe_sub carry after them.
 */
static inline void fe_add_lazy(fe h, const fe f, const fe g) {
  for (int i = 0; i < 5; i++) h[i] = f[i] + g[i];
}

/* f - g + 4p, so that no limb goes negative for g's limbs below 2^53. */
static inline void fe_sub_lazy(fe h, const fe f, const fe g) {
  h[0] = f[0] + 0x1FFFFFFFFFFFB4ULL - g[0];
  h[1] = f[1] + 0x1FFFFFFFFFFFFCULL - g[1];
  h[2] = f[2] + 0x1FFFFFFFFFFFFCULL - g[2];
  h[3] = f[3] + 0x1FFFFFFFFFFFFCULL - g[3];
  h[4] = f[4] + 0x1FFFFFFFFFFFFCULL - g[4];
}

static inline void fe_add(fe h, const fe f, const fe g) {
  fe_add_lazy(h, f, g);
  fe_carry(h);
}

static inline void fe_sub(fe h, const fe f, const fe g) {
  fe_sub_lazy(h, f, g);
  fe_carry(h);
}

static inline void fe_neg(fe h, const fe f) {
  fe zero;
  fe_zero(zero);
  fe_sub(h, zero, f);
}

static inline void fe_reduce_product(fe h, u128 t0, u128 t1, u128 t2, u128 t3, u128 t4) {
  uint64_t r0, r1, r2, r3, r4;
  t1 += (uint64_t)(t0 >> 51); r0 = (uint64_t)t0 & MASK51;
  t2 += (uint64_t)(t1 >> 51); r1 = (uint64_t)t1 & MASK51;
  t3 += (uint64_t)(t2 >> 51); r2 = (uint64_t)t2 & MASK51;
  t4 += (uint64_t)(t3 >> 51); r3 = (uint64_t)t3 & MASK51;
  uint64_t c = (uint64_t)(t4 >> 51); r4 = (uint64_t)t4 & MASK51;
  u128 x = (u128)r0 + (u128)c * 19;
  r0 = (uint64_t)x & MASK51;
  r1 += (uint64_t)(x >> 51);
  h[0] = r0; h[1] = r1; h[2] = r2; h[3] = r3; h[4] = r4;
}

static inline void fe_mul(fe h, const fe f, const fe g) {
  const uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
  const uint64_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4];
  const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
  u128 t0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 + (u128)f4 * g1_19;
  u128 t1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 + (u128)f4 * g2_19;
  u128 t2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 + (u128)f4 * g3_19;
  u128 t3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19;
  u128 t4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0;
  fe_reduce_product(h, t0, t1, t2, t3, t4);
}

static inline void fe_sq(fe h, const fe f) {
  const uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
  const uint64_t d0 = 2 * f0, d1 = 2 * f1, d2 = 2 * f2, d3 = 2 * f3;
  const uint64_t f3_19 = 19 * f3, f4_19 = 19 * f4;
  u128 t0 = (u128)f0 * f0 + (u128)d1 * f4_19 + (u128)d2 * f3_19;
  u128 t1 = (u128)d0 * f1 + (u128)d2 * f4_19 + (u128)f3 * f3_19;
  u128 t2 = (u128)d0 * f2 + (u128)f1 * f1 + (u128)d3 * f4_19;
  u128 t3 = (u128)d0 * f3 + (u128)d1 * f2 + (u128)f4 * f4_19;
  u128 t4 = (u128)d0 * f4 + (u128)d1 * f3 + (u128)f2 * f2;
  fe_reduce_product(h, t0, t1, t2, t3, t4);
}

static void fe_sq_times(fe h, const fe f, int times) {
  fe_sq(h, f);
  for (int i = 1; i < times; i++) fe_sq(h, h);
}

/* The canonical 32-byte little-endian encoding (fully reduced mod p). */
static void fe_tobytes(unsigned char out[32], const fe f) {
  fe h;
  fe_copy(h, f);
  fe_carry(h);
  fe_carry(h);
  /* h < 2^255 + small; q = 1 exactly when h >= p. */
  uint64_t q = (h[0] + 19) >> 51;
  q = (h[1] + q) >> 51;
  q = (h[2] + q) >> 51;
  q = (h[3] + q) >> 51;
  q = (h[4] + q) >> 51;
  h[0] += 19 * q;
  uint64_t c;
  c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
  c = h[1] >> 51; h[1] &= MASK51; h[2] += c;
  c = h[2] >> 51; h[2] &= MASK51; h[3] += c;
  c = h[3] >> 51; h[3] &= MASK51; h[4] += c;
  h[4] &= MASK51;
  uint64_t w0 = h[0] | (h[1] << 51);
  uint64_t w1 = (h[1] >> 13) | (h[2] << 38);
  uint64_t w2 = (h[2] >> 26) | (h[3] << 25);
  uint64_t w3 = (h[3] >> 39) | (h[4] << 12);
  uint64_t words[4] = {w0, w1, w2, w3};
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 8; b++) out[8 * i + b] = (unsigned char)(words[i] >> (8 * b));
}

static uint64_t load64(const unsigned char *p) {
  uint64_t v = 0;
  for (int b = 7; b >= 0; b--) v = (v << 8) | p[b];
  return v;
}

/* The low 255 bits of s (the top bit is the caller's: a sign). */
static void fe_frombytes(fe h, const unsigned char s[32]) {
  uint64_t w0 = load64(s), w1 = load64(s + 8), w2 = load64(s + 16), w3 = load64(s + 24) & 0x7FFFFFFFFFFFFFFFULL;
  h[0] = w0 & MASK51;
  h[1] = ((w0 >> 51) | (w1 << 13)) & MASK51;
  h[2] = ((w1 >> 38) | (w2 << 26)) & MASK51;
  h[3] = ((w2 >> 25) | (w3 << 39)) & MASK51;
  h[4] = w3 >> 12;
}

static int fe_is_zero(const fe f) {
  unsigned char b[32];
  fe_tobytes(b, f);
  unsigned char acc = 0;
  for (int i = 0; i < 32; i++) acc |= b[i];
  return acc == 0;
}

static int fe_equal(const fe f, const fe g) {
  fe d;
  fe_sub(d, f, g);
  return fe_is_zero(d);
}

static int fe_is_odd(const fe f) {
  unsigned char b[32];
  fe_tobytes(b, f);
  return b[0] & 1;
}

/* z^(2^250 - 1). */
static void fe_pow_2_250_1(fe out, const fe z) {
  fe z2, t, z9, z11, z_5_0, z_10_0, z_20_0, z_40_0, z_50_0, z_100_0, z_200_0;
  fe_sq(z2, z);
  fe_sq_times(t, z2, 2);
  fe_mul(z9, t, z);
  fe_mul(z11, z9, z2);
  fe_sq(t, z11);
  fe_mul(z_5_0, t, z9);
  fe_sq_times(t, z_5_0, 5);
  fe_mul(z_10_0, t, z_5_0);
  fe_sq_times(t, z_10_0, 10);
  fe_mul(z_20_0, t, z_10_0);
  fe_sq_times(t, z_20_0, 20);
  fe_mul(z_40_0, t, z_20_0);
  fe_sq_times(t, z_40_0, 10);
  fe_mul(z_50_0, t, z_10_0);
  fe_sq_times(t, z_50_0, 50);
  fe_mul(z_100_0, t, z_50_0);
  fe_sq_times(t, z_100_0, 100);
  fe_mul(z_200_0, t, z_100_0);
  fe_sq_times(t, z_200_0, 50);
  fe_mul(out, t, z_50_0);
}

/* z^((p - 5) / 8) = z^(2^252 - 3). */
static void fe_pow22523(fe out, const fe z) {
  fe t;
  fe_pow_2_250_1(t, z);
  fe_sq_times(t, t, 2);
  fe_mul(out, t, z);
}

/* ---------- the group ---------- */

typedef struct { fe X, Y, Z, T; } ge;              /* x = X/Z, y = Y/Z, xy = T/Z */
typedef struct { fe YplusX, YminusX, Z2, T2d; } ge_cached; /* a point prepared to be added */

static void ge_identity(ge *p) {
  fe_zero(p->X); fe_one(p->Y); fe_one(p->Z); fe_zero(p->T);
}

static void ge_to_cached(ge_cached *c, const ge *p) {
  /* Carried, not lazy: the eight-lane sum (ed25519_ifma.c) reads these limbs, and IFMA takes 52 bits of each. */
  fe_add(c->YplusX, p->Y, p->X);
  fe_sub(c->YminusX, p->Y, p->X);
  fe_add(c->Z2, p->Z, p->Z);
  fe_mul(c->T2d, p->T, FE_D2);
}

/* r = p + q (q cached), or p - q when negate is set. Unified: valid for any inputs. */
static void ge_add_cached(ge *r, const ge *p, const ge_cached *q, int negate) {
  fe a, b, c, d, e, f, g, h, t;
  fe_sub_lazy(t, p->Y, p->X);
  fe_mul(a, t, negate ? q->YplusX : q->YminusX);
  fe_add_lazy(t, p->Y, p->X);
  fe_mul(b, t, negate ? q->YminusX : q->YplusX);
  fe_mul(c, p->T, q->T2d);
  fe_mul(d, p->Z, q->Z2);
  fe_sub_lazy(e, b, a);
  fe_add_lazy(h, b, a);
  /* -q has the negated T2d: c changes sign, so F = D - C and G = D + C trade places. */
  if (negate) {
    fe_add_lazy(f, d, c);
    fe_sub_lazy(g, d, c);
  } else {
    fe_sub_lazy(f, d, c);
    fe_add_lazy(g, d, c);
  }
  fe_mul(r->X, e, f);
  fe_mul(r->Y, g, h);
  fe_mul(r->T, e, h);
  fe_mul(r->Z, f, g);
}

/* r = 2p (a = -1). with_t = 0 skips T when the next step is another doubling. */
static void ge_double(ge *r, const ge *p, int with_t) {
  fe a, b, c, e, f, g, h, t;
  fe_sq(a, p->X);
  fe_sq(b, p->Y);
  fe_sq(c, p->Z);
  fe_add(c, c, c);
  fe_add(t, p->X, p->Y);
  fe_sq(e, t);
  fe_sub(e, e, a);
  fe_sub(e, e, b);          /* E = 2XY */
  fe_sub(g, b, a);          /* G = -A + B */
  fe_sub(f, g, c);          /* F = G - C */
  fe_neg(h, a);
  fe_sub(h, h, b);          /* H = -A - B */
  fe_mul(r->X, e, f);
  fe_mul(r->Y, g, h);
  if (with_t) fe_mul(r->T, e, h);
  fe_mul(r->Z, f, g);
}

static int ge_is_identity(const ge *p) {
  return fe_is_zero(p->X) && fe_equal(p->Y, p->Z);
}

int ed25519_is_identity_limbs(const uint64_t xyz[15]) {
  ge p;
  memcpy(p.X, xyz, sizeof p.X);
  memcpy(p.Y, xyz + 5, sizeof p.Y);
  memcpy(p.Z, xyz + 10, sizeof p.Z);
  return ge_is_identity(&p);
}

static int ge_has_small_order(const ge *p) {
  ge q;
  ge_double(&q, p, 0);
  ge_double(&q, &q, 0);
  ge_double(&q, &q, 1);
  return ge_is_identity(&q);
}

/* y < p for the low 255 bits of s. */
static int is_canonical_y(const unsigned char s[32]) {
  if ((s[31] & 0x7F) != 0x7F) return 1;
  for (int i = 30; i > 0; i--) if (s[i] != 0xFF) return 1;
  return s[0] < 0xED;
}

/*
 * A point's decoding (RFC 8032 5.1.3) in two halves around its one costly step, the
 * exponentiation w^((p - 5) / 8) of w = u v^7, so that a batch can run its R's
 * exponentiations eight at a time (ed25519_ifma.c). The first half is 0 if y is not
 * canonical; the second, given w's power, 0 if the encoding is not of a curve point.
 */
typedef struct { fe y, u, v, v3; } point_decoding;

static int ge_decode_begin(point_decoding *d, fe w, const unsigned char s[32]) {
  if (!is_canonical_y(s)) return 0;
  fe one;
  fe_one(one);
  fe_frombytes(d->y, s);
  fe_sq(d->u, d->y);
  fe_mul(d->v, d->u, FE_D);
  fe_sub(d->u, d->u, one);  /* u = y^2 - 1 */
  fe_add(d->v, d->v, one);  /* v = d y^2 + 1 */
  fe_sq(d->v3, d->v);
  fe_mul(d->v3, d->v3, d->v); /* v^3 */
  fe_sq(w, d->v3);
  fe_mul(w, w, d->v);
  fe_mul(w, w, d->u);       /* u v^7 */
  return 1;
}

static int ge_decode_end(ge *p, const point_decoding *d, const fe w_power, const unsigned char s[32]) {
  fe x, vxx, check;
  fe_mul(x, w_power, d->v3);
  fe_mul(x, x, d->u);       /* x = u v^3 (u v^7)^((p-5)/8) */
  fe_sq(vxx, x);
  fe_mul(vxx, vxx, d->v);
  if (!fe_equal(vxx, d->u)) {
    fe_neg(check, d->u);
    if (!fe_equal(vxx, check)) return 0;
    fe_mul(x, x, FE_SQRTM1);
  }
  int sign = s[31] >> 7;
  if (fe_is_zero(x) && sign) return 0;
  if (fe_is_odd(x) != sign) fe_neg(x, x);
  fe_copy(p->X, x);
  fe_copy(p->Y, d->y);
  fe_one(p->Z);
  fe_mul(p->T, x, d->y);
  return 1;
}

/* Decodes a canonical encoding (RFC 8032 5.1.3); 0 if it is not one of a curve point. */
static int ge_frombytes(ge *p, const unsigned char s[32]) {
  point_decoding d;
  fe w;
  if (!ge_decode_begin(&d, w, s)) return 0;
  fe_pow22523(w, w);
  return ge_decode_end(p, &d, w, s);
}

/*
 * ge_frombytes of count encodings `stride` bytes apart: ok[i] says whether the i-th is a
 * point, points[i] is it. The same verdicts and points as one by one; with AVX-512 IFMA
 * the exponentiations run eight at a time (about 0.9 µs an element against 4.3). 0 if out
 * of memory.
 */
static int ge_frombytes_many(ge *points, int *ok, const unsigned char *encodings, size_t stride, size_t count) {
  if (count < 2 || !ed25519_ifma_available()) {
    for (size_t i = 0; i < count; i++) ok[i] = ge_frombytes(&points[i], encodings + i * stride);
    return 1;
  }
  point_decoding *decodings = malloc(count * sizeof(point_decoding));
  uint64_t(*powers)[5] = malloc(count * sizeof *powers);
  if (decodings == NULL || powers == NULL) {
    free(decodings);
    free(powers);
    return 0;
  }
  for (size_t i = 0; i < count; i++) {
    ok[i] = ge_decode_begin(&decodings[i], powers[i], encodings + i * stride);
    if (!ok[i]) fe_one(powers[i]); /* a harmless input for its lane */
  }
  for (size_t start = 0; start < count; start += 8) {
    uint64_t in[8][5], out[8][5];
    size_t lanes = count - start < 8 ? count - start : 8;
    /* A short last group repeats its first element in the spare lanes. */
    for (size_t lane = 0; lane < 8; lane++) memcpy(in[lane], powers[start + (lane < lanes ? lane : 0)], sizeof in[lane]);
    ed25519_pow22523_x8(out, in);
    for (size_t lane = 0; lane < lanes; lane++) memcpy(powers[start + lane], out[lane], sizeof out[lane]);
  }
  for (size_t i = 0; i < count; i++) {
    if (ok[i]) ok[i] = ge_decode_end(&points[i], &decodings[i], powers[i], encodings + i * stride);
  }
  free(decodings);
  free(powers);
  return 1;
}

/* ---------- scalars ---------- */

static const unsigned char L_BYTES[32] = {
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};

/* s < L, comparing little-endian bytes from the top. */
static int is_canonical_scalar(const unsigned char s[32]) {
  for (int i = 31; i >= 0; i--) {
    if (s[i] < L_BYTES[i]) return 1;
    if (s[i] > L_BYTES[i]) return 0;
  }
  return 0;
}

/* Digits of a scalar in width-w non-adjacent form, only the non-zero ones, lowest first. */
#define DIGITS_MAX 64 /* at most 256 / w + 2 non-zero digits, for w >= 5 */
typedef struct {
  int count;
  uint16_t position[DIGITS_MAX];
  int8_t value[DIGITS_MAX];
} naf_digits;

/* The first position at or after `bit` whose bit is `want`, or 256. */
static inline int next_bit(const uint64_t k[4], int bit, int want) {
  while (bit < 256) {
    uint64_t word = want ? k[bit >> 6] : ~k[bit >> 6];
    word >>= (bit & 63);
    if (word != 0) return bit + __builtin_ctzll(word);
    bit = (bit | 63) + 1;
  }
  return 256;
}

/* Bits [bit, bit + count) of the scalar, count at most 9. */
static inline int bits_at(const uint64_t k[4], int bit, int count) {
  int limb = bit >> 6, shift = bit & 63;
  uint64_t v = k[limb] >> shift;
  if (shift + count > 64 && limb + 1 < 4) v |= k[limb + 1] << (64 - shift);
  return (int)(v & ((1u << count) - 1));
}

/*
 * The width-w non-adjacent form of a 256-bit little-endian scalar: digits that are zero
 * or odd in (-2^(w-1), 2^(w-1)), with sum digit_i 2^position_i equal to the scalar.
 * Scanning up with a carry of 0 or 1 owed to the current position: where bit + carry is
 * even the digit is zero (the carry moves on, so runs of such bits are skipped whole);
 * otherwise the next w bits plus the carry form an odd number, taken as is below 2^(w-1)
 * and as that minus 2^w (carry 1) above.
 */
static void wnaf(naf_digits *out, const unsigned char s[32], int w) {
  const uint64_t k[4] = {load64(s), load64(s + 8), load64(s + 16), load64(s + 24)};
  int carry = 0, n = 0;
  for (int bit = 0;;) {
    bit = next_bit(k, bit, !carry);
    if (bit >= 256) break;
    int now = w < 256 - bit ? w : 256 - bit;
    int word = bits_at(k, bit, now) + carry;
    carry = (word >> (w - 1)) & 1;
    out->position[n] = (uint16_t)bit;
    out->value[n] = (int8_t)(word - (carry << w));
    n++;
    bit += now;
  }
  if (carry) {
    out->position[n] = 256;
    out->value[n] = 1;
    n++;
  }
  out->count = n;
}

/* ---------- multi-scalar multiplication ---------- */

#define WINDOW 5
#define TABLE 8   /* odd multiples 1P, 3P, ..., 15P */
#define BASE_WINDOW 8
#define BASE_TABLE 64

static ge_cached base_table[BASE_TABLE];
/* The identity, cached: what a lane of the eight-lane sum adds when it has nothing to add. */
static ge_cached identity_cached;
static pthread_once_t base_once = PTHREAD_ONCE_INIT;
static int base_ready = 0;

static const unsigned char BASE_BYTES[32] = {
  0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
};

static void odd_multiples(ge_cached *table, int count, const ge *p) {
  ge p2, acc;
  ge_double(&p2, p, 1);
  ge_cached p2c;
  ge_to_cached(&p2c, &p2);
  acc = *p;
  ge_to_cached(&table[0], &acc);
  for (int i = 1; i < count; i++) {
    ge_add_cached(&acc, &acc, &p2c, 0);
    ge_to_cached(&table[i], &acc);
  }
}

static void build_base_table(void) {
  ge b;
  if (!ge_frombytes(&b, BASE_BYTES)) return;
  odd_multiples(base_table, BASE_TABLE, &b);
  ge identity;
  ge_identity(&identity);
  ge_to_cached(&identity_cached, &identity);
  base_ready = 1;
}

/* A term of a multi-scalar sum: a point's odd multiples and its scalar's digits. */
typedef struct {
  ge_cached table[TABLE];
  naf_digits digits;
} msm_term;

/* A non-zero digit of a term, filed by its position. */
typedef struct {
  uint32_t term;
  int32_t digit;
} msm_digit;

/*
 * The additions of msm's doubling loop shared among eight lanes, each summing its own
 * terms (a signature's two terms share a lane, the base point is lane 0's), with the
 * lanes' sums added at the end: the same point, since addition is associative. At each
 * position the lanes run as many steps as the busiest of them has digits there; the
 * others add the identity. 0 if out of memory.
 */
static int msm_eight_lanes(ge *r, const signed char base_digit[257], const msm_digit *digits, const uint32_t starts[258],
                           const msm_term *terms, int top) {
  ed25519_msm_step *steps = malloc(((size_t)starts[257] + 257) * sizeof *steps);
  uint32_t *step_starts = malloc(258 * sizeof(uint32_t));
  if (steps == NULL || step_starts == NULL) {
    free(steps);
    free(step_starts);
    return 0;
  }
  uint32_t n = 0;
  for (int i = 0; i <= 256; i++) {
    step_starts[i] = n;
    uint32_t used[8] = {0}, depth = 0;
    /* k = starts[i] - 1 stands for the base point's digit, when it has one here. */
    for (int64_t k = (int64_t)starts[i] - (base_digit[i] != 0); k < (int64_t)starts[i + 1]; k++) {
      int d, lane;
      const ge_cached *table;
      if (k < (int64_t)starts[i]) {
        d = base_digit[i];
        lane = 0;
        table = base_table;
      } else {
        d = digits[k].digit;
        lane = (int)((digits[k].term >> 1) & 7);
        table = terms[digits[k].term].table;
      }
      if (used[lane] == depth) {
        ed25519_msm_step *fresh = &steps[n + depth];
        for (int l = 0; l < 8; l++) fresh->entry[l] = (const uint64_t *)&identity_cached;
        fresh->negate = 0;
        depth++;
      }
      ed25519_msm_step *step = &steps[n + used[lane]++];
      step->entry[lane] = (const uint64_t *)&table[(d < 0 ? -d : d) >> 1];
      if (d < 0) step->negate |= (uint8_t)(1u << lane);
    }
    n += depth;
  }
  step_starts[257] = n;
  uint64_t lanes[8][20];
  ed25519_msm_x8(lanes, top, step_starts, steps);
  free(steps);
  free(step_starts);
  memcpy(r, lanes[0], sizeof *r);
  for (int lane = 1; lane < 8; lane++) {
    ge point;
    ge_cached cached;
    memcpy(&point, lanes[lane], sizeof point);
    ge_to_cached(&cached, &point);
    ge_add_cached(r, r, &cached, 0);
  }
  return 1;
}

/* Terms from which the eight-lane sum pays for its lanes' idle steps and final additions. */
#define MSM_EIGHT_LANES_TERMS_MIN 16

/*
 * [base_scalar]B + sum [scalar_i]P_i over prepared terms; the result's identity-ness is
 * what callers need. 0 if out of memory. The terms' digits are first filed by position,
 * so the doubling loop visits only the additions it makes, not every term at every bit.
 */
static int msm(ge *r, const unsigned char base_scalar[32], const msm_term *terms, size_t count) {
  naf_digits base;
  wnaf(&base, base_scalar, BASE_WINDOW);
  signed char base_digit[257] = {0};
  for (int k = 0; k < base.count; k++) base_digit[base.position[k]] = base.value[k];
  uint32_t starts[258] = {0};
  size_t total = 0;
  for (size_t j = 0; j < count; j++) {
    for (int k = 0; k < terms[j].digits.count; k++) starts[terms[j].digits.position[k] + 1]++;
    total += (size_t)terms[j].digits.count;
  }
  for (int i = 0; i < 257; i++) starts[i + 1] += starts[i];
  msm_digit *digits = malloc((total == 0 ? 1 : total) * sizeof(msm_digit));
  if (digits == NULL) return 0;
  uint32_t next[257];
  memcpy(next, starts, sizeof next);
  for (size_t j = 0; j < count; j++) {
    const naf_digits *own = &terms[j].digits;
    for (int k = 0; k < own->count; k++) digits[next[own->position[k]]++] = (msm_digit){(uint32_t)j, own->value[k]};
  }
  int top = 256;
  while (top >= 0 && base_digit[top] == 0 && starts[top] == starts[top + 1]) top--;
  if (count >= MSM_EIGHT_LANES_TERMS_MIN && ed25519_ifma_available()) {
    int done = msm_eight_lanes(r, base_digit, digits, starts, terms, top);
    free(digits);
    return done;
  }
  ge_identity(r);
  for (int i = top; i >= 0; i--) {
    /* T of a doubling is needed only when an addition follows it at the same position. */
    int adds = base_digit[i] != 0 || starts[i] != starts[i + 1];
    ge_double(r, r, adds || i == 0); /* the caller may add to the result */
    int d = base_digit[i];
    if (d > 0) ge_add_cached(r, r, &base_table[d >> 1], 0);
    else if (d < 0) ge_add_cached(r, r, &base_table[(-d) >> 1], 1);
    for (uint32_t k = starts[i]; k < starts[i + 1]; k++) {
      d = digits[k].digit;
      const ge_cached *table = terms[digits[k].term].table;
      if (d > 0) ge_add_cached(r, r, &table[d >> 1], 0);
      else ge_add_cached(r, r, &table[(-d) >> 1], 1);
    }
  }
  free(digits);
  return 1;
}

static int is_cofactored_identity(const ge *p) {
  return ge_has_small_order(p);
}

/* ---------- per-thread state: a SHA-512 context and a bignum context ---------- */

static EVP_MD *sha512 = NULL;
static BIGNUM *order = NULL;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_globals(void) {
  sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
  order = BN_lebin2bn(L_BYTES, 32, NULL);
}

typedef struct {
  EVP_MD_CTX *md;
  BN_CTX *bn;
} thread_state;

/* Per thread: each worker thread verifies on its own. Freed when the thread's Node environment ends (release_thread_state). */
static __thread thread_state state = {NULL, NULL};

static int ensure_state(void) {
  if (state.md == NULL) state.md = EVP_MD_CTX_new();
  if (state.bn == NULL) state.bn = BN_CTX_new();
  return state.md != NULL && state.bn != NULL;
}

/* h = SHA-512(R || A || M) mod L, little-endian into out. */
static int challenge(BIGNUM *h, const unsigned char *r, const unsigned char *a, const unsigned char *m, size_t m_length) {
  unsigned char digest[64];
  unsigned int written = 0;
  if (EVP_DigestInit_ex2(state.md, sha512, NULL) != 1 || EVP_DigestUpdate(state.md, r, 32) != 1 ||
      EVP_DigestUpdate(state.md, a, 32) != 1 || EVP_DigestUpdate(state.md, m, m_length) != 1 ||
      EVP_DigestFinal_ex(state.md, digest, &written) != 1 || written != 64)
    return 0;
  BIGNUM *wide = BN_lebin2bn(digest, 64, NULL);
  int ok = wide != NULL && BN_nnmod(h, wide, order, state.bn) == 1;
  BN_free(wide);
  return ok;
}

static int bn_to_scalar(unsigned char out[32], const BIGNUM *x) {
  return BN_bn2lebinpad(x, out, 32) == 32;
}

/*
 * Public keys seen before, decoded and prepared: a wallet pays again and again, and
 * decoding a key (a square root) and building its table of multiples is about a third
 * of a batched signature's cost. Per thread, two-way set-associative by the key's first
 * bytes (keys are uniformly random), the less recently used of a set evicted; only keys
 * that passed the rule's checks. Bounded: KEY_CACHE_SETS × 2 entries of about 1.3 KB,
 * touched only as keys arrive. (Direct-mapped with 4,096 slots, 2,000 wallets lost a
 * fifth of their entries to collisions: 18.7 µs a signature against 17.2 with none.)
 */
#define KEY_CACHE_SETS 8192
#define KEY_CACHE_WAYS 2

typedef struct {
  unsigned char key[32];
  /* When this entry was last used (a per-thread count); 0: empty. */
  uint64_t used;
  ge_cached negated_table[TABLE]; /* odd multiples of -A, as the equation uses them */
} key_entry;

static __thread key_entry *key_cache = NULL;
static __thread uint64_t key_cache_clock = 0;

/* The odd multiples of -A for a valid key (canonical, on the curve, not of small order); NULL if it is not one. */
static const ge_cached *prepared_key(const unsigned char a_bytes[32], ge_cached scratch[TABLE]) {
  if (key_cache == NULL) key_cache = calloc((size_t)KEY_CACHE_SETS * KEY_CACHE_WAYS, sizeof(key_entry));
  key_entry *entry = NULL;
  if (key_cache != NULL) {
    key_entry *set = &key_cache[((a_bytes[0] | (a_bytes[1] << 8)) & (KEY_CACHE_SETS - 1)) * KEY_CACHE_WAYS];
    key_cache_clock++;
    for (int way = 0; way < KEY_CACHE_WAYS; way++) {
      if (set[way].used != 0 && memcmp(set[way].key, a_bytes, 32) == 0) {
        set[way].used = key_cache_clock;
        return set[way].negated_table;
      }
    }
    entry = &set[0];
    for (int way = 1; way < KEY_CACHE_WAYS; way++) if (set[way].used < entry->used) entry = &set[way];
  }
  ge a;
  if (!ge_frombytes(&a, a_bytes) || ge_has_small_order(&a)) return NULL;
  fe_neg(a.X, a.X);
  fe_neg(a.T, a.T);
  ge_cached *table = entry != NULL ? entry->negated_table : scratch;
  odd_multiples(table, TABLE, &a);
  if (entry != NULL) {
    memcpy(entry->key, a_bytes, 32);
    entry->used = key_cache_clock;
  }
  return table;
}

/*
 * Into terms[2i] the odd multiples of -R_i, and into small[i] whether R_i is of small
 * order, for valid points rs[0 .. count), eight at a time in the IFMA lanes (a short last
 * group repeats its first point in the spare lanes).
 */
static void r_tables_eight_at_a_time(msm_term *terms, int *small, const ge *rs, size_t count) {
  for (size_t start = 0; start < count; start += 8) {
    size_t lanes = count - start < 8 ? count - start : 8;
    uint64_t points[8][20], tables[8][8][20];
    int small_order[8];
    for (size_t lane = 0; lane < 8; lane++) {
      ge negated = rs[start + (lane < lanes ? lane : 0)];
      fe_neg(negated.X, negated.X);
      fe_neg(negated.T, negated.T);
      memcpy(points[lane], &negated, sizeof points[lane]);
    }
    ed25519_odd_multiples_x8(tables, small_order, points);
    for (size_t lane = 0; lane < lanes; lane++) {
      memcpy(terms[2 * (start + lane)].table, tables[lane], sizeof terms[0].table);
      small[start + lane] = small_order[lane];
    }
  }
}

/* -1 on an internal failure (OpenSSL), else 1 when all valid, 0 when not. */
static int verify_batch(const unsigned char *keys, const unsigned char *signatures, const unsigned char *messages,
                        size_t messages_length, const uint32_t *message_ends, size_t count) {
  if (!base_ready || !ensure_state()) return -1;
  /* Reject what the rule refuses before any arithmetic on the sums. */
  msm_term *terms = calloc(2 * count, sizeof(msm_term));
  ge *rs = malloc(count * sizeof(ge));
  int *r_valid = malloc(count * sizeof(int));
  int *r_small = NULL;
  int result = 1;
  /* Every R first: their square roots run eight at a time where the CPU can. */
  if (terms == NULL || rs == NULL || r_valid == NULL || !ge_frombytes_many(rs, r_valid, signatures, 64, count)) {
    free(terms);
    free(rs);
    free(r_valid);
    return -1;
  }
  BIGNUM *h = BN_new(), *z = BN_new(), *zh = BN_new(), *zs = BN_new(), *s = BN_new(), *base = BN_new();
  EVP_MD_CTX *seed_md = EVP_MD_CTX_new();
  unsigned char seed[64];
  unsigned int written = 0;
  if (h == NULL || z == NULL || zh == NULL || zs == NULL || s == NULL || base == NULL || seed_md == NULL) { result = -1; goto done; }
  /* With the lanes: every R's table and small-order test eight at a time; r_small then says they are made. */
  if (count >= 8 && ed25519_ifma_available()) {
    for (size_t i = 0; i < count; i++) {
      if (!r_valid[i]) { result = 0; goto done; } /* the lanes take points only */
    }
    r_small = malloc(count * sizeof(int));
    if (r_small == NULL) { result = -1; goto done; }
    r_tables_eight_at_a_time(terms, r_small, rs, count);
  }
  BN_zero(base);
  /* The coefficients' seed: everything the batch verifies, so none can be chosen against it. */
  if (EVP_DigestInit_ex2(seed_md, sha512, NULL) != 1) { result = -1; goto done; }
  static const char tag[] = "tongbao ed25519 batch coefficients";
  EVP_DigestUpdate(seed_md, tag, sizeof tag - 1);
  EVP_DigestUpdate(seed_md, keys, 32 * count);
  EVP_DigestUpdate(seed_md, signatures, 64 * count);
  EVP_DigestUpdate(seed_md, message_ends, 4 * count);
  EVP_DigestUpdate(seed_md, messages, messages_length);
  if (EVP_DigestFinal_ex(seed_md, seed, &written) != 1) { result = -1; goto done; }

  uint32_t start = 0;
  ge_cached lone_r;
  unsigned char coefficients[64];
  for (size_t i = 0; i < count; i++) {
    const unsigned char *a_bytes = keys + 32 * i;
    const unsigned char *r_bytes = signatures + 64 * i;
    const unsigned char *s_bytes = signatures + 64 * i + 32;
    uint32_t end = message_ends[i];
    /* Ends that run backwards or past the messages make no message: invalid, never read. */
    if (end < start || end > messages_length) { result = 0; goto done; }
    ge r = rs[i];
    ge_cached key_scratch[TABLE];
    const ge_cached *a_table = is_canonical_scalar(s_bytes) ? prepared_key(a_bytes, key_scratch) : NULL;
    if (a_table == NULL || !r_valid[i] || (r_small != NULL ? r_small[i] : ge_has_small_order(&r))) {
      result = 0;
      goto done;
    }
    if (!challenge(h, r_bytes, a_bytes, messages + start, end - start)) { result = -1; goto done; }
    start = end;
    unsigned char zbytes[32] = {0};
    if (count == 1) {
      zbytes[0] = 1;
    } else {
      /* One SHA-512 of (seed, i / 4) gives the 16-byte coefficients of four signatures. */
      if (i % 4 == 0) {
        unsigned char block[68];
        size_t group = i / 4;
        memcpy(block, seed, 64);
        block[64] = (unsigned char)group; block[65] = (unsigned char)(group >> 8); block[66] = (unsigned char)(group >> 16); block[67] = (unsigned char)(group >> 24);
        unsigned int n = 0;
        if (EVP_Digest(block, sizeof block, coefficients, &n, sha512, NULL) != 1) { result = -1; goto done; }
      }
      memcpy(zbytes, coefficients + 16 * (i % 4), 16);
      zbytes[15] |= 0x80; /* never zero */
    }
    if (BN_lebin2bn(zbytes, 32, z) == NULL || BN_lebin2bn(s_bytes, 32, s) == NULL ||
        BN_mod_mul(zh, z, h, order, state.bn) != 1 || BN_mod_mul(zs, z, s, order, state.bn) != 1 ||
        BN_mod_add(base, base, zs, order, state.bn) != 1) {
      result = -1;
      goto done;
    }
    /* -z R and -(z h) A: the points are negated, the scalars stay positive. */
    fe_neg(r.X, r.X); fe_neg(r.T, r.T);
    unsigned char zh_bytes[32];
    if (!bn_to_scalar(zh_bytes, zh)) { result = -1; goto done; }
    if (count == 1) {
      /* Alone, R's coefficient is 1: it is subtracted once at the end rather than given a table. */
      ge_to_cached(&lone_r, &r);
      /* A copy: a later key of the batch may take the same cache slot. */
      memcpy(terms[0].table, a_table, sizeof terms[0].table);
      wnaf(&terms[0].digits, zh_bytes, WINDOW);
    } else {
      if (r_small == NULL) odd_multiples(terms[2 * i].table, TABLE, &r);
      wnaf(&terms[2 * i].digits, zbytes, WINDOW);
      memcpy(terms[2 * i + 1].table, a_table, sizeof terms[2 * i + 1].table);
      wnaf(&terms[2 * i + 1].digits, zh_bytes, WINDOW);
    }
  }
  {
    unsigned char base_bytes[32];
    if (!bn_to_scalar(base_bytes, base)) { result = -1; goto done; }
    ge sum;
    if (!msm(&sum, base_bytes, terms, count == 1 ? 1 : 2 * count)) { result = -1; goto done; }
    if (count == 1) ge_add_cached(&sum, &sum, &lone_r, 0);
    result = is_cofactored_identity(&sum);
  }
done:
  if (result == -1) ERR_clear_error();
  BN_free(h); BN_free(z); BN_free(zh); BN_free(zs); BN_free(s); BN_free(base);
  EVP_MD_CTX_free(seed_md);
  free(terms);
  free(rs);
  free(r_valid);
  free(r_small);
  return result;
}

/* ---------- Node-API ---------- */

static int bytes_of(napi_env env, napi_value value, napi_typedarray_type want, unsigned char **data, size_t *length) {
  napi_typedarray_type type;
  void *raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != want) return 0;
  *data = raw;
  return 1;
}

static napi_value boolean(napi_env env, int value) {
  napi_value result;
  napi_get_boolean(env, value, &result);
  return result;
}

static napi_value outcome(napi_env env, int result) {
  if (result < 0) {
    napi_throw_error(env, "TONGBAO_ED25519_FAILED", "OpenSSL failed while verifying Ed25519 signatures");
    return NULL;
  }
  return boolean(env, result);
}

/* (publicKey, message, signature) → boolean; wrong lengths are an invalid signature. */
static napi_value verify_one(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  unsigned char *key, *message, *signature;
  size_t key_length, message_length, signature_length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      !bytes_of(env, argv[0], napi_uint8_array, &key, &key_length) ||
      !bytes_of(env, argv[1], napi_uint8_array, &message, &message_length) ||
      !bytes_of(env, argv[2], napi_uint8_array, &signature, &signature_length)) {
    napi_throw_type_error(env, "TONGBAO_ED25519_ARGUMENTS", "expected (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array)");
    return NULL;
  }
  if (key_length != 32 || signature_length != 64 || message_length > UINT32_MAX) return boolean(env, 0);
  uint32_t end = (uint32_t)message_length;
  return outcome(env, verify_batch(key, signature, message, message_length, &end, 1));
}

/* (publicKeys n×32, signatures n×64, messages concatenated, messageEnds Uint32Array n) → all valid. */
static napi_value verify_many(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  unsigned char *keys, *signatures, *messages, *ends;
  size_t keys_length, signatures_length, messages_length, ends_length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 ||
      !bytes_of(env, argv[0], napi_uint8_array, &keys, &keys_length) ||
      !bytes_of(env, argv[1], napi_uint8_array, &signatures, &signatures_length) ||
      !bytes_of(env, argv[2], napi_uint8_array, &messages, &messages_length) ||
      !bytes_of(env, argv[3], napi_uint32_array, &ends, &ends_length)) {
    napi_throw_type_error(env, "TONGBAO_ED25519_ARGUMENTS",
                          "expected (publicKeys: Uint8Array, signatures: Uint8Array, messages: Uint8Array, messageEnds: Uint32Array)");
    return NULL;
  }
  size_t count = ends_length;
  const uint32_t *message_ends = (const uint32_t *)ends;
  if (keys_length != 32 * count || signatures_length != 64 * count || (count > 0 && message_ends[count - 1] != messages_length)) {
    napi_throw_range_error(env, "TONGBAO_ED25519_ARGUMENTS",
                           "a batch needs 32 key bytes and 64 signature bytes per message, and messageEnds ending at the messages' length");
    return NULL;
  }
  if (count == 0) return boolean(env, 1);
  return outcome(env, verify_batch(keys, signatures, messages, messages_length, message_ends, count));
}

/* Cleanup hook of a Node environment, run on its thread as it ends: that thread's contexts and key cache. */
static void release_thread_state(void *unused) {
  (void)unused;
  EVP_MD_CTX_free(state.md);
  BN_CTX_free(state.bn);
  state.md = NULL;
  state.bn = NULL;
  free(key_cache);
  key_cache = NULL;
}

int ed25519_register(napi_env env, napi_value exports) {
  pthread_once(&fetch_once, fetch_globals);
  pthread_once(&base_once, build_base_table);
  if (sha512 == NULL || order == NULL || !base_ready) {
    napi_throw_error(env, "TONGBAO_ED25519_SETUP", "cannot set up Ed25519 verification (SHA-512 missing from OpenSSL?)");
    return 0;
  }
  if (napi_add_env_cleanup_hook(env, release_thread_state, NULL) != napi_ok) {
    napi_throw_error(env, "TONGBAO_ED25519_SETUP", "cannot register the Ed25519 state's cleanup");
    return 0;
  }
  napi_property_descriptor properties[] = {
    {"ed25519Verify", NULL, verify_one, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ed25519VerifyBatch", NULL, verify_many, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) == napi_ok;
}
