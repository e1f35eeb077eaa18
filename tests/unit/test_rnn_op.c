/* The recurrent op in the engine: streaming with the state in the
 * workspace, the state API's errors, run-time sequence lengths, and the
 * training workspace's memory against the activations it must keep. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/rnn.h"
#include "zenn/nn.h"
#include "zn_test.h"

enum { B = 2, T = 9, I = 3, H = 5 };

/* x [B, T, I] (sequence axis) -> LSTM (stateful or not) -> y [B, T, H]. */
static zn_model *lstm_model(int stateful, zn_cell cell, uint64_t seed) {
    zn_graph *g = NULL;
    if (zn_graph_create(&g) != ZN_OK) return NULL;
    zn_node *x = zn_input_seq(g, "x", T, I);
    zn_rnn_spec spec = zn_rnn_spec_default(H);
    spec.stateful = stateful;
    spec.num_layers = 2;
    zn_node *y = cell == ZN_CELL_LSTM ? zn_lstm(g, x, &spec, "lstm", NULL, NULL, NULL, NULL)
                                      : zn_gru(g, x, &spec, "gru", NULL, NULL);
    zn_model *m = NULL;
    zn_status s = zn_model_compile(g, &y, 1, NULL, seed, &m);
    zn_graph_free(g);
    return s == ZN_OK ? m : NULL;
}

static void fill(float *v, int64_t n, uint64_t seed) {
    zn_rng r;
    zn_rng_seed(&r, seed);
    zn_rng_fill_uniform(&r, v, (size_t)n, -1.0f, 1.0f);
}

/* T passes of one step each on a stateful layer give one T-step pass's outputs. */
static void check_stream(zn_cell cell) {
    zn_model *whole = lstm_model(0, cell, 3), *stream = lstm_model(1, cell, 3);
    ZT_CHECK(whole && stream);
    if (!whole || !stream) return;
    float x[B * T * I], y[B * T * H], ys[B * T * H], step_x[B * I], step_y[B * H];
    fill(x, B * T * I, 7);
    zn_ws *ws = NULL, *wss = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = B;
    ZT_OK(zn_ws_create(whole, &o, &ws));
    ZT_OK(zn_ws_create(stream, &o, &wss));
    /* the stream reads weights packed once (both batch layouts: B and 1 below) */
    ZT_OK(zn_ws_pack_weights(wss, stream));
    zn_ws_memory mem;
    ZT_OK(zn_ws_memory_report(wss, &mem));
    ZT_CHECK(mem.packed > 0);
    ZT_CHECK(zn_ws_state_count(wss) == 2); /* one per layer */
    ZT_CHECK(zn_ws_state_count(ws) == 0);
    ZT_ERR(zn_ws_state_read(wss, 0, NULL, NULL), ZN_ERR_INVALID_ARG);
    const void *in[1] = {x};
    zn_feed feed = {B, 0, in};
    float *out[1] = {y};
    ZT_OK(zn_model_run(whole, ws, &feed, out));
    for (int t = 0; t < T; t++) {
        for (int b = 0; b < B; b++) memcpy(step_x + b * I, x + (b * T + t) * I, sizeof(float) * I);
        const void *sin[1] = {step_x};
        zn_feed sf = {B, 1, sin};
        float *sout[1] = {step_y};
        ZT_OK(zn_model_run(stream, wss, &sf, sout));
        for (int b = 0; b < B; b++) memcpy(ys + (b * T + t) * H, step_y + b * H, sizeof(float) * H);
    }
    /* bits: each step's products and gates run in the same order either way */
    ZT_CHECK_MSG(memcmp(y, ys, sizeof y) == 0, "cell %d: a stream of one-step passes differs from one pass", (int)cell);
    int64_t batch = 0;
    float state[2 * B * H];
    ZT_OK(zn_ws_state_read(wss, 1, state, &batch));
    ZT_CHECK(batch == B);
    /* the second layer's h is the last output */
    for (int b = 0; b < B; b++) ZT_CHECK(memcmp(state + b * H, y + (b * T + T - 1) * H, sizeof(float) * H) == 0);
    /* another batch without a reset fails; after one it runs */
    const void *sin[1] = {step_x};
    zn_feed one = {1, 1, sin};
    float *sout[1] = {step_y};
    ZT_ERR(zn_model_run(stream, wss, &one, sout), ZN_ERR_SHAPE);
    ZT_OK(zn_ws_state_reset(wss));
    ZT_ERR(zn_ws_state_read(wss, 0, NULL, NULL), ZN_ERR_INVALID_ARG);
    ZT_OK(zn_model_run(stream, wss, &one, sout));
    /* batch 1 from the packed batch-1 layout: the first step of sample 0 */
    zn_ws *w1 = NULL;
    ZT_OK(zn_ws_create(whole, &o, &w1));
    float y1[T * H];
    const void *in1[1] = {step_x};
    zn_feed f1 = {1, 1, in1};
    float *o1[1] = {y1};
    ZT_OK(zn_model_run(whole, w1, &f1, o1));
    ZT_CHECK_MSG(memcmp(y1, step_y, sizeof(float) * H) == 0, "cell %d: packed batch-1 step differs", (int)cell);
    zn_ws_free(w1);
    /* a sequence past the workspace's maximum is a named error */
    zn_feed longer = {B, T + 1, in};
    ZT_ERR(zn_model_run(whole, ws, &longer, out), ZN_ERR_SHAPE);
    zn_ws_free(ws);
    zn_ws_free(wss);
    zn_model_free(whole);
    zn_model_free(stream);
}

