/* 1-D convolution on channels-last sequences (conv1d.h).
 *
 * Channels-last makes a convolution a sum over taps k of GEMMs on shifted
 * rows: output rows t read input rows t*stride + k*dilation - pad_left,
 * which are rows of x at stride stride*C_in, so no im2col copy is needed.
 * Zero padding costs nothing: each tap's GEMM covers only the output rows
 * whose input row exists. With groups 1 and dilation 1 a row's whole window
 * (K*C_in floats) is contiguous, so rows whose window lies inside the input
 * take one GEMM with k = K*C_in (WINDOW); the edge rows go tap by tap.
 * Backward data at stride 1 does the same with dy's rows and W^T.
 * Thin groups (depthwise) run as direct loops over channels.
 * docs/KERNELS.md ("Sequence kernels") has the figures behind the choice. */
#include <stdatomic.h>
#include <string.h>

#include "base/internal.h"
#include "kernels/conv1d.h"
#include "kernels/gemm_driver.h"

/* Output (forward) or input (backward data) rows per work unit: the units
 * depend on the shape only, so the thread count never changes a result. */
enum { CONV_TILE = 128, CONV_COL_CHUNK = 16 };
/* Below this many multiply-adds a call runs on the calling thread. */
#define CONV_MT_MIN_WORK ((int64_t)1 << 18)
/* Groups narrower than this on either side run as direct loops. */
#define CONV_DIRECT_MAX_GROUP_WIDTH 8

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
/* floor(a / b) and ceil(a / b) for b > 0 and any sign of a. */
static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
static int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

static zn_status conv_check(const char *fn, const zn_conv1d_shape *s, int64_t *t_out) {
    if (!s) return zn_error(ZN_ERR_INVALID_ARG, "%s: shape is NULL", fn);
    const struct {
        const char *name;
        int64_t v, min;
    } f[] = {{"batch", s->batch, 1},        {"t_in", s->t_in, 1},     {"c_in", s->c_in, 1},
             {"c_out", s->c_out, 1},        {"kernel", s->kernel, 1}, {"stride", s->stride, 1},
             {"dilation", s->dilation, 1},  {"groups", s->groups, 1}, {"pad_left", s->pad_left, 0},
             {"pad_right", s->pad_right, 0}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v < f[i].min)
            return zn_error(ZN_ERR_INVALID_ARG, "%s: %s (%lld) must be at least %lld", fn, f[i].name, (long long)f[i].v,
                            (long long)f[i].min);
    if (s->c_in % s->groups || s->c_out % s->groups)
        return zn_error(ZN_ERR_SHAPE, "%s: groups (%lld) must divide c_in (%lld) and c_out (%lld)", fn,
                        (long long)s->groups, (long long)s->c_in, (long long)s->c_out);
    int64_t span, padded, n;
    if (!zn_mul_i64(s->dilation, s->kernel - 1, &span) || span == INT64_MAX ||
        __builtin_add_overflow(s->t_in, s->pad_left, &padded) || __builtin_add_overflow(padded, s->pad_right, &padded))
        return zn_error(ZN_ERR_OVERFLOW, "%s: the sizes overflow", fn);
    span += 1;
    if (padded < span)
        return zn_error(ZN_ERR_SHAPE,
                        "%s: the kernel's span %lld (dilation %lld x (kernel %lld - 1) + 1) is longer than the "
                        "padded input %lld (t_in %lld + pads %lld + %lld): no output",
                        fn, (long long)span, (long long)s->dilation, (long long)s->kernel, (long long)padded,
                        (long long)s->t_in, (long long)s->pad_left, (long long)s->pad_right);
    const int64_t to = (padded - span) / s->stride + 1;
    /* Every buffer's size in bytes must fit. */
    const int64_t fl = (int64_t)sizeof(float);
    if (!zn_mul_i64(s->batch, s->t_in, &n) || !zn_mul_i64(n, s->c_in, &n) || !zn_mul_i64(n, fl, &n) ||
        !zn_mul_i64(s->batch, to, &n) || !zn_mul_i64(n, s->c_out, &n) || !zn_mul_i64(n, fl, &n) ||
        !zn_mul_i64(s->c_out, s->c_in / s->groups, &n) || !zn_mul_i64(n, s->kernel, &n) || !zn_mul_i64(n, fl, &n) ||
        s->stride > INT64_MAX / s->c_in)
        return zn_error(ZN_ERR_OVERFLOW, "%s: the sizes overflow", fn);
    if (t_out) *t_out = to;
    return ZN_OK;
}

