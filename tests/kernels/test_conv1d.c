/* conv1d kernels (src/kernels/conv1d.c) against a naive double reference:
 * forward, backward data and backward weight, every algorithm, awkward sizes
 * and misaligned buffers; threads bit-identical; bad shapes are errors. */
#include "kernels/conv1d.h"
#include "zn_test.h"

typedef struct refs {
    double *v, *a; /* the value, and the same sum over absolute terms (the error scale) */
} refs;

static int64_t out_len(const zn_conv1d_shape *s) {
    return (s->t_in + s->pad_left + s->pad_right - s->dilation * (s->kernel - 1) - 1) / s->stride + 1;
}

/* Calls fn(b, t, i, co, ci_global, wi) for every term x[b][i][ci] w[co][.][k] of the convolution. */
#define FOR_TERMS(s, to, BODY)                                                                                         \
    for (int64_t b = 0; b < (s)->batch; b++)                                                                           \
        for (int64_t t = 0; t < (to); t++)                                                                             \
            for (int64_t co = 0; co < (s)->c_out; co++)                                                                \
                for (int64_t k = 0; k < (s)->kernel; k++) {                                                            \
                    const int64_t i = t * (s)->stride + k * (s)->dilation - (s)->pad_left;                             \
                    if (i < 0 || i >= (s)->t_in) continue;                                                             \
                    const int64_t cig = (s)->c_in / (s)->groups, cog = (s)->c_out / (s)->groups;                       \
                    for (int64_t cl = 0; cl < cig; cl++) {                                                             \
                        const int64_t ci = co / cog * cig + cl, wi = (co * cig + cl) * (s)->kernel + k;                \
                        const int64_t xi = (b * (s)->t_in + i) * (s)->c_in + ci,                                       \
                                      yi = (b * (to) + t) * (s)->c_out + co;                                           \
                        BODY                                                                                           \
                    }                                                                                                  \
                }

static double *dzeros(size_t n) { return calloc(n ? n : 1, sizeof(double)); }

/* |got - ref| <= tol * (1 + abs-sum) for every element. */
static int close_all(const char *what, const zn_conv1d_shape *s, const float *got, const double *v, const double *a,
                     const float *base, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const double want = v[i] + (base ? base[i] : 0.0), scale = 1.0 + a[i] + (base ? fabs(base[i]) : 0.0);
        if (!(fabs(got[i] - want) <= 2e-6 * scale)) {
            ZT_FAIL("%s: B%lld T%lld Ci%lld Co%lld K%lld s%lld d%lld g%lld pad %lld,%lld: [%zu] %.9g vs %.9g", what,
                    (long long)s->batch, (long long)s->t_in, (long long)s->c_in, (long long)s->c_out,
                    (long long)s->kernel, (long long)s->stride, (long long)s->dilation, (long long)s->groups,
                    (long long)s->pad_left, (long long)s->pad_right, i, got[i], want);
            return 0;
        }
    }
    return 1;
}

