/* The conv1d graph op against its kernel alone on the benchmark
 * shape (16 x 64 -> 64 channels x 1024 steps, kernel 3, padding same,
 * dilation 1 and 8), interleaved call by call: zn_model_run of a one-op
 * model against zn_conv1d_forward with caller-owned buffers, and a
 * training pass (zn_model_run_backward on conv(x + p) with MSE) against
 * the three kernel calls, and without the add (no dx) against forward and
 * backward-weight kernel calls. Figures go to docs/KERNELS.md.
 *   exp_conv_op_overhead [threads] [reps]   (1 thread, 30 reps) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/conv1d.h"
#include "zenn/zenn.h"

enum { B = 16, C = 64, T = 1024, K = 3 };

static int cmp(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static zn_model *model(int64_t d, int train) {
    zn_graph *g;
    zn_graph_create(&g);
    const int64_t dims[2] = {T, C};
    zn_node *x = zn_input_nd(g, "x", ZN_F32, 2, dims, -1);
    if (train == 1) x = zn_add(g, x, zn_param_nd(g, "p", 2, dims, ZN_INIT_ZERO, 0));
    zn_conv1d_spec s = zn_conv1d_spec_default();
    s.out_channels = C, s.kernel = K, s.dilation = d, s.padding = ZN_PAD_SAME;
    zn_node *y = zn_conv1d_ex(g, x, &s, "conv");
    zn_node *loss = train ? zn_mse(g, y, zn_input_nd(g, "t", ZN_F32, 2, dims, -1)) : NULL;
    zn_model *m = NULL;
    zn_model_compile(g, &y, 1, loss, 1, &m);
    zn_graph_free(g);
    return m;
}

int main(int argc, char **argv) {
    const int threads = argc > 1 ? atoi(argv[1]) : 1;
    int reps = argc > 2 ? atoi(argv[2]) : 30;
    if (reps < 1 || reps > 500) reps = 30;
    zn_pool *pool = NULL;
    if (zn_pool_create(threads, &pool) != ZN_OK) return 1;
    const size_t n = (size_t)B * T * C;
    float *x = zn_alloc(n * 4), *y = zn_alloc(n * 4), *t = zn_alloc(n * 4), *dy = zn_alloc(n * 4),
          *dx = zn_alloc(n * 4);
    float *w = zn_alloc(C * C * K * 4), *bias = zn_alloc(C * 4), *dw = zn_alloc(C * C * K * 4), *db = zn_alloc(C * 4);
    /* backward weight's scratch, the largest (its batch parts' partial dW's and db's) */
    const zn_conv1d_shape s0 = {B, T, C, C, K, 1, 1, 1, 1, 1};
    float *sc = zn_alloc(zn_conv1d_backward_weight_scratch_floats(&s0) * 4);
    zn_rng r;
    zn_rng_seed(&r, 1);
    zn_rng_fill_uniform(&r, x, n, -1, 1);
    zn_rng_fill_uniform(&r, t, n, -1, 1);
    zn_rng_fill_uniform(&r, dy, n, -1, 1);
    zn_rng_fill_uniform(&r, w, C * C * K, -0.1f, 0.1f);
    printf("threads %d, median (min) ms of %d interleaved calls\n", threads, reps);
    static double tm[6][500];
    for (int64_t d = 1; d <= 8; d *= 8) {
        zn_model *mi = model(d, 0), *mt = model(d, 1), *mw = model(d, 2);
        zn_ws *wi = NULL, *wt = NULL, *ww = NULL;
        zn_ws_opts o = zn_ws_opts_default();
        o.max_batch = B, o.pool = pool, o.max_threads = threads;
        zn_ws_create(mi, &o, &wi);
        o.mode = ZN_WS_TRAIN;
        zn_ws_create(mt, &o, &wt);
        zn_ws_create(mw, &o, &ww);
        const zn_conv1d_shape s = {B, T, C, C, K, 1, d, 1, d * (K - 1) / 2, d * (K - 1) - d * (K - 1) / 2};
        const void *in[2] = {x, t};
        zn_feed f = {B, 0, in};
        float *outs[1] = {y};
        float loss;
        for (int rep = -2; rep < reps; rep++) {
            uint64_t t0 = zn_time_ns();
            zn_conv1d_forward(&s, x, w, bias, y, sc, pool, threads);
            uint64_t t1 = zn_time_ns();
            zn_model_run(mi, wi, &f, outs);
            uint64_t t2 = zn_time_ns();
            memset(dx, 0, n * 4), memset(dw, 0, C * C * K * 4), memset(db, 0, C * 4);
            zn_conv1d_forward(&s, x, w, bias, y, sc, pool, threads);
            zn_conv1d_backward_data(&s, dy, w, dx, sc, pool, threads);
            zn_conv1d_backward_weight(&s, x, dy, dw, db, sc, pool, threads);
            uint64_t t3 = zn_time_ns();
            zn_model_run_backward(mt, wt, &f, &loss);
            uint64_t t4 = zn_time_ns();
            memset(dw, 0, C * C * K * 4), memset(db, 0, C * 4);
            zn_conv1d_forward(&s, x, w, bias, y, sc, pool, threads);
            zn_conv1d_backward_weight(&s, x, dy, dw, db, sc, pool, threads);
            uint64_t t5 = zn_time_ns();
            zn_model_run_backward(mw, ww, &f, &loss);
            uint64_t t6 = zn_time_ns();
            if (rep < 0) continue;
            tm[4][rep] = (t5 - t4) * 1e-6, tm[5][rep] = (t6 - t5) * 1e-6;
            tm[0][rep] = (t1 - t0) * 1e-6, tm[1][rep] = (t2 - t1) * 1e-6, tm[2][rep] = (t3 - t2) * 1e-6,
            tm[3][rep] = (t4 - t3) * 1e-6;
        }
        static const char *names[6] = {"forward kernel",
                                       "forward op (zn_model_run)",
                                       "fwd+bwd kernels (3 calls)",
                                       "fwd+bwd graph (x + p, conv, mse)",
                                       "fwd + bwd weight kernels",
                                       "fwd+bwd graph (conv, mse; no dx)"};
        for (int i = 0; i < 6; i++) {
            qsort(tm[i], (size_t)reps, sizeof tm[i][0], cmp);
            printf("dilation %lld %-34s %7.3f (%.3f)\n", (long long)d, names[i], tm[i][reps / 2], tm[i][0]);
        }
        zn_ws_free(wi), zn_ws_free(wt), zn_ws_free(ww), zn_model_free(mi), zn_model_free(mt), zn_model_free(mw);
    }
    zn_free(x), zn_free(y), zn_free(t), zn_free(dy), zn_free(dx), zn_free(w), zn_free(bias), zn_free(dw), zn_free(db);
    zn_free(sc);
    zn_pool_free(pool);
    return 0;
}
