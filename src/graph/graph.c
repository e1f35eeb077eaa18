/* Graph building: nodes, leaves, and the sticky first error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"

zn_status zn_graph_create(zn_graph **out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "zn_graph_create: out is NULL");
    *out = zn_calloc(1, sizeof **out);
    return *out ? ZN_OK : ZN_ERR_OUT_OF_MEMORY;
}

void zn_graph_free(zn_graph *g) {
    if (!g) return;
    for (int i = 0; i < g->count; i++) {
        zn_free(g->nodes[i]->name);
        zn_free(g->nodes[i]);
    }
    zn_free(g->nodes);
    zn_free(g);
}

zn_status zn_graph_status(const zn_graph *g) {
    if (!g) return zn_error(ZN_ERR_INVALID_ARG, "zn_graph_status: graph is NULL");
    if (g->status != ZN_OK) zn_error(g->status, "%s", g->message);
    return g->status;
}

int zn_graph_node_count(const zn_graph *g) { return g ? g->count : 0; }

zn_node *zn_graph_fail(zn_graph *g, zn_status s, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (g && g->status == ZN_OK) {
        g->status = s;
        snprintf(g->message, sizeof g->message, "%s", msg);
    }
    zn_error(s, "%s", msg);
    return NULL;
}

int zn_graph_check_inputs(zn_graph *g, const char *fn, int n, zn_node *const *in) {
    if (!g) {
        zn_error(ZN_ERR_INVALID_ARG, "%s: graph is NULL", fn);
        return 0;
    }
    if (g->status != ZN_OK) return 0; /* an earlier error already explains it */
    for (int i = 0; i < n; i++) {
        if (!in[i]) {
            zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: input %d is NULL", fn, i + 1);
            return 0;
        }
        if (in[i]->index < 0 || in[i]->index >= g->count || g->nodes[in[i]->index] != in[i]) {
            zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: input %d belongs to another graph", fn, i + 1);
            return 0;
        }
    }
    return 1;
}

zn_node *zn_graph_add(zn_graph *g, zn_op op, const zn_node *proto, int n_in, zn_node *const *in) {
    if (g->count == g->cap) {
        int cap = g->cap ? g->cap * 2 : 32;
        zn_node **grown = zn_realloc(g->nodes, (size_t)cap * sizeof *grown);
        if (!grown) return zn_graph_fail(g, ZN_ERR_OUT_OF_MEMORY, "graph: out of memory at node %d", g->count);
        g->nodes = grown;
        g->cap = cap;
    }
    zn_node *n = zn_alloc(sizeof *n);
    if (!n) return zn_graph_fail(g, ZN_ERR_OUT_OF_MEMORY, "graph: out of memory at node %d", g->count);
    *n = *proto;
    n->op = op;
    n->index = g->count;
    n->n_in = n_in;
    for (int i = 0; i < ZN_MAX_OP_INPUTS; i++) n->in[i] = i < n_in ? in[i]->index : -1;
    n->name = NULL;
    n->param = n->input = n->constant = -1;
    if (proto->name) {
        n->name = zn_alloc(strlen(proto->name) + 1);
        if (!n->name) {
            zn_free(n);
            return zn_graph_fail(g, ZN_ERR_OUT_OF_MEMORY, "graph: out of memory");
        }
        strcpy(n->name, proto->name);
    }
    g->nodes[g->count++] = n;
    return n;
}

static int name_taken(const zn_graph *g, const char *name) {
    for (int i = 0; i < g->count; i++)
        if (g->nodes[i]->name && !strcmp(g->nodes[i]->name, name)) return 1;
    return 0;
}

zn_node *zn_input(zn_graph *g, const char *name, int64_t features) {
    if (!zn_graph_check_inputs(g, "zn_input", 0, NULL)) return NULL;
    if (!name || !*name) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input: an input needs a name");
    if (features < 1)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input '%s': features (%lld) < 1", name, (long long)features);
    if (name_taken(g, name)) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input: the name '%s' is taken", name);
    zn_node proto = {0};
    proto.batched = 1;
    proto.rows = 1;
    proto.cols = features;
    proto.name = (char *)(uintptr_t)name;
    zn_node *n = zn_graph_add(g, ZN_OP_INPUT, &proto, 0, NULL);
    if (n) n->input = g->n_inputs++;
    return n;
}