static void check_shape(const zn_conv1d_shape *s, zn_rng *r, size_t shift) {
    const int64_t to = out_len(s);
    int64_t to2 = -1;
    ZT_OK(zn_conv1d_out_len(s, &to2));
    ZT_CHECK(to2 == to);
    const size_t nx = (size_t)(s->batch * s->t_in * s->c_in), ny = (size_t)(s->batch * to * s->c_out);
    const size_t nw = (size_t)(s->c_out * (s->c_in / s->groups) * s->kernel), nb = (size_t)s->c_out;
    float *x = zt_alloc_shifted(nx, shift), *w = zt_alloc_shifted(nw, shift + 1), *bias = zt_alloc_shifted(nb, shift);
    float *dy = zt_alloc_shifted(ny, shift + 2), *y = zt_alloc_shifted(ny, shift);
    float *dx = zt_alloc_shifted(nx, shift), *dw = zt_alloc_shifted(nw, shift), *db = zt_alloc_shifted(nb, shift + 3);
    float *dx0 = zt_alloc_shifted(nx, 0), *dw0 = zt_alloc_shifted(nw, 0), *db0 = zt_alloc_shifted(nb, 0);
    /* backward weight's partial dW's and db's make its scratch the largest */
    const size_t nsc = zn_conv1d_backward_weight_scratch_floats(s);
    ZT_CHECK(zn_conv1d_forward_scratch_floats(s) == nw && zn_conv1d_backward_data_scratch_floats(s) == nw &&
             nsc == (size_t)zn_conv1d_weight_parts(s->batch, nw) * (nw + nb));
    float *sc = zt_alloc_shifted(nsc, shift);
    zn_rng_fill_uniform(r, x, nx, -1, 1);
    zn_rng_fill_uniform(r, w, nw, -1, 1);
    zn_rng_fill_uniform(r, bias, nb, -1, 1);
    zn_rng_fill_uniform(r, dy, ny, -1, 1);
    zn_rng_fill_uniform(r, dx0, nx, -1, 1); /* backward accumulates onto these */
    zn_rng_fill_uniform(r, dw0, nw, -1, 1);
    zn_rng_fill_uniform(r, db0, nb, -1, 1);

    refs ry = {dzeros(ny), dzeros(ny)}, rdx = {dzeros(nx), dzeros(nx)}, rdw = {dzeros(nw), dzeros(nw)};
    refs rdb = {dzeros(nb), dzeros(nb)};
    FOR_TERMS(s, to, {
        ry.v[yi] += (double)x[xi] * w[wi];
        ry.a[yi] += fabs((double)x[xi] * w[wi]);
        rdx.v[xi] += (double)dy[yi] * w[wi];
        rdx.a[xi] += fabs((double)dy[yi] * w[wi]);
        rdw.v[wi] += (double)x[xi] * dy[yi];
        rdw.a[wi] += fabs((double)x[xi] * dy[yi]);
    })
    for (size_t i = 0; i < ny; i++) {
        ry.v[i] += bias[i % nb], ry.a[i] += fabs(bias[i % nb]);
        rdb.v[i % nb] += dy[i], rdb.a[i % nb] += fabs(dy[i]);
    }

    for (int algo = ZN_CONV1D_AUTO; algo <= ZN_CONV1D_WINDOW; algo++) {
        char what[64];
        snprintf(what, sizeof what, "forward algo %d", algo);
        for (size_t i = 0; i < ny; i++) y[i] = NAN; /* every element is written */
        ZT_OK(zn_conv1d_forward_algo(s, (zn_conv1d_algo)algo, x, w, bias, y, sc, NULL, 1));
        close_all(what, s, y, ry.v, ry.a, NULL, ny);
        /* no bias */
        ZT_OK(zn_conv1d_forward_algo(s, (zn_conv1d_algo)algo, x, w, NULL, y, sc, NULL, 1));
        for (size_t i = 0; i < ny; i++) y[i] += bias[i % nb];
        close_all(what, s, y, ry.v, ry.a, NULL, ny);

        snprintf(what, sizeof what, "backward data algo %d", algo);
        memcpy(dx, dx0, nx * sizeof *dx);
        ZT_OK(zn_conv1d_backward_data_algo(s, (zn_conv1d_algo)algo, dy, w, dx, sc, NULL, 1));
        close_all(what, s, dx, rdx.v, rdx.a, dx0, nx);
        /* overwriting: every element written (NaN would survive otherwise), no dx0 added */
        for (size_t i = 0; i < nx; i++) dx[i] = NAN;
        ZT_OK(zn_conv1d_backward_data_ex(s, (zn_conv1d_algo)algo, dy, w, dx, 0, sc, NULL, 1));
        close_all(what, s, dx, rdx.v, rdx.a, NULL, nx);

        snprintf(what, sizeof what, "backward weight algo %d", algo);
        memcpy(dw, dw0, nw * sizeof *dw);
        memcpy(db, db0, nb * sizeof *db);
        ZT_OK(zn_conv1d_backward_weight_algo(s, (zn_conv1d_algo)algo, x, dy, dw, db, sc, NULL, 1));
        close_all(what, s, dw, rdw.v, rdw.a, dw0, nw);
        close_all("bias gradient", s, db, rdb.v, rdb.a, db0, nb);
        ZT_OK(zn_conv1d_backward_weight_algo(s, (zn_conv1d_algo)algo, x, dy, dw, NULL, sc, NULL, 1)); /* db NULL */
    }
    free(ry.v), free(ry.a), free(rdx.v), free(rdx.a), free(rdw.v), free(rdw.a), free(rdb.v), free(rdb.a);
    zt_free_shifted(x, shift), zt_free_shifted(w, shift + 1), zt_free_shifted(bias, shift);
    zt_free_shifted(dy, shift + 2), zt_free_shifted(y, shift), zt_free_shifted(dx, shift);
    zt_free_shifted(dw, shift), zt_free_shifted(db, shift + 3), zt_free_shifted(sc, shift);
    zt_free_shifted(dx0, 0), zt_free_shifted(dw0, 0), zt_free_shifted(db0, 0);
}