static void test_stream_lstm(void) { check_stream(ZN_CELL_LSTM); }
static void test_stream_gru(void) { check_stream(ZN_CELL_GRU); }

/* A shorter pass on a model built for T steps equals the prefix of the
 * full pass (the layer honours the run-time length). */
static void test_run_time_length(void) {
    zn_model *m = lstm_model(0, ZN_CELL_LSTM, 5);
    ZT_CHECK(m != NULL);
    if (!m) return;
    float x[B * T * I], xs[B * 4 * I], y[B * T * H], ys[B * 4 * H];
    fill(x, B * T * I, 9);
    for (int b = 0; b < B; b++) memcpy(xs + b * 4 * I, x + b * T * I, sizeof(float) * 4 * I);
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = B;
    ZT_OK(zn_ws_create(m, &o, &ws));
    const void *in[1] = {x}, *ins[1] = {xs};
    zn_feed full = {B, 0, in}, part = {B, 4, ins};
    float *out[1] = {y}, *outs[1] = {ys};
    ZT_OK(zn_model_run(m, ws, &full, out));
    ZT_OK(zn_model_run(m, ws, &part, outs));
    for (int b = 0; b < B; b++) ZT_CHECK(memcmp(ys + b * 4 * H, y + b * T * H, sizeof(float) * 4 * H) == 0);
    zn_ws_free(ws);
    zn_model_free(m);
}

/* An LSTM training step's workspace (issue 17 §4): within 1.5x of what
 * must be stored: the kernel's TRAIN scratch, x and y. */
static void test_training_memory(void) {
    enum { MB = 32, MT = 96, MI = 32, MH = 128 };
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *x = zn_input_seq(g, "x", MT, MI);
    zn_rnn_spec spec = zn_rnn_spec_default(MH);
    zn_node *y = zn_lstm(g, x, &spec, "lstm", NULL, NULL, NULL, NULL);
    zn_node *p = zn_dense(g, y, 1, "head");
    zn_node *loss = zn_mse(g, p, zn_input_seq(g, "target", MT, 1));
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &p, 1, loss, 1, &m));
    zn_graph_free(g);
    if (!m) return;
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = MB;
    o.mode = ZN_WS_TRAIN;
    ZT_OK(zn_ws_create(m, &o, &ws));
    zn_ws_memory mem;
    ZT_OK(zn_ws_memory_report(ws, &mem));
    const zn_rnn_shape s = {ZN_RNN_CELL_LSTM, MB, MT, MI, MH, 0};
    const double must =
        (double)zn_rnn_scratch_floats(NULL, &s, ZN_RNN_TRAIN, 1) * 4.0 + (double)MB * MT * (MI + MH) * 4.0;
    const double ratio = (double)mem.total / must;
    fprintf(stderr,
            "  LSTM training workspace %zu bytes (block %zu, aux %zu, scratch %zu, values %zu, gradients %zu), "
            "must store %.0f: %.2fx\n",
            mem.total, mem.block, mem.aux, mem.scratch, mem.values, mem.gradients, must, ratio);
    ZT_CHECK_MSG(ratio <= 1.5, "the LSTM training workspace is %.2fx the activations it must store", ratio);
    zn_ws_free(ws);
    zn_model_free(m);
}

