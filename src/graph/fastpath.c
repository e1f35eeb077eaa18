/* The planner's fast paths (fastpath.h): packed weights, batch-1 layer
 * pairs, incremental training's look-ahead, element-wise ops on the pool. */
#include <string.h>

#include "base/internal.h"
#include "graph/fastpath.h"
#include "kernels/gemm_driver.h"
#include "kernels/parallel.h"

static const zn_op_def *def_of(const zn_node *n) { return zn_op_def_get(n->op); }

/* A linear op over a flat [rows, in] x with W stored in the model. */
static int stored_w(const zn_model *m, const zn_node *n) {
    if (!(def_of(n)->flags & ZN_OPF_LINEAR)) return 0;
    zn_op w = m->nodes[n->in[1]].op;
    return w == ZN_OP_PARAM || w == ZN_OP_CONST;
}

static zn_pool *exec_pool(const zn_exec *e) {
    return e->max_threads == 1 ? NULL : (e->pool ? e->pool : zn_pool_default());
}

/* ---- packed weights ------------------------------------------------------------------ */

/* Workspaces of batches of two rows or more keep the GEMM's panels of every
 * stored W. One-row workspaces keep W^T where the one-row product reads
 * that faster (zn_gemv_prefers_rows: a dot product per output over a row of
 * W^T, instead of sums of W's rows in several strided passes) and nothing
 * elsewhere. */
static int packable(const zn_ws *ws, const zn_model *m, const zn_node *n) {
    if (!stored_w(m, n)) return 0;
    const zn_node *w = &m->nodes[n->in[1]];
    return !zn_ws_packs_rows(ws) || zn_gemv_prefers_rows(w->rows, w->cols);
}

/* Floats of W's packed copy, rounded to whole cache lines. */
static size_t packed_floats(const zn_ws *ws, const zn_node *w) {
    const size_t f = zn_ws_packs_rows(ws) ? (size_t)(w->rows * w->cols) : zn_sgemm_packed_b_floats(w->rows, w->cols);
    return (f + 15) & ~(size_t)15;
}

/* ---- layer pairs ---------------------------------------------------------------------- */

int zn_fast_pair_shape_at(const zn_model *m, int s) {
    const zn_plan *p = &m->infer;
    if (s + 2 >= p->n_steps) return 0;
    const zn_node *m1 = &m->nodes[p->steps[s]], *act = &m->nodes[p->steps[s + 1]], *m2 = &m->nodes[p->steps[s + 2]];
    if (!stored_w(m, m1) || !(def_of(act)->flags & ZN_OPF_ELEMENTWISE) || act->n_in != 1 || act->in[0] != m1->index ||
        !stored_w(m, m2) || m2->in[0] != act->index || m1->nd != 1 || m2->nd != 1)
        return 0;
    const zn_node *w1 = &m->nodes[m1->in[1]], *w2 = &m->nodes[m2->in[1]];
    return zn_gemv_prefers_rows(w1->rows, w1->cols) && !zn_gemv_prefers_rows(w2->rows, w2->cols) &&
           zn_gemv_pair_fits(w1->cols, w1->rows, w2->cols);
}

/* Whether the value buffers of nodes a and b share memory (inputs are bound
 * per pass, never to the workspace's block). */
static int values_overlap(const zn_ws *ws, const zn_model *m, int a, int b) {
    if (m->nodes[a].op == ZN_OP_INPUT || m->nodes[b].op == ZN_OP_INPUT) return 0;
    const float *pa = ws->val[a], *pb = ws->val[b];
    const int64_t na = zn_node_size(&m->nodes[a]) * ws->max_batch, nb = zn_node_size(&m->nodes[b]) * ws->max_batch;
    return pa < pb + nb && pb < pa + na;
}

/* A layer pair at step s, once the weights are packed: the first linear
 * op's W^T packed in rows, the second's W read in place, and (the layout
 * sees to it) the activation's buffer apart from the first one's input. */