zn_status zn_conv1d_out_len(const zn_conv1d_shape *s, int64_t *t_out) { return conv_check("zn_conv1d", s, t_out); }

/* The packed weights (either layout) hold K * C_in/groups * C_out floats. */
static size_t conv_weight_floats(const zn_conv1d_shape *s) {
    int64_t to;
    zn_status st = conv_check("zn_conv1d", s, &to);
    if (st != ZN_OK) {
        zn_clear_error();
        return 0;
    }
    return (size_t)(s->kernel * (s->c_in / s->groups) * s->c_out);
}
size_t zn_conv1d_forward_scratch_floats(const zn_conv1d_shape *s) { return conv_weight_floats(s); }
size_t zn_conv1d_backward_data_scratch_floats(const zn_conv1d_shape *s) { return conv_weight_floats(s); }
size_t zn_conv1d_backward_weight_scratch_floats(const zn_conv1d_shape *s) {
    const size_t wf = conv_weight_floats(s);
    return wf ? (size_t)zn_conv1d_weight_parts(s->batch, wf) * (wf + (size_t)s->c_out) : 0;
}

zn_conv1d_algo zn_conv1d_pick(const zn_conv1d_shape *s) {
    const int64_t cig = s->c_in / s->groups, cog = s->c_out / s->groups;
    if (cig < CONV_DIRECT_MAX_GROUP_WIDTH || cog < CONV_DIRECT_MAX_GROUP_WIDTH) return ZN_CONV1D_DIRECT;
    if (s->groups == 1 && (s->dilation == 1 || s->kernel == 1)) return ZN_CONV1D_WINDOW;
    return ZN_CONV1D_TAPS;
}

typedef struct conv_job {
    const zn_conv1d_shape *s;
    const zn_kernels *kt;
    zn_conv1d_algo algo;
    int64_t t_out, cig, cog;
    int64_t tile, tiles, n_units; /* rows per unit (a multiple of the GEMM's mr), units per sequence */
    const float *in;              /* x (forward, weight) or dy (data) */
    const float *in2;             /* dy (weight) */
    const float *wp;              /* packed weights */
    const float *bias;            /* forward */
    float *out;                   /* y, dx, or the packed dw */
    float *db, *dw;               /* weight gradient: the caller's */
    int transposed;               /* backward data's weight layout */
    int overwrite;                /* backward data: dx = (not +=) */
    int64_t parts;                /* backward weight: the batch's parts, each summed into its own dW and db */
    atomic_int failed;            /* a GEMM ran out of memory */
} conv_job;

/* Packed layouts. GEMM: wp[g][k][ci][o] = w[g*cog + o][ci][k], so tap k of
 * group g is a cig x cog matrix and a group's taps stacked are the
 * (K*cig) x cog window matrix. Backward data (transposed):
 * wp[g][K-1-k][o][ci], each tap's W_k^T, stacked last tap first, which is
 * the window matrix of dx's rows over dy's (stride 1). DIRECT: wd[k][ci][co] = w[co][ci][k] over all
 * of C_out, so the channel loop is contiguous. With groups 1 they agree. */
static void pack_weights(const conv_job *j, const float *w, float *wp) {
    const zn_conv1d_shape *s = j->s;
    const int64_t K = s->kernel, cig = j->cig, cog = j->cog;
    for (int64_t co = 0; co < s->c_out; co++)
        for (int64_t ci = 0; ci < cig; ci++)
            for (int64_t k = 0; k < K; k++) {
                const float v = w[(co * cig + ci) * K + k];
                if (j->algo == ZN_CONV1D_DIRECT) {
                    wp[(k * cig + ci) * s->c_out + co] = v;
                } else if (j->transposed) {
                    const int64_t g = co / cog, o = co % cog;
                    wp[((g * K + K - 1 - k) * cog + o) * cig + ci] = v;
                } else {
                    const int64_t g = co / cog, o = co % cog;
                    wp[((g * K + k) * cig + ci) * cog + o] = v;
                }
            }
}

/* dw += the packed gradient (the inverse of pack_weights), columns [c0, c1):
 * the parts' packed dW's (wf floats apart) summed in part order. */
