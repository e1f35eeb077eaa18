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

int zn_node_set_shape(zn_node *n, int nd, const int64_t *dim) {
    if (nd < 1 || nd > ZN_MAX_DIMS) return 0;
    int64_t rows = 1, total = 1;
    for (int i = 0; i < nd; i++) {
        if (dim[i] < 1 || !zn_mul_i64(total, dim[i], &total) || total > ((int64_t)1 << 40)) return 0;
        if (i + 1 < nd) rows *= dim[i];
    }
    n->nd = nd;
    for (int i = 0; i < ZN_MAX_DIMS; i++) n->dim[i] = i < nd ? dim[i] : 1;
    n->rows = rows;
    n->cols = dim[nd - 1];
    return 1;
}

zn_node zn_node_blank(void) {
    zn_node n;
    memset(&n, 0, sizeof n);
    n.seq_axis = -1;
    n.dtype = ZN_F32;
    return n;
}

zn_node zn_node_like(const zn_node *x) {
    zn_node n = zn_node_blank();
    n.batched = x->batched;
    n.nd = x->nd;
    memcpy(n.dim, x->dim, sizeof n.dim);
    n.rows = x->rows;
    n.cols = x->cols;
    n.seq_axis = x->seq_axis;
    return n;
}

const char *zn_shape_str(const zn_node *n, char *buf, size_t size) {
    size_t at = 0;
    int w = snprintf(buf, size, "[%s", n->batched ? "B" : "");
    at = w > 0 ? (size_t)w : 0;
    for (int i = 0; i < n->nd && at < size; i++) {
        w = snprintf(buf + at, size - at, "%s%lld%s", (i || n->batched) ? ", " : "", (long long)n->dim[i],
                     i == n->seq_axis ? " (seq)" : "");
        at += w > 0 ? (size_t)w : 0;
    }
    if (at < size) snprintf(buf + at, size - at, "]");
    return buf;
}

int zn_node_shape(const zn_node *n, int64_t *dims) {
    if (!n) return 0;
    for (int i = 0; dims && i < n->nd; i++) dims[i] = n->dim[i];
    return n->nd;
}

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

zn_node *zn_graph_error(zn_graph *g, zn_status s, const char *message) {
    return zn_graph_fail(g, s == ZN_OK ? ZN_ERR_INVALID_ARG : s, "%s", message ? message : "error");
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
    if (n_in < 0 || n_in > ZN_MAX_OP_INPUTS)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "graph: node %d has %d inputs (at most %d)", g->count, n_in,
                             ZN_MAX_OP_INPUTS);
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

zn_node *zn_input_nd(zn_graph *g, const char *name, zn_dtype dtype, int nd, const int64_t *dims, int seq_axis) {
    if (!zn_graph_check_inputs(g, "zn_input", 0, NULL)) return NULL;
    if (!name || !*name) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input: an input needs a name");
    if (dtype != ZN_F32 && dtype != ZN_I32)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input '%s': dtype %s (inputs are f32 or i32 ids)", name,
                             zn_dtype_name(dtype));
    if (!dims || nd < 1 || nd > ZN_MAX_DIMS)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input '%s': %d dimensions (1 to %d)", name, nd, ZN_MAX_DIMS);
    for (int i = 0; i < nd; i++)
        if (dims[i] < 1)
            return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input '%s': dimension %d is %lld (must be >= 1)", name,
                                 i + 1, (long long)dims[i]);
    if (seq_axis < -1 || seq_axis >= nd)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input '%s': seq axis %d not in [-1, %d)", name, seq_axis, nd);
    if (name_taken(g, name)) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input: the name '%s' is taken", name);
    zn_node proto = zn_node_blank();
    proto.batched = 1;
    if (!zn_node_set_shape(&proto, nd, dims))
        return zn_graph_fail(g, ZN_ERR_OVERFLOW, "zn_input '%s': the shape is too large", name);
    proto.seq_axis = seq_axis;
    proto.dtype = dtype;
    proto.name = (char *)(uintptr_t)name;
    zn_node *n = zn_graph_add(g, ZN_OP_INPUT, &proto, 0, NULL);
    if (n) n->input = g->n_inputs++;
    return n;
}

zn_node *zn_input(zn_graph *g, const char *name, int64_t features) {
    if (g && g->status == ZN_OK && features < 1)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_input '%s': features (%lld) < 1", name ? name : "",
                             (long long)features);
    return zn_input_nd(g, name, ZN_F32, 1, &features, -1);
}

zn_node *zn_input_seq(zn_graph *g, const char *name, int64_t max_len, int64_t features) {
    const int64_t dims[2] = {max_len, features};
    return zn_input_nd(g, name, ZN_F32, 2, dims, 0);
}

zn_node *zn_input_ids(zn_graph *g, const char *name, int64_t max_len) {
    return zn_input_nd(g, name, ZN_I32, 1, &max_len, 0);
}

/* Parameters and constants: stored tensors made from an init rule. */
static zn_node *stored(zn_graph *g, const char *fn, zn_op op, const char *name, int nd, const int64_t *dims,
                       zn_init init, float scale) {
    if (!zn_graph_check_inputs(g, fn, 0, NULL)) return NULL;
    if (!name || !*name) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: a stored tensor needs a name", fn);
    zn_node proto = zn_node_blank();
    if (!dims || !zn_node_set_shape(&proto, nd, dims))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s '%s': bad shape (%d dims, each >= 1, at most 2^40 values)", fn,
                             name, nd);
    if ((int)init < ZN_INIT_UNIFORM || init > ZN_INIT_SPARSE_MASK)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s '%s': unknown init %d", fn, name, (int)init);
    if (init == ZN_INIT_SPARSE_MASK && !(scale > 0.0f && scale <= 1.0f))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s '%s': connection rate %g not in (0, 1]", fn, name,
                             (double)scale);
    if (name_taken(g, name)) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: the name '%s' is taken", fn, name);
    proto.init = init;
    proto.init_scale = scale;
    proto.name = (char *)(uintptr_t)name;
    zn_node *n = zn_graph_add(g, op, &proto, 0, NULL);
    if (n && op == ZN_OP_PARAM) n->param = g->n_params++;
    if (n && op == ZN_OP_CONST) n->constant = g->n_consts++;
    return n;
}

