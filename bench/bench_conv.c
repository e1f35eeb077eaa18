/* Suite `conv`: conv1d of 16 x 64 channels x 1024 steps, kernel 3, padding
 * same, dilation 1 and 8 (issue 17 section 4): zenn's graph (one conv1d op)
 * forward, and forward+backward to the input, the weight and the bias,
 * against PyTorch (forward and train) and ONNX Runtime (forward), each peer
 * at its best of 1 and 2 threads (bench/peers/README.md, "Sequence
 * suites"). zenn's forward+backward computes dx as the peers do: the input
 * asks for its gradient (zn_input_requires_grad); the MSE loss is counted
 * in zenn's time. */
#include <stdio.h>
#include <string.h>

#include "bench_mlp.h"

enum { CONV_BATCH = 16, CONV_CH = 64, CONV_LEN = 1024, CONV_K = 3 };

typedef struct conv_ctx {
    zn_model *m;
    zn_ws *ws;
    int train;
    float *x, *y, *t;
} conv_ctx;

static int run_zenn(void *p) {
    conv_ctx *c = p;
    const void *in[2] = {c->x, c->t};
    zn_feed f = {CONV_BATCH, 0, in};
    float *out[1] = {NULL}; /* read in the workspace (zn_ws_node_value): no copy, as the peers hand back their own */
    float loss;
    return (c->train ? zn_model_run_backward(c->m, c->ws, &f, &loss) : zn_model_run(c->m, c->ws, &f, out)) != ZN_OK;
}

static void conv_free(conv_ctx *c) {
    zn_ws_free(c->ws);
    zn_model_free(c->m);
    zn_free(c->x);
    zn_free(c->y);
    zn_free(c->t);
}

static int conv_init(conv_ctx *c, int64_t dilation, int train, zn_pool *pool, int threads) {
    memset(c, 0, sizeof *c);
    c->train = train;
    zn_graph *g = NULL;
    if (zn_graph_create(&g) != ZN_OK) return 0;
    const int64_t dims[2] = {CONV_LEN, CONV_CH};
    zn_node *x = zn_input_nd(g, "x", ZN_F32, 2, dims, -1);
    if (train) zn_input_requires_grad(g, x);
    zn_conv1d_spec s = zn_conv1d_spec_default();
    s.out_channels = CONV_CH, s.kernel = CONV_K, s.dilation = dilation, s.padding = ZN_PAD_SAME;
    zn_node *y = zn_conv1d_ex(g, x, &s, "conv");
    zn_node *loss = train ? zn_mse(g, y, zn_input_nd(g, "target", ZN_F32, 2, dims, -1)) : NULL;
    zn_status st = zn_model_compile(g, &y, 1, loss, 1, &c->m);
    zn_graph_free(g);
    if (st != ZN_OK) return 0;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = CONV_BATCH;
    o.mode = train ? ZN_WS_TRAIN : ZN_WS_INFER;
    o.pool = pool;
    o.max_threads = threads;
    if (zn_ws_create(c->m, &o, &c->ws) != ZN_OK) return 0;
    const size_t n = (size_t)CONV_BATCH * CONV_LEN * CONV_CH;
    c->x = zn_alloc(n * sizeof(float));
    c->y = zn_alloc(n * sizeof(float));
    c->t = zn_alloc(n * sizeof(float));
    if (!c->x || !c->y || !c->t) return 0;
    zn_rng r;
    zn_rng_seed(&r, 3);
    zn_rng_fill_uniform(&r, c->x, n, -1.0f, 1.0f);
    zn_rng_fill_uniform(&r, c->t, n, -1.0f, 1.0f);
    return 1;
}

static int start_ort(bench_peer *p) {
    char script[4096 + 32];
    snprintf(script, sizeof script, "%s/js/ort_peer.js", bench_peers_dir());
    char *argv[] = {"node", script, NULL};
    return bench_peer_start(p, "onnxruntime", argv, NULL, 1);
}