/* Parameter names and shapes are PyTorch's state dict's; bad specs are named errors. */
static void test_names_and_errors(void) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *x = zn_input_seq(g, "x", T, I);
    zn_rnn_spec spec = zn_rnn_spec_default(H);
    spec.num_layers = 2;
    spec.bidirectional = 1;
    zn_node *hn = NULL, *cn = NULL;
    zn_node *y = zn_lstm(g, x, &spec, "enc", NULL, NULL, &hn, &cn);
    ZT_CHECK(y && hn && cn);
    int64_t d[ZN_MAX_DIMS];
    ZT_CHECK(zn_node_shape(y, d) == 2 && d[0] == T && d[1] == 2 * H);
    ZT_CHECK(zn_node_shape(hn, d) == 2 && d[0] == 4 && d[1] == H);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, NULL, 1, &m));
    zn_graph_free(g);
    static const char *const want[16] = {
        "enc.weight_ih_l0",         "enc.weight_hh_l0",         "enc.bias_ih_l0",         "enc.bias_hh_l0",
        "enc.weight_ih_l0_reverse", "enc.weight_hh_l0_reverse", "enc.bias_ih_l0_reverse", "enc.bias_hh_l0_reverse",
        "enc.weight_ih_l1",         "enc.weight_hh_l1",         "enc.bias_ih_l1",         "enc.bias_hh_l1",
        "enc.weight_ih_l1_reverse", "enc.weight_hh_l1_reverse", "enc.bias_ih_l1_reverse", "enc.bias_hh_l1_reverse"};
    ZT_CHECK(m && zn_model_param_tensors(m) == 16);
    for (int i = 0; m && i < 16; i++) {
        const char *name = NULL;
        ZT_OK(zn_model_param_info(m, i, &name, NULL, NULL, NULL));
        ZT_CHECK_MSG(name && !strcmp(name, want[i]), "parameter %d is %s, not %s", i, name, want[i]);
        const int nd = zn_model_param_shape(m, i, d);
        const int64_t cols = i % 4 == 0 ? (i < 8 ? I : 2 * H) : H;
        ZT_CHECK(i % 4 < 2 ? nd == 2 && d[0] == 4 * H && d[1] == cols : nd == 1 && d[0] == 4 * H);
    }
    /* PyTorch's init: every value within 1/sqrt(H) */
    int64_t np = 0;
    const float *p = m ? zn_model_params_const(m, &np) : NULL;
    float big = 0;
    for (int64_t i = 0; i < np; i++) big = fabsf(p[i]) > big ? fabsf(p[i]) : big;
    ZT_CHECK(big <= 1.0f / sqrtf((float)H) && big > 0.9f / sqrtf((float)H));
    zn_model_free(m);

    ZT_OK(zn_graph_create(&g));
    x = zn_input_seq(g, "x", T, I);
    spec.num_layers = 0;
    ZT_CHECK(zn_gru(g, x, &spec, "gru", NULL, NULL) == NULL);
    ZT_CHECK(zn_graph_status(g) == ZN_ERR_INVALID_ARG && strstr(zn_last_error(), "gru"));
    zn_graph_free(g);
    ZT_OK(zn_graph_create(&g));
    x = zn_input_seq(g, "x", T, I);
    spec = zn_rnn_spec_default(H);
    const int64_t hd[2] = {2, H}; /* two layers' worth for one */
    ZT_CHECK(zn_lstm(g, x, &spec, "l", zn_input_nd(g, "h0", ZN_F32, 2, hd, -1), NULL, NULL, NULL) == NULL);
    ZT_CHECK(zn_graph_status(g) == ZN_ERR_SHAPE && strstr(zn_last_error(), "h0"));
    zn_graph_free(g);
}

