/* 1-D pooling and linear interpolation kernels (src/kernels/pool1d.c,
 * interp1d.c) against naive double references with PyTorch's rules;
 * threads bit-identical; bad shapes are errors. */
#include "kernels/pool1d.h"
#include "zn_test.h"

/* PyTorch's pooling_output_shape, pads split into left and right. */
static int64_t ref_out_len(const zn_pool1d_shape *s) {
    const int64_t num = s->t_in + s->pad_left + s->pad_right - s->kernel + (s->ceil_mode ? s->stride - 1 : 0);
    int64_t to = num / s->stride + 1;
    if (s->ceil_mode && (to - 1) * s->stride >= s->t_in + s->pad_left) to--;
    return to;
}

static int close_rel(const float *got, const double *want, size_t n, double tol) {
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= tol * (1.0 + fabs(want[i])))) {
            ZT_FAIL("[%zu] %.9g vs %.9g", i, got[i], want[i]);
            return 0;
        }
    return 1;
}

static void check_pool(const zn_pool1d_shape *s, zn_rng *r, size_t shift) {
    const int64_t to = ref_out_len(s), T = s->t_in, C = s->channels, B = s->batch;
    int64_t to2 = -1;
    ZT_OK(zn_pool1d_out_len(s, &to2));
    ZT_CHECK_MSG(to2 == to, "T %lld K %lld s %lld pads %lld,%lld ceil %d: %lld vs %lld", (long long)T,
                 (long long)s->kernel, (long long)s->stride, (long long)s->pad_left, (long long)s->pad_right,
                 s->ceil_mode, (long long)to2, (long long)to);
    const size_t nx = (size_t)(B * T * C), ny = (size_t)(B * to * C);
    float *x = zt_alloc_shifted(nx, shift), *y = zt_alloc_shifted(ny, shift + 1), *dy = zt_alloc_shifted(ny, shift);
    float *dx = zt_alloc_shifted(nx, shift + 2), *dx0 = zt_alloc_shifted(nx, 0);
    int32_t *am = calloc(ny, sizeof *am);
    double *ry = calloc(ny, sizeof *ry), *rdx = calloc(nx, sizeof *rdx);
    zn_rng_fill_uniform(r, x, nx, -1, 1);
    zn_rng_fill_uniform(r, dy, ny, -1, 1);
    zn_rng_fill_uniform(r, dx0, nx, -1, 1);
    if (nx > 3) x[nx / 2] = x[nx / 3]; /* a tie: the first wins */

    /* max */
    for (size_t i = 0; i < nx; i++) rdx[i] = dx0[i];
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < to; t++)
            for (int64_t c = 0; c < C; c++) {
                const int64_t lo = t * s->stride - s->pad_left, hi = lo + s->kernel;
                int64_t best = -1;
                for (int64_t i = lo < 0 ? 0 : lo; i < hi && i < T; i++)
                    if (best < 0 || x[(b * T + i) * C + c] > x[(b * T + best) * C + c]) best = i;
                const size_t yi = (size_t)((b * to + t) * C + c);
                ry[yi] = x[(b * T + best) * C + c];
                rdx[(b * T + best) * C + c] += dy[yi];
            }
    ZT_OK(zn_maxpool1d_forward(s, x, y, am, NULL, 1));
    close_rel(y, ry, ny, 0);
    memcpy(dx, dx0, nx * sizeof *dx);
    ZT_OK(zn_maxpool1d_backward(s, dy, am, dx, NULL, 1));
    close_rel(dx, rdx, nx, 1e-6);

    /* average */
    for (size_t i = 0; i < nx; i++) rdx[i] = dx0[i];
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < to; t++) {
            const int64_t lo = t * s->stride - s->pad_left, hi = lo + s->kernel;
            int64_t n = 0, npad = 0;
            for (int64_t i = lo; i < hi; i++) {
                if (i < T + s->pad_right) npad++; /* the window clipped to the padded input */
                if (i >= 0 && i < T) n++;
            }
            const double div = s->count_include_pad ? (double)npad : (double)n;
            for (int64_t c = 0; c < C; c++) {
                double sum = 0;
                const size_t yi = (size_t)((b * to + t) * C + c);
                for (int64_t i = lo; i < hi; i++)
                    if (i >= 0 && i < T) sum += x[(b * T + i) * C + c], rdx[(b * T + i) * C + c] += dy[yi] / div;
                ry[yi] = sum / div;
            }
        }
    ZT_OK(zn_avgpool1d_forward(s, x, y, NULL, 1));
    close_rel(y, ry, ny, 1e-6);
    memcpy(dx, dx0, nx * sizeof *dx);
    ZT_OK(zn_avgpool1d_backward(s, dy, dx, NULL, 1));
    close_rel(dx, rdx, nx, 1e-6);

    zt_free_shifted(x, shift), zt_free_shifted(y, shift + 1), zt_free_shifted(dy, shift);
    zt_free_shifted(dx, shift + 2), zt_free_shifted(dx0, 0);
    free(am), free(ry), free(rdx);
}

