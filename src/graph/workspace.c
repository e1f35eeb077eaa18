/* Workspaces: one block holding every activation, gradient and scratch
 * buffer of a model's plans, laid out by liveness, and the passes that run
 * in it. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "graph/fastpath.h"
#include "kernels/gemm_driver.h"

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
    int kind;       /* 0 value, 1 gradient, 2 aux, 3 scratch */
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

/* cap: NULL, or per node the longest sequence this workspace runs. */
static int64_t value_floats(const zn_node *n, int64_t max_batch, const int64_t *cap) {
    const int64_t size =
        n->seq_axis >= 0 && cap ? zn_node_size(n) / n->dim[n->seq_axis] * cap[n->index] : zn_node_size(n);
    return size * (n->batched ? max_batch : 1);
}

static int is_leaf(const zn_node *n) { return zn_op_is_leaf(n->op); }

static int is_view(const zn_node *n) { return (zn_op_def_get(n->op)->flags & ZN_OPF_VIEW) != 0; }

/* Views share their input's value: point them at it (inputs first, as
 * nodes only point backwards). */
static void point_views(zn_ws *ws) {
    const zn_model *m = ws->m;
    for (int i = 0; i < m->n_nodes; i++)
        if (is_view(&m->nodes[i])) ws->val[i] = ws->val[m->nodes[i].in[0]];
}

/* Lists the buffers of the workspace's plans with their live ranges. */
static int collect_buffers(const zn_model *m, zn_ws_mode mode, int64_t max_batch, const int64_t *cap, buffer *b) {
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
        /* a view's readers read its input's buffer */
        for (int s = infer->n_steps - 1; s >= 0; s--) {
            const zn_node *n = &m->nodes[infer->steps[s]];
            if (is_view(n) && last[n->index] > last[n->in[0]]) last[n->in[0]] = last[n->index];
        }
        for (int s = 0; s < infer->n_steps; s++) {
            int id = infer->steps[s];
            const zn_node *n = &m->nodes[id];
            const zn_op_def *def = zn_op_def_get(n->op);
            const int64_t aux = def->aux_size ? def->aux_size(n, 0) : 0;
            const int64_t scratch = def->scratch_size ? def->scratch_size(n, max_batch, 0) : 0;
            if (!is_view(n)) b[nb++] = (buffer){id, 0, round16(value_floats(n, max_batch, cap)), s, last[id], 0};
            if (aux > 0) b[nb++] = (buffer){id, 2, round16(aux * max_batch), s, last[id], 0};
            if (scratch > 0) b[nb++] = (buffer){id, 3, round16(scratch), s, s, 0};
        }
        /* a layer pair writes its activation at its first step: a value
         * that dies there must not share the activation's memory */
        for (int s = 0; max_batch == 1 && s < infer->n_steps; s++)
            if (zn_fast_pair_shape_at(m, s)) b[s + 1].start = s;
        zn_free(last);
        return nb;
    }
    /* Training. Time runs over node indexes (both plans run in index
     * order): node i's forward at i, its backward at N + (N - 1 - i). A
     * value lives from its forward to its last reader: a later forward, or
     * a backward that reads it (the op's bwd_reads); outputs and the loss
     * to the end. Gradients of inner nodes live from their first writer to
     * their own backward step. */
    const zn_plan *train = &m->train;
    const int N = m->n_nodes, forever = 2 * N + 8;
    int *end = zn_calloc((size_t)N, sizeof(int)), *first = zn_calloc((size_t)N, sizeof(int));
    if (!end || !first) {
        zn_free(end);
        zn_free(first);
        return -1;
    }
