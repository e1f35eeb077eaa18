/* Batch norm over channels-last x[n][c] (norm.h).
 *
 * Statistics sum over rows, so the threads split the channels: each channel
 * is summed in row order in double by one thread, whatever the thread count.
 * A thread takes COL_CHUNK channels at a time so its sums stay on the stack. */
#include <math.h>
#include <string.h>

#include "kernels/norm.h"
#include "kernels/norm_check.h"
#include "kernels/parallel.h"

enum { COL_ALIGN = 16, COL_CHUNK = 256 };

zn_batch_norm_args zn_batch_norm_args_default(int training) {
    zn_batch_norm_args a = {training, ZN_NORM_EPS, ZN_BATCH_NORM_MOMENTUM};
    return a;
}

typedef struct bn_job {
    int64_t n;
    size_t c;
    const float *x, *gamma, *beta, *dy;
    const zn_batch_norm_args *args;
    float *running_mean, *running_var, *y, *mean, *rstd, *dx, *dgamma, *dbeta;
    const float *in_mean, *in_rstd;
    int training, accumulate;
} bn_job;

/* Calls chunk(j, c0, w) for this thread's channels, COL_CHUNK at a time. */
static void each_chunk(const bn_job *j, int ith, int nth, void (*chunk)(const bn_job *, size_t, size_t)) {
    int64_t lo, hi;
    zn_split_range((int64_t)j->c, COL_ALIGN, ith, nth, &lo, &hi);
    for (int64_t c0 = lo; c0 < hi; c0 += COL_CHUNK)
        chunk(j, (size_t)c0, (size_t)(hi - c0 < COL_CHUNK ? hi - c0 : COL_CHUNK));
}

static void forward_chunk(const bn_job *j, size_t c0, size_t w) {
    const size_t c = j->c;
    double mu[COL_CHUNK]; /* in double: centring on a rounded mean loses digits */
    float rs[COL_CHUNK];
    if (j->training) {
        double s[COL_CHUNK], q[COL_CHUNK];
        memset(s, 0, w * sizeof *s);
        memset(q, 0, w * sizeof *q);
        for (int64_t r = 0; r < j->n; r++) {
            const float *xr = j->x + (size_t)r * c + c0;
            for (size_t i = 0; i < w; i++) s[i] += xr[i];
        }
        for (size_t i = 0; i < w; i++) mu[i] = s[i] / (double)j->n;
        for (int64_t r = 0; r < j->n; r++) {
            const float *xr = j->x + (size_t)r * c + c0;
            for (size_t i = 0; i < w; i++) {
                const double d = (double)xr[i] - mu[i];
                q[i] += d * d;
            }
        }
        const float m = j->args->momentum;
        for (size_t i = 0; i < w; i++) {
            const double var = q[i] / (double)j->n;
            rs[i] = (float)(1.0 / sqrt(var + (double)j->args->eps));
            if (j->running_mean) j->running_mean[c0 + i] = (1.0f - m) * j->running_mean[c0 + i] + m * (float)mu[i];
            if (j->running_var)
                j->running_var[c0 + i] = (1.0f - m) * j->running_var[c0 + i] + m * (float)(q[i] / (double)(j->n - 1));
        }
    } else {
        for (size_t i = 0; i < w; i++) {
            mu[i] = j->running_mean[c0 + i];
            rs[i] = (float)(1.0 / sqrt((double)j->running_var[c0 + i] + (double)j->args->eps));
        }
    }
    float scale[COL_CHUNK], shift[COL_CHUNK];
    for (size_t i = 0; i < w; i++) {
        scale[i] = j->gamma ? rs[i] * j->gamma[c0 + i] : rs[i];
        shift[i] = j->beta ? j->beta[c0 + i] : 0.0f;
        if (j->mean) j->mean[c0 + i] = (float)mu[i];
        if (j->rstd) j->rstd[c0 + i] = rs[i];
    }
    for (int64_t r = 0; r < j->n; r++) {
        const float *xr = j->x + (size_t)r * c + c0;
        float *yr = j->y + (size_t)r * c + c0;
        for (size_t i = 0; i < w; i++) yr[i] = (float)((double)xr[i] - mu[i]) * scale[i] + shift[i];
    }
}

