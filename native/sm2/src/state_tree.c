/*
 * The state tree's pages and its update pass in native memory: the same compressed
 * sparse Merkle tree, the same page records, the same roots as the JavaScript reference
 * in packages/storage/src/state-tree.ts, whose comments explain the layout and the
 * algorithm. This file follows that reference step for step; the storage tests run both
 * over the same random changes and require equal roots, records and proofs.
 *
 * Why native: in JavaScript a block's update spends most of its time around the hashing
 * — Map lookups of page ids, 2 KB page copies made as typed arrays, the hash and view
 * objects the scavenger copies, page faults as the heap grows — about 25 µs a payment
 * on a validator's main thread, a third of it. Here a page is one malloc'd struct, its
 * id a few bytes in an open-addressing table, and a hash 32 bytes in a per-pass arena.
 *
 * The store stays in JavaScript: a page missing from memory is read through `fetch`
 * (a synchronous call back into JavaScript) and checked against its parent's hash as
 * in the reference. Everything a call allocates besides the pages it hands out is freed
 * before it returns; a failure (a corrupt page, an exception thrown by `fetch`, a broken
 * assertion) unwinds through longjmp to the entry point, frees the pass, and leaves the
 * committed tree as it was.
 */
#include <dlfcn.h>
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "state_tree.h"

#define HASH_BYTES 32
#define NODE_SLOTS 15
#define HASH_SLOTS 31
#define BOTTOM_SLOT 7
#define CELLS (HASH_SLOTS + 2 * NODE_SLOTS)
#define RECORD_VERSION 0x01
#define HEADER_BYTES 5
#define DEPTH_BITS 4
#define LEAF_TAG 0x10
#define INNER_TAG 0x11
/* Prefix byte, level, and at most 32 path bytes. */
#define ID_BYTES_MAX 34
#define ARENA_CHUNK_BYTES (64 * 1024)
/* Freed pages kept for reuse (about 8 MB): a block clones and frees thousands of 2 KB
 * pages, and glibc serves that size from its slow bins (splitting and coalescing). */
#define SPARE_PAGES_MAX 4096

enum { EMPTY = 0, LEAF = 1, INNER = 2 };

static const uint8_t ZERO_HASH[HASH_BYTES] = {0};

typedef struct {
  uint32_t kinds;   /* kinds of slots 0…14, 2 bits each, slot 0 highest */
  uint32_t present; /* bit c set when hash slot c holds a hash */
  /* Hash cells 0…30, then a key and a value cell per node slot; see page_new for which hold data. */
  uint8_t cells[CELLS * HASH_BYTES];
} Page;

typedef struct {
  uint8_t length;
  uint8_t bytes[ID_BYTES_MAX];
} PageId;

typedef struct {
  uint32_t hash;
  uint8_t used;
  PageId id;
  Page *page; /* NULL in the dirty table: the page is deleted at the next checkpoint */
} Slot;

typedef struct {
  Slot *slots;
  uint32_t capacity; /* a power of two */
  uint32_t size;
} Table;

typedef struct ArenaChunk {
  struct ArenaChunk *next;
  size_t used;
  size_t capacity;
  uint8_t data[];
} ArenaChunk;

typedef struct {
  double node_reads, node_cache_hits, node_writes, node_deletes, hashes, load_hashes;
} Stats;

typedef struct {
  napi_env env;
  int direct_sha256; /* hash with OpenSSL's SHA256_* functions (direct_sha256_available) rather than EVP */
  EVP_MD *md; /* NULL: hash through the JavaScript function in hash_ref */
  EVP_MD_CTX *context;
  napi_ref hash_ref;
  napi_ref fetch_ref;
  uint8_t page_prefix;
  Table dirty;
  Table young, old; /* the page cache, two generations as in generation-cache.ts */
  uint32_t generation_max;
  uint8_t root[HASH_BYTES];
  double hash_count;
  /* Freed pages for reuse, linked through their first bytes. */
  void *spare_pages;
  size_t spare_page_count;
  /* Per call: scratch memory, pages to free when it returns, where to unwind to. */
  ArenaChunk *arena;
  Page **graveyard;
  size_t graveyard_size, graveyard_capacity;
  jmp_buf fail;
} Tree;

typedef struct {
  PageId id;
  Page *page; /* NULL: delete */
} WrittenPage;

typedef struct {
  uint8_t previous_root[HASH_BYTES];
  uint8_t root[HASH_BYTES];
  WrittenPage *pages;
  size_t page_count;
  int applied;
} Prepared;

/* ---- failures ---------------------------------------------------------------- */

static void hex(const uint8_t *bytes, size_t length, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < length; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * length] = 0;
}

/* Throws (unless an exception is already pending, e.g. from fetch) and unwinds the call. */
static void fail_with(Tree *tree, const char *code, const char *message) {
  bool pending = false;
  napi_is_exception_pending(tree->env, &pending);
  if (!pending) napi_throw_error(tree->env, code, message);
  longjmp(tree->fail, 1);
}

static void check(Tree *tree, int condition, const char *message) {
  if (!condition) fail_with(tree, "TONGBAO_ASSERTION", message);
}

static void corrupt(Tree *tree, const PageId *id, const char *message) {
  char text[2 * ID_BYTES_MAX + 256];
  char key[2 * ID_BYTES_MAX + 1];
  hex(id->bytes, id->length, key);
  snprintf(text, sizeof text, "state tree page %s %s", key, message);
  fail_with(tree, "CORRUPT_STORE", text);
}

static void out_of_memory(Tree *tree) {
  fail_with(tree, "TONGBAO_OUT_OF_MEMORY", "the state tree could not allocate memory");
}

/* ---- memory -------------------------------------------------------------------- */

static void *arena_alloc(Tree *tree, size_t bytes) {
  bytes = (bytes + 7) & ~(size_t)7;
  ArenaChunk *chunk = tree->arena;
  if (chunk == NULL || chunk->capacity - chunk->used < bytes) {
    size_t capacity = bytes > ARENA_CHUNK_BYTES ? bytes : ARENA_CHUNK_BYTES;
    ArenaChunk *fresh = malloc(sizeof(ArenaChunk) + capacity);
    if (fresh == NULL) out_of_memory(tree);
    fresh->next = chunk;
    fresh->used = 0;
    fresh->capacity = capacity;
    tree->arena = chunk = fresh;
  }
  void *memory = chunk->data + chunk->used;
  chunk->used += bytes;
  return memory;
}

/* Empties the arena, keeping its newest chunk for the next call unless `all`. */
static void arena_free(Tree *tree, int all) {
  ArenaChunk *kept = all ? NULL : tree->arena;
  ArenaChunk *chunk = kept == NULL ? tree->arena : kept->next;
  while (chunk != NULL) {
    ArenaChunk *next = chunk->next;
    free(chunk);
    chunk = next;
  }
  if (kept != NULL) {
    kept->next = NULL;
    kept->used = 0;
  }
  tree->arena = kept;
}

static Page *page_alloc(Tree *tree) {
  if (tree->spare_pages != NULL) {
    Page *page = tree->spare_pages;
    memcpy(&tree->spare_pages, page, sizeof(void *));
    tree->spare_page_count--;
    return page;
  }
  Page *page = malloc(sizeof(Page));
  if (page == NULL) out_of_memory(tree);
  return page;
}

static void page_free(Tree *tree, Page *page) {
  if (page == NULL) return;
  if (tree->spare_page_count >= SPARE_PAGES_MAX) {
    free(page);
    return;
  }
  memcpy(page, &tree->spare_pages, sizeof(void *));
  tree->spare_pages = page;
  tree->spare_page_count++;
}

/* A page's cells are meaningful only where its bits say so (a hash slot whose present bit
 * is set, the key and value cells of a LEAF slot); nothing reads the others, so a new
 * page leaves them as they are and a clone copies only the cells in use. Most pages deep
 * in the tree hold a few leaves: their clone copies a few hundred bytes, not 2 KB, and
 * touches as few cache lines of both copies. */
static Page *page_new(Tree *tree) {
  Page *page = page_alloc(tree);
  page->kinds = 0;
  page->present = 0;
  return page;
}

static inline int page_kind(const Page *page, int slot);

static Page *page_clone(Tree *tree, const Page *source) {
  Page *page = page_alloc(tree);
  page->kinds = source->kinds;
  page->present = source->present;
  for (uint32_t present = source->present; present != 0; present &= present - 1) {
    int cell = __builtin_ctz(present);
    memcpy(page->cells + cell * HASH_BYTES, source->cells + cell * HASH_BYTES, HASH_BYTES);
  }
  for (int slot = 0; slot < NODE_SLOTS; slot++) {
    if (page_kind(source, slot) != LEAF) continue;
    int first = HASH_SLOTS + 2 * slot;
    memcpy(page->cells + first * HASH_BYTES, source->cells + first * HASH_BYTES, 2 * HASH_BYTES);
  }
  return page;
}