static int pair_at(const zn_ws *ws, const zn_model *m, int s) {
    if (!zn_fast_pair_shape_at(m, s)) return 0;
    const zn_node *m1 = &m->nodes[m->infer.steps[s]], *act = &m->nodes[m->infer.steps[s + 1]];
    const zn_node *m2 = &m->nodes[m->infer.steps[s + 2]];
    return ws->packed_b[m1->index] && !ws->packed_b[m2->index] && !values_overlap(ws, m, act->index, m1->in[0]);
}

static void find_pairs(zn_ws *ws, const zn_model *m) {
    ws->n_pairs = 0;
    memset(ws->pair_step, 0, (size_t)m->infer.n_steps);
    if (!zn_ws_packs_rows(ws)) return;
    for (int s = 0; s < m->infer.n_steps; s++)
        if (pair_at(ws, m, s)) {
            ws->pair_step[s] = 1;
            ws->pair_step[s + 1] = ws->pair_step[s + 2] = 2;
            ws->n_pairs++;
            s += 2;
        }
}

int zn_ws_layer_pairs(const zn_ws *ws) { return ws ? ws->n_pairs : 0; }

/* Floats an op packs itself (its table's packed_size) when the inference
 * plan runs it and its weights are stored (parameters or constants). */
static size_t op_packed_floats(const zn_ws *ws, const zn_model *m, const zn_node *n) {
    const zn_op_def *def = def_of(n);
    if (!def->packed_size || !def->pack || !m->infer.used[n->index]) return 0;
    for (int k = 0; k < n->n_in; k++) { /* weights (the unbatched inputs) must be stored */
        const zn_node *w = &m->nodes[n->in[k]];
        if (!w->batched && w->op != ZN_OP_PARAM && w->op != ZN_OP_CONST) return 0;
    }
    const int64_t f = def->packed_size(n, ws->max_batch);
    return f > 0 ? ((size_t)f + 15) & ~(size_t)15 : 0;
}

zn_status zn_ws_pack_weights(zn_ws *ws, const zn_model *m) {
    if (!m || !ws || ws->m != m)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_pack_weights: NULL model or a workspace of another model");
    if (ws->mode != ZN_WS_INFER)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_pack_weights: needs an inference workspace");
    size_t floats = 0;
    for (int i = 0; i < m->n_nodes; i++) {
        if (packable(ws, m, &m->nodes[i])) floats += packed_floats(ws, &m->nodes[m->nodes[i].in[1]]);
        floats += op_packed_floats(ws, m, &m->nodes[i]);
    }
    if (!ws->packed) { /* sizes never change: a second call repacks in place */
        const size_t bytes =
            floats * sizeof(float) + (size_t)m->n_nodes * sizeof(float *) + (size_t)m->infer.n_steps + 1;
        if (ws->budget_bytes && ws->bytes + bytes > ws->budget_bytes)
            return zn_error(ZN_ERR_BUDGET, "zn_ws_pack_weights: %zu more bytes exceed the budget of %zu", bytes,
                            ws->budget_bytes);
        ws->packed = zn_alloc(floats ? floats * sizeof(float) : 64);
        ws->packed_b = zn_calloc((size_t)m->n_nodes, sizeof *ws->packed_b);
        ws->pair_step = zn_calloc((size_t)m->infer.n_steps + 1, 1);
        if (!ws->packed || !ws->packed_b || !ws->pair_step) {
            zn_free(ws->packed);
            zn_free(ws->packed_b);
            zn_free(ws->pair_step);
            ws->packed = NULL;
            ws->packed_b = NULL;
            ws->pair_step = NULL;
            return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_ws_pack_weights: cannot allocate %zu bytes", bytes);
        }
        ws->packed_bytes = bytes;
        ws->bytes += bytes;
    }
    size_t at = 0;
    for (int i = 0; i < m->n_nodes; i++) {
        if (!packable(ws, m, &m->nodes[i])) continue;
        const zn_node *w = &m->nodes[m->nodes[i].in[1]];
        if (zn_ws_packs_rows(ws)) {
            zn_transpose_copy(w->rows, w->cols, ws->val[w->index], w->cols, ws->packed + at, w->rows);
        } else {
            zn_status s = zn_sgemm_pack_b(ZN_NO_TRANS, w->rows, w->cols, ws->val[w->index], w->cols, ws->packed + at);
            if (s != ZN_OK) return s;
        }
        ws->packed_b[i] = ws->packed + at;
        at += packed_floats(ws, w);
    }
    /* ops that pack their own weights (a recurrent layer's) */
    for (int i = 0; i < m->n_nodes; i++) {
        const size_t f = op_packed_floats(ws, m, &m->nodes[i]);
        if (!f) continue;
        zn_status s =
            def_of(&m->nodes[i])->pack(&m->nodes[i], (const float *const *)ws->val, ws->max_batch, ws->packed + at);
        if (s != ZN_OK) return s;
        ws->packed_b[i] = ws->packed + at;
        at += f;
    }
    find_pairs(ws, m);
    return ZN_OK;
}

