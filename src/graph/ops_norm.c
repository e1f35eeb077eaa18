/* Normalisation ops over the kernels of kernels/norm.h: layer norm and RMS
 * norm over the last axis, batch norm of channels-last values (statistics
 * over the batch and every axis but the last) in training and inference. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"
#include "kernels/norm.h"

enum { HAS_GAMMA = 1, HAS_BETA = 2 };

/* The kernels' pool: none when the pass runs on the caller alone. */
static zn_pool *op_pool(const zn_exec *e) {
    return e->max_threads == 1 ? NULL : (e->pool ? e->pool : zn_pool_default());
}

/* x: a float batch node whose last axis (the normalised or channel axis)
 * has a fixed length; 0 after recording an error. */
static int check_x(zn_graph *g, const char *fn, const zn_node *x) {
    char sx[96];
    if (!x->batched || x->dtype != ZN_F32 || x->seq_axis == x->nd - 1) {
        zn_graph_fail(g, ZN_ERR_SHAPE,
                      "%s (node %d): x %s must be a float batch node whose last axis is not a sequence", fn, g->count,
                      zn_shape_str(x, sx, sizeof sx));
        return 0;
    }
    return 1;
}

/* A per-feature vector (gamma, beta, running statistics): unbatched floats
 * of f values; NULL is fine when optional. */
static int check_vec(zn_graph *g, const char *fn, const char *what, const zn_node *v, const zn_node *x) {
    char sv[96], sx[96];
    if (v && (v->batched || v->dtype != ZN_F32 || zn_node_size(v) != x->cols || v->cols != x->cols)) {
        zn_graph_fail(g, ZN_ERR_SHAPE, "%s (node %d): %s %s does not match the last axis of x %s", fn, g->count, what,
                      zn_shape_str(v, sv, sizeof sv), zn_shape_str(x, sx, sizeof sx));
        return 0;
    }
    return 1;
}

static int check_eps(zn_graph *g, const char *fn, float eps) {
    if (!(eps >= 0.0f) || !isfinite(eps)) {
        zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): eps %g must be finite and >= 0", fn, g->count, (double)eps);
        return 0;
    }
    return 1;
}

/* Input slots of the optional gamma and beta after the `first` fixed inputs. */
static int gamma_slot(const zn_node *n, int first) { return n->a.flags & HAS_GAMMA ? first : -1; }
static int beta_slot(const zn_node *n, int first) {
    return n->a.flags & HAS_BETA ? first + ((n->a.flags & HAS_GAMMA) ? 1 : 0) : -1;
}
static const float *in_val(const zn_exec *e, const zn_node *n, int slot) {
    return slot < 0 ? NULL : e->val[n->in[slot]];
}
static float *in_grad(const zn_exec *e, const zn_node *n, int slot) {
    return slot < 0 ? NULL : zn_exec_input_grad(e, n, slot);
}

/* Adds gamma and beta (when given) after the fixed inputs. */
static zn_node *add_norm(zn_graph *g, zn_op op, zn_node *proto, int n_fixed, zn_node **in, zn_node *gamma,
                         zn_node *beta) {
    int n_in = n_fixed;
    if (gamma) in[n_in++] = gamma, proto->a.flags |= HAS_GAMMA;
    if (beta) in[n_in++] = beta, proto->a.flags |= HAS_BETA;
    return zn_graph_add(g, op, proto, n_in, in);
}

/* The optional inputs of a rebuilt node, from its flags. */
static void rebuild_optional(zn_node *const *in, const zn_node_info *info, int first, zn_node **gamma, zn_node **beta) {
    int at = first;
    *gamma = info->attrs.flags & HAS_GAMMA ? in[at++] : NULL;
    *beta = info->attrs.flags & HAS_BETA ? in[at] : NULL;
}

static int optional_count_ok(zn_graph *g, const zn_node_info *info, int first) {
    const int want = first + !!(info->attrs.flags & HAS_GAMMA) + !!(info->attrs.flags & HAS_BETA);
    if (info->n_in == want) return 1;
    zn_graph_fail(g, ZN_ERR_FORMAT, "node %d (%s): %d inputs, its flags say %d", g->count, info->op, info->n_in, want);
    return 0;
}

/* ---- layer norm ------------------------------------------------------------------------------ */

zn_node *zn_layer_norm_op(zn_graph *g, zn_node *x, zn_node *gamma, zn_node *beta, float eps) {
    static const char fn[] = "zn_layer_norm_op";
    if (!zn_graph_check_inputs(g, fn, 1, &x)) return NULL;
    if ((gamma && !zn_graph_check_inputs(g, fn, 1, &gamma)) || (beta && !zn_graph_check_inputs(g, fn, 1, &beta)))
        return NULL;
    if (!check_x(g, fn, x) || !check_vec(g, fn, "gamma", gamma, x) || !check_vec(g, fn, "beta", beta, x) ||
        !check_eps(g, fn, eps))
        return NULL;
    zn_node proto = zn_node_like(x);
    proto.a.f[0] = eps;
    zn_node *in[3] = {x};
    return add_norm(g, ZN_OP_LAYER_NORM, &proto, 1, in, gamma, beta);
}