static void test_pool_against_reference(void) {
    static const int64_t ts[] = {1, 7, 17, 100}, cs[] = {1, 3, 17, 64};
    zn_rng r;
    zn_rng_seed(&r, 3);
    int done = 0;
    for (int ti = 0; ti < 4; ti++)
        for (int ci = 0; ci < 4; ci++)
            for (int64_t k = 1; k <= 5; k++)
                for (int64_t st = 1; st <= 3; st++)
                    for (int mode = 0; mode < 8; mode++) {
                        zn_pool1d_shape s = {1 + (ti + ci) % 2, ts[ti], cs[ci], k, st, 0, 0, mode & 1, (mode >> 1) & 1};
                        if (mode >> 2) s.pad_left = k / 2, s.pad_right = (k - 1) / 2 + (k > 2);
                        if (s.pad_right >= k) s.pad_right = k - 1;
                        if (s.t_in + s.pad_left + s.pad_right < k) continue;
                        check_pool(&s, &r, (size_t)(done % 3));
                        done++;
                    }
    ZT_CHECK(done > 500);
}

/* Output lengths PyTorch gives (nn.MaxPool1d on a length-T input). */
static void test_pool_out_len_pytorch(void) {
    static const struct {
        int64_t t, k, s, pad, ceil, out;
    } cases[] = {
        {7, 2, 2, 0, 1, 4},  {7, 2, 2, 0, 0, 3}, {6, 2, 2, 1, 1, 4}, {5, 2, 2, 1, 1, 3}, {5, 3, 2, 1, 1, 3},
        {10, 3, 3, 1, 1, 4}, {1, 1, 1, 0, 0, 1}, {4, 4, 3, 0, 1, 1}, {9, 3, 2, 1, 0, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zn_pool1d_shape s = {1, cases[i].t, 1, cases[i].k, cases[i].s, cases[i].pad, cases[i].pad, (int)cases[i].ceil,
                             1};
        int64_t to = -1;
        ZT_OK(zn_pool1d_out_len(&s, &to));
        ZT_CHECK_MSG(to == cases[i].out, "case %zu: %lld, PyTorch %lld", i, (long long)to, (long long)cases[i].out);
    }
}

static void test_pool_nan_and_errors(void) {
    zn_pool1d_shape s = {1, 4, 1, 2, 2, 0, 0, 0, 1};
    float x[4] = {1, NAN, 3, 2}, y[2], dx[4] = {0};
    int32_t am[2];
    ZT_OK(zn_maxpool1d_forward(&s, x, y, am, NULL, 1));
    ZT_CHECK(isnan(y[0]) && am[0] == 1 && y[1] == 3 && am[1] == 2);
    am[1] = 4;
    ZT_ERR(zn_maxpool1d_backward(&s, y, am, dx, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_CHECK(dx[0] == 0 && dx[1] == 0); /* nothing written */
    ZT_ERR(zn_maxpool1d_forward(&s, x, y, NULL, NULL, 1), ZN_ERR_INVALID_ARG);
    s.pad_left = 2;
    ZT_ERR(zn_avgpool1d_forward(&s, x, y, NULL, 1), ZN_ERR_INVALID_ARG);
    s.pad_left = 0, s.kernel = 5;
    ZT_ERR(zn_avgpool1d_forward(&s, x, y, NULL, 1), ZN_ERR_SHAPE);
    s.kernel = 2, s.stride = 0;
    ZT_ERR(zn_avgpool1d_backward(&s, x, dx, NULL, 1), ZN_ERR_INVALID_ARG);
    s.stride = 1, s.channels = 0;
    ZT_ERR(zn_avgpool1d_backward(&s, x, dx, NULL, 1), ZN_ERR_INVALID_ARG);
    s.channels = 1;
    ZT_ERR(zn_avgpool1d_forward(&s, NULL, y, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_avgpool1d_forward(&s, x, y, NULL, -1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_interp1d_linear_forward(1, 4, 4, 1, x, y, NULL, -1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_interp1d_linear_forward(1, 0, 4, 1, x, y, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_interp1d_linear_backward(1, 4, 0, 1, x, dx, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_interp1d_linear_forward(1, 4, 4, 1, NULL, y, NULL, 1), ZN_ERR_INVALID_ARG);
}

static void test_interp_against_reference(void) {
    static const int64_t ts[] = {1, 2, 7, 17, 100}, cs[] = {1, 3, 17, 64};
    zn_rng r;
    zn_rng_seed(&r, 9);
    for (int a = 0; a < 5; a++)
        for (int o = 0; o < 5; o++)
            for (int ci = 0; ci < 4; ci++) {
                const int64_t B = 2, ti = ts[a], tt = ts[o], C = cs[ci];
                const size_t nx = (size_t)(B * ti * C), ny = (size_t)(B * tt * C), sh = (size_t)(a + o) % 3;
                float *x = zt_alloc_shifted(nx, sh), *y = zt_alloc_shifted(ny, sh + 1), *dy = zt_alloc_shifted(ny, sh);
                float *dx = zt_alloc_shifted(nx, sh + 2);
                double *ry = calloc(ny, sizeof *ry), *rdx = calloc(nx, sizeof *rdx);
                zn_rng_fill_uniform(&r, x, nx, -1, 1);
                zn_rng_fill_uniform(&r, dy, ny, -1, 1);
                zn_rng_fill_uniform(&r, dx, nx, -1, 1);
                for (size_t i = 0; i < nx; i++) rdx[i] = dx[i];
                for (int64_t b = 0; b < B; b++)
                    for (int64_t t = 0; t < tt; t++) {
                        double src = ((double)t + 0.5) * (double)((float)ti / (float)tt) - 0.5;
                        if (src < 0) src = 0;
                        const int64_t i0 = (int64_t)floor(src), i1 = i0 < ti - 1 ? i0 + 1 : i0;
                        const double l1 = src - (double)i0, l0 = 1 - l1;
                        for (int64_t c = 0; c < C; c++) {
                            const size_t yi = (size_t)((b * tt + t) * C + c);
                            ry[yi] = l0 * x[(b * ti + i0) * C + c] + l1 * x[(b * ti + i1) * C + c];
                            rdx[(b * ti + i0) * C + c] += l0 * dy[yi];
                            rdx[(b * ti + i1) * C + c] += l1 * dy[yi];
                        }
                    }
                ZT_OK(zn_interp1d_linear_forward(B, ti, tt, C, x, y, NULL, 1));
                close_rel(y, ry, ny, 1e-5);
                ZT_OK(zn_interp1d_linear_backward(B, ti, tt, C, dy, dx, NULL, 1));
                close_rel(dx, rdx, nx, 1e-5);
                zt_free_shifted(x, sh), zt_free_shifted(y, sh + 1), zt_free_shifted(dy, sh),
                    zt_free_shifted(dx, sh + 2);
                free(ry), free(rdx);
            }
    /* PyTorch's weights at 100 -> 1000, probed with one-hot channels: the
     * scale rounded to float, the position in double (torch 1.13 agrees to
     * 4e-8; a float position is off by up to 3.6e-6). */
    {
        enum { TI = 100, TO = 1000 };
        float *x = calloc(TI * TI, sizeof *x), *y = malloc(TO * TI * sizeof *y);
        for (int i = 0; i < TI; i++) x[i * TI + i] = 1;
        ZT_OK(zn_interp1d_linear_forward(1, TI, TO, TI, x, y, NULL, 1));
        double worst = 0;
        for (int t = 0; t < TO; t++) {
            double src = ((double)t + 0.5) * (double)((float)TI / (float)TO) - 0.5;
            src = src < 0 ? 0 : src;
            const int i0 = (int)src, i1 = i0 < TI - 1 ? i0 + 1 : i0;
            const double l1 = src - i0;
            for (int c = 0; c < TI; c++) {
                const double want = (c == i0 ? 1 - l1 : 0) + (c == i1 ? l1 : 0);
                worst = fmax(worst, fabs(y[t * TI + c] - want));
            }
        }
        ZT_CHECK_MSG(worst < 2e-7, "weights differ from PyTorch's by %g", worst);
        free(x), free(y);
    }
    /* Upsampling 2 -> 4 as PyTorch: [a, b] -> [a, .75a + .25b, .25a + .75b, b]. */
    float x2[2] = {1, 5}, y4[4];
    ZT_OK(zn_interp1d_linear_forward(1, 2, 4, 1, x2, y4, NULL, 1));
    ZT_CHECK(y4[0] == 1 && y4[1] == 2 && y4[2] == 4 && y4[3] == 5);
}

static void test_threads_bit_identical(void) {
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    const zn_pool1d_shape s = {3, 1000, 70, 5, 2, 2, 1, 1, 0};
    int64_t to = 0;
    ZT_OK(zn_pool1d_out_len(&s, &to));
    const size_t nx = (size_t)(3 * 1000 * 70), ny = (size_t)(3 * to * 70), ni = 3 * 1700 * 70;
    zn_rng r;
    zn_rng_seed(&r, 4);
    float *x = malloc(ni * 4), *dy = malloc(ni * 4), *out[2][6];
    int32_t *am[2];
    zn_rng_fill_uniform(&r, x, ni, -1, 1);
    zn_rng_fill_uniform(&r, dy, ni, -1, 1);
    for (int th = 0; th < 2; th++) {
        zn_pool *p = th ? pool : NULL;
        for (int q = 0; q < 6; q++) out[th][q] = calloc(ni, 4);
        am[th] = malloc(ny * sizeof(int32_t));
        ZT_OK(zn_maxpool1d_forward(&s, x, out[th][0], am[th], p, 0));
        ZT_OK(zn_maxpool1d_backward(&s, dy, am[th], out[th][1], p, 0));
        ZT_OK(zn_avgpool1d_forward(&s, x, out[th][2], p, 0));
        ZT_OK(zn_avgpool1d_backward(&s, dy, out[th][3], p, 0));
        ZT_OK(zn_interp1d_linear_forward(3, 1000, 1700, 70, x, out[th][4], p, 0));
        ZT_OK(zn_interp1d_linear_backward(3, 1000, 1700, 70, dy, out[th][5], p, 0));
    }
    (void)nx;
    for (int q = 0; q < 6; q++) ZT_CHECK_MSG(memcmp(out[0][q], out[1][q], ni * 4) == 0, "output %d differs", q);
    ZT_CHECK(memcmp(am[0], am[1], ny * sizeof(int32_t)) == 0);
    for (int th = 0; th < 2; th++) {
        for (int q = 0; q < 6; q++) free(out[th][q]);
        free(am[th]);
    }
    free(x), free(dy);
    zn_pool_free(pool);
}

int main(void) {
    ZT_RUN(test_pool_against_reference);
    ZT_RUN(test_pool_out_len_pytorch);
    ZT_RUN(test_pool_nan_and_errors);
    ZT_RUN(test_interp_against_reference);
    ZT_RUN(test_threads_bit_identical);
    return zt_finish();
}