/* A page no longer reachable from the tree, freed when the current call returns
 * (a pass in progress may still read it). */
static void bury(Tree *tree, Page *page) {
  if (page == NULL) return;
  if (tree->graveyard_size == tree->graveyard_capacity) {
    size_t capacity = tree->graveyard_capacity == 0 ? 64 : 2 * tree->graveyard_capacity;
    Page **grown = realloc(tree->graveyard, capacity * sizeof(Page *));
    if (grown == NULL) {
      page_free(tree, page);
      out_of_memory(tree);
    }
    tree->graveyard = grown;
    tree->graveyard_capacity = capacity;
  }
  tree->graveyard[tree->graveyard_size++] = page;
}

/* What every entry point does before it returns, whether it succeeded or unwound. */
static void end_call(Tree *tree) {
  for (size_t i = 0; i < tree->graveyard_size; i++) page_free(tree, tree->graveyard[i]);
  tree->graveyard_size = 0;
  arena_free(tree, 0);
}

/* ---- pages ----------------------------------------------------------------------- */

static inline int page_kind(const Page *page, int slot) {
  return (page->kinds >> (2 * (NODE_SLOTS - 1 - slot))) & 3;
}

static inline void page_set_kind(Page *page, int slot, int kind) {
  int shift = 2 * (NODE_SLOTS - 1 - slot);
  page->kinds = (page->kinds & ~(3u << shift)) | ((uint32_t)kind << shift);
}

static inline uint8_t *page_cell(Page *page, int index) {
  return page->cells + index * HASH_BYTES;
}

static inline const uint8_t *page_hash(const Page *page, int slot) {
  return ((page->present >> slot) & 1) ? page->cells + slot * HASH_BYTES : NULL;
}

static inline void page_set_hash(Page *page, int slot, const uint8_t *hash) {
  if (hash == NULL) {
    page->present &= ~(1u << slot);
  } else {
    memmove(page_cell(page, slot), hash, HASH_BYTES);
    page->present |= 1u << slot;
  }
}

static inline const uint8_t *page_key_hash(const Page *page, int slot) {
  return page_kind(page, slot) == LEAF ? page->cells + (HASH_SLOTS + 2 * slot) * HASH_BYTES : NULL;
}

static inline const uint8_t *page_value_hash(const Page *page, int slot) {
  return page_kind(page, slot) == LEAF ? page->cells + (HASH_SLOTS + 2 * slot + 1) * HASH_BYTES : NULL;
}

/* The key and value cells of a slot the caller makes a LEAF; NULL leaves a cell unused. */
static inline void page_set_leaf(Page *page, int slot, const uint8_t *key_hash, const uint8_t *value_hash) {
  if (key_hash != NULL) memmove(page_cell(page, HASH_SLOTS + 2 * slot), key_hash, HASH_BYTES);
  if (value_hash != NULL) memmove(page_cell(page, HASH_SLOTS + 2 * slot + 1), value_hash, HASH_BYTES);
}

static int is_zero_hash(const uint8_t *hash) {
  return memcmp(hash, ZERO_HASH, HASH_BYTES) == 0;
}

static int same_hash(const uint8_t *a, const uint8_t *b) {
  return a == NULL ? b == NULL : b != NULL && (a == b || memcmp(a, b, HASH_BYTES) == 0);
}

static inline int path_bit(const uint8_t *path, int depth) {
  return (path[depth >> 3] >> (7 - (depth & 7))) & 1;
}

/* The store key of the page at `level` on `path`, as keys.ts pageKey. */
static void page_id(const Tree *tree, int level, const uint8_t *path, int last_bit, PageId *id) {
  int depth = level * DEPTH_BITS;
  int bytes = (depth + 7) >> 3;
  id->length = (uint8_t)(2 + bytes);
  id->bytes[0] = tree->page_prefix;
  id->bytes[1] = (uint8_t)level;
  if (bytes > 0) memcpy(id->bytes + 2, path, bytes);
  int rest = depth & 7;
  if (rest != 0) id->bytes[1 + bytes] &= (uint8_t)(0xff << (8 - rest));
  if (last_bit != -1) {
    int bit = depth - 1;
    int at = 2 + (bit >> 3);
    uint8_t mask = (uint8_t)(0x80 >> (bit & 7));
    id->bytes[at] = last_bit == 1 ? (id->bytes[at] | mask) : (id->bytes[at] & ~mask);
  }
}

static uint32_t id_hash(const PageId *id) {
  uint32_t hash = 2166136261u;
  for (int i = 0; i < id->length; i++) hash = (hash ^ id->bytes[i]) * 16777619u;
  return hash ^ (hash >> 15);
}

/* ---- page tables (open addressing, linear probing, backward-shift deletion) ------- */

static int table_init(Table *table, uint32_t capacity) {
  table->slots = calloc(capacity, sizeof(Slot));
  table->capacity = capacity;
  table->size = 0;
  return table->slots != NULL;
}

static Slot *table_find(const Table *table, const PageId *id, uint32_t hash) {
  uint32_t mask = table->capacity - 1;
  for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
    Slot *slot = &table->slots[i];
    if (!slot->used) return NULL;
    if (slot->hash == hash && slot->id.length == id->length && memcmp(slot->id.bytes, id->bytes, id->length) == 0) return slot;
  }
}

static void table_grow(Tree *tree, Table *table) {
  Table grown;
  if (!table_init(&grown, table->capacity * 2)) out_of_memory(tree);
  uint32_t mask = grown.capacity - 1;
  for (uint32_t i = 0; i < table->capacity; i++) {
    Slot *slot = &table->slots[i];
    if (!slot->used) continue;
    uint32_t j = slot->hash & mask;
    while (grown.slots[j].used) j = (j + 1) & mask;
    grown.slots[j] = *slot;
  }
  grown.size = table->size;
  free(table->slots);
  *table = grown;
}

/* Sets id → page; returns the page it replaces (or NULL), through `replaced`. */
static void table_put(Tree *tree, Table *table, const PageId *id, uint32_t hash, Page *page, Page **replaced, int *existed) {
  Slot *found = table_find(table, id, hash);
  if (found != NULL) {
    if (replaced != NULL) *replaced = found->page;
    if (existed != NULL) *existed = 1;
    found->page = page;
    return;
  }
  if (replaced != NULL) *replaced = NULL;
  if (existed != NULL) *existed = 0;
  if ((table->size + 1) * 4 > table->capacity * 3) table_grow(tree, table);
  uint32_t mask = table->capacity - 1;
  uint32_t i = hash & mask;
  while (table->slots[i].used) i = (i + 1) & mask;
  Slot *slot = &table->slots[i];
  slot->used = 1;
  slot->hash = hash;
  slot->id = *id;
  slot->page = page;
  table->size++;
}

static void table_remove_slot(Table *table, Slot *removed) {
  uint32_t mask = table->capacity - 1;
  uint32_t i = (uint32_t)(removed - table->slots);
  uint32_t j = i;
  for (;;) {
    table->slots[i].used = 0;
    for (;;) {
      j = (j + 1) & mask;
      if (!table->slots[j].used) {
        table->size--;
        return;
      }
      uint32_t home = table->slots[j].hash & mask;
      /* The entry at j may fill the hole at i unless its home lies cyclically in (i, j]. */
      int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) break;
    }
    table->slots[i] = table->slots[j];
    i = j;
  }
}

/* Removes id; returns its page (NULL if absent). */
static Page *table_remove(Table *table, const PageId *id, uint32_t hash) {
  Slot *slot = table_find(table, id, hash);
  if (slot == NULL) return NULL;
  Page *page = slot->page;
  table_remove_slot(table, slot);
  return page;
}

/* Empties the table, burying its pages. */
static void table_clear(Tree *tree, Table *table, int bury_pages) {
  for (uint32_t i = 0; i < table->capacity; i++) {
    if (!table->slots[i].used) continue;
    if (bury_pages) bury(tree, table->slots[i].page);
    table->slots[i].used = 0;
  }
  table->size = 0;
}

static void table_free_all(Table *table) {
  if (table->slots == NULL) return;
  for (uint32_t i = 0; i < table->capacity; i++) {
    if (table->slots[i].used) free(table->slots[i].page);
  }
  free(table->slots);
  table->slots = NULL;
}

