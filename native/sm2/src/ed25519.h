#ifndef TONGBAO_ED25519_H
#define TONGBAO_ED25519_H
#include <node_api.h>

/* Adds ed25519Verify and ed25519VerifyBatch to exports; 0 (with a pending exception) on failure. */
int ed25519_register(napi_env env, napi_value exports);

#endif