/* Pads for a padding mode: 0 valid, 1 same (PyTorch's split), 2 causal, 3 lopsided. */
static void set_pads(zn_conv1d_shape *s, int mode) {
    const int64_t total = (s->kernel - 1) * s->dilation;
    switch (mode) {
    case 0: s->pad_left = s->pad_right = 0; break;
    case 1: s->pad_left = total / 2, s->pad_right = total - total / 2; break;
    case 2: s->pad_left = total, s->pad_right = 0; break;
    default: s->pad_left = 1, s->pad_right = 3; break;
    }
}

static void test_conv1d_against_reference(void) {
    static const int64_t ts[] = {1, 7, 17, 100}, cs[] = {1, 3, 17, 64}, ks[] = {1, 2, 3, 5}, ds[] = {1, 2, 8};
    zn_rng r;
    zn_rng_seed(&r, 17);
    int done = 0;
    /* A deterministic sample of the cross product, plus every kernel x padding x dilation at one size. */
    for (int n = 0; n < 400; n++) {
        zn_conv1d_shape s = {0};
        s.batch = 1 + (int64_t)(zn_rng_next(&r) % 3);
        s.t_in = ts[zn_rng_next(&r) % 4];
        s.kernel = ks[zn_rng_next(&r) % 4];
        s.stride = 1 + (int64_t)(zn_rng_next(&r) % 3);
        s.dilation = ds[zn_rng_next(&r) % 3];
        const int gmode = (int)(zn_rng_next(&r) % 3);
        int64_t c = cs[zn_rng_next(&r) % 4];
        int64_t c2 = cs[zn_rng_next(&r) % 4];
        if (gmode == 0) s.groups = 1, s.c_in = c, s.c_out = c2;
        if (gmode == 1) s.groups = 2, s.c_in = 2 * (c > 32 ? c / 2 : c), s.c_out = 2 * (c2 > 32 ? c2 / 2 : c2);
        if (gmode == 2) s.groups = c, s.c_in = c, s.c_out = c * (1 + (int64_t)(zn_rng_next(&r) % 2)); /* depthwise */
        set_pads(&s, (int)(zn_rng_next(&r) % 4));
        if (out_len(&s) < 1 || s.t_in + s.pad_left + s.pad_right < s.dilation * (s.kernel - 1) + 1) continue;
        check_shape(&s, &r, (size_t)(n % 4));
        done++;
    }
    for (int ki = 0; ki < 4; ki++)
        for (int di = 0; di < 3; di++)
            for (int pm = 0; pm < 4; pm++) {
                zn_conv1d_shape s = {2, 40, 16, 24, ks[ki], 1, ds[di], 1, 0, 0};
                set_pads(&s, pm);
                if (s.t_in + s.pad_left + s.pad_right < s.dilation * (s.kernel - 1) + 1) continue;
                check_shape(&s, &r, 1);
                done++;
            }
    /* Backward weight's batch parts: more sequences than parts (split unevenly), and parts capped by
     * large weights (zn_conv1d_weight_parts). */
    static const zn_conv1d_shape parted[] = {
        {11, 37, 17, 24, 3, 1, 1, 1, 1, 1}, /* WINDOW, 8 parts of 1-2 sequences */
        {11, 37, 17, 24, 3, 2, 2, 1, 2, 2}, /* TAPS */
        {3, 9, 256, 300, 5, 1, 1, 1, 2, 2}, /* 2 parts of 384000-float dW's */
    };
    ZT_CHECK(zn_conv1d_weight_parts(11, 17 * 24 * 3) == 8 && zn_conv1d_weight_parts(3, 256 * 300 * 5) == 2);
    for (size_t i = 0; i < sizeof parted / sizeof parted[0]; i++) check_shape(&parted[i], &r, i);
    ZT_CHECK(done > 300);
}

