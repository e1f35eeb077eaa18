/* Layer norm, RMS norm, batch norm and the row splitter against double
 * references on awkward sizes; gradients against central differences of the
 * double forward; 1 and 2 threads bit-identical; bad arguments rejected. */
#include "kernels/kernels.h"
#include "kernels/norm.h"
#include "kernels/parallel.h"
#include "zn_test.h"

static const int64_t feats[] = {1, 3, 17, 64, 1023};
static const int64_t nrows[] = {1, 5, 33};
#define NF (sizeof feats / sizeof feats[0])
#define NR (sizeof nrows / sizeof nrows[0])
#define EPS 1e-5

enum { LN, RMS, BN_TRAIN, BN_INFER };

typedef struct problem {
    int kind;
    int64_t rows, f; /* batch norm: rows = n, f = c */
    const float *x, *gamma, *beta, *rmean, *rvar;
} problem;

/* The forward in double: y[rows][f]. */
static void ref_forward(const problem *p, const double *x, const double *gamma, const double *beta, double *y) {
    const int64_t R = p->rows, F = p->f;
    if (p->kind == LN || p->kind == RMS) {
        for (int64_t r = 0; r < R; r++) {
            const double *xr = x + r * F;
            double mu = 0, var = 0;
            if (p->kind == LN) {
                for (int64_t i = 0; i < F; i++) mu += xr[i];
                mu /= (double)F;
            }
            for (int64_t i = 0; i < F; i++) var += (xr[i] - mu) * (xr[i] - mu);
            const double rs = 1.0 / sqrt(var / (double)F + EPS);
            for (int64_t i = 0; i < F; i++)
                y[r * F + i] = (xr[i] - mu) * rs * (gamma ? gamma[i] : 1.0) + (beta ? beta[i] : 0.0);
        }
        return;
    }
    for (int64_t c = 0; c < F; c++) {
        double mu = 0, var = 0;
        if (p->kind == BN_TRAIN) {
            for (int64_t r = 0; r < R; r++) mu += x[r * F + c];
            mu /= (double)R;
            for (int64_t r = 0; r < R; r++) var += (x[r * F + c] - mu) * (x[r * F + c] - mu);
            var /= (double)R;
        } else {
            mu = p->rmean[c];
            var = p->rvar[c];
        }
        const double rs = 1.0 / sqrt(var + EPS);
        for (int64_t r = 0; r < R; r++)
            y[r * F + c] = (x[r * F + c] - mu) * rs * (gamma ? gamma[c] : 1.0) + (beta ? beta[c] : 0.0);
    }
}

static double *to_double(const float *a, int64_t n) {
    if (!a) return NULL;
    double *d = malloc((size_t)(n ? n : 1) * sizeof *d);
    for (int64_t i = 0; i < n; i++) d[i] = a[i];
    return d;
}

/* max |a - b| / max(max |b|, 1) */
static double err_d(const float *a, const double *b, int64_t n) {
    double e = 0, m = 1;
    for (int64_t i = 0; i < n; i++) {
        e = fmax(e, fabs(a[i] - b[i]));
        m = fmax(m, fabs(b[i]));
    }
    return e / m;
}

static zn_status run_forward(const problem *p, float *y, float *mean, float *rstd, float *rm, float *rv, zn_pool *pool,
                             int mt) {
    switch (p->kind) {
    case LN: return zn_layer_norm_forward(p->rows, p->f, p->x, p->gamma, p->beta, (float)EPS, y, mean, rstd, pool, mt);
    case RMS: return zn_rms_norm_forward(p->rows, p->f, p->x, p->gamma, (float)EPS, y, rstd, pool, mt);
    default: {
        zn_batch_norm_args a = zn_batch_norm_args_default(p->kind == BN_TRAIN);
        return zn_batch_norm_forward(p->rows, p->f, p->x, p->gamma, p->beta, &a, rm, rv, y, mean, rstd, pool, mt);
    }
    }
}

static zn_status run_backward(const problem *p, const float *mean, const float *rstd, const float *dy, float *dx,
                              int acc, float *dg, float *db, zn_pool *pool, int mt) {
    switch (p->kind) {
    case LN: return zn_layer_norm_backward(p->rows, p->f, p->x, p->gamma, mean, rstd, dy, dx, acc, dg, db, pool, mt);
    case RMS: return zn_rms_norm_backward(p->rows, p->f, p->x, p->gamma, rstd, dy, dx, acc, dg, pool, mt);
    default:
        return zn_batch_norm_backward(p->rows, p->f, p->x, p->gamma, mean, rstd, p->kind == BN_TRAIN, dy, dx, acc, dg,
                                      db, pool, mt);
    }
}