/* ---- the page cache ------------------------------------------------------------- */

static void cache_insert(Tree *tree, const PageId *id, uint32_t hash, Page *page) {
  Page *replaced = NULL;
  table_put(tree, &tree->young, id, hash, page, &replaced, NULL);
  if (replaced != NULL && replaced != page) bury(tree, replaced);
  if (tree->young.size >= tree->generation_max) {
    table_clear(tree, &tree->old, 1);
    Table swap = tree->old;
    tree->old = tree->young;
    tree->young = swap;
  }
}

static Page *cache_get(Tree *tree, const PageId *id, uint32_t hash) {
  if (tree->generation_max == 0) return NULL;
  Slot *slot = table_find(&tree->young, id, hash);
  if (slot != NULL) return slot->page;
  Page *older = table_remove(&tree->old, id, hash);
  if (older != NULL) cache_insert(tree, id, hash, older);
  return older;
}

static void cache_set(Tree *tree, const PageId *id, uint32_t hash, Page *page) {
  if (tree->generation_max == 0) {
    bury(tree, page);
    return;
  }
  Page *older = table_remove(&tree->old, id, hash);
  if (older != NULL && older != page) bury(tree, older);
  cache_insert(tree, id, hash, page);
}

static Page *cache_delete(Tree *tree, const PageId *id, uint32_t hash) {
  Page *young = table_remove(&tree->young, id, hash);
  Page *old = table_remove(&tree->old, id, hash);
  if (young != NULL && old != NULL && old != young) bury(tree, old);
  return young != NULL ? young : old;
}

/* ---- hashing ----------------------------------------------------------------------- */

/*
 * SHA-256 without EVP: OpenSSL 3's EVP init, update and final cost 160 ns for a tree
 * node's 65 bytes, its SHA256_Init, _Update and _Final 95 ns, and a block hashes tens of
 * thousands of nodes. Those functions are deprecated (their declarations hidden by
 * OPENSSL_NO_DEPRECATED) but Node exports them; they are looked up at run time, and
 * where a Node lacks them the tree hashes through EVP as before.
 */
typedef struct {
  unsigned int h[8];
  unsigned int Nl, Nh;
  unsigned int data[16];
  unsigned int num, md_len;
} sha256_state; /* OpenSSL's SHA256_CTX, unchanged since 0.9.8 */

static struct {
  int (*init)(sha256_state *);
  int (*update)(sha256_state *, const void *, size_t);
  int (*final)(unsigned char *, sha256_state *);
} direct_sha256;
static pthread_once_t direct_sha256_once = PTHREAD_ONCE_INIT;

static void find_direct_sha256(void) {
  direct_sha256.init = (int (*)(sha256_state *))dlsym(RTLD_DEFAULT, "SHA256_Init");
  direct_sha256.update = (int (*)(sha256_state *, const void *, size_t))dlsym(RTLD_DEFAULT, "SHA256_Update");
  direct_sha256.final = (int (*)(unsigned char *, sha256_state *))dlsym(RTLD_DEFAULT, "SHA256_Final");
}

static int direct_sha256_available(void) {
  pthread_once(&direct_sha256_once, find_direct_sha256);
  return direct_sha256.init != NULL && direct_sha256.update != NULL && direct_sha256.final != NULL;
}

static void digest(Tree *tree, const uint8_t *data, size_t length, uint8_t *out) {
  tree->hash_count++;
  if (tree->direct_sha256) {
    sha256_state state;
    if (direct_sha256.init(&state) != 1 || direct_sha256.update(&state, data, length) != 1 || direct_sha256.final(out, &state) != 1) {
      fail_with(tree, "TONGBAO_DIGEST_FAILED", "OpenSSL failed to compute a digest");
    }
    return;
  }
  if (tree->md != NULL) {
    unsigned int written = 0;
    if (EVP_DigestInit_ex2(tree->context, tree->md, NULL) != 1 || EVP_DigestUpdate(tree->context, data, length) != 1 ||
        EVP_DigestFinal_ex(tree->context, out, &written) != 1 || written != HASH_BYTES) {
      ERR_clear_error();
      fail_with(tree, "TONGBAO_DIGEST_FAILED", "OpenSSL failed to compute a digest");
    }
    return;
  }
  napi_env env = tree->env;
  napi_value function, global, input_buffer, input, result;
  void *input_data = NULL;
  if (napi_get_reference_value(env, tree->hash_ref, &function) != napi_ok || napi_get_global(env, &global) != napi_ok ||
      napi_create_arraybuffer(env, length, &input_data, &input_buffer) != napi_ok)
    fail_with(tree, "TONGBAO_STATE_TREE_HASH", "cannot call the state tree's hash function");
  if (length > 0) memcpy(input_data, data, length);
  if (napi_create_typedarray(env, napi_uint8_array, length, input_buffer, 0, &input) != napi_ok ||
      napi_call_function(env, global, function, 1, &input, &result) != napi_ok)
    fail_with(tree, "TONGBAO_STATE_TREE_HASH", "the state tree's hash function failed");
  napi_typedarray_type type;
  size_t result_length = 0;
  void *result_data = NULL;
  if (napi_get_typedarray_info(env, result, &type, &result_length, &result_data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      result_length != HASH_BYTES)
    fail_with(tree, "TONGBAO_STATE_TREE_HASH", "the state tree's hash function must return 32 bytes");
  memcpy(out, result_data, HASH_BYTES);
}

/* H(tag ‖ a ‖ b) into the pass arena; NULL stands for the empty hash. */
static const uint8_t *hash_node(Tree *tree, uint8_t tag, const uint8_t *a, const uint8_t *b) {
  uint8_t input[1 + 2 * HASH_BYTES];
  input[0] = tag;
  memcpy(input + 1, a == NULL ? ZERO_HASH : a, HASH_BYTES);
  memcpy(input + 1 + HASH_BYTES, b == NULL ? ZERO_HASH : b, HASH_BYTES);
  uint8_t *out = arena_alloc(tree, HASH_BYTES);
  digest(tree, input, sizeof input, out);
  return out;
}

/* ---- page records ------------------------------------------------------------------ */

/* Recomputes a page's inner hashes bottom up (its leaves' and nodes'). */
static void rehash_page(Tree *tree, Page *page) {
  for (int slot = NODE_SLOTS - 1; slot >= 0; slot--) {
    int kind = page_kind(page, slot);
    if (kind == LEAF) page_set_hash(page, slot, hash_node(tree, LEAF_TAG, page_key_hash(page, slot), page_value_hash(page, slot)));
    else if (kind == INNER) page_set_hash(page, slot, hash_node(tree, INNER_TAG, page_hash(page, 2 * slot + 1), page_hash(page, 2 * slot + 2)));
  }
}

/* Decodes a record (state-tree.ts decodePage's format and checks); expected may be NULL. */
static Page *decode_page(Tree *tree, const uint8_t *record, size_t length, const PageId *id, const uint8_t *expected) {
  char message[96];
  if (length < HEADER_BYTES || record[0] != RECORD_VERSION) {
    snprintf(message, sizeof message, "is malformed (%zu bytes)", length);
    corrupt(tree, id, message);
  }
  uint32_t packed = ((uint32_t)record[1] << 24) | ((uint32_t)record[2] << 16) | ((uint32_t)record[3] << 8) | record[4];
  if (packed >> 30 != 0) corrupt(tree, id, "has a malformed kind field");
  Page *page = page_new(tree);
  /* Buried at once: freed when the call returns unless the caller keeps it (then unburied). */
  bury(tree, page);
  size_t offset = HEADER_BYTES;
  for (int slot = 0; slot < NODE_SLOTS; slot++) {
    int kind = (packed >> (2 * (NODE_SLOTS - 1 - slot))) & 3;
    if (kind == 3) {
      snprintf(message, sizeof message, "has an unknown node kind in slot %d", slot);
      corrupt(tree, id, message);
    }
    if (kind != EMPTY && slot > 0 && page_kind(page, (slot - 1) >> 1) != INNER) {
      snprintf(message, sizeof message, "has a node below a leaf or an empty slot (%d)", slot);
      corrupt(tree, id, message);
    }
    page_set_kind(page, slot, kind);
    if (kind == LEAF || (kind == INNER && slot >= BOTTOM_SLOT)) {
      if (offset + 2 * HASH_BYTES > length) corrupt(tree, id, "is truncated");
      const uint8_t *a = record + offset;
      const uint8_t *b = record + offset + HASH_BYTES;
      offset += 2 * HASH_BYTES;
      if (kind == LEAF) {
        page_set_leaf(page, slot, a, b);
      } else {
        page_set_hash(page, 2 * slot + 1, is_zero_hash(a) ? NULL : a);
        page_set_hash(page, 2 * slot + 2, is_zero_hash(b) ? NULL : b);
      }
    }
  }
  if (offset != length) {
    snprintf(message, sizeof message, "has %zu bytes too many", length - offset);
    corrupt(tree, id, message);
  }
  if (page_kind(page, 0) == EMPTY) corrupt(tree, id, "is stored but empty");
  rehash_page(tree, page);
  if (expected != NULL && memcmp(page_hash(page, 0), expected, HASH_BYTES) != 0) corrupt(tree, id, "does not hash to what its parent holds");
  tree->graveyard_size--; /* unbury: the caller owns it now */
  return page;
}

static size_t record_bytes(const Page *page) {
  size_t length = HEADER_BYTES;
  for (int slot = 0; slot < NODE_SLOTS; slot++) {
    int kind = page_kind(page, slot);
    if (kind == LEAF || (kind == INNER && slot >= BOTTOM_SLOT)) length += 2 * HASH_BYTES;
  }
  return length;
}

static void encode_page(const Page *page, uint8_t *record) {
  uint32_t packed = page->kinds;
  record[0] = RECORD_VERSION;
  record[1] = (uint8_t)(packed >> 24);
  record[2] = (uint8_t)(packed >> 16);
  record[3] = (uint8_t)(packed >> 8);
  record[4] = (uint8_t)packed;
  size_t offset = HEADER_BYTES;
  for (int slot = 0; slot < NODE_SLOTS; slot++) {
    int kind = page_kind(page, slot);
    if (kind == LEAF) {
      memcpy(record + offset, page->cells + (HASH_SLOTS + 2 * slot) * HASH_BYTES, 2 * HASH_BYTES);
      offset += 2 * HASH_BYTES;
    } else if (kind == INNER && slot >= BOTTOM_SLOT) {
      /* An absent child is written as zeros, the sparse empty hash (its cell holds nothing). */
      for (int child = 2 * slot + 1; child <= 2 * slot + 2; child++) {
        const uint8_t *hash = page_hash(page, child);
        memcpy(record + offset, hash == NULL ? ZERO_HASH : hash, HASH_BYTES);
        offset += HASH_BYTES;
      }
    }
  }
}

/* The page stored under `id`, read through fetch; NULL when the store has no record. */
static Page *fetch_page(Tree *tree, const PageId *id, const uint8_t *expected, int *found) {
  napi_env env = tree->env;
  napi_value function, global, key_buffer, key, result;
  void *key_data = NULL;
  if (napi_get_reference_value(env, tree->fetch_ref, &function) != napi_ok || napi_get_global(env, &global) != napi_ok ||
      napi_create_arraybuffer(env, id->length, &key_data, &key_buffer) != napi_ok)
    fail_with(tree, "TONGBAO_STATE_TREE_FETCH", "cannot call the state tree's page reader");
  memcpy(key_data, id->bytes, id->length);
  if (napi_create_typedarray(env, napi_uint8_array, id->length, key_buffer, 0, &key) != napi_ok ||
      napi_call_function(env, global, function, 1, &key, &result) != napi_ok)
    fail_with(tree, "TONGBAO_STATE_TREE_FETCH", "the state tree's page reader failed");
  napi_valuetype type;
  napi_typeof(env, result, &type);
  if (type == napi_undefined) {
    *found = 0;
    return NULL;
  }
  napi_typedarray_type array_type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, result, &array_type, &length, &data, NULL, NULL) != napi_ok || array_type != napi_uint8_array)
    fail_with(tree, "TONGBAO_STATE_TREE_FETCH", "the state tree's page reader must return a Uint8Array or undefined");
  *found = 1;
  return decode_page(tree, data, length, id, expected);
}

