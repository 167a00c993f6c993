/*
 * SM2 signature verification (GB/T 32918.2) through the OpenSSL that Node itself links,
 * exposed over Node-API. Why native: OpenSSL verifies SM2 several times faster than pure
 * JavaScript, and verification is every validator's hot path. Node's own crypto.verify
 * cannot be used: it treats a key on the SM2 curve as an ECDSA key and never hashes in
 * the signer's Z value, so its signatures are not SM2 signatures.
 *
 * The surface is deliberately small: parse a public key once into a handle (the caller
 * caches handles), then verify (handle, message, r||s). All encoding rules that make a
 * signature valid or not are checked here or in OpenSSL, never left to a caller.
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/err.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "digest.h"
#include "ed25519.h"
#include "state_tree.h"

#define PUBLIC_KEY_BYTES 65
#define SIGNATURE_BYTES 64

/* GB/T 35276 / GM/T 0009 default distinguishing identifier. */
static const char DEFAULT_ID[] = "1234567812345678";

/* The order n of the SM2 recommended curve, big-endian. */
static const unsigned char ORDER[32] = {
  0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
  0x72, 0x03, 0xDF, 0x6B, 0x21, 0xC6, 0x05, 0x2B, 0x53, 0xBB, 0xF4, 0x09, 0x39, 0xD5, 0x41, 0x23,
};

/*
 * Everything about a public key that does not depend on the message, computed once:
 * the parsed point, a verification context already initialised on it, and the signer's
 * Z value. A verification is then one SM3 over Z || M and one EVP_PKEY_verify.
 */
typedef struct {
  EVP_PKEY *pkey;
  EVP_PKEY_CTX *verify_ctx;
  unsigned char z[32];
} PublicKey;

/* Fetched once per process (worker threads load the addon again); freed at exit by OpenSSL. */
static EVP_MD *sm3 = NULL;
static pthread_once_t sm3_once = PTHREAD_ONCE_INIT;

static void fetch_sm3(void) {
  sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
}

static void key_free(PublicKey *key) {
  EVP_PKEY_CTX_free(key->verify_ctx);
  EVP_PKEY_free(key->pkey);
  free(key);
}

static void key_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  key_free((PublicKey *)data);
}

static const unsigned char CURVE_A_B_G[128] = {
  /* a */
  0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
  0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC,
  /* b */
  0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
  0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93,
  /* xG */
  0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
  0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7,
  /* yG */
  0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
  0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0,
};

/* Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), GB/T 32918.2 section 5.5. */
static int compute_z(unsigned char z[32], const unsigned char *raw_public_key, const unsigned char *id, size_t id_length) {
  const size_t id_bits = id_length * 8;
  const unsigned char entl[2] = {(unsigned char)(id_bits >> 8), (unsigned char)id_bits};
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok = md != NULL && EVP_DigestInit_ex2(md, sm3, NULL) == 1 && EVP_DigestUpdate(md, entl, 2) == 1 &&
           EVP_DigestUpdate(md, id, id_length) == 1 &&
           EVP_DigestUpdate(md, CURVE_A_B_G, sizeof CURVE_A_B_G) == 1 &&
           EVP_DigestUpdate(md, raw_public_key + 1, 64) == 1 && EVP_DigestFinal_ex(md, z, NULL) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

static int get_bytes(napi_env env, napi_value value, unsigned char **data, size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  size_t count;
  void *raw;
  if (napi_get_typedarray_info(env, value, &type, &count, &raw, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = (unsigned char *)raw;
  *length = count;
  return 1;
}

static napi_value make_bool(napi_env env, int value) {
  napi_value out;
  napi_get_boolean(env, value != 0, &out);
  return out;
}

static napi_value make_null(napi_env env) {
  napi_value out;
  napi_get_null(env, &out);
  return out;
}

/* 1 when 1 <= x <= n-1 for a 32-byte big-endian x. */
static int scalar_in_range(const unsigned char *x) {
  int nonzero = 0;
  for (int i = 0; i < 32; i++) nonzero |= x[i];
  if (!nonzero) return 0;
  return memcmp(x, ORDER, 32) < 0;
}

/*
 * publicKey(raw: Uint8Array, id?: Uint8Array) -> handle | null. The id defaults to the
 * standard one; another id exists only so tests can reproduce the standard's sample. The raw key is the 65-byte uncompressed
 * point 0x04 || x || y; OpenSSL's import rejects coordinates >= p and points off the
 * curve. The cofactor is 1, so every point on the curve other than infinity (which has
 * no 65-byte encoding) is a valid public key.
 */
static napi_value public_key(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return make_null(env);
  unsigned char *raw;
  size_t length;
  if (!get_bytes(env, argv[0], &raw, &length) || length != PUBLIC_KEY_BYTES || raw[0] != 0x04) return make_null(env);
  const unsigned char *id = (const unsigned char *)DEFAULT_ID;
  size_t id_length = sizeof DEFAULT_ID - 1;
  napi_valuetype id_kind = napi_undefined;
  if (argc >= 2 && napi_typeof(env, argv[1], &id_kind) == napi_ok && id_kind != napi_undefined) {
    unsigned char *given;
    /* ENTL is the id's length in bits in two bytes. */
    if (!get_bytes(env, argv[1], &given, &id_length) || id_length > 8191) return make_null(env);
    id = given;
  }

  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
  if (ctx == NULL) return make_null(env);
  EVP_PKEY *pkey = NULL;
  unsigned char copy[PUBLIC_KEY_BYTES];
  memcpy(copy, raw, PUBLIC_KEY_BYTES);
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"SM2", 0),
    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, copy, PUBLIC_KEY_BYTES),
    OSSL_PARAM_construct_end(),
  };
  int ok = EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok || pkey == NULL) {
    ERR_clear_error();
    EVP_PKEY_free(pkey);
    return make_null(env);
  }
  /* fromdata checks the encoding decodes; insist on a full public-key check as well. */
  EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  ok = check != NULL && EVP_PKEY_public_check(check) == 1;
  EVP_PKEY_CTX_free(check);
  if (!ok) {
    ERR_clear_error();
    EVP_PKEY_free(pkey);
    return make_null(env);
  }
  PublicKey *key = calloc(1, sizeof *key);
  if (key == NULL) {
    EVP_PKEY_free(pkey);
    return make_null(env);
  }
  key->pkey = pkey;
  key->verify_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
  if (key->verify_ctx == NULL || EVP_PKEY_verify_init(key->verify_ctx) != 1 || !compute_z(key->z, copy, id, id_length)) {
    ERR_clear_error();
    key_free(key);
    return make_null(env);
  }
  napi_value handle;
  if (napi_create_external(env, key, key_finalize, NULL, &handle) != napi_ok) {
    key_free(key);
    return make_null(env);
  }
  return handle;
}