/* Dropout between layers acts in training only: inference equals the
 * same layers without it; a model rebuilt from its node descriptions
 * (what model files do) computes the same. */
static void test_dropout_and_rebuild(void) {
    zn_model *ms[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        zn_graph *g = NULL;
        ZT_OK(zn_graph_create(&g));
        zn_node *x = zn_input_seq(g, "x", T, I);
        zn_rnn_spec spec = zn_rnn_spec_default(H);
        spec.num_layers = 2;
        spec.dropout = k ? 0.5f : 0.0f;
        zn_node *y = zn_rnn(g, x, &spec, "r", NULL, NULL);
        ZT_OK(zn_model_compile(g, &y, 1, NULL, 4, &ms[k]));
        zn_graph_free(g);
    }
    if (!ms[0] || !ms[1]) return;
    float x[B * T * I], y0[B * T * H], y1[B * T * H], y2[B * T * H];
    fill(x, B * T * I, 3);
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = B;
    zn_ws *w0 = NULL, *w1 = NULL;
    ZT_OK(zn_ws_create(ms[0], &o, &w0));
    ZT_OK(zn_ws_create(ms[1], &o, &w1));
    const void *in[1] = {x};
    zn_feed f = {B, 0, in};
    float *o0[1] = {y0}, *o1[1] = {y1}, *o2[1] = {y2};
    ZT_OK(zn_model_run(ms[0], w0, &f, o0));
    ZT_OK(zn_model_run(ms[1], w1, &f, o1));
    ZT_CHECK(memcmp(y0, y1, sizeof y0) == 0);

    /* rebuild ms[1] node by node */
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    const int n = zn_model_node_count(ms[1]);
    zn_node **nodes = calloc((size_t)n, sizeof *nodes);
    for (int i = 0; i < n; i++) {
        zn_node_info info;
        ZT_OK(zn_model_node_info(ms[1], i, &info));
        zn_node *ins[16];
        for (int k = 0; k < info.n_in; k++) ins[k] = nodes[info.in[k]];
        nodes[i] = zn_graph_add_node(g, &info, ins);
        ZT_CHECK_MSG(nodes[i] != NULL, "node %d (%s): %s", i, info.op, zn_last_error());
    }
    /* a description with a bad cell or input count is a named error, not a crash */
    for (int i = 0; i < n; i++) {
        zn_node_info info;
        ZT_OK(zn_model_node_info(ms[1], i, &info));
        if (strcmp(info.op, "rnn") != 0) continue;
        zn_graph *bad = NULL;
        ZT_OK(zn_graph_create(&bad));
        zn_node *bx = zn_input_seq(bad, "x", T, I), *ins[16];
        for (int k = 0; k < info.n_in; k++) ins[k] = bx;
        zn_node_info wrong = info;
        wrong.attrs.size[2] = 99;
        ZT_CHECK(zn_graph_add_node(bad, &wrong, ins) == NULL && zn_graph_status(bad) == ZN_ERR_FORMAT);
        zn_graph_free(bad);
        ZT_OK(zn_graph_create(&bad));
        bx = zn_input_seq(bad, "x", T, I);
        for (int k = 0; k < info.n_in; k++) ins[k] = bx;
        wrong = info;
        wrong.n_in = info.n_in - 1;
        ZT_CHECK(zn_graph_add_node(bad, &wrong, ins) == NULL && zn_graph_status(bad) != ZN_OK);
        zn_graph_free(bad);
        ZT_OK(zn_graph_create(&bad));
        bx = zn_input_seq(bad, "x", T, I);
        for (int k = 0; k < info.n_in; k++) ins[k] = bx; /* x where the weights go: a shape error */
        ZT_CHECK(zn_graph_add_node(bad, &info, ins) == NULL && zn_graph_status(bad) == ZN_ERR_SHAPE);
        zn_graph_free(bad);
        break;
    }
    zn_node *out = nodes[zn_model_output_node(ms[1], 0)];
    zn_model *mr = NULL;
    ZT_OK(zn_model_compile(g, &out, 1, NULL, 99, &mr));
    zn_graph_free(g);
    free(nodes);
    if (mr) {
        int64_t na = 0, nb = 0;
        float *pa = zn_model_params(mr, &na);
        const float *pb = zn_model_params_const(ms[1], &nb);
        ZT_CHECK(na == nb);
        if (na == nb) memcpy(pa, pb, (size_t)na * sizeof(float));
        zn_ws *wr = NULL;
        ZT_OK(zn_ws_create(mr, &o, &wr));
        ZT_OK(zn_model_run(mr, wr, &f, o2));
        ZT_CHECK(memcmp(y1, y2, sizeof y1) == 0);
        zn_ws_free(wr);
        zn_model_free(mr);
    }
    zn_ws_free(w0);
    zn_ws_free(w1);
    zn_model_free(ms[0]);
    zn_model_free(ms[1]);
}

