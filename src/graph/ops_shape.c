/* Shape ops: reshape (a view, no copy), permute (a copy), reductions over
 * an axis (sum, mean, max) and the batched matrix product. */
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"
#include "zenn/gemm.h"

static int resolve_axis(const zn_node *x, int axis) {
    if (axis < 0) axis += x->nd;
    return axis >= 0 && axis < x->nd ? axis : -1;
}

/* ---- reshape ---------------------------------------------------------------------------- */

zn_node *zn_reshape(zn_graph *g, zn_node *x, int nd, const int64_t *dims) {
    if (!zn_graph_check_inputs(g, "zn_reshape", 1, &x)) return NULL;
    char sx[96];
    zn_node proto = zn_node_like(x);
    proto.dtype = x->dtype;
    if (!dims || !zn_node_set_shape(&proto, nd, dims) || zn_node_size(&proto) != zn_node_size(x))
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_reshape (node %d): %s cannot become %d dims of the same size",
                             g->count, zn_shape_str(x, sx, sizeof sx), nd);
    /* A sequence axis stays the first axis, with the same maximum: what
     * follows it may be regrouped. */
    if (x->seq_axis > 0 || (x->seq_axis == 0 && (dims[0] != x->dim[0] || (nd == 1) != (x->nd == 1))))
        return zn_graph_fail(g, ZN_ERR_SHAPE,
                             "zn_reshape (node %d): %s: only the axes after a leading sequence axis regroup", g->count,
                             zn_shape_str(x, sx, sizeof sx));
    return zn_graph_add(g, ZN_OP_RESHAPE, &proto, 1, &x);
}

/* The value is the input's (the workspace points both at one buffer). */
static void reshape_forward(const zn_exec *e, const zn_node *n) {
    (void)e;
    (void)n;
}

static void reshape_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (dx) e->k->vmath.axpy((size_t)zn_exec_count(e, n), 1.0f, e->grad[n->index], dx);
}

static zn_node *rebuild_reshape(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_reshape(g, in[0], info->nd, info->dims);
}

const zn_op_def zn_op_reshape_def = {.name = "reshape",
                                     .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_VIEW,
                                     .forward = reshape_forward,
                                     .backward = reshape_backward,
                                     .bwd_reads = 0u,
                                     .rebuild = rebuild_reshape};

/* ---- permute ------------------------------------------------------------------------------ */

zn_node *zn_permute(zn_graph *g, zn_node *x, const int *perm) {
    if (!zn_graph_check_inputs(g, "zn_permute", 1, &x)) return NULL;
    if (!x->batched || !perm)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_permute (node %d): a batch node and a permutation", g->count);
    int seen[ZN_MAX_DIMS] = {0};
    int64_t dims[ZN_MAX_DIMS];
    for (int i = 0; i < x->nd; i++) {
        if (perm[i] < 0 || perm[i] >= x->nd || seen[perm[i]]++)
            return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_permute (node %d): not a permutation of %d axes", g->count,
                                 x->nd);
        dims[i] = x->dim[perm[i]];
    }
    zn_node proto = zn_node_like(x);
    proto.dtype = x->dtype;
    zn_node_set_shape(&proto, x->nd, dims);
    proto.seq_axis = -1;
    for (int i = 0; i < x->nd; i++) {
        if (perm[i] == x->seq_axis) proto.seq_axis = i;
        proto.a.size[0] |= (int64_t)perm[i] << (4 * i); /* perm, 4 bits an axis */
    }
    return zn_graph_add(g, ZN_OP_PERMUTE, &proto, 1, &x);
}