/* training: each row's mean and rstd for backward */
static int64_t rows_aux(const zn_node *n, int training, int per_row) { return training ? per_row * n->rows : 0; }
static int64_t layer_norm_aux(const zn_node *n, int training) { return rows_aux(n, training, 2); }

static void layer_norm_forward(const zn_exec *e, const zn_node *n) {
    const int64_t rows = zn_exec_rows(e, n), f = n->cols;
    float *mean = e->aux[n->index], *rstd = mean ? mean + rows : NULL;
    zn_status s =
        zn_layer_norm_forward(rows, f, e->val[n->in[0]], in_val(e, n, gamma_slot(n, 1)), in_val(e, n, beta_slot(n, 1)),
                              n->a.f[0], e->val[n->index], mean, rstd, op_pool(e), e->max_threads);
    if (s != ZN_OK) zn_exec_fail(e, s, "layer_norm (node %d): %s", n->index, zn_last_error());
}

static void layer_norm_backward(const zn_exec *e, const zn_node *n) {
    const int64_t rows = zn_exec_rows(e, n), f = n->cols;
    const float *mean = e->aux[n->index], *rstd = mean + rows;
    float beta = 0.0f;
    float *dx = zn_exec_input_grad_beta(e, n, 0, &beta);
    float *dgamma = in_grad(e, n, gamma_slot(n, 1)), *dbeta = in_grad(e, n, beta_slot(n, 1));
    zn_status s =
        zn_layer_norm_backward(rows, f, e->val[n->in[0]], in_val(e, n, gamma_slot(n, 1)), mean, rstd, e->grad[n->index],
                               dx, beta != 0.0f, dgamma, dbeta, op_pool(e), e->max_threads);
    if (s != ZN_OK) zn_exec_fail(e, s, "layer_norm (node %d): %s", n->index, zn_last_error());
}

static zn_node *rebuild_layer_norm(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    zn_node *gamma, *beta;
    if (!optional_count_ok(g, info, 1)) return NULL;
    rebuild_optional(in, info, 1, &gamma, &beta);
    return zn_layer_norm_op(g, in[0], gamma, beta, info->attrs.f[0]);
}

const zn_op_def zn_op_layer_norm_def = {.name = "layer_norm",
                                        .flags = ZN_OPF_BWD_DECLARED,
                                        .forward = layer_norm_forward,
                                        .backward = layer_norm_backward,
                                        .aux_size = layer_norm_aux,
                                        .bwd_reads = 1u | 2u,
                                        .rebuild = rebuild_layer_norm};

/* ---- RMS norm ---------------------------------------------------------------------------------- */

zn_node *zn_rms_norm_op(zn_graph *g, zn_node *x, zn_node *gamma, float eps) {
    static const char fn[] = "zn_rms_norm_op";
    if (!zn_graph_check_inputs(g, fn, 1, &x)) return NULL;
    if (gamma && !zn_graph_check_inputs(g, fn, 1, &gamma)) return NULL;
    if (!check_x(g, fn, x) || !check_vec(g, fn, "gamma", gamma, x) || !check_eps(g, fn, eps)) return NULL;
    zn_node proto = zn_node_like(x);
    proto.a.f[0] = eps;
    zn_node *in[2] = {x};
    return add_norm(g, ZN_OP_RMS_NORM, &proto, 1, in, gamma, NULL);
}

static int64_t rms_norm_aux(const zn_node *n, int training) { return rows_aux(n, training, 1); }

static void rms_norm_forward(const zn_exec *e, const zn_node *n) {
    zn_status s = zn_rms_norm_forward(zn_exec_rows(e, n), n->cols, e->val[n->in[0]], in_val(e, n, gamma_slot(n, 1)),
                                      n->a.f[0], e->val[n->index], e->aux[n->index], op_pool(e), e->max_threads);
    if (s != ZN_OK) zn_exec_fail(e, s, "rms_norm (node %d): %s", n->index, zn_last_error());
}

static void rms_norm_backward(const zn_exec *e, const zn_node *n) {
    float beta = 0.0f;
    float *dx = zn_exec_input_grad_beta(e, n, 0, &beta);
    zn_status s = zn_rms_norm_backward(zn_exec_rows(e, n), n->cols, e->val[n->in[0]], in_val(e, n, gamma_slot(n, 1)),
                                       e->aux[n->index], e->grad[n->index], dx, beta != 0.0f,
                                       in_grad(e, n, gamma_slot(n, 1)), op_pool(e), e->max_threads);
    if (s != ZN_OK) zn_exec_fail(e, s, "rms_norm (node %d): %s", n->index, zn_last_error());
}

static zn_node *rebuild_rms_norm(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    zn_node *gamma, *beta;
    if (!optional_count_ok(g, info, 1)) return NULL;
    rebuild_optional(in, info, 1, &gamma, &beta);
    if (beta) return zn_graph_fail(g, ZN_ERR_FORMAT, "node %d (rms_norm): no beta", g->count);
    return zn_rms_norm_op(g, in[0], gamma, info->attrs.f[0]);
}

