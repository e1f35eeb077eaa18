/* Workspaces: one block holding every activation, gradient and scratch
 * buffer of a model's plans, laid out by liveness, and the passes that run
 * in it. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "graph/model_internal.h"
#include "graph/ws_adapt.h"
#include "kernels/gemm_driver.h"

struct zn_ws {
    const zn_model *m;
    zn_ws_mode mode;
    int64_t max_batch;
    float *block;
    size_t bytes;
    float **val, **grad, **aux;
    unsigned char *grad_ready, *kept;
    float *param_grads;
    zn_rng rng;
    zn_pool *pool;
    int max_threads;
    size_t budget_bytes;
    /* zn_ws_pack_weights: one block of packed matmul weights, and per node
     * the copy of its W (NULL for other nodes) */
    float *packed;
    size_t packed_bytes;
    const float **packed_b;
    /* per step of the inference plan: 1 where a layer pair starts
     * (zn_matmul_pair_forward), 2 for the steps it runs too; NULL: none */
    unsigned char *pair_step;
    int n_pairs;
    zn_pass_adapt adapt; /* training passes: one thread or all (ws_adapt.h) */
    float *look_buf;     /* zn_model_train_sgd_seq's next-sample product, made on first use */
    unsigned passes;     /* passes run: GEMVs alternate their order by it (zn_gemm_opts.pass) */
};

zn_ws_opts zn_ws_opts_default(void) {
    zn_ws_opts o;
    memset(&o, 0, sizeof o);
    o.max_batch = 1;
    o.mode = ZN_WS_INFER;
    o.seed = 1;
    return o;
}

/* ---- layout ---------------------------------------------------------------------- */

typedef struct buffer {
    int node;
    int kind;       /* 0 value, 1 gradient, 2 scratch */
    size_t floats;  /* rounded up to 16 (64 bytes) */
    int start, end; /* live over [start, end] on the pass timeline */
    size_t offset;
} buffer;

static int overlaps_in_time(const buffer *a, const buffer *b) { return a->start <= b->end && b->start <= a->end; }

/* Greedy: biggest first, each at the lowest offset clear of the buffers it
 * is live with. */
static size_t place_buffers(buffer *b, int n) {
    for (int i = 1; i < n; i++) /* insertion sort by size, descending: n is small */
        for (int j = i; j > 0 && b[j].floats > b[j - 1].floats; j--) {
            buffer t = b[j];
            b[j] = b[j - 1];
            b[j - 1] = t;
        }
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        size_t at = 0;
        for (int moved = 1; moved;) {
            moved = 0;
            for (int j = 0; j < i; j++) {
                if (!overlaps_in_time(&b[i], &b[j])) continue;
                if (at < b[j].offset + b[j].floats && b[j].offset < at + b[i].floats) {
                    at = b[j].offset + b[j].floats;
                    moved = 1;
                }
            }
        }
        b[i].offset = at;
        if (at + b[i].floats > total) total = at + b[i].floats;
    }
    return total;
}

static size_t round16(int64_t floats) { return (size_t)((floats + 15) & ~(int64_t)15); }

static int64_t value_floats(const zn_node *n, int64_t max_batch) {
    return zn_node_size(n) * (n->batched ? max_batch : 1);
}

static int is_leaf(const zn_node *n) { return zn_op_is_leaf(n->op); }

/* The matmul nodes whose W is stored in the model (a parameter or constant). */
static int stored_w(const zn_model *m, const zn_node *n) {
    if (n->op != ZN_OP_MATMUL) return 0;
    zn_op w = m->nodes[n->in[1]].op;
    return w == ZN_OP_PARAM || w == ZN_OP_CONST;
}

/* Batch-1 inference's layer pair at step s of the inference plan
 * (zn_matmul_pair_forward): a matmul whose one-row product reads W^T in
 * rows, an activation of it, and a matmul of that which reads its W in
 * place, with shapes that zn_gemv_pair_run splits. */
