/* Linear ops: matmul (+bias), add, sub, mul, scale, concat, slice, and the
 * dense layer built from them. Each op: builder (shape), forward, backward. */
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"
#include "kernels/gemm_driver.h"

static int64_t count_of(const zn_exec *e, const zn_node *n) { return zn_node_size(n) * (n->batched ? e->batch : 1); }

/* The pool for the GEMV drivers called directly (zn_sgemm_ex decides the
 * same way): none on one thread, else the workspace's or the default. */
static zn_pool *exec_pool(const zn_exec *e) {
    return e->max_threads == 1 ? NULL : (e->pool ? e->pool : zn_pool_default());
}

static zn_gemm_opts gemm_opts(const zn_exec *e) {
    zn_gemm_opts o = zn_gemm_opts_default();
    o.pool = e->pool;
    o.max_threads = e->max_threads;
    o.pass = e->pass;
    return o;
}

/* ---- matmul: y[B x out] = x[B x in] W[in x out] (+ b[out]) ---------------------------- */

zn_node *zn_matmul(zn_graph *g, zn_node *x, zn_node *w, zn_node *b) {
    zn_node *in[3] = {x, w, b};
    if (!zn_graph_check_inputs(g, "zn_matmul", b ? 3 : 2, in)) return NULL;
    if (!x->batched || w->batched || (b && b->batched))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_matmul: x must be a batch node, W and b unbatched");
    if (w->rows != x->cols)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_matmul: x has %lld features but W has %lld rows", (long long)x->cols,
                             (long long)w->rows);
    if (b && zn_node_size(b) != w->cols)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_matmul: bias has %lld values for %lld outputs",
                             (long long)zn_node_size(b), (long long)w->cols);
    zn_node proto = {0};
    proto.batched = 1;
    proto.rows = 1;
    proto.cols = w->cols;
    return zn_graph_add(g, ZN_OP_MATMUL, &proto, b ? 3 : 2, in);
}

static void matmul_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *x = &e->nodes[n->in[0]], *w = &e->nodes[n->in[1]];
    if (e->look && e->look->ready && n->index == e->look->node) { /* computed by the last sample's update */
        float *y = e->val[n->index];
        memcpy(y, e->look->buf, (size_t)n->cols * sizeof *y);
        if (n->n_in == 3) e->k->vmath.add_bias((size_t)n->cols, e->val[n->in[2]], y);
        return;
    }
    zn_gemm_opts o = gemm_opts(e);
    o.bias = n->n_in == 3 ? e->val[n->in[2]] : NULL;
    const float *packed = e->packed_b ? e->packed_b[n->index] : NULL;
    if (packed && e->packed_rows) { /* W^T, n x k: a dot product per output */
        zn_sgemm_ex(ZN_NO_TRANS, ZN_TRANS, e->batch, w->cols, w->rows, 1.0f, e->val[x->index], x->cols, packed, w->rows,
                    0.0f, e->val[n->index], n->cols, &o);
        return;
    }
    o.b_packed = packed;
    zn_sgemm_ex(ZN_NO_TRANS, ZN_NO_TRANS, e->batch, w->cols, w->rows, 1.0f, e->val[x->index], x->cols, e->val[w->index],
                w->cols, 0.0f, e->val[n->index], n->cols, &o);
}