/* Truncated BPTT as nn.h documents it: a window's h_n/c_n outputs fed back
 * as the next window's h0/c0 inputs continue the sequence exactly. */
static void test_carry_state(void) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *xn = zn_input_seq(g, "x", T, I);
    const int64_t sd[2] = {2, H};
    zn_node *h0 = zn_input_nd(g, "h0", ZN_F32, 2, sd, -1), *c0 = zn_input_nd(g, "c0", ZN_F32, 2, sd, -1);
    zn_rnn_spec spec = zn_rnn_spec_default(H);
    spec.num_layers = 2;
    zn_node *hn = NULL, *cn = NULL;
    zn_node *yn = zn_lstm(g, xn, &spec, "lstm", h0, c0, &hn, &cn);
    zn_node *outs[3] = {yn, hn, cn};
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, outs, 3, NULL, 8, &m));
    zn_graph_free(g);
    if (!m) return;
    enum { T1 = 4, T2 = T - T1 };
    float x[B * T * I], xa[B * T1 * I], xb[B * T2 * I], zero[B * 2 * H] = {0};
    float y[B * T * H], ya[B * T1 * H], yb[B * T2 * H], h[B * 2 * H], c[B * 2 * H], hf[B * 2 * H], cf[B * 2 * H];
    fill(x, B * T * I, 13);
    for (int b = 0; b < B; b++) {
        memcpy(xa + b * T1 * I, x + b * T * I, sizeof(float) * T1 * I);
        memcpy(xb + b * T2 * I, x + (b * T + T1) * I, sizeof(float) * T2 * I);
    }
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = B;
    ZT_OK(zn_ws_create(m, &o, &ws));
    const void *in_full[3] = {x, zero, zero}, *in_a[3] = {xa, zero, zero}, *in_b[3] = {xb, h, c};
    zn_feed full = {B, 0, in_full}, fa = {B, T1, in_a}, fb = {B, T2, in_b};
    float *o_full[3] = {y, hf, cf}, *o_a[3] = {ya, h, c}, *o_b[3] = {yb, h, c};
    ZT_OK(zn_model_run(m, ws, &full, o_full));
    ZT_OK(zn_model_run(m, ws, &fa, o_a));
    float hc[B * 2 * H], cc[B * 2 * H];
    memcpy(hc, h, sizeof h), memcpy(cc, c, sizeof c);
    in_b[1] = hc, in_b[2] = cc;
    ZT_OK(zn_model_run(m, ws, &fb, o_b));
    for (int b = 0; b < B; b++) ZT_CHECK(memcmp(yb + b * T2 * H, y + (b * T + T1) * H, sizeof(float) * T2 * H) == 0);
    ZT_CHECK(memcmp(h, hf, sizeof h) == 0 && memcmp(c, cf, sizeof c) == 0);
    zn_ws_free(ws);
    zn_model_free(m);
}

