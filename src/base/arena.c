/* Arenas: bump allocation from a list of chunks, freed all at once. */
#include <stdlib.h>

#include "base/internal.h"

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
} arena_chunk;

struct zn_arena {
    arena_chunk *head; /* newest first */
    size_t budget;     /* 0: none */
    size_t reserved;   /* chunk bytes held, headers included */
    size_t used;
    size_t peak;
};

#define CHUNK_HEADER ((sizeof(arena_chunk) + ZN_ALIGN - 1) & ~(size_t)(ZN_ALIGN - 1))
#define MIN_CHUNK ((size_t)64 << 10)

zn_status zn_arena_create(size_t budget_bytes, zn_arena **out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "zn_arena_create: out is NULL");
    *out = NULL;
    zn_arena *a = zn_calloc(1, sizeof *a);
    if (!a) return ZN_ERR_OUT_OF_MEMORY;
    a->budget = budget_bytes;
    *out = a;
    return ZN_OK;
}

static void free_chunks(arena_chunk *c, arena_chunk *stop) {
    while (c != stop) {
        arena_chunk *next = c->next;
        zn_free(c);
        c = next;
    }
}

void zn_arena_free(zn_arena *a) {
    if (!a) return;
    free_chunks(a->head, NULL);
    zn_free(a);
}

static size_t align_up(size_t x, size_t align) { return (x + align - 1) & ~(align - 1); }

zn_status zn_arena_alloc(zn_arena *a, size_t bytes, size_t align, void **out) {
    if (!a || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_arena_alloc: NULL argument");
    *out = NULL;
    if (align == 0) align = ZN_ALIGN;
    if ((align & (align - 1)) != 0 || align > 4096)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_arena_alloc: align %zu is not a power of two <= 4096", align);
    if (bytes == 0) bytes = 1;
    if (bytes > SIZE_MAX / 2) return zn_error(ZN_ERR_OVERFLOW, "zn_arena_alloc: %zu bytes", bytes);

    arena_chunk *c = a->head;
    if (c) {
        uintptr_t base = (uintptr_t)c + CHUNK_HEADER;
        size_t start = align_up(base + c->used, align) - base;
        if (start <= c->size && bytes <= c->size - start) {
            c->used = start + bytes;
            a->used += bytes;
            if (a->used > a->peak) a->peak = a->used;
            *out = (void *)(base + start);
            return ZN_OK;
        }
    }
    /* New chunk: at least double the last one, enough for this block. */
    size_t want = bytes + align;
    size_t size = c ? c->size * 2 : MIN_CHUNK;
    if (size < want) size = align_up(want, 4096);
    if (a->budget) {
        if (a->reserved + CHUNK_HEADER + want > a->budget)
            return zn_error(ZN_ERR_BUDGET, "arena: %zu more bytes would pass the budget of %zu (%zu held)", bytes,
                            a->budget, a->reserved);
        if (a->reserved + CHUNK_HEADER + size > a->budget) size = a->budget - a->reserved - CHUNK_HEADER;
    }
    arena_chunk *n = zn_alloc(CHUNK_HEADER + size);
    if (!n) return ZN_ERR_OUT_OF_MEMORY;
    n->next = c;
    n->size = size;
    n->used = 0;
    a->head = n;
    a->reserved += CHUNK_HEADER + size;
    uintptr_t base = (uintptr_t)n + CHUNK_HEADER;
    size_t start = align_up(base, align) - base;
    n->used = start + bytes;
    a->used += bytes;
    if (a->used > a->peak) a->peak = a->used;
    *out = (void *)(base + start);
    return ZN_OK;
}

void zn_arena_reset(zn_arena *a) {
    if (!a || !a->head) return;
    /* Keep the oldest chunk (the first one made); free the rest. */
    arena_chunk *oldest = a->head;
    while (oldest->next) oldest = oldest->next;
    free_chunks(a->head, oldest);
    a->head = oldest;
    oldest->used = 0;
    a->reserved = CHUNK_HEADER + oldest->size;
    a->used = 0;
}

size_t zn_arena_used(const zn_arena *a) { return a ? a->used : 0; }
size_t zn_arena_peak(const zn_arena *a) { return a ? a->peak : 0; }
size_t zn_arena_reserved(const zn_arena *a) { return a ? a->reserved : 0; }
