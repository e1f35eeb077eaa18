/* Activation ops: FANN's twenty neuron functions on steepness * x, the
 * modern ones, softmax and dropout. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"

static const char *const nact_names[ZN_NACT_COUNT] = {"linear",
                                                      "threshold",
                                                      "threshold_symmetric",
                                                      "sigmoid",
                                                      "sigmoid_stepwise",
                                                      "sigmoid_symmetric",
                                                      "sigmoid_symmetric_stepwise",
                                                      "gaussian",
                                                      "gaussian_symmetric",
                                                      "gaussian_stepwise",
                                                      "elliot",
                                                      "elliot_symmetric",
                                                      "linear_piece",
                                                      "linear_piece_symmetric",
                                                      "sin_symmetric",
                                                      "cos_symmetric",
                                                      "sin",
                                                      "cos",
                                                      "linear_piece_rect",
                                                      "linear_piece_rect_leaky",
                                                      "relu",
                                                      "leaky_relu",
                                                      "elu",
                                                      "gelu",
                                                      "silu",
                                                      "softplus",
                                                      "tanh"};

const char *zn_nact_name(zn_nact act) { return ((int)act >= 0 && act < ZN_NACT_COUNT) ? nact_names[act] : "unknown"; }

/* Names match with '-' for '_' ("sigmoid-symmetric"), as FANN's and Keras's users write them. */
static int name_is(const char *given, const char *name) {
    for (; *given && *name; given++, name++)
        if (*given != *name && !(*given == '-' && *name == '_')) return 0;
    return !*given && !*name;
}

int zn_nact_from_name(const char *name) {
    for (int i = 0; name && i < ZN_NACT_COUNT; i++)
        if (name_is(name, nact_names[i])) return i;
    return -1;
}

static zn_node *activation(zn_graph *g, const char *fn, zn_node *x, zn_nact act, float steepness, int fann) {
    if (!zn_graph_check_inputs(g, fn, 1, &x)) return NULL;
    if ((int)act < 0 || act >= ZN_NACT_COUNT)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: unknown activation %d", fn, (int)act);
    if (!isfinite(steepness)) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: steepness must be finite", fn);
    zn_node proto = {0};
    proto.batched = x->batched;
    proto.rows = x->rows;
    proto.cols = x->cols;
    proto.i[0] = (int)act;
    proto.i[1] = fann;
    proto.f[0] = steepness;
    return zn_graph_add(g, ZN_OP_ACT, &proto, 1, &x);
}

zn_node *zn_activation(zn_graph *g, zn_node *x, zn_nact act, float steepness) {
    return activation(g, "zn_activation", x, act, steepness, 0);
}

zn_node *zn_activation_fann(zn_graph *g, zn_node *x, zn_nact act, float steepness) {
    return activation(g, "zn_activation_fann", x, act, steepness, 1);
}

static int64_t count_of(const zn_exec *e, const zn_node *n) { return zn_node_size(n) * (n->batched ? e->batch : 1); }

enum { ACT_CHUNK = 1024 }; /* floats: 4 KB */

void zn_act_forward_range(const zn_exec *e, const zn_node *n, int64_t lo, int64_t hi) {
    zn_nact act = (zn_nact)n->i[0];
    float s = n->f[0];
    const float *x = e->val[n->in[0]] + lo;
    float *y = e->val[n->index] + lo;
    size_t c = (size_t)(hi - lo);
    const zn_vmath_kernels *k = &e->k->vmath;
    /* The common ones go through the vector kernels. */
    switch (act) {
    case ZN_NACT_LINEAR: k->scale(c, s, x, y); return;
    case ZN_NACT_RELU:
    case ZN_NACT_LINEAR_PIECE_RECT:
        k->scale(c, s, x, y);
        k->relu(c, y, y);
        return;
    case ZN_NACT_FANN_SIGMOID:
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC:
    case ZN_NACT_TANH: {
        /* scaled and then applied a chunk at a time, while the chunk is in L1 */
        const int logistic = act == ZN_NACT_FANN_SIGMOID;
        for (size_t at = 0; at < c; at += ACT_CHUNK) {
            const size_t m = c - at < ACT_CHUNK ? c - at : ACT_CHUNK;
            k->scale(m, logistic ? 2.0f * s : s, x + at, y + at);
            (logistic ? k->sigmoid : k->tanh)(m, y + at, y + at);
        }
        return;
    }
    default: break;
    }
    for (size_t i = 0; i < c; i++) y[i] = zn_nact_value(act, s, x[i]);
}

static void act_forward(const zn_exec *e, const zn_node *n) { zn_act_forward_range(e, n, 0, count_of(e, n)); }

/* FANN's sigmoid derivatives on a gradient written first here (beta 0):
 * dy times the FANN kernel's vector form of zn_fann_derived's formula
 * (same rounding). A call per element took 40% of a small net's training
 * step. Returns 0 where it does not apply. */
static int fann_sigmoid_backward(const zn_exec *e, zn_nact act, float s, const float *y, const float *dy, float *dx,
                                 size_t c, float beta) {
    const int sym = act == ZN_NACT_FANN_SIGMOID_SYMMETRIC || act == ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE;
    if (beta != 0.0f || !(sym || act == ZN_NACT_FANN_SIGMOID || act == ZN_NACT_FANN_SIGMOID_STEPWISE)) return 0;
    e->k->fann.mul_deriv_to(c, y, dy, dx, s, sym);
    return 1;
}

