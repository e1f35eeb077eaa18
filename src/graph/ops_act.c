/* Activation ops: FANN's twenty neuron functions on steepness * x, the
 * modern ones, softmax and dropout. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"
#include "kernels/parallel.h"

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
    if (x->dtype != ZN_F32) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): x holds ids", fn, g->count);
    zn_node proto = zn_node_like(x);
    proto.a.act = (int)act;
    proto.a.flags = fann;
    proto.a.f[0] = steepness;
    return zn_graph_add(g, ZN_OP_ACT, &proto, 1, &x);
}

zn_node *zn_activation(zn_graph *g, zn_node *x, zn_nact act, float steepness) {
    return activation(g, "zn_activation", x, act, steepness, 0);
}

zn_node *zn_activation_fann(zn_graph *g, zn_node *x, zn_nact act, float steepness) {
    return activation(g, "zn_activation_fann", x, act, steepness, 1);
}

enum { ACT_CHUNK = 1024 }; /* floats: 4 KB */

static void act_forward_range(const zn_exec *e, const zn_node *n, int64_t lo, int64_t hi) {
    zn_nact act = (zn_nact)n->a.act;
    float s = n->a.f[0];
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

static void act_forward(const zn_exec *e, const zn_node *n) { act_forward_range(e, n, 0, zn_exec_count(e, n)); }

/* FANN's sigmoid derivatives on a gradient written first here (beta 0):
 * dy times the FANN kernel's vector form of zn_fann_derived's formula
 * (same rounding). Returns 0 where it does not apply. */
static int fann_sigmoid_backward(const zn_exec *e, zn_nact act, float s, const float *y, const float *dy, float *dx,
                                 size_t c, float beta) {
    const int sym = act == ZN_NACT_FANN_SIGMOID_SYMMETRIC || act == ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE;
    if (beta != 0.0f || !(sym || act == ZN_NACT_FANN_SIGMOID || act == ZN_NACT_FANN_SIGMOID_STEPWISE)) return 0;
    e->k->fann.mul_deriv_to(c, y, dy, dx, s, sym);
    return 1;
}

/* dx (=, beta 0; or +=) dy f'(x) over elements [lo, hi): each element alone. */
static void act_backward_range(const zn_exec *e, const zn_node *n, float *dx, float beta, int64_t lo, int64_t hi) {
    zn_nact act = (zn_nact)n->a.act;
    float s = n->a.f[0];
    const float *x = e->val[n->in[0]] + lo, *y = e->val[n->index] + lo, *dy = e->grad[n->index] + lo;
    dx += lo;
    size_t c = (size_t)(hi - lo);
    if (n->a.flags && fann_sigmoid_backward(e, act, s, y, dy, dx, c, beta)) return;
    if (beta == 0.0f) memset(dx, 0, c * sizeof(float)); /* the loops below add */
    if (n->a.flags) {                                   /* FANN's formulas */
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

typedef struct act_job {
    const zn_exec *e;
    const zn_node *n;
    float *dx;
    float beta;
    int64_t count;
} act_job;

enum { ACT_BLOCK = 16 };

static void act_backward_part(void *ctx, int64_t begin, int64_t end) {
    const act_job *j = ctx;
    act_backward_range(j->e, j->n, j->dx, j->beta, begin * ACT_BLOCK,
                       end * ACT_BLOCK < j->count ? end * ACT_BLOCK : j->count);
}

/* Large values split over the pool in blocks (the same bits for any thread count). */
static void act_backward(const zn_exec *e, const zn_node *n) {
    float beta;
    float *dx = zn_exec_input_grad_beta(e, n, 0, &beta);
    if (!dx) return;
    act_job j = {e, n, dx, beta, zn_exec_count(e, n)};
    zn_pool *pool = e->max_threads == 1 ? NULL : (e->pool ? e->pool : zn_pool_default());
    zn_parallel_rows(pool, e->max_threads, (j.count + ACT_BLOCK - 1) / ACT_BLOCK,
                     zn_rows_per_thread(ACT_BLOCK, ZN_PAR_MIN_ELEMENTWISE), act_backward_part, &j);
}

static zn_node *rebuild_act(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    const zn_op_attrs *a = &info->attrs;
    return a->flags ? zn_activation_fann(g, in[0], (zn_nact)a->act, a->f[0])
                    : zn_activation(g, in[0], (zn_nact)a->act, a->f[0]);
}

const zn_op_def zn_op_act_def = {.name = "act",
                                 .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_ELEMENTWISE,
                                 .forward = act_forward,
                                 .backward = act_backward,
                                 .forward_range = act_forward_range,
                                 .bwd_reads = 1u | ZN_BWD_OUTPUT,
                                 .rebuild = rebuild_act};

/* ---- softmax over one axis ---------------------------------------------------------------- */

zn_node *zn_softmax_axis(zn_graph *g, zn_node *x, int axis) {
    if (!zn_graph_check_inputs(g, "zn_softmax", 1, &x)) return NULL;
    const int ax = axis < 0 ? axis + x->nd : axis;
    if (!x->batched || x->dtype != ZN_F32 || ax < 0 || ax >= x->nd)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_softmax (node %d): axis %d of a %d-D float batch node",
                             g->count, axis, x->nd);
    zn_node proto = zn_node_like(x);
    proto.a.axis = ax;
    return zn_graph_add(g, ZN_OP_SOFTMAX, &proto, 1, &x);
}

zn_node *zn_softmax(zn_graph *g, zn_node *x) { return zn_softmax_axis(g, x, -1); }

static void softmax_forward(const zn_exec *e, const zn_node *n) {
    int64_t outer, len, inner;
    zn_exec_around(e, n, (int)n->a.axis, &outer, &len, &inner);
    const float *x = e->val[n->in[0]];
    float *y = e->val[n->index];
    if (inner == 1) {
        for (int64_t r = 0; r < outer; r++) e->k->vmath.softmax((size_t)len, x + r * len, y + r * len);
        return;
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const float *p = x + o * len * inner + i;
            float *q = y + o * len * inner + i, mx = p[0];
            for (int64_t t = 1; t < len; t++) mx = p[t * inner] > mx ? p[t * inner] : mx;
            double sum = 0;
            for (int64_t t = 0; t < len; t++) sum += q[t * inner] = expf(p[t * inner] - mx);
            const float k = (float)(1.0 / sum);
            for (int64_t t = 0; t < len; t++) q[t * inner] *= k;
        }
}

static void softmax_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    int64_t outer, len, inner;
    zn_exec_around(e, n, (int)n->a.axis, &outer, &len, &inner);
    const float *y = e->val[n->index], *dy = e->grad[n->index];
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const int64_t at = o * len * inner + i;
            float dot = 0.0f;
            if (inner == 1)
                dot = e->k->vmath.dot((size_t)len, dy + at, y + at);
            else
                for (int64_t t = 0; t < len; t++) dot += dy[at + t * inner] * y[at + t * inner];
            for (int64_t t = 0; t < len; t++) {
                const int64_t j = at + t * inner;
                dx[j] += y[j] * (dy[j] - dot);
            }
        }
}

