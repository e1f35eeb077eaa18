/* Layout ops: concat and slice along any axis after the batch. */
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"

/* A negative axis counts from the end; -1 when out of range. */
static int resolve_axis(const zn_node *x, int axis) {
    if (axis < 0) axis += x->nd;
    return axis >= 0 && axis < x->nd ? axis : -1;
}

/* ---- concat -------------------------------------------------------------------------------- */

zn_node *zn_concat_axis(zn_graph *g, zn_node *const *xs, int count, int axis) {
    if (!zn_graph_check_inputs(g, "zn_concat", 0, NULL)) return NULL;
    if (count < 1 || count > ZN_MAX_OP_INPUTS || !xs)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_concat (node %d): %d inputs (1 to %d)", g->count, count,
                             ZN_MAX_OP_INPUTS);
    if (!zn_graph_check_inputs(g, "zn_concat", count, xs)) return NULL;
    const zn_node *x0 = xs[0];
    const int ax = resolve_axis(x0, axis);
    if (ax < 0)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_concat (node %d): axis %d of a %d-D value", g->count, axis,
                             x0->nd);
    int64_t dims[ZN_MAX_DIMS];
    memcpy(dims, x0->dim, sizeof dims);
    dims[ax] = 0;
    char s0[96], sk[96];
    for (int k = 0; k < count; k++) {
        const zn_node *x = xs[k];
        int fits = x->batched && x->nd == x0->nd && x->seq_axis == x0->seq_axis && x->dtype == x0->dtype;
        for (int i = 0; fits && i < x->nd; i++) fits = i == ax || x->dim[i] == x0->dim[i];
        if (!fits)
            return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_concat (node %d): input %d %s does not fit input 1 %s on axis %d",
                                 g->count, k + 1, zn_shape_str(x, sk, sizeof sk), zn_shape_str(x0, s0, sizeof s0), ax);
        dims[ax] += x->dim[ax];
    }
    zn_node proto = zn_node_like(x0);
    if (!zn_node_set_shape(&proto, x0->nd, dims))
        return zn_graph_fail(g, ZN_ERR_OVERFLOW, "zn_concat (node %d): the result is too large", g->count);
    proto.dtype = x0->dtype;
    proto.a.axis = ax;
    return zn_graph_add(g, ZN_OP_CONCAT, &proto, count, xs);
}

zn_node *zn_concat(zn_graph *g, zn_node *a, zn_node *b) {
    zn_node *in[2] = {a, b};
    if (!zn_graph_check_inputs(g, "zn_concat", 2, in)) return NULL;
    return zn_concat_axis(g, in, 2, -1);
}

/* Along the sequence axis the run-time lengths add up. */
static int64_t concat_seq(const zn_node *n, const int64_t *in_seq) {
    if (n->seq_axis != n->a.axis) return in_seq[0];
    int64_t t = 0;
    for (int k = 0; k < n->n_in; k++) t += in_seq[k];
    return t;
}

/* dir 0: inputs into the value; 1: the value's gradient into the inputs'. */
static void concat_move(const zn_exec *e, const zn_node *n, int dir) {
    int64_t outer, len, inner;
    zn_exec_around(e, n, (int)n->a.axis, &outer, &len, &inner);
    const int64_t row = len * inner;
    int64_t at = 0;
    for (int k = 0; k < n->n_in; k++) {
        const zn_node *x = &e->nodes[n->in[k]];
        const int64_t part = zn_exec_dim(e, x, (int)n->a.axis) * inner;
        if (dir == 0) {
            const float *src = e->val[x->index];
            float *dst = e->val[n->index] + at;
            for (int64_t o = 0; o < outer; o++) memcpy(dst + o * row, src + o * part, (size_t)part * sizeof(float));
        } else {
            float *dx = zn_exec_input_grad(e, n, k);
            const float *dy = e->grad[n->index] + at;
            for (int64_t o = 0; dx && o < outer; o++) e->k->vmath.axpy((size_t)part, 1.0f, dy + o * row, dx + o * part);
        }
        at += part;
    }
}