static void act_backward(const zn_exec *e, const zn_node *n) {
    zn_nact act = (zn_nact)n->i[0];
    float s = n->f[0];
    const float *x = e->val[n->in[0]], *y = e->val[n->index], *dy = e->grad[n->index];
    size_t c = (size_t)count_of(e, n);
    float beta;
    float *dx = zn_exec_input_grad_beta(e, n, 0, &beta);
    if (!dx) return;
    if (n->i[1] && fann_sigmoid_backward(e, act, s, y, dy, dx, c, beta)) return;
    if (beta == 0.0f) memset(dx, 0, c * sizeof(float)); /* the loops below add */
    if (n->i[1]) {
        /* FANN's formulas */
        for (size_t i = 0; i < c; i++) dx[i] += dy[i] * zn_nact_fann_derivative(act, s, x[i], y[i]);
        return;
    }
    switch (act) { /* derivatives from the output where that is exact */
    case ZN_NACT_FANN_SIGMOID:
        for (size_t i = 0; i < c; i++) dx[i] += dy[i] * 2.0f * s * y[i] * (1.0f - y[i]);
        return;
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC:
    case ZN_NACT_TANH:
        for (size_t i = 0; i < c; i++) dx[i] += dy[i] * s * (1.0f - y[i] * y[i]);
        return;
    case ZN_NACT_RELU:
    case ZN_NACT_LINEAR_PIECE_RECT:
        for (size_t i = 0; i < c; i++) dx[i] += y[i] > 0.0f ? dy[i] * s : 0.0f;
        return;
    default: break;
    }
    for (size_t i = 0; i < c; i++) dx[i] += dy[i] * zn_nact_derivative(act, s, x[i], y[i]);
}

const zn_op_def zn_op_act_def = {"act", act_forward, act_backward, NULL};

/* ---- softmax over the features of each sample ------------------------------------------- */

zn_node *zn_softmax(zn_graph *g, zn_node *x) {
    if (!zn_graph_check_inputs(g, "zn_softmax", 1, &x)) return NULL;
    if (!x->batched) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_softmax: the input must be a batch node");
    zn_node proto = {0};
    proto.batched = 1;
    proto.rows = 1;
    proto.cols = x->cols;
    return zn_graph_add(g, ZN_OP_SOFTMAX, &proto, 1, &x);
}

static void softmax_forward(const zn_exec *e, const zn_node *n) {
    for (int64_t r = 0; r < e->batch; r++)
        e->k->vmath.softmax((size_t)n->cols, e->val[n->in[0]] + r * n->cols, e->val[n->index] + r * n->cols);
}

static void softmax_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    for (int64_t r = 0; r < e->batch; r++) {
        const float *y = e->val[n->index] + r * n->cols, *dy = e->grad[n->index] + r * n->cols;
        float dot = e->k->vmath.dot((size_t)n->cols, dy, y);
        float *d = dx + r * n->cols;
        for (int64_t j = 0; j < n->cols; j++) d[j] += y[j] * (dy[j] - dot);
    }
}

const zn_op_def zn_op_softmax_def = {"softmax", softmax_forward, softmax_backward, NULL};

/* ---- dropout ----------------------------------------------------------------------------------- */

zn_node *zn_dropout(zn_graph *g, zn_node *x, float rate) {
    if (!zn_graph_check_inputs(g, "zn_dropout", 1, &x)) return NULL;
    if (!(rate >= 0.0f && rate < 1.0f))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_dropout: rate %g not in [0, 1)", (double)rate);
    if (!x->batched) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_dropout: the input must be a batch node");
    zn_node proto = {0};
    proto.batched = 1;
    proto.rows = 1;
    proto.cols = x->cols;
    proto.f[0] = rate;
    return zn_graph_add(g, ZN_OP_DROPOUT, &proto, 1, &x);
}

static int64_t dropout_aux(const zn_node *n) { return n->cols; }

static void dropout_forward(const zn_exec *e, const zn_node *n) {
    size_t c = (size_t)count_of(e, n);
    const float *x = e->val[n->in[0]];
    float *y = e->val[n->index];
    if (!e->training || n->f[0] == 0.0f) {
        memcpy(y, x, c * sizeof(float));
        return;
    }
    float *mask = e->aux[n->index];
    float keep = 1.0f / (1.0f - n->f[0]);
    for (size_t i = 0; i < c; i++) {
        mask[i] = zn_rng_uniformf(e->rng) < n->f[0] ? 0.0f : keep;
        y[i] = x[i] * mask[i];
    }
}

static void dropout_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    size_t c = (size_t)count_of(e, n);
    const float *dy = e->grad[n->index], *mask = e->aux[n->index];
    if (n->f[0] == 0.0f) {
        e->k->vmath.axpy(c, 1.0f, dy, dx);
        return;
    }
    for (size_t i = 0; i < c; i++) dx[i] += dy[i] * mask[i];
}

const zn_op_def zn_op_dropout_def = {"dropout", dropout_forward, dropout_backward, dropout_aux};
