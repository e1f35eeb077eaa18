/* Gradient checks of the recurrent op (zn_rnn_layer) and its final states
 * against a double reference of PyTorch's formulas: every cell, one and two
 * directions, with and without biases, h0 and c0; the output is y with h_n
 * (and c_n) appended as extra rows, so their gradients are checked too. */
#include <math.h>

#include "gradcheck/gradcheck_ref.h"
#include "zenn/graph.h"

typedef struct rnn_ctx {
    zn_cell cell;
    int D, bias, h0, c0, finals; /* finals: append h_n (and c_n for LSTM) */
    int64_t T, I, H;
} rnn_ctx;

static int gates_of(zn_cell c) { return c == ZN_CELL_LSTM ? 4 : c == ZN_CELL_GRU ? 3 : 1; }
static int n_ops(const rnn_ctx *c) { return 1 + c->D * (c->bias ? 4 : 2) + c->h0 + c->c0; }

static zn_node *b_rnn(zn_graph *g, zn_node **o, const void *ctx) {
    const rnn_ctx *c = ctx;
    const int np = c->D * (c->bias ? 4 : 2);
    zn_node *h0 = c->h0 ? o[1 + np] : NULL, *c0 = c->c0 ? o[2 + np] : NULL;
    zn_node *y = zn_rnn_layer(g, c->cell, o[0], c->H, c->D, o + 1, np, h0, c0, 0);
    if (!c->finals) return y;
    const int64_t row[2] = {1, c->D * c->H};
    zn_node *parts[3] = {y, zn_reshape(g, zn_rnn_final_state(g, y, 0), 2, row), NULL};
    int n = 2;
    if (c->cell == ZN_CELL_LSTM) parts[n++] = zn_reshape(g, zn_rnn_final_state(g, y, 1), 2, row);
    return zn_concat_axis(g, parts, n, 0);
}

static double sig(double v) { return 1.0 / (1.0 + exp(-v)); }

/* One direction of one sample: x [T][I], y rows of stride ldy. */
static void ref_dir(const rnn_ctx *c, const double *x, const double *wih, const double *whh, const double *bih,
                    const double *bhh, const double *h0, const double *c0, int rev, double *y, int64_t ldy, double *hn,
                    double *cn) {
    const int64_t H = c->H, I = c->I, G = gates_of(c->cell);
    double h[64], cc[64], gi[256], gh[256];
    for (int64_t j = 0; j < H; j++) h[j] = h0 ? h0[j] : 0, cc[j] = c0 ? c0[j] : 0;
    for (int64_t s = 0; s < c->T; s++) {
        const int64_t t = rev ? c->T - 1 - s : s;
        for (int64_t r = 0; r < G * H; r++) {
            double a = bih ? bih[r] : 0, b = bhh ? bhh[r] : 0;
            for (int64_t k = 0; k < I; k++) a += wih[r * I + k] * x[t * I + k];
            for (int64_t k = 0; k < H; k++) b += whh[r * H + k] * h[k];
            gi[r] = a, gh[r] = b;
        }
        for (int64_t j = 0; j < H; j++) {
            double nh;
            switch (c->cell) {
            case ZN_CELL_RNN_TANH: nh = tanh(gi[j] + gh[j]); break;
            case ZN_CELL_RNN_RELU: nh = gi[j] + gh[j] > 0 ? gi[j] + gh[j] : 0; break;
            case ZN_CELL_LSTM: {
                const double ig = sig(gi[j] + gh[j]), fg = sig(gi[H + j] + gh[H + j]);
                const double gg = tanh(gi[2 * H + j] + gh[2 * H + j]), og = sig(gi[3 * H + j] + gh[3 * H + j]);
                cc[j] = fg * cc[j] + ig * gg;
                nh = og * tanh(cc[j]);
                break;
            }
            default: {
                const double r = sig(gi[j] + gh[j]), z = sig(gi[H + j] + gh[H + j]);
                const double n = tanh(gi[2 * H + j] + r * gh[2 * H + j]);
                nh = (1 - z) * n + z * h[j];
            }
            }
            gi[j] = nh; /* h is read by later units of this step: keep the new one apart */
        }
        for (int64_t j = 0; j < H; j++) h[j] = gi[j], y[t * ldy + j] = h[j];
    }
    for (int64_t j = 0; j < H; j++) hn[j] = h[j], cn[j] = cc[j];
}

static void r_rnn(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const rnn_ctx *c = ctx;
    const int64_t T = c->T, I = c->I, H = c->H, D = c->D, pd = c->bias ? 4 : 2;
    const int64_t rows = T + (c->finals ? (c->cell == ZN_CELL_LSTM ? 2 : 1) : 0);
    const int np = (int)(D * pd);
    for (int64_t b = 0; b < batch; b++) {
        double *yb = y + b * rows * D * H;
        for (int d = 0; d < D; d++) {
            const double *const *w = o + 1 + d * pd;
            const double *h0 = c->h0 ? o[1 + np] + (b * D + d) * H : NULL;
            const double *c0 = c->c0 ? o[2 + np] + (b * D + d) * H : NULL;
            double hn[64], cn[64];
            ref_dir(c, o[0] + b * T * I, w[0], w[1], c->bias ? w[2] : NULL, c->bias ? w[3] : NULL, h0, c0, d,
                    yb + d * H, D * H, hn, cn);
            if (!c->finals) continue;
            for (int64_t j = 0; j < H; j++) {
                yb[T * D * H + d * H + j] = hn[j];
                if (c->cell == ZN_CELL_LSTM) yb[(T + 1) * D * H + d * H + j] = cn[j];
            }
        }
    }
}

