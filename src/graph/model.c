/* zn_model: compiling a graph (copy, schedules, parameter block) and the
 * accessors. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "graph/fastpath.h"
#include "graph/model_internal.h"

static zn_status plan_build(zn_plan *p, const zn_model *m, const int *roots, int n_roots) {
    p->used = zn_calloc((size_t)m->n_nodes, 1);
    p->steps = zn_calloc((size_t)m->n_nodes, sizeof(int));
    if (!p->used || !p->steps) return ZN_ERR_OUT_OF_MEMORY;
    for (int r = 0; r < n_roots; r++) p->used[roots[r]] = 1;
    /* Nodes only point backwards, so one reverse sweep marks what the roots need. */
    for (int i = m->n_nodes - 1; i >= 0; i--)
        if (p->used[i])
            for (int k = 0; k < m->nodes[i].n_in; k++) p->used[m->nodes[i].in[k]] = 1;
    p->n_steps = 0;
    for (int i = 0; i < m->n_nodes; i++)
        if (p->used[i] && !zn_op_is_leaf(m->nodes[i].op)) p->steps[p->n_steps++] = i;
    return ZN_OK;
}

static void plan_free(zn_plan *p) {
    zn_free(p->steps);
    zn_free(p->used);
}

static int is_loss_op(zn_op op) { return (zn_op_def_get(op)->flags & ZN_OPF_LOSS) != 0; }

/* A 0/1 mask keeping round(rate * rows * cols) connections, at least one per
 * unit (column) and one per input (row), so no neuron is cut off. */
static void init_sparse_mask(const zn_node *n, float *w, zn_rng *rng) {
    int64_t rows = n->rows, cols = n->cols, total = rows * cols, kept = 0;
    int64_t want = (int64_t)((double)n->init_scale * (double)total + 0.5);
    memset(w, 0, (size_t)total * sizeof(float));
    for (int64_t c = 0; c < cols; c++) { /* every unit gets an input */
        int64_t r = (int64_t)zn_rng_below(rng, (uint64_t)rows);
        if (w[r * cols + c] == 0.0f) w[r * cols + c] = 1.0f, kept++;
    }
    for (int64_t r = 0; r < rows; r++) { /* every input feeds a unit */
        int used = 0;
        for (int64_t c = 0; c < cols && !used; c++) used = w[r * cols + c] != 0.0f;
        if (!used) w[r * cols + (int64_t)zn_rng_below(rng, (uint64_t)cols)] = 1.0f, kept++;
    }
    while (kept < want) { /* then random extra connections up to the rate */
        int64_t k = (int64_t)zn_rng_below(rng, (uint64_t)total);
        if (w[k] == 0.0f) w[k] = 1.0f, kept++;
    }
}

static void init_param(const zn_node *n, float *w, zn_rng *rng) {
    size_t count = (size_t)zn_node_size(n);
    /* x W layout [in, out]; PyTorch's [out, in, kernel...] from three dims on */
    double fan_in = (double)n->rows, fan_out = (double)n->cols;
    if (n->nd >= 3) {
        fan_in = (double)count / (double)n->dim[0];
        fan_out = (double)count / (double)n->dim[1];
    }
    switch (n->init) {
    case ZN_INIT_UNIFORM: zn_rng_fill_uniform(rng, w, count, -n->init_scale, n->init_scale); break;
    case ZN_INIT_XAVIER: {
        float limit = (float)(n->init_scale * sqrt(6.0 / (fan_in + fan_out)));
        zn_rng_fill_uniform(rng, w, count, -limit, limit);
        break;
    }
    case ZN_INIT_HE: zn_rng_fill_normal(rng, w, count, 0.0f, (float)(n->init_scale * sqrt(2.0 / fan_in))); break;
    case ZN_INIT_ZERO: memset(w, 0, count * sizeof(float)); break;
    case ZN_INIT_CONSTANT:
        for (size_t i = 0; i < count; i++) w[i] = n->init_scale;
        break;
    case ZN_INIT_SPARSE_MASK: init_sparse_mask(n, w, rng); break;
    }
}