/* One shape and mode: zenn and the peers that run it, interleaved. */
static void conv_case(bench_run *run, bench_peer *torch, bench_peer *ort, int64_t dilation, int train, zn_pool *pool,
                      int threads) {
    char name[96], shape[64];
    snprintf(name, sizeof name, "conv1d %s d%lld", train ? "fwd+bwd" : "fwd", (long long)dilation);
    snprintf(shape, sizeof shape, "%dx%dx%d k%d d%lld", CONV_BATCH, CONV_CH, CONV_LEN, CONV_K, (long long)dilation);
    if (!bench_selected(&run->opts, name)) return;
    conv_ctx z;
    if (!conv_init(&z, dilation, train, pool, threads)) {
        bench_note(run, "%s: zenn setup failed: %s", name, zn_last_error());
        conv_free(&z);
        return;
    }
    bench_peer *peers[2] = {torch, train ? NULL : ort};
    const int n_peers = train ? 1 : 2;
    peer_job jobs[2];
    bench_contender c[3];
    c[0] = (bench_contender){"zenn", run_zenn, &z, NULL, threads, 0, NULL, NULL};
    for (int i = 0; i < n_peers; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].peer = peers[i];
        snprintf(jobs[i].request, sizeof jobs[i].request,
                 "{\"op\":\"conv1d\",\"mode\":\"%s\",\"batch\":%d,\"channels\":%d,\"length\":%d,\"kernel\":%d,"
                 "\"dilation\":%lld,\"threads\":\"best\"",
                 train ? "train" : "forward", CONV_BATCH, CONV_CH, CONV_LEN, CONV_K, (long long)dilation);
        c[1 + i] = peer_contender(&jobs[i], 2);
    }
    bench_stats st[3];
    bench_measure(&run->opts, c, 1 + n_peers, st);
    /* multiply-adds x 2, and x 3 for forward, dx and dw */
    const double flops = 2.0 * CONV_BATCH * CONV_LEN * CONV_CH * CONV_CH * CONV_K * (train ? 3 : 1);
    bench_result r;
    for (int i = 0; i < n_peers; i++) {
        bench_mlp_result(&r, "conv", name, shape, threads, flops, "GFLOP/s", 1e-9);
        bench_peer_row(&r, &st[0], &st[1 + i], &jobs[i], &c[1 + i]);
        r.target = 2;
        snprintf(r.target_note, sizeof r.target_note, "%s",
                 train ? "forward+backward >= 2x PyTorch" : "forward >= 2x the faster of PyTorch and ORT");
        bench_add(run, &r);
    }
    conv_free(&z);
}

int bench_suite_conv(bench_run *run) {
    const int threads = run->opts.threads > 0 ? run->opts.threads : zn_pool_size(zn_pool_default());
    zn_pool *pool = NULL;
    if (run->opts.threads > 0 && zn_pool_create(threads, &pool) != ZN_OK) {
        bench_note(run, "conv: cannot create a pool: %s", zn_last_error());
        return 1;
    }
    bench_section(run, "conv: conv1d 16 x 64 -> 64 channels x 1024 steps, kernel 3, padding same (GFLOP/s)");
    bench_note(run,
               "zenn: one conv1d op through zn_model_run (forward; the output read in the workspace) or "
               "zn_model_run_backward with an MSE loss (forward+backward to x, weight and bias), %d thread(s); peers "
               "at their best of 1 and 2 threads",
               threads);
    bench_peer torch, ort;
    memset(&torch, 0, sizeof torch);
    memset(&ort, 0, sizeof ort);
    bench_peer *ps[2] = {&torch, &ort};
    for (int i = 0; i < 2; i++) {
        const double t0 = zn_time_sec();
        const int up = i == 0 ? bench_peer_start_torch(ps[i]) : start_ort(ps[i]);
        if (up)
            bench_note(run, "peer %s %s (started in %.1f s)", ps[i]->name, ps[i]->version, zn_time_sec() - t0);
        else
            bench_note(run, "peer %s skipped: %s", i == 0 ? "pytorch" : "onnxruntime", ps[i]->why);
    }
    static const int64_t dilations[2] = {1, 8};
    for (int d = 0; d < 2; d++)
        for (int train = 0; train < 2; train++) conv_case(run, &torch, &ort, dilations[d], train, pool, threads);
    for (int i = 0; i < 2; i++)
        if (bench_peer_up(ps[i])) bench_peer_stop(ps[i]);
    zn_pool_free(pool);
    return 0;
}