/* ---- loading committed pages ------------------------------------------------------------ */

static Page *load_page(Tree *tree, Stats *stats, int level, const uint8_t *path, int last_bit, const uint8_t *expected) {
  PageId id;
  page_id(tree, level, path, last_bit, &id);
  uint32_t hash = id_hash(&id);
  Slot *dirty = table_find(&tree->dirty, &id, hash);
  if (dirty != NULL) {
    if (stats != NULL) stats->node_cache_hits++;
    check(tree, dirty->page != NULL && memcmp(page_hash(dirty->page, 0), expected, HASH_BYTES) == 0, "a dirty page agrees with its parent");
    return dirty->page;
  }
  Page *cached = cache_get(tree, &id, hash);
  if (cached != NULL) {
    if (stats != NULL) stats->node_cache_hits++;
    check(tree, memcmp(page_hash(cached, 0), expected, HASH_BYTES) == 0, "a cached page agrees with its parent");
    return cached;
  }
  double hashes_before = tree->hash_count;
  int found = 0;
  Page *page = fetch_page(tree, &id, expected, &found);
  if (!found) corrupt(tree, &id, "is missing though its parent refers to it");
  if (stats != NULL) {
    stats->node_reads++;
    stats->load_hashes += tree->hash_count - hashes_before;
  }
  cache_set(tree, &id, hash, page);
  return page;
}

/* ---- the update pass (state-tree.ts TreeUpdate) ------------------------------------------- */

typedef struct {
  uint8_t key_hash[HASH_BYTES];
  uint8_t value_hash[HASH_BYTES];
  int deleted;
} Change;

typedef struct {
  int kind;
  const uint8_t *hash;
  const uint8_t *key_hash;
  const uint8_t *value_hash;
} Node;

static const Node EMPTY_NODE = {EMPTY, NULL, NULL, NULL};

typedef struct PageRef {
  int level;
  const uint8_t *path;
  int last_bit;
  const uint8_t *top_hash; /* NULL: no committed page */
  Page *committed;
  Page *work;
} PageRef;

typedef struct {
  PageRef *ref;
  int slot;
} Address;

typedef struct {
  Tree *tree;
  Stats *stats;
  const Change *changes;
  PageRef **written;
  size_t written_count, written_capacity;
} Update;

typedef struct {
  const uint8_t *key_hash;
  const uint8_t *value_hash;
  const Node *unchanged;
} Entry;

static PageRef *new_ref(Update *update, int level, const uint8_t *path, int last_bit, const uint8_t *top_hash) {
  PageRef *ref = arena_alloc(update->tree, sizeof(PageRef));
  ref->level = level;
  ref->path = path;
  ref->last_bit = last_bit;
  ref->top_hash = top_hash;
  ref->committed = NULL;
  ref->work = NULL;
  return ref;
}

static Page *ref_read(Update *update, PageRef *ref) {
  if (ref->committed == NULL) {
    check(update->tree, ref->top_hash != NULL, "only a page that exists is read");
    ref->committed = load_page(update->tree, update->stats, ref->level, ref->path, ref->last_bit, ref->top_hash);
  }
  return ref->committed;
}

static Page *writable(Update *update, PageRef *ref) {
  if (ref->work == NULL) {
    Tree *tree = update->tree;
    if (update->written_count == update->written_capacity) {
      size_t capacity = update->written_capacity == 0 ? 64 : 2 * update->written_capacity;
      PageRef **grown = realloc(update->written, capacity * sizeof(PageRef *));
      if (grown == NULL) out_of_memory(tree);
      update->written = grown;
      update->written_capacity = capacity;
    }
    Page *page = ref->top_hash != NULL ? page_clone(tree, ref_read(update, ref)) : page_new(tree);
    update->written[update->written_count++] = ref;
    ref->work = page;
  }
  return ref->work;
}

static Node read_node(Update *update, Address at) {
  Page *page = ref_read(update, at.ref);
  int kind = page_kind(page, at.slot);
  if (kind == EMPTY) return EMPTY_NODE;
  Node node = {kind, page_hash(page, at.slot), page_key_hash(page, at.slot), page_value_hash(page, at.slot)};
  return node;
}

static void set_slot(Page *page, int slot, Node node) {
  page_set_kind(page, slot, node.kind);
  page_set_hash(page, slot, node.hash);
  page_set_leaf(page, slot, node.kind == LEAF ? node.key_hash : NULL, node.kind == LEAF ? node.value_hash : NULL);
}

static Address child_of(Update *update, Address parent, int depth, int bit, const uint8_t *path, const uint8_t *child_hash) {
  int slot = 2 * parent.slot + 1 + bit;
  if (slot < NODE_SLOTS) {
    Address address = {parent.ref, slot};
    return address;
  }
  Address address = {new_ref(update, (depth + 1) / DEPTH_BITS, path, bit, child_hash), 0};
  return address;
}

