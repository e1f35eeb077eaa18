/* The blocked, threaded GEMM driver and the threaded GEMV, shared by every
 * ISA table. Arguments are already checked. Internal to the library (tests
 * call it with each ISA's table). */
#ifndef ZN_GEMM_DRIVER_H
#define ZN_GEMM_DRIVER_H

#include "kernels/kernels.h"
#include "zenn/pool.h"

typedef struct zn_gemm_call {
    int ta, tb;
    int64_t m, n, k;
    float alpha, beta;
    const float *a, *b;
    float *c;
    int64_t lda, ldb, ldc;
    const float *bias; /* NULL or n floats */
    zn_act act;
    float act_alpha;
    const float *b_packed; /* NULL, or op(B) laid out by zn_gemm_pack_b_all (then b is not read) */
} zn_gemm_call;

/* op(B) (k x n) packed once for many products: for each kc block of k, the
 * kernels' kc x nr micro-panels over all n columns (zero-padded to nr), as
 * the driver would pack them itself. The layout depends on the table. */
size_t zn_gemm_packed_b_floats(const zn_kernels *kt, int64_t k, int64_t n);
void zn_gemm_pack_b_all(const zn_kernels *kt, int tb, int64_t k, int64_t n, const float *b, int64_t ldb, float *dst);

/* dst = src^T: src is rows x cols (row stride lds), dst cols x rows (ldd). */
void zn_transpose_copy(int64_t rows, int64_t cols, const float *src, int64_t lds, float *dst, int64_t ldd);

/* Runs the product with table kt on up to max_threads threads of pool
 * (pool NULL or max_threads 1: the calling thread only). Results do not
 * depend on the thread count. Fails only when out of memory. */
zn_status zn_gemm_run(const zn_kernels *kt, const zn_gemm_call *call, zn_pool *pool, int max_threads);

/* The parts of A's rows that threads own in memory-bound passes over A
 * (GEMV either way, rank-1 updates): 1 below ~128K elements; they depend
 * on the shape only (gemm_gemv.c says why). */
int zn_row_parts(int64_t m, int64_t n);
void zn_row_part_range(int64_t m, int part, int parts, int64_t *lo, int64_t *hi);
/* fn(arg, ith, nth) on up to min(pool size, max_threads, parts) threads;
 * fn takes parts ith, ith + nth, ... */
void zn_row_parts_run(zn_pool *pool, int max_threads, int parts, zn_pool_fn fn, void *arg);

/* y = alpha op(A) x + beta y, unit strides, split into row parts when large.
 * pass: the caller's count of passes over A; on odd passes each thread
 * visits its parts last to first, starting where the last pass ended, in
 * cache. The result is the same either way. */
void zn_gemv_run(const zn_kernels *kt, int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda,
                 const float *x, float beta, float *y, zn_pool *pool, int max_threads, unsigned pass);
/* For a one-row product x W (W k x n): 1 when a dot product per output over
 * W^T's rows (zn_gemv_run's A x) reads W faster than A^T x over W's rows,
 * whose sums of more than 256 columns take several strided passes. */
int zn_gemv_prefers_rows(int64_t k, int64_t n);
/* Two layers of a one-sample pass: z1 = A1 x + bias1 (A1: W1^T, m1 x k1,
 * zn_gemv_run's A x), act(lo, hi) makes h[lo, hi) from z1[lo, hi), and
 * y2 = h^T A2 (A2: m1 x n2). Each of A1's row parts (zn_row_parts(m1, k1))
 * also sums its rows of A2 into a partial y2, added in part order: results
 * depend on the shapes only, never on the thread count. */
typedef struct zn_gemv_pair {
    int64_t m1, k1, lda1, n2, lda2;
    const float *a1, *x, *bias1, *a2, *h;
    float *z1, *y2;
    void (*act)(void *ctx, int64_t lo, int64_t hi);
    void *act_ctx;
} zn_gemv_pair;
/* 1 when the pair runs as one job: A1 splits into row parts, and their
 * partial y2's fit on the stack. */
int zn_gemv_pair_fits(int64_t m1, int64_t k1, int64_t n2);
void zn_gemv_pair_run(const zn_kernels *kt, const zn_gemv_pair *p, zn_pool *pool, int max_threads, unsigned pass);
/* A += alpha x y^T (x: m, y: n), then z = A^T w with the updated A, in one
 * pass over A: bit for bit the rank-1 zn_gemm_run (beta 1, k 1) followed by
 * zn_gemv_run(trans 1, alpha 1, beta 0), on the same row parts. Incremental
 * training uses it to update a first layer and run the next sample's
 * product together. */
void zn_ger_gemvt_run(const zn_kernels *kt, int64_t m, int64_t n, float alpha, const float *x, const float *y, float *a,
                      int64_t lda, const float *w, float *z, zn_pool *pool, int max_threads, unsigned pass);

#endif