/* db += the column sums of dy (rows x cols), each column summed row after
 * row as k = 1 axpy calls would (the same bits); sixteen columns at a time
 * in registers: a call per row, or sums kept in db, cost a tenth of a small
 * net's training step. */
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
    zn_gemm_opts o = gemm_opts(e);
    /* dW is written whole, so a first write needs no zeroed buffer
     * (4096-1024-1000: zeroing 21 MB of gradients and reading them back in
     * the GEMM was a tenth of a batch-64 Adam step) */
    float dw_beta, dx_beta;
    float *dx = zn_exec_input_grad_beta(e, n, 0, &dx_beta), *dw = zn_exec_input_grad_beta(e, n, 1, &dw_beta);
    /* dX += dY W^T ; dW += X^T dY ; db += column sums of dY (dX first: a
     * fused SGD step changes W in place) */
    if (dx)
        zn_sgemm_ex(ZN_NO_TRANS, ZN_TRANS, e->batch, x->cols, w->cols, 1.0f, dy, n->cols, e->val[w->index], w->cols,
                    dx_beta, dx, x->cols, &o);
    const zn_look *look = e->look;
    if (dw && !dx && look && look->next && n->index == look->node && e->batch == 1 && dw == e->val[w->index]) {
        /* the fused step's update and the next sample's product, in one
         * pass over W (bit for bit the two passes) */
        zn_ger_gemvt_run(e->k, w->rows, w->cols, zn_exec_grad_scale(e, n, 1), e->val[x->index], dy, dw, w->cols,
                         look->next, look->buf, exec_pool(e), e->max_threads, e->pass);
        e->look->filled = 1;
    } else if (dw)
        zn_sgemm_ex(ZN_TRANS, ZN_NO_TRANS, w->rows, w->cols, e->batch, zn_exec_grad_scale(e, n, 1), e->val[x->index],
                    x->cols, dy, n->cols, dw_beta, dw, w->cols, &o);
    float *db = n->n_in == 3 ? zn_exec_input_grad(e, n, 2) : NULL;
    if (db) {
        float k = zn_exec_grad_scale(e, n, 2);
        if (k == 1.0f)
            column_sums(e->batch, n->cols, dy, db);
        else
            for (int64_t r = 0; r < e->batch; r++) e->k->vmath.axpy((size_t)n->cols, k, dy + r * n->cols, db);
    }
}

const zn_op_def zn_op_matmul_def = {"matmul", matmul_forward, matmul_backward, NULL};

typedef struct pair_act {
    const zn_exec *e;
    const zn_node *act;
} pair_act;

static void pair_act_range(void *ctx, int64_t lo, int64_t hi) {
    const pair_act *a = ctx;
    zn_act_forward_range(a->e, a->act, lo, hi);
}

void zn_matmul_pair_forward(const zn_exec *e, const zn_node *m1, const zn_node *act, const zn_node *m2) {
    const zn_node *w1 = &e->nodes[m1->in[1]], *w2 = &e->nodes[m2->in[1]];
    pair_act ctx = {e, act};
    const zn_gemv_pair p = {.m1 = w1->cols,
                            .k1 = w1->rows,
                            .lda1 = w1->rows,
                            .n2 = w2->cols,
                            .lda2 = w2->cols,
                            .a1 = e->packed_b[m1->index],
                            .x = e->val[m1->in[0]],
                            .bias1 = m1->n_in == 3 ? e->val[m1->in[2]] : NULL,
                            .a2 = e->val[w2->index],
                            .h = e->val[act->index],
                            .z1 = e->val[m1->index],
                            .y2 = e->val[m2->index],
                            .act = pair_act_range,
                            .act_ctx = &ctx};
    zn_gemv_pair_run(e->k, &p, exec_pool(e), e->max_threads, e->pass);
    if (m2->n_in == 3) e->k->vmath.add_bias((size_t)m2->cols, e->val[m2->in[2]], e->val[m2->index]);
}

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

/* ---- element-wise binary ops on equal shapes ---------------------------------------------- */

static zn_node *binary(zn_graph *g, const char *fn, zn_op op, zn_node *a, zn_node *b) {
    zn_node *in[2] = {a, b};
    if (!zn_graph_check_inputs(g, fn, 2, in)) return NULL;
    if (a->batched != b->batched || a->rows != b->rows || a->cols != b->cols)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "%s: shapes differ (%lld x %lld%s vs %lld x %lld%s)", fn,
                             (long long)a->rows, (long long)a->cols, a->batched ? " per sample" : "",
                             (long long)b->rows, (long long)b->cols, b->batched ? " per sample" : "");
    zn_node proto = {0};
    proto.batched = a->batched;
    proto.rows = a->rows;
    proto.cols = a->cols;
    return zn_graph_add(g, op, &proto, 2, in);
}