static zn_status check_roots(const zn_graph *g, zn_node *const *outputs, int n_outputs, zn_node *loss) {
    if (!g) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_compile: graph is NULL");
    if (g->status != ZN_OK) return zn_error(g->status, "zn_model_compile: the graph has an error: %s", g->message);
    if (n_outputs < 0 || (n_outputs > 0 && !outputs) || (n_outputs == 0 && !loss))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_model_compile: give at least one output or a loss");
    for (int i = 0; i < n_outputs; i++) {
        const zn_node *o = outputs[i];
        if (!o || o->index < 0 || o->index >= g->count || g->nodes[o->index] != o)
            return zn_error(ZN_ERR_INVALID_ARG, "zn_model_compile: output %d is NULL or from another graph", i);
        if (!o->batched) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_compile: output %d is not a batch node", i);
    }
    if (loss) {
        if (loss->index < 0 || loss->index >= g->count || g->nodes[loss->index] != loss)
            return zn_error(ZN_ERR_INVALID_ARG, "zn_model_compile: the loss is from another graph");
        if (!is_loss_op(loss->op)) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_compile: the loss node is not a loss");
    }
    return ZN_OK;
}

zn_status zn_model_compile(const zn_graph *g, zn_node *const *outputs, int n_outputs, zn_node *loss, uint64_t seed,
                           zn_model **out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_compile: out is NULL");
    *out = NULL;
    zn_status s = check_roots(g, outputs, n_outputs, loss);
    if (s != ZN_OK) return s;
    zn_model *m = zn_calloc(1, sizeof *m);
    if (!m) return ZN_ERR_OUT_OF_MEMORY;
    m->n_nodes = g->count;
    m->loss = loss ? loss->index : -1;
    m->n_outputs = n_outputs;
    m->n_inputs = g->n_inputs;
    m->n_params = g->n_params;
    m->n_consts = g->n_consts;
    m->nodes = zn_calloc((size_t)g->count, sizeof *m->nodes);
    m->outputs = zn_calloc((size_t)(n_outputs ? n_outputs : 1), sizeof(int));
    m->inputs = zn_calloc((size_t)(g->n_inputs ? g->n_inputs : 1), sizeof(int));
    m->params = zn_calloc((size_t)(g->n_params ? g->n_params : 1), sizeof(int));
    m->param_offset = zn_calloc((size_t)(g->n_params ? g->n_params : 1), sizeof(int64_t));
    m->needs_grad = zn_calloc((size_t)g->count, 1);
    m->consts = zn_calloc((size_t)(g->n_consts ? g->n_consts : 1), sizeof(int));
    m->const_offset = zn_calloc((size_t)(g->n_consts ? g->n_consts : 1), sizeof(int64_t));
    if (!m->nodes || !m->outputs || !m->inputs || !m->params || !m->param_offset || !m->needs_grad || !m->consts ||
        !m->const_offset) {
        zn_model_free(m);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    for (int i = 0; i < g->count; i++) {
        m->nodes[i] = *g->nodes[i];
        m->nodes[i].name = NULL;
        if (g->nodes[i]->name) {
            m->nodes[i].name = zn_alloc(strlen(g->nodes[i]->name) + 1);
            if (!m->nodes[i].name) {
                zn_model_free(m);
                return ZN_ERR_OUT_OF_MEMORY;
            }
            strcpy(m->nodes[i].name, g->nodes[i]->name);
        }
        if (m->nodes[i].input >= 0) m->inputs[m->nodes[i].input] = i;
        if (m->nodes[i].param >= 0) {
            m->params[m->nodes[i].param] = i;
            m->param_offset[m->nodes[i].param] = m->n_param_values;
            /* Each tensor starts on a 64-byte boundary: kernels like aligned rows. */
            m->n_param_values += (zn_node_size(&m->nodes[i]) + 15) & ~(int64_t)15;
        }
        if (m->nodes[i].constant >= 0) {
            m->consts[m->nodes[i].constant] = i;
            m->const_offset[m->nodes[i].constant] = m->n_const_values;
            m->n_const_values += (zn_node_size(&m->nodes[i]) + 15) & ~(int64_t)15;
        }
    }
    for (int i = 0; i < n_outputs; i++) m->outputs[i] = outputs[i]->index;

    m->params_data = zn_calloc((size_t)(m->n_param_values ? m->n_param_values : 1), sizeof(float));
    m->consts_data = zn_calloc((size_t)(m->n_const_values ? m->n_const_values : 1), sizeof(float));
    if (!m->params_data || !m->consts_data) {
        zn_model_free(m);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_model_compile: cannot allocate %lld parameters",
                        (long long)m->n_param_values);
    }
    zn_rng rng;
    zn_rng_seed(&rng, seed);
    for (int p = 0; p < m->n_params; p++)
        init_param(&m->nodes[m->params[p]], m->params_data + m->param_offset[p], &rng);
    for (int c = 0; c < m->n_consts; c++)
        init_param(&m->nodes[m->consts[c]], m->consts_data + m->const_offset[c], &rng);

    s = plan_build(&m->infer, m, m->outputs, m->n_outputs);
    if (s == ZN_OK && loss) s = plan_build(&m->train, m, &m->loss, 1);
    if (s != ZN_OK) {
        zn_model_free(m);
        return s;
    }
    /* The fused SGD step writes each parameter while backpropagating: safe when
     * a parameter has one consumer, of a kind that scales its contribution
     * (and, with several parameter inputs, never reads one after writing another). */
    m->fused_sgd_ok = loss != NULL;
    for (int p = 0; p < m->n_params; p++) {
        int consumers = 0;
        for (int i = 0; i < m->n_nodes; i++)
            for (int k = 0; k < m->nodes[i].n_in; k++)
                if (m->nodes[i].in[k] == m->params[p]) {
                    consumers++;
                    if (!(zn_op_def_get(m->nodes[i].op)->flags & ZN_OPF_SCALES_GRAD)) m->fused_sgd_ok = 0;
                }
        if (consumers > 1) m->fused_sgd_ok = 0;
    }
    for (int i = 0; i < m->n_nodes; i++) {
        int param_inputs = 0;
        for (int k = 0; k < m->nodes[i].n_in; k++) param_inputs += m->nodes[m->nodes[i].in[k]].op == ZN_OP_PARAM;
        if (param_inputs > 1 && !(zn_op_def_get(m->nodes[i].op)->flags & ZN_OPF_FUSED_MULTI)) m->fused_sgd_ok = 0;
    }
    /* A node takes a gradient when a parameter, or an input that asks for one, feeds it. */
    for (int i = 0; loss && i < m->n_nodes; i++) {
        const zn_node *n = &m->nodes[i];
        if (n->op == ZN_OP_PARAM || n->wants_grad) m->needs_grad[i] = 1;
        for (int k = 0; k < n->n_in; k++) m->needs_grad[i] |= m->needs_grad[n->in[k]];
        if (!m->train.used[i]) m->needs_grad[i] = 0;
    }
    zn_fast_find_look(m);
    *out = m;
    return ZN_OK;
}