#define BACKWARD_AT(i) (N + (N - 1 - (i)))
    for (int i = 0; i < N; i++) {
        end[i] = i;
        first[i] = forever;
    }
    for (int i = 0; i < N; i++) {
        const zn_node *n = &m->nodes[i];
        if (is_leaf(n) || !(infer->used[i] || train->used[i])) continue;
        const zn_op_def *def = zn_op_def_get(n->op);
        const int declared = (def->flags & ZN_OPF_BWD_DECLARED) != 0, back = train->used[i] ? BACKWARD_AT(i) : i;
        for (int k = 0; k < n->n_in; k++) {
            const int x = n->in[k], reads = !declared || (def->bwd_reads >> k) & 1u;
            const int t = reads ? back : i;
            if (t > end[x]) end[x] = t;
            if (train->used[i] && BACKWARD_AT(i) < first[x]) first[x] = BACKWARD_AT(i);
        }
        if ((!declared || (def->bwd_reads & ZN_BWD_OUTPUT)) && back > end[i]) end[i] = back;
    }
    for (int k = 0; k < m->n_outputs; k++) end[m->outputs[k]] = forever;
    end[m->loss] = forever;
    for (int i = N - 1; i >= 0; i--) /* a view's readers read its input's buffer */
        if (is_view(&m->nodes[i]) && end[i] > end[m->nodes[i].in[0]]) end[m->nodes[i].in[0]] = end[i];
    for (int i = 0; i < N; i++) {
        const zn_node *n = &m->nodes[i];
        if (is_leaf(n) || !(infer->used[i] || train->used[i])) continue;
        if (!is_view(n)) b[nb++] = (buffer){i, 0, round16(value_floats(n, max_batch, cap)), i, end[i], 0};
        const zn_op_def *def = zn_op_def_get(n->op);
        const int trained = train->used[i] != 0, stop = trained ? BACKWARD_AT(i) : end[i];
        const int64_t aux = def->aux_size ? def->aux_size(n, trained) : 0;
        const int64_t scratch = def->scratch_size ? def->scratch_size(n, max_batch, trained) : 0;
        if (aux > 0) b[nb++] = (buffer){i, 2, round16(aux * max_batch), i, stop > end[i] ? stop : end[i], 0};
        if (scratch > 0) b[nb++] = (buffer){i, 3, round16(scratch), i, stop, 0};
    }
    for (int i = 0; i < m->n_inputs; i++) { /* input gradients: read after the pass */
        const int id = m->inputs[i];
        if (m->needs_grad[id] && train->used[id])
            b[nb++] = (buffer){id, 1, round16(value_floats(&m->nodes[id], max_batch, cap)), N, forever, 0};
    }
    for (int s = 0; s < train->n_steps; s++) {
        int id = train->steps[s];
        if (!m->needs_grad[id]) continue;
        int start = id == m->loss ? N : first[id], stop = BACKWARD_AT(id);
        if (start > stop) start = stop;
        b[nb++] = (buffer){id, 1, round16(value_floats(&m->nodes[id], max_batch, cap)), start, stop, 0};
    }
#undef BACKWARD_AT
    zn_free(end);
    zn_free(first);
    return nb;
}

/* Sequence lengths of every node `used` marks, inputs first: seq_len (0:
 * each input's full length) or the op's rule. */
