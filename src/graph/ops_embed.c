/* Ops on int32 ids over the kernels of kernels/embed.h: the embedding
 * (a gather of table rows; its gradient a scatter-add) and one-hot. */
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"
#include "kernels/embed.h"

static zn_pool *op_pool(const zn_exec *e) {
    return e->max_threads == 1 ? NULL : (e->pool ? e->pool : zn_pool_default());
}

/* ids: a batch node of int32 with at most ZN_MAX_DIMS - 1 axes (the result adds one). */
static int check_ids(zn_graph *g, const char *fn, const zn_node *ids) {
    char si[96];
    if (!ids->batched || ids->dtype != ZN_I32 || ids->nd >= ZN_MAX_DIMS) {
        zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): ids %s must be an int32 batch node of at most %d axes", fn,
                      g->count, zn_shape_str(ids, si, sizeof si), ZN_MAX_DIMS - 1);
        return 0;
    }
    return 1;
}

/* [B, ids' dims..., last]: the ids' shape and sequence axis, one more axis. */
static int out_shape(const zn_node *ids, int64_t last, zn_node *proto) {
    int64_t dims[ZN_MAX_DIMS];
    memcpy(dims, ids->dim, (size_t)ids->nd * sizeof *dims);
    dims[ids->nd] = last;
    *proto = zn_node_like(ids);
    proto->dtype = ZN_F32;
    return zn_node_set_shape(proto, ids->nd + 1, dims);
}

/* The first id of this pass outside [0, v) as the pass's error, naming its
 * batch row and step (the position within the sample); 0 then. */
static int ids_in_range(const zn_exec *e, const zn_node *n, const char *what, int64_t v) {
    const zn_node *ids = &e->nodes[n->in[0]];
    const int32_t *id = (const int32_t *)(const void *)e->val[ids->index];
    const int64_t per = zn_exec_size(e, ids), count = per * e->batch;
    for (int64_t i = 0; i < count; i++)
        if (id[i] < 0 || id[i] >= v) {
            zn_exec_fail(e, ZN_ERR_INVALID_ARG, "%s (node %d): ids[%lld][%lld] = %d is outside [0, %lld)", what,
                         n->index, (long long)(i / per), (long long)(i % per), (int)id[i], (long long)v);
            return 0;
        }
    return 1;
}

/* ---- embedding ----------------------------------------------------------------------------------- */

zn_node *zn_embedding_op(zn_graph *g, zn_node *ids, zn_node *table) {
    static const char fn[] = "zn_embedding_op";
    zn_node *in[2] = {ids, table};
    if (!zn_graph_check_inputs(g, fn, 2, in) || !check_ids(g, fn, ids)) return NULL;
    char st[96];
    if (table->batched || table->dtype != ZN_F32 || table->nd != 2)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "%s (node %d): the table %s must be an unbatched float [V, D]", fn,
                             g->count, zn_shape_str(table, st, sizeof st));
    zn_node proto;
    if (!out_shape(ids, table->cols, &proto))
        return zn_graph_fail(g, ZN_ERR_OVERFLOW, "%s (node %d): the result is too large", fn, g->count);
    return zn_graph_add(g, ZN_OP_EMBEDDING, &proto, 2, in);
}

static void embedding_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *table = &e->nodes[n->in[1]];
    if (!ids_in_range(e, n, "embedding", table->rows)) return; /* nothing written */
    const int64_t count = zn_exec_count(e, &e->nodes[n->in[0]]);
    zn_status s = zn_embedding_forward(count, (const int32_t *)(const void *)e->val[n->in[0]], table->rows, table->cols,
                                       e->val[table->index], e->val[n->index], op_pool(e), e->max_threads);
    if (s != ZN_OK) zn_exec_fail(e, s, "embedding (node %d): %s", n->index, zn_last_error());
}

/* dtable[id] += dy of every position holding id, in position order. */
static void embedding_backward(const zn_exec *e, const zn_node *n) {
    float *dtable = zn_exec_input_grad(e, n, 1);
    if (!dtable) return;
    const zn_node *table = &e->nodes[n->in[1]];
    const int64_t count = zn_exec_count(e, &e->nodes[n->in[0]]);
    zn_status s = zn_embedding_backward(count, (const int32_t *)(const void *)e->val[n->in[0]], table->rows,
                                        table->cols, e->grad[n->index], dtable, op_pool(e), e->max_threads);
    if (s != ZN_OK) zn_exec_fail(e, s, "embedding (node %d): %s", n->index, zn_last_error());
}

static zn_node *rebuild_embedding(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    (void)info;
    return zn_embedding_op(g, in[0], in[1]);
}

const zn_op_def zn_op_embedding_def = {.name = "embedding",
                                       .flags = ZN_OPF_BWD_DECLARED,
                                       .forward = embedding_forward,
                                       .backward = embedding_backward,
                                       .bwd_reads = 1u,
                                       .rebuild = rebuild_embedding};

/* ---- one-hot --------------------------------------------------------------------------------------- */

zn_node *zn_one_hot_op(zn_graph *g, zn_node *ids, int64_t classes) {
    static const char fn[] = "zn_one_hot_op";
    if (!zn_graph_check_inputs(g, fn, 1, &ids) || !check_ids(g, fn, ids)) return NULL;
    if (classes < 1)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): %lld classes (must be >= 1)", fn, g->count,
                             (long long)classes);
    zn_node proto;
    if (!out_shape(ids, classes, &proto))
        return zn_graph_fail(g, ZN_ERR_OVERFLOW, "%s (node %d): the result is too large", fn, g->count);
    proto.a.size[0] = classes;
    return zn_graph_add(g, ZN_OP_ONE_HOT, &proto, 1, &ids);
}

static void one_hot_forward(const zn_exec *e, const zn_node *n) {
    if (!ids_in_range(e, n, "one_hot", n->cols)) return;
    const int64_t count = zn_exec_count(e, &e->nodes[n->in[0]]);
    zn_status s = zn_one_hot(count, (const int32_t *)(const void *)e->val[n->in[0]], n->cols, e->val[n->index],
                             op_pool(e), e->max_threads);
    if (s != ZN_OK) zn_exec_fail(e, s, "one_hot (node %d): %s", n->index, zn_last_error());
}

/* Ids take no gradient. */
static void one_hot_backward(const zn_exec *e, const zn_node *n) {
    (void)e;
    (void)n;
}

static zn_node *rebuild_one_hot(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_one_hot_op(g, in[0], info->attrs.size[0]);
}

const zn_op_def zn_op_one_hot_def = {.name = "one_hot",
                                     .flags = ZN_OPF_BWD_DECLARED,
                                     .forward = one_hot_forward,
                                     .backward = one_hot_backward,
                                     .bwd_reads = 0u,
                                     .rebuild = rebuild_one_hot};