static int pair_shape_at(const zn_model *m, int s) {
    const zn_plan *p = &m->infer;
    if (s + 2 >= p->n_steps) return 0;
    const zn_node *m1 = &m->nodes[p->steps[s]], *act = &m->nodes[p->steps[s + 1]], *m2 = &m->nodes[p->steps[s + 2]];
    if (!stored_w(m, m1) || act->op != ZN_OP_ACT || act->in[0] != m1->index || !stored_w(m, m2) ||
        m2->in[0] != act->index)
        return 0;
    const zn_node *w1 = &m->nodes[m1->in[1]], *w2 = &m->nodes[m2->in[1]];
    return zn_gemv_prefers_rows(w1->rows, w1->cols) && !zn_gemv_prefers_rows(w2->rows, w2->cols) &&
           zn_gemv_pair_fits(w1->cols, w1->rows, w2->cols);
}

/* Lists the buffers of the workspace's plans with their live ranges. */
static int collect_buffers(const zn_model *m, zn_ws_mode mode, int64_t max_batch, buffer *b) {
    int nb = 0;
    const zn_plan *infer = &m->infer;
    if (mode == ZN_WS_INFER) {
        int *last = zn_calloc((size_t)m->n_nodes, sizeof(int));
        if (!last) return -1;
        for (int s = 0; s < infer->n_steps; s++) {
            const zn_node *n = &m->nodes[infer->steps[s]];
            last[n->index] = s;
            for (int k = 0; k < n->n_in; k++) last[n->in[k]] = s;
        }
        for (int k = 0; k < m->n_outputs; k++) last[m->outputs[k]] = infer->n_steps;
        for (int s = 0; s < infer->n_steps; s++) {
            int id = infer->steps[s];
            b[nb++] = (buffer){id, 0, round16(value_floats(&m->nodes[id], max_batch)), s, last[id], 0};
        }
        /* a layer pair writes its activation at its first step: a value
         * that dies there must not share the activation's memory */
        for (int s = 0; max_batch == 1 && s < infer->n_steps; s++)
            if (pair_shape_at(m, s)) b[s + 1].start = s;
        zn_free(last);
        return nb;
    }
    /* Training: values live throughout (backward reads them); gradients of
     * inner nodes live from their first writer to their own backward step. */
    const zn_plan *train = &m->train;
    int F = train->n_steps, forever = 4 * F + 8;
    for (int i = 0; i < m->n_nodes; i++) {
        const zn_node *n = &m->nodes[i];
        if (is_leaf(n) || !(infer->used[i] || train->used[i])) continue;
        b[nb++] = (buffer){i, 0, round16(value_floats(n, max_batch)), 0, forever, 0};
        const zn_op_def *def = zn_op_def_get(n->op);
        if (train->used[i] && def->aux_size)
            b[nb++] = (buffer){i, 2, round16(def->aux_size(n) * max_batch), 0, forever, 0};
    }
    int *tb = zn_calloc((size_t)m->n_nodes, sizeof(int)), *first = zn_calloc((size_t)m->n_nodes, sizeof(int));
    if (!tb || !first) {
        zn_free(tb);
        zn_free(first);
        return -1;
    }
    for (int s = 0; s < F; s++) tb[train->steps[s]] = F + (F - 1 - s);
    for (int i = 0; i < m->n_nodes; i++) first[i] = forever;
    for (int s = 0; s < F; s++) {
        const zn_node *n = &m->nodes[train->steps[s]];
        for (int k = 0; k < n->n_in; k++)
            if (tb[n->index] < first[n->in[k]]) first[n->in[k]] = tb[n->index];
    }
    for (int s = 0; s < F; s++) {
        int id = train->steps[s];
        if (!m->needs_grad[id]) continue;
        int start = id == m->loss ? F : first[id], end = tb[id];
        if (start > end) start = end;
        b[nb++] = (buffer){id, 1, round16(value_floats(&m->nodes[id], max_batch)), start, end, 0};
    }
    zn_free(tb);
    zn_free(first);
    return nb;
}

