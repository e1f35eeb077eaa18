/* Element-wise add, sub and mul with broadcasting: shapes align from the
 * last axis; a dimension of 1 (or a missing one, or no batch dimension)
 * repeats over the other operand's (a bias over time, a scale per channel). */
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"

enum { AXES = ZN_MAX_DIMS + 1 }; /* the batch, then the per-sample dims right-aligned */

/* The node's run-time shape right-aligned into AXES axes (batch first). */
static void aligned_shape(const zn_exec *e, const zn_node *n, int out_nd, int64_t *shape) {
    for (int i = 0; i < AXES; i++) shape[i] = 1;
    shape[0] = n->batched ? e->batch : 1;
    for (int i = 0; i < n->nd; i++) shape[1 + out_nd - n->nd + i] = zn_exec_dim(e, n, i);
}

/* Element strides of an operand over the output's axes: 0 where it repeats. */
static void strides(const int64_t *shape, int64_t *stride) {
    int64_t s = 1;
    for (int i = AXES - 1; i >= 0; i--) {
        stride[i] = shape[i] == 1 ? 0 : s;
        s *= shape[i];
    }
}

typedef struct bview {
    int64_t shape[AXES];        /* the output's */
    int64_t sa[AXES], sb[AXES]; /* the operands' strides */
    int same;                   /* both have the output's shape: one flat loop */
} bview;

static bview view_of(const zn_exec *e, const zn_node *n) {
    const zn_node *a = &e->nodes[n->in[0]], *b = &e->nodes[n->in[1]];
    bview v;
    int64_t ash[AXES], bsh[AXES];
    aligned_shape(e, n, n->nd, v.shape);
    aligned_shape(e, a, n->nd, ash);
    aligned_shape(e, b, n->nd, bsh);
    strides(ash, v.sa);
    strides(bsh, v.sb);
    v.same = !memcmp(ash, v.shape, sizeof ash) && !memcmp(bsh, v.shape, sizeof bsh);
    return v;
}

enum { OP_ADD, OP_SUB, OP_MUL };

static zn_node *binary(zn_graph *g, const char *fn, zn_op op, zn_node *a, zn_node *b) {
    zn_node *in[2] = {a, b};
    if (!zn_graph_check_inputs(g, fn, 2, in)) return NULL;
    char sa[96], sb[96];
    if (a->dtype != ZN_F32 || b->dtype != ZN_F32)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s (node %d): an operand holds ids", fn, g->count);
    const int nd = a->nd > b->nd ? a->nd : b->nd;
    int64_t dims[ZN_MAX_DIMS];
    int seq = -1;
    for (int i = 0; i < nd; i++) {
        const int ia = i - (nd - a->nd), ib = i - (nd - b->nd);
        const int64_t da = ia >= 0 ? a->dim[ia] : 1, db = ib >= 0 ? b->dim[ib] : 1;
        const int qa = ia >= 0 && ia == a->seq_axis, qb = ib >= 0 && ib == b->seq_axis;
        if (da != db && da != 1 && db != 1)
            return zn_graph_fail(g, ZN_ERR_SHAPE, "%s (node %d): shapes %s and %s do not broadcast", fn, g->count,
                                 zn_shape_str(a, sa, sizeof sa), zn_shape_str(b, sb, sizeof sb));
        /* a sequence axis meets the other's sequence axis or a 1 */
        if ((qa && !qb && db != 1) || (qb && !qa && da != 1))
            return zn_graph_fail(g, ZN_ERR_SHAPE, "%s (node %d): %s and %s: a sequence axis meets a fixed one", fn,
                                 g->count, zn_shape_str(a, sa, sizeof sa), zn_shape_str(b, sb, sizeof sb));
        dims[i] = da > db ? da : db;
        if (qa || qb) seq = i;
    }
    zn_node proto = zn_node_blank();
    proto.batched = a->batched || b->batched;
    zn_node_set_shape(&proto, nd, dims);
    proto.seq_axis = seq;
    return zn_graph_add(g, op, &proto, 2, in);
}

zn_node *zn_add(zn_graph *g, zn_node *a, zn_node *b) { return binary(g, "zn_add", ZN_OP_ADD, a, b); }
zn_node *zn_sub(zn_graph *g, zn_node *a, zn_node *b) { return binary(g, "zn_sub", ZN_OP_SUB, a, b); }
zn_node *zn_mul(zn_graph *g, zn_node *a, zn_node *b) { return binary(g, "zn_mul", ZN_OP_MUL, a, b); }

static float apply(int kind, float x, float y) { return kind == OP_ADD ? x + y : kind == OP_SUB ? x - y : x * y; }

static void binary_forward(const zn_exec *e, const zn_node *n, int kind) {
    const float *a = e->val[n->in[0]], *b = e->val[n->in[1]];
    float *y = e->val[n->index];
    const bview v = view_of(e, n);
    if (v.same) {
        const int64_t c = zn_exec_count(e, n);
        for (int64_t i = 0; i < c; i++) y[i] = apply(kind, a[i], b[i]);
        return;
    }
    const int64_t inner = v.shape[AXES - 1], ia = v.sa[AXES - 1], ib = v.sb[AXES - 1];
    for (int64_t i0 = 0; i0 < v.shape[0]; i0++)
        for (int64_t i1 = 0; i1 < v.shape[1]; i1++)
            for (int64_t i2 = 0; i2 < v.shape[2]; i2++)
                for (int64_t i3 = 0; i3 < v.shape[3]; i3++) {
                    const float *pa = a + i0 * v.sa[0] + i1 * v.sa[1] + i2 * v.sa[2] + i3 * v.sa[3];
                    const float *pb = b + i0 * v.sb[0] + i1 * v.sb[1] + i2 * v.sb[2] + i3 * v.sb[3];
                    for (int64_t j = 0; j < inner; j++) *y++ = apply(kind, pa[j * ia], pb[j * ib]);
                }
}

