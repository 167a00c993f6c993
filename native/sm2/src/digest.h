#ifndef TONGBAO_DIGEST_H
#define TONGBAO_DIGEST_H
#include <node_api.h>

/* Adds sha256Into and sm3Into to exports; 0 (with a pending exception) on failure. */
int digest_register(napi_env env, napi_value exports);

#endif