static float *rnd(zn_rng *r, int64_t n, float lo, float hi) {
    float *a = malloc((size_t)(n ? n : 1) * sizeof *a);
    zn_rng_fill_uniform(r, a, (size_t)n, lo, hi);
    return a;
}

/* L = sum w y in double. */
static double loss(const problem *p, const double *x, const double *g, const double *b, const double *w, double *y) {
    ref_forward(p, x, g, b, y);
    double l = 0;
    for (int64_t i = 0; i < p->rows * p->f; i++) l += w[i] * y[i];
    return l;
}

/* Central differences of L at up to 48 positions of v (n values) against
 * the kernel's gradient grad (all n values, for the scale). */
static double cd_err(const problem *p, double *x, double *g, double *b, const double *w, double *v, int64_t n,
                     const float *grad, double *ybuf) {
    const double h = 1e-6;
    double e = 0, m = 1;
    int64_t step = n > 48 ? n / 48 : 1;
    for (int64_t i = 0; i < n; i += step) {
        const double keep = v[i];
        v[i] = keep + h;
        const double lp = loss(p, x, g, b, w, ybuf);
        v[i] = keep - h;
        const double lm = loss(p, x, g, b, w, ybuf);
        v[i] = keep;
        const double d = (lp - lm) / (2 * h);
        e = fmax(e, fabs(grad[i] - d));
        m = fmax(m, fabs(d));
    }
    return e / m;
}