static void unpack_add(const conv_job *j, const float *dwp, float *dw, int64_t c0, int64_t c1) {
    const zn_conv1d_shape *s = j->s;
    const int64_t K = s->kernel, cig = j->cig, cog = j->cog, wf = K * cig * s->c_out;
    for (int64_t co = c0; co < c1; co++)
        for (int64_t ci = 0; ci < cig; ci++)
            for (int64_t k = 0; k < K; k++) {
                const int64_t at = j->algo == ZN_CONV1D_DIRECT ? (k * cig + ci) * s->c_out + co
                                                               : (((co / cog) * K + k) * cig + ci) * cog + co % cog;
                float v = dwp[at];
                for (int64_t q = 1; q < j->parts; q++) v += dwp[q * wf + at];
                dw[(co * cig + ci) * K + k] += v;
            }
}

static void gemm(conv_job *j, int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                 const float *b, int64_t ldb, float beta, float *c, int64_t ldc, const float *bias, zn_pool *pool,
                 int max_threads) {
    if (m <= 0 || n <= 0 || k <= 0) return;
    zn_gemm_call call = {ta, tb, m, n, k, 1.0f, beta, a, b, c, lda, ldb, ldc, bias, ZN_ACT_NONE, 0.0f, NULL};
    if (zn_gemm_run(j->kt, &call, pool, max_threads) != ZN_OK) atomic_store(&j->failed, 1);
}

/* Output rows t whose input row for tap k exists: [*lo, *hi). */
static void tap_rows(const zn_conv1d_shape *s, int64_t t_out, int64_t k, int64_t *lo, int64_t *hi) {
    const int64_t off = k * s->dilation - s->pad_left;
    *lo = max64(0, ceil_div(-off, s->stride));
    *hi = min64(t_out, ceil_div(s->t_in - off, s->stride));
}

/* ---- forward ---------------------------------------------------------- */

static void fwd_taps(conv_job *j, const float *xb, float *yb, int64_t r0, int64_t r1) {
    const zn_conv1d_shape *s = j->s;
    const int64_t ci_all = s->c_in, co_all = s->c_out, cig = j->cig, cog = j->cog;
    if (r0 >= r1) return;
    for (int64_t g = 0; g < s->groups; g++) {
        /* Tap 0 writes the rows (beta 0, bias) when it covers them all;
         * else they start from the bias. */
        int64_t lo, hi, k0 = 0;
        tap_rows(s, j->t_out, 0, &lo, &hi);
        if (lo <= r0 && hi >= r1) {
            gemm(j, 0, 0, r1 - r0, cog, cig, xb + (r0 * s->stride - s->pad_left) * ci_all + g * cig, s->stride * ci_all,
                 j->wp + g * s->kernel * cig * cog, cog, 0.0f, yb + r0 * co_all + g * cog, co_all,
                 j->bias ? j->bias + g * cog : NULL, NULL, 1);
            k0 = 1;
        } else {
            for (int64_t t = r0; t < r1; t++) {
                float *y = yb + t * co_all + g * cog;
                if (j->bias)
                    memcpy(y, j->bias + g * cog, (size_t)cog * sizeof(float));
                else
                    memset(y, 0, (size_t)cog * sizeof(float));
            }
        }
        for (int64_t k = k0; k < s->kernel; k++) {
            tap_rows(s, j->t_out, k, &lo, &hi);
            lo = max64(lo, r0), hi = min64(hi, r1);
            if (lo >= hi) continue;
            const float *a = xb + (lo * s->stride + k * s->dilation - s->pad_left) * ci_all + g * cig;
            gemm(j, 0, 0, hi - lo, cog, cig, a, s->stride * ci_all, j->wp + (g * s->kernel + k) * cig * cog, cog, 1.0f,
                 yb + lo * co_all + g * cog, co_all, NULL, NULL, 1);
        }
    }
}