/* dir 0: y[.., i, ..] = x[.., perm(i), ..]; 1: dx += dy moved back. */
static void permute_move(const zn_exec *e, const zn_node *n, int dir) {
    const zn_node *x = &e->nodes[n->in[0]];
    enum { D = ZN_MAX_DIMS };
    int64_t shape[D], xstride[D], ystride[D];
    for (int i = 0; i < D; i++) shape[i] = 1, xstride[i] = 0;
    int64_t s = 1;
    int64_t xs[D];
    for (int i = x->nd - 1; i >= 0; i--) {
        xs[i] = s;
        s *= zn_exec_dim(e, x, i);
    }
    /* output axis i (right-aligned into D) reads input axis perm(i) */
    const int off = D - n->nd;
    for (int i = 0; i < n->nd; i++) {
        const int p = (int)((n->a.size[0] >> (4 * i)) & 15);
        shape[off + i] = zn_exec_dim(e, n, i);
        xstride[off + i] = xs[p];
    }
    s = 1;
    for (int i = D - 1; i >= 0; i--) {
        ystride[i] = s;
        s *= shape[i];
    }
    const int64_t per = zn_exec_size(e, n);
    float *dx = dir ? zn_exec_input_grad(e, n, 0) : NULL;
    if (dir && !dx) return;
    for (int64_t b = 0; b < (n->batched ? e->batch : 1); b++) {
        const float *xv = e->val[x->index] + b * per;
        float *y = e->val[n->index] + b * per;
        const float *dy = dir ? e->grad[n->index] + b * per : NULL;
        float *dxb = dir ? dx + b * per : NULL;
        for (int64_t i0 = 0; i0 < shape[0]; i0++)
            for (int64_t i1 = 0; i1 < shape[1]; i1++)
                for (int64_t i2 = 0; i2 < shape[2]; i2++) {
                    const int64_t xo = i0 * xstride[0] + i1 * xstride[1] + i2 * xstride[2];
                    const int64_t yo = i0 * ystride[0] + i1 * ystride[1] + i2 * ystride[2];
                    if (dir == 0)
                        for (int64_t j = 0; j < shape[3]; j++) y[yo + j] = xv[xo + j * xstride[3]];
                    else
                        for (int64_t j = 0; j < shape[3]; j++) dxb[xo + j * xstride[3]] += dy[yo + j];
                }
    }
}

static void permute_forward(const zn_exec *e, const zn_node *n) { permute_move(e, n, 0); }
static void permute_backward(const zn_exec *e, const zn_node *n) { permute_move(e, n, 1); }

static zn_node *rebuild_permute(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    int perm[ZN_MAX_DIMS];
    for (int i = 0; i < ZN_MAX_DIMS; i++) perm[i] = (int)((info->attrs.size[0] >> (4 * i)) & 15);
    return zn_permute(g, in[0], perm);
}

const zn_op_def zn_op_permute_def = {.name = "permute",
                                     .flags = ZN_OPF_BWD_DECLARED,
                                     .forward = permute_forward,
                                     .backward = permute_backward,
                                     .bwd_reads = 0u,
                                     .rebuild = rebuild_permute};

zn_node *zn_swap_axes(zn_graph *g, zn_node *x, int axis_a, int axis_b) {
    if (!zn_graph_check_inputs(g, "zn_swap_axes", 1, &x)) return NULL;
    const int a = resolve_axis(x, axis_a), b = resolve_axis(x, axis_b);
    if (a < 0 || b < 0)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_swap_axes (node %d): axes %d, %d of a %d-D value", g->count,
                             axis_a, axis_b, x->nd);
    int perm[ZN_MAX_DIMS];
    for (int i = 0; i < ZN_MAX_DIMS; i++) perm[i] = i;
    perm[a] = b;
    perm[b] = a;
    return zn_permute(g, x, perm);
}

/* ---- reductions over one axis --------------------------------------------------------------- */

enum { REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX };

static zn_node *reduce(zn_graph *g, const char *fn, int kind, zn_node *x, int axis) {
    if (!zn_graph_check_inputs(g, fn, 1, &x)) return NULL;
    const int ax = resolve_axis(x, axis);
    if (!x->batched || ax < 0 || x->dtype != ZN_F32)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): axis %d of a %d-D float batch node", fn, g->count,
                             axis, x->nd);
    zn_node proto = zn_node_like(x);
    int64_t dims[ZN_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < x->nd; i++)
        if (i != ax) dims[nd++] = x->dim[i];
    if (nd == 0) dims[nd++] = 1; /* a scalar per sample */
    zn_node_set_shape(&proto, nd, dims);
    proto.seq_axis = x->seq_axis < 0 || x->seq_axis == ax ? -1 : x->seq_axis - (x->seq_axis > ax);
    proto.a.axis = ax;
    proto.a.flags = kind;
    return zn_graph_add(g, ZN_OP_REDUCE, &proto, 1, &x);
}

zn_node *zn_reduce_sum(zn_graph *g, zn_node *x, int axis) { return reduce(g, "zn_reduce_sum", REDUCE_SUM, x, axis); }
zn_node *zn_reduce_mean(zn_graph *g, zn_node *x, int axis) { return reduce(g, "zn_reduce_mean", REDUCE_MEAN, x, axis); }
zn_node *zn_reduce_max(zn_graph *g, zn_node *x, int axis) { return reduce(g, "zn_reduce_max", REDUCE_MAX, x, axis); }