const zn_op_def zn_op_rms_norm_def = {.name = "rms_norm",
                                      .flags = ZN_OPF_BWD_DECLARED,
                                      .forward = rms_norm_forward,
                                      .backward = rms_norm_backward,
                                      .aux_size = rms_norm_aux,
                                      .bwd_reads = 1u | 2u,
                                      .rebuild = rebuild_rms_norm};

/* ---- batch norm ---------------------------------------------------------------------------------- */

/* Inputs: x, running_mean, running_var (constants of the model, which a
 * training pass updates), then gamma and beta when given. */
zn_node *zn_batch_norm_op(zn_graph *g, zn_node *x, zn_node *gamma, zn_node *beta, zn_node *running_mean,
                          zn_node *running_var, float eps, float momentum) {
    static const char fn[] = "zn_batch_norm_op";
    zn_node *in[5] = {x, running_mean, running_var};
    if (!zn_graph_check_inputs(g, fn, 3, in)) return NULL;
    if ((gamma && !zn_graph_check_inputs(g, fn, 1, &gamma)) || (beta && !zn_graph_check_inputs(g, fn, 1, &beta)))
        return NULL;
    if (!check_x(g, fn, x) || !check_vec(g, fn, "gamma", gamma, x) || !check_vec(g, fn, "beta", beta, x) ||
        !check_vec(g, fn, "running_mean", running_mean, x) || !check_vec(g, fn, "running_var", running_var, x) ||
        !check_eps(g, fn, eps))
        return NULL;
    if (running_mean->op != ZN_OP_CONST || running_var->op != ZN_OP_CONST || running_mean == running_var)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG,
                             "%s (node %d): running_mean and running_var must be two constants (zn_const_nd)", fn,
                             g->count);
    if (!(momentum >= 0.0f && momentum <= 1.0f))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): momentum %g not in [0, 1]", fn, g->count,
                             (double)momentum);
    zn_node proto = zn_node_like(x);
    proto.a.f[0] = eps;
    proto.a.f[1] = momentum;
    return add_norm(g, ZN_OP_BATCH_NORM, &proto, 3, in, gamma, beta);
}

/* training: the batch's mean and rstd per channel (c floats each, in the
 * first sample's share of the buffer) */
static int64_t batch_norm_aux(const zn_node *n, int training) { return training ? 2 * n->cols : 0; }

static void batch_norm_forward(const zn_exec *e, const zn_node *n) {
    const int64_t c = n->cols;
    zn_batch_norm_args a = zn_batch_norm_args_default(e->training);
    a.eps = n->a.f[0];
    a.momentum = n->a.f[1];
    /* Training writes the running statistics, which live in the model: a
     * model write like an optimizer step's (training has the model alone). */
    float *mean = e->training ? e->aux[n->index] : NULL, *rstd = mean ? mean + c : NULL;
    zn_status s = zn_batch_norm_forward(zn_exec_rows(e, n), c, e->val[n->in[0]], in_val(e, n, gamma_slot(n, 3)),
                                        in_val(e, n, beta_slot(n, 3)), &a, e->val[n->in[1]], e->val[n->in[2]],
                                        e->val[n->index], mean, rstd, op_pool(e), e->max_threads);
    if (s != ZN_OK) zn_exec_fail(e, s, "batch_norm (node %d): %s", n->index, zn_last_error());
}

/* Backward follows a training pass: through the batch statistics. */
static void batch_norm_backward(const zn_exec *e, const zn_node *n) {
    const int64_t c = n->cols;
    const float *mean = e->aux[n->index], *rstd = mean + c;
    float beta = 0.0f;
    float *dx = zn_exec_input_grad_beta(e, n, 0, &beta);
    zn_status s = zn_batch_norm_backward(zn_exec_rows(e, n), c, e->val[n->in[0]], in_val(e, n, gamma_slot(n, 3)), mean,
                                         rstd, 1, e->grad[n->index], dx, beta != 0.0f, in_grad(e, n, gamma_slot(n, 3)),
                                         in_grad(e, n, beta_slot(n, 3)), op_pool(e), e->max_threads);
    if (s != ZN_OK) zn_exec_fail(e, s, "batch_norm (node %d): %s", n->index, zn_last_error());
}

static zn_node *rebuild_batch_norm(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    zn_node *gamma, *beta;
    if (!optional_count_ok(g, info, 3)) return NULL;
    rebuild_optional(in, info, 3, &gamma, &beta);
    return zn_batch_norm_op(g, in[0], gamma, beta, in[1], in[2], info->attrs.f[0], info->attrs.f[1]);
}

const zn_op_def zn_op_batch_norm_def = {.name = "batch_norm",
                                        .flags = ZN_OPF_BWD_DECLARED,
                                        .forward = batch_norm_forward,
                                        .backward = batch_norm_backward,
                                        .aux_size = batch_norm_aux,
                                        .bwd_reads = 1u | 8u,
                                        .rebuild = rebuild_batch_norm};
