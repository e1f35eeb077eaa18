/* Scalar GEMM and GEMV: the oracle. Accumulates in double so it can serve
 * as the reference for the vector kernels. */
#include "kernels/gemm_kernels.h"

static void sgemm_ref(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                      int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            double s = 0.0;
            for (int64_t p = 0; p < k; p++) {
                float av = transa ? a[p * lda + i] : a[i * lda + p];
                float bv = transb ? b[j * ldb + p] : b[p * ldb + j];
                s += (double)av * bv;
            }
            float prev = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
            c[i * ldc + j] = (float)(alpha * s) + prev;
        }
    }
}

static void sgemv_ref(int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda,
                      const float *x, float beta, float *y) {
    int64_t rows = trans ? n : m, len = trans ? m : n;
    for (int64_t i = 0; i < rows; i++) {
        double s = 0.0;
        for (int64_t p = 0; p < len; p++) s += (double)(trans ? a[p * lda + i] : a[i * lda + p]) * x[p];
        y[i] = (float)(alpha * s) + (beta == 0.0f ? 0.0f : beta * y[i]);
    }
}

void zn_gemm_init_ref(zn_gemm_kernels *k) {
    k->sgemm = sgemm_ref;
    k->sgemv = sgemv_ref;
}