static void test_conv1d_weight_parts(void) {
    ZT_CHECK(zn_conv1d_weight_parts(16, 64 * 64 * 3) == 8);
    ZT_CHECK(zn_conv1d_weight_parts(3, 64 * 64 * 3) == 3);
    ZT_CHECK(zn_conv1d_weight_parts(16, 200000) == 5);
    ZT_CHECK(zn_conv1d_weight_parts(16, (size_t)1 << 21) == 1);
    ZT_CHECK(zn_conv1d_weight_parts(1, 10) == 1);
}

/* The same results, bit for bit, on one thread and on two. */
static void test_conv1d_threads_bit_identical(void) {
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    static const zn_conv1d_shape shapes[] = {
        {3, 300, 64, 64, 3, 1, 1, 1, 1, 1},   /* WINDOW */
        {11, 200, 64, 64, 3, 1, 1, 1, 1, 1},  /* WINDOW, backward weight in 8 batch parts */
        {3, 300, 64, 64, 3, 1, 8, 1, 16, 0},  /* TAPS, causal */
        {2, 301, 32, 48, 5, 2, 2, 2, 4, 4},   /* TAPS, groups */
        {3, 3000, 64, 64, 3, 1, 1, 64, 1, 1}, /* DIRECT, depthwise */
    };
    zn_rng r;
    zn_rng_seed(&r, 5);
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const zn_conv1d_shape *s = &shapes[si];
        const int64_t to = out_len(s);
        const size_t nx = (size_t)(s->batch * s->t_in * s->c_in), ny = (size_t)(s->batch * to * s->c_out);
        const size_t nw = (size_t)(s->c_out * (s->c_in / s->groups) * s->kernel), nb = (size_t)s->c_out;
        const size_t nsc = zn_conv1d_backward_weight_scratch_floats(s);
        float *x = malloc(nx * 4), *w = malloc(nw * 4), *bias = malloc(nb * 4), *dy = malloc(ny * 4);
        float *out[2][4], *sc = malloc(nsc * 4);
        zn_rng_fill_uniform(&r, x, nx, -1, 1);
        zn_rng_fill_uniform(&r, w, nw, -1, 1);
        zn_rng_fill_uniform(&r, bias, nb, -1, 1);
        zn_rng_fill_uniform(&r, dy, ny, -1, 1);
        for (int th = 0; th < 2; th++) {
            zn_pool *p = th ? pool : NULL;
            out[th][0] = malloc(ny * 4), out[th][1] = calloc(nx, 4), out[th][2] = calloc(nw, 4),
            out[th][3] = calloc(nb, 4);
            ZT_OK(zn_conv1d_forward(s, x, w, bias, out[th][0], sc, p, 0));
            ZT_OK(zn_conv1d_backward_data_ex(s, ZN_CONV1D_AUTO, dy, w, out[th][1], 0, sc, p, 0)); /* overwriting */
            ZT_OK(zn_conv1d_backward_weight(s, x, dy, out[th][2], out[th][3], sc, p, 0));
        }
        ZT_CHECK_MSG(memcmp(out[0][0], out[1][0], ny * 4) == 0, "forward differs on 2 threads (shape %zu)", si);
        ZT_CHECK_MSG(memcmp(out[0][1], out[1][1], nx * 4) == 0, "backward data differs on 2 threads (shape %zu)", si);
        ZT_CHECK_MSG(memcmp(out[0][2], out[1][2], nw * 4) == 0, "weight gradient differs on 2 threads (%zu)", si);
        ZT_CHECK_MSG(memcmp(out[0][3], out[1][3], nb * 4) == 0, "bias gradient differs on 2 threads (%zu)", si);
        for (int th = 0; th < 2; th++)
            for (int q = 0; q < 4; q++) free(out[th][q]);
        free(x), free(w), free(bias), free(dy), free(sc);
    }
    zn_pool_free(pool);
}