static void fwd_direct(conv_job *j, const float *xb, float *yb, int64_t r0, int64_t r1) {
    const zn_conv1d_shape *s = j->s;
    const int64_t C = s->c_out, cig = j->cig, cog = j->cog;
    for (int64_t t = r0; t < r1; t++) {
        float *y = yb + t * C;
        if (j->bias)
            memcpy(y, j->bias, (size_t)C * sizeof(float));
        else
            memset(y, 0, (size_t)C * sizeof(float));
        for (int64_t k = 0; k < s->kernel; k++) {
            const int64_t i = t * s->stride + k * s->dilation - s->pad_left;
            if (i < 0 || i >= s->t_in) continue;
            const float *x = xb + i * s->c_in;
            for (int64_t ci = 0; ci < cig; ci++) {
                const float *w = j->wp + (k * cig + ci) * C;
                if (s->groups == 1) {
                    const float xv = x[ci];
                    for (int64_t co = 0; co < C; co++) y[co] += xv * w[co];
                } else if (cig == 1 && cog == 1) {
                    for (int64_t co = 0; co < C; co++) y[co] += x[co] * w[co];
                } else {
                    for (int64_t co = 0; co < C; co++) y[co] += x[(co / cog) * cig + ci] * w[co];
                }
            }
        }
    }
}

static void fwd_unit(conv_job *j, int64_t u) {
    const zn_conv1d_shape *s = j->s;
    const int64_t b = u / j->tiles, r0 = u % j->tiles * j->tile, r1 = min64(r0 + j->tile, j->t_out);
    const float *xb = j->in + b * s->t_in * s->c_in;
    float *yb = j->out + b * j->t_out * s->c_out;
    if (j->algo == ZN_CONV1D_DIRECT) {
        fwd_direct(j, xb, yb, r0, r1);
        return;
    }
    if (j->algo == ZN_CONV1D_TAPS) {
        fwd_taps(j, xb, yb, r0, r1);
        return;
    }
    /* WINDOW: rows whose whole window is inside the input (first and last
     * taps valid) take one GEMM; the rest go tap by tap. */
    int64_t lo0, hi0, lo1, hi1;
    tap_rows(s, j->t_out, 0, &lo0, &hi0);
    tap_rows(s, j->t_out, s->kernel - 1, &lo1, &hi1);
    const int64_t a0 = max64(max64(lo0, lo1), r0), a1 = min64(min64(hi0, hi1), r1);
    if (a0 >= a1) {
        fwd_taps(j, xb, yb, r0, r1);
        return;
    }
    const int64_t ci = s->c_in, co = s->c_out;
    gemm(j, 0, 0, a1 - a0, co, s->kernel * ci, xb + (a0 * s->stride - s->pad_left) * ci, s->stride * ci, j->wp, co,
         0.0f, yb + a0 * co, co, j->bias, NULL, 1);
    fwd_taps(j, xb, yb, r0, a0);
    fwd_taps(j, xb, yb, a1, r1);
}

/* ---- backward data ---------------------------------------------------- */

/* dx rows [i0, i1) of one sequence: for each tap, the output rows t with
 * t*stride + k*dilation - pad_left in range, as one GEMM on strided rows. */
static void bwd_data_taps(conv_job *j, const float *dyb, float *dxb, int64_t i0, int64_t i1) {
    const zn_conv1d_shape *s = j->s;
    const int64_t ci_all = s->c_in, co_all = s->c_out, cig = j->cig, cog = j->cog;
    for (int64_t g = 0; g < s->groups; g++)
        for (int64_t k = 0; k < s->kernel; k++) {
            const int64_t off = k * s->dilation - s->pad_left;
            const int64_t lo = max64(0, ceil_div(i0 - off, s->stride)),
                          hi = min64(j->t_out, ceil_div(i1 - off, s->stride));
            if (lo >= hi) continue;
            gemm(j, 0, 0, hi - lo, cig, cog, dyb + lo * co_all + g * cog, co_all,
                 j->wp + (g * s->kernel + s->kernel - 1 - k) * cig * cog, cig, 1.0f,
                 dxb + (lo * s->stride + off) * ci_all + g * cig, s->stride * ci_all, NULL, NULL, 1);
        }
}

static void bwd_data_direct(conv_job *j, const float *dyb, float *dxb, int64_t i0, int64_t i1) {
    const zn_conv1d_shape *s = j->s;
    const int64_t C = s->c_out, cig = j->cig, cog = j->cog;
    for (int64_t i = i0; i < i1; i++) {
        float *dx = dxb + i * s->c_in;
        for (int64_t k = 0; k < s->kernel; k++) {
            const int64_t num = i - k * s->dilation + s->pad_left;
            if (num < 0 || num % s->stride) continue;
            const int64_t t = num / s->stride;
            if (t >= j->t_out) continue;
            const float *dy = dyb + t * C;
            for (int64_t ci = 0; ci < cig; ci++) {
                const float *w = j->wp + (k * cig + ci) * C;
                if (s->groups == 1) {
                    float acc = 0.0f;
                    for (int64_t co = 0; co < C; co++) acc += dy[co] * w[co];
                    dx[ci] += acc;
                } else if (cig == 1 && cog == 1) {
                    for (int64_t co = 0; co < C; co++) dx[co] += dy[co] * w[co];
                } else {
                    for (int64_t co = 0; co < C; co++) dx[(co / cog) * cig + ci] += dy[co] * w[co];
                }
            }
        }
    }
}