static void place(Update *update, Address parent, int bit, const Address *address, const uint8_t *old_hash, Node node) {
  if (same_hash(old_hash, node.hash)) return;
  int slot = 2 * parent.slot + 1 + bit;
  Page *page = writable(update, parent.ref);
  if (slot < NODE_SLOTS) {
    set_slot(page, slot, node);
    return;
  }
  page_set_hash(page, slot, node.hash);
  check(update->tree, address != NULL && address->ref != parent.ref, "a child page has an address");
  set_slot(writable(update, address->ref), 0, node);
}

static size_t split(const Update *update, size_t lo, size_t hi, int depth) {
  size_t a = lo, b = hi;
  while (a < b) {
    size_t mid = (a + b) >> 1;
    if (path_bit(update->changes[mid].key_hash, depth) == 0) a = mid + 1;
    else b = mid;
  }
  return a;
}

static Node inner(Update *update, const uint8_t *left, const uint8_t *right) {
  Node node = {INNER, hash_node(update->tree, INNER_TAG, left, right), NULL, NULL};
  return node;
}

static Node build(Update *update, int depth, Address at, const Entry *entries, size_t lo, size_t hi) {
  if (lo == hi) return EMPTY_NODE;
  if (hi - lo == 1) {
    const Entry *entry = &entries[lo];
    if (entry->unchanged != NULL) return *entry->unchanged;
    Node leaf = {LEAF, hash_node(update->tree, LEAF_TAG, entry->key_hash, entry->value_hash), entry->key_hash, entry->value_hash};
    return leaf;
  }
  size_t mid = lo;
  while (mid < hi && path_bit(entries[mid].key_hash, depth) == 0) mid++;
  const uint8_t *path = entries[lo].key_hash;
  Address left_at = child_of(update, at, depth, 0, path, NULL);
  Address right_at = child_of(update, at, depth, 1, path, NULL);
  Node left = build(update, depth + 1, left_at, entries, lo, mid);
  Node right = build(update, depth + 1, right_at, entries, mid, hi);
  place(update, at, 0, &left_at, NULL, left);
  place(update, at, 1, &right_at, NULL, right);
  return inner(update, left.hash, right.hash);
}

static Node rebuild(Update *update, int depth, Address at, Node old, size_t lo, size_t hi) {
  Entry *entries = arena_alloc(update->tree, (hi - lo + 1) * sizeof(Entry));
  Node *old_copy = arena_alloc(update->tree, sizeof(Node));
  *old_copy = old;
  size_t count = 0;
  const uint8_t *old_key_hash = old.kind == LEAF ? old.key_hash : NULL;
  int old_placed = old_key_hash == NULL;
  for (size_t i = lo; i < hi; i++) {
    const Change *change = &update->changes[i];
    if (!old_placed) {
      int order = memcmp(old_key_hash, change->key_hash, HASH_BYTES);
      if (order < 0) {
        Entry entry = {old_key_hash, old.value_hash, old_copy};
        entries[count++] = entry;
        old_placed = 1;
      } else if (order == 0) {
        old_placed = 1; /* the change replaces or deletes the old leaf */
      }
    }
    if (!change->deleted) {
      Entry entry = {change->key_hash, change->value_hash, NULL};
      entries[count++] = entry;
    }
  }
  if (!old_placed) {
    Entry entry = {old_key_hash, old.value_hash, old_copy};
    entries[count++] = entry;
  }
  return build(update, depth, at, entries, 0, count);
}

static Node update_inner(Update *update, int depth, Address at, size_t lo, size_t hi);

static Node visit(Update *update, int depth, Address at, const uint8_t *old_hash, size_t lo, size_t hi) {
  if (old_hash == NULL) return rebuild(update, depth, at, EMPTY_NODE, lo, hi);
  Page *page = ref_read(update, at.ref);
  if (page_kind(page, at.slot) == INNER) return update_inner(update, depth, at, lo, hi);
  return rebuild(update, depth, at, read_node(update, at), lo, hi);
}

static Node update_inner(Update *update, int depth, Address at, size_t lo, size_t hi) {
  Page *page = ref_read(update, at.ref);
  const uint8_t *left_hash = page_hash(page, 2 * at.slot + 1);
  const uint8_t *right_hash = page_hash(page, 2 * at.slot + 2);
  size_t mid = split(update, lo, hi, depth);
  int child_depth = depth + 1;
  Node left = EMPTY_NODE, right = EMPTY_NODE;
  int has_left = left_hash == NULL, has_right = right_hash == NULL;
  Address left_at = {NULL, 0}, right_at = {NULL, 0};
  int has_left_at = 0, has_right_at = 0;
  if (lo < mid) {
    left_at = child_of(update, at, depth, 0, update->changes[lo].key_hash, left_hash);
    has_left_at = 1;
    left = visit(update, child_depth, left_at, left_hash, lo, mid);
    has_left = 1;
  }
  if (mid < hi) {
    right_at = child_of(update, at, depth, 1, update->changes[mid].key_hash, right_hash);
    has_right_at = 1;
    right = visit(update, child_depth, right_at, right_hash, mid, hi);
    has_right = 1;
  }
  if (has_left && left.kind == EMPTY && !has_right) {
    right_at = child_of(update, at, depth, 1, update->changes[lo].key_hash, right_hash);
    has_right_at = 1;
    right = read_node(update, right_at);
    has_right = 1;
  }
  if (has_right && right.kind == EMPTY && !has_left) {
    left_at = child_of(update, at, depth, 0, update->changes[lo].key_hash, left_hash);
    has_left_at = 1;
    left = read_node(update, left_at);
    has_left = 1;
  }
  const Address *left_address = has_left_at ? &left_at : NULL;
  const Address *right_address = has_right_at ? &right_at : NULL;
  if (has_left && has_right) {
    const Node *lone = left.kind == EMPTY ? &right : right.kind == EMPTY ? &left : NULL;
    if (lone != NULL && lone->kind != INNER) {
      Node result = *lone;
      place(update, at, 0, left_address, left_hash, EMPTY_NODE);
      place(update, at, 1, right_address, right_hash, EMPTY_NODE);
      return result;
    }
    place(update, at, 0, left_address, left_hash, left);
    place(update, at, 1, right_address, right_hash, right);
    return inner(update, left.hash, right.hash);
  }
  if (has_left) {
    place(update, at, 0, left_address, left_hash, left);
    return inner(update, left.hash, right_hash);
  }
  check(update->tree, has_right, "at least one side of a visited node changed");
  place(update, at, 1, right_address, right_hash, right);
  return inner(update, left_hash, right.hash);
}

/* ---- entry points ----------------------------------------------------------------------- */

static void tree_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  Tree *tree = data;
  table_free_all(&tree->dirty);
  table_free_all(&tree->young);
  table_free_all(&tree->old);
  for (size_t i = 0; i < tree->graveyard_size; i++) free(tree->graveyard[i]);
  free(tree->graveyard);
  while (tree->spare_pages != NULL) {
    void *next;
    memcpy(&next, tree->spare_pages, sizeof(void *));
    free(tree->spare_pages);
    tree->spare_pages = next;
  }
  arena_free(tree, 1);
  if (tree->hash_ref != NULL) napi_delete_reference(env, tree->hash_ref);
  if (tree->fetch_ref != NULL) napi_delete_reference(env, tree->fetch_ref);
  EVP_MD_CTX_free(tree->context);
  EVP_MD_free(tree->md);
  free(tree);
}

static void prepared_free_pages(Prepared *prepared) {
  if (!prepared->applied) {
    for (size_t i = 0; i < prepared->page_count; i++) free(prepared->pages[i].page);
  }
  free(prepared->pages);
  prepared->pages = NULL;
  prepared->page_count = 0;
}

static void prepared_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Prepared *prepared = data;
  prepared_free_pages(prepared);
  free(prepared);
}

static int arguments(napi_env env, napi_callback_info info, size_t expected, napi_value *argv) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    napi_throw_type_error(env, "TONGBAO_STATE_TREE_ARGUMENTS", "wrong number of arguments");
    return 0;
  }
  return 1;
}

static Tree *tree_of(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "TONGBAO_STATE_TREE_ARGUMENTS", "expected a state tree handle");
    return NULL;
  }
  Tree *tree = data;
  tree->env = env;
  return tree;
}

static int bytes_of(napi_env env, napi_value value, const uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "TONGBAO_STATE_TREE_ARGUMENTS", "expected a Uint8Array");
    return 0;
  }
  *data = raw;
  return 1;
}

