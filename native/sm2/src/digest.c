/*
 * SHA-256 and SM3 digests through the OpenSSL linked into Node, one call per message
 * with a digest context kept per thread (per Node environment: worker threads get their
 * own). Why: libsodium's portable SHA-256 takes about 0.55 µs for a 65-byte tree node
 * here and node:crypto's one-shot hash about 1 µs, most of it creating objects; a reused
 * context on OpenSSL, which uses the CPU's SHA instructions where it has them, about
 * 0.2 µs. The state tree hashes tens of nodes per payment.
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <pthread.h>
#include "digest.h"

#define DIGEST_BYTES 32

static EVP_MD *sha256 = NULL;
static EVP_MD *sm3_md = NULL;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void) {
  sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  sm3_md = EVP_MD_fetch(NULL, "SM3", NULL);
}

static void context_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  EVP_MD_CTX_free((EVP_MD_CTX *)data);
}

static int uint8_view(napi_env env, napi_value value, unsigned char **data, size_t *length) {
  napi_typedarray_type type;
  void *raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_uint8_array) return 0;
  *data = raw;
  return 1;
}

/* (out, data): writes the digest of data into the first 32 bytes of out. */
static napi_value digest_into(napi_env env, napi_callback_info info, const EVP_MD *md) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    napi_throw_type_error(env, "TONGBAO_DIGEST_ARGUMENTS", "expected (out: Uint8Array, data: Uint8Array)");
    return NULL;
  }
  unsigned char *out;
  unsigned char *data;
  size_t out_length;
  size_t data_length;
  if (!uint8_view(env, argv[0], &out, &out_length) || out_length < DIGEST_BYTES || !uint8_view(env, argv[1], &data, &data_length)) {
    napi_throw_type_error(env, "TONGBAO_DIGEST_ARGUMENTS", "out must be a Uint8Array of at least 32 bytes and data a Uint8Array");
    return NULL;
  }
  EVP_MD_CTX *context = NULL;
  if (napi_get_instance_data(env, (void **)&context) != napi_ok || context == NULL) {
    napi_throw_error(env, "TONGBAO_DIGEST_STATE", "the digest context of this thread is missing");
    return NULL;
  }
  unsigned int written = 0;
  int ok = EVP_DigestInit_ex2(context, md, NULL) == 1 && EVP_DigestUpdate(context, data, data_length) == 1 &&
           EVP_DigestFinal_ex(context, out, &written) == 1 && written == DIGEST_BYTES;
  if (!ok) {
    ERR_clear_error();
    napi_throw_error(env, "TONGBAO_DIGEST_FAILED", "OpenSSL failed to compute a digest");
  }
  return NULL;
}

static napi_value sha256_into(napi_env env, napi_callback_info info) {
  return digest_into(env, info, sha256);
}

static napi_value sm3_into(napi_env env, napi_callback_info info) {
  return digest_into(env, info, sm3_md);
}

int digest_register(napi_env env, napi_value exports) {
  pthread_once(&fetch_once, fetch_digests);
  if (sha256 == NULL || sm3_md == NULL) {
    napi_throw_error(env, "TONGBAO_DIGEST_MISSING", "the OpenSSL linked into Node lacks SHA-256 or SM3");
    return 0;
  }
  EVP_MD_CTX *context = EVP_MD_CTX_new();
  if (context == NULL || napi_set_instance_data(env, context, context_finalize, NULL) != napi_ok) {
    EVP_MD_CTX_free(context);
    napi_throw_error(env, "TONGBAO_DIGEST_STATE", "cannot create a digest context");
    return 0;
  }
  napi_property_descriptor properties[] = {
    {"sha256Into", NULL, sha256_into, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sm3Into", NULL, sm3_into, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) == napi_ok;
}
