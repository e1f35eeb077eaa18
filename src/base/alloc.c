/* Aligned allocation with process-wide byte accounting.
 *
 * Each block carries a 64-byte header holding its size, so zn_free can
 * update the counters without a lookup table. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"

static atomic_size_t mem_current;
static atomic_size_t mem_peak;

static void account_add(size_t bytes) {
    size_t now = atomic_fetch_add(&mem_current, bytes) + bytes;
    size_t peak = atomic_load(&mem_peak);
    while (now > peak && !atomic_compare_exchange_weak(&mem_peak, &peak, now)) {
    }
}

void *zn_alloc(size_t bytes) {
    size_t total;
    if (bytes == 0) {
        zn_error(ZN_ERR_INVALID_ARG, "zn_alloc: zero bytes");
        return NULL;
    }
    if (!zn_add_size(bytes, ZN_ALIGN, &total) || !zn_add_size(total, ZN_ALIGN - 1, &total)) {
        zn_error(ZN_ERR_OVERFLOW, "zn_alloc: %zu bytes overflows", bytes);
        return NULL;
    }
    total &= ~(size_t)(ZN_ALIGN - 1);
    void *raw = NULL;
    if (posix_memalign(&raw, ZN_ALIGN, total) != 0 || !raw) {
        zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_alloc: cannot allocate %zu bytes", bytes);
        return NULL;
    }
    memcpy(raw, &bytes, sizeof bytes);
    account_add(bytes);
    return (char *)raw + ZN_ALIGN;
}

void *zn_calloc(size_t count, size_t size) {
    size_t bytes;
    if (!zn_mul_size(count, size, &bytes)) {
        zn_error(ZN_ERR_OVERFLOW, "zn_calloc: %zu x %zu bytes overflows", count, size);
        return NULL;
    }
    void *p = zn_alloc(bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

void zn_free(void *p) {
    if (!p) return;
    char *raw = (char *)p - ZN_ALIGN;
    size_t bytes;
    memcpy(&bytes, raw, sizeof bytes);
    atomic_fetch_sub(&mem_current, bytes);
    free(raw);
}

size_t zn_mem_current(void) { return atomic_load(&mem_current); }
size_t zn_mem_peak(void) { return atomic_load(&mem_peak); }
void zn_mem_reset_peak(void) { atomic_store(&mem_peak, atomic_load(&mem_current)); }

void *zn_realloc(void *p, size_t bytes) {
    if (!p) return zn_alloc(bytes);
    size_t old;
    memcpy(&old, (char *)p - ZN_ALIGN, sizeof old);
    if (bytes <= old && bytes > old / 2) return p; /* shrinking a little: keep the block */
    void *q = zn_alloc(bytes);
    if (!q) return NULL;
    memcpy(q, p, old < bytes ? old : bytes);
    zn_free(p);
    return q;
}
