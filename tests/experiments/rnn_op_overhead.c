/* The recurrent op against its kernel (docs/SEQUENCES.md): an LSTM of batch
 * 32, 96 steps, 32 inputs, 128 hidden through zn_model_run (weights packed
 * once) and through zn_rnn_forward (packing in its scratch, as the op's
 * unpacked inference does), and a batch-1 step through a stateful layer
 * against zn_rnn_forward with packed weights, and a training pass (forward
 * and backward to the weights, zn_model_run_backward: the op runs the batch
 * in two chunks) against the kernels' TRAIN forward and backward over the
 * whole batch; interleaved rep by rep,
 * medians of the process's CPU time per call, one thread.
 *
 *   rnn_op_overhead [REPS]   (REPS: 15) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/rnn.h"
#include "zenn/zenn.h"

enum { B = 32, T = 96, I = 32, H = 128 };

static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

static zn_model *model(int stateful) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input_seq(g, "x", T, I);
    zn_rnn_spec spec = zn_rnn_spec_default(H);
    spec.stateful = stateful;
    zn_node *y = zn_lstm(g, x, &spec, "lstm", NULL, NULL, NULL, NULL);
    zn_node *loss = zn_mse(g, y, zn_input_seq(g, "target", T, H));
    zn_model *m = NULL;
    if (zn_model_compile(g, &y, 1, loss, 1, &m) != ZN_OK) fprintf(stderr, "%s\n", zn_last_error());
    zn_graph_free(g);
    return m;
}

int main(int argc, char **argv) {
    const int reps = argc > 1 ? atoi(argv[1]) : 15, inner = 20, stream_inner = 2000;
    zn_model *m = model(0), *ms = model(1);
    if (!m || !ms) return 1;
    zn_ws *ws = NULL, *wss = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = B;
    o.max_threads = 1; /* the kernel calls below run on the calling thread too */
    zn_ws_create(m, &o, &ws);
    zn_ws_pack_weights(ws, m);
    o.max_batch = 1;
    zn_ws_create(ms, &o, &wss);
    zn_ws_pack_weights(wss, ms);
    float *x = zn_alloc(sizeof(float) * B * T * I), *y = zn_alloc(sizeof(float) * B * T * H);
    zn_rng r;
    zn_rng_seed(&r, 1);
    zn_rng_fill_uniform(&r, x, (size_t)B * T * I, -1, 1);
    int64_t np = 0;
    const float *p = zn_model_params_const(m, &np);
    const float *w_ih = p, *w_hh = p + 4 * H * I, *b_ih = w_hh + 4 * H * H, *b_hh = b_ih + 4 * H;
    /* the parameters are 64-byte aligned tensors: find them by name */
    for (int i = 0; i < zn_model_param_tensors(m); i++) {
        const char *name;
        int64_t off;
        zn_model_param_info(m, i, &name, NULL, NULL, &off);
        if (!strcmp(name, "lstm.weight_ih_l0")) w_ih = p + off;
        if (!strcmp(name, "lstm.weight_hh_l0")) w_hh = p + off;
        if (!strcmp(name, "lstm.bias_ih_l0")) b_ih = p + off;
        if (!strcmp(name, "lstm.bias_hh_l0")) b_hh = p + off;
    }
    const zn_kernels *kt = zn_kernels_get();
    zn_rnn_shape s = {ZN_RNN_CELL_LSTM, B, T, I, H, 0};
    const size_t sf = zn_rnn_scratch_floats(kt, &s, ZN_RNN_INFER, 0);
    float *scratch = zn_alloc(sf * sizeof(float));
    zn_rnn_args a = {s, x, I, y, H, NULL, NULL, NULL, NULL, w_ih, w_hh, b_ih, b_hh, NULL};
    zn_rnn_shape s1 = {ZN_RNN_CELL_LSTM, 1, 1, I, H, 0};
    float *packed = zn_alloc(zn_rnn_packed_floats(kt, &s1) * sizeof(float));
    zn_rnn_pack(kt, &s1, w_ih, w_hh, b_ih, b_hh, packed);
    const size_t sf1 = zn_rnn_scratch_floats(kt, &s1, ZN_RNN_INFER, 1);
    float *scratch1 = zn_alloc(sf1 * sizeof(float)), h[H] = {0}, c[H] = {0}, y1[H];
    zn_rnn_args a1 = {s1, x, I, y1, H, h, c, h, c, w_ih, w_hh, b_ih, b_hh, packed};

    /* training: the op through a training workspace; the kernels with dy = the MSE's gradient */
    zn_ws *wt = NULL;
    o.max_batch = B;
    o.max_threads = 1;
    o.mode = ZN_WS_TRAIN;
    zn_ws_create(m, &o, &wt);
    float *tgt = zn_alloc(sizeof(float) * B * T * H), *dy = zn_alloc(sizeof(float) * B * T * H);
    zn_rng_fill_uniform(&r, tgt, (size_t)B * T * H, -1, 1);
    zn_rng_fill_uniform(&r, dy, (size_t)B * T * H, -1e-5f, 1e-5f);
    const size_t st = zn_rnn_scratch_floats(kt, &s, ZN_RNN_TRAIN, 0),
                 sb = zn_rnn_scratch_floats(kt, &s, ZN_RNN_BACKWARD, 0);
    float *tr = zn_alloc(st * sizeof(float)), *bk = zn_alloc(sb * sizeof(float));
    float *dw = zn_calloc((size_t)(4 * H * (I + H) + 8 * H), sizeof(float));
    zn_rnn_grads gr = {
        dy, H, NULL, NULL, NULL, I, dw, dw + 4 * H * I, dw + 4 * H * (I + H), dw + 4 * H * (I + H) + 4 * H, NULL, NULL};
    double *t_top = calloc((size_t)reps, sizeof(double)), *t_tk = calloc((size_t)reps, sizeof(double));
    const void *tin[2] = {x, tgt};
    zn_feed tfeed = {B, 0, tin};
    double *t_op = calloc((size_t)reps, sizeof(double)), *t_k = calloc((size_t)reps, sizeof(double));
    double *t_sop = calloc((size_t)reps, sizeof(double)), *t_sk = calloc((size_t)reps, sizeof(double));
    const void *in[1] = {x};
    zn_feed feed = {B, 0, in}, step = {1, 1, in};
    float *out[1] = {y};
    for (int rep = -1; rep < reps; rep++) {
        double t0 = cpu_ms();
        for (int i = 0; i < inner; i++) zn_model_run(m, ws, &feed, out);
        double t1 = cpu_ms();
        for (int i = 0; i < inner; i++) zn_rnn_forward(kt, &a, ZN_RNN_INFER, scratch, sf, NULL, 0);
        double t2 = cpu_ms();
        for (int i = 0; i < stream_inner; i++) zn_model_run(ms, wss, &step, out);
        double t3 = cpu_ms();
        for (int i = 0; i < stream_inner; i++) zn_rnn_forward(kt, &a1, ZN_RNN_INFER, scratch1, sf1, NULL, 0);
        double t4 = cpu_ms();
        float loss = 0;
        for (int i = 0; i < inner / 4; i++) zn_model_run_backward(m, wt, &tfeed, &loss);
        double t5 = cpu_ms();
        for (int i = 0; i < inner / 4; i++) {
            zn_rnn_forward(kt, &a, ZN_RNN_TRAIN, tr, st, NULL, 0);
            zn_rnn_backward(kt, &a, &gr, tr, st, bk, sb, NULL, 0);
        }
        double t6 = cpu_ms();
        if (rep < 0) continue;
        t_top[rep] = (t5 - t4) / (inner / 4), t_tk[rep] = (t6 - t5) / (inner / 4);
        t_op[rep] = (t1 - t0) / inner, t_k[rep] = (t2 - t1) / inner;
        t_sop[rep] = (t3 - t2) / stream_inner * 1e3, t_sk[rep] = (t4 - t3) / stream_inner * 1e3;
    }
    printf("LSTM B%d T%d I%d H%d inference: op %.3f ms, kernel %.3f ms (CPU time, medians of %d)\n", B, T, I, H,
           median(t_op, reps), median(t_k, reps), reps);
    printf("LSTM batch-1 step: op %.2f us, kernel %.2f us\n", median(t_sop, reps), median(t_sk, reps));
    printf("LSTM training pass: op (2 chunks of 16) %.3f ms, kernels (batch 32) %.3f ms\n", median(t_top, reps),
           median(t_tk, reps));
    return 0;
}