/* max: the index along the axis of each output, kept for backward. */
static int64_t reduce_aux(const zn_node *n, int training) {
    if (!training) return 0;
    return n->a.flags == REDUCE_MAX ? zn_node_size(n) : 0;
}

static void reduce_forward(const zn_exec *e, const zn_node *n) {
    int64_t outer, len, inner;
    zn_exec_around(e, &e->nodes[n->in[0]], (int)n->a.axis, &outer, &len, &inner);
    const float *x = e->val[n->in[0]];
    float *y = e->val[n->index];
    float *arg = n->a.flags == REDUCE_MAX ? e->aux[n->index] : NULL;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const float *p = x + o * len * inner + i;
            float acc = p[0];
            int64_t best = 0;
            for (int64_t t = 1; t < len; t++) {
                const float v = p[t * inner];
                if (n->a.flags == REDUCE_MAX) {
                    if (v > acc) acc = v, best = t;
                } else {
                    acc += v;
                }
            }
            if (n->a.flags == REDUCE_MEAN) acc /= (float)len;
            y[o * inner + i] = acc;
            if (arg) arg[o * inner + i] = (float)best; /* exact below 2^24 */
        }
}

static void reduce_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    int64_t outer, len, inner;
    zn_exec_around(e, &e->nodes[n->in[0]], (int)n->a.axis, &outer, &len, &inner);
    const float *dy = e->grad[n->index], *arg = n->a.flags == REDUCE_MAX ? e->aux[n->index] : NULL;
    const float k = n->a.flags == REDUCE_MEAN ? 1.0f / (float)len : 1.0f;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            float *p = dx + o * len * inner + i;
            const float d = dy[o * inner + i];
            if (arg) {
                p[(int64_t)arg[o * inner + i] * inner] += d;
                continue;
            }
            for (int64_t t = 0; t < len; t++) p[t * inner] += k * d;
        }
}

static zn_node *rebuild_reduce(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    const int axis = (int)info->attrs.axis;
    switch (info->attrs.flags) {
    case REDUCE_SUM: return zn_reduce_sum(g, in[0], axis);
    case REDUCE_MEAN: return zn_reduce_mean(g, in[0], axis);
    case REDUCE_MAX: return zn_reduce_max(g, in[0], axis);
    default: return zn_graph_fail(g, ZN_ERR_FORMAT, "reduce: unknown kind %d", info->attrs.flags);
    }
}

const zn_op_def zn_op_reduce_def = {.name = "reduce",
                                    .flags = ZN_OPF_BWD_DECLARED,
                                    .forward = reduce_forward,
                                    .backward = reduce_backward,
                                    .aux_size = reduce_aux,
                                    .bwd_reads = 0u,
                                    .rebuild = rebuild_reduce};

/* ---- batched matrix product --------------------------------------------------------------------- */

zn_node *zn_bmm(zn_graph *g, zn_node *a, zn_node *b, int trans_a, int trans_b) {
    zn_node *in[2] = {a, b};
    if (!zn_graph_check_inputs(g, "zn_bmm", 2, in)) return NULL;
    char sa[96], sb[96];
    int fits = a->batched && b->batched && a->nd >= 2 && a->nd == b->nd && a->dtype == ZN_F32 && b->dtype == ZN_F32;
    for (int i = 0; fits && i < a->nd - 2; i++) fits = a->dim[i] == b->dim[i];
    const int64_t m = fits ? a->dim[a->nd - (trans_a ? 1 : 2)] : 0, k = fits ? a->dim[a->nd - (trans_a ? 2 : 1)] : 0;
    const int64_t kb = fits ? b->dim[b->nd - (trans_b ? 1 : 2)] : 0, nn = fits ? b->dim[b->nd - (trans_b ? 2 : 1)] : 0;
    if (!fits || k != kb)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_bmm (node %d): %s%s and %s%s do not multiply", g->count,
                             zn_shape_str(a, sa, sizeof sa), trans_a ? "^T" : "", zn_shape_str(b, sb, sizeof sb),
                             trans_b ? "^T" : "");
    if (a->seq_axis >= 0 || b->seq_axis >= 0)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_bmm (node %d): operands of run-time length are not supported yet",
                             g->count);
    zn_node proto = zn_node_like(a);
    int64_t dims[ZN_MAX_DIMS];
    memcpy(dims, a->dim, sizeof dims);
    dims[a->nd - 2] = m;
    dims[a->nd - 1] = nn;
    zn_node_set_shape(&proto, a->nd, dims);
    proto.a.flags = (trans_a ? 1 : 0) | (trans_b ? 2 : 0);
    return zn_graph_add(g, ZN_OP_BMM, &proto, 2, in);
}