static int u32s_of(napi_env env, napi_value value, const uint32_t **data, size_t *length) {
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_uint32_array) {
    napi_throw_type_error(env, "TONGBAO_STATE_TREE_ARGUMENTS", "expected a Uint32Array");
    return 0;
  }
  *data = raw;
  return 1;
}

static napi_value new_bytes(napi_env env, const uint8_t *data, size_t length) {
  napi_value buffer, array;
  void *raw = NULL;
  if (napi_create_arraybuffer(env, length, &raw, &buffer) != napi_ok) return NULL;
  if (length > 0) memcpy(raw, data, length);
  if (napi_create_typedarray(env, napi_uint8_array, length, buffer, 0, &array) != napi_ok) return NULL;
  return array;
}

static void set_named(napi_env env, napi_value object, const char *name, napi_value value) {
  napi_set_named_property(env, object, name, value);
}

static napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

/* (digest: 'sha256' | 'sm3' | (data) => Uint8Array, pagePrefix, cacheEntriesMax, fetch) → handle.
 * Reads the root page through fetch. */
static napi_value create(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!arguments(env, info, 4, argv)) return NULL;
  Tree *tree = calloc(1, sizeof(Tree));
  if (tree == NULL) {
    napi_throw_error(env, "TONGBAO_OUT_OF_MEMORY", "the state tree could not allocate memory");
    return NULL;
  }
  tree->env = env;
  napi_valuetype digest_type;
  napi_typeof(env, argv[0], &digest_type);
  uint32_t prefix = 0;
  double entries_max = 0;
  napi_valuetype fetch_type;
  napi_typeof(env, argv[3], &fetch_type);
  int ok = napi_get_value_uint32(env, argv[1], &prefix) == napi_ok && prefix < 256 &&
           napi_get_value_double(env, argv[2], &entries_max) == napi_ok && entries_max >= 0 && entries_max <= 1 << 30 &&
           fetch_type == napi_function;
  if (ok && digest_type == napi_string) {
    char name[16];
    size_t length = 0;
    ok = napi_get_value_string_utf8(env, argv[0], name, sizeof name, &length) == napi_ok;
    if (ok && (strcmp(name, "sha256") == 0 || strcmp(name, "sm3") == 0)) tree->md = EVP_MD_fetch(NULL, strcmp(name, "sm3") == 0 ? "SM3" : "SHA256", NULL);
    ok = ok && tree->md != NULL && (tree->context = EVP_MD_CTX_new()) != NULL;
    tree->direct_sha256 = ok && strcmp(name, "sha256") == 0 && direct_sha256_available();
  } else if (ok && digest_type == napi_function) {
    ok = napi_create_reference(env, argv[0], 1, &tree->hash_ref) == napi_ok;
  } else {
    ok = 0;
  }
  ok = ok && napi_create_reference(env, argv[3], 1, &tree->fetch_ref) == napi_ok;
  tree->page_prefix = (uint8_t)prefix;
  tree->generation_max = entries_max >= 2 ? (uint32_t)(entries_max / 2) : 0;
  ok = ok && table_init(&tree->dirty, 1024) && table_init(&tree->young, 1024) && table_init(&tree->old, 1024);
  if (!ok) {
    tree_finalize(env, tree, NULL);
    napi_throw_type_error(env, "TONGBAO_STATE_TREE_ARGUMENTS",
                          "expected (digest: 'sha256' | 'sm3' | function, pagePrefix: byte, cacheEntriesMax: number, fetch: function)");
    return NULL;
  }
  if (setjmp(tree->fail)) {
    end_call(tree);
    tree_finalize(env, tree, NULL);
    return NULL;
  }
  PageId root_id;
  page_id(tree, 0, NULL, -1, &root_id);
  int found = 0;
  Page *root = fetch_page(tree, &root_id, NULL, &found);
  if (found) {
    memcpy(tree->root, page_hash(root, 0), HASH_BYTES);
    cache_set(tree, &root_id, id_hash(&root_id), root);
  }
  end_call(tree);
  napi_value handle;
  if (napi_create_external(env, tree, tree_finalize, NULL, &handle) != napi_ok) {
    tree_finalize(env, tree, NULL);
    return NULL;
  }
  return handle;
}

static napi_value root(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arguments(env, info, 1, argv)) return NULL;
  Tree *tree = tree_of(env, argv[0]);
  return tree == NULL ? NULL : new_bytes(env, tree->root, HASH_BYTES);
}

/* (handle) → [cached pages, dirty pages] */
static napi_value counts(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arguments(env, info, 1, argv)) return NULL;
  Tree *tree = tree_of(env, argv[0]);
  if (tree == NULL) return NULL;
  napi_value result;
  napi_create_array_with_length(env, 2, &result);
  napi_set_element(env, result, 0, number(env, tree->young.size + tree->old.size));
  napi_set_element(env, result, 1, number(env, tree->dirty.size));
  return result;
}

static int compare_changes(const void *a, const void *b) {
  return memcmp(((const Change *)a)->key_hash, ((const Change *)b)->key_hash, HASH_BYTES);
}

static int compare_keys(const uint8_t *a, size_t a_length, const uint8_t *b, size_t b_length) {
  size_t common = a_length < b_length ? a_length : b_length;
  int order = common == 0 ? 0 : memcmp(a, b, common);
  if (order != 0) return order;
  return a_length < b_length ? -1 : a_length > b_length ? 1 : 0;
}

/*
 * (handle, keys, keyEnds, values, valueEnds, deleted) → { prepared, root, pageCount, stats }.
 * Change i: key keys[keyEnds[i-1]..keyEnds[i]), value likewise, deleted[i] 1 to delete;
 * keys sorted, each once. stats: [nodeReads, nodeCacheHits, nodeWrites, nodeDeletes,
 * hashes, loadHashes].
 */
