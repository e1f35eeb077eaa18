/* Normalisation and embedding layers: the ops of graph.h with their
 * parameters (and batch norm's running statistics) named as PyTorch's
 * state dict names them under the layer's name. */
#include <math.h>
#include <stdio.h>

#include "base/internal.h"
#include "zenn/nn.h"

zn_norm_opts zn_norm_opts_default(void) {
    zn_norm_opts o = {1e-5f, 0.1f, 1};
    return o;
}

/* "<name>.<what>" into buf; NULL (the builder then fails on the name) when it does not fit. */
static const char *sub(char *buf, size_t size, const char *name, const char *what) {
    if (!name) return NULL;
    const int n = snprintf(buf, size, "%s.%s", name, what);
    return n > 0 && (size_t)n < size ? buf : NULL;
}

enum { NAME_MAX_LEN = 256 };

/* A [features] vector parameter or constant, every value `value`. */
static zn_node *vec(zn_graph *g, int constant, const char *name, const char *what, int64_t features, float value) {
    char buf[NAME_MAX_LEN];
    const char *full = sub(buf, sizeof buf, name, what);
    return constant ? zn_const_nd(g, full, 1, &features, ZN_INIT_CONSTANT, value)
                    : zn_param_nd(g, full, 1, &features, ZN_INIT_CONSTANT, value);
}

zn_node *zn_layer_norm(zn_graph *g, zn_node *x, const char *name, const zn_norm_opts *opts) {
    const zn_norm_opts o = opts ? *opts : zn_norm_opts_default();
    const int64_t f = zn_node_features(x);
    if (f < 1 || !o.affine) return zn_layer_norm_op(g, x, NULL, NULL, o.eps);
    zn_node *gamma = vec(g, 0, name, "weight", f, 1.0f), *beta = vec(g, 0, name, "bias", f, 0.0f);
    return gamma && beta ? zn_layer_norm_op(g, x, gamma, beta, o.eps) : NULL;
}

zn_node *zn_rms_norm(zn_graph *g, zn_node *x, const char *name, const zn_norm_opts *opts) {
    const zn_norm_opts o = opts ? *opts : zn_norm_opts_default();
    const int64_t f = zn_node_features(x);
    if (f < 1 || !o.affine) return zn_rms_norm_op(g, x, NULL, o.eps);
    zn_node *gamma = vec(g, 0, name, "weight", f, 1.0f);
    return gamma ? zn_rms_norm_op(g, x, gamma, o.eps) : NULL;
}

zn_node *zn_batch_norm(zn_graph *g, zn_node *x, const char *name, const zn_norm_opts *opts) {
    const zn_norm_opts o = opts ? *opts : zn_norm_opts_default();
    const int64_t c = zn_node_features(x);
    if (c < 1) return zn_batch_norm_op(g, x, NULL, NULL, NULL, NULL, o.eps, o.momentum);
    zn_node *gamma = o.affine ? vec(g, 0, name, "weight", c, 1.0f) : NULL;
    zn_node *beta = o.affine ? vec(g, 0, name, "bias", c, 0.0f) : NULL;
    zn_node *mean = vec(g, 1, name, "running_mean", c, 0.0f), *var = vec(g, 1, name, "running_var", c, 1.0f);
    if (!mean || !var || (o.affine && (!gamma || !beta))) return NULL;
    return zn_batch_norm_op(g, x, gamma, beta, mean, var, o.eps, o.momentum);
}

zn_node *zn_embedding(zn_graph *g, zn_node *ids, int64_t num, int64_t dim, const char *name) {
    char buf[NAME_MAX_LEN];
    const int64_t dims[2] = {num, dim};
    /* N(0, 1) as PyTorch's: ZN_INIT_HE draws sd scale sqrt(2 / fan_in), fan_in = num */
    const float scale = num > 0 ? (float)sqrt((double)num / 2.0) : 1.0f;
    zn_node *table = zn_param_nd(g, sub(buf, sizeof buf, name, "weight"), 2, dims, ZN_INIT_HE, scale);
    return table ? zn_embedding_op(g, ids, table) : NULL;
}