zn_status zn_ws_create(const zn_model *m, const zn_ws_opts *opts, zn_ws **out) {
    if (!m || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_create: NULL argument");
    *out = NULL;
    zn_ws_opts o = opts ? *opts : zn_ws_opts_default();
    if (o.max_batch < 1 || o.max_batch > ((int64_t)1 << 32))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_create: max_batch (%lld) must be in [1, 2^32]",
                        (long long)o.max_batch);
    if (o.mode != ZN_WS_INFER && o.mode != ZN_WS_TRAIN)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_create: unknown mode %d", (int)o.mode);
    if (o.mode == ZN_WS_TRAIN && m->loss < 0)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_create: a training workspace needs a model with a loss");
    if (o.max_threads < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_create: max_threads < 0");
    for (int i = 0; i < m->n_nodes; i++) {
        int64_t v;
        if (!zn_mul_i64(zn_node_size(&m->nodes[i]), o.max_batch, &v) || v > ((int64_t)1 << 40))
            return zn_error(ZN_ERR_OVERFLOW, "zn_ws_create: node %d needs too much memory at batch %lld", i,
                            (long long)o.max_batch);
    }
    buffer *b = zn_calloc((size_t)m->n_nodes * 3 + 1, sizeof *b);
    if (!b) return ZN_ERR_OUT_OF_MEMORY;
    int nb = collect_buffers(m, o.mode, o.max_batch, b);
    if (nb < 0) {
        zn_free(b);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    size_t floats = place_buffers(b, nb);
    size_t grads = o.mode == ZN_WS_TRAIN ? round16(m->n_param_values) + 16 : 0; /* + the loss seed */
    size_t total_floats = floats + grads + 16, bytes = total_floats * sizeof(float);
    size_t tables = (size_t)m->n_nodes * (3 * sizeof(float *) + 2);
    if (o.budget_bytes && bytes + tables > o.budget_bytes) {
        zn_free(b);
        return zn_error(ZN_ERR_BUDGET, "zn_ws_create: the workspace needs %zu bytes, the budget is %zu", bytes + tables,
                        o.budget_bytes);
    }
    zn_ws *ws = zn_calloc(1, sizeof *ws);
    if (ws) {
        ws->block = zn_calloc(total_floats, sizeof(float));
        ws->val = zn_calloc((size_t)m->n_nodes, sizeof(float *));
        ws->grad = zn_calloc((size_t)m->n_nodes, sizeof(float *));
        ws->aux = zn_calloc((size_t)m->n_nodes, sizeof(float *));
        ws->grad_ready = zn_calloc((size_t)m->n_nodes, 1);
        ws->kept = zn_calloc((size_t)m->n_nodes, 1);
    }
    if (!ws || !ws->block || !ws->val || !ws->grad || !ws->aux || !ws->grad_ready || !ws->kept) {
        zn_free(b);
        zn_ws_free(ws);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_ws_create: cannot allocate %zu bytes", bytes + tables);
    }
    ws->m = m;
    ws->mode = o.mode;
    ws->max_batch = o.max_batch;
    ws->bytes = bytes + tables;
    ws->pool = o.pool;
    ws->max_threads = o.max_threads;
    ws->budget_bytes = o.budget_bytes;
    zn_pass_adapt_init(&ws->adapt, o.max_threads == 0 && zn_pool_size(o.pool ? o.pool : zn_pool_default()) > 1);
    zn_rng_seed(&ws->rng, o.seed);
    for (int i = 0; i < nb; i++) {
        float *p = ws->block + b[i].offset;
        if (b[i].kind == 0)
            ws->val[b[i].node] = p;
        else if (b[i].kind == 1)
            ws->grad[b[i].node] = p;
        else
            ws->aux[b[i].node] = p;
    }
    for (int i = 0; i < m->n_nodes; i++) ws->kept[i] = o.mode == ZN_WS_TRAIN && ws->val[i] != NULL;
    for (int k = 0; k < m->n_outputs; k++) ws->kept[m->outputs[k]] = 1;
    if (o.mode == ZN_WS_TRAIN) {
        ws->param_grads = ws->block + floats;
        for (int p = 0; p < m->n_params; p++) ws->grad[m->params[p]] = ws->param_grads + m->param_offset[p];
        ws->grad[m->loss] = ws->block + floats + round16(m->n_param_values); /* the seed, 1 float */
    }
    for (int p = 0; p < m->n_params; p++) /* parameters are read in place, never written by a pass */
        ws->val[m->params[p]] = (float *)(uintptr_t)(m->params_data + m->param_offset[p]);
    for (int c = 0; c < m->n_consts; c++)
        ws->val[m->consts[c]] = (float *)(uintptr_t)(m->consts_data + m->const_offset[c]);
    zn_free(b);
    *out = ws;
    return ZN_OK;
}

void zn_ws_free(zn_ws *ws) {
    if (!ws) return;
    zn_free(ws->block);
    zn_free(ws->val);
    zn_free(ws->grad);
    zn_free(ws->aux);
    zn_free(ws->grad_ready);
    zn_free(ws->kept);
    zn_free(ws->packed);
    zn_free(ws->packed_b);
    zn_free(ws->pair_step);
    zn_free(ws->look_buf);
    zn_free(ws);
}

/* Workspaces of batches of two or more rows keep the GEMM's panels of every
 * stored W. One-row workspaces keep W^T where the one-row product reads
 * that faster (zn_gemv_prefers_rows: a dot product per output over a row of
 * W^T, instead of sums of W's rows in several strided passes) and nothing
 * elsewhere. */
static int packs_rows(const zn_ws *ws) { return ws->max_batch == 1; }

static int packable(const zn_ws *ws, const zn_model *m, const zn_node *n) {
    if (!stored_w(m, n)) return 0;
    const zn_node *w = &m->nodes[n->in[1]];
    return !packs_rows(ws) || zn_gemv_prefers_rows(w->rows, w->cols);
}

/* Floats of W's packed copy, rounded to whole cache lines. */
static size_t packed_floats(const zn_ws *ws, const zn_node *w) {
    const size_t f = packs_rows(ws) ? (size_t)(w->rows * w->cols) : zn_sgemm_packed_b_floats(w->rows, w->cols);
    return (f + 15) & ~(size_t)15;
}

/* Whether the value buffers of nodes a and b share memory (inputs are bound
 * per pass, never to the workspace's block). */
static int values_overlap(const zn_ws *ws, const zn_model *m, int a, int b) {
    if (m->nodes[a].op == ZN_OP_INPUT || m->nodes[b].op == ZN_OP_INPUT) return 0;
    const float *pa = ws->val[a], *pb = ws->val[b];
    const int64_t na = value_floats(&m->nodes[a], ws->max_batch), nb = value_floats(&m->nodes[b], ws->max_batch);
    return pa < pb + nb && pb < pa + na;
}

/* A layer pair at step s, once the weights are packed: the first matmul's
 * W^T packed in rows, the second's W read in place, and (the layout sees
 * to it) the activation's buffer apart from the first matmul's input. */
static int pair_at(const zn_ws *ws, const zn_model *m, int s) {
    if (!pair_shape_at(m, s)) return 0;
    const zn_node *m1 = &m->nodes[m->infer.steps[s]], *act = &m->nodes[m->infer.steps[s + 1]];
    const zn_node *m2 = &m->nodes[m->infer.steps[s + 2]];
    return ws->packed_b[m1->index] && !ws->packed_b[m2->index] && !values_overlap(ws, m, act->index, m1->in[0]);
}

static void find_pairs(zn_ws *ws, const zn_model *m) {
    ws->n_pairs = 0;
    memset(ws->pair_step, 0, (size_t)m->infer.n_steps);
    if (!packs_rows(ws)) return;
    for (int s = 0; s < m->infer.n_steps; s++)
        if (pair_at(ws, m, s)) {
            ws->pair_step[s] = 1;
            ws->pair_step[s + 1] = ws->pair_step[s + 2] = 2;
            ws->n_pairs++;
            s += 2;
        }
}

int zn_ws_layer_pairs(const zn_ws *ws) { return ws ? ws->n_pairs : 0; }

zn_status zn_ws_pack_weights(zn_ws *ws, const zn_model *m) {
    if (!m || !ws || ws->m != m)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_pack_weights: NULL model or a workspace of another model");
    if (ws->mode != ZN_WS_INFER)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_pack_weights: needs an inference workspace");
    size_t floats = 0;
    for (int i = 0; i < m->n_nodes; i++)
        if (packable(ws, m, &m->nodes[i])) {
            const zn_node *w = &m->nodes[m->nodes[i].in[1]];
            floats += packed_floats(ws, w);
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
        if (packs_rows(ws)) {
            zn_transpose_copy(w->rows, w->cols, ws->val[w->index], w->cols, ws->packed + at, w->rows);
        } else {
            zn_status s = zn_sgemm_pack_b(ZN_NO_TRANS, w->rows, w->cols, ws->val[w->index], w->cols, ws->packed + at);
            if (s != ZN_OK) return s;
        }
        ws->packed_b[i] = ws->packed + at;
        at += packed_floats(ws, w);
    }
    find_pairs(ws, m);
    return ZN_OK;
}

size_t zn_ws_bytes(const zn_ws *ws) { return ws ? ws->bytes : 0; }
int64_t zn_ws_max_batch(const zn_ws *ws) { return ws ? ws->max_batch : 0; }

float *zn_ws_grads(zn_ws *ws, int64_t *count) {
    if (count) *count = ws && ws->param_grads ? ws->m->n_param_values : 0;
    return ws ? ws->param_grads : NULL;
}

const float *zn_ws_node_value(const zn_ws *ws, int node_index) {
    if (!ws || node_index < 0 || node_index >= ws->m->n_nodes || !ws->kept[node_index]) return NULL;
    return ws->val[node_index];
}

/* ---- passes ------------------------------------------------------------------------ */

enum { ALTERNATE_MODEL_MAX_WEIGHTS = 2 << 20 };

static zn_status bind(const zn_model *m, zn_ws *ws, const char *fn, int64_t batch, const float *const *inputs,
                      const zn_plan *plan, int training, zn_exec *e) {
    if (!m || !ws || ws->m != m)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: NULL model or a workspace of another model", fn);
    if (batch < 1 || batch > ws->max_batch)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: batch %lld not in [1, %lld] (the workspace's max_batch)", fn,
                        (long long)batch, (long long)ws->max_batch);
    if (m->n_inputs > 0 && !inputs) return zn_error(ZN_ERR_INVALID_ARG, "%s: inputs is NULL", fn);
    for (int i = 0; i < m->n_inputs; i++) {
        int id = m->inputs[i];
        if (plan->used[id] && !inputs[i])
            return zn_error(ZN_ERR_INVALID_ARG, "%s: input '%s' is needed but NULL", fn, m->nodes[id].name);
        ws->val[id] = (float *)(uintptr_t)inputs[i]; /* read only */
    }
    e->batch = batch;
    e->val = ws->val;
    e->grad = ws->grad;
    e->aux = ws->aux;
    e->grad_ready = ws->grad_ready;
    e->nodes = m->nodes;
    e->k = zn_kernels_get();
    e->pool = ws->pool;
    e->max_threads = ws->max_threads;
    e->rng = &ws->rng;
    e->training = training;
    e->param_scale = 0.0f;
    e->packed_b = training ? NULL : ws->packed_b;
    e->packed_rows = packs_rows(ws);
    e->look = NULL;
    /* GEMVs alternate their order by pass only when all of the model's
     * weights, half per thread, could stay in the cores' L2 caches in part
     * between passes: in 4096-1024-1000 the first layer's 16 MB evicted
     * the second's (4 MB) every pass, which then read slower alternated. */
    e->pass = m->n_param_values <= ALTERNATE_MODEL_MAX_WEIGHTS ? ws->passes++ : 0;
    return ZN_OK;
}

/* pair_step: NULL, or the inference plan's layer pairs (find_pairs). */
static void run_forward(const zn_exec *e, const zn_plan *plan, const unsigned char *pair_step) {
    for (int s = 0; s < plan->n_steps; s++) {
        const zn_node *n = &e->nodes[plan->steps[s]];
        if (pair_step && pair_step[s]) {
            if (pair_step[s] == 1)
                zn_matmul_pair_forward(e, n, &e->nodes[plan->steps[s + 1]], &e->nodes[plan->steps[s + 2]]);
            continue;
        }
        zn_op_def_get(n->op)->forward(e, n);
    }
}

zn_status zn_model_forward(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs,
                           float *const *outputs) {
    zn_exec e;
    zn_status s = bind(m, ws, "zn_model_forward", batch, inputs, &m->infer, 0, &e);
    if (s != ZN_OK) return s;
    if (zn_pass_adapt_begin(&ws->adapt, batch)) e.max_threads = 1;
    if (m->n_outputs > 0 && !outputs) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_forward: outputs is NULL");
    run_forward(&e, &m->infer, ws->n_pairs ? ws->pair_step : NULL);
    for (int k = 0; k < m->n_outputs; k++) {
        const zn_node *o = &m->nodes[m->outputs[k]];
        if (outputs[k]) memcpy(outputs[k], ws->val[o->index], (size_t)(batch * o->cols) * sizeof(float));
    }
    return ZN_OK;
}

zn_status zn_model_loss(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs, float *loss) {
    if (m && m->loss < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_loss: the model has no loss");
    if (ws && ws->mode != ZN_WS_TRAIN) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_loss: needs a training workspace");
    zn_exec e;
    zn_status s = bind(m, ws, "zn_model_loss", batch, inputs, &m->train, 0, &e);
    if (s != ZN_OK) return s;
    run_forward(&e, &m->train, NULL);
    if (loss) *loss = ws->val[m->loss][0];
    return ZN_OK;
}

/* Forward to the loss, then backward. lr == 0: gradients into the
 * workspace's gradient array; otherwise each parameter's gradient is added,
 * times -lr, into the parameter itself as it is computed. */
static zn_status backward(const zn_model *m, zn_ws *ws, const char *fn, int64_t batch, const float *const *inputs,
                          float lr, float *loss, zn_look *look) {
    if (m && m->loss < 0) return zn_error(ZN_ERR_INVALID_ARG, "%s: the model has no loss", fn);
    if (ws && ws->mode != ZN_WS_TRAIN) return zn_error(ZN_ERR_INVALID_ARG, "%s: needs a training workspace", fn);
    zn_exec e;
    zn_status s = bind(m, ws, fn, batch, inputs, &m->train, 1, &e);
    if (s != ZN_OK) return s;
    if (look) look->filled = 0;
    e.look = look;
    if (zn_pass_adapt_begin(&ws->adapt, batch)) e.max_threads = 1;
    run_forward(&e, &m->train, NULL);
    if (loss) *loss = ws->val[m->loss][0];

    /* Gradient buffers are zeroed (or overwritten whole) by their first
     * writer; the fused step's "gradients" are the parameters themselves,
     * which every write adds to. */
    memset(ws->grad_ready, 0, (size_t)m->n_nodes);
    for (int p = 0; p < m->n_params && lr != 0.0f; p++) {
        ws->grad_ready[m->params[p]] = 1;
        ws->grad[m->params[p]] = ws->val[m->params[p]];
    }
    e.param_scale = -lr;
    ws->grad[m->loss][0] = 1.0f;
    ws->grad_ready[m->loss] = 1;
    const zn_plan *plan = &m->train;
    for (int s2 = plan->n_steps - 1; s2 >= 0; s2--) {
        const zn_node *n = &m->nodes[plan->steps[s2]];
        /* No gradient reached this node (or none is needed): nothing to pass on. */
        if (!m->needs_grad[n->index] || !ws->grad_ready[n->index]) continue;
        zn_op_def_get(n->op)->backward(&e, n);
    }
    for (int p = 0; p < m->n_params; p++) {
        const int id = m->params[p];
        const int64_t at = m->param_offset[p], size = zn_node_size(&m->nodes[id]);
        const int64_t next = p + 1 < m->n_params ? m->param_offset[p + 1] : m->n_param_values;
        if (lr != 0.0f) {
            ws->grad[id] = ws->param_grads + at;
            continue;
        }
        /* Zero what no op wrote: a parameter no gradient reached (or that
         * takes none) and the padding after each tensor. */
        const int64_t from = ws->grad_ready[id] ? at + size : at;
        if (next > from) memset(ws->param_grads + from, 0, (size_t)(next - from) * sizeof(float));
    }
    return ZN_OK;
}

zn_status zn_model_backward(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs, float *loss) {
    return backward(m, ws, "zn_model_backward", batch, inputs, 0.0f, loss, NULL);
}

static zn_status check_sgd(const zn_model *m, const char *fn, float lr) {
    if (!(lr > 0.0f) || !isfinite(lr)) return zn_error(ZN_ERR_INVALID_ARG, "%s: lr must be positive and finite", fn);
    if (m && !m->fused_sgd_ok)
        return zn_error(ZN_ERR_UNSUPPORTED, "%s: a parameter feeds several ops; use zn_model_backward and an optimizer",
                        fn);
    return ZN_OK;
}

zn_status zn_model_train_sgd(zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs, float lr, float *loss) {
    zn_status s = check_sgd(m, "zn_model_train_sgd", lr);
    return s != ZN_OK ? s : backward(m, ws, "zn_model_train_sgd", batch, inputs, lr, loss, NULL);
}

zn_status zn_model_train_sgd_seq(zn_model *m, zn_ws *ws, int64_t n, const float *const *inputs, float lr, float *loss) {
    static const char fn[] = "zn_model_train_sgd_seq";
    zn_status s = check_sgd(m, fn, lr);
    if (s != ZN_OK) return s;
    if (!m || !ws || ws->m != m)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: NULL model or a workspace of another model", fn);
    if (n < 1) return zn_error(ZN_ERR_INVALID_ARG, "%s: %lld samples (at least 1)", fn, (long long)n);
    if (m->n_inputs > 0 && !inputs) return zn_error(ZN_ERR_INVALID_ARG, "%s: inputs is NULL", fn);
    for (int i = 0; i < m->n_inputs; i++)
        if (m->train.used[m->inputs[i]] && !inputs[i])
            return zn_error(ZN_ERR_INVALID_ARG, "%s: input '%s' is needed but NULL", fn, m->nodes[m->inputs[i]].name);
    enum { ROWS_ON_STACK = 8 };
    const float *row_stack[ROWS_ON_STACK];
    const float **row = m->n_inputs <= ROWS_ON_STACK ? row_stack : zn_alloc((size_t)m->n_inputs * sizeof *row);
    if (!row) return zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
    zn_look look = {m->look_node, NULL, NULL, 0, 0};
    if (look.node >= 0 && n > 1) {
        const size_t bytes = (size_t)m->nodes[look.node].cols * sizeof(float);
        if (!ws->look_buf && !(ws->budget_bytes && ws->bytes + bytes > ws->budget_bytes) &&
            (ws->look_buf = zn_alloc(bytes)))
            ws->bytes += bytes;  /* counted as the workspace's, within its budget */
        look.buf = ws->look_buf; /* NULL: runs on without the look-ahead */
    }
    const int64_t x_cols = look.node >= 0 ? m->nodes[m->inputs[m->look_input]].cols : 0;
    double total = 0.0;
    for (int64_t t = 0; t < n && s == ZN_OK; t++) {
        for (int i = 0; i < m->n_inputs; i++) row[i] = inputs[i] ? inputs[i] + t * m->nodes[m->inputs[i]].cols : NULL;
        look.next = look.buf && t + 1 < n ? inputs[m->look_input] + (t + 1) * x_cols : NULL;
        float l = 0.0f;
        s = backward(m, ws, fn, 1, row, lr, &l, look.buf ? &look : NULL);
        look.ready = look.filled; /* the next forward pass takes the product */
        total += l;
    }
    if (row != row_stack) zn_free(row);
    if (s == ZN_OK && loss) *loss = (float)(total / (double)n);
    return s;
}