static napi_value prepare(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!arguments(env, info, 6, argv)) return NULL;
  Tree *tree = tree_of(env, argv[0]);
  if (tree == NULL) return NULL;
  const uint8_t *keys, *values, *deleted;
  const uint32_t *key_ends, *value_ends;
  size_t keys_length, values_length, count, value_count, deleted_count;
  if (!bytes_of(env, argv[1], &keys, &keys_length) || !u32s_of(env, argv[2], &key_ends, &count) ||
      !bytes_of(env, argv[3], &values, &values_length) || !u32s_of(env, argv[4], &value_ends, &value_count) ||
      !bytes_of(env, argv[5], &deleted, &deleted_count))
    return NULL;
  if (value_count != count || deleted_count != count || (count > 0 && (key_ends[count - 1] != keys_length || value_ends[count - 1] != values_length))) {
    napi_throw_type_error(env, "TONGBAO_STATE_TREE_ARGUMENTS", "keys, values and deleted flags disagree in number or length");
    return NULL;
  }
  /* On the heap, like everything the failure path reads: locals changed after setjmp are lost by longjmp. */
  Prepared *prepared = calloc(1, sizeof(Prepared));
  Update *update = calloc(1, sizeof(Update));
  Stats *stats = calloc(1, sizeof(Stats));
  Change *changes = count > 0 ? malloc(count * sizeof(Change)) : NULL;
  if (prepared == NULL || update == NULL || stats == NULL || (count > 0 && changes == NULL)) {
    free(prepared);
    free(update);
    free(stats);
    free(changes);
    napi_throw_error(env, "TONGBAO_OUT_OF_MEMORY", "the state tree could not allocate memory");
    return NULL;
  }
  update->tree = tree;
  update->stats = stats;
  update->changes = changes;
  if (setjmp(tree->fail)) {
    for (size_t i = 0; i < update->written_count; i++) page_free(tree, update->written[i]->work);
    free(update->written);
    free(update);
    free(stats);
    free(changes);
    prepared_free_pages(prepared);
    free(prepared);
    end_call(tree);
    return NULL;
  }
  size_t key_start = 0, value_start = 0;
  for (size_t i = 0; i < count; i++) {
    size_t key_end = key_ends[i], value_end = value_ends[i];
    check(tree, key_start <= key_end && key_end <= keys_length && value_start <= value_end && value_end <= values_length,
          "change offsets are in order and in range");
    if (i > 0) {
      size_t previous_start = i == 1 ? 0 : key_ends[i - 2];
      check(tree, compare_keys(keys + previous_start, key_start - previous_start, keys + key_start, key_end - key_start) < 0,
            "state changes are sorted by key with no key twice");
    }
    digest(tree, keys + key_start, key_end - key_start, changes[i].key_hash);
    changes[i].deleted = deleted[i] != 0;
    if (changes[i].deleted) memset(changes[i].value_hash, 0, HASH_BYTES);
    else digest(tree, values + value_start, value_end - value_start, changes[i].value_hash);
    stats->hashes += changes[i].deleted ? 1 : 2;
    key_start = key_end;
    value_start = value_end;
  }
  qsort(changes, count, sizeof(Change), compare_changes);
  memcpy(prepared->previous_root, tree->root, HASH_BYTES);
  memcpy(prepared->root, tree->root, HASH_BYTES);
  if (count > 0) {
    double hashes_before = tree->hash_count;
    int exists = !is_zero_hash(tree->root);
    PageRef *root_ref = new_ref(update, 0, NULL, -1, exists ? tree->root : NULL);
    Address at = {root_ref, 0};
    const uint8_t *old_hash = root_ref->top_hash;
    Node result = visit(update, 0, at, old_hash, 0, count);
    if (!same_hash(old_hash, result.hash)) set_slot(writable(update, root_ref), 0, result);
    /* finish: every page the update changed, in the order first written */
    prepared->pages = update->written_count > 0 ? malloc(update->written_count * sizeof(WrittenPage)) : NULL;
    if (update->written_count > 0 && prepared->pages == NULL) out_of_memory(tree);
    for (size_t i = 0; i < update->written_count; i++) {
      PageRef *ref = update->written[i];
      Page *page = ref->work;
      WrittenPage *written = &prepared->pages[prepared->page_count];
      if (page_kind(page, 0) == EMPTY) {
        check(tree, page->present == 0, "an emptied page has no nodes left");
        ref->work = NULL;
        page_free(tree, page);
        if (ref->top_hash == NULL) continue;
        stats->node_deletes++;
        page_id(tree, ref->level, ref->path, ref->last_bit, &written->id);
        written->page = NULL;
      } else {
        stats->node_writes++;
        page_id(tree, ref->level, ref->path, ref->last_bit, &written->id);
        written->page = page;
        ref->work = NULL;
      }
      prepared->page_count++;
    }
    stats->hashes += tree->hash_count - hashes_before - stats->load_hashes;
    if (result.hash == NULL) memset(prepared->root, 0, HASH_BYTES);
    else memcpy(prepared->root, result.hash, HASH_BYTES);
  }
  free(update->written);
  free(update);
  free(changes);
  end_call(tree);

  napi_value result, handle, stats_array;
  if (napi_create_external(env, prepared, prepared_finalize, NULL, &handle) != napi_ok) {
    prepared_finalize(env, prepared, NULL);
    free(stats);
    return NULL;
  }
  napi_create_object(env, &result);
  set_named(env, result, "prepared", handle);
  set_named(env, result, "root", new_bytes(env, prepared->root, HASH_BYTES));
  set_named(env, result, "pageCount", number(env, (double)prepared->page_count));
  napi_create_array_with_length(env, 6, &stats_array);
  double values_out[6] = {stats->node_reads, stats->node_cache_hits, stats->node_writes, stats->node_deletes, stats->hashes, stats->load_hashes};
  free(stats);
  for (uint32_t i = 0; i < 6; i++) napi_set_element(env, stats_array, i, number(env, values_out[i]));
  set_named(env, result, "stats", stats_array);
  return result;
}

static Prepared *prepared_of(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "TONGBAO_STATE_TREE_ARGUMENTS", "expected a prepared state handle");
    return NULL;
  }
  return data;
}

/* (handle, prepared): the prepared pages become dirty; the versions they supersede are freed. */
static napi_value applied(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!arguments(env, info, 2, argv)) return NULL;
  Tree *tree = tree_of(env, argv[0]);
  if (tree == NULL) return NULL;
  Prepared *prepared = prepared_of(env, argv[1]);
  if (prepared == NULL) return NULL;
  if (setjmp(tree->fail)) {
    end_call(tree);
    return NULL;
  }
  check(tree, !prepared->applied && memcmp(prepared->previous_root, tree->root, HASH_BYTES) == 0,
        "a prepared state is applied to the root it was prepared from");
  /* Room first, so that nothing fails halfway through. */
  while ((tree->dirty.size + prepared->page_count + 1) * 4 > tree->dirty.capacity * 3) table_grow(tree, &tree->dirty);
  memcpy(tree->root, prepared->root, HASH_BYTES);
  for (size_t i = 0; i < prepared->page_count; i++) {
    WrittenPage *written = &prepared->pages[i];
    uint32_t hash = id_hash(&written->id);
    Page *superseded = NULL;
    int existed = 0;
    table_put(tree, &tree->dirty, &written->id, hash, written->page, &superseded, &existed);
    Page *cached = cache_delete(tree, &written->id, hash);
    if (!existed) superseded = cached;
    else if (cached != NULL && cached != superseded) bury(tree, cached);
    bury(tree, superseded);
  }
  prepared->applied = 1;
  end_call(tree);
  return NULL;
}

/*
 * (handle, prepared | null) → { keys, keyEnds, records, recordEnds }: the record of every
 * dirty page, with `prepared`'s pages over them; an empty record stands for a delete.
 */
static napi_value page_records(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!arguments(env, info, 2, argv)) return NULL;
  Tree *tree = tree_of(env, argv[0]);
  if (tree == NULL) return NULL;
  napi_valuetype type;
  napi_typeof(env, argv[1], &type);
  Prepared *pending = NULL;
  if (type != napi_null && type != napi_undefined && (pending = prepared_of(env, argv[1])) == NULL) return NULL;
  size_t pending_count = pending == NULL || pending->applied ? 0 : pending->page_count;
  /* The dirty pages a pending page replaces are left out. */
  size_t count = pending_count, keys_length = 0, records_length = 0;
  /* On the heap: longjmp loses locals changed after setjmp. */
  Table *overridden = calloc(1, sizeof(Table));
  if (overridden == NULL || (pending_count > 0 && !table_init(overridden, 64))) {
    free(overridden);
    napi_throw_error(env, "TONGBAO_OUT_OF_MEMORY", "the state tree could not allocate memory");
    return NULL;
  }
  if (setjmp(tree->fail)) {
    free(overridden->slots);
    free(overridden);
    end_call(tree);
    return NULL;
  }
  for (size_t i = 0; i < pending_count; i++) {
    const WrittenPage *written = &pending->pages[i];
    table_put(tree, overridden, &written->id, id_hash(&written->id), written->page, NULL, NULL);
    keys_length += written->id.length;
    if (written->page != NULL) records_length += record_bytes(written->page);
  }
  for (uint32_t i = 0; i < tree->dirty.capacity; i++) {
    const Slot *slot = &tree->dirty.slots[i];
    if (!slot->used || (pending_count > 0 && table_find(overridden, &slot->id, slot->hash) != NULL)) continue;
    count++;
    keys_length += slot->id.length;
    if (slot->page != NULL) records_length += record_bytes(slot->page);
  }
  napi_value keys_buffer, keys, key_ends_buffer, key_ends, records_buffer, records, record_ends_buffer, record_ends, result;
  uint8_t *key_data = NULL, *record_data = NULL;
  uint32_t *key_end_data = NULL, *record_end_data = NULL;
  if (napi_create_arraybuffer(env, keys_length, (void **)&key_data, &keys_buffer) != napi_ok ||
      napi_create_arraybuffer(env, count * 4, (void **)&key_end_data, &key_ends_buffer) != napi_ok ||
      napi_create_arraybuffer(env, records_length, (void **)&record_data, &records_buffer) != napi_ok ||
      napi_create_arraybuffer(env, count * 4, (void **)&record_end_data, &record_ends_buffer) != napi_ok)
    fail_with(tree, "TONGBAO_OUT_OF_MEMORY", "cannot allocate the page records");
  size_t index = 0, key_offset = 0, record_offset = 0;
#define EMIT(ID, PAGE)                                                     \
  do {                                                                     \
    memcpy(key_data + key_offset, (ID)->bytes, (ID)->length);              \
    key_offset += (ID)->length;                                            \
    key_end_data[index] = (uint32_t)key_offset;                            \
    if ((PAGE) != NULL) {                                                  \
      encode_page((PAGE), record_data + record_offset);                    \
      record_offset += record_bytes(PAGE);                                 \
    }                                                                      \
    record_end_data[index] = (uint32_t)record_offset;                      \
    index++;                                                               \
  } while (0)
  for (uint32_t i = 0; i < tree->dirty.capacity; i++) {
    const Slot *slot = &tree->dirty.slots[i];
    if (!slot->used || (pending_count > 0 && table_find(overridden, &slot->id, slot->hash) != NULL)) continue;
    EMIT(&slot->id, slot->page);
  }
  for (size_t i = 0; i < pending_count; i++) EMIT(&pending->pages[i].id, pending->pages[i].page);