void zn_model_free(zn_model *m) {
    if (!m) return;
    for (int i = 0; m->nodes && i < m->n_nodes; i++) zn_free(m->nodes[i].name);
    zn_free(m->nodes);
    zn_free(m->outputs);
    zn_free(m->inputs);
    zn_free(m->params);
    zn_free(m->param_offset);
    zn_free(m->params_data);
    zn_free(m->consts);
    zn_free(m->const_offset);
    zn_free(m->consts_data);
    zn_free(m->needs_grad);
    plan_free(&m->infer);
    plan_free(&m->train);
    zn_free(m);
}

float *zn_model_params(zn_model *m, int64_t *count) {
    if (count) *count = m ? m->n_param_values : 0;
    return m ? m->params_data : NULL;
}

const float *zn_model_params_const(const zn_model *m, int64_t *count) {
    if (count) *count = m ? m->n_param_values : 0;
    return m ? m->params_data : NULL;
}

int zn_model_param_tensors(const zn_model *m) { return m ? m->n_params : 0; }

/* Name, shape and offset of a stored tensor (parameter or constant). */
static zn_status stored_info(const zn_model *m, const int *nodes, const int64_t *offsets, int count, int i,
                             const char *what, const char **name, int64_t *rows, int64_t *cols, int64_t *offset) {
    if (!m || i < 0 || i >= count) return zn_error(ZN_ERR_INVALID_ARG, "zn_model_%s_info: no %s %d", what, what, i);
    const zn_node *n = &m->nodes[nodes[i]];
    if (name) *name = n->name;
    if (rows) *rows = n->rows;
    if (cols) *cols = n->cols;
    if (offset) *offset = offsets[i];
    return ZN_OK;
}

zn_status zn_model_param_info(const zn_model *m, int i, const char **name, int64_t *rows, int64_t *cols,
                              int64_t *offset) {
    return m ? stored_info(m, m->params, m->param_offset, m->n_params, i, "param", name, rows, cols, offset)
             : stored_info(NULL, NULL, NULL, 0, i, "param", name, rows, cols, offset);
}

