/* Single-precision matrix multiplication, row-major.
 *
 *   C = alpha * op(A) * op(B) + beta * C        (then the optional epilogue)
 *
 * op(A) is m x k, op(B) is k x n, C is m x n. The arguments are those of
 * cblas_sgemm(CblasRowMajor, ...) without the layout: lda, ldb, ldc are row
 * strides in floats and must be at least the row length of the matrix as
 * stored (A: k if not transposed, else m; B: n if not transposed, else k;
 * C: n). beta == 0 means C is not read (NaN in C does not propagate).
 * k == 0 gives C = beta * C. m == 0 or n == 0 is a no-op.
 *
 * Threads: zn_sgemm uses the default pool (ZN_THREADS); zn_sgemm_ex takes a
 * pool and a thread cap. Small products run on the calling thread. Results
 * are bit-identical for any thread count (each C element is summed by one
 * thread in a fixed order). */
#ifndef ZENN_GEMM_H
#define ZENN_GEMM_H

#include "zenn/base.h"
#include "zenn/pool.h"
#include "zenn/vmath.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum zn_transpose { ZN_NO_TRANS = 0, ZN_TRANS = 1 } zn_transpose;

ZN_API zn_status zn_sgemm(zn_transpose transa, zn_transpose transb, int64_t m, int64_t n, int64_t k, float alpha,
                          const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

typedef struct zn_gemm_opts {
    zn_pool *pool;     /* NULL: the default pool */
    int max_threads;   /* 0: the pool's size; 1: the calling thread only */
    const float *bias; /* NULL, or n floats added to every row of C */
    zn_act act;        /* applied last: C = act(alpha*AB + beta*C + bias) */
    float act_alpha;   /* ZN_ACT_LEAKY_RELU's slope */
    /* NULL, or op(B) packed by zn_sgemm_pack_b with the same transb, k and n:
     * the product reads it instead of packing B itself (b must still point
     * to B: products with one row read B directly). */
    const float *b_packed;
    /* The caller's count of products with this B. A one-row product (a
     * GEMV over B) reads B's row blocks in the opposite order on odd
     * counts, so that a B bigger than the caches starts where the last
     * product ended, in cache. The result is the same for any count. */
    unsigned pass;
} zn_gemm_opts;

ZN_API zn_gemm_opts zn_gemm_opts_default(void);

ZN_API zn_status zn_sgemm_ex(zn_transpose transa, zn_transpose transb, int64_t m, int64_t n, int64_t k, float alpha,
                             const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                             int64_t ldc, const zn_gemm_opts *opts);

/* Packing B once for many products with the same B (a layer's weights at
 * inference): a product packs op(B) into the kernels' panels every call,
 * which costs as much as streaming B from memory twice. The layout belongs
 * to this process's kernels (ZN_ISA and the CPU); it is not a file format.
 * zn_sgemm_packed_b_floats is the size of the packed copy in floats;
 * zn_sgemm_pack_b writes it to `packed` (64-byte aligned is best). */
ZN_API size_t zn_sgemm_packed_b_floats(int64_t k, int64_t n);
ZN_API zn_status zn_sgemm_pack_b(zn_transpose transb, int64_t k, int64_t n, const float *b, int64_t ldb, float *packed);

/* y = alpha * op(A) * x + beta * y, A is m x n row-major with row stride lda.
 * op(A) = A: x has n entries, y has m. op(A) = A^T: x has m, y has n.
 * incx, incy must be positive. beta == 0 means y is not read. */
ZN_API zn_status zn_sgemv(zn_transpose trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda,
                          const float *x, int64_t incx, float beta, float *y, int64_t incy);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_GEMM_H */
