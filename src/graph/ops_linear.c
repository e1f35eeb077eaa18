/* Linear ops: matmul (+bias) over the last axis, scale, and the dense layer
 * built from them. Each op: builder (shape), forward, backward. */
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"
#include "kernels/gemm_driver.h"

/* ---- matmul: y[B, ..., out] = x[B, ..., in] W[in x out] (+ b[out]) ------------------------ */

zn_node *zn_matmul(zn_graph *g, zn_node *x, zn_node *w, zn_node *b) {
    zn_node *in[3] = {x, w, b};
    if (!zn_graph_check_inputs(g, "zn_matmul", b ? 3 : 2, in)) return NULL;
    char sx[96], sw[96];
    if (!x->batched || w->batched || (b && b->batched))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_matmul (node %d): x must be a batch node, W and b unbatched",
                             g->count);
    if (x->dtype != ZN_F32) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_matmul (node %d): x holds ids", g->count);
    if (w->rows != x->cols || w->nd != 2)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_matmul (node %d): x %s does not fit W %s (x's last axis = W's rows)",
                             g->count, zn_shape_str(x, sx, sizeof sx), zn_shape_str(w, sw, sizeof sw));
    if (x->seq_axis == x->nd - 1)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_matmul (node %d): x %s: the product runs over its sequence axis",
                             g->count, zn_shape_str(x, sx, sizeof sx));
    if (b && zn_node_size(b) != w->cols)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_matmul (node %d): bias has %lld values for %lld outputs", g->count,
                             (long long)zn_node_size(b), (long long)w->cols);
    zn_node proto = zn_node_like(x);
    int64_t dims[ZN_MAX_DIMS];
    memcpy(dims, x->dim, sizeof dims);
    dims[x->nd - 1] = w->cols;
    zn_node_set_shape(&proto, x->nd, dims);
    return zn_graph_add(g, ZN_OP_MATMUL, &proto, b ? 3 : 2, in);
}

static void matmul_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *x = &e->nodes[n->in[0]], *w = &e->nodes[n->in[1]];
    zn_gemm_opts o = zn_exec_gemm_opts(e);
    o.bias = n->n_in == 3 ? e->val[n->in[2]] : NULL;
    zn_sgemm_ex(ZN_NO_TRANS, ZN_NO_TRANS, zn_exec_rows(e, x), w->cols, w->rows, 1.0f, e->val[x->index], x->cols,
                e->val[w->index], w->cols, 0.0f, e->val[n->index], n->cols, &o);
}

/* db += the column sums of dy (rows x cols), each column summed row after
 * row as k = 1 axpy calls would (the same bits); sixteen columns at a time
 * in registers, which small nets' steps need (docs/ARCHITECTURE.md has the
 * figure). */
/* m < 16 columns of dy (row stride cols) added into db; m a constant where inlined. */
static inline __attribute__((always_inline)) void column_tail(int64_t rows, int64_t cols, const float *dy, float *db,
                                                              const int m) {
    float a[16];
    for (int j = 0; j < m; j++) a[j] = db[j];
    for (int64_t r = 0; r < rows; r++)
        for (int j = 0; j < m; j++) a[j] += dy[r * cols + j];
    for (int j = 0; j < m; j++) db[j] = a[j];
}

static void column_sums(int64_t rows, int64_t cols, const float *dy, float *db) {
    int64_t j0 = 0;
    for (; j0 + 16 <= cols; j0 += 16) {
        float a[16];
        memcpy(a, db + j0, sizeof a);
        for (int64_t r = 0; r < rows; r++)
            for (int j = 0; j < 16; j++) a[j] += dy[r * cols + j0 + j];
        memcpy(db + j0, a, sizeof a);
    }
    switch (cols - j0) { /* the rest, a constant count each, so that it stays in registers too */
#define ZN_COLUMN_TAIL(M)                                                                                              \
    case M: column_tail(rows, cols, dy + j0, db + j0, M); break;
        ZN_COLUMN_TAIL(1)
        ZN_COLUMN_TAIL(2)
        ZN_COLUMN_TAIL(3)
        ZN_COLUMN_TAIL(4)
        ZN_COLUMN_TAIL(5)
        ZN_COLUMN_TAIL(6)
        ZN_COLUMN_TAIL(7)
        ZN_COLUMN_TAIL(8)
        ZN_COLUMN_TAIL(9)
        ZN_COLUMN_TAIL(10)
        ZN_COLUMN_TAIL(11)
        ZN_COLUMN_TAIL(12)
        ZN_COLUMN_TAIL(13)
        ZN_COLUMN_TAIL(14)
        ZN_COLUMN_TAIL(15)
#undef ZN_COLUMN_TAIL
    default: break;
    }
}

