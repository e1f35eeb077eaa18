/* Linear interpolation along time, align_corners off (pool1d.h), with
 * PyTorch's source positions (checked against torch 1.13 to float rounding). */
#include <string.h>

#include "base/internal.h"
#include "kernels/pool1d.h"

enum { INTERP_ROWS = 64, INTERP_COLS = 64 };
#define INTERP_MT_MIN_WORK ((int64_t)1 << 17)

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

typedef struct interp_job {
    int64_t batch, t_in, t_out, channels, units, col_chunks;
    float scale;
    const float *in;
    float *out;
} interp_job;

/* Output row t reads rows *i0 and *i1 with weights *l0 and *l1. PyTorch
 * 1.13 rounds the scale t_in / t_out to float and computes the position in
 * double (weights from a float position differ by up to ~4e-6 at 100 -> 1000). */
static void source(const interp_job *j, int64_t t, int64_t *i0, int64_t *i1, float *l0, float *l1) {
    double src = (double)j->scale * ((double)t + 0.5) - 0.5;
    if (src < 0.0) src = 0.0;
    *i0 = (int64_t)src;
    if (*i0 > j->t_in - 1) *i0 = j->t_in - 1;
    *i1 = *i0 + (*i0 < j->t_in - 1 ? 1 : 0);
    double lambda = src - (double)*i0;
    if (lambda > 1.0) lambda = 1.0;
    *l1 = (float)lambda;
    *l0 = (float)(1.0 - lambda);
}

static void fwd(void *arg, int ith, int nth) {
    interp_job *j = arg;
    const int64_t C = j->channels;
    int64_t u0, u1;
    zn_split_range(j->units, 1, ith, nth, &u0, &u1);
    for (int64_t r = u0 * INTERP_ROWS; r < min64(u1 * INTERP_ROWS, j->batch * j->t_out); r++) {
        const int64_t b = r / j->t_out, t = r % j->t_out;
        int64_t i0, i1;
        float l0, l1;
        source(j, t, &i0, &i1, &l0, &l1);
        const float *x0 = j->in + (b * j->t_in + i0) * C, *x1 = j->in + (b * j->t_in + i1) * C;
        float *y = j->out + r * C;
        for (int64_t c = 0; c < C; c++) y[c] = l0 * x0[c] + l1 * x1[c];
    }
}

/* Units (sequence, channel chunk): each dx element is summed by one thread
 * in output-row order. */
static void bwd(void *arg, int ith, int nth) {
    interp_job *j = arg;
    const int64_t C = j->channels;
    int64_t u0, u1;
    zn_split_range(j->units, 1, ith, nth, &u0, &u1);
    for (int64_t u = u0; u < u1; u++) {
        const int64_t b = u / j->col_chunks, c0 = u % j->col_chunks * INTERP_COLS, c1 = min64(c0 + INTERP_COLS, C);
        for (int64_t t = 0; t < j->t_out; t++) {
            int64_t i0, i1;
            float l0, l1;
            source(j, t, &i0, &i1, &l0, &l1);
            const float *dy = j->in + (b * j->t_out + t) * C;
            float *d0 = j->out + (b * j->t_in + i0) * C, *d1 = j->out + (b * j->t_in + i1) * C;
            for (int64_t c = c0; c < c1; c++) d0[c] += l0 * dy[c];
            for (int64_t c = c0; c < c1; c++) d1[c] += l1 * dy[c];
        }
    }
}

static zn_status interp_go(const char *fn, int64_t batch, int64_t t_in, int64_t t_out, int64_t channels,
                           const float *in, float *out, int backward, zn_pool *pool, int max_threads) {
    if (batch < 1 || t_in < 1 || t_out < 1 || channels < 1)
        return zn_error(ZN_ERR_INVALID_ARG,
                        "%s: batch (%lld), t_in (%lld), t_out (%lld) and channels (%lld) must be >= 1", fn,
                        (long long)batch, (long long)t_in, (long long)t_out, (long long)channels);
    int64_t n;
    const int64_t t_max = t_in > t_out ? t_in : t_out;
    if (t_max > (1 << 24) || !zn_mul_i64(batch, t_max, &n) || !zn_mul_i64(n, channels, &n) ||
        !zn_mul_i64(n, (int64_t)sizeof(float), &n))
        return zn_error(ZN_ERR_OVERFLOW, "%s: the sizes overflow (lengths up to 2^24: positions are floats)", fn);
    if (!in || !out) return zn_error(ZN_ERR_INVALID_ARG, "%s: a buffer is NULL", fn);
    if (max_threads < 0) return zn_error(ZN_ERR_INVALID_ARG, "%s: max_threads (%d) < 0", fn, max_threads);
    interp_job j = {
        batch, t_in, t_out, channels, 0, (channels + INTERP_COLS - 1) / INTERP_COLS, (float)t_in / (float)t_out,
        in,    out};
    j.units = backward ? batch * j.col_chunks : (batch * t_out + INTERP_ROWS - 1) / INTERP_ROWS;
    const double work = (double)batch * (double)t_out * (double)channels * 2.0;
    zn_seq_run(pool, zn_seq_threads(pool, max_threads, j.units, work, INTERP_MT_MIN_WORK), backward ? bwd : fwd, &j);
    return ZN_OK;
}

zn_status zn_interp1d_linear_forward(int64_t batch, int64_t t_in, int64_t t_out, int64_t channels, const float *x,
                                     float *y, zn_pool *pool, int max_threads) {
    return interp_go("zn_interp1d_linear_forward", batch, t_in, t_out, channels, x, y, 0, pool, max_threads);
}

zn_status zn_interp1d_linear_backward(int64_t batch, int64_t t_in, int64_t t_out, int64_t channels, const float *dy,
                                      float *dx, zn_pool *pool, int max_threads) {
    return interp_go("zn_interp1d_linear_backward", batch, t_in, t_out, channels, dy, dx, 1, pool, max_threads);
}
