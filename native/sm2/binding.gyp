{
  "targets": [
    {
      "target_name": "tongbao_sm2",
      "sources": ["src/sm2.c", "src/digest.c", "src/ed25519.c", "src/ed25519_ifma.c", "src/state_tree.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-deprecated-declarations"],
      "defines": ["NAPI_VERSION=8", "OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"]
    }
  ]
}
