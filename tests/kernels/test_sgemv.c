/* SGEMV: every ISA's kernel against the double oracle (both forms, awkward
 * sizes, strides, misalignment, alpha/beta with NaN in y when beta == 0),
 * the public API with strided vectors, thread-count independence, and bad
 * arguments. */
#include <float.h>

#include "kernels/gemm_driver.h"
#include "zn_test.h"

static zn_rng rng;

/* Checks y against the oracle's; tolerance from the magnitudes summed. */
static void check_gemv(const char *what, int trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda,
                       const float *x, float beta, const float *y0, const float *got, const float *want) {
    int64_t rows = trans ? n : m, len = trans ? m : n;
    int bad = 0;
    for (int64_t i = 0; i < rows; i++) {
        double s = 0.0;
        for (int64_t p = 0; p < len; p++) s += fabs((double)(trans ? a[p * lda + i] : a[i * lda + p]) * x[p]);
        double mag = fabs(alpha) * s + (beta == 0.0f ? 0.0 : fabs(beta * y0[i]));
        double tol = 4.0 * FLT_EPSILON * (sqrt((double)len) + 2.0) * mag + 1e-30;
        zt_checks++;
        if (!(isfinite(got[i]) && fabs((double)got[i] - want[i]) <= tol) && bad++ < 3)
            ZT_FAIL("%s trans %d m %lld n %lld alpha %g beta %g: y[%lld] = %.9g, want %.9g", what, trans, (long long)m,
                    (long long)n, alpha, beta, (long long)i, got[i], want[i]);
    }
}

static void run_kernel(const zn_kernels *kt, int trans, int64_t m, int64_t n, int64_t pad, size_t shift, float alpha,
                       float beta) {
    int64_t lda = n + pad, xlen = trans ? m : n, ylen = trans ? n : m;
    float *a = zt_alloc_shifted((size_t)(m * lda + 1), shift);
    float *x = zt_alloc_shifted((size_t)xlen + 1, shift);
    float *y = zt_alloc_shifted((size_t)ylen + 1, shift);
    float *y0 = zt_alloc_shifted((size_t)ylen + 1, 0), *want = zt_alloc_shifted((size_t)ylen + 1, 0);
    zn_rng_fill_uniform(&rng, a, (size_t)(m * lda + 1), -1.0f, 1.0f);
    zn_rng_fill_uniform(&rng, x, (size_t)xlen + 1, -1.0f, 1.0f);
    zn_rng_fill_uniform(&rng, y0, (size_t)ylen + 1, -1.0f, 1.0f);
    if (beta == 0.0f)
        for (int64_t i = 0; i <= ylen; i++) y0[i] = NAN;
    memcpy(y, y0, ((size_t)ylen + 1) * sizeof(float));
    memcpy(want, y0, ((size_t)ylen + 1) * sizeof(float));
    kt->gemm.sgemv_oracle(trans, m, n, alpha, a, lda, x, beta, want);
    kt->gemm.sgemv(trans, m, n, alpha, a, lda, x, beta, y);
    check_gemv(zn_isa_name(kt->isa), trans, m, n, alpha, a, lda, x, beta, y0, y, want);
    ZT_CHECK(memcmp(&y[ylen], &y0[ylen], sizeof(float)) == 0); /* nothing written past y */
    zt_free_shifted(a, shift);
    zt_free_shifted(x, shift);
    zt_free_shifted(y, shift);
    zt_free_shifted(y0, 0);
    zt_free_shifted(want, 0);
}

static void test_kernels_every_isa(void) {
    static const int64_t sizes[] = {0, 1, 2, 7, 15, 16, 17, 31, 33, 127, 300};
    const int ns = (int)(sizeof sizes / sizeof sizes[0]);
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (int trans = 0; trans < 2; trans++)
            for (int i = 0; i < ns; i++)
                for (int j = 0; j < ns; j++) {
                    if (sizes[i] == 0 || sizes[j] == 0) continue; /* the API handles empty x / y */
                    run_kernel(kt, trans, sizes[i], sizes[j], (i + j) % 3, (size_t)(i + j) % 4, 1.0f, 0.0f);
                }
        for (int trans = 0; trans < 2; trans++) {
            run_kernel(kt, trans, 33, 47, 5, 1, -0.5f, 2.0f);
            run_kernel(kt, trans, 1023, 17, 0, 2, 1.5f, 1.0f);
            run_kernel(kt, trans, 17, 1023, 1, 3, 1.0f, -1.0f);
            run_kernel(kt, trans, 784, 128, 0, 0, 1.0f, 0.0f);
        }
    }
}