static void bwd_data_unit(conv_job *j, int64_t u) {
    const zn_conv1d_shape *s = j->s;
    const int64_t b = u / j->tiles, i0 = u % j->tiles * j->tile, i1 = min64(i0 + j->tile, s->t_in);
    const float *dyb = j->in + b * j->t_out * s->c_out;
    float *dxb = j->out + b * s->t_in * s->c_in;
    const size_t row_bytes = (size_t)s->c_in * sizeof(float);
    /* Overwriting: the rows the window GEMM does not write start from zero
     * here, while they are in cache, rather than all of dx beforehand. */
    if (j->overwrite && j->algo != ZN_CONV1D_WINDOW) memset(dxb + i0 * s->c_in, 0, (size_t)(i1 - i0) * row_bytes);
    if (j->algo == ZN_CONV1D_DIRECT) {
        bwd_data_direct(j, dyb, dxb, i0, i1);
        return;
    }
    if (j->algo == ZN_CONV1D_TAPS) {
        bwd_data_taps(j, dyb, dxb, i0, i1);
        return;
    }
    /* WINDOW (stride 1): dx row i reads dy rows i + pad_left - (K-1) ..
     * i + pad_left, contiguous; rows whose span lies inside dy take one
     * GEMM, the rest go tap by tap. */
    const int64_t K = s->kernel, p = s->pad_left, ci = s->c_in, co = s->c_out;
    const int64_t a0 = max64(max64(0, K - 1 - p), i0), a1 = min64(min64(s->t_in, j->t_out - p), i1);
    if (a0 >= a1) {
        if (j->overwrite) memset(dxb + i0 * ci, 0, (size_t)(i1 - i0) * row_bytes);
        bwd_data_taps(j, dyb, dxb, i0, i1);
        return;
    }
    if (j->overwrite) {
        memset(dxb + i0 * ci, 0, (size_t)(a0 - i0) * row_bytes);
        memset(dxb + a1 * ci, 0, (size_t)(i1 - a1) * row_bytes);
    }
    gemm(j, 0, 0, a1 - a0, ci, K * co, dyb + (a0 + p - (K - 1)) * co, co, j->wp, ci, j->overwrite ? 0.0f : 1.0f,
         dxb + a0 * ci, ci, NULL, NULL, 1);
    bwd_data_taps(j, dyb, dxb, i0, a0);
    bwd_data_taps(j, dyb, dxb, a1, i1);
}

/* ---- backward weight -------------------------------------------------- */

/* dwp += the packed dW over output rows [r0, r1) of sequence b, tap by tap. */
static void bwd_weight_taps(conv_job *j, int64_t b, int64_t r0, int64_t r1, float *dwp) {
    const zn_conv1d_shape *s = j->s;
    const int64_t ci_all = s->c_in, co_all = s->c_out, cig = j->cig, cog = j->cog;
    const float *xb = j->in + b * s->t_in * ci_all, *dyb = j->in2 + b * j->t_out * co_all;
    for (int64_t g = 0; g < s->groups; g++)
        for (int64_t k = 0; k < s->kernel; k++) {
            int64_t lo, hi;
            tap_rows(s, j->t_out, k, &lo, &hi);
            lo = max64(lo, r0), hi = min64(hi, r1);
            if (lo >= hi) continue;
            gemm(j, 1, 0, cig, cog, hi - lo, xb + (lo * s->stride + k * s->dilation - s->pad_left) * ci_all + g * cig,
                 s->stride * ci_all, dyb + lo * co_all + g * cog, co_all, 1.0f, dwp + (g * s->kernel + k) * cig * cog,
                 cog, NULL, NULL, 1);
        }
}

