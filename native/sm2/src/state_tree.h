#ifndef TONGBAO_STATE_TREE_H
#define TONGBAO_STATE_TREE_H
#include <node_api.h>

/* Adds the state tree's functions (stateTreeCreate, …) to the addon's exports; 0 on failure. */
int state_tree_register(napi_env env, napi_value exports);

#endif