zn_node *zn_add(zn_graph *g, zn_node *a, zn_node *b) { return binary(g, "zn_add", ZN_OP_ADD, a, b); }
zn_node *zn_sub(zn_graph *g, zn_node *a, zn_node *b) { return binary(g, "zn_sub", ZN_OP_SUB, a, b); }
zn_node *zn_mul(zn_graph *g, zn_node *a, zn_node *b) { return binary(g, "zn_mul", ZN_OP_MUL, a, b); }

static void add_forward(const zn_exec *e, const zn_node *n) {
    const float *a = e->val[n->in[0]], *b = e->val[n->in[1]];
    float *y = e->val[n->index];
    int64_t c = count_of(e, n);
    for (int64_t i = 0; i < c; i++) y[i] = a[i] + b[i];
}

static void sub_forward(const zn_exec *e, const zn_node *n) {
    const float *a = e->val[n->in[0]], *b = e->val[n->in[1]];
    float *y = e->val[n->index];
    int64_t c = count_of(e, n);
    for (int64_t i = 0; i < c; i++) y[i] = a[i] - b[i];
}

static void mul_forward(const zn_exec *e, const zn_node *n) {
    const float *a = e->val[n->in[0]], *b = e->val[n->in[1]];
    float *y = e->val[n->index];
    int64_t c = count_of(e, n);
    for (int64_t i = 0; i < c; i++) y[i] = a[i] * b[i];
}

/* d(a +- b): da += dy, db += +-dy. */
static void add_sub_backward(const zn_exec *e, const zn_node *n, float sign_b) {
    const float *dy = e->grad[n->index];
    int64_t c = count_of(e, n);
    float *da = zn_exec_input_grad(e, n, 0);
    if (da) e->k->vmath.axpy((size_t)c, zn_exec_grad_scale(e, n, 0), dy, da);
    float *db = zn_exec_input_grad(e, n, 1);
    if (db) e->k->vmath.axpy((size_t)c, sign_b * zn_exec_grad_scale(e, n, 1), dy, db);
}

static void add_backward(const zn_exec *e, const zn_node *n) { add_sub_backward(e, n, 1.0f); }
static void sub_backward(const zn_exec *e, const zn_node *n) { add_sub_backward(e, n, -1.0f); }

static void mul_backward(const zn_exec *e, const zn_node *n) {
    const float *dy = e->grad[n->index], *a = e->val[n->in[0]], *b = e->val[n->in[1]];
    int64_t c = count_of(e, n);
    /* Both products first: a fused SGD step may change a or b in place. */
    float *da = zn_exec_input_grad(e, n, 0), *db = zn_exec_input_grad(e, n, 1);
    float ka = zn_exec_grad_scale(e, n, 0), kb = zn_exec_grad_scale(e, n, 1);
    if (da && db)
        for (int64_t i = 0; i < c; i++) {
            float ai = a[i], bi = b[i];
            da[i] += ka * dy[i] * bi;
            db[i] += kb * dy[i] * ai;
        }
    else if (da)
        for (int64_t i = 0; i < c; i++) da[i] += ka * dy[i] * b[i];
    else if (db)
        for (int64_t i = 0; i < c; i++) db[i] += kb * dy[i] * a[i];
}

const zn_op_def zn_op_add_def = {"add", add_forward, add_backward, NULL};
const zn_op_def zn_op_sub_def = {"sub", sub_forward, sub_backward, NULL};
const zn_op_def zn_op_mul_def = {"mul", mul_forward, mul_backward, NULL};

/* ---- scale ------------------------------------------------------------------------------ */

zn_node *zn_scale(zn_graph *g, zn_node *a, float s) {
    if (!zn_graph_check_inputs(g, "zn_scale", 1, &a)) return NULL;
    zn_node proto = {0};
    proto.batched = a->batched;
    proto.rows = a->rows;
    proto.cols = a->cols;
    proto.f[0] = s;
    return zn_graph_add(g, ZN_OP_SCALE, &proto, 1, &a);
}

