/* Embedding kernels: int32 ids into rows of a float table[v][d].
 *
 * Every id is checked before anything is written: an id < 0 or >= v fails
 * with ZN_ERR_INVALID_ARG and a message naming its position and value. Work
 * is split statically over the pool (NULL: the calling thread only;
 * max_threads > 0 caps the threads) when large enough; results are
 * bit-identical for any thread count. */
#ifndef ZN_KERNELS_EMBED_H
#define ZN_KERNELS_EMBED_H

#include <stdint.h>

#include "zenn/pool.h"

/* y[i][:] = table[ids[i]][:] for i < n. */
zn_status zn_embedding_forward(int64_t n, const int32_t *ids, int64_t v, int64_t d, const float *table, float *y,
                               zn_pool *pool, int max_threads);

/* dtable[ids[i]][:] += dy[i][:], each element summed in the order of i
 * whatever the threads (split by table rows, or by columns for wide rows). */
zn_status zn_embedding_backward(int64_t n, const int32_t *ids, int64_t v, int64_t d, const float *dy, float *dtable,
                                zn_pool *pool, int max_threads);

/* y[i][k] = (k == ids[i]) for i < n, k < v. */
zn_status zn_one_hot(int64_t n, const int32_t *ids, int64_t v, float *y, zn_pool *pool, int max_threads);

/* The first id outside [0, v) as an error naming `fn`, the position and the
 * value; ZN_OK when all are in range. */
zn_status zn_check_ids(const char *fn, int64_t n, const int32_t *ids, int64_t v);

#endif