static void check_case(int kind, int64_t R, int64_t F, int affine, float offset, zn_rng *rng) {
    const int64_t N = R * F, P = (kind == LN || kind == RMS) ? R : F;
    float *x = rnd(rng, N, offset - 1, offset + 1);
    float *gamma = affine ? rnd(rng, F, 0.5f, 1.5f) : NULL, *beta = affine && kind != RMS ? rnd(rng, F, -1, 1) : NULL;
    float *rm = rnd(rng, F, -0.5f, 0.5f), *rv = rnd(rng, F, 0.2f, 2.0f);
    float *rm0 = malloc((size_t)F * 4), *rv0 = malloc((size_t)F * 4);
    memcpy(rm0, rm, (size_t)F * 4);
    memcpy(rv0, rv, (size_t)F * 4);
    problem p = {kind, R, F, x, gamma, beta, rm0, rv0};
    float *y = rnd(rng, N, 0, 1), *mean = rnd(rng, P, 0, 1), *rstd = rnd(rng, P, 0, 1);
    ZT_OK(run_forward(&p, y, mean, rstd, rm, rv, NULL, 0));
    double *xd = to_double(x, N), *gd = to_double(gamma, F), *bd = to_double(beta, F), *yd = malloc((size_t)N * 8);
    ref_forward(&p, xd, gd, bd, yd);
    const double tol = 1e-5;
    ZT_CHECK_MSG(err_d(y, yd, N) < tol, "forward kind %d R=%lld F=%lld affine=%d offset=%g: err %g", kind, (long long)R,
                 (long long)F, affine, (double)offset, err_d(y, yd, N));
    /* The saved statistics and the running ones. */
    for (int64_t k = 0; k < P; k++) {
        double mu = 0, var = 0;
        const int64_t cnt = (kind == LN || kind == RMS) ? F : R;
        for (int64_t i = 0; i < cnt; i++) mu += (kind == LN || kind == RMS) ? xd[k * F + i] : xd[i * F + k];
        mu = kind == RMS ? 0 : mu / (double)cnt;
        for (int64_t i = 0; i < cnt; i++) {
            const double d = ((kind == LN || kind == RMS) ? xd[k * F + i] : xd[i * F + k]) - mu;
            var += d * d;
        }
        var /= (double)cnt; /* biased */
        if (kind == BN_INFER) mu = rm0[k], var = rv0[k];
        const double rs = 1.0 / sqrt(var + EPS);
        if (kind != RMS) ZT_CHECK_MSG(fabs(mean[k] - mu) <= 1e-6 * fmax(1, fabs(mu)), "mean %lld", (long long)k);
        ZT_CHECK_MSG(fabs(rstd[k] - rs) <= 1e-6 * rs, "rstd %lld: %g vs %g", (long long)k, (double)rstd[k], rs);
        if (kind == BN_TRAIN) {
            ZT_CHECK(fabs(rm[k] - (0.9 * rm0[k] + 0.1 * mu)) <= 1e-6 * fmax(1, fabs(mu)));
            ZT_CHECK_MSG(fabs(rv[k] - (0.9 * rv0[k] + 0.1 * var * (double)R / (double)(R - 1))) <=
                             2e-6 * fmax(1, rv[k]),
                         "running_var %lld", (long long)k);
        } else if (kind == BN_INFER) {
            ZT_CHECK(rm[k] == rm0[k] && rv[k] == rv0[k]);
        }
    }
    /* Backward: dx overwritten and accumulated, dgamma and dbeta accumulated. */
    float *dy = rnd(rng, N, -1, 1), *dx = rnd(rng, N, -1, 1), *dx2 = rnd(rng, N, -1, 1);
    float *dg = calloc((size_t)F, 4), *db = calloc((size_t)F, 4);
    float *dx_old = malloc((size_t)N * 4);
    memcpy(dx2, dx, (size_t)N * 4);
    memcpy(dx_old, dx, (size_t)N * 4);
    for (int64_t i = 0; i < F; i++) dg[i] = db[i] = 1.0f;
    if (offset == 0) {
        ZT_OK(run_backward(&p, mean, rstd, dy, dx, 0, gamma ? dg : NULL, beta ? db : NULL, NULL, 0));
        ZT_OK(run_backward(&p, mean, rstd, dy, dx2, 1, NULL, NULL, NULL, 0));
        double *w = to_double(dy, N), *ybuf = malloc((size_t)N * 8);
        double e = cd_err(&p, xd, gd, bd, w, xd, N, dx, ybuf);
        ZT_CHECK_MSG(e < 1e-5, "dx kind %d R=%lld F=%lld affine=%d: err %g", kind, (long long)R, (long long)F, affine,
                     e);
        if (gamma) {
            for (int64_t i = 0; i < F; i++) dg[i] -= 1.0f;
            e = cd_err(&p, xd, gd, bd, w, gd, F, dg, ybuf);
            ZT_CHECK_MSG(e < 1e-5, "dgamma kind %d R=%lld F=%lld: err %g", kind, (long long)R, (long long)F, e);
        }
        if (beta) {
            for (int64_t i = 0; i < F; i++) db[i] -= 1.0f;
            e = cd_err(&p, xd, gd, bd, w, bd, F, db, ybuf);
            ZT_CHECK_MSG(e < 1e-5, "dbeta kind %d R=%lld F=%lld: err %g", kind, (long long)R, (long long)F, e);
        }
        /* accumulate_dx adds the same values: dx2 = its old values + dx, exactly. */
        int same = 1;
        for (int64_t i = 0; i < N; i++) same &= dx2[i] == dx_old[i] + dx[i];
        ZT_CHECK_MSG(same, "accumulate_dx kind %d R=%lld F=%lld", kind, (long long)R, (long long)F);
        free(w);
        free(ybuf);
    }
    free(x), free(gamma), free(beta), free(rm), free(rv), free(rm0), free(rv0), free(y), free(mean), free(rstd);
    free(xd), free(gd), free(bd), free(yd), free(dy), free(dx), free(dx2), free(dx_old), free(dg), free(db);
}

static void test_forward_backward(void) {
    zn_rng rng;
    zn_rng_seed(&rng, 17);
    for (int kind = LN; kind <= BN_INFER; kind++)
        for (size_t a = 0; a < NF; a++)
            for (size_t b = 0; b < NR; b++)
                for (int affine = 0; affine < 2; affine++) {
                    if (kind == BN_TRAIN && nrows[b] < 2) continue; /* rejected: test_bad_args */
                    check_case(kind, nrows[b], feats[a], affine, 0.0f, &rng);
                }
}

/* Rows far from zero: the mean is taken and subtracted in double. */
static void test_offset(void) {
    zn_rng rng;
    zn_rng_seed(&rng, 18);
    check_case(LN, 5, 1023, 1, 3000.0f, &rng);
    check_case(LN, 33, 17, 0, -10000.0f, &rng);
    check_case(BN_TRAIN, 33, 17, 1, 3000.0f, &rng);
}