/* The public API: strided x and y, empty sizes, alpha == 0. */
static void test_public_api(void) {
    const int64_t m = 37, n = 29, lda = 31;
    float a[37 * 31], x[3 * 37], y[2 * 37], want[37], y0[2 * 37];
    zn_rng_fill_uniform(&rng, a, 37 * 31, -1.0f, 1.0f);
    zn_rng_fill_uniform(&rng, x, 3 * 37, -1.0f, 1.0f);
    zn_rng_fill_uniform(&rng, y0, 2 * 37, -1.0f, 1.0f);
    for (int trans = 0; trans < 2; trans++) {
        int64_t xlen = trans ? m : n, ylen = trans ? n : m;
        float xs[37], ys0[37];
        for (int64_t i = 0; i < xlen; i++) xs[i] = x[3 * i];
        for (int64_t i = 0; i < ylen; i++) ys0[i] = want[i] = y0[2 * i];
        memcpy(y, y0, sizeof y);
        zn_kernels_for(ZN_ISA_REF)->gemm.sgemv_oracle(trans, m, n, 0.75f, a, lda, xs, 0.5f, want);
        ZT_OK(zn_sgemv((zn_transpose)trans, m, n, 0.75f, a, lda, x, 3, 0.5f, y, 2));
        float got[37];
        for (int64_t i = 0; i < ylen; i++) got[i] = y[2 * i];
        check_gemv("strided", trans, m, n, 0.75f, a, lda, xs, 0.5f, ys0, got, want);
        for (int64_t i = 0; i < ylen; i++) ZT_CHECK(y[2 * i + 1] == y0[2 * i + 1]); /* gaps untouched */
    }
    /* alpha == 0 and empty x: y = beta y, A and x not read. */
    float yy[3] = {1.0f, 2.0f, 3.0f};
    ZT_OK(zn_sgemv(ZN_NO_TRANS, 3, 0, 1.0f, NULL, 1, NULL, 1, 2.0f, yy, 1));
    ZT_CHECK(yy[0] == 2.0f && yy[1] == 4.0f && yy[2] == 6.0f);
    float nan_a[6] = {NAN, NAN, NAN, NAN, NAN, NAN}, xv[3] = {1, 1, 1};
    ZT_OK(zn_sgemv(ZN_TRANS, 2, 3, 0.0f, nan_a, 3, xv, 1, 0.0f, yy, 1));
    ZT_CHECK(yy[0] == 0.0f && yy[1] == 0.0f && yy[2] == 0.0f);
    ZT_OK(zn_sgemv(ZN_NO_TRANS, 0, 5, 1.0f, NULL, 5, NULL, 1, 0.0f, NULL, 1));
}

/* Same bits on 1 and 2 threads (sizes past the threading threshold). */
static void test_threads_bitwise(void) {
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    const int64_t m = 700, n = 650;
    float *a = zt_alloc_shifted((size_t)(m * n), 1), *x = zt_alloc_shifted(700, 0);
    float *y1 = zt_alloc_shifted(700, 0), *y2 = zt_alloc_shifted(700, 0);
    zn_rng_fill_uniform(&rng, a, (size_t)(m * n), -1.0f, 1.0f);
    zn_rng_fill_uniform(&rng, x, 700, -1.0f, 1.0f);
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (int trans = 0; trans < 2; trans++) {
            zn_rng_fill_uniform(&rng, y1, 700, -1.0f, 1.0f);
            memcpy(y2, y1, 700 * sizeof(float));
            zn_gemv_run(kt, trans, m, n, 1.25f, a, n, x, 0.5f, y1, pool, 0, 0);
            zn_gemv_run(kt, trans, m, n, 1.25f, a, n, x, 0.5f, y2, pool, 1, 0);
            ZT_CHECK_MSG(memcmp(y1, y2, 700 * sizeof(float)) == 0, "%s trans %d differs", zn_isa_name(isa), trans);
        }
    }
    zt_free_shifted(a, 1);
    zt_free_shifted(x, 0);
    zt_free_shifted(y1, 0);
    zt_free_shifted(y2, 0);
    zn_pool_free(pool);
}

