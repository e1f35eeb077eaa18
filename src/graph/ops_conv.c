/* Convolutional sequence ops on [B, T, C] values (channels last): conv1d,
 * max and average pooling and linear interpolation along T, and the weight
 * norm of a convolution's weight. Each wraps its kernel in
 * kernels/conv1d.h or pool1d.h; scratch comes from the workspace. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"
#include "kernels/conv1d.h"
#include "kernels/pool1d.h"

enum { CONV_HAS_BIAS = 1 };
enum { POOL_CEIL = 1, POOL_COUNT_PAD = 2 };
enum { INTERP_SCALE = 1 }; /* the output length follows the input's times a scale */

/* The pool a kernel runs on (NULL: the caller alone). */
static zn_pool *exec_pool(const zn_exec *e) {
    return e->max_threads == 1 ? NULL : (e->pool ? e->pool : zn_pool_default());
}

/* A batched float [T, C] value, the only layout these ops read. */
static int is_seq(const zn_node *x) { return x->batched && x->nd == 2 && x->dtype == ZN_F32 && x->seq_axis != 1; }

/* The output node of a [T, C] input with T_out steps and C channels; its T
 * follows the input's when the input's does. */
static zn_node seq_proto(const zn_node *x, int64_t t_out, int64_t c) {
    zn_node p = zn_node_like(x);
    const int64_t dims[2] = {t_out, c};
    zn_node_set_shape(&p, 2, dims);
    return p;
}

/* ---- conv1d ------------------------------------------------------------------------------------ */

static zn_conv1d_shape conv_shape(const zn_node *n, int64_t batch, int64_t t_in, const zn_node *w) {
    zn_conv1d_shape s = {.batch = batch,
                         .t_in = t_in,
                         .c_in = w->dim[1] * n->a.groups,
                         .c_out = w->dim[0],
                         .kernel = w->dim[2],
                         .stride = n->a.stride,
                         .dilation = n->a.dilation,
                         .groups = n->a.groups,
                         .pad_left = n->a.pad[0],
                         .pad_right = n->a.pad[1]};
    return s;
}

zn_node *zn_conv1d_op(zn_graph *g, zn_node *x, zn_node *w, zn_node *b, int64_t stride, int64_t dilation, int64_t groups,
                      int64_t pad_left, int64_t pad_right) {
    zn_node *in[3] = {x, w, b};
    if (!zn_graph_check_inputs(g, "zn_conv1d_op", b ? 3 : 2, in)) return NULL;
    char sx[96], sw[96];
    if (!is_seq(x))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_conv1d_op (node %d): x %s must be a float batch [T, C_in]",
                             g->count, zn_shape_str(x, sx, sizeof sx));
    if (w->batched || w->nd != 3 || w->dtype != ZN_F32 || (b && (b->batched || b->dtype != ZN_F32)))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG,
                             "zn_conv1d_op (node %d): the weight %s must be unbatched [C_out, C_in/groups, K] and the "
                             "bias unbatched",
                             g->count, zn_shape_str(w, sw, sizeof sw));
    if (stride < 1 || dilation < 1 || groups < 1 || pad_left < 0 || pad_right < 0)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG,
                             "zn_conv1d_op (node %d): stride %lld, dilation %lld, groups %lld must be >= 1 and the "
                             "padding (%lld, %lld) >= 0",
                             g->count, (long long)stride, (long long)dilation, (long long)groups, (long long)pad_left,
                             (long long)pad_right);
    if (x->dim[1] != w->dim[1] * groups || w->dim[0] % groups != 0)
        return zn_graph_fail(g, ZN_ERR_SHAPE,
                             "zn_conv1d_op (node %d): x %s does not fit the weight %s with %lld groups (C_in = "
                             "weight's dim 1 x groups; groups divide C_out)",
                             g->count, zn_shape_str(x, sx, sizeof sx), zn_shape_str(w, sw, sizeof sw),
                             (long long)groups);
    if (b && zn_node_size(b) != w->dim[0])
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_conv1d_op (node %d): the bias has %lld values for %lld channels",
                             g->count, (long long)zn_node_size(b), (long long)w->dim[0]);
    zn_node proto = zn_node_blank();
    proto.a.stride = stride;
    proto.a.dilation = dilation;
    proto.a.groups = groups;
    proto.a.kernel = w->dim[2];
    proto.a.pad[0] = pad_left;
    proto.a.pad[1] = pad_right;
    proto.a.flags = b ? CONV_HAS_BIAS : 0;
    proto.a.size[0] = w->dim[1];
    zn_conv1d_shape s = conv_shape(&proto, 1, x->dim[0], w);
    int64_t t_out = 0;
    if (zn_conv1d_out_len(&s, &t_out) != ZN_OK || t_out < 1)
        return zn_graph_fail(g, ZN_ERR_SHAPE,
                             "zn_conv1d_op (node %d): x %s is too short for the weight %s (kernel %lld, dilation %lld, "
                             "padding %lld + %lld)",
                             g->count, zn_shape_str(x, sx, sizeof sx), zn_shape_str(w, sw, sizeof sw),
                             (long long)w->dim[2], (long long)dilation, (long long)pad_left, (long long)pad_right);
    zn_node p = seq_proto(x, t_out, w->dim[0]);
    p.a = proto.a;
    return zn_graph_add(g, ZN_OP_CONV1D, &p, b ? 3 : 2, in);
}

