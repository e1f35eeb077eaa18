/* Layer norm and RMS norm over the last axis (norm.h): the row kernels of
 * the dispatch table (norm_kernels.h) over the threads.
 *
 * Rows are independent, so the row passes split rows over the threads. The
 * parameter gradients sum over rows: they split the columns instead, each
 * column summed in row order in double, so no thread count changes a bit. */
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/norm.h"
#include "kernels/norm_check.h"
#include "kernels/parallel.h"

enum { COL_ALIGN = 16, COL_CHUNK = 256 };

typedef struct row_job {
    const zn_norm_kernels *k;
    size_t f;
    const float *x, *gamma, *beta, *mean, *rstd, *dy;
    float *y, *out_mean, *out_rstd, *dx;
    float eps;
    int accumulate;
} row_job;

static void ln_forward_rows(void *ctx, int64_t lo, int64_t hi) {
    const row_job *j = ctx;
    for (int64_t r = lo; r < hi; r++) {
        float mu, rs;
        j->k->layer_forward(j->f, j->x + (size_t)r * j->f, j->gamma, j->beta, j->eps, j->y + (size_t)r * j->f, &mu,
                            &rs);
        if (j->out_mean) j->out_mean[r] = mu;
        if (j->out_rstd) j->out_rstd[r] = rs;
    }
}

static void rms_forward_rows(void *ctx, int64_t lo, int64_t hi) {
    const row_job *j = ctx;
    for (int64_t r = lo; r < hi; r++) {
        float rs;
        j->k->rms_forward(j->f, j->x + (size_t)r * j->f, j->gamma, j->eps, j->y + (size_t)r * j->f, &rs);
        if (j->out_rstd) j->out_rstd[r] = rs;
    }
}

static void norm_backward_rows(void *ctx, int64_t lo, int64_t hi, int centre) {
    const row_job *j = ctx;
    for (int64_t r = lo; r < hi; r++) {
        const size_t o = (size_t)r * j->f;
        j->k->backward(j->f, j->x + o, j->gamma, centre ? j->mean[r] : 0.0f, j->rstd[r], centre, j->dy + o, j->dx + o,
                       j->accumulate);
    }
}

static void ln_backward_rows(void *ctx, int64_t lo, int64_t hi) { norm_backward_rows(ctx, lo, hi, 1); }
static void rms_backward_rows(void *ctx, int64_t lo, int64_t hi) { norm_backward_rows(ctx, lo, hi, 0); }

typedef struct col_job {
    int64_t rows;
    size_t f;
    const float *x, *mean, *rstd, *dy;
    float *dgamma, *dbeta;
} col_job;

/* dgamma[c] += sum_r dy xh, dbeta[c] += sum_r dy for this thread's columns,
 * COL_CHUNK at a time, rows in order, in double. */
static void param_grad_cols(void *arg, int ith, int nth) {
    const col_job *j = arg;
    int64_t lo, hi;
    zn_split_range((int64_t)j->f, COL_ALIGN, ith, nth, &lo, &hi);
    for (int64_t c0 = lo; c0 < hi; c0 += COL_CHUNK) {
        const size_t w = (size_t)(hi - c0 < COL_CHUNK ? hi - c0 : COL_CHUNK);
        double sg[COL_CHUNK], sb[COL_CHUNK];
        memset(sg, 0, w * sizeof *sg);
        memset(sb, 0, w * sizeof *sb);
        for (int64_t r = 0; r < j->rows; r++) {
            const float *xr = j->x + (size_t)r * j->f + c0, *dyr = j->dy + (size_t)r * j->f + c0;
            const float mu = j->mean ? j->mean[r] : 0.0f, rs = j->rstd[r];
            for (size_t i = 0; i < w; i++) {
                sg[i] += (double)dyr[i] * ((xr[i] - mu) * rs);
                sb[i] += dyr[i];
            }
        }
        if (j->dgamma)
            for (size_t i = 0; i < w; i++) j->dgamma[c0 + i] += (float)sg[i];
        if (j->dbeta)
            for (size_t i = 0; i < w; i++) j->dbeta[c0 + i] += (float)sb[i];
    }
}

static zn_status run_param_grads(col_job *j, zn_pool *pool, int max_threads) {
    if (j->rows == 0 || (!j->dgamma && !j->dbeta)) return ZN_OK;
    int nth = zn_parallel_threads(pool, max_threads, j->rows * (int64_t)j->f, ZN_PAR_MIN_FLOATS);
    const int64_t blocks = ((int64_t)j->f + COL_ALIGN - 1) / COL_ALIGN;
    if (nth > blocks) nth = (int)blocks;
    if (nth <= 1) {
        param_grad_cols(j, 0, 1);
        return ZN_OK;
    }
    return zn_pool_run(pool, param_grad_cols, j, nth);
}