static void backward_chunk(const bn_job *j, size_t c0, size_t w) {
    const size_t c = j->c;
    const float *mu = j->in_mean + c0, *rs = j->in_rstd + c0;
    double sdy[COL_CHUNK], sdx[COL_CHUNK];
    memset(sdy, 0, w * sizeof *sdy);
    memset(sdx, 0, w * sizeof *sdx);
    if (j->training || j->dgamma || j->dbeta)
        for (int64_t r = 0; r < j->n; r++) {
            const float *xr = j->x + (size_t)r * c + c0, *dyr = j->dy + (size_t)r * c + c0;
            for (size_t i = 0; i < w; i++) {
                sdy[i] += dyr[i];
                sdx[i] += (double)dyr[i] * ((xr[i] - mu[i]) * rs[i]);
            }
        }
    for (size_t i = 0; i < w; i++) {
        if (j->dgamma) j->dgamma[c0 + i] += (float)sdx[i];
        if (j->dbeta) j->dbeta[c0 + i] += (float)sdy[i];
    }
    if (!j->dx) return;
    float k[COL_CHUNK], mdy[COL_CHUNK], mdx[COL_CHUNK];
    for (size_t i = 0; i < w; i++) {
        k[i] = j->gamma ? j->gamma[c0 + i] * rs[i] : rs[i];
        mdy[i] = j->training ? (float)(sdy[i] / (double)j->n) : 0.0f;
        mdx[i] = j->training ? (float)(sdx[i] / (double)j->n) : 0.0f;
    }
    for (int64_t r = 0; r < j->n; r++) {
        const float *xr = j->x + (size_t)r * c + c0, *dyr = j->dy + (size_t)r * c + c0;
        float *dxr = j->dx + (size_t)r * c + c0;
        for (size_t i = 0; i < w; i++) {
            const float d = j->training ? k[i] * (dyr[i] - mdy[i] - (xr[i] - mu[i]) * rs[i] * mdx[i]) : k[i] * dyr[i];
            dxr[i] = j->accumulate ? dxr[i] + d : d;
        }
    }
}

static void forward_part(void *arg, int ith, int nth) { each_chunk(arg, ith, nth, forward_chunk); }
static void backward_part(void *arg, int ith, int nth) { each_chunk(arg, ith, nth, backward_chunk); }

static zn_status run_channels(bn_job *j, zn_pool *pool, int max_threads, int64_t floats, zn_pool_fn fn) {
    int nth = zn_parallel_threads(pool, max_threads, floats, ZN_PAR_MIN_FLOATS);
    const int64_t blocks = ((int64_t)j->c + COL_ALIGN - 1) / COL_ALIGN;
    if (nth > blocks) nth = (int)blocks;
    if (nth <= 1) {
        fn(j, 0, 1);
        return ZN_OK;
    }
    return zn_pool_run(pool, fn, j, nth);
}

zn_status zn_batch_norm_forward(int64_t n, int64_t c, const float *x, const float *gamma, const float *beta,
                                const zn_batch_norm_args *args, float *running_mean, float *running_var, float *y,
                                float *mean, float *rstd, zn_pool *pool, int max_threads) {
    static const char fn[] = "zn_batch_norm_forward";
    zn_status s = zn_norm_check_dims(fn, "n", n, "c", c);
    if (s != ZN_OK) return s;
    if (!args) return zn_error(ZN_ERR_INVALID_ARG, "%s: args is NULL", fn);
    if ((s = zn_norm_check_eps(fn, args->eps)) != ZN_OK) return s;
    if (!(args->momentum >= 0.0f && args->momentum <= 1.0f))
        return zn_error(ZN_ERR_INVALID_ARG, "%s: momentum (%g) must be in [0, 1]", fn, (double)args->momentum);
    if (!running_mean != !running_var)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: running_mean and running_var must be both given or both NULL", fn);
    if (!args->training && !running_mean)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: inference needs running_mean and running_var", fn);
    if (args->training && n < 2 && c > 0)
        return zn_error(ZN_ERR_SHAPE, "%s: training needs more than one value per channel (n = %lld)", fn,
                        (long long)n);
    if (c == 0 || n == 0) return ZN_OK;
    if ((s = zn_norm_need(fn, x, "x")) != ZN_OK || (s = zn_norm_need(fn, y, "y")) != ZN_OK) return s;
    bn_job j = {.n = n,
                .c = (size_t)c,
                .x = x,
                .gamma = gamma,
                .beta = beta,
                .args = args,
                .running_mean = running_mean,
                .running_var = running_var,
                .y = y,
                .mean = mean,
                .rstd = rstd,
                .training = args->training != 0};
    return run_channels(&j, pool, max_threads, 3 * n * c, forward_part);
}

zn_status zn_batch_norm_backward(int64_t n, int64_t c, const float *x, const float *gamma, const float *mean,
                                 const float *rstd, int training, const float *dy, float *dx, int accumulate_dx,
                                 float *dgamma, float *dbeta, zn_pool *pool, int max_threads) {
    static const char fn[] = "zn_batch_norm_backward";
    zn_status s = zn_norm_check_dims(fn, "n", n, "c", c);
    if (s != ZN_OK || c == 0 || n == 0 || (!dx && !dgamma && !dbeta)) return s;
    if ((s = zn_norm_need(fn, x, "x")) != ZN_OK || (s = zn_norm_need(fn, dy, "dy")) != ZN_OK ||
        (s = zn_norm_need(fn, mean, "mean")) != ZN_OK || (s = zn_norm_need(fn, rstd, "rstd")) != ZN_OK)
        return s;
    bn_job j = {.n = n,
                .c = (size_t)c,
                .x = x,
                .gamma = gamma,
                .dy = dy,
                .dx = dx,
                .dgamma = dgamma,
                .dbeta = dbeta,
                .in_mean = mean,
                .in_rstd = rstd,
                .training = training != 0,
                .accumulate = accumulate_dx};
    return run_channels(&j, pool, max_threads, 3 * n * c, backward_part);
}
