/* Embedding gather and scatter-add, one-hot (embed.h).
 *
 * The gradient's scatter-add never races: threads own disjoint table rows
 * (each visits every id and takes those in its range) or, for wide rows,
 * disjoint columns. Either way each element sums its contributions in the
 * order of the ids, so the bits do not depend on the thread count. */
#include <string.h>

#include "base/internal.h"
#include "kernels/embed.h"
#include "kernels/kernels.h"
#include "kernels/parallel.h"

enum { COL_ALIGN = 16 };

zn_status zn_check_ids(const char *fn, int64_t n, const int32_t *ids, int64_t v) {
    for (int64_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= v)
            return zn_error(ZN_ERR_INVALID_ARG, "%s: ids[%lld] = %d is outside [0, %lld)", fn, (long long)i,
                            (int)ids[i], (long long)v);
    return ZN_OK;
}

static zn_status check(const char *fn, int64_t n, const int32_t *ids, int64_t v, int64_t d, const void *in,
                       const void *out) {
    if (n < 0 || v < 0 || d < 0)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: n (%lld), v (%lld) and d (%lld) must be >= 0", fn, (long long)n,
                        (long long)v, (long long)d);
    int64_t a, b;
    if (!zn_mul_i64(n, d, &a) || !zn_mul_i64(v, d, &b) || (uint64_t)a > SIZE_MAX / sizeof(float) ||
        (uint64_t)b > SIZE_MAX / sizeof(float))
        return zn_error(ZN_ERR_OVERFLOW, "%s: n, v and d (%lld, %lld, %lld) overflow", fn, (long long)n, (long long)v,
                        (long long)d);
    if (n == 0) return ZN_OK;
    if (!ids) return zn_error(ZN_ERR_INVALID_ARG, "%s: ids is NULL", fn);
    zn_status s = zn_check_ids(fn, n, ids, v);
    if (s != ZN_OK || d == 0) return s;
    if (!in || !out) return zn_error(ZN_ERR_INVALID_ARG, "%s: NULL array", fn);
    return ZN_OK;
}

typedef struct embed_job {
    const int32_t *ids;
    int64_t n, v;
    size_t d;
    const float *src;
    float *dst;
    const zn_vmath_kernels *k;
} embed_job;

static void gather_rows(void *ctx, int64_t lo, int64_t hi) {
    const embed_job *j = ctx;
    for (int64_t i = lo; i < hi; i++)
        memcpy(j->dst + (size_t)i * j->d, j->src + (size_t)j->ids[i] * j->d, j->d * sizeof(float));
}

zn_status zn_embedding_forward(int64_t n, const int32_t *ids, int64_t v, int64_t d, const float *table, float *y,
                               zn_pool *pool, int max_threads) {
    zn_status s = check("zn_embedding_forward", n, ids, v, d, table, y);
    if (s != ZN_OK || n == 0 || d == 0) return s;
    embed_job j = {ids, n, v, (size_t)d, table, y, NULL};
    return zn_parallel_rows(pool, max_threads, n, zn_rows_per_thread(2 * d, ZN_PAR_MIN_COPY_FLOATS), gather_rows, &j);
}

/* Table rows [lo, hi) of this thread: every id in range, in order. */
static void scatter_by_rows(void *arg, int ith, int nth) {
    const embed_job *j = arg;
    int64_t lo, hi;
    zn_split_range(j->v, 1, ith, nth, &lo, &hi);
    for (int64_t i = 0; i < j->n; i++) {
        const int64_t id = j->ids[i];
        if (id >= lo && id < hi) j->k->axpy(j->d, 1.0f, j->src + (size_t)i * j->d, j->dst + (size_t)id * j->d);
    }
}

/* Columns [lo, hi) of every row: all ids, in order. */
static void scatter_by_cols(void *arg, int ith, int nth) {
    const embed_job *j = arg;
    int64_t lo, hi;
    zn_split_range((int64_t)j->d, COL_ALIGN, ith, nth, &lo, &hi);
    if (lo >= hi) return;
    for (int64_t i = 0; i < j->n; i++)
        j->k->axpy((size_t)(hi - lo), 1.0f, j->src + (size_t)i * j->d + lo, j->dst + (size_t)j->ids[i] * j->d + lo);
}

zn_status zn_embedding_backward(int64_t n, const int32_t *ids, int64_t v, int64_t d, const float *dy, float *dtable,
                                zn_pool *pool, int max_threads) {
    zn_status s = check("zn_embedding_backward", n, ids, v, d, dy, dtable);
    if (s != ZN_OK || n == 0 || d == 0) return s;
    embed_job j = {ids, n, v, (size_t)d, dy, dtable, &zn_kernels_get()->vmath};
    /* y + a x with a = 1 is one rounded add in every ISA's axpy, so the
     * splits (and the single thread) give the same bits. */
    int nth = zn_parallel_threads(pool, max_threads, 3 * n * d, ZN_PAR_MIN_COPY_FLOATS);
    if (nth <= 1) {
        scatter_by_rows(&j, 0, 1);
        return ZN_OK;
    }
    /* Wide rows: columns share the work evenly whatever the ids. Narrow
     * rows: table rows, which share it evenly when the ids spread. */
    if (d >= (int64_t)COL_ALIGN * 4 * nth) return zn_pool_run(pool, scatter_by_cols, &j, nth);
    if (nth > v) nth = (int)v;
    return zn_pool_run(pool, scatter_by_rows, &j, nth);
}

static void one_hot_rows(void *ctx, int64_t lo, int64_t hi) {
    const embed_job *j = ctx;
    for (int64_t i = lo; i < hi; i++) {
        float *yr = j->dst + (size_t)i * (size_t)j->v;
        memset(yr, 0, (size_t)j->v * sizeof(float));
        yr[j->ids[i]] = 1.0f;
    }
}

zn_status zn_one_hot(int64_t n, const int32_t *ids, int64_t v, float *y, zn_pool *pool, int max_threads) {
    int64_t total;
    if (n > 0 && v > 0 && (!zn_mul_i64(n, v, &total) || (uint64_t)total > SIZE_MAX / sizeof(float)))
        return zn_error(ZN_ERR_OVERFLOW, "zn_one_hot: %lld x %lld floats overflow", (long long)n, (long long)v);
    zn_status s = check("zn_one_hot", n, ids, v, 1, ids, y);
    if (s != ZN_OK || n == 0) return s;
    embed_job j = {ids, n, v, 0, NULL, y, NULL};
    return zn_parallel_rows(pool, max_threads, n, zn_rows_per_thread(v, ZN_PAR_MIN_COPY_FLOATS), one_hot_rows, &j);
}