/* Every output the same bits on 1 and 2 threads, on sizes that split. */
static void test_threads_identical(void) {
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    zn_rng rng;
    zn_rng_seed(&rng, 19);
    const int64_t shapes[][2] = {{257, 1023}, {4099, 17}, {3000, 64}};
    for (size_t s = 0; s < 3; s++)
        for (int kind = LN; kind <= BN_INFER; kind++) {
            const int64_t R = shapes[s][0], F = shapes[s][1], N = R * F, P = (kind == LN || kind == RMS) ? R : F;
            ZT_CHECK(zn_parallel_threads(pool, 0, N, ZN_PAR_MIN_FLOATS) == 2);
            float *x = rnd(&rng, N, -2, 2), *g = rnd(&rng, F, 0.5f, 1.5f), *b = rnd(&rng, F, -1, 1);
            float *dy = rnd(&rng, N, -1, 1), *rm = rnd(&rng, F, -0.5f, 0.5f), *rv = rnd(&rng, F, 0.5f, 1.5f);
            problem p = {kind, R, F, x, g, b, NULL, NULL};
            float *out[2][9];
            for (int t = 0; t < 2; t++) {
                float **o = out[t];
                o[0] = calloc((size_t)N, 4), o[1] = calloc((size_t)P, 4), o[2] = calloc((size_t)P, 4);
                o[3] = malloc((size_t)F * 4), o[4] = malloc((size_t)F * 4), o[5] = calloc((size_t)N, 4);
                o[6] = calloc((size_t)F, 4), o[7] = calloc((size_t)F, 4), o[8] = NULL;
                memcpy(o[3], rm, (size_t)F * 4);
                memcpy(o[4], rv, (size_t)F * 4);
                ZT_OK(run_forward(&p, o[0], o[1], o[2], o[3], o[4], pool, t + 1));
                ZT_OK(run_backward(&p, o[1], o[2], dy, o[5], 0, o[6], o[7], pool, t + 1));
            }
            const int64_t sizes[8] = {N, P, P, F, F, N, F, F};
            for (int k = 0; k < 8; k++) {
                ZT_CHECK_MSG(memcmp(out[0][k], out[1][k], (size_t)sizes[k] * 4) == 0,
                             "kind %d shape %lld x %lld output %d differs between 1 and 2 threads", kind, (long long)R,
                             (long long)F, k);
                free(out[0][k]), free(out[1][k]);
            }
            free(x), free(g), free(b), free(dy), free(rm), free(rv);
        }
    zn_pool_free(pool);
}

static void mark_rows(void *ctx, int64_t lo, int64_t hi) {
    int *seen = ctx;
    for (int64_t i = lo; i < hi; i++) seen[i]++;
}

static void test_parallel_rows(void) {
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    ZT_CHECK(zn_parallel_threads(NULL, 0, 1 << 20, 1) == 1);
    ZT_CHECK(zn_parallel_threads(pool, 0, 1 << 20, 1) == 2);
    ZT_CHECK(zn_parallel_threads(pool, 1, 1 << 20, 1) == 1);
    ZT_CHECK(zn_parallel_threads(pool, 0, 99, 50) == 1);
    ZT_CHECK(zn_parallel_threads(pool, 0, 100, 50) == 2);
    ZT_CHECK(zn_rows_per_thread(1, 1000) == 1000 && zn_rows_per_thread(1001, 1000) == 1);
    ZT_CHECK(zn_rows_per_thread(499, 1000) == 3 && zn_rows_per_thread(500, 1000) == 2);
    ZT_CHECK(zn_rows_per_thread(0, 0) == 1);
    const int64_t counts[] = {0, 1, 2, 3, 1000, 4097};
    for (size_t c = 0; c < 6; c++)
        for (int mt = 0; mt < 3; mt++)
            for (int64_t min_rows = 1; min_rows <= 1024; min_rows *= 32) {
                const int64_t n = counts[c];
                int *seen = calloc((size_t)n + 1, sizeof *seen);
                ZT_OK(zn_parallel_rows(pool, mt, n, min_rows, mark_rows, seen));
                int once = 1;
                for (int64_t i = 0; i < n; i++) once &= seen[i] == 1;
                ZT_CHECK_MSG(once && seen[n] == 0, "rows %lld max_threads %d min_rows %lld", (long long)n, mt,
                             (long long)min_rows);
                free(seen);
            }
    int dummy = 0;
    ZT_ERR(zn_parallel_rows(pool, 0, -1, 1, mark_rows, &dummy), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_parallel_rows(pool, 0, 5, 1, NULL, &dummy), ZN_ERR_INVALID_ARG);
    zn_pool_free(pool);
}

