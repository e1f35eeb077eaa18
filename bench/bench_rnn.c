/* Suite `rnn`: LSTM and GRU layers (batch 32, 96 steps, 32 inputs, 128
 * hidden) against PyTorch and ONNX Runtime (bench/peers/README.md,
 * "Sequence suites"): inference over the whole sequence, batch-1 streaming
 * (one step per call, the state in the workspace) and, for the LSTM, a
 * training step (forward, MSE on every step's output, backward, Adam). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bench_mlp.h"

enum { RB = 32, RT = 96, RI = 32, RH = 128 };

typedef struct rnn_ctx {
    zn_model *m;
    zn_ws *ws;
    zn_optim *opt;
    int64_t batch, steps, step; /* stream: the next step of x to feed */
    float *x, *target, *y;
} rnn_ctx;

/* zenn's layer: x [B, T, 32] -> one layer -> y [B, T, 128] (MSE on y to train). */
static int ctx_init(rnn_ctx *c, zn_cell cell, int mode, zn_pool *pool, int threads) {
    memset(c, 0, sizeof *c);
    c->batch = mode == 1 ? 1 : RB;
    c->steps = RT;
    zn_graph *g = NULL;
    if (zn_graph_create(&g) != ZN_OK) return 0;
    zn_node *x = zn_input_seq(g, "x", RT, RI);
    zn_rnn_spec spec = zn_rnn_spec_default(RH);
    spec.stateful = mode == 1;
    zn_node *y = cell == ZN_CELL_LSTM ? zn_lstm(g, x, &spec, "rnn", NULL, NULL, NULL, NULL)
                                      : zn_gru(g, x, &spec, "rnn", NULL, NULL);
    zn_node *loss = zn_mse(g, y, zn_input_seq(g, "target", RT, RH));
    const zn_status s = zn_model_compile(g, &y, 1, loss, 1, &c->m);
    zn_graph_free(g);
    if (s != ZN_OK) return 0;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = c->batch;
    o.mode = mode == 2 ? ZN_WS_TRAIN : ZN_WS_INFER;
    o.pool = pool;
    o.max_threads = threads;
    if (zn_ws_create(c->m, &o, &c->ws) != ZN_OK) return 0;
    /* inference as a server runs it: weights packed once, when loaded */
    if (mode != 2 && zn_ws_pack_weights(c->ws, c->m) != ZN_OK) return 0;
    const size_t nx = (size_t)(c->batch * RT * RI), ny = (size_t)(c->batch * RT * RH);
    c->x = zn_alloc(nx * sizeof(float));
    c->y = zn_alloc(ny * sizeof(float));
    c->target = zn_alloc(ny * sizeof(float));
    if (!c->x || !c->y || !c->target) return 0;
    zn_rng r;
    zn_rng_seed(&r, 7);
    zn_rng_fill_uniform(&r, c->x, nx, -1.0f, 1.0f);
    zn_rng_fill_uniform(&r, c->target, ny, -1.0f, 1.0f);
    if (mode == 2) {
        int64_t n = 0;
        zn_model_params(c->m, &n);
        zn_optim_config oc = zn_optim_config_default(ZN_ALGO_ADAM);
        if (zn_optim_create(&oc, n, 1, &c->opt) != ZN_OK) return 0;
        zn_optim_set_threads(c->opt, pool, threads);
    }
    return 1;
}

static void ctx_free(rnn_ctx *c) {
    zn_optim_free(c->opt);
    zn_ws_free(c->ws);
    zn_model_free(c->m);
    zn_free(c->x);
    zn_free(c->y);
    zn_free(c->target);
}

static int run_infer(void *p) {
    rnn_ctx *c = p;
    const void *in[2] = {c->x, NULL};
    zn_feed f = {c->batch, 0, in};
    float *out[1] = {NULL}; /* read in the workspace (zn_ws_node_value): no copy, as the peers hand back their own */
    return zn_model_run(c->m, c->ws, &f, out) != ZN_OK;
}

/* One step per call, cycling over the T steps of x (the peers do the same). */
static int run_stream(void *p) {
    rnn_ctx *c = p;
    const void *in[2] = {c->x + c->step * RI, NULL};
    zn_feed f = {1, 1, in};
    float *out[1] = {c->y};
    c->step = (c->step + 1) % c->steps;
    return zn_model_run(c->m, c->ws, &f, out) != ZN_OK;
}

static int run_train(void *p) {
    rnn_ctx *c = p;
    const void *in[2] = {c->x, c->target};
    zn_feed f = {c->batch, 0, in};
    float loss = 0;
    if (zn_model_run_backward(c->m, c->ws, &f, &loss) != ZN_OK) return 1;
    int64_t n = 0, ng = 0;
    float *params = zn_model_params(c->m, &n);
    float *grads = zn_ws_grads(c->ws, &ng);
    return zn_optim_step(c->opt, params, grads, n, c->batch, loss) != ZN_OK;
}

