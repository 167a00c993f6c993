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

#endif