static zn_status check_forward(const char *fn, int64_t rows, int64_t f, const float *x, float eps, const float *y) {
    zn_status s = zn_norm_check_dims(fn, "rows", rows, "f", f);
    if (s == ZN_OK) s = zn_norm_check_eps(fn, eps);
    if (s == ZN_OK && rows > 0) s = zn_norm_need(fn, x, "x");
    if (s == ZN_OK && rows > 0) s = zn_norm_need(fn, y, "y");
    return s;
}

zn_status zn_layer_norm_forward(int64_t rows, int64_t f, const float *x, const float *gamma, const float *beta,
                                float eps, float *y, float *mean, float *rstd, zn_pool *pool, int max_threads) {
    zn_status s = check_forward("zn_layer_norm_forward", rows, f, x, eps, y);
    if (s != ZN_OK || rows == 0) return s;
    row_job j = {.k = &zn_kernels_get()->norm,
                 .f = (size_t)f,
                 .x = x,
                 .gamma = gamma,
                 .beta = beta,
                 .y = y,
                 .out_mean = mean,
                 .out_rstd = rstd,
                 .eps = eps};
    return zn_parallel_rows(pool, max_threads, rows, zn_rows_per_thread(2 * f, ZN_PAR_MIN_FLOATS), ln_forward_rows, &j);
}

zn_status zn_rms_norm_forward(int64_t rows, int64_t f, const float *x, const float *gamma, float eps, float *y,
                              float *rstd, zn_pool *pool, int max_threads) {
    zn_status s = check_forward("zn_rms_norm_forward", rows, f, x, eps, y);
    if (s != ZN_OK || rows == 0) return s;
    row_job j = {
        .k = &zn_kernels_get()->norm, .f = (size_t)f, .x = x, .gamma = gamma, .y = y, .out_rstd = rstd, .eps = eps};
    return zn_parallel_rows(pool, max_threads, rows, zn_rows_per_thread(2 * f, ZN_PAR_MIN_FLOATS), rms_forward_rows,
                            &j);
}

static zn_status norm_backward(const char *fn, int centre, int64_t rows, int64_t f, const float *x, const float *gamma,
                               const float *mean, const float *rstd, const float *dy, float *dx, int accumulate_dx,
                               float *dgamma, float *dbeta, zn_pool *pool, int max_threads) {
    zn_status s = zn_norm_check_dims(fn, "rows", rows, "f", f);
    if (s != ZN_OK || rows == 0) return s;
    if (!dx && !dgamma && !dbeta) return ZN_OK;
    if ((s = zn_norm_need(fn, x, "x")) != ZN_OK || (s = zn_norm_need(fn, dy, "dy")) != ZN_OK ||
        (s = zn_norm_need(fn, rstd, "rstd")) != ZN_OK || (centre && (s = zn_norm_need(fn, mean, "mean")) != ZN_OK))
        return s;
    col_job c = {rows, (size_t)f, x, centre ? mean : NULL, rstd, dy, dgamma, dbeta};
    if ((s = run_param_grads(&c, pool, max_threads)) != ZN_OK || !dx) return s;
    row_job j = {.k = &zn_kernels_get()->norm,
                 .f = (size_t)f,
                 .x = x,
                 .gamma = gamma,
                 .mean = mean,
                 .rstd = rstd,
                 .dy = dy,
                 .dx = dx,
                 .accumulate = accumulate_dx};
    return zn_parallel_rows(pool, max_threads, rows, zn_rows_per_thread(3 * f, ZN_PAR_MIN_FLOATS),
                            centre ? ln_backward_rows : rms_backward_rows, &j);
}

zn_status zn_layer_norm_backward(int64_t rows, int64_t f, const float *x, const float *gamma, const float *mean,
                                 const float *rstd, const float *dy, float *dx, int accumulate_dx, float *dgamma,
                                 float *dbeta, zn_pool *pool, int max_threads) {
    return norm_backward("zn_layer_norm_backward", 1, rows, f, x, gamma, mean, rstd, dy, dx, accumulate_dx, dgamma,
                         dbeta, pool, max_threads);
}

zn_status zn_rms_norm_backward(int64_t rows, int64_t f, const float *x, const float *gamma, const float *rstd,
                               const float *dy, float *dx, int accumulate_dx, float *dgamma, zn_pool *pool,
                               int max_threads) {
    return norm_backward("zn_rms_norm_backward", 0, rows, f, x, gamma, NULL, rstd, dy, dx, accumulate_dx, dgamma, NULL,
                         pool, max_threads);
}