/* T_out from the run-time T (< 1 when T is too short: the workspace says so). */
static int64_t conv_seq(const zn_node *n, const int64_t *in_seq) {
    const int64_t span = n->a.dilation * (n->a.kernel - 1) + 1, padded = in_seq[0] + n->a.pad[0] + n->a.pad[1];
    return padded < span ? 0 : (padded - span) / n->a.stride + 1;
}

/* The largest call's scratch (kernels/conv1d.h): the weight's size, and in
 * training backward weight's partial dW's and db's; size[0] holds C_in/groups. */
static int64_t conv_scratch(const zn_node *n, int64_t max_batch, int training) {
    const int64_t wf = n->a.kernel * n->a.size[0] * n->cols;
    return training ? zn_conv1d_weight_parts(max_batch, (size_t)wf) * (wf + n->cols) : wf;
}

static void conv_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *x = &e->nodes[n->in[0]], *w = &e->nodes[n->in[1]];
    const zn_conv1d_shape s = conv_shape(n, e->batch, zn_exec_dim(e, x, 0), w);
    const zn_status st =
        zn_conv1d_forward(&s, e->val[x->index], e->val[w->index], n->n_in == 3 ? e->val[n->in[2]] : NULL,
                          e->val[n->index], e->scratch[n->index], exec_pool(e), e->max_threads);
    if (st != ZN_OK) zn_exec_fail(e, st, "conv1d (node %d): %s", n->index, zn_last_error());
}

static void conv_backward(const zn_exec *e, const zn_node *n) {
    const zn_node *x = &e->nodes[n->in[0]], *w = &e->nodes[n->in[1]];
    const zn_conv1d_shape s = conv_shape(n, e->batch, zn_exec_dim(e, x, 0), w);
    const float *dy = e->grad[n->index];
    float dx_beta = 1.0f; /* 0: the first gradient into x this pass, written rather than added */
    float *dx = zn_exec_input_grad_beta(e, n, 0, &dx_beta), *dw = zn_exec_input_grad(e, n, 1);
    float *db = n->n_in == 3 ? zn_exec_input_grad(e, n, 2) : NULL;
    zn_status st = ZN_OK;
    if (dx)
        st = zn_conv1d_backward_data_ex(&s, ZN_CONV1D_AUTO, dy, e->val[w->index], dx, dx_beta != 0.0f,
                                        e->scratch[n->index], exec_pool(e), e->max_threads);
    if (st == ZN_OK && dw)
        st = zn_conv1d_backward_weight(&s, e->val[x->index], dy, dw, db, e->scratch[n->index], exec_pool(e),
                                       e->max_threads);
    else if (st == ZN_OK && db) /* the bias alone: column sums of dy */
        for (int64_t r = 0; r < zn_exec_rows(e, n); r++) e->k->vmath.axpy((size_t)n->cols, 1.0f, dy + r * n->cols, db);
    if (st != ZN_OK) zn_exec_fail(e, st, "conv1d (node %d): %s", n->index, zn_last_error());
}

