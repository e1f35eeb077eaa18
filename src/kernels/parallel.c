/* Static row splits on the pool (parallel.h). */
#include "kernels/parallel.h"

#include "base/internal.h"

int zn_parallel_threads(const zn_pool *pool, int max_threads, int64_t items, int64_t min_items_per_thread) {
    int nth = zn_pool_size(pool);
    if (max_threads > 0 && max_threads < nth) nth = max_threads;
    if (min_items_per_thread < 1) min_items_per_thread = 1;
    int64_t by_work = items / min_items_per_thread;
    if (by_work < nth) nth = (int)by_work;
    return nth < 1 ? 1 : nth;
}

int64_t zn_rows_per_thread(int64_t floats_per_row, int64_t min_floats) {
    if (floats_per_row < 1) floats_per_row = 1;
    if (min_floats < 1) min_floats = 1;
    int64_t r = min_floats / floats_per_row + (min_floats % floats_per_row != 0);
    return r < 1 ? 1 : r;
}

typedef struct rows_job {
    zn_rows_fn fn;
    void *ctx;
    int64_t rows;
} rows_job;

static void rows_part(void *arg, int ith, int nth) {
    const rows_job *j = arg;
    int64_t lo, hi;
    zn_split_range(j->rows, 1, ith, nth, &lo, &hi);
    if (lo < hi) j->fn(j->ctx, lo, hi);
}

zn_status zn_parallel_rows(zn_pool *pool, int max_threads, int64_t rows, int64_t min_rows_per_thread, zn_rows_fn fn,
                           void *ctx) {
    if (!fn) return zn_error(ZN_ERR_INVALID_ARG, "zn_parallel_rows: fn is NULL");
    if (rows < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_parallel_rows: rows (%lld) < 0", (long long)rows);
    if (rows == 0) return ZN_OK;
    int nth = zn_parallel_threads(pool, max_threads, rows, min_rows_per_thread);
    if (nth == 1) {
        fn(ctx, 0, rows);
        return ZN_OK;
    }
    rows_job j = {fn, ctx, rows};
    return zn_pool_run(pool, rows_part, &j, nth);
}