zn_node *zn_param(zn_graph *g, const char *name, int64_t rows, int64_t cols, zn_init init, float scale) {
    const int64_t dims[2] = {rows, cols};
    return stored(g, "zn_param", ZN_OP_PARAM, name, 2, dims, init, scale);
}

zn_node *zn_param_nd(zn_graph *g, const char *name, int nd, const int64_t *dims, zn_init init, float scale) {
    return stored(g, "zn_param", ZN_OP_PARAM, name, nd, dims, init, scale);
}

zn_node *zn_const(zn_graph *g, const char *name, int64_t rows, int64_t cols, zn_init init, float scale) {
    const int64_t dims[2] = {rows, cols};
    return stored(g, "zn_const", ZN_OP_CONST, name, 2, dims, init, scale);
}

int zn_node_index(const zn_node *n) { return n ? n->index : -1; }
int64_t zn_node_features(const zn_node *n) { return n ? n->cols : 0; }

/* Leaves: their values are bound (inputs) or live in the model (parameters). */
static void leaf_noop(const zn_exec *e, const zn_node *n) {
    (void)e;
    (void)n;
}
const zn_op_def zn_op_input_def = {.name = "input", .flags = ZN_OPF_LEAF, .forward = leaf_noop, .backward = leaf_noop};
const zn_op_def zn_op_param_def = {.name = "param", .flags = ZN_OPF_LEAF, .forward = leaf_noop, .backward = leaf_noop};
const zn_op_def zn_op_const_def = {.name = "const", .flags = ZN_OPF_LEAF, .forward = leaf_noop, .backward = leaf_noop};

int zn_op_by_name(const char *name) {
    for (int op = 0; name && op < ZN_OP_COUNT; op++)
        if (!strcmp(zn_op_def_get((zn_op)op)->name, name)) return op;
    return -1;
}

const zn_op_def *zn_op_def_get(zn_op op) {
    static const zn_op_def *const table[ZN_OP_COUNT] = {
#define ZN_OP_X(ID, name) [ZN_OP_##ID] = &zn_op_##name##_def,
#include "graph/op_list.h"
#undef ZN_OP_X
    };
    return ((int)op >= 0 && op < ZN_OP_COUNT) ? table[op] : NULL;
}

void zn_exec_fail(const zn_exec *e, zn_status s, const char *fmt, ...) {
    if (*e->status != ZN_OK) return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    *e->status = s;
    zn_error(s, "%s", msg);
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
        int64_t count = zn_exec_count(e, &e->nodes[id]);
        memset(g, 0, (size_t)count * sizeof(float));
        e->grad_ready[id] = 1;
    }
    return g;
}

zn_node *zn_graph_add_node(zn_graph *g, const zn_node_info *info, zn_node *const *in) {
    if (!zn_graph_check_inputs(g, "zn_graph_add_node", 0, NULL)) return NULL;
    if (!info || !info->op || info->n_in < 0 || info->n_in > ZN_MAX_OP_INPUTS || (info->n_in > 0 && !in))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_graph_add_node (node %d): no op, or a bad input list",
                             g->count);
    const int op = zn_op_by_name(info->op);
    if (op < 0) return zn_graph_fail(g, ZN_ERR_FORMAT, "node %d: unknown op '%s'", g->count, info->op);
    if (!zn_graph_check_inputs(g, info->op, info->n_in, in)) return NULL;
    const int leaf = zn_op_is_leaf((zn_op)op);
    if (leaf != (info->n_in == 0))
        return zn_graph_fail(g, ZN_ERR_FORMAT, "node %d (%s): %d inputs", g->count, info->op, info->n_in);
    zn_node *n = NULL;
    if (op == ZN_OP_INPUT)
        n = zn_input_nd(g, info->name, info->dtype, info->nd, info->dims, info->seq_axis);
    else if (op == ZN_OP_PARAM || op == ZN_OP_CONST)
        n = stored(g, op == ZN_OP_PARAM ? "zn_param" : "zn_const", (zn_op)op, info->name, info->nd, info->dims,
                   info->init, info->init_scale);
    else if (zn_op_def_get((zn_op)op)->rebuild)
        n = zn_op_def_get((zn_op)op)->rebuild(g, in, info);
    else
        return zn_graph_fail(g, ZN_ERR_UNSUPPORTED, "node %d: op '%s' cannot be rebuilt", g->count, info->op);
    if (!n) return NULL;
    int same = n->op == (zn_op)op && n->nd == info->nd && n->seq_axis == info->seq_axis && n->dtype == info->dtype &&
               n->batched == info->batched && n->n_in == info->n_in;
    for (int i = 0; same && i < n->nd; i++) same = n->dim[i] == info->dims[i];
    if (!same) {
        char got[96];
        return zn_graph_fail(g, ZN_ERR_FORMAT, "node %d (%s): rebuilt as %s, which is not the shape described",
                             n->index, info->op, zn_shape_str(n, got, sizeof got));
    }
    return n;
}