/* ---- look-ahead ------------------------------------------------------------------------- */

/* The first linear op of the training plan that reads a model input
 * (which takes no gradient, so its backward is the update alone) with a
 * parameter W. */
void zn_fast_find_look(zn_model *m) {
    m->look_node = m->look_input = -1;
    for (int s = 0; m->loss >= 0 && s < m->train.n_steps; s++) {
        const zn_node *n = &m->nodes[m->train.steps[s]];
        if (!(def_of(n)->flags & ZN_OPF_LINEAR) || n->nd != 1) continue;
        const zn_node *x = &m->nodes[n->in[0]], *w = &m->nodes[n->in[1]];
        if (x->op != ZN_OP_INPUT || x->nd != 1 || m->needs_grad[x->index] || w->op != ZN_OP_PARAM ||
            !m->needs_grad[w->index])
            continue;
        for (int i = 0; i < m->n_inputs; i++)
            if (m->inputs[i] == x->index) {
                m->look_node = n->index;
                m->look_input = i;
                return;
            }
    }
}

/* ---- runners --------------------------------------------------------------------------- */

/* A linear op reading a packed W, or its product from the look-ahead. */
static int linear_forward(const zn_exec *e, const zn_fast *f, const zn_node *n) {
    const zn_node *x = &e->nodes[n->in[0]], *w = &e->nodes[n->in[1]];
    const float *bias = n->n_in == 3 ? e->val[n->in[2]] : NULL;
    if (f->look && f->look->ready && n->index == f->look->node) { /* computed by the last sample's update */
        float *y = e->val[n->index];
        memcpy(y, f->look->buf, (size_t)n->cols * sizeof *y);
        if (bias) e->k->vmath.add_bias((size_t)n->cols, bias, y);
        return 1;
    }
    const float *packed = f->packed_b ? f->packed_b[n->index] : NULL;
    if (!packed) return 0;
    zn_gemm_opts o = zn_exec_gemm_opts(e);
    o.bias = bias;
    const int64_t rows = zn_exec_rows(e, x);
    if (f->packed_rows) { /* W^T, n x k: a dot product per output */
        zn_sgemm_ex(ZN_NO_TRANS, ZN_TRANS, rows, w->cols, w->rows, 1.0f, e->val[x->index], x->cols, packed, w->rows,
                    0.0f, e->val[n->index], n->cols, &o);
        return 1;
    }
    o.b_packed = packed;
    zn_sgemm_ex(ZN_NO_TRANS, ZN_NO_TRANS, rows, w->cols, w->rows, 1.0f, e->val[x->index], x->cols, e->val[w->index],
                w->cols, 0.0f, e->val[n->index], n->cols, &o);
    return 1;
}

typedef struct range_job {
    const zn_exec *e;
    const zn_node *n;
    int64_t count;
} range_job;