static zn_node *rebuild_conv(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    const zn_op_attrs *a = &info->attrs;
    return zn_conv1d_op(g, in[0], in[1], info->n_in == 3 ? in[2] : NULL, a->stride, a->dilation, a->groups, a->pad[0],
                        a->pad[1]);
}

const zn_op_def zn_op_conv1d_def = {.name = "conv1d",
                                    .flags = ZN_OPF_BWD_DECLARED,
                                    .forward = conv_forward,
                                    .backward = conv_backward,
                                    .scratch_size = conv_scratch,
                                    .seq_out = conv_seq,
                                    .bwd_reads = 1u | 2u,
                                    .rebuild = rebuild_conv};

/* ---- max and average pooling along T ------------------------------------------------------------- */

static zn_pool1d_shape pool_shape(const zn_node *n, int64_t batch, int64_t t_in) {
    zn_pool1d_shape s = {.batch = batch,
                         .t_in = t_in,
                         .channels = n->cols,
                         .kernel = n->a.kernel,
                         .stride = n->a.stride,
                         .pad_left = n->a.pad[0],
                         .pad_right = n->a.pad[1],
                         .ceil_mode = (n->a.flags & POOL_CEIL) != 0,
                         .count_include_pad = (n->a.flags & POOL_COUNT_PAD) != 0};
    return s;
}

static zn_node *pool_build(zn_graph *g, zn_op op, const char *fn, zn_node *x, int64_t kernel, int64_t stride,
                           int64_t pad_left, int64_t pad_right, int flags) {
    if (!zn_graph_check_inputs(g, fn, 1, &x)) return NULL;
    char sx[96];
    if (!is_seq(x))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): x %s must be a float batch [T, C]", fn, g->count,
                             zn_shape_str(x, sx, sizeof sx));
    zn_node proto = zn_node_like(x);
    proto.a.kernel = kernel;
    proto.a.stride = stride;
    proto.a.pad[0] = pad_left;
    proto.a.pad[1] = pad_right;
    proto.a.flags = flags;
    proto.cols = x->cols;
    const zn_pool1d_shape s = pool_shape(&proto, 1, x->dim[0]);
    int64_t t_out = 0;
    if (zn_pool1d_out_len(&s, &t_out) != ZN_OK)
        return zn_graph_fail(g, ZN_ERR_SHAPE,
                             "%s (node %d): kernel %lld, stride %lld, padding (%lld, %lld) do not fit x %s (kernel and "
                             "stride >= 1, each pad below the kernel, kernel within the padded input)",
                             fn, g->count, (long long)kernel, (long long)stride, (long long)pad_left,
                             (long long)pad_right, zn_shape_str(x, sx, sizeof sx));
    zn_node p = seq_proto(x, t_out, x->dim[1]);
    p.a = proto.a;
    return zn_graph_add(g, op, &p, 1, &x);
}

zn_node *zn_max_pool1d(zn_graph *g, zn_node *x, int64_t kernel, int64_t stride, int64_t pad_left, int64_t pad_right,
                       int ceil_mode) {
    return pool_build(g, ZN_OP_MAX_POOL1D, "zn_max_pool1d", x, kernel, stride, pad_left, pad_right,
                      ceil_mode ? POOL_CEIL : 0);
}

zn_node *zn_avg_pool1d(zn_graph *g, zn_node *x, int64_t kernel, int64_t stride, int64_t pad_left, int64_t pad_right,
                       int ceil_mode, int count_include_pad) {
    return pool_build(g, ZN_OP_AVG_POOL1D, "zn_avg_pool1d", x, kernel, stride, pad_left, pad_right,
                      (ceil_mode ? POOL_CEIL : 0) | (count_include_pad ? POOL_COUNT_PAD : 0));
}

