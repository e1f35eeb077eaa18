/* 1-D max and average pooling along time (pool1d.h). Forward splits output
 * rows across threads; backward splits (sequence, channel chunk) units, so
 * each dx element is summed by one thread in window order. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "kernels/pool1d.h"

enum { POOL_ROWS = 64, POOL_COLS = 64 };
#define POOL_MT_MIN_WORK ((int64_t)1 << 17)

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

static zn_status pool_check(const char *fn, const zn_pool1d_shape *s, int64_t *t_out) {
    if (!s) return zn_error(ZN_ERR_INVALID_ARG, "%s: shape is NULL", fn);
    if (s->batch < 1 || s->t_in < 1 || s->channels < 1 || s->kernel < 1 || s->stride < 1)
        return zn_error(ZN_ERR_INVALID_ARG,
                        "%s: batch (%lld), t_in (%lld), channels (%lld), kernel (%lld) and stride (%lld) must be >= 1",
                        fn, (long long)s->batch, (long long)s->t_in, (long long)s->channels, (long long)s->kernel,
                        (long long)s->stride);
    if (s->pad_left < 0 || s->pad_right < 0 || s->pad_left >= s->kernel || s->pad_right >= s->kernel)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: pads (%lld, %lld) must be in [0, kernel %lld)", fn,
                        (long long)s->pad_left, (long long)s->pad_right, (long long)s->kernel);
    int64_t n;
    if (s->t_in > INT32_MAX || !zn_mul_i64(s->batch, s->t_in, &n) || !zn_mul_i64(n, s->channels, &n) ||
        !zn_mul_i64(n, (int64_t)sizeof(float), &n) || s->stride > INT32_MAX || s->kernel > INT32_MAX)
        return zn_error(ZN_ERR_OVERFLOW, "%s: the sizes overflow", fn);
    const int64_t padded = s->t_in + s->pad_left + s->pad_right;
    if (padded < s->kernel)
        return zn_error(ZN_ERR_SHAPE,
                        "%s: kernel %lld is longer than the padded input %lld (t_in %lld + pads %lld + %lld)", fn,
                        (long long)s->kernel, (long long)padded, (long long)s->t_in, (long long)s->pad_left,
                        (long long)s->pad_right);
    int64_t to = (padded - s->kernel + (s->ceil_mode ? s->stride - 1 : 0)) / s->stride + 1;
    /* PyTorch: the last window must start inside the input or left padding. */
    if (s->ceil_mode && (to - 1) * s->stride >= s->t_in + s->pad_left) to--;
    if (t_out) *t_out = to;
    return ZN_OK;
}

zn_status zn_pool1d_out_len(const zn_pool1d_shape *s, int64_t *t_out) { return pool_check("zn_pool1d", s, t_out); }

typedef struct pool_job {
    const zn_pool1d_shape *s;
    int64_t t_out, units, col_chunks;
    const float *in;
    float *out;
    int32_t *argmax;
    const int32_t *argmax_in;
} pool_job;

/* Window of output row t: input rows [*lo, *hi) and the average's divisor. */
static void window(const zn_pool1d_shape *s, int64_t t, int64_t *lo, int64_t *hi, float *div) {
    const int64_t start = t * s->stride - s->pad_left;
    const int64_t end = min64(start + s->kernel, s->t_in + s->pad_right);
    *lo = max64(start, 0), *hi = min64(end, s->t_in);
    *div = (float)(s->count_include_pad ? end - start : *hi - *lo);
}

static void max_fwd(void *arg, int ith, int nth) {
    pool_job *j = arg;
    const zn_pool1d_shape *s = j->s;
    const int64_t C = s->channels;
    int64_t u0, u1;
    zn_split_range(j->units, 1, ith, nth, &u0, &u1);
    for (int64_t r = u0 * POOL_ROWS; r < min64(u1 * POOL_ROWS, s->batch * j->t_out); r++) {
        const int64_t b = r / j->t_out, t = r % j->t_out;
        int64_t lo, hi;
        float div;
        window(s, t, &lo, &hi, &div);
        float *y = j->out + r * C;
        int32_t *am = j->argmax + r * C;
        for (int64_t c = 0; c < C; c++) y[c] = -INFINITY, am[c] = (int32_t)lo;
        for (int64_t i = lo; i < hi; i++) {
            const float *x = j->in + (b * s->t_in + i) * C;
            for (int64_t c = 0; c < C; c++)
                if (x[c] > y[c] || isnan(x[c])) y[c] = x[c], am[c] = (int32_t)i;
        }
    }
}

static void avg_fwd(void *arg, int ith, int nth) {
    pool_job *j = arg;
    const zn_pool1d_shape *s = j->s;
    const int64_t C = s->channels;
    int64_t u0, u1;
    zn_split_range(j->units, 1, ith, nth, &u0, &u1);
    for (int64_t r = u0 * POOL_ROWS; r < min64(u1 * POOL_ROWS, s->batch * j->t_out); r++) {
        const int64_t b = r / j->t_out, t = r % j->t_out;
        int64_t lo, hi;
        float div;
        window(s, t, &lo, &hi, &div);
        float *y = j->out + r * C;
        memset(y, 0, (size_t)C * sizeof *y);
        for (int64_t i = lo; i < hi; i++) {
            const float *x = j->in + (b * s->t_in + i) * C;
            for (int64_t c = 0; c < C; c++) y[c] += x[c];
        }
        for (int64_t c = 0; c < C; c++) y[c] /= div;
    }
}

