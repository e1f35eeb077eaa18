/* Public GEMM/GEMV entry points: argument checks, then the kernels. */
#include "base/internal.h"
#include "kernels/gemm_driver.h"
#include "zenn/gemm.h"

zn_gemm_opts zn_gemm_opts_default(void) {
    zn_gemm_opts o = {0};
    o.act = ZN_ACT_NONE;
    o.act_alpha = 0.01f;
    return o;
}

/* Checks one stored matrix: rows x cols with row stride ld. */
static zn_status check_matrix(const char *fn, const char *name, const float *p, int64_t rows, int64_t cols,
                              int64_t ld) {
    if (ld < (cols > 1 ? cols : 1))
        return zn_error(ZN_ERR_INVALID_ARG, "%s: ld%s (%lld) < row length (%lld)", fn, name, (long long)ld,
                        (long long)cols);
    if (rows == 0 || cols == 0) return ZN_OK;
    if (!p) return zn_error(ZN_ERR_INVALID_ARG, "%s: %s is NULL", fn, name);
    int64_t span;
    if (!zn_mul_i64(rows - 1, ld, &span) || span > INT64_MAX - cols ||
        (uint64_t)(span + cols) > SIZE_MAX / sizeof(float))
        return zn_error(ZN_ERR_OVERFLOW, "%s: %s (%lld rows, ld %lld) overflows", fn, name, (long long)rows,
                        (long long)ld);
    return ZN_OK;
}

/* len floats at stride inc span an addressable range. */
static int vector_fits(int64_t len, int64_t inc) {
    int64_t span;
    if (len == 0) return 1;
    return zn_mul_i64(len - 1, inc, &span) && (uint64_t)span < SIZE_MAX / sizeof(float);
}

static int valid_trans(zn_transpose t) { return t == ZN_NO_TRANS || t == ZN_TRANS; }

static zn_status gemm_check(const char *fn, zn_transpose ta, zn_transpose tb, int64_t m, int64_t n, int64_t k,
                            const float *a, int64_t lda, const float *b, int64_t ldb, const float *c, int64_t ldc) {
    if (!valid_trans(ta) || !valid_trans(tb))
        return zn_error(ZN_ERR_INVALID_ARG, "%s: transpose flags must be ZN_NO_TRANS or ZN_TRANS", fn);
    if (m < 0 || n < 0 || k < 0)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: negative size (m %lld, n %lld, k %lld)", fn, (long long)m,
                        (long long)n, (long long)k);
    int64_t mn, mnk;
    if (!zn_mul_i64(m, n, &mn) || !zn_mul_i64(mn, k, &mnk))
        return zn_error(ZN_ERR_OVERFLOW, "%s: m*n*k overflows (m %lld, n %lld, k %lld)", fn, (long long)m, (long long)n,
                        (long long)k);
    zn_status s;
    if (ta == ZN_NO_TRANS)
        s = check_matrix(fn, "a", a, m, k, lda);
    else
        s = check_matrix(fn, "a", a, k, m, lda);
    if (s != ZN_OK) return s;
    if (tb == ZN_NO_TRANS)
        s = check_matrix(fn, "b", b, k, n, ldb);
    else
        s = check_matrix(fn, "b", b, n, k, ldb);
    if (s != ZN_OK) return s;
    return check_matrix(fn, "c", c, m, n, ldc);
}

/* One row of C (batch-1 inference): a GEMV over B, which streams B once
 * instead of packing it. The choice depends on m only, never on threads. */
static zn_status gemm_row(zn_transpose ta, zn_transpose tb, int64_t n, int64_t k, float alpha, const float *a,
                          const float *b, int64_t ldb, float beta, float *c, const zn_gemm_opts *o, zn_pool *pool) {
    (void)ta; /* a single row of op(A) is contiguous either way when lda == 1 or A is not transposed */
    const zn_kernels *kt = zn_kernels_get();
    /* c[1 x n] = alpha * a[1 x k] op(B) + beta c: op(B) = B (k x n) is B^T x; B^T stored (n x k) is B x. */
    if (tb == ZN_NO_TRANS)
        zn_gemv_run(kt, 1, k, n, alpha, b, ldb, a, beta, c, pool, o->max_threads, o->pass);
    else
        zn_gemv_run(kt, 0, n, k, alpha, b, ldb, a, beta, c, pool, o->max_threads, o->pass);
    if (o->bias) kt->vmath.add_bias((size_t)n, o->bias, c);
    if (o->act != ZN_ACT_NONE) zn_apply_act(&kt->vmath, o->act, o->act_alpha, (size_t)n, c, c);
    return ZN_OK;
}