static int64_t pool_seq(const zn_node *n, const int64_t *in_seq) {
    const zn_pool1d_shape s = pool_shape(n, 1, in_seq[0]);
    int64_t t_out = 0;
    return zn_pool1d_out_len(&s, &t_out) == ZN_OK ? t_out : 0;
}

/* max: the argmax (int32 per output) lives in aux in training (backward reads it), in scratch otherwise. */
static int64_t maxpool_aux(const zn_node *n, int training) { return training ? zn_node_size(n) : 0; }
static int64_t maxpool_scratch(const zn_node *n, int64_t max_batch, int training) {
    return training ? 0 : zn_node_size(n) * max_batch;
}

static void maxpool_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *x = &e->nodes[n->in[0]];
    const zn_pool1d_shape s = pool_shape(n, e->batch, zn_exec_dim(e, x, 0));
    int32_t *arg = (int32_t *)(void *)(e->aux[n->index] ? e->aux[n->index] : e->scratch[n->index]);
    const zn_status st =
        zn_maxpool1d_forward(&s, e->val[x->index], e->val[n->index], arg, exec_pool(e), e->max_threads);
    if (st != ZN_OK) zn_exec_fail(e, st, "max_pool1d (node %d): %s", n->index, zn_last_error());
}

static void maxpool_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    const zn_pool1d_shape s = pool_shape(n, e->batch, zn_exec_dim(e, &e->nodes[n->in[0]], 0));
    const zn_status st = zn_maxpool1d_backward(&s, e->grad[n->index], (const int32_t *)(const void *)e->aux[n->index],
                                               dx, exec_pool(e), e->max_threads);
    if (st != ZN_OK) zn_exec_fail(e, st, "max_pool1d (node %d): %s", n->index, zn_last_error());
}

static void avgpool_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *x = &e->nodes[n->in[0]];
    const zn_pool1d_shape s = pool_shape(n, e->batch, zn_exec_dim(e, x, 0));
    const zn_status st = zn_avgpool1d_forward(&s, e->val[x->index], e->val[n->index], exec_pool(e), e->max_threads);
    if (st != ZN_OK) zn_exec_fail(e, st, "avg_pool1d (node %d): %s", n->index, zn_last_error());
}

static void avgpool_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    const zn_pool1d_shape s = pool_shape(n, e->batch, zn_exec_dim(e, &e->nodes[n->in[0]], 0));
    const zn_status st = zn_avgpool1d_backward(&s, e->grad[n->index], dx, exec_pool(e), e->max_threads);
    if (st != ZN_OK) zn_exec_fail(e, st, "avg_pool1d (node %d): %s", n->index, zn_last_error());
}

static zn_node *rebuild_maxpool(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    const zn_op_attrs *a = &info->attrs;
    return zn_max_pool1d(g, in[0], a->kernel, a->stride, a->pad[0], a->pad[1], (a->flags & POOL_CEIL) != 0);
}

static zn_node *rebuild_avgpool(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    const zn_op_attrs *a = &info->attrs;
    return zn_avg_pool1d(g, in[0], a->kernel, a->stride, a->pad[0], a->pad[1], (a->flags & POOL_CEIL) != 0,
                         (a->flags & POOL_COUNT_PAD) != 0);
}

const zn_op_def zn_op_max_pool1d_def = {.name = "max_pool1d",
                                        .flags = ZN_OPF_BWD_DECLARED,
                                        .forward = maxpool_forward,
                                        .backward = maxpool_backward,
                                        .aux_size = maxpool_aux,
                                        .scratch_size = maxpool_scratch,
                                        .seq_out = pool_seq,
                                        .bwd_reads = 0u,
                                        .rebuild = rebuild_maxpool};