static void concat_forward(const zn_exec *e, const zn_node *n) { concat_move(e, n, 0); }
static void concat_backward(const zn_exec *e, const zn_node *n) { concat_move(e, n, 1); }

static zn_node *rebuild_concat(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_concat_axis(g, in, info->n_in, (int)info->attrs.axis);
}

const zn_op_def zn_op_concat_def = {.name = "concat",
                                    .flags = ZN_OPF_BWD_DECLARED,
                                    .forward = concat_forward,
                                    .backward = concat_backward,
                                    .seq_out = concat_seq,
                                    .bwd_reads = 0u,
                                    .rebuild = rebuild_concat};

/* ---- slice ---------------------------------------------------------------------------------- */

zn_node *zn_slice_axis(zn_graph *g, zn_node *x, int axis, int64_t begin, int64_t end) {
    if (!zn_graph_check_inputs(g, "zn_slice", 1, &x)) return NULL;
    char sx[96];
    if (!x->batched)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_slice (node %d): the input must be a batch node", g->count);
    const int ax = resolve_axis(x, axis);
    if (ax < 0)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_slice (node %d): axis %d of a %d-D value", g->count, axis,
                             x->nd);
    if (begin < 0 || end <= begin || end > x->dim[ax])
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_slice (node %d): [%lld, %lld) is not within axis %d of %s", g->count,
                             (long long)begin, (long long)end, ax, zn_shape_str(x, sx, sizeof sx));
    zn_node proto = zn_node_like(x);
    proto.dtype = x->dtype;
    int64_t dims[ZN_MAX_DIMS];
    memcpy(dims, x->dim, sizeof dims);
    dims[ax] = end - begin;
    zn_node_set_shape(&proto, x->nd, dims);
    if (ax == x->seq_axis) proto.seq_axis = -1; /* a fixed part of the sequence */
    proto.a.axis = ax;
    proto.a.size[0] = begin;
    proto.a.size[1] = end;
    return zn_graph_add(g, ZN_OP_SLICE, &proto, 1, &x);
}

zn_node *zn_slice(zn_graph *g, zn_node *a, int64_t begin, int64_t end) { return zn_slice_axis(g, a, -1, begin, end); }

static void slice_move(const zn_exec *e, const zn_node *n, int dir) {
    const zn_node *x = &e->nodes[n->in[0]];
    const int ax = (int)n->a.axis;
    int64_t outer, len, inner;
    zn_exec_around(e, x, ax, &outer, &len, &inner);
    if (n->a.size[1] > len) {
        zn_exec_fail(e, ZN_ERR_SHAPE, "slice (node %d): [%lld, %lld) runs past the sequence's %lld steps", n->index,
                     (long long)n->a.size[0], (long long)n->a.size[1], (long long)len);
        return;
    }
    const int64_t part = zn_exec_dim(e, n, ax) * inner, row = len * inner, skip = n->a.size[0] * inner;
    float *dx = dir ? zn_exec_input_grad(e, n, 0) : NULL;
    for (int64_t o = 0; o < outer; o++) {
        if (dir == 0)
            memcpy(e->val[n->index] + o * part, e->val[x->index] + o * row + skip, (size_t)part * sizeof(float));
        else if (dx)
            e->k->vmath.axpy((size_t)part, 1.0f, e->grad[n->index] + o * part, dx + o * row + skip);
    }
}

static void slice_forward(const zn_exec *e, const zn_node *n) { slice_move(e, n, 0); }
static void slice_backward(const zn_exec *e, const zn_node *n) { slice_move(e, n, 1); }

static zn_node *rebuild_slice(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_slice_axis(g, in[0], (int)info->attrs.axis, info->attrs.size[0], info->attrs.size[1]);
}

const zn_op_def zn_op_slice_def = {.name = "slice",
                                   .flags = ZN_OPF_BWD_DECLARED,
                                   .forward = slice_forward,
                                   .backward = slice_backward,
                                   .bwd_reads = 0u,
                                   .rebuild = rebuild_slice};