/* ONNX Runtime's runner (bench/peers/js/ort_peer.js), one process per suite. */
static int start_ort(bench_peer *p) {
    char script[PATH_MAX + 32];
    snprintf(script, sizeof script, "%s/js/ort_peer.js", bench_peers_dir());
    char *argv[] = {"node", script, NULL};
    return bench_peer_start(p, "onnxruntime", argv, NULL, 1);
}

typedef struct rnn_peer {
    bench_peer *peer;
    double target;
} rnn_peer;

static void rnn_case(bench_run *run, zn_cell cell, int mode, zn_pool *pool, int threads, const rnn_peer *peers,
                     int np) {
    static const char *const modes[3] = {"infer", "stream", "train"};
    const char *op = cell == ZN_CELL_LSTM ? "lstm" : "gru";
    char name[96], shape[64];
    const int batch = mode == 1 ? 1 : RB;
    snprintf(name, sizeof name, "%s %s b%d", op, modes[mode], batch);
    snprintf(shape, sizeof shape, "B%d T%d I%d H%d%s", batch, RT, RI, RH, mode == 1 ? " (a step a call)" : "");
    if (!bench_selected(&run->opts, name)) return;
    rnn_ctx z;
    if (!ctx_init(&z, cell, mode, pool, threads)) {
        bench_note(run, "%s: zenn setup failed: %s", name, zn_last_error());
        ctx_free(&z);
        return;
    }
    bench_contender c[3];
    peer_job jobs[2];
    c[0] = (bench_contender){
        "zenn", mode == 0 ? run_infer : mode == 1 ? run_stream : run_train, &z, NULL, threads, 0, NULL, NULL};
    for (int i = 0; i < np; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].peer = peers[i].peer;
        snprintf(jobs[i].request, sizeof jobs[i].request,
                 "{\"op\":\"%s\",\"mode\":\"%s\",\"batch\":%d,\"steps\":%d,\"inputs\":%d,\"hidden\":%d,\"layers\":1,"
                 "\"threads\":\"best\"%s",
                 op, modes[mode], batch, RT, RI, RH, mode == 2 ? ",\"lr\":0.001" : "");
        c[1 + i] = peer_contender(&jobs[i], threads);
    }
    bench_stats st[3];
    bench_measure(&run->opts, c, 1 + np, st);
    /* work: multiply-adds x 2 of the forward (x3 for a training step); stream: one step */
    const int G = cell == ZN_CELL_LSTM ? 4 : 3;
    double flops = 2.0 * G * RH * (RI + RH) * batch * (mode == 1 ? 1 : RT) * (mode == 2 ? 3 : 1);
    bench_result r;
    for (int i = 0; i < np || i == 0; i++) {
        bench_mlp_result(&r, "rnn", name, shape, threads, flops, "GFLOP/s", 1e-9);
        if (np > 0) {
            bench_peer_row(&r, &st[0], &st[1 + i], &jobs[i], &c[1 + i]);
            r.target = peers[i].target;
        } else {
            r.zenn = st[0];
        }
        bench_add(run, &r);
    }
    ctx_free(&z);
}

int bench_suite_rnn(bench_run *run) {
    const int threads = run->opts.threads > 0 ? run->opts.threads : zn_pool_size(zn_pool_default());
    zn_pool *pool = NULL;
    if (run->opts.threads > 0 && zn_pool_create(threads, &pool) != ZN_OK) {
        bench_note(run, "rnn: cannot create a pool: %s", zn_last_error());
        return 1;
    }
    bench_section(run, "rnn: LSTM and GRU layers, B32 T96 I32 H128 (GFLOP/s of the layer's products)");
    bench_note(run,
               "zenn: zn_model_run (the output read in the workspace) / zn_model_run_backward + Adam on %d thread(s); "
               "stream: a stateful layer, one "
               "step per zn_model_run; peers at their best thread count (1 or 2)",
               threads);
    bench_peer torch, ort;
    memset(&torch, 0, sizeof torch);
    memset(&ort, 0, sizeof ort);
    if (bench_peer_start_torch(&torch))
        bench_note(run, "peer pytorch %s", torch.version);
    else
        bench_note(run, "peer pytorch skipped: %s", torch.why);
    if (start_ort(&ort))
        bench_note(run, "peer onnxruntime %s", ort.version);
    else
        bench_note(run, "peer onnxruntime skipped: %s", ort.why);
    for (int k = 0; k < 2; k++) {
        const zn_cell cell = k ? ZN_CELL_GRU : ZN_CELL_LSTM;
        const rnn_peer infer[2] = {{&ort, 1.3}, {&torch, 3.0}}, stream[2] = {{&ort, 3.0}, {&torch, 0}};
        const rnn_peer train[1] = {{&torch, 2.0}};
        rnn_case(run, cell, 0, pool, threads, infer, 2);
        rnn_case(run, cell, 1, pool, threads, stream, 2);
        if (cell == ZN_CELL_LSTM) rnn_case(run, cell, 2, pool, threads, train, 1);
    }
    bench_peer_stop(&torch);
    bench_peer_stop(&ort);
    zn_pool_free(pool);
    return 0;
}