const zn_op_def zn_op_avg_pool1d_def = {.name = "avg_pool1d",
                                        .flags = ZN_OPF_BWD_DECLARED,
                                        .forward = avgpool_forward,
                                        .backward = avgpool_backward,
                                        .seq_out = pool_seq,
                                        .bwd_reads = 0u,
                                        .rebuild = rebuild_avgpool};

/* ---- linear interpolation along T ----------------------------------------------------------------- */

/* T_out = floor(T * scale), the scale kept in f[0] (PyTorch computes it in double). */
static int64_t interp_scaled(const zn_node *n, int64_t t) { return (int64_t)floor((double)t * (double)n->a.f[0]); }

static zn_node *interp_build(zn_graph *g, const char *fn, zn_node *x, int64_t t_out, float scale, int flags) {
    if (!zn_graph_check_inputs(g, fn, 1, &x)) return NULL;
    char sx[96];
    if (!is_seq(x))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): x %s must be a float batch [T, C]", fn, g->count,
                             zn_shape_str(x, sx, sizeof sx));
    zn_node proto = zn_node_blank();
    proto.a.flags = flags;
    proto.a.f[0] = scale;
    if (flags & INTERP_SCALE) {
        if (!(scale > 0.0f) || !isfinite(scale))
            return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): scale %g must be a positive number", fn,
                                 g->count, (double)scale);
        t_out = interp_scaled(&proto, x->dim[0]);
        if (x->seq_axis == 0 && interp_scaled(&proto, 1) < 1)
            return zn_graph_fail(g, ZN_ERR_INVALID_ARG,
                                 "%s (node %d): scale %g below 1 would give no steps for short sequences of x %s; "
                                 "use a fixed output length",
                                 fn, g->count, (double)scale, zn_shape_str(x, sx, sizeof sx));
    }
    if (t_out < 1 || t_out > INT32_MAX)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): output length %lld for x %s (1 or more)", fn,
                             g->count, (long long)t_out, zn_shape_str(x, sx, sizeof sx));
    proto.a.size[0] = t_out;
    zn_node p = seq_proto(x, t_out, x->dim[1]);
    if (!(flags & INTERP_SCALE)) p.seq_axis = -1; /* a fixed length whatever T is */
    p.a = proto.a;
    return zn_graph_add(g, ZN_OP_INTERP_LINEAR, &p, 1, &x);
}

zn_node *zn_interpolate_linear(zn_graph *g, zn_node *x, int64_t out_len) {
    return interp_build(g, "zn_interpolate_linear", x, out_len, 0.0f, 0);
}

zn_node *zn_interpolate_linear_scale(zn_graph *g, zn_node *x, float scale) {
    return interp_build(g, "zn_interpolate_linear_scale", x, 0, scale, INTERP_SCALE);
}

static int64_t interp_seq(const zn_node *n, const int64_t *in_seq) {
    return n->a.flags & INTERP_SCALE ? interp_scaled(n, in_seq[0]) : n->a.size[0];
}

static void interp_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *x = &e->nodes[n->in[0]];
    const zn_status st = zn_interp1d_linear_forward(e->batch, zn_exec_dim(e, x, 0), zn_exec_dim(e, n, 0), n->cols,
                                                    e->val[x->index], e->val[n->index], exec_pool(e), e->max_threads);
    if (st != ZN_OK) zn_exec_fail(e, st, "interp_linear (node %d): %s", n->index, zn_last_error());
}

static void interp_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    const zn_status st =
        zn_interp1d_linear_backward(e->batch, zn_exec_dim(e, &e->nodes[n->in[0]], 0), zn_exec_dim(e, n, 0), n->cols,
                                    e->grad[n->index], dx, exec_pool(e), e->max_threads);
    if (st != ZN_OK) zn_exec_fail(e, st, "interp_linear (node %d): %s", n->index, zn_last_error());
}

static zn_node *rebuild_interp(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    if (info->attrs.flags & INTERP_SCALE) return zn_interpolate_linear_scale(g, in[0], info->attrs.f[0]);
    return zn_interpolate_linear(g, in[0], info->attrs.size[0]);
}

