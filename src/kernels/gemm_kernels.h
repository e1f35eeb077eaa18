/* The GEMM/GEMV kernel table (one per ISA). Arguments are already checked;
 * sizes are non-negative and fit in memory. Row-major throughout. */
#ifndef ZN_GEMM_KERNELS_H
#define ZN_GEMM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef struct zn_gemm_kernels {
    /* C[m x n] = alpha * op(A) op(B) + beta * C on the calling thread.
     * beta == 0: C is not read. */
    void (*sgemm)(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                  int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
    /* y = alpha * op(A) x + beta * y, unit strides. */
    void (*sgemv)(int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda,
                  const float *x, float beta, float *y);
} zn_gemm_kernels;

void zn_gemm_init_ref(zn_gemm_kernels *k);
void zn_gemm_init_avx2(zn_gemm_kernels *k);
void zn_gemm_init_avx512(zn_gemm_kernels *k);

#endif