/* DER of SEQUENCE { INTEGER r, INTEGER s } from 32-byte big-endian r and s (both non-zero). */
static size_t der_integer(unsigned char *out, const unsigned char *x) {
  int start = 0;
  while (start < 31 && x[start] == 0) start++;
  int pad = (x[start] & 0x80) != 0;
  size_t length = (size_t)(32 - start + pad);
  out[0] = 0x02;
  out[1] = (unsigned char)length;
  if (pad) out[2] = 0;
  memcpy(out + 2 + pad, x + start, (size_t)(32 - start));
  return 2 + length;
}

/* verify(handle, message: Uint8Array, signature: Uint8Array r||s) -> boolean */
static napi_value verify(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) return make_bool(env, 0);
  napi_valuetype kind;
  if (napi_typeof(env, argv[0], &kind) != napi_ok || kind != napi_external) return make_bool(env, 0);
  PublicKey *key;
  if (napi_get_value_external(env, argv[0], (void **)&key) != napi_ok || key == NULL) return make_bool(env, 0);
  unsigned char *message, *signature;
  size_t message_length, signature_length;
  if (!get_bytes(env, argv[1], &message, &message_length)) return make_bool(env, 0);
  if (!get_bytes(env, argv[2], &signature, &signature_length) || signature_length != SIGNATURE_BYTES) {
    return make_bool(env, 0);
  }
  if (!scalar_in_range(signature) || !scalar_in_range(signature + 32)) return make_bool(env, 0);

  unsigned char der[2 + 2 * 35];
  size_t r_length = der_integer(der + 2, signature);
  size_t s_length = der_integer(der + 2 + r_length, signature + 32);
  der[0] = 0x30;
  der[1] = (unsigned char)(r_length + s_length);
  size_t der_length = 2 + r_length + s_length;

  unsigned char e[32];
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok = md != NULL && EVP_DigestInit_ex2(md, sm3, NULL) == 1 && EVP_DigestUpdate(md, key->z, 32) == 1 &&
           EVP_DigestUpdate(md, message, message_length) == 1 && EVP_DigestFinal_ex(md, e, NULL) == 1;
  EVP_MD_CTX_free(md);
  ok = ok && EVP_PKEY_verify(key->verify_ctx, der, der_length, e, sizeof e) == 1;
  /* A failed verification leaves reasons on this thread's error queue; they must not pile up. */
  if (!ok) ERR_clear_error();
  return make_bool(env, ok);
}

static napi_value init(napi_env env, napi_value exports) {
  pthread_once(&sm3_once, fetch_sm3);
  if (sm3 == NULL) {
    napi_throw_error(env, "TONGBAO_SM2_NO_SM3", "the OpenSSL linked into Node has no SM3 digest");
    return NULL;
  }
  napi_property_descriptor properties[] = {
    {"publicKey", NULL, public_key, NULL, NULL, NULL, napi_enumerable, NULL},
    {"verify", NULL, verify, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  if (!digest_register(env, exports)) return NULL;
  if (!ed25519_register(env, exports)) return NULL;
  if (!state_tree_register(env, exports)) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