zn_status zn_sgemm_ex(zn_transpose ta, zn_transpose tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                      int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc,
                      const zn_gemm_opts *opts) {
    zn_status s = gemm_check("zn_sgemm", ta, tb, m, n, k, a, lda, b, ldb, c, ldc);
    if (s != ZN_OK) return s;
    zn_gemm_opts o = opts ? *opts : zn_gemm_opts_default();
    if ((int)o.act < 0 || o.act >= ZN_ACT_COUNT)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_sgemm: unknown activation %d", (int)o.act);
    if (o.max_threads < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_sgemm: max_threads (%d) < 0", o.max_threads);
    if (m == 0 || n == 0) return ZN_OK;
    zn_pool *pool = o.max_threads == 1 ? NULL : (o.pool ? o.pool : zn_pool_default());
    if (m == 1 && k > 0 && alpha != 0.0f && (ta == ZN_NO_TRANS || lda == 1))
        return gemm_row(ta, tb, n, k, alpha, a, b, ldb, beta, c, &o, pool);
    zn_gemm_call call = {ta, tb, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc, o.bias, o.act, o.act_alpha, o.b_packed};
    return zn_gemm_run(zn_kernels_get(), &call, pool, o.max_threads);
}

size_t zn_sgemm_packed_b_floats(int64_t k, int64_t n) {
    if (k <= 0 || n <= 0) return 0;
    return zn_gemm_packed_b_floats(zn_kernels_get(), k, n);
}

zn_status zn_sgemm_pack_b(zn_transpose tb, int64_t k, int64_t n, const float *b, int64_t ldb, float *packed) {
    zn_status s =
        gemm_check("zn_sgemm_pack_b", ZN_NO_TRANS, tb, 0, n, k, NULL, k > 1 ? k : 1, b, ldb, NULL, n > 1 ? n : 1);
    if (s != ZN_OK) return s;
    if (k == 0 || n == 0) return ZN_OK;
    if (!packed) return zn_error(ZN_ERR_INVALID_ARG, "zn_sgemm_pack_b: packed is NULL");
    zn_gemm_pack_b_all(zn_kernels_get(), tb, k, n, b, ldb, packed);
    return ZN_OK;
}

zn_status zn_sgemm(zn_transpose ta, zn_transpose tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                   int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    return zn_sgemm_ex(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, NULL);
}

zn_status zn_sgemv(zn_transpose trans, int64_t m, int64_t n, float alpha, const float *a, int64_t lda, const float *x,
                   int64_t incx, float beta, float *y, int64_t incy) {
    if (!valid_trans(trans)) return zn_error(ZN_ERR_INVALID_ARG, "zn_sgemv: trans must be ZN_NO_TRANS or ZN_TRANS");
    if (m < 0 || n < 0)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_sgemv: negative size (m %lld, n %lld)", (long long)m, (long long)n);
    if (incx <= 0 || incy <= 0)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_sgemv: incx (%lld) and incy (%lld) must be > 0", (long long)incx,
                        (long long)incy);
    zn_status s = check_matrix("zn_sgemv", "a", a, m, n, lda);
    if (s != ZN_OK) return s;
    int64_t xlen = trans ? m : n, ylen = trans ? n : m;
    if (ylen == 0) return ZN_OK;
    if ((xlen > 0 && !x) || !y) return zn_error(ZN_ERR_INVALID_ARG, "zn_sgemv: x or y is NULL");
    if (!vector_fits(xlen, incx) || !vector_fits(ylen, incy))
        return zn_error(ZN_ERR_OVERFLOW, "zn_sgemv: vector length times stride overflows");
    const zn_kernels *kt = zn_kernels_get();
    if (xlen == 0 || alpha == 0.0f) { /* A and x are not read */
        for (int64_t i = 0; i < ylen; i++) y[i * incy] = beta == 0.0f ? 0.0f : beta * y[i * incy];
        return ZN_OK;
    }
    zn_pool *pool = zn_pool_default();
    if (incx == 1 && incy == 1) {
        zn_gemv_run(kt, trans, m, n, alpha, a, lda, x, beta, y, pool, 0, 0);
        return ZN_OK;
    }
    /* Strided vectors: gather into contiguous copies, run, scatter back. */
    float *xs = zn_alloc((size_t)xlen * sizeof(float));
    float *ys = zn_alloc((size_t)ylen * sizeof(float));
    if (!xs || !ys) {
        zn_free(xs);
        zn_free(ys);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_sgemv: no memory for strided vectors");
    }
    for (int64_t i = 0; i < xlen; i++) xs[i] = x[i * incx];
    for (int64_t i = 0; i < ylen; i++) ys[i] = beta == 0.0f ? 0.0f : y[i * incy];
    zn_gemv_run(kt, trans, m, n, alpha, a, lda, xs, beta, ys, pool, 0, 0);
    for (int64_t i = 0; i < ylen; i++) y[i * incy] = ys[i];
    zn_free(xs);
    zn_free(ys);
    return ZN_OK;
}
