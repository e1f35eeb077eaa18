/* Static row splits on the pool for row-wise and element-wise kernels.
 *
 * zn_parallel_rows cuts [0, rows) into near-equal contiguous ranges, one per
 * thread, and calls fn(ctx, begin, end) for each. A row's result must not
 * depend on the range it falls in; then results are bit-identical for any
 * thread count. Work too small to pay for a hand-off runs on the caller. */
#ifndef ZN_KERNELS_PARALLEL_H
#define ZN_KERNELS_PARALLEL_H

#include <stdint.h>

#include "zenn/pool.h"

/* Floats of work (read or written) a thread needs before a split pays:
 * for kernels that compute a few operations per float (normalisation), and
 * for memory-bound ones (copies, gathers, scatter-adds, one-hot). The
 * measurements behind them are in docs/KERNELS.md ("Normalisation and
 * embeddings on the pool"). */
#define ZN_PAR_MIN_FLOATS ((int64_t)16384)
#define ZN_PAR_MIN_COPY_FLOATS ((int64_t)131072)
/* ... and for the graph's element-wise ops (activations, broadcasting
 * arithmetic), a few operations per element, whose split costs a hand-off
 * inside every training step. */
#define ZN_PAR_MIN_ELEMENTWISE ((int64_t)65536)

typedef void (*zn_rows_fn)(void *ctx, int64_t begin, int64_t end);

/* The thread count for `items` units when each thread needs at least
 * min_items_per_thread of them: at most the pool's size (1 for a NULL
 * pool), at most max_threads when that is > 0, at least 1. */
int zn_parallel_threads(const zn_pool *pool, int max_threads, int64_t items, int64_t min_items_per_thread);

/* The minimum rows per thread for rows of `floats_per_row` floats of work
 * when a thread needs min_floats (ZN_PAR_MIN_FLOATS, ZN_PAR_MIN_COPY_FLOATS):
 * min_floats / floats_per_row rounded up, at least 1. */
int64_t zn_rows_per_thread(int64_t floats_per_row, int64_t min_floats);

/* fn over [0, rows) in contiguous ranges, one per thread (range ith of nth is
 * zn_split_range(rows, 1, ith, nth)). rows == 0 calls nothing. Fails with
 * ZN_ERR_INVALID_ARG for rows < 0 or a NULL fn. */
zn_status zn_parallel_rows(zn_pool *pool, int max_threads, int64_t rows, int64_t min_rows_per_thread, zn_rows_fn fn,
                           void *ctx);

#endif