/* Large products split A's rows into parts (A^T x adds partial sums, in
 * column blocks when wide): against the oracle, and the same bits on one and
 * two threads and with the parts visited in either order, for every ISA. */
static void test_row_parts(void) {
    static const int64_t shapes[][2] = {{1000, 300}, {2000, 600}, {300, 2000}, {8200, 40}, {100, 5000}};
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int64_t m = shapes[s][0], n = shapes[s][1], lda = n + (int64_t)s;
        ZT_CHECK(zn_row_parts(m, n) > 1);
        float *a = zt_alloc_shifted((size_t)(m * lda), s), *x = zt_alloc_shifted((size_t)(m + n), 0);
        float *y0 = zt_alloc_shifted((size_t)(m + n), 0), *want = zt_alloc_shifted((size_t)(m + n), 0);
        float *y1 = zt_alloc_shifted((size_t)(m + n), 0), *y2 = zt_alloc_shifted((size_t)(m + n), 0);
        float *y3 = zt_alloc_shifted((size_t)(m + n), 0);
        zn_rng_fill_uniform(&rng, a, (size_t)(m * lda), -1.0f, 1.0f);
        zn_rng_fill_uniform(&rng, x, (size_t)(m + n), -1.0f, 1.0f);
        zn_rng_fill_uniform(&rng, y0, (size_t)(m + n), -1.0f, 1.0f);
        ZT_FOR_EACH_ISA(isa) {
            const zn_kernels *kt = zn_kernels_for(isa);
            for (int trans = 0; trans < 2; trans++) {
                const size_t ylen = (size_t)(trans ? n : m);
                memcpy(want, y0, ylen * sizeof(float));
                memcpy(y1, y0, ylen * sizeof(float));
                memcpy(y2, y0, ylen * sizeof(float));
                memcpy(y3, y0, ylen * sizeof(float));
                kt->gemm.sgemv_oracle(trans, m, n, -0.75f, a, lda, x, 0.5f, want);
                zn_gemv_run(kt, trans, m, n, -0.75f, a, lda, x, 0.5f, y1, pool, 0, 0);
                zn_gemv_run(kt, trans, m, n, -0.75f, a, lda, x, 0.5f, y2, NULL, 1, 0);
                zn_gemv_run(kt, trans, m, n, -0.75f, a, lda, x, 0.5f, y3, pool, 0, 1);
                check_gemv("row parts", trans, m, n, -0.75f, a, lda, x, 0.5f, y0, y1, want);
                ZT_CHECK_MSG(memcmp(y1, y2, ylen * sizeof(float)) == 0, "%s trans %d %lldx%lld: threads differ",
                             zn_isa_name(isa), trans, (long long)m, (long long)n);
                ZT_CHECK_MSG(memcmp(y1, y3, ylen * sizeof(float)) == 0,
                             "%s trans %d %lldx%lld: parts visited last to first differ", zn_isa_name(isa), trans,
                             (long long)m, (long long)n);
            }
        }
        zt_free_shifted(a, s);
        zt_free_shifted(x, 0);
        zt_free_shifted(y0, 0);
        zt_free_shifted(want, 0);
        zt_free_shifted(y1, 0);
        zt_free_shifted(y2, 0);
        zt_free_shifted(y3, 0);
    }
    zn_pool_free(pool);
}