#define OPND(nd_, batched_, ...) ((gc_operand){nd_, {__VA_ARGS__}, batched_})

static void check(const char *label, rnn_ctx c) {
    gc_case k;
    memset(&k, 0, sizeof k);
    k.label = label;
    k.n_operands = n_ops(&c);
    const int64_t GH = gates_of(c.cell) * c.H;
    int i = 0;
    k.operands[i++] = OPND(2, 1, c.T, c.I);
    for (int d = 0; d < c.D; d++) {
        k.operands[i++] = OPND(2, 0, GH, c.I);
        k.operands[i++] = OPND(2, 0, GH, c.H);
        if (c.bias) {
            k.operands[i++] = OPND(1, 0, GH);
            k.operands[i++] = OPND(1, 0, GH);
        }
    }
    if (c.h0) k.operands[i++] = OPND(2, 1, c.D, c.H);
    if (c.c0) k.operands[i++] = OPND(2, 1, c.D, c.H);
    k.batch = 2;
    k.build = b_rnn;
    k.ref = r_rnn;
    k.ctx = &c;
    k.rtol = 2e-3;
    gc_run(&k);
}

static void test_cells(void) {
    static const zn_cell cells[4] = {ZN_CELL_RNN_TANH, ZN_CELL_RNN_RELU, ZN_CELL_LSTM, ZN_CELL_GRU};
    static const char *const names[4] = {"tanh", "relu", "lstm", "gru"};
    char label[128];
    for (int ci = 0; ci < 4; ci++)
        for (int D = 1; D <= 2; D++)
            for (int variant = 0; variant < 3; variant++) {
                rnn_ctx c = {cells[ci], D, 1, 0, 0, 0, 4, 3, 5};
                if (variant == 1) c.h0 = 1, c.c0 = cells[ci] == ZN_CELL_LSTM, c.finals = 1;
                if (variant == 2) c.bias = 0, c.finals = 1, c.T = 1;
                snprintf(label, sizeof label, "%s D%d %s", names[ci], D,
                         variant == 0   ? "bias"
                         : variant == 1 ? "h0/c0 + finals"
                                        : "no bias, T 1, finals");
                check(label, c);
            }
}

/* Builder errors name the node and the shapes. */
static void test_errors(void) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *x = zn_input_seq(g, "x", 8, 3);
    zn_node *w[4] = {zn_param(g, "wi", 20, 4, ZN_INIT_UNIFORM, 0.1f), zn_param(g, "wh", 20, 5, ZN_INIT_UNIFORM, 0.1f),
                     NULL, NULL};
    ZT_CHECK(zn_rnn_layer(g, ZN_CELL_LSTM, x, 5, 1, w, 2, NULL, NULL, 0) == NULL);
    ZT_CHECK(zn_graph_status(g) == ZN_ERR_SHAPE);
    ZT_CHECK(strstr(zn_last_error(), "w_ih") && strstr(zn_last_error(), "[20, 4]") && strstr(zn_last_error(), "node"));
    zn_graph_free(g);

    ZT_OK(zn_graph_create(&g));
    x = zn_input_seq(g, "x", 8, 3);
    w[0] = zn_param(g, "wi", 20, 3, ZN_INIT_UNIFORM, 0.1f);
    w[1] = zn_param(g, "wh", 20, 5, ZN_INIT_UNIFORM, 0.1f);
    ZT_CHECK(zn_rnn_layer(g, ZN_CELL_LSTM, x, 0, 1, w, 2, NULL, NULL, 0) == NULL);
    ZT_CHECK(zn_graph_status(g) == ZN_ERR_INVALID_ARG);
    zn_graph_free(g);

    ZT_OK(zn_graph_create(&g));
    x = zn_input_seq(g, "x", 8, 3);
    w[0] = zn_param(g, "wi", 20, 3, ZN_INIT_UNIFORM, 0.1f);
    w[1] = zn_param(g, "wh", 20, 5, ZN_INIT_UNIFORM, 0.1f);
    const int64_t hd[2] = {2, 5};
    zn_node *h0 = zn_input_nd(g, "h0", ZN_F32, 2, hd, -1);
    ZT_CHECK(zn_rnn_layer(g, ZN_CELL_LSTM, x, 5, 1, w, 2, h0, NULL, 0) == NULL); /* h0 for 2 directions */
    ZT_CHECK(zn_graph_status(g) == ZN_ERR_SHAPE && strstr(zn_last_error(), "h0"));
    zn_graph_free(g);

    ZT_OK(zn_graph_create(&g));
    x = zn_input_seq(g, "x", 8, 3);
    ZT_CHECK(zn_rnn_final_state(g, x, 0) == NULL); /* not an rnn node */
    ZT_CHECK(zn_graph_status(g) == ZN_ERR_INVALID_ARG);
    zn_graph_free(g);

    ZT_OK(zn_graph_create(&g));
    x = zn_input_seq(g, "x", 8, 3);
    w[0] = zn_param(g, "wi", 3, 3, ZN_INIT_UNIFORM, 0.1f);
    w[1] = zn_param(g, "wh", 3, 1, ZN_INIT_UNIFORM, 0.1f);
    zn_node *y = zn_rnn_layer(g, ZN_CELL_GRU, x, 1, 1, w, 2, NULL, NULL, 0);
    ZT_CHECK(y != NULL);
    ZT_CHECK(zn_rnn_final_state(g, y, 1) == NULL); /* c of a GRU */
    zn_graph_free(g);
}

int main(void) {
    ZT_RUN(test_cells);
    ZT_RUN(test_errors);
    return zt_finish();
}