static void scale_forward(const zn_exec *e, const zn_node *n) {
    e->k->vmath.scale((size_t)count_of(e, n), n->f[0], e->val[n->in[0]], e->val[n->index]);
}

static void scale_backward(const zn_exec *e, const zn_node *n) {
    float *da = zn_exec_input_grad(e, n, 0);
    if (da) e->k->vmath.axpy((size_t)count_of(e, n), n->f[0] * zn_exec_grad_scale(e, n, 0), e->grad[n->index], da);
}

const zn_op_def zn_op_scale_def = {"scale", scale_forward, scale_backward, NULL};

/* ---- concat and slice along the features ------------------------------------------------ */

zn_node *zn_concat(zn_graph *g, zn_node *a, zn_node *b) {
    zn_node *in[2] = {a, b};
    if (!zn_graph_check_inputs(g, "zn_concat", 2, in)) return NULL;
    if (!a->batched || !b->batched)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_concat: both inputs must be batch nodes");
    zn_node proto = {0};
    proto.batched = 1;
    proto.rows = 1;
    proto.cols = a->cols + b->cols;
    return zn_graph_add(g, ZN_OP_CONCAT, &proto, 2, in);
}

static void concat_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *a = &e->nodes[n->in[0]], *b = &e->nodes[n->in[1]];
    float *y = e->val[n->index];
    for (int64_t r = 0; r < e->batch; r++) {
        memcpy(y + r * n->cols, e->val[a->index] + r * a->cols, (size_t)a->cols * sizeof(float));
        memcpy(y + r * n->cols + a->cols, e->val[b->index] + r * b->cols, (size_t)b->cols * sizeof(float));
    }
}

static void concat_backward(const zn_exec *e, const zn_node *n) {
    const zn_node *a = &e->nodes[n->in[0]], *b = &e->nodes[n->in[1]];
    const float *dy = e->grad[n->index];
    float *da = zn_exec_input_grad(e, n, 0), *db = zn_exec_input_grad(e, n, 1);
    for (int64_t r = 0; r < e->batch; r++) {
        if (da) e->k->vmath.axpy((size_t)a->cols, 1.0f, dy + r * n->cols, da + r * a->cols);
        if (db) e->k->vmath.axpy((size_t)b->cols, 1.0f, dy + r * n->cols + a->cols, db + r * b->cols);
    }
}

const zn_op_def zn_op_concat_def = {"concat", concat_forward, concat_backward, NULL};

zn_node *zn_slice(zn_graph *g, zn_node *a, int64_t begin, int64_t end) {
    if (!zn_graph_check_inputs(g, "zn_slice", 1, &a)) return NULL;
    if (!a->batched) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_slice: the input must be a batch node");
    if (begin < 0 || end <= begin || end > a->cols)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_slice: [%lld, %lld) is not within the %lld features",
                             (long long)begin, (long long)end, (long long)a->cols);
    zn_node proto = {0};
    proto.batched = 1;
    proto.rows = 1;
    proto.cols = end - begin;
    proto.i[0] = (int)begin;
    if ((int64_t)proto.i[0] != begin) return zn_graph_fail(g, ZN_ERR_OVERFLOW, "zn_slice: begin too large");
    return zn_graph_add(g, ZN_OP_SLICE, &proto, 1, &a);
}

static void slice_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *a = &e->nodes[n->in[0]];
    for (int64_t r = 0; r < e->batch; r++)
        memcpy(e->val[n->index] + r * n->cols, e->val[a->index] + r * a->cols + n->i[0],
               (size_t)n->cols * sizeof(float));
}

static void slice_backward(const zn_exec *e, const zn_node *n) {
    const zn_node *a = &e->nodes[n->in[0]];
    float *da = zn_exec_input_grad(e, n, 0);
    if (!da) return;
    for (int64_t r = 0; r < e->batch; r++)
        e->k->vmath.axpy((size_t)n->cols, 1.0f, e->grad[n->index] + r * n->cols, da + r * a->cols + n->i[0]);
}

const zn_op_def zn_op_slice_def = {"slice", slice_forward, slice_backward, NULL};