const zn_op_def zn_op_interp_linear_def = {.name = "interp_linear",
                                           .flags = ZN_OPF_BWD_DECLARED,
                                           .forward = interp_forward,
                                           .backward = interp_backward,
                                           .seq_out = interp_seq,
                                           .bwd_reads = 0u,
                                           .rebuild = rebuild_interp};

/* ---- weight norm: w = g * v / ||v|| per slice of v's first axis ---------------------------------------- */

zn_node *zn_weight_norm(zn_graph *g, zn_node *gain, zn_node *v) {
    zn_node *in[2] = {gain, v};
    if (!zn_graph_check_inputs(g, "zn_weight_norm", 2, in)) return NULL;
    char sg[96], sv[96];
    int fits = !gain->batched && !v->batched && gain->dtype == ZN_F32 && v->dtype == ZN_F32 &&
               zn_node_size(gain) == v->dim[0] && gain->dim[0] == v->dim[0];
    for (int i = 1; fits && i < gain->nd; i++) fits = gain->dim[i] == 1;
    if (!fits)
        return zn_graph_fail(g, ZN_ERR_SHAPE,
                             "zn_weight_norm (node %d): g %s and v %s must be unbatched, g [C_out, 1, ...] with v's "
                             "first axis",
                             g->count, zn_shape_str(gain, sg, sizeof sg), zn_shape_str(v, sv, sizeof sv));
    zn_node proto = zn_node_like(v);
    return zn_graph_add(g, ZN_OP_WEIGHT_NORM, &proto, 2, in);
}

static void wnorm_forward(const zn_exec *e, const zn_node *n) {
    const float *gain = e->val[n->in[0]], *v = e->val[n->in[1]];
    float *w = e->val[n->index];
    const int64_t rows = n->dim[0], len = zn_node_size(n) / rows;
    for (int64_t o = 0; o < rows; o++) {
        const float *vo = v + o * len;
        double ss = 0;
        for (int64_t i = 0; i < len; i++) ss += (double)vo[i] * vo[i];
        const float k = ss > 0 ? (float)(gain[o] / sqrt(ss)) : 0.0f;
        for (int64_t i = 0; i < len; i++) w[o * len + i] = k * vo[i];
    }
}

/* dg = <dw, v> / ||v||;  dv = g / ||v|| (dw - <dw, v> v / ||v||^2). */
static void wnorm_backward(const zn_exec *e, const zn_node *n) {
    const float *gain = e->val[n->in[0]], *v = e->val[n->in[1]], *dw = e->grad[n->index];
    float *dg = zn_exec_input_grad(e, n, 0), *dv = zn_exec_input_grad(e, n, 1);
    const int64_t rows = n->dim[0], len = zn_node_size(n) / rows;
    for (int64_t o = 0; o < rows; o++) {
        const float *vo = v + o * len, *dwo = dw + o * len;
        double ss = 0, dot = 0;
        for (int64_t i = 0; i < len; i++) ss += (double)vo[i] * vo[i], dot += (double)dwo[i] * vo[i];
        if (!(ss > 0)) continue; /* w is 0 whatever g: no gradient */
        const double norm = sqrt(ss);
        if (dg) dg[o] += (float)(dot / norm);
        if (dv) {
            const double k = gain[o] / norm, c = dot / ss;
            for (int64_t i = 0; i < len; i++) dv[o * len + i] += (float)(k * (dwo[i] - c * vo[i]));
        }
    }
}

static zn_node *rebuild_wnorm(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    (void)info;
    return zn_weight_norm(g, in[0], in[1]);
}

const zn_op_def zn_op_weight_norm_def = {.name = "weight_norm",
                                         .flags = ZN_OPF_BWD_DECLARED,
                                         .forward = wnorm_forward,
                                         .backward = wnorm_backward,
                                         .bwd_reads = 1u | 2u,
                                         .rebuild = rebuild_wnorm};