/* Parameters and constants: stored tensors made from an init rule. */
static zn_node *stored(zn_graph *g, const char *fn, zn_op op, const char *name, int64_t rows, int64_t cols,
                       zn_init init, float scale) {
    if (!zn_graph_check_inputs(g, fn, 0, NULL)) return NULL;
    if (!name || !*name) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: a stored tensor needs a name", fn);
    int64_t total;
    if (rows < 1 || cols < 1 || !zn_mul_i64(rows, cols, &total) || total > ((int64_t)1 << 40))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s '%s': bad shape %lld x %lld", fn, name, (long long)rows,
                             (long long)cols);
    if ((int)init < ZN_INIT_UNIFORM || init > ZN_INIT_SPARSE_MASK)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s '%s': unknown init %d", fn, name, (int)init);
    if (init == ZN_INIT_SPARSE_MASK && !(scale > 0.0f && scale <= 1.0f))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s '%s': connection rate %g not in (0, 1]", fn, name,
                             (double)scale);
    if (name_taken(g, name)) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: the name '%s' is taken", fn, name);
    zn_node proto = {0};
    proto.rows = rows;
    proto.cols = cols;
    proto.init = init;
    proto.init_scale = scale;
    proto.name = (char *)(uintptr_t)name;
    zn_node *n = zn_graph_add(g, op, &proto, 0, NULL);
    if (n && op == ZN_OP_PARAM) n->param = g->n_params++;
    if (n && op == ZN_OP_CONST) n->constant = g->n_consts++;
    return n;
}

zn_node *zn_param(zn_graph *g, const char *name, int64_t rows, int64_t cols, zn_init init, float scale) {
    return stored(g, "zn_param", ZN_OP_PARAM, name, rows, cols, init, scale);
}

zn_node *zn_const(zn_graph *g, const char *name, int64_t rows, int64_t cols, zn_init init, float scale) {
    return stored(g, "zn_const", ZN_OP_CONST, name, rows, cols, init, scale);
}

int zn_node_index(const zn_node *n) { return n ? n->index : -1; }
int64_t zn_node_features(const zn_node *n) { return n ? n->cols : 0; }

/* Leaves: their values are bound (inputs) or live in the model (parameters). */
static void leaf_noop(const zn_exec *e, const zn_node *n) {
    (void)e;
    (void)n;
}
const zn_op_def zn_op_input_def = {"input", leaf_noop, leaf_noop, NULL};
const zn_op_def zn_op_param_def = {"param", leaf_noop, leaf_noop, NULL};
const zn_op_def zn_op_const_def = {"const", leaf_noop, leaf_noop, NULL};

const zn_op_def *zn_op_def_get(zn_op op) {
    static const zn_op_def *const table[ZN_OP_COUNT] = {
        [ZN_OP_INPUT] = &zn_op_input_def,
        [ZN_OP_PARAM] = &zn_op_param_def,
        [ZN_OP_MATMUL] = &zn_op_matmul_def,
        [ZN_OP_ADD] = &zn_op_add_def,
        [ZN_OP_SUB] = &zn_op_sub_def,
        [ZN_OP_MUL] = &zn_op_mul_def,
        [ZN_OP_SCALE] = &zn_op_scale_def,
        [ZN_OP_CONCAT] = &zn_op_concat_def,
        [ZN_OP_SLICE] = &zn_op_slice_def,
        [ZN_OP_ACT] = &zn_op_act_def,
        [ZN_OP_SOFTMAX] = &zn_op_softmax_def,
        [ZN_OP_DROPOUT] = &zn_op_dropout_def,
        [ZN_OP_MSE] = &zn_op_mse_def,
        [ZN_OP_MAE] = &zn_op_mae_def,
        [ZN_OP_HUBER] = &zn_op_huber_def,
        [ZN_OP_BCE_LOGITS] = &zn_op_bce_logits_def,
        [ZN_OP_SOFTMAX_XENT] = &zn_op_softmax_xent_def,
        [ZN_OP_CONST] = &zn_op_const_def,
        [ZN_OP_TANH_ERROR] = &zn_op_tanh_error_def,
    };
    return ((int)op >= 0 && op < ZN_OP_COUNT) ? table[op] : NULL;
}

float *zn_exec_input_grad_beta(const zn_exec *e, const zn_node *n, int slot, float *beta) {
    const int id = n->in[slot];
    *beta = e->grad_ready[id] ? 1.0f : 0.0f;
    if (e->grad[id]) e->grad_ready[id] = 1;
    return e->grad[id];
}

float *zn_exec_input_grad(const zn_exec *e, const zn_node *n, int slot) {
    int id = n->in[slot];
    float *g = e->grad[id];
    if (!g) return NULL;
    if (!e->grad_ready[id]) {
        const zn_node *src = &e->nodes[id];
        int64_t count = zn_node_size(src) * (src->batched ? e->batch : 1);
        memset(g, 0, (size_t)count * sizeof(float));
        e->grad_ready[id] = 1;
    }
    return g;
}