static void test_conv1d_errors(void) {
    float buf[64] = {0};
    zn_conv1d_shape s = {1, 4, 2, 2, 3, 1, 1, 1, 0, 0};
    int64_t to = 0;
    ZT_OK(zn_conv1d_out_len(&s, &to));
    ZT_CHECK(to == 2);
    /* A kernel longer than the input: the message names both sizes. */
    s.kernel = 3, s.dilation = 3;
    ZT_ERR(zn_conv1d_out_len(&s, &to), ZN_ERR_SHAPE);
    ZT_CHECK(strstr(zn_last_error(), "7") && strstr(zn_last_error(), "t_in 4"));
    ZT_CHECK(zn_conv1d_forward_scratch_floats(&s) == 0);
    ZT_ERR(zn_conv1d_forward(&s, buf, buf, NULL, buf, buf, NULL, 1), ZN_ERR_SHAPE);
    s.dilation = 1;
    s.groups = 2, s.c_in = 2, s.c_out = 3;
    ZT_ERR(zn_conv1d_forward(&s, buf, buf, NULL, buf, buf, NULL, 1), ZN_ERR_SHAPE);
    s.groups = 1, s.c_out = 2;
    for (int f = 0; f < 8; f++) {
        zn_conv1d_shape b = s;
        switch (f) {
        case 0: b.batch = 0; break;
        case 1: b.t_in = 0; break;
        case 2: b.c_in = 0; break;
        case 3: b.c_out = -1; break;
        case 4: b.kernel = 0; break;
        case 5: b.stride = 0; break;
        case 6: b.dilation = 0; break;
        default: b.groups = 0; break;
        }
        ZT_ERR(zn_conv1d_backward_data(&b, buf, buf, buf, buf, NULL, 1), ZN_ERR_INVALID_ARG);
    }
    s.pad_left = -1;
    ZT_ERR(zn_conv1d_backward_weight(&s, buf, buf, buf, buf, buf, NULL, 1), ZN_ERR_INVALID_ARG);
    s.pad_left = 0;
    ZT_ERR(zn_conv1d_forward(&s, NULL, buf, NULL, buf, buf, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_conv1d_forward(&s, buf, buf, NULL, buf, NULL, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_conv1d_forward(NULL, buf, buf, NULL, buf, buf, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_conv1d_forward(&s, buf, buf, NULL, buf, buf, NULL, -1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_conv1d_forward_algo(&s, (zn_conv1d_algo)9, buf, buf, NULL, buf, buf, NULL, 1), ZN_ERR_INVALID_ARG);
    s.c_in = INT64_MAX / 2;
    ZT_ERR(zn_conv1d_forward(&s, buf, buf, NULL, buf, buf, NULL, 1), ZN_ERR_OVERFLOW);
}

/* The algorithm choice: depthwise direct, dense dilation-1 as one window GEMM, dilated tap by tap. */
static void test_conv1d_pick(void) {
    zn_conv1d_shape s = {16, 1024, 64, 64, 3, 1, 1, 1, 1, 1};
    ZT_CHECK(zn_conv1d_pick(&s) == ZN_CONV1D_WINDOW);
    s.dilation = 8;
    ZT_CHECK(zn_conv1d_pick(&s) == ZN_CONV1D_TAPS);
    s.groups = 64;
    ZT_CHECK(zn_conv1d_pick(&s) == ZN_CONV1D_DIRECT);
}

int main(void) {
    ZT_RUN(test_conv1d_against_reference);
    ZT_RUN(test_conv1d_threads_bit_identical);
    ZT_RUN(test_conv1d_weight_parts);
    ZT_RUN(test_conv1d_errors);
    ZT_RUN(test_conv1d_pick);
    return zt_finish();
}