static void matmul_backward(const zn_exec *e, const zn_node *n) {
    const zn_node *x = &e->nodes[n->in[0]], *w = &e->nodes[n->in[1]];
    const float *dy = e->grad[n->index];
    const int64_t rows = zn_exec_rows(e, x);
    zn_gemm_opts o = zn_exec_gemm_opts(e);
    /* dX and dW are written whole, so a first write needs no zeroed buffer */
    float dw_beta, dx_beta;
    float *dx = zn_exec_input_grad_beta(e, n, 0, &dx_beta), *dw = zn_exec_input_grad_beta(e, n, 1, &dw_beta);
    /* dX += dY W^T ; dW += X^T dY ; db += column sums of dY (dX first: a
     * fused SGD step changes W in place) */
    if (dx)
        zn_sgemm_ex(ZN_NO_TRANS, ZN_TRANS, rows, x->cols, w->cols, 1.0f, dy, n->cols, e->val[w->index], w->cols,
                    dx_beta, dx, x->cols, &o);
    if (dw)
        zn_sgemm_ex(ZN_TRANS, ZN_NO_TRANS, w->rows, w->cols, rows, zn_exec_grad_scale(e, n, 1), e->val[x->index],
                    x->cols, dy, n->cols, dw_beta, dw, w->cols, &o);
    float *db = n->n_in == 3 ? zn_exec_input_grad(e, n, 2) : NULL;
    if (db) {
        float k = zn_exec_grad_scale(e, n, 2);
        if (k == 1.0f)
            column_sums(rows, n->cols, dy, db);
        else
            for (int64_t r = 0; r < rows; r++) e->k->vmath.axpy((size_t)n->cols, k, dy + r * n->cols, db);
    }
}

static zn_node *rebuild_matmul(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_matmul(g, in[0], in[1], info->n_in == 3 ? in[2] : NULL);
}

const zn_op_def zn_op_matmul_def = {.name = "matmul",
                                    .flags =
                                        ZN_OPF_BWD_DECLARED | ZN_OPF_SCALES_GRAD | ZN_OPF_FUSED_MULTI | ZN_OPF_LINEAR,
                                    .forward = matmul_forward,
                                    .backward = matmul_backward,
                                    .bwd_reads = 3u,
                                    .rebuild = rebuild_matmul};

zn_node *zn_dense(zn_graph *g, zn_node *x, int64_t units, const char *name) {
    if (!zn_graph_check_inputs(g, "zn_dense", 1, &x)) return NULL;
    if (!name || !*name) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_dense: a layer needs a name");
    if (units < 1)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_dense '%s': units (%lld) < 1", name, (long long)units);
    char wname[256], bname[256];
    snprintf(wname, sizeof wname, "%s.weight", name);
    snprintf(bname, sizeof bname, "%s.bias", name);
    zn_node *w = zn_param(g, wname, x->cols, units, ZN_INIT_XAVIER, 1.0f);
    zn_node *b = zn_param(g, bname, units, 1, ZN_INIT_ZERO, 0.0f);
    return w && b ? zn_matmul(g, x, w, b) : NULL;
}

/* ---- scale ------------------------------------------------------------------------------ */

zn_node *zn_scale(zn_graph *g, zn_node *a, float s) {
    if (!zn_graph_check_inputs(g, "zn_scale", 1, &a)) return NULL;
    if (a->dtype != ZN_F32) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_scale (node %d): a holds ids", g->count);
    zn_node proto = zn_node_like(a);
    proto.a.f[0] = s;
    return zn_graph_add(g, ZN_OP_SCALE, &proto, 1, &a);
}

static void scale_range(const zn_exec *e, const zn_node *n, int64_t lo, int64_t hi) {
    e->k->vmath.scale((size_t)(hi - lo), n->a.f[0], e->val[n->in[0]] + lo, e->val[n->index] + lo);
}

static void scale_forward(const zn_exec *e, const zn_node *n) { scale_range(e, n, 0, zn_exec_count(e, n)); }

static void scale_backward(const zn_exec *e, const zn_node *n) {
    float *da = zn_exec_input_grad(e, n, 0);
    if (da)
        e->k->vmath.axpy((size_t)zn_exec_count(e, n), n->a.f[0] * zn_exec_grad_scale(e, n, 0), e->grad[n->index], da);
}

static zn_node *rebuild_scale(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_scale(g, in[0], info->attrs.f[0]);
}

const zn_op_def zn_op_scale_def = {.name = "scale",
                                   .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_SCALES_GRAD | ZN_OPF_ELEMENTWISE,
                                   .forward = scale_forward,
                                   .backward = scale_backward,
                                   .forward_range = scale_range,
                                   .bwd_reads = 0u,
                                   .rebuild = rebuild_scale};
