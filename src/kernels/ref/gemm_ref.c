/* Scalar GEMM and GEMV. The oracles accumulate in double so they can serve
 * as the reference for every table's kernels; the scalar micro-kernel and
 * GEMV are what ZN_ISA=ref runs through the shared blocked driver. */
#include "kernels/gemm_kernels.h"

#define REF_MR 4
#define REF_NR 8

static void sgemm_oracle(int transa, int transb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
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

static void sgemv_oracle(int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda, const float *x,
                         float beta, float *y) {
    int64_t rows = trans ? n : m, len = trans ? m : n;
    for (int64_t i = 0; i < rows; i++) {
        double s = 0.0;
        for (int64_t p = 0; p < len; p++) s += (double)(trans ? a[p * lda + i] : a[i * lda + p]) * x[p];
        y[i] = (float)(alpha * s) + (beta == 0.0f ? 0.0f : beta * y[i]);
    }
}

/* Float accumulation in increasing p, one accumulator per element; the
 * prefetch hint is for the vector kernels' memory-bound case only. */
static void ukr_ref(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa, int64_t csa,
                    const float *b, int64_t rsb, float beta, float *c, int64_t ldc, const float *bias, const float *pf,
                    int64_t pf_lines) {
    (void)pf, (void)pf_lines;
    float acc[REF_MR][REF_NR] = {{0}};
    for (int64_t p = 0; p < k; p++) {
        const float *bp = b + p * rsb;
        for (int64_t i = 0; i < m; i++) {
            float av = a[i * rsa + p * csa];
            for (int64_t j = 0; j < n; j++) acc[i][j] += av * bp[j];
        }
    }
    for (int64_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        for (int64_t j = 0; j < n; j++) {
            float r = alpha * acc[i][j];
            if (beta != 0.0f) r += beta * ci[j];
            if (bias) r += bias[j];
            ci[j] = r;
        }
    }
}

/* Float GEMV: rows by dot products, A^T by row updates of y. */
static void sgemv_ref(int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda, const float *x,
                      float beta, float *y) {
    if (!trans) {
        for (int64_t i = 0; i < m; i++) {
            float s = 0.0f;
            for (int64_t p = 0; p < n; p++) s += a[i * lda + p] * x[p];
            y[i] = alpha * s + (beta == 0.0f ? 0.0f : beta * y[i]);
        }
        return;
    }
    for (int64_t j = 0; j < n; j++) y[j] = beta == 0.0f ? 0.0f : beta * y[j];
    for (int64_t p = 0; p < m; p++) {
        float s = alpha * x[p];
        for (int64_t j = 0; j < n; j++) y[j] += s * a[p * lda + j];
    }
}

static void ger_ref(int64_t m, int64_t n, float alpha, const float *x, int64_t incx, const float *y, float *a,
                    int64_t lda) {
    for (int64_t i = 0; i < m; i++) {
        const float s = alpha * x[i * incx];
        float *row = a + i * lda;
        for (int64_t j = 0; j < n; j++) row[j] += s * y[j];
    }
}

/* The definition itself: the update, then the product. */
static void ger_gemvt_ref(int64_t m, int64_t n, float alpha, const float *x, const float *y, float *a, int64_t lda,
                          const float *w, float *z) {
    ger_ref(m, n, alpha, x, 1, y, a, lda);
    sgemv_ref(1, m, n, 1.0f, a, lda, w, 0.0f, z);
}

static void tr_add_ref(int64_t m, int64_t n, const float *t, int64_t ldt, float beta, float *c, int64_t ldc) {
    for (int64_t i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (beta == 0.0f)
            for (int64_t j = 0; j < n; j++) row[j] = t[j * ldt + i];
        else
            for (int64_t j = 0; j < n; j++) row[j] = t[j * ldt + i] + beta * row[j];
    }
}

void zn_gemm_init_ref(zn_gemm_kernels *k) {
    k->mr = REF_MR;
    k->nr = REF_NR;
    k->kc = 256;
    k->mc = 64;
    k->nc = 1024;
    k->nc_l2 = 512;
    k->ukr = ukr_ref;
    k->pack_b = zn_gemm_pack_b_c;
    k->pack_rows = zn_gemm_pack_rows;
    k->sgemv = sgemv_ref;
    k->ger = ger_ref;
    k->ger_gemvt = ger_gemvt_ref;
    k->tr_add = tr_add_ref;
    k->sgemm_oracle = sgemm_oracle;
    k->sgemv_oracle = sgemv_oracle;
}