/* DIRECT: columns [c0, c1) of the packed dw (wd layout), and of db. */
static void bwd_weight_direct(conv_job *j, int64_t c0, int64_t c1) {
    const zn_conv1d_shape *s = j->s;
    const int64_t C = s->c_out, cig = j->cig, cog = j->cog;
    for (int64_t r = 0; r < s->kernel * cig; r++) memset(j->out + r * C + c0, 0, (size_t)(c1 - c0) * sizeof(float));
    for (int64_t b = 0; b < s->batch; b++)
        for (int64_t t = 0; t < j->t_out; t++) {
            const float *dy = j->in2 + (b * j->t_out + t) * C;
            for (int64_t k = 0; k < s->kernel; k++) {
                const int64_t i = t * s->stride + k * s->dilation - s->pad_left;
                if (i < 0 || i >= s->t_in) continue;
                const float *x = j->in + (b * s->t_in + i) * s->c_in;
                for (int64_t ci = 0; ci < cig; ci++) {
                    float *dw = j->out + (k * cig + ci) * C;
                    if (s->groups == 1) {
                        const float xv = x[ci];
                        for (int64_t co = c0; co < c1; co++) dw[co] += xv * dy[co];
                    } else if (cig == 1 && cog == 1) {
                        for (int64_t co = c0; co < c1; co++) dw[co] += x[co] * dy[co];
                    } else {
                        for (int64_t co = c0; co < c1; co++) dw[co] += x[(co / cog) * cig + ci] * dy[co];
                    }
                }
            }
        }
}

/* db over columns [c0, c1), summed in row order (DIRECT). */
static void bias_grad(const conv_job *j, int64_t c0, int64_t c1) {
    const int64_t C = j->s->c_out, rows = j->s->batch * j->t_out;
    for (int64_t r = 0; r < rows; r++) {
        const float *dy = j->in2 + r * C;
        for (int64_t c = c0; c < c1; c++) j->db[c] += dy[c];
    }
}

/* Part q of the batch (GEMM algorithms): its sequences' packed dW and db
 * into its own slice of scratch, one sequence after another. */
static void bwd_weight_part(conv_job *j, int64_t q) {
    const zn_conv1d_shape *s = j->s;
    const int64_t wf = s->kernel * j->cig * s->c_out, co = s->c_out, ci = s->c_in;
    float *dwp = j->out + q * wf, *dbp = j->out + j->parts * wf + q * co;
    memset(dwp, 0, (size_t)wf * sizeof(float));
    if (j->db) memset(dbp, 0, (size_t)co * sizeof(float));
    int64_t lo0, hi0, lo1, hi1;
    tap_rows(s, j->t_out, 0, &lo0, &hi0);
    tap_rows(s, j->t_out, s->kernel - 1, &lo1, &hi1);
    const int64_t a0 = max64(lo0, lo1), a1 = min64(hi0, hi1);
    for (int64_t b = q * s->batch / j->parts; b < (q + 1) * s->batch / j->parts; b++) {
        const float *dyb = j->in2 + b * j->t_out * co;
        if (j->algo == ZN_CONV1D_TAPS || a0 >= a1) {
            bwd_weight_taps(j, b, 0, j->t_out, dwp);
        } else {
            gemm(j, 1, 0, s->kernel * ci, co, a1 - a0, j->in + (b * s->t_in + a0 * s->stride - s->pad_left) * ci,
                 s->stride * ci, dyb + a0 * co, co, 1.0f, dwp, co, NULL, NULL, 1);
            bwd_weight_taps(j, b, 0, a0, dwp);
            bwd_weight_taps(j, b, a1, j->t_out, dwp);
        }
        /* db in row order, while the sequence's dy is in cache */
        for (int64_t t = 0; j->db && t < j->t_out; t++) j->kt->vmath.axpy((size_t)co, 1.0f, dyb + t * co, dbp);
    }
}

static void bwd_weight_parts(void *arg, int ith, int nth) {
    conv_job *j = arg;
    int64_t u0, u1;
    zn_split_range(j->n_units, 1, ith, nth, &u0, &u1);
    for (int64_t u = u0; u < u1; u++) bwd_weight_part(j, u);
}