/* Backward units: (sequence, chunk of POOL_COLS channels). */
static void max_bwd(void *arg, int ith, int nth) {
    pool_job *j = arg;
    const zn_pool1d_shape *s = j->s;
    const int64_t C = s->channels;
    int64_t u0, u1;
    zn_split_range(j->units, 1, ith, nth, &u0, &u1);
    for (int64_t u = u0; u < u1; u++) {
        const int64_t b = u / j->col_chunks, c0 = u % j->col_chunks * POOL_COLS, c1 = min64(c0 + POOL_COLS, C);
        float *dx = j->out + b * s->t_in * C;
        for (int64_t t = 0; t < j->t_out; t++) {
            const float *dy = j->in + (b * j->t_out + t) * C;
            const int32_t *am = j->argmax_in + (b * j->t_out + t) * C;
            for (int64_t c = c0; c < c1; c++) dx[am[c] * C + c] += dy[c];
        }
    }
}

static void avg_bwd(void *arg, int ith, int nth) {
    pool_job *j = arg;
    const zn_pool1d_shape *s = j->s;
    const int64_t C = s->channels;
    int64_t u0, u1;
    zn_split_range(j->units, 1, ith, nth, &u0, &u1);
    for (int64_t u = u0; u < u1; u++) {
        const int64_t b = u / j->col_chunks, c0 = u % j->col_chunks * POOL_COLS, c1 = min64(c0 + POOL_COLS, C);
        for (int64_t t = 0; t < j->t_out; t++) {
            int64_t lo, hi;
            float div;
            window(s, t, &lo, &hi, &div);
            const float *dy = j->in + (b * j->t_out + t) * C;
            for (int64_t i = lo; i < hi; i++) {
                float *dx = j->out + (b * s->t_in + i) * C;
                for (int64_t c = c0; c < c1; c++) dx[c] += dy[c] / div;
            }
        }
    }
}

static zn_status pool_go(const char *fn, const zn_pool1d_shape *s, const void *in, const void *in2, void *out,
                         int32_t *argmax, int backward, zn_pool_fn f, zn_pool *pool, int max_threads) {
    pool_job j = {0};
    zn_status st = pool_check(fn, s, &j.t_out);
    if (st != ZN_OK) return st;
    if (max_threads < 0) return zn_error(ZN_ERR_INVALID_ARG, "%s: max_threads (%d) < 0", fn, max_threads);
    if (!in || !out) return zn_error(ZN_ERR_INVALID_ARG, "%s: a buffer is NULL", fn);
    j.s = s, j.in = in, j.out = out, j.argmax = argmax, j.argmax_in = in2;
    j.col_chunks = (s->channels + POOL_COLS - 1) / POOL_COLS;
    j.units = backward ? s->batch * j.col_chunks : (s->batch * j.t_out + POOL_ROWS - 1) / POOL_ROWS;
    const double work = (double)s->batch * (double)j.t_out * (double)s->channels * (double)s->kernel;
    zn_seq_run(pool, zn_seq_threads(pool, max_threads, j.units, work, POOL_MT_MIN_WORK), f, &j);
    return ZN_OK;
}

zn_status zn_maxpool1d_forward(const zn_pool1d_shape *s, const float *x, float *y, int32_t *argmax, zn_pool *pool,
                               int max_threads) {
    if (!argmax) return zn_error(ZN_ERR_INVALID_ARG, "zn_maxpool1d_forward: argmax is NULL");
    return pool_go("zn_maxpool1d_forward", s, x, NULL, y, argmax, 0, max_fwd, pool, max_threads);
}

zn_status zn_maxpool1d_backward(const zn_pool1d_shape *s, const float *dy, const int32_t *argmax, float *dx,
                                zn_pool *pool, int max_threads) {
    static const char fn[] = "zn_maxpool1d_backward";
    int64_t t_out;
    zn_status st = pool_check(fn, s, &t_out);
    if (st != ZN_OK) return st;
    if (!argmax) return zn_error(ZN_ERR_INVALID_ARG, "%s: argmax is NULL", fn);
    const int64_t n = s->batch * t_out * s->channels;
    for (int64_t i = 0; i < n; i++)
        if (argmax[i] < 0 || argmax[i] >= s->t_in)
            return zn_error(ZN_ERR_INVALID_ARG, "%s: argmax[%lld] = %d is outside [0, t_in %lld)", fn, (long long)i,
                            (int)argmax[i], (long long)s->t_in);
    return pool_go(fn, s, dy, argmax, dx, NULL, 1, max_bwd, pool, max_threads);
}

zn_status zn_avgpool1d_forward(const zn_pool1d_shape *s, const float *x, float *y, zn_pool *pool, int max_threads) {
    return pool_go("zn_avgpool1d_forward", s, x, NULL, y, NULL, 0, avg_fwd, pool, max_threads);
}

zn_status zn_avgpool1d_backward(const zn_pool1d_shape *s, const float *dy, float *dx, zn_pool *pool, int max_threads) {
    return pool_go("zn_avgpool1d_backward", s, dy, NULL, dx, NULL, 1, avg_bwd, pool, max_threads);
}