/* Inference of a batch of 40 runs in parts (bidirectional, two layers, h0
 * and c0 given, final states read): 1 and 2 threads give the same bits,
 * and the same values (to rounding) as a training workspace's whole-batch
 * pass. */
static void test_batch_parts(void) {
    enum { PB = 40, PT = 7, PI = 5, PH = 6, PL = 2 };
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input_seq(g, "x", PT, PI);
    zn_node *h0 = zn_input_nd(g, "h0", ZN_F32, 2, (const int64_t[]){2 * PL, PH}, -1);
    zn_node *c0 = zn_input_nd(g, "c0", ZN_F32, 2, (const int64_t[]){2 * PL, PH}, -1);
    zn_rnn_spec sp = zn_rnn_spec_default(PH);
    sp.num_layers = PL;
    sp.bidirectional = 1;
    zn_node *hn = NULL, *cn = NULL;
    zn_node *y = zn_lstm(g, x, &sp, "lstm", h0, c0, &hn, &cn);
    zn_node *outs[3] = {y, hn, cn};
    zn_node *t = zn_input_nd(g, "t", ZN_F32, 2, (const int64_t[]){PT, 2 * PH}, 0);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, outs, 3, zn_mse(g, y, t), 9, &m));
    zn_graph_free(g);
    const size_t ny = (size_t)PB * PT * 2 * PH, ns = (size_t)PB * 2 * PL * PH;
    float *xs = zn_alloc((size_t)PB * PT * PI * sizeof(float)), *hs = zn_alloc(ns * sizeof(float));
    float *cs = zn_alloc(ns * sizeof(float)), *ts = zn_calloc(ny, sizeof(float));
    zn_rng r;
    zn_rng_seed(&r, 4);
    zn_rng_fill_uniform(&r, xs, (size_t)PB * PT * PI, -1, 1);
    zn_rng_fill_uniform(&r, hs, ns, -1, 1);
    zn_rng_fill_uniform(&r, cs, ns, -1, 1);
    const void *in[4] = {xs, hs, cs, ts};
    zn_feed f = {PB, 0, in};
    float *got[3][3];
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    for (int run = 0; run < 3; run++) { /* 1 thread, 2 threads, a training workspace */
        zn_ws_opts o = zn_ws_opts_default();
        o.max_batch = PB;
        o.pool = pool;
        o.max_threads = run == 1 ? 2 : 1;
        o.mode = run == 2 ? ZN_WS_TRAIN : ZN_WS_INFER;
        zn_ws *ws = NULL;
        ZT_OK(zn_ws_create(m, &o, &ws));
        if (run < 2) ZT_OK(zn_ws_pack_weights(ws, m));
        for (int k = 0; k < 3; k++) got[run][k] = zn_alloc((k ? ns : ny) * sizeof(float));
        ZT_OK(zn_model_run(m, ws, &f, got[run]));
        zn_ws_free(ws);
    }
    for (int k = 0; k < 3; k++) {
        const size_t n = k ? ns : ny;
        ZT_CHECK_MSG(memcmp(got[0][k], got[1][k], n * sizeof(float)) == 0, "output %d: 1 and 2 threads differ", k);
        double worst = 0;
        for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)got[0][k][i] - got[2][k][i]));
        ZT_CHECK_MSG(worst < 1e-5, "output %d: parts and whole batch differ by %g", k, worst);
        for (int run = 0; run < 3; run++) zn_free(got[run][k]);
    }
    zn_pool_free(pool);
    zn_free(xs);
    zn_free(hs);
    zn_free(cs);
    zn_free(ts);
    zn_model_free(m);
}

int main(void) {
    ZT_RUN(test_carry_state);
    ZT_RUN(test_names_and_errors);
    ZT_RUN(test_dropout_and_rebuild);
    ZT_RUN(test_stream_lstm);
    ZT_RUN(test_stream_gru);
    ZT_RUN(test_run_time_length);
    ZT_RUN(test_training_memory);
    ZT_RUN(test_batch_parts);
    return zt_finish();
}