/* Column chunks of C_out: DIRECT's dw, then db and the unpacking. */
static void bwd_weight_cols(void *arg, int ith, int nth) {
    conv_job *j = arg;
    int64_t u0, u1;
    zn_split_range(j->n_units, 1, ith, nth, &u0, &u1);
    const int64_t wf = j->s->kernel * j->cig * j->s->c_out;
    for (int64_t u = u0; u < u1; u++) {
        const int64_t c0 = u * CONV_COL_CHUNK, c1 = min64(c0 + CONV_COL_CHUNK, j->s->c_out);
        if (j->algo == ZN_CONV1D_DIRECT) bwd_weight_direct(j, c0, c1);
        if (j->db && j->algo == ZN_CONV1D_DIRECT) {
            bias_grad(j, c0, c1);
        } else if (j->db) {
            const float *dbp = j->out + j->parts * wf;
            for (int64_t c = c0; c < c1; c++) {
                float v = dbp[c];
                for (int64_t q = 1; q < j->parts; q++) v += dbp[q * j->s->c_out + c];
                j->db[c] += v;
            }
        }
        unpack_add(j, j->out, j->dw, c0, c1);
    }
}

/* ---- entry points ----------------------------------------------------- */

/* Static splits of the units by ith: a unit taken by a thread that then
 * loses its core holds the call back, while a part the pool's worker has
 * not started is run by the caller (measured: claiming units one by one
 * from a shared counter doubled the median under load; docs/KERNELS.md). */
static void fwd_part(void *arg, int ith, int nth) {
    conv_job *j = arg;
    int64_t u0, u1;
    zn_split_range(j->n_units, 1, ith, nth, &u0, &u1);
    for (int64_t u = u0; u < u1; u++) fwd_unit(j, u);
}

static void bwd_data_part(void *arg, int ith, int nth) {
    conv_job *j = arg;
    int64_t u0, u1;
    zn_split_range(j->n_units, 1, ith, nth, &u0, &u1);
    for (int64_t u = u0; u < u1; u++) bwd_data_unit(j, u);
}

static zn_status job_init(const char *fn, conv_job *j, const zn_conv1d_shape *s, zn_conv1d_algo algo,
                          const float *scratch, int max_threads) {
    memset(j, 0, sizeof *j);
    zn_status st = conv_check(fn, s, &j->t_out);
    if (st != ZN_OK) return st;
    if (max_threads < 0) return zn_error(ZN_ERR_INVALID_ARG, "%s: max_threads (%d) < 0", fn, max_threads);
    if (!scratch) return zn_error(ZN_ERR_INVALID_ARG, "%s: scratch is NULL", fn);
    if (algo < ZN_CONV1D_AUTO || algo > ZN_CONV1D_WINDOW)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: unknown algorithm %d", fn, (int)algo);
    j->s = s;
    j->kt = zn_kernels_get();
    j->cig = s->c_in / s->groups, j->cog = s->c_out / s->groups;
    if (algo == ZN_CONV1D_AUTO) algo = zn_conv1d_pick(s);
    if (algo == ZN_CONV1D_WINDOW && !(s->groups == 1 && (s->dilation == 1 || s->kernel == 1))) algo = ZN_CONV1D_TAPS;
    j->algo = algo;
    j->tile = (CONV_TILE + j->kt->gemm.mr - 1) / j->kt->gemm.mr * j->kt->gemm.mr;
    j->parts = 1;
    atomic_init(&j->failed, 0);
    return ZN_OK;
}

static zn_status job_status(const char *fn, conv_job *j) {
    return atomic_load(&j->failed) ? zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory in a product", fn) : ZN_OK;
}

zn_status zn_conv1d_forward_algo(const zn_conv1d_shape *s, zn_conv1d_algo algo, const float *x, const float *w,
                                 const float *bias, float *y, float *scratch, zn_pool *pool, int max_threads) {
    static const char fn[] = "zn_conv1d_forward";
    conv_job j;
    zn_status st = job_init(fn, &j, s, algo, scratch, max_threads);
    if (st != ZN_OK) return st;
    if (!x || !w || !y) return zn_error(ZN_ERR_INVALID_ARG, "%s: x, w or y is NULL", fn);
    pack_weights(&j, w, scratch);
    j.in = x, j.wp = scratch, j.bias = bias, j.out = y;
    j.tiles = (j.t_out + j.tile - 1) / j.tile;
    j.n_units = s->batch * j.tiles;
    const double work = (double)s->batch * (double)j.t_out * (double)s->c_out * (double)j.cig * (double)s->kernel;
    zn_seq_run(pool, zn_seq_threads(pool, max_threads, j.n_units, work, CONV_MT_MIN_WORK), fwd_part, &j);
    return job_status(fn, &j);
}