static zn_node *rebuild_softmax(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_softmax_axis(g, in[0], (int)info->attrs.axis);
}

const zn_op_def zn_op_softmax_def = {.name = "softmax",
                                     .flags = ZN_OPF_BWD_DECLARED,
                                     .forward = softmax_forward,
                                     .backward = softmax_backward,
                                     .bwd_reads = ZN_BWD_OUTPUT,
                                     .rebuild = rebuild_softmax};

/* ---- dropout ----------------------------------------------------------------------------------- */

zn_node *zn_dropout(zn_graph *g, zn_node *x, float rate) {
    if (!zn_graph_check_inputs(g, "zn_dropout", 1, &x)) return NULL;
    if (!(rate >= 0.0f && rate < 1.0f))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_dropout: rate %g not in [0, 1)", (double)rate);
    if (!x->batched) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_dropout: the input must be a batch node");
    if (x->dtype != ZN_F32) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_dropout (node %d): x holds ids", g->count);
    zn_node proto = zn_node_like(x);
    proto.a.f[0] = rate;
    return zn_graph_add(g, ZN_OP_DROPOUT, &proto, 1, &x);
}

static int64_t dropout_aux(const zn_node *n, int training) {
    if (!training) return 0;
    return zn_node_size(n);
}

static void dropout_forward(const zn_exec *e, const zn_node *n) {
    size_t c = (size_t)zn_exec_count(e, n);
    const float *x = e->val[n->in[0]];
    float *y = e->val[n->index];
    if (!e->training || n->a.f[0] == 0.0f) {
        memcpy(y, x, c * sizeof(float));
        return;
    }
    float *mask = e->aux[n->index];
    float keep = 1.0f / (1.0f - n->a.f[0]);
    for (size_t i = 0; i < c; i++) {
        mask[i] = zn_rng_uniformf(e->rng) < n->a.f[0] ? 0.0f : keep;
        y[i] = x[i] * mask[i];
    }
}

static void dropout_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    size_t c = (size_t)zn_exec_count(e, n);
    const float *dy = e->grad[n->index], *mask = e->aux[n->index];
    if (n->a.f[0] == 0.0f) {
        e->k->vmath.axpy(c, 1.0f, dy, dx);
        return;
    }
    for (size_t i = 0; i < c; i++) dx[i] += dy[i] * mask[i];
}

static zn_node *rebuild_dropout(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_dropout(g, in[0], info->attrs.f[0]);
}

const zn_op_def zn_op_dropout_def = {.name = "dropout",
                                     .flags = ZN_OPF_BWD_DECLARED,
                                     .forward = dropout_forward,
                                     .backward = dropout_backward,
                                     .aux_size = dropout_aux,
                                     .bwd_reads = 0u,
                                     .rebuild = rebuild_dropout};