int zn_model_input_count(const zn_model *m) { return m ? m->n_inputs : 0; }
int zn_model_output_count(const zn_model *m) { return m ? m->n_outputs : 0; }
int zn_model_has_loss(const zn_model *m) { return m && m->loss >= 0; }

const char *zn_model_input_name(const zn_model *m, int i) {
    return (m && i >= 0 && i < m->n_inputs) ? m->nodes[m->inputs[i]].name : NULL;
}

int64_t zn_model_input_features(const zn_model *m, int i) {
    return (m && i >= 0 && i < m->n_inputs) ? m->nodes[m->inputs[i]].cols : 0;
}

int64_t zn_model_output_features(const zn_model *m, int i) {
    return (m && i >= 0 && i < m->n_outputs) ? m->nodes[m->outputs[i]].cols : 0;
}

static int shape_of(const zn_node *n, int64_t *dims) {
    for (int k = 0; dims && k < n->nd; k++) dims[k] = n->dim[k];
    return n->nd;
}

int zn_model_input_shape(const zn_model *m, int i, int64_t *dims) {
    return (m && i >= 0 && i < m->n_inputs) ? shape_of(&m->nodes[m->inputs[i]], dims) : 0;
}

int zn_model_output_shape(const zn_model *m, int i, int64_t *dims) {
    return (m && i >= 0 && i < m->n_outputs) ? shape_of(&m->nodes[m->outputs[i]], dims) : 0;
}

zn_dtype zn_model_input_dtype(const zn_model *m, int i) {
    return (m && i >= 0 && i < m->n_inputs) ? m->nodes[m->inputs[i]].dtype : ZN_F32;
}

int zn_model_has_dropout(const zn_model *m) {
    for (int i = 0; m && i < m->n_nodes; i++)
        if (m->nodes[i].op == ZN_OP_DROPOUT && m->nodes[i].a.f[0] > 0.0f && (m->train.used[i] || m->infer.used[i]))
            return 1;
    return 0;
}

int zn_model_loss_output_node(const zn_model *m, int i) {
    if (!m || m->loss < 0 || i < 0 || i >= m->n_outputs) return -1;
    const int id = m->outputs[i];
    return m->train.used[id] && !zn_op_is_leaf(m->nodes[id].op) ? id : -1;
}

float *zn_model_consts(zn_model *m, int64_t *count) {
    if (count) *count = m ? m->n_const_values : 0;
    return m ? m->consts_data : NULL;
}

int zn_model_const_tensors(const zn_model *m) { return m ? m->n_consts : 0; }

zn_status zn_model_const_info(const zn_model *m, int i, const char **name, int64_t *rows, int64_t *cols,
                              int64_t *offset) {
    return m ? stored_info(m, m->consts, m->const_offset, m->n_consts, i, "const", name, rows, cols, offset)
             : stored_info(NULL, NULL, NULL, 0, i, "const", name, rows, cols, offset);
}

int zn_model_node_count(const zn_model *m) { return m ? m->n_nodes : 0; }
int zn_model_output_node(const zn_model *m, int k) { return m && k >= 0 && k < m->n_outputs ? m->outputs[k] : -1; }
int zn_model_loss_node(const zn_model *m) { return m ? m->loss : -1; }

zn_status zn_model_node_info(const zn_model *m, int i, zn_node_info *out) {
    if (!m || !out || i < 0 || i >= m->n_nodes)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_model_node_info: no node %d", i);
    const zn_node *n = &m->nodes[i];
    memset(out, 0, sizeof *out);
    out->op = zn_op_def_get(n->op)->name;
    out->name = n->name;
    out->n_in = n->n_in;
    out->in = n->in;
    out->batched = n->batched;
    out->nd = n->nd;
    memcpy(out->dims, n->dim, sizeof out->dims);
    out->seq_axis = n->seq_axis;
    out->dtype = n->dtype;
    out->attrs = n->a;
    out->init = n->init;
    out->init_scale = n->init_scale;
    out->wants_grad = n->wants_grad;
    return ZN_OK;
}

int zn_model_param_shape(const zn_model *m, int i, int64_t *dims) {
    return (m && i >= 0 && i < m->n_params) ? shape_of(&m->nodes[m->params[i]], dims) : 0;
}

int zn_model_const_shape(const zn_model *m, int i, int64_t *dims) {
    return (m && i >= 0 && i < m->n_consts) ? shape_of(&m->nodes[m->consts[i]], dims) : 0;
}
