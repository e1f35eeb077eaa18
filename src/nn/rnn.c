/* Recurrent layer stacks (nn.h): PyTorch's nn.RNN, nn.LSTM and nn.GRU as
 * zn_rnn_layer ops with PyTorch's parameter names and initialisation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "zenn/nn.h"

enum { RNN_MAX_LAYERS = 16 };

zn_rnn_spec zn_rnn_spec_default(int64_t hidden) {
    zn_rnn_spec s;
    memset(&s, 0, sizeof s);
    s.hidden = hidden;
    s.num_layers = 1;
    s.bias = 1;
    return s;
}

static int gates(zn_cell c) { return c == ZN_CELL_LSTM ? 4 : c == ZN_CELL_GRU ? 3 : 1; }

static zn_node *stack(zn_graph *g, zn_cell cell, zn_node *x, const zn_rnn_spec *spec, const char *name, zn_node *h0,
                      zn_node *c0, zn_node **h_n, zn_node **c_n) {
    if (h_n) *h_n = NULL;
    if (c_n) *c_n = NULL;
    if (!g) return NULL;
    if (!spec || !name || spec->num_layers < 1 || spec->num_layers > RNN_MAX_LAYERS || spec->hidden < 1 ||
        !(spec->dropout >= 0.0f && spec->dropout < 1.0f) || (spec->bidirectional != 0 && spec->bidirectional != 1)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s '%s': a spec with hidden >= 1, 1 to %d layers, dropout in [0, 1)",
                 cell == ZN_CELL_LSTM  ? "zn_lstm"
                 : cell == ZN_CELL_GRU ? "zn_gru"
                                       : "zn_rnn",
                 name ? name : "(null)", RNN_MAX_LAYERS);
        return zn_graph_error(g, ZN_ERR_INVALID_ARG, msg);
    }
    if (!x) return NULL;
    const int D = spec->bidirectional ? 2 : 1, L = spec->num_layers;
    const int64_t H = spec->hidden, GH = gates(cell) * H;
    const float k = 1.0f / sqrtf((float)H);
    zn_node *hs[RNN_MAX_LAYERS], *cs[RNN_MAX_LAYERS];
    zn_node *y = x;
    for (int l = 0; l < L; l++) {
        int64_t in_dims[ZN_MAX_DIMS];
        if (zn_node_shape(y, in_dims) != 2) return zn_rnn_layer(g, cell, y, H, D, NULL, 0, NULL, NULL, 0);
        zn_node *p[8];
        int np = 0;
        for (int d = 0; d < D; d++) {
            static const char *const kinds[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
            for (int q = 0; q < (spec->bias ? 4 : 2); q++) {
                char pname[256];
                snprintf(pname, sizeof pname, "%s.%s_l%d%s", name, kinds[q], l, d ? "_reverse" : "");
                const int64_t dims[2] = {GH, q == 0 ? in_dims[1] : H};
                p[np++] = zn_param_nd(g, pname, q < 2 ? 2 : 1, dims, ZN_INIT_UNIFORM, k);
            }
        }
        zn_node *lh0 = h0 ? zn_slice_axis(g, h0, 0, (int64_t)l * D, (int64_t)(l + 1) * D) : NULL;
        zn_node *lc0 = c0 ? zn_slice_axis(g, c0, 0, (int64_t)l * D, (int64_t)(l + 1) * D) : NULL;
        if (h0 && L == 1) lh0 = h0, lc0 = c0;
        zn_node *out = zn_rnn_layer(g, cell, y, H, D, p, np, lh0, lc0, spec->stateful);
        if (!out) return NULL;
        if (h_n) hs[l] = zn_rnn_final_state(g, out, 0);
        if (c_n && cell == ZN_CELL_LSTM) cs[l] = zn_rnn_final_state(g, out, 1);
        y = l + 1 < L && spec->dropout > 0.0f ? zn_dropout(g, out, spec->dropout) : out;
    }
    if (h_n) *h_n = L == 1 ? hs[0] : zn_concat_axis(g, hs, L, 0);
    if (c_n && cell == ZN_CELL_LSTM) *c_n = L == 1 ? cs[0] : zn_concat_axis(g, cs, L, 0);
    return zn_graph_status(g) == ZN_OK ? y : NULL;
}

zn_node *zn_rnn(zn_graph *g, zn_node *x, const zn_rnn_spec *spec, const char *name, zn_node *h0, zn_node **h_n) {
    const zn_cell cell = spec && spec->relu ? ZN_CELL_RNN_RELU : ZN_CELL_RNN_TANH;
    return stack(g, cell, x, spec, name, h0, NULL, h_n, NULL);
}

zn_node *zn_lstm(zn_graph *g, zn_node *x, const zn_rnn_spec *spec, const char *name, zn_node *h0, zn_node *c0,
                 zn_node **h_n, zn_node **c_n) {
    return stack(g, ZN_CELL_LSTM, x, spec, name, h0, c0, h_n, c_n);
}

zn_node *zn_gru(zn_graph *g, zn_node *x, const zn_rnn_spec *spec, const char *name, zn_node *h0, zn_node **h_n) {
    return stack(g, ZN_CELL_GRU, x, spec, name, h0, NULL, h_n, NULL);
}