static zn_status seq_lengths(const zn_model *m, const char *fn, const unsigned char *used, int64_t seq_len,
                             int64_t *seq) {
    for (int i = 0; i < m->n_nodes; i++) {
        const zn_node *n = &m->nodes[i];
        if ((used && !used[i]) || n->seq_axis < 0) continue;
        int64_t t;
        if (n->op == ZN_OP_INPUT) {
            t = seq_len ? seq_len : n->dim[n->seq_axis];
            if (t > n->dim[n->seq_axis])
                return zn_error(ZN_ERR_SHAPE, "%s: sequence length %lld is past input '%s''s maximum of %lld", fn,
                                (long long)seq_len, n->name, (long long)n->dim[n->seq_axis]);
        } else {
            int64_t in_seq[ZN_MAX_OP_INPUTS];
            int first = -1;
            for (int k = 0; k < n->n_in; k++) {
                const zn_node *x = &m->nodes[n->in[k]];
                in_seq[k] = x->seq_axis >= 0 ? seq[x->index] : -1;
                if (first < 0 && in_seq[k] >= 0) first = k;
            }
            const zn_op_def *def = zn_op_def_get(n->op);
            t = def->seq_out ? def->seq_out(n, in_seq) : first >= 0 ? in_seq[first] : n->dim[n->seq_axis];
            if (t < 1 || t > n->dim[n->seq_axis])
                return zn_error(ZN_ERR_SHAPE, "%s: node %d (%s) gets a sequence of %lld steps (1 to %lld)", fn, i,
                                def->name, (long long)t, (long long)n->dim[n->seq_axis]);
        }
        seq[i] = t;
    }
    return ZN_OK;
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
    if (o.max_seq < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_create: max_seq < 0");
    int64_t *cap = NULL;
    if (o.max_seq > 0) { /* buffers for sequences up to max_seq, not the graph's maximum */
        cap = zn_calloc((size_t)m->n_nodes, sizeof *cap);
        if (!cap) return ZN_ERR_OUT_OF_MEMORY;
        zn_status s = seq_lengths(m, "zn_ws_create", NULL, o.max_seq, cap);
        if (s != ZN_OK) {
            zn_free(cap);
            return s;
        }
    }
    buffer *b = zn_calloc((size_t)m->n_nodes * 4 + 1, sizeof *b);
    int nb = b ? collect_buffers(m, o.mode, o.max_batch, cap, b) : -1;
    zn_free(cap);
    if (nb < 0) {
        zn_free(b);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    zn_ws_memory mem;
    memset(&mem, 0, sizeof mem);
    for (int i = 0; i < nb; i++) {
        size_t *part = b[i].kind == 0   ? &mem.values
                       : b[i].kind == 1 ? &mem.gradients
                       : b[i].kind == 2 ? &mem.aux
                                        : &mem.scratch;
        *part += b[i].floats * sizeof(float);
    }
    size_t floats = place_buffers(b, nb);
    size_t grads = o.mode == ZN_WS_TRAIN ? round16(m->n_param_values) + 16 : 0; /* + the loss seed */
    size_t states = 0; /* state lives between calls: never shared */
    for (int i = 0; i < m->n_nodes; i++) {
        const zn_op_def *def = zn_op_def_get(m->nodes[i].op);
        if (def->state_size && def->state_size(&m->nodes[i]) > 0 &&
            (m->infer.used[i] || (m->loss >= 0 && m->train.used[i])))
            states += round16(def->state_size(&m->nodes[i]) * o.max_batch);
    }
    size_t total_floats = floats + grads + states + 16, bytes = total_floats * sizeof(float);
    size_t tables = (size_t)m->n_nodes * (5 * sizeof(float *) + sizeof(int64_t) + 3);
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
        ws->scratch = zn_calloc((size_t)m->n_nodes, sizeof(float *));
        ws->state = zn_calloc((size_t)m->n_nodes, sizeof(float *));
        ws->grad_ready = zn_calloc((size_t)m->n_nodes, 1);
        ws->kept = zn_calloc((size_t)m->n_nodes, 1);
        ws->state_live = zn_calloc((size_t)m->n_nodes, 1);
        ws->seq = zn_calloc((size_t)m->n_nodes, sizeof(int64_t));
    }
    if (!ws || !ws->block || !ws->val || !ws->grad || !ws->aux || !ws->scratch || !ws->state || !ws->grad_ready ||
        !ws->kept || !ws->state_live || !ws->seq) {
        zn_free(b);
        zn_ws_free(ws);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_ws_create: cannot allocate %zu bytes", bytes + tables);
    }
    ws->m = m;
    ws->mode = o.mode;
    ws->max_batch = o.max_batch;
    ws->max_seq = o.max_seq;
    ws->bytes = bytes + tables;
    ws->pool = o.pool;
    ws->max_threads = o.max_threads;
    ws->budget_bytes = o.budget_bytes;
    mem.block = floats * sizeof(float);
    mem.param_grads = grads * sizeof(float);
    mem.state = states * sizeof(float);
    ws->memory = mem;
    zn_pass_adapt_init(&ws->adapt, o.max_threads == 0 && zn_pool_size(o.pool ? o.pool : zn_pool_default()) > 1);
    zn_rng_seed(&ws->rng, o.seed);
    for (int i = 0; i < nb; i++) {
        float *p = ws->block + b[i].offset;
        if (b[i].kind == 0)
            ws->val[b[i].node] = p;
        else if (b[i].kind == 1)
            ws->grad[b[i].node] = p;
        else if (b[i].kind == 2)
            ws->aux[b[i].node] = p;
        else
            ws->scratch[b[i].node] = p;
    }
    /* readable after a pass: training's values that live to its end, outputs */
    const int end_of_pass = 2 * m->n_nodes + 8;
    for (int i = 0; i < nb; i++)
        if (b[i].kind == 0 && o.mode == ZN_WS_TRAIN && b[i].end >= end_of_pass) ws->kept[b[i].node] = 1;
    for (int i = 0; i < m->n_nodes; i++)
        if (is_view(&m->nodes[i])) ws->kept[i] = ws->kept[m->nodes[i].in[0]];
    for (int k = 0; k < m->n_outputs; k++) ws->kept[m->outputs[k]] = 1;
    if (o.mode == ZN_WS_TRAIN) {
        ws->param_grads = ws->block + floats;
        for (int p = 0; p < m->n_params; p++) ws->grad[m->params[p]] = ws->param_grads + m->param_offset[p];
        ws->grad[m->loss] = ws->block + floats + round16(m->n_param_values); /* the seed, 1 float */
    }
    float *state_at = ws->block + floats + grads;
    for (int i = 0; i < m->n_nodes; i++) {
        const zn_op_def *def = zn_op_def_get(m->nodes[i].op);
        if (!def->state_size || def->state_size(&m->nodes[i]) <= 0 ||
            !(m->infer.used[i] || (m->loss >= 0 && m->train.used[i])))
            continue; /* an op whose state is optional (a recurrent layer not stateful) keeps none */
        ws->state[i] = state_at;
        state_at += round16(def->state_size(&m->nodes[i]) * o.max_batch);
    }
    for (int p = 0; p < m->n_params; p++) /* parameters are read in place, never written by a pass */
        ws->val[m->params[p]] = (float *)(uintptr_t)(m->params_data + m->param_offset[p]);
    for (int c = 0; c < m->n_consts; c++)
        ws->val[m->consts[c]] = (float *)(uintptr_t)(m->consts_data + m->const_offset[c]);
    point_views(ws);
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
    zn_free(ws->scratch);
    zn_free(ws->state);
    zn_free(ws->grad_ready);
    zn_free(ws->kept);
    zn_free(ws->state_live);
    zn_free(ws->seq);
    zn_free(ws->packed);
    zn_free(ws->packed_b);
    zn_free(ws->pair_step);
    zn_free(ws->look_buf);
    zn_free(ws);
}

size_t zn_ws_bytes(const zn_ws *ws) { return ws ? ws->bytes : 0; }

zn_status zn_ws_memory_report(const zn_ws *ws, zn_ws_memory *out) {
    if (!ws || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_memory_report: NULL argument");
    *out = ws->memory;
    out->packed = ws->packed_bytes;
    out->total = ws->bytes;
    return ZN_OK;
}
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

/* A pass in the making: what the ops see, what the planner adds, and the
 * status an op may set. */
typedef struct pass {
    zn_exec e;
    zn_fast f;
    zn_status status;
} pass;

static zn_status plan_seq(const zn_model *m, zn_ws *ws, const char *fn, const zn_plan *plan, int64_t seq_len) {
    if (ws->max_seq && seq_len > ws->max_seq)
        return zn_error(ZN_ERR_SHAPE, "%s: sequence length %lld is past the workspace's max_seq of %lld", fn,
                        (long long)seq_len, (long long)ws->max_seq);
    return seq_lengths(m, fn, plan->used, seq_len ? seq_len : ws->max_seq, ws->seq);
}

/* Whether the plan runs an op that keeps state between calls. */
static int plan_has_state(const zn_ws *ws, const zn_plan *plan) {
    for (int s = 0; s < plan->n_steps; s++)
        if (ws->state[plan->steps[s]]) return 1;
    return 0;
}

static zn_status bind(const zn_model *m, zn_ws *ws, const char *fn, const zn_feed *feed, const zn_plan *plan,
                      int training, pass *p) {
    if (!m || !ws || ws->m != m)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: NULL model or a workspace of another model", fn);
    if (!feed) return zn_error(ZN_ERR_INVALID_ARG, "%s: feed is NULL", fn);
    const int64_t batch = feed->batch;
    if (batch < 1 || batch > ws->max_batch)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: batch %lld not in [1, %lld] (the workspace's max_batch)", fn,
                        (long long)batch, (long long)ws->max_batch);
    if (feed->seq_len < 0)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: sequence length %lld < 0", fn, (long long)feed->seq_len);
    if (m->n_inputs > 0 && !feed->inputs) return zn_error(ZN_ERR_INVALID_ARG, "%s: inputs is NULL", fn);
    for (int i = 0; i < m->n_inputs; i++) {
        int id = m->inputs[i];
        if (plan->used[id] && !feed->inputs[i])
            return zn_error(ZN_ERR_INVALID_ARG, "%s: input '%s' is needed but NULL", fn, m->nodes[id].name);
    }
    zn_status s = plan_seq(m, ws, fn, plan, feed->seq_len);
    if (s != ZN_OK) return s;
    if (ws->state_batch && ws->state_batch != batch && plan_has_state(ws, plan))
        return zn_error(ZN_ERR_SHAPE, "%s: the workspace's state holds batch %lld, not %lld (zn_ws_state_reset first)",
                        fn, (long long)ws->state_batch, (long long)batch);
    for (int i = 0; i < m->n_inputs; i++) ws->val[m->inputs[i]] = (float *)(uintptr_t)feed->inputs[i]; /* read only */
    point_views(ws);
    zn_exec *e = &p->e;
    p->status = ZN_OK;
    e->batch = batch;
    e->seq = ws->seq;
    e->val = ws->val;
    e->grad = ws->grad;
    e->aux = ws->aux;
    e->scratch = ws->scratch;
    e->state = ws->state;
    e->state_live = ws->state_live;
    e->grad_ready = ws->grad_ready;
    e->sized_for_training = ws->mode == ZN_WS_TRAIN ? m->train.used : NULL;
    e->packed = training ? NULL : ws->packed_b;
    e->nodes = m->nodes;
    e->k = zn_kernels_get();
    e->pool = ws->pool;
    e->max_threads = ws->max_threads;
    e->rng = &ws->rng;
    e->training = training;
    e->param_scale = 0.0f;
    e->status = &p->status;
    p->f.packed_b = training ? NULL : ws->packed_b;
    p->f.packed_rows = zn_ws_packs_rows(ws);
    p->f.pair_step = !training && ws->n_pairs ? ws->pair_step : NULL;
    p->f.look = NULL;
    /* GEMVs alternate their order by pass only when all of the model's
     * weights, half per thread, could stay in the cores' L2 caches in part
     * between passes. */
    e->pass = m->n_param_values <= ALTERNATE_MODEL_MAX_WEIGHTS ? ws->passes++ : 0;
    return ZN_OK;
}

/* After a pass: state made by it belongs to this batch. */
static zn_status finish(zn_ws *ws, const pass *p, const zn_plan *plan) {
    if (p->status == ZN_OK && plan_has_state(ws, plan)) ws->state_batch = p->e.batch;
    return p->status;
}

zn_status zn_model_run(const zn_model *m, zn_ws *ws, const zn_feed *feed, float *const *outputs) {
    pass p;
    zn_status s = bind(m, ws, "zn_model_run", feed, &m->infer, 0, &p);
    if (s != ZN_OK) return s;
    if (m->n_outputs > 0 && !outputs) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_run: outputs is NULL");
    if (zn_pass_adapt_begin(&ws->adapt, feed->batch)) p.e.max_threads = 1;
    zn_fast_forward(&p.e, &p.f, &m->infer);
    s = finish(ws, &p, &m->infer);
    if (s != ZN_OK) return s;
    for (int k = 0; k < m->n_outputs; k++) {
        const zn_node *o = &m->nodes[m->outputs[k]];
        if (outputs[k]) memcpy(outputs[k], ws->val[o->index], (size_t)zn_exec_count(&p.e, o) * sizeof(float));
    }
    return ZN_OK;
}

zn_status zn_model_forward(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs,
                           float *const *outputs) {
    const zn_feed feed = {batch, 0, (const void *const *)inputs};
    return zn_model_run(m, ws, &feed, outputs);
}

zn_status zn_model_run_loss(const zn_model *m, zn_ws *ws, const zn_feed *feed, float *loss) {
    if (m && m->loss < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_loss: the model has no loss");
    if (ws && ws->mode != ZN_WS_TRAIN) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_loss: needs a training workspace");
    pass p;
    zn_status s = bind(m, ws, "zn_model_loss", feed, &m->train, 0, &p);
    if (s != ZN_OK) return s;
    zn_fast_forward(&p.e, &p.f, &m->train);
    s = finish(ws, &p, &m->train);
    if (s == ZN_OK && loss) *loss = ws->val[m->loss][0];
    return s;
}

zn_status zn_model_loss(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs, float *loss) {
    const zn_feed feed = {batch, 0, (const void *const *)inputs};
    return zn_model_run_loss(m, ws, &feed, loss);
}

/* Forward to the loss, then backward. lr == 0: gradients into the
 * workspace's gradient array; otherwise each parameter's gradient is added,
 * times -lr, into the parameter itself as it is computed. */
static zn_status backward(const zn_model *m, zn_ws *ws, const char *fn, const zn_feed *feed, float lr, float *loss,
                          zn_look *look) {
    if (m && m->loss < 0) return zn_error(ZN_ERR_INVALID_ARG, "%s: the model has no loss", fn);
    if (ws && ws->mode != ZN_WS_TRAIN) return zn_error(ZN_ERR_INVALID_ARG, "%s: needs a training workspace", fn);
    pass p;
    zn_status s = bind(m, ws, fn, feed, &m->train, 1, &p);
    if (s != ZN_OK) return s;
    zn_exec *e = &p.e;
    if (look) look->filled = 0;
    p.f.look = look;
    if (zn_pass_adapt_begin(&ws->adapt, feed->batch)) e->max_threads = 1;
    zn_fast_forward(e, &p.f, &m->train);
    if (p.status != ZN_OK) return p.status;
    if (loss) *loss = ws->val[m->loss][0];

    /* Gradient buffers are zeroed (or overwritten whole) by their first
     * writer; the fused step's "gradients" are the parameters themselves,
     * which every write adds to. */
    memset(ws->grad_ready, 0, (size_t)m->n_nodes);
    for (int q = 0; q < m->n_params && lr != 0.0f; q++) {
        ws->grad_ready[m->params[q]] = 1;
        ws->grad[m->params[q]] = ws->val[m->params[q]];
    }
    e->param_scale = -lr;
    ws->grad[m->loss][0] = 1.0f;
    ws->grad_ready[m->loss] = 1;
    const zn_plan *plan = &m->train;
    for (int s2 = plan->n_steps - 1; s2 >= 0 && p.status == ZN_OK; s2--) {
        const zn_node *n = &m->nodes[plan->steps[s2]];
        /* No gradient reached this node (or none is needed): nothing to pass on. */
        if (!m->needs_grad[n->index] || !ws->grad_ready[n->index]) continue;
        zn_fast_backward(e, &p.f, n);
    }
    for (int q = 0; q < m->n_params; q++) {
        const int id = m->params[q];
        const int64_t at = m->param_offset[q], size = zn_node_size(&m->nodes[id]);
        const int64_t next = q + 1 < m->n_params ? m->param_offset[q + 1] : m->n_param_values;
        if (lr != 0.0f) {
            ws->grad[id] = ws->param_grads + at;
            continue;
        }
        /* Zero what no op wrote: a parameter no gradient reached (or that
         * takes none) and the padding after each tensor. */
        const int64_t from = ws->grad_ready[id] ? at + size : at;
        if (next > from) memset(ws->param_grads + from, 0, (size_t)(next - from) * sizeof(float));
    }
    for (int i = 0; i < m->n_inputs; i++) { /* an input gradient no op reached is zero */
        const int id = m->inputs[i];
        if (ws->grad[id] && !ws->grad_ready[id])
            memset(ws->grad[id], 0, (size_t)zn_exec_count(e, &m->nodes[id]) * sizeof(float));
    }
    return finish(ws, &p, &m->train);
}

const float *zn_ws_input_grad(const zn_ws *ws, int i) {
    if (!ws || i < 0 || i >= ws->m->n_inputs || ws->mode != ZN_WS_TRAIN) return NULL;
    return ws->grad[ws->m->inputs[i]];
}

zn_status zn_model_run_backward(const zn_model *m, zn_ws *ws, const zn_feed *feed, float *loss) {
    return backward(m, ws, "zn_model_backward", feed, 0.0f, loss, NULL);
}

zn_status zn_model_backward(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs, float *loss) {
    const zn_feed feed = {batch, 0, (const void *const *)inputs};
    return backward(m, ws, "zn_model_backward", &feed, 0.0f, loss, NULL);
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
    const zn_feed feed = {batch, 0, (const void *const *)inputs};
    return s != ZN_OK ? s : backward(m, ws, "zn_model_train_sgd", &feed, lr, loss, NULL);
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
        for (int i = 0; i < m->n_inputs; i++)
            row[i] = inputs[i] ? inputs[i] + t * zn_node_size(&m->nodes[m->inputs[i]]) : NULL;
        look.next = look.buf && t + 1 < n ? inputs[m->look_input] + (t + 1) * x_cols : NULL;
        float l = 0.0f;
        const zn_feed feed = {1, 0, (const void *const *)row};
        s = backward(m, ws, fn, &feed, lr, &l, look.buf ? &look : NULL);
        look.ready = look.filled; /* the next forward pass takes the product */
        total += l;
    }
    if (row != row_stack) zn_free(row);
    if (s == ZN_OK && loss) *loss = (float)(total / (double)n);
    return s;
}

/* ---- state ------------------------------------------------------------------------- */

int zn_ws_state_count(const zn_ws *ws) {
    int c = 0;
    for (int i = 0; ws && i < ws->m->n_nodes; i++) c += ws->state[i] != NULL;
    return c;
}

/* The node of state i, or -1. */
static int state_node(const zn_ws *ws, int i) {
    for (int k = 0; ws && k < ws->m->n_nodes; k++)
        if (ws->state[k] && i-- == 0) return k;
    return -1;
}

zn_status zn_ws_state_reset(zn_ws *ws) {
    if (!ws) return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_state_reset: ws is NULL");
    memset(ws->state_live, 0, (size_t)ws->m->n_nodes);
    ws->state_batch = 0;
    return ZN_OK;
}

zn_status zn_ws_state_info(const zn_ws *ws, int i, int *node, int64_t *floats_per_sample) {
    const int k = state_node(ws, i);
    if (k < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_state_info: no state %d", i);
    if (node) *node = k;
    if (floats_per_sample) *floats_per_sample = zn_op_def_get(ws->m->nodes[k].op)->state_size(&ws->m->nodes[k]);
    return ZN_OK;
}

zn_status zn_ws_state_read(const zn_ws *ws, int i, float *out, int64_t *batch) {
    const int k = state_node(ws, i);
    if (k < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_state_read: no state %d", i);
    if (!ws->state_live[k] || !ws->state_batch)
        return zn_error(ZN_ERR_INVALID_ARG,
                        "zn_ws_state_read: state %d (node %d) is read before a pass made it (or after a reset)", i, k);
    const int64_t size = zn_op_def_get(ws->m->nodes[k].op)->state_size(&ws->m->nodes[k]);
    if (batch) *batch = ws->state_batch;
    if (out) memcpy(out, ws->state[k], (size_t)(size * ws->state_batch) * sizeof(float));
    return ZN_OK;
}

zn_status zn_ws_state_write(zn_ws *ws, int i, const float *in, int64_t batch) {
    const int k = state_node(ws, i);
    if (k < 0 || !in) return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_state_write: no state %d, or in is NULL", i);
    if (batch < 1 || batch > ws->max_batch)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_ws_state_write: batch %lld not in [1, %lld]", (long long)batch,
                        (long long)ws->max_batch);
    if (ws->state_batch && ws->state_batch != batch)
        return zn_error(ZN_ERR_SHAPE, "zn_ws_state_write: the state holds batch %lld, not %lld (reset it first)",
                        (long long)ws->state_batch, (long long)batch);
    const int64_t size = zn_op_def_get(ws->m->nodes[k].op)->state_size(&ws->m->nodes[k]);
    memcpy(ws->state[k], in, (size_t)(size * batch) * sizeof(float));
    ws->state_live[k] = 1;
    ws->state_batch = batch;
    return ZN_OK;
}

int64_t zn_ws_node_seq_len(const zn_ws *ws, int node_index) {
    if (!ws || node_index < 0 || node_index >= ws->m->n_nodes || ws->m->nodes[node_index].seq_axis < 0) return 0;
    return ws->seq[node_index];
}
