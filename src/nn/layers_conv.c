/* Convolutional layers: conv1d with valid/same/causal padding and
 * PyTorch's default initialisation, and TCN blocks and stacks, with their
 * parameters named as PyTorch's modules name them under the layer's name. */
#include <math.h>
#include <stdio.h>

#include "base/internal.h"
#include "zenn/nn.h"

enum { NAME_MAX_LEN = 256 };

/* "<name>.<what>" into buf; NULL (the builder then fails on the name) when it does not fit. */
static const char *sub(char *buf, size_t size, const char *name, const char *what) {
    if (!name) return NULL;
    const int n = snprintf(buf, size, "%s.%s", name, what);
    return n > 0 && (size_t)n < size ? buf : NULL;
}

zn_conv1d_spec zn_conv1d_spec_default(void) {
    zn_conv1d_spec s = {.out_channels = 1,
                        .kernel = 3,
                        .stride = 1,
                        .dilation = 1,
                        .groups = 1,
                        .padding = ZN_PAD_VALID,
                        .bias = 1,
                        .weight_norm = 0};
    return s;
}

/* The left and right zeros of a padding mode. */
static void pads(const zn_conv1d_spec *s, int64_t *left, int64_t *right) {
    const int64_t span = s->dilation * (s->kernel - 1);
    *left = *right = 0;
    if (s->padding == ZN_PAD_CAUSAL) *left = span;
    if (s->padding == ZN_PAD_SAME) *left = span / 2, *right = span - span / 2;
}

zn_node *zn_conv1d_ex(zn_graph *g, zn_node *x, const zn_conv1d_spec *spec, const char *name) {
    const zn_conv1d_spec s = spec ? *spec : zn_conv1d_spec_default();
    if (!x) return zn_conv1d_op(g, x, NULL, NULL, s.stride, s.dilation, s.groups, 0, 0); /* records the NULL */
    /* sizes below 1 reach the op's builder, which names them */
    const int64_t groups = s.groups >= 1 ? s.groups : 1, cig = zn_node_features(x) / groups;
    const int64_t fan_in = cig * s.kernel > 0 ? cig * s.kernel : 1;
    /* kaiming_uniform(a = sqrt(5)) and the bias's rule both give the bound 1/sqrt(fan_in) */
    const float bound = (float)(1.0 / sqrt((double)fan_in));
    const int64_t wdims[3] = {s.out_channels, cig, s.kernel}, gdims[3] = {s.out_channels, 1, 1};
    char wb[NAME_MAX_LEN], gb[NAME_MAX_LEN], bb[NAME_MAX_LEN];
    zn_node *w;
    if (s.weight_norm) {
        /* PyTorch starts g at ||v||; g here starts at E||v|| = 1/sqrt(3) for v uniform within the bound */
        zn_node *gain =
            zn_param_nd(g, sub(gb, sizeof gb, name, "weight_g"), 3, gdims, ZN_INIT_CONSTANT, (float)(1.0 / sqrt(3.0)));
        zn_node *v = zn_param_nd(g, sub(wb, sizeof wb, name, "weight_v"), 3, wdims, ZN_INIT_UNIFORM, bound);
        w = zn_weight_norm(g, gain, v);
    } else {
        w = zn_param_nd(g, sub(wb, sizeof wb, name, "weight"), 3, wdims, ZN_INIT_UNIFORM, bound);
    }
    zn_node *b = NULL;
    if (s.bias) {
        const int64_t bdims[1] = {s.out_channels};
        b = zn_param_nd(g, sub(bb, sizeof bb, name, "bias"), 1, bdims, ZN_INIT_UNIFORM, bound);
        if (!b) return NULL;
    }
    if (!w) return NULL;
    int64_t left, right;
    pads(&s, &left, &right);
    return zn_conv1d_op(g, x, w, b, s.stride, s.dilation, s.groups, left, right);
}

zn_node *zn_conv1d(zn_graph *g, zn_node *x, int64_t out_channels, int64_t kernel, zn_conv_padding padding,
                   const char *name) {
    zn_conv1d_spec s = zn_conv1d_spec_default();
    s.out_channels = out_channels;
    s.kernel = kernel;
    s.padding = padding;
    return zn_conv1d_ex(g, x, &s, name);
}

/* ---- TCN ---------------------------------------------------------------------------------------- */

zn_tcn_spec zn_tcn_spec_default(void) {
    zn_tcn_spec s = {.n_blocks = 0, .kernel = 3, .dropout = 0.0f, .weight_norm = 0};
    return s;
}

static zn_node *relu(zn_graph *g, zn_node *x) { return zn_activation(g, x, ZN_NACT_RELU, 1.0f); }
static zn_node *drop(zn_graph *g, zn_node *x, float rate) { return rate > 0.0f ? zn_dropout(g, x, rate) : x; }

zn_node *zn_tcn_block(zn_graph *g, zn_node *x, int64_t out_channels, int64_t kernel, int64_t dilation, float dropout,
                      int weight_norm, const char *name) {
    zn_conv1d_spec c = zn_conv1d_spec_default();
    c.out_channels = out_channels;
    c.kernel = kernel;
    c.dilation = dilation;
    c.padding = ZN_PAD_CAUSAL;
    c.weight_norm = weight_norm;
    char b1[NAME_MAX_LEN], b2[NAME_MAX_LEN], b3[NAME_MAX_LEN];
    zn_node *y = drop(g, relu(g, zn_conv1d_ex(g, x, &c, sub(b1, sizeof b1, name, "conv1"))), dropout);
    y = drop(g, relu(g, zn_conv1d_ex(g, y, &c, sub(b2, sizeof b2, name, "conv2"))), dropout);
    zn_node *res = x;
    if (x && zn_node_features(x) != out_channels) {
        zn_conv1d_spec d = zn_conv1d_spec_default();
        d.out_channels = out_channels;
        d.kernel = 1;
        res = zn_conv1d_ex(g, x, &d, sub(b3, sizeof b3, name, "downsample"));
    }
    return relu(g, zn_add(g, y, res));
}

zn_node *zn_tcn(zn_graph *g, zn_node *x, const zn_tcn_spec *spec, const char *name) {
    const zn_tcn_spec s = spec ? *spec : zn_tcn_spec_default();
    if (s.n_blocks < 1 || s.n_blocks > ZN_TCN_MAX_BLOCKS) {
        char msg[128];
        snprintf(msg, sizeof msg, "zn_tcn '%s': %d blocks (1 to %d)", name ? name : "(null)", s.n_blocks,
                 ZN_TCN_MAX_BLOCKS);
        return zn_graph_error(g, ZN_ERR_INVALID_ARG, msg);
    }
    zn_node *y = x;
    char bn[NAME_MAX_LEN];
    for (int i = 0; i < s.n_blocks; i++) {
        char idx[16];
        snprintf(idx, sizeof idx, "%d", i);
        const int64_t dil = s.dilations[i] > 0 ? s.dilations[i] : (int64_t)1 << (i < 40 ? i : 40);
        y = zn_tcn_block(g, y, s.channels[i], s.kernel, dil, s.dropout, s.weight_norm, sub(bn, sizeof bn, name, idx));
    }
    return y;
}