/* Adds dy * (1 | other operand) times k into d (one operand's gradient),
 * summed over the axes where that operand repeats; other is NULL for add
 * and sub. sd, so: the strides of d's and other's operand. */
static void accumulate(const bview *v, const float *dy, float k, float *d, const int64_t *sd, const float *other,
                       const int64_t *so) {
    const int64_t inner = v->shape[AXES - 1], id = sd[AXES - 1], io = so[AXES - 1];
    for (int64_t i0 = 0; i0 < v->shape[0]; i0++)
        for (int64_t i1 = 0; i1 < v->shape[1]; i1++)
            for (int64_t i2 = 0; i2 < v->shape[2]; i2++)
                for (int64_t i3 = 0; i3 < v->shape[3]; i3++) {
                    float *pd = d + i0 * sd[0] + i1 * sd[1] + i2 * sd[2] + i3 * sd[3];
                    if (!other) {
                        for (int64_t j = 0; j < inner; j++, dy++) pd[j * id] += k * *dy;
                        continue;
                    }
                    const float *po = other + i0 * so[0] + i1 * so[1] + i2 * so[2] + i3 * so[3];
                    for (int64_t j = 0; j < inner; j++, dy++) pd[j * id] += k * *dy * po[j * io];
                }
}

/* d(a op b): da += dy * (1 | b), db += dy * (1 | -1 | a), summed over the
 * axes where an operand repeats. */
static void binary_backward(const zn_exec *e, const zn_node *n, int kind) {
    const float *dy = e->grad[n->index], *a = e->val[n->in[0]], *b = e->val[n->in[1]];
    float *da = zn_exec_input_grad(e, n, 0), *db = zn_exec_input_grad(e, n, 1);
    const float ka = zn_exec_grad_scale(e, n, 0), kb = zn_exec_grad_scale(e, n, 1) * (kind == OP_SUB ? -1.0f : 1.0f);
    const bview v = view_of(e, n);
    if (v.same && kind != OP_MUL) {
        const size_t c = (size_t)zn_exec_count(e, n);
        if (da) e->k->vmath.axpy(c, ka, dy, da);
        if (db) e->k->vmath.axpy(c, kb, dy, db);
        return;
    }
    if (v.same) { /* mul: both products per element before either write (a fused step writes in place) */
        const int64_t c = zn_exec_count(e, n);
        for (int64_t i = 0; i < c; i++) {
            const float ai = a[i], bi = b[i];
            if (da) da[i] += ka * dy[i] * bi;
            if (db) db[i] += kb * dy[i] * ai;
        }
        return;
    }
    if (da) accumulate(&v, dy, ka, da, v.sa, kind == OP_MUL ? b : NULL, v.sb);
    if (db) accumulate(&v, dy, kb, db, v.sb, kind == OP_MUL ? a : NULL, v.sa);
}

static void add_forward(const zn_exec *e, const zn_node *n) { binary_forward(e, n, OP_ADD); }
static void sub_forward(const zn_exec *e, const zn_node *n) { binary_forward(e, n, OP_SUB); }
static void mul_forward(const zn_exec *e, const zn_node *n) { binary_forward(e, n, OP_MUL); }
static void add_backward(const zn_exec *e, const zn_node *n) { binary_backward(e, n, OP_ADD); }
static void sub_backward(const zn_exec *e, const zn_node *n) { binary_backward(e, n, OP_SUB); }
static void mul_backward(const zn_exec *e, const zn_node *n) { binary_backward(e, n, OP_MUL); }

static zn_node *rebuild_add(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    (void)info;
    return zn_add(g, in[0], in[1]);
}

const zn_op_def zn_op_add_def = {.name = "add",
                                 .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_SCALES_GRAD | ZN_OPF_FUSED_MULTI,
                                 .forward = add_forward,
                                 .backward = add_backward,
                                 .bwd_reads = 0u,
                                 .rebuild = rebuild_add};
static zn_node *rebuild_sub(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    (void)info;
    return zn_sub(g, in[0], in[1]);
}

const zn_op_def zn_op_sub_def = {.name = "sub",
                                 .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_SCALES_GRAD | ZN_OPF_FUSED_MULTI,
                                 .forward = sub_forward,
                                 .backward = sub_backward,
                                 .bwd_reads = 0u,
                                 .rebuild = rebuild_sub};
static zn_node *rebuild_mul(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    (void)info;
    return zn_mul(g, in[0], in[1]);
}

const zn_op_def zn_op_mul_def = {.name = "mul",
                                 .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_SCALES_GRAD,
                                 .forward = mul_forward,
                                 .backward = mul_backward,
                                 .bwd_reads = 3u,
                                 .rebuild = rebuild_mul};