static void test_bad_args(void) {
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8], m[4], r[4], rm[4] = {0}, rv[4] = {1, 1, 1, 1};
    ZT_ERR(zn_layer_norm_forward(-1, 4, x, NULL, NULL, 1e-5f, y, m, r, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_layer_norm_forward(2, 0, x, NULL, NULL, 1e-5f, y, m, r, NULL, 0), ZN_ERR_SHAPE);
    ZT_ERR(zn_layer_norm_forward(2, 4, NULL, NULL, NULL, 1e-5f, y, m, r, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_layer_norm_forward(2, 4, x, NULL, NULL, 1e-5f, NULL, m, r, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_layer_norm_forward(2, 4, x, NULL, NULL, -1.0f, y, m, r, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_layer_norm_forward(2, 4, x, NULL, NULL, NAN, y, m, r, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_layer_norm_forward(INT64_MAX / 2, 4, x, NULL, NULL, 1e-5f, y, m, r, NULL, 0), ZN_ERR_OVERFLOW);
    ZT_OK(zn_layer_norm_forward(0, 4, NULL, NULL, NULL, 1e-5f, NULL, NULL, NULL, NULL, 0));
    ZT_ERR(zn_layer_norm_backward(2, 4, x, NULL, NULL, r, x, y, 0, NULL, NULL, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_rms_norm_forward(2, -4, x, NULL, 1e-5f, y, r, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_rms_norm_backward(2, 4, x, NULL, NULL, x, y, 0, NULL, NULL, 0), ZN_ERR_INVALID_ARG);
    zn_batch_norm_args tr = zn_batch_norm_args_default(1), inf = zn_batch_norm_args_default(0);
    ZT_CHECK(tr.training && tr.eps == 1e-5f && tr.momentum == 0.1f && !inf.training);
    ZT_ERR(zn_batch_norm_forward(1, 4, x, NULL, NULL, &tr, rm, rv, y, m, r, NULL, 0), ZN_ERR_SHAPE);
    ZT_OK(zn_batch_norm_forward(1, 4, x, NULL, NULL, &inf, rm, rv, y, m, r, NULL, 0));
    ZT_ERR(zn_batch_norm_forward(2, 4, x, NULL, NULL, &inf, NULL, NULL, y, m, r, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_batch_norm_forward(2, 4, x, NULL, NULL, &tr, rm, NULL, y, m, r, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_batch_norm_forward(2, 4, x, NULL, NULL, NULL, rm, rv, y, m, r, NULL, 0), ZN_ERR_INVALID_ARG);
    zn_batch_norm_args bad = tr;
    bad.momentum = 1.5f;
    ZT_ERR(zn_batch_norm_forward(2, 4, x, NULL, NULL, &bad, rm, rv, y, m, r, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_OK(zn_batch_norm_forward(2, 4, x, NULL, NULL, &tr, NULL, NULL, y, m, r, NULL, 0)); /* no tracking */
    ZT_ERR(zn_batch_norm_backward(2, 4, x, NULL, NULL, r, 1, x, y, 0, NULL, NULL, NULL, 0), ZN_ERR_INVALID_ARG);
}

/* y == x is allowed in the forwards. */
static void test_in_place(void) {
    zn_rng rng;
    zn_rng_seed(&rng, 20);
    const int64_t R = 5, F = 17, N = R * F;
    float *x = rnd(&rng, N, -1, 1), *g = rnd(&rng, F, 0.5f, 1.5f), *b = rnd(&rng, F, -1, 1);
    float *y = malloc((size_t)N * 4), *z = malloc((size_t)N * 4);
    zn_batch_norm_args tr = zn_batch_norm_args_default(1);
    for (int kind = LN; kind <= BN_TRAIN; kind++) {
        memcpy(z, x, (size_t)N * 4);
        if (kind == LN) {
            ZT_OK(zn_layer_norm_forward(R, F, x, g, b, 1e-5f, y, NULL, NULL, NULL, 0));
            ZT_OK(zn_layer_norm_forward(R, F, z, g, b, 1e-5f, z, NULL, NULL, NULL, 0));
        } else if (kind == RMS) {
            ZT_OK(zn_rms_norm_forward(R, F, x, g, 1e-5f, y, NULL, NULL, 0));
            ZT_OK(zn_rms_norm_forward(R, F, z, g, 1e-5f, z, NULL, NULL, 0));
        } else {
            ZT_OK(zn_batch_norm_forward(R, F, x, g, b, &tr, NULL, NULL, y, NULL, NULL, NULL, 0));
            ZT_OK(zn_batch_norm_forward(R, F, z, g, b, &tr, NULL, NULL, z, NULL, NULL, NULL, 0));
        }
        ZT_CHECK_MSG(memcmp(y, z, (size_t)N * 4) == 0, "in place kind %d", kind);
    }
    free(x), free(g), free(b), free(y), free(z);
}

/* Each ISA's row kernels against ref's: every length up to 70 and a few
 * long ones, misaligned rows, nothing written past the row. */
static void test_row_kernels_vs_ref(void) {
    const zn_norm_kernels *ref = &zn_kernels_for(ZN_ISA_REF)->norm;
    zn_rng rng;
    zn_rng_seed(&rng, 21);
    ZT_FOR_EACH_ISA(isa) {
        const zn_norm_kernels *k = &zn_kernels_for(isa)->norm;
        for (size_t f = 1; f <= 1100; f = f < 70 ? f + 1 : f * 2 + 1) {
            const size_t shift = f % 7;
            float *x = zt_alloc_shifted(f, shift), *g = zt_alloc_shifted(f, 0), *b = zt_alloc_shifted(f, 0);
            float *dy = zt_alloc_shifted(f, shift), *y = zt_alloc_shifted(f + 1, shift),
                  *y2 = zt_alloc_shifted(f + 1, 0);
            zn_rng_fill_uniform(&rng, x, f, -2, 2);
            zn_rng_fill_uniform(&rng, g, f, 0.5f, 1.5f);
            zn_rng_fill_uniform(&rng, b, f, -1, 1);
            zn_rng_fill_uniform(&rng, dy, f, -1, 1);
            float m1, r1, m2, r2;
            for (int variant = 0; variant < 4; variant++) {
                const float *gg = variant & 1 ? g : NULL, *bb = variant & 2 ? b : NULL;
                y[f] = y2[f] = 42.0f;
                k->layer_forward(f, x, gg, bb, 1e-5f, y, &m1, &r1);
                ref->layer_forward(f, x, gg, bb, 1e-5f, y2, &m2, &r2);
                double e = 0;
                for (size_t i = 0; i < f; i++) e = fmax(e, fabs((double)y[i] - y2[i]));
                ZT_CHECK_MSG(e < 1e-5 && fabs(m1 - m2) <= 1e-6 && fabs(r1 - r2) <= 1e-6 * r2 && y[f] == 42.0f,
                             "%s layer_forward f=%zu variant %d: err %g", zn_isa_name(isa), f, variant, e);
                k->rms_forward(f, x, gg, 1e-5f, y, &r1);
                ref->rms_forward(f, x, gg, 1e-5f, y2, &r2);
                e = 0;
                for (size_t i = 0; i < f; i++) e = fmax(e, fabs((double)y[i] - y2[i]));
                ZT_CHECK_MSG(e < 1e-5 && fabs(r1 - r2) <= 1e-6 * r2 && y[f] == 42.0f, "%s rms_forward f=%zu: err %g",
                             zn_isa_name(isa), f, e);
                for (int centre = 0; centre < 2; centre++)
                    for (int acc = 0; acc < 2; acc++) {
                        for (size_t i = 0; i < f; i++) y[i] = y2[i] = (float)i * 0.01f;
                        k->backward(f, x, gg, 0.1f, 0.9f, centre, dy, y, acc);
                        ref->backward(f, x, gg, 0.1f, 0.9f, centre, dy, y2, acc);
                        e = 0;
                        for (size_t i = 0; i < f; i++) e = fmax(e, fabs((double)y[i] - y2[i]));
                        ZT_CHECK_MSG(e < 1e-5 && y[f] == 42.0f, "%s backward f=%zu centre %d acc %d: err %g",
                                     zn_isa_name(isa), f, centre, acc, e);
                    }
            }
            zt_free_shifted(x, shift), zt_free_shifted(g, 0), zt_free_shifted(b, 0);
            zt_free_shifted(dy, shift), zt_free_shifted(y, shift), zt_free_shifted(y2, 0);
        }
    }
}

int main(void) {
    ZT_RUN(test_forward_backward);
    ZT_RUN(test_offset);
    ZT_RUN(test_threads_identical);
    ZT_RUN(test_parallel_rows);
    ZT_RUN(test_bad_args);
    ZT_RUN(test_in_place);
    ZT_RUN(test_row_kernels_vs_ref);
    return zt_finish();
}