typedef struct bmm_dims {
    int64_t count, m, n, k, sa, sb, sy; /* matrices, their sizes and strides */
    int ta, tb;
} bmm_dims;

static bmm_dims bmm_of(const zn_exec *e, const zn_node *n) {
    const zn_node *a = &e->nodes[n->in[0]], *b = &e->nodes[n->in[1]];
    bmm_dims d;
    d.ta = n->a.flags & 1;
    d.tb = (n->a.flags >> 1) & 1;
    d.m = n->dim[n->nd - 2];
    d.n = n->dim[n->nd - 1];
    d.k = a->dim[a->nd - (d.ta ? 2 : 1)];
    d.sa = a->dim[a->nd - 2] * a->dim[a->nd - 1];
    d.sb = b->dim[b->nd - 2] * b->dim[b->nd - 1];
    d.sy = d.m * d.n;
    d.count = zn_exec_count(e, n) / d.sy;
    return d;
}

static void bmm_forward(const zn_exec *e, const zn_node *n) {
    const bmm_dims d = bmm_of(e, n);
    const zn_gemm_opts o = zn_exec_gemm_opts(e);
    const float *a = e->val[n->in[0]], *b = e->val[n->in[1]];
    float *y = e->val[n->index];
    for (int64_t i = 0; i < d.count; i++)
        zn_sgemm_ex(d.ta ? ZN_TRANS : ZN_NO_TRANS, d.tb ? ZN_TRANS : ZN_NO_TRANS, d.m, d.n, d.k, 1.0f, a + i * d.sa,
                    d.ta ? d.m : d.k, b + i * d.sb, d.tb ? d.k : d.n, 0.0f, y + i * d.sy, d.n, &o);
}

/* y = op(a) op(b): d op(a) = dy op(b)^T, d op(b) = op(a)^T dy, each written
 * in the operand's own layout. */
static void bmm_backward(const zn_exec *e, const zn_node *n) {
    const bmm_dims d = bmm_of(e, n);
    const zn_gemm_opts o = zn_exec_gemm_opts(e);
    const float *a = e->val[n->in[0]], *b = e->val[n->in[1]], *dy = e->grad[n->index];
    float *da = zn_exec_input_grad(e, n, 0), *db = zn_exec_input_grad(e, n, 1);
    const int64_t lda = d.ta ? d.m : d.k, ldb = d.tb ? d.k : d.n;
    for (int64_t i = 0; i < d.count; i++) {
        const float *ai = a + i * d.sa, *bi = b + i * d.sb, *dyi = dy + i * d.sy;
        if (da) {
            if (!d.ta) /* da (m x k) += dy (m x n) op(b)^T */
                zn_sgemm_ex(ZN_NO_TRANS, d.tb ? ZN_NO_TRANS : ZN_TRANS, d.m, d.k, d.n, 1.0f, dyi, d.n, bi, ldb, 1.0f,
                            da + i * d.sa, lda, &o);
            else /* da (k x m) += op(b) dy^T */
                zn_sgemm_ex(d.tb ? ZN_TRANS : ZN_NO_TRANS, ZN_TRANS, d.k, d.m, d.n, 1.0f, bi, ldb, dyi, d.n, 1.0f,
                            da + i * d.sa, lda, &o);
        }
        if (db) {
            if (!d.tb) /* db (k x n) += op(a)^T dy */
                zn_sgemm_ex(d.ta ? ZN_NO_TRANS : ZN_TRANS, ZN_NO_TRANS, d.k, d.n, d.m, 1.0f, ai, lda, dyi, d.n, 1.0f,
                            db + i * d.sb, ldb, &o);
            else /* db (n x k) += dy^T op(a) */
                zn_sgemm_ex(ZN_TRANS, d.ta ? ZN_TRANS : ZN_NO_TRANS, d.n, d.k, d.m, 1.0f, dyi, d.n, ai, lda, 1.0f,
                            db + i * d.sb, ldb, &o);
        }
    }
}

static zn_node *rebuild_bmm(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_bmm(g, in[0], in[1], info->attrs.flags & 1, (info->attrs.flags >> 1) & 1);
}

const zn_op_def zn_op_bmm_def = {.name = "bmm",
                                 .flags = ZN_OPF_BWD_DECLARED,
                                 .forward = bmm_forward,
                                 .backward = bmm_backward,
                                 .bwd_reads = 3u,
                                 .rebuild = rebuild_bmm};