zn_status zn_conv1d_backward_data_ex(const zn_conv1d_shape *s, zn_conv1d_algo algo, const float *dy, const float *w,
                                     float *dx, int accumulate, float *scratch, zn_pool *pool, int max_threads) {
    static const char fn[] = "zn_conv1d_backward_data";
    conv_job j;
    zn_status st = job_init(fn, &j, s, algo, scratch, max_threads);
    if (st != ZN_OK) return st;
    if (!dy || !w || !dx) return zn_error(ZN_ERR_INVALID_ARG, "%s: dy, w or dx is NULL", fn);
    if (j.algo == ZN_CONV1D_WINDOW && s->stride != 1) j.algo = ZN_CONV1D_TAPS;
    j.transposed = 1;
    j.overwrite = !accumulate;
    pack_weights(&j, w, scratch);
    j.in = dy, j.wp = scratch, j.out = dx;
    j.tiles = (s->t_in + j.tile - 1) / j.tile;
    j.n_units = s->batch * j.tiles;
    const double work = (double)s->batch * (double)j.t_out * (double)s->c_out * (double)j.cig * (double)s->kernel;
    zn_seq_run(pool, zn_seq_threads(pool, max_threads, j.n_units, work, CONV_MT_MIN_WORK), bwd_data_part, &j);
    return job_status(fn, &j);
}

zn_status zn_conv1d_backward_weight_algo(const zn_conv1d_shape *s, zn_conv1d_algo algo, const float *x, const float *dy,
                                         float *dw, float *db, float *scratch, zn_pool *pool, int max_threads) {
    static const char fn[] = "zn_conv1d_backward_weight";
    conv_job j;
    zn_status st = job_init(fn, &j, s, algo, scratch, max_threads);
    if (st != ZN_OK) return st;
    if (!x || !dy || !dw) return zn_error(ZN_ERR_INVALID_ARG, "%s: x, dy or dw is NULL", fn);
    j.in = x, j.in2 = dy, j.out = scratch, j.dw = dw, j.db = db;
    const double work = (double)s->batch * (double)j.t_out * (double)s->c_out * (double)j.cig * (double)s->kernel;
    if (j.algo != ZN_CONV1D_DIRECT) {
        /* The batch in fixed parts, each a unit summing its sequences with
         * single-threaded products into its own dW and db; the parts are
         * added in order below. */
        j.parts = zn_conv1d_weight_parts(s->batch, conv_weight_floats(s));
        j.n_units = j.parts;
        zn_seq_run(pool, zn_seq_threads(pool, max_threads, j.n_units, work, CONV_MT_MIN_WORK), bwd_weight_parts, &j);
    }
    j.n_units = (s->c_out + CONV_COL_CHUNK - 1) / CONV_COL_CHUNK;
    zn_seq_run(pool, zn_seq_threads(pool, max_threads, j.n_units, work, CONV_MT_MIN_WORK), bwd_weight_cols, &j);
    return job_status(fn, &j);
}

zn_status zn_conv1d_backward_data_algo(const zn_conv1d_shape *s, zn_conv1d_algo algo, const float *dy, const float *w,
                                       float *dx, float *scratch, zn_pool *pool, int max_threads) {
    return zn_conv1d_backward_data_ex(s, algo, dy, w, dx, 1, scratch, pool, max_threads);
}

zn_status zn_conv1d_forward(const zn_conv1d_shape *s, const float *x, const float *w, const float *bias, float *y,
                            float *scratch, zn_pool *pool, int max_threads) {
    return zn_conv1d_forward_algo(s, ZN_CONV1D_AUTO, x, w, bias, y, scratch, pool, max_threads);
}
zn_status zn_conv1d_backward_data(const zn_conv1d_shape *s, const float *dy, const float *w, float *dx, float *scratch,
                                  zn_pool *pool, int max_threads) {
    return zn_conv1d_backward_data_algo(s, ZN_CONV1D_AUTO, dy, w, dx, scratch, pool, max_threads);
}
zn_status zn_conv1d_backward_weight(const zn_conv1d_shape *s, const float *x, const float *dy, float *dw, float *db,
                                    float *scratch, zn_pool *pool, int max_threads) {
    return zn_conv1d_backward_weight_algo(s, ZN_CONV1D_AUTO, x, dy, dw, db, scratch, pool, max_threads);
}