#undef EMIT
  free(overridden->slots);
  free(overridden);
  end_call(tree);
  napi_create_typedarray(env, napi_uint8_array, keys_length, keys_buffer, 0, &keys);
  napi_create_typedarray(env, napi_uint32_array, count, key_ends_buffer, 0, &key_ends);
  napi_create_typedarray(env, napi_uint8_array, records_length, records_buffer, 0, &records);
  napi_create_typedarray(env, napi_uint32_array, count, record_ends_buffer, 0, &record_ends);
  napi_create_object(env, &result);
  set_named(env, result, "keys", keys);
  set_named(env, result, "keyEnds", key_ends);
  set_named(env, result, "records", records);
  set_named(env, result, "recordEnds", record_ends);
  return result;
}

/* (handle): the dirty pages are the store's now, and join the cache. */
static napi_value checkpointed(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arguments(env, info, 1, argv)) return NULL;
  Tree *tree = tree_of(env, argv[0]);
  if (tree == NULL) return NULL;
  if (setjmp(tree->fail)) {
    end_call(tree);
    return NULL;
  }
  for (uint32_t i = 0; i < tree->dirty.capacity; i++) {
    Slot *slot = &tree->dirty.slots[i];
    if (!slot->used) continue;
    if (slot->page != NULL) {
      Page *page = slot->page;
      slot->page = NULL; /* the cache owns it from here, even if inserting fails */
      cache_set(tree, &slot->id, slot->hash, page);
    }
  }
  table_clear(tree, &tree->dirty, 0);
  end_call(tree);
  return NULL;
}

/* ---- reading one key's path ------------------------------------------------------- */

/* The page at `level` on `path` if memory holds it (dirty or cached), else NULL: no fetch. */
static Page *held_page(Tree *tree, int level, const uint8_t *path, const uint8_t *expected) {
  PageId id;
  page_id(tree, level, path, -1, &id);
  uint32_t hash = id_hash(&id);
  Slot *dirty = table_find(&tree->dirty, &id, hash);
  Page *page = dirty != NULL ? dirty->page : cache_get(tree, &id, hash);
  if (page != NULL) check(tree, memcmp(page_hash(page, 0), expected, HASH_BYTES) == 0, "a held page agrees with its parent");
  return page;
}

enum { PATH_EMPTY, PATH_LEAF, PATH_NOT_HELD };

/*
 * Follows `key_hash`'s path down the committed tree: PATH_EMPTY where it ends at an empty
 * position, PATH_LEAF at a leaf (*leaf_page, *leaf_slot; which key's, the caller
 * compares), PATH_NOT_HELD at a page memory lacks when `fetch` is 0 (with 1 it is read
 * from the store). With `siblings`, each level's sibling hash is appended to it.
 */
static int follow_path(Tree *tree, const uint8_t *key_hash, int fetch, uint8_t *siblings, size_t *sibling_count, const Page **leaf_page, int *leaf_slot) {
  if (is_zero_hash(tree->root)) return PATH_EMPTY;
  Page *page = fetch ? load_page(tree, NULL, 0, NULL, -1, tree->root) : held_page(tree, 0, NULL, tree->root);
  int slot = 0;
  for (int depth = 0; page != NULL; depth++) {
    int kind = page_kind(page, slot);
    if (kind == EMPTY) return PATH_EMPTY;
    if (kind == LEAF) {
      *leaf_page = page;
      *leaf_slot = slot;
      return PATH_LEAF;
    }
    check(tree, depth < 256, "a path is at most 256 levels deep");
    int bit = path_bit(key_hash, depth);
    int child = 2 * slot + 1 + bit;
    if (siblings != NULL) {
      const uint8_t *sibling = page_hash(page, child + (bit == 0 ? 1 : -1));
      memcpy(siblings + *sibling_count * HASH_BYTES, sibling == NULL ? ZERO_HASH : sibling, HASH_BYTES);
      (*sibling_count)++;
    }
    const uint8_t *child_hash = page_hash(page, child);
    if (child_hash == NULL) return PATH_EMPTY;
    if (child < NODE_SLOTS) {
      slot = child;
    } else {
      int level = (depth + 1) / DEPTH_BITS;
      page = fetch ? load_page(tree, NULL, level, key_hash, -1, child_hash) : held_page(tree, level, key_hash, child_hash);
      slot = 0;
    }
  }
  return PATH_NOT_HELD;
}

/* The (handle, key) arguments of prove and lookup; 0 (a JavaScript exception pending) if they are not. */
static int tree_and_key(napi_env env, napi_callback_info info, Tree **tree, const uint8_t **key, size_t *key_length) {
  napi_value argv[2];
  if (!arguments(env, info, 2, argv)) return 0;
  *tree = tree_of(env, argv[0]);
  return *tree != NULL && bytes_of(env, argv[1], key, key_length);
}

/*
 * (handle, key) → { siblings, leaf, leafKeyHash, leafValueHash }: the proof path of `key`
 * in the committed tree. leaf: 0 an empty position, 1 the key's own leaf, 2 another
 * key's leaf (whose hashes come with it).
 */
static napi_value prove(napi_env env, napi_callback_info info) {
  Tree *tree;
  const uint8_t *key;
  size_t key_length;
  if (!tree_and_key(env, info, &tree, &key, &key_length)) return NULL;
  if (setjmp(tree->fail)) {
    end_call(tree);
    return NULL;
  }
  uint8_t key_hash[HASH_BYTES];
  digest(tree, key, key_length, key_hash);
  uint8_t *siblings = arena_alloc(tree, 256 * HASH_BYTES);
  size_t sibling_count = 0;
  const Page *leaf_page = NULL;
  int leaf_slot = 0;
  int leaf = 0;
  if (follow_path(tree, key_hash, 1, siblings, &sibling_count, &leaf_page, &leaf_slot) == PATH_LEAF) {
    leaf = memcmp(page_key_hash(leaf_page, leaf_slot), key_hash, HASH_BYTES) == 0 ? 1 : 2;
  }
  napi_value result, leaf_value;
  napi_create_object(env, &result);
  set_named(env, result, "siblings", new_bytes(env, siblings, sibling_count * HASH_BYTES));
  napi_create_uint32(env, (uint32_t)leaf, &leaf_value);
  set_named(env, result, "leaf", leaf_value);
  if (leaf != 0) {
    set_named(env, result, "leafKeyHash", new_bytes(env, page_key_hash(leaf_page, leaf_slot), HASH_BYTES));
    set_named(env, result, "leafValueHash", new_bytes(env, page_value_hash(leaf_page, leaf_slot), HASH_BYTES));
  }
  end_call(tree);
  return result;
}

/*
 * (handle, key) → 0 when the committed tree certainly lacks `key`, 1 when it holds it,
 * 2 when a page on the key's path is not in memory (the caller then reads the store).
 * Reads no page: it answers from what the updates and proofs left in memory, which is
 * why a key that was never written (a new payment id) costs a hash and a short walk
 * instead of a LevelDB lookup that finds nothing.
 */
static napi_value lookup(napi_env env, napi_callback_info info) {
  Tree *tree;
  const uint8_t *key;
  size_t key_length;
  if (!tree_and_key(env, info, &tree, &key, &key_length)) return NULL;
  if (setjmp(tree->fail)) {
    end_call(tree);
    return NULL;
  }
  uint32_t answer = 0;
  if (!is_zero_hash(tree->root)) {
    uint8_t key_hash[HASH_BYTES];
    digest(tree, key, key_length, key_hash);
    const Page *leaf_page = NULL;
    int leaf_slot = 0;
    int reached = follow_path(tree, key_hash, 0, NULL, NULL, &leaf_page, &leaf_slot);
    if (reached == PATH_NOT_HELD) answer = 2;
    else if (reached == PATH_LEAF) answer = memcmp(page_key_hash(leaf_page, leaf_slot), key_hash, HASH_BYTES) == 0 ? 1 : 0;
  }
  end_call(tree);
  napi_value result;
  napi_create_uint32(env, answer, &result);
  return result;
}

int state_tree_register(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
    {"stateTreeCreate", NULL, create, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stateTreeRoot", NULL, root, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stateTreeCounts", NULL, counts, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stateTreePrepare", NULL, prepare, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stateTreeApplied", NULL, applied, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stateTreePageRecords", NULL, page_records, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stateTreeCheckpointed", NULL, checkpointed, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stateTreeProve", NULL, prove, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stateTreeLookup", NULL, lookup, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) == napi_ok;
}