static void test_bad_args(void) {
    float a[16] = {0}, x[4] = {0}, y[4] = {0};
    const zn_transpose N = ZN_NO_TRANS;
    ZT_ERR(zn_sgemv((zn_transpose)3, 2, 2, 1, a, 2, x, 1, 0, y, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemv(N, -1, 2, 1, a, 2, x, 1, 0, y, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemv(N, 2, -1, 1, a, 2, x, 1, 0, y, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemv(N, 2, 2, 1, a, 2, x, 0, 0, y, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemv(N, 2, 2, 1, a, 2, x, -1, 0, y, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemv(N, 2, 2, 1, a, 2, x, 1, 0, y, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemv(N, 2, 2, 1, NULL, 2, x, 1, 0, y, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemv(N, 2, 2, 1, a, 2, NULL, 1, 0, y, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemv(N, 2, 2, 1, a, 2, x, 1, 0, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemv(N, 2, 3, 1, a, 2, x, 1, 0, y, 1), ZN_ERR_INVALID_ARG); /* lda < n */
    ZT_ERR(zn_sgemv(N, INT64_MAX / 2, 2, 1, a, 4, x, 1, 0, y, 1), ZN_ERR_OVERFLOW);
    ZT_ERR(zn_sgemv(N, 2, 2, 1, a, 2, x, INT64_MAX / 2, 0, y, 1), ZN_ERR_OVERFLOW);
}

/* A x with x off a 64-byte boundary (copied to an aligned buffer up to 4096
 * floats, read in place beyond): the same bits as with an aligned x, and
 * close to the oracle, for every ISA. */
static void test_misaligned_x(void) {
    static const int64_t ns[] = {1000, 5000};
    for (size_t s = 0; s < sizeof ns / sizeof ns[0]; s++) {
        const int64_t m = 40, n = ns[s];
        float *a = zt_alloc_shifted((size_t)(m * n), 0), *xa = zt_alloc_shifted((size_t)n, 0);
        float *xm = zt_alloc_shifted((size_t)n, 3), *y0 = zt_alloc_shifted((size_t)m, 0);
        float *y1 = zt_alloc_shifted((size_t)m, 0), *y2 = zt_alloc_shifted((size_t)m, 0);
        float *want = zt_alloc_shifted((size_t)m, 0);
        zn_rng_fill_uniform(&rng, a, (size_t)(m * n), -1.0f, 1.0f);
        zn_rng_fill_uniform(&rng, xa, (size_t)n, -1.0f, 1.0f);
        zn_rng_fill_uniform(&rng, y0, (size_t)m, -1.0f, 1.0f);
        memcpy(xm, xa, (size_t)n * sizeof(float));
        ZT_FOR_EACH_ISA(isa) {
            const zn_kernels *kt = zn_kernels_for(isa);
            memcpy(y1, y0, (size_t)m * sizeof(float));
            memcpy(y2, y0, (size_t)m * sizeof(float));
            memcpy(want, y0, (size_t)m * sizeof(float));
            kt->gemm.sgemv_oracle(0, m, n, 0.5f, a, n, xa, -1.0f, want);
            zn_gemv_run(kt, 0, m, n, 0.5f, a, n, xa, -1.0f, y1, NULL, 1, 0);
            zn_gemv_run(kt, 0, m, n, 0.5f, a, n, xm, -1.0f, y2, NULL, 1, 1);
            check_gemv("misaligned x", 0, m, n, 0.5f, a, n, xm, -1.0f, y0, y2, want);
            ZT_CHECK_MSG(memcmp(y1, y2, (size_t)m * sizeof(float)) == 0, "%s n=%lld: misaligned x differs",
                         zn_isa_name(isa), (long long)n);
        }
        zt_free_shifted(a, 0);
        zt_free_shifted(xa, 0);
        zt_free_shifted(xm, 3);
        zt_free_shifted(y0, 0);
        zt_free_shifted(y1, 0);
        zt_free_shifted(y2, 0);
        zt_free_shifted(want, 0);
    }
}

/* The pair's activation in the tests: a leaky ReLU of z1 into h. */
typedef struct pair_ctx {
    const float *z;
    float *h;
} pair_ctx;

static void leaky_range(void *arg, int64_t lo, int64_t hi) {
    pair_ctx *c = arg;
    for (int64_t i = lo; i < hi; i++) c->h[i] = c->z[i] > 0.0f ? c->z[i] : 0.125f * c->z[i];
}

/* Two layers as one job (zn_gemv_pair_run): z1 is zn_gemv_run's A x plus
 * the bias, bit for bit; h is the activation of z1; y2 = h^T A2 is close
 * to the oracle's and has the same bits on one and two threads, with the
 * parts visited in either order, and with x off a 64-byte boundary. */
static void test_layer_pair(void) {
    static const int64_t shapes[][3] = {{300, 600, 5}, {512, 1100, 100}, {1000, 300, 33}};
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int64_t m1 = shapes[s][0], k1 = shapes[s][1], n2 = shapes[s][2], lda1 = k1 + 3, lda2 = n2 + 1;
        ZT_CHECK(zn_gemv_pair_fits(m1, k1, n2));
        float *a1 = zt_alloc_shifted((size_t)(m1 * lda1), 0), *a2 = zt_alloc_shifted((size_t)(m1 * lda2), 0);
        float *x = zt_alloc_shifted((size_t)k1, 0), *xm = zt_alloc_shifted((size_t)k1, 5);
        float *bias = zt_alloc_shifted((size_t)m1, 0), *zref = zt_alloc_shifted((size_t)m1, 0);
        float *z = zt_alloc_shifted((size_t)m1, 0), *h = zt_alloc_shifted((size_t)m1, 0);
        float *y[4], *want = zt_alloc_shifted((size_t)n2, 0), *zero = zt_alloc_shifted((size_t)n2, 0);
        for (int v = 0; v < 4; v++) y[v] = zt_alloc_shifted((size_t)n2, 0);
        zn_rng_fill_uniform(&rng, a1, (size_t)(m1 * lda1), -1.0f, 1.0f);
        zn_rng_fill_uniform(&rng, a2, (size_t)(m1 * lda2), -1.0f, 1.0f);
        zn_rng_fill_uniform(&rng, x, (size_t)k1, -1.0f, 1.0f);
        zn_rng_fill_uniform(&rng, bias, (size_t)m1, -1.0f, 1.0f);
        memcpy(xm, x, (size_t)k1 * sizeof(float));
        ZT_FOR_EACH_ISA(isa) {
            const zn_kernels *kt = zn_kernels_for(isa);
            pair_ctx ctx = {z, h};
            zn_gemv_pair p = {.m1 = m1,
                              .k1 = k1,
                              .lda1 = lda1,
                              .n2 = n2,
                              .lda2 = lda2,
                              .a1 = a1,
                              .x = x,
                              .bias1 = bias,
                              .a2 = a2,
                              .h = h,
                              .z1 = z,
                              .act = leaky_range,
                              .act_ctx = &ctx};
            for (int v = 0; v < 4; v++) {
                p.y2 = y[v];
                p.x = v == 3 ? xm : x;
                for (int64_t i = 0; i < m1; i++) z[i] = h[i] = NAN;
                zn_gemv_pair_run(kt, &p, v == 1 ? NULL : pool, v == 1 ? 1 : 0, v == 2 ? 1u : 0u);
            }
            zn_gemv_run(kt, 0, m1, k1, 1.0f, a1, lda1, x, 0.0f, zref, NULL, 1, 0);
            kt->vmath.add_bias((size_t)m1, bias, zref);
            ZT_CHECK_MSG(memcmp(z, zref, (size_t)m1 * sizeof(float)) == 0, "%s %lld: z1 is not A x + bias",
                         zn_isa_name(isa), (long long)m1);
            int bad = 0;
            for (int64_t i = 0; i < m1; i++) bad += h[i] != (z[i] > 0.0f ? z[i] : 0.125f * z[i]);
            ZT_CHECK_MSG(bad == 0, "%s %lld: %d values of h are not act(z1)", zn_isa_name(isa), (long long)m1, bad);
            memset(want, 0, (size_t)n2 * sizeof(float));
            kt->gemm.sgemv_oracle(1, m1, n2, 1.0f, a2, lda2, h, 0.0f, want);
            check_gemv("layer pair", 1, m1, n2, 1.0f, a2, lda2, h, 0.0f, zero, y[0], want);
            for (int v = 1; v < 4; v++)
                ZT_CHECK_MSG(memcmp(y[0], y[v], (size_t)n2 * sizeof(float)) == 0,
                             "%s %lldx%lldx%lld: variant %d (1 thread, last to first, misaligned x) differs",
                             zn_isa_name(isa), (long long)m1, (long long)k1, (long long)n2, v);
        }
        zt_free_shifted(a1, 0);
        zt_free_shifted(a2, 0);
        zt_free_shifted(x, 0);
        zt_free_shifted(xm, 5);
        zt_free_shifted(bias, 0);
        zt_free_shifted(zref, 0);
        zt_free_shifted(z, 0);
        zt_free_shifted(h, 0);
        zt_free_shifted(want, 0);
        zt_free_shifted(zero, 0);
        for (int v = 0; v < 4; v++) zt_free_shifted(y[v], 0);
    }
    zn_pool_free(pool);
}

int main(void) {
    zn_rng_seed(&rng, 777);
    ZT_RUN(test_kernels_every_isa);
    ZT_RUN(test_public_api);
    ZT_RUN(test_threads_bitwise);
    ZT_RUN(test_row_parts);
    ZT_RUN(test_misaligned_x);
    ZT_RUN(test_layer_pair);
    ZT_RUN(test_bad_args);
    return zt_finish();
}