/* Elements [16 begin, 16 end) of the job's node: blocks of 16 keep vector loops whole. */
static void range_part(void *ctx, int64_t begin, int64_t end) {
    const range_job *j = ctx;
    const int64_t hi = end * 16 < j->count ? end * 16 : j->count;
    def_of(j->n)->forward_range(j->e, j->n, begin * 16, hi);
}

static void pair_act_range(void *ctx, int64_t lo, int64_t hi) {
    const range_job *j = ctx;
    def_of(j->n)->forward_range(j->e, j->n, lo, hi);
}

/* Batch-1 layer pair: linear m1 (W^T packed in rows), the element-wise op
 * of its value alone, and linear m2 of that (W read in place), as one job. */
static void pair_forward(const zn_exec *e, const zn_fast *f, const zn_node *m1, const zn_node *act, const zn_node *m2) {
    const zn_node *w1 = &e->nodes[m1->in[1]], *w2 = &e->nodes[m2->in[1]];
    range_job ctx = {e, act, 0};
    const zn_gemv_pair p = {.m1 = w1->cols,
                            .k1 = w1->rows,
                            .lda1 = w1->rows,
                            .n2 = w2->cols,
                            .lda2 = w2->cols,
                            .a1 = f->packed_b[m1->index],
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

/* Element-wise ops split over the pool when each thread gets this many
 * elements (results are the same bits: each element is computed alone). */
enum { ELEMENTWISE_MIN_PER_THREAD = (int)ZN_PAR_MIN_ELEMENTWISE };

void zn_fast_forward(const zn_exec *e, const zn_fast *f, const zn_plan *plan) {
    for (int s = 0; s < plan->n_steps && *e->status == ZN_OK; s++) {
        const zn_node *n = &e->nodes[plan->steps[s]];
        const zn_op_def *def = def_of(n);
        if (f->pair_step && f->pair_step[s]) {
            if (f->pair_step[s] == 1)
                pair_forward(e, f, n, &e->nodes[plan->steps[s + 1]], &e->nodes[plan->steps[s + 2]]);
            continue;
        }
        if ((def->flags & ZN_OPF_LINEAR) && (f->packed_b || f->look) && linear_forward(e, f, n)) continue;
        const int64_t count = zn_exec_count(e, n);
        if ((def->flags & ZN_OPF_ELEMENTWISE) && count >= 2 * ELEMENTWISE_MIN_PER_THREAD) {
            range_job j = {e, n, count};
            zn_parallel_rows(exec_pool(e), e->max_threads, (count + 15) / 16, ELEMENTWISE_MIN_PER_THREAD / 16,
                             range_part, &j);
            continue;
        }
        def->forward(e, n);
    }
}

void zn_fast_backward(const zn_exec *e, const zn_fast *f, const zn_node *n) {
    const zn_look *look = f->look;
    if (look && look->next && n->index == look->node && e->batch == 1) {
        const zn_node *x = &e->nodes[n->in[0]], *w = &e->nodes[n->in[1]];
        /* a fused step's parameter is its own gradient buffer */
        float *dx = e->grad[x->index], *dw = e->grad[w->index];
        if (!dx && dw && dw == e->val[w->index]) {
            /* the fused step's update and the next sample's product, in one
             * pass over W (bit for bit the two passes) */
            const float *dy = e->grad[n->index];
            zn_ger_gemvt_run(e->k, w->rows, w->cols, zn_exec_grad_scale(e, n, 1), e->val[x->index], dy, dw, w->cols,
                             look->next, look->buf, exec_pool(e), e->max_threads, e->pass);
            f->look->filled = 1;
            float *db = n->n_in == 3 ? zn_exec_input_grad(e, n, 2) : NULL;
            if (db) e->k->vmath.axpy((size_t)n->cols, zn_exec_grad_scale(e, n, 2), dy, db);
            return;
        }
    }
    def_of(n)->backward(e, n);
}
