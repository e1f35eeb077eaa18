/* Element-wise add, sub and mul with broadcasting: shapes align from the
 * last axis; a dimension of 1 (or a missing one, or no batch dimension)
 * repeats over the other operand's (a bias over time, a scale per channel). */
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"
#include "kernels/parallel.h"

enum { AXES = ZN_MAX_DIMS + 1 }; /* the batch, then the per-sample dims right-aligned */

/* The node's run-time shape right-aligned into AXES axes (the batch first,
 * the last axis last, so the innermost loop runs over it). */
static void aligned_shape(const zn_exec *e, const zn_node *n, int64_t *shape) {
    for (int i = 0; i < AXES; i++) shape[i] = 1;
    shape[0] = n->batched ? e->batch : 1;
    for (int i = 0; i < n->nd; i++) shape[AXES - n->nd + i] = zn_exec_dim(e, n, i);
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
    aligned_shape(e, n, v.shape);
    aligned_shape(e, a, ash);
    aligned_shape(e, b, bsh);
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

/* ---- the loops, over a part of one axis so that large values split over the pool ---- */

/* One element-wise job: a forward (y from a and b) or one operand's
 * gradient (d += k dy (other)), over [begin, end) of axis `axis` of the
 * output (or of flat blocks of BLOCK elements when `flat`). Each output
 * element, and each element of d, is computed by one thread in the serial
 * order, so results are the same bits for any thread count. */
typedef struct bin_job {
    const bview *v;
    int kind, flat, axis;
    int64_t count;
    const float *a, *b; /* forward: operands */
    float *y;
    const float *dy; /* backward */
    float k;
    float *d;
    const int64_t *sd;
    const float *other;
    const int64_t *so;
    const zn_vmath_kernels *vm;
} bin_job;

enum { BLOCK = 16 };

/* The loops read the job's fields into locals first: a float store could
 * otherwise alias j->k and stop vectorisation. */
static void flat_part(const bin_job *j, int64_t lo, int64_t hi) {
    const int kind = j->kind;
    const float k = j->k, *a = j->a, *b = j->b, *dy = j->dy, *other = j->other;
    float *y = j->y, *d = j->d;
    if (y) {
        if (kind == OP_ADD)
            for (int64_t i = lo; i < hi; i++) y[i] = a[i] + b[i];
        else if (kind == OP_SUB)
            for (int64_t i = lo; i < hi; i++) y[i] = a[i] - b[i];
        else
            for (int64_t i = lo; i < hi; i++) y[i] = a[i] * b[i];
    } else if (!other) {
        j->vm->axpy((size_t)(hi - lo), k, dy + lo, d + lo);
    } else {
        for (int64_t i = lo; i < hi; i++) d[i] += k * dy[i] * other[i];
    }
}

/* One inner row of n elements (strides s1, s2 of the first and second array). */
static void row_forward(int kind, int64_t n, const float *pa, int64_t ia, const float *pb, int64_t ib, float *py) {
    if (ia == 1 && ib == 1) {
        if (kind == OP_ADD)
            for (int64_t q = 0; q < n; q++) py[q] = pa[q] + pb[q];
        else if (kind == OP_SUB)
            for (int64_t q = 0; q < n; q++) py[q] = pa[q] - pb[q];
        else
            for (int64_t q = 0; q < n; q++) py[q] = pa[q] * pb[q];
        return;
    }
    for (int64_t q = 0; q < n; q++) py[q] = apply(kind, pa[q * ia], pb[q * ib]);
}

static void row_backward(int64_t n, float k, const float *pdy, float *pd, int64_t id, const float *po, int64_t io) {
    if (!po) {
        if (id == 1)
            for (int64_t q = 0; q < n; q++) pd[q] += k * pdy[q];
        else
            for (int64_t q = 0; q < n; q++) pd[q * id] += k * pdy[q];
        return;
    }
    if (id == 1 && io == 1)
        for (int64_t q = 0; q < n; q++) pd[q] += k * pdy[q] * po[q];
    else
        for (int64_t q = 0; q < n; q++) pd[q * id] += k * pdy[q] * po[q * io];
}

static void bin_part(void *ctx, int64_t begin, int64_t end) {
    const bin_job *j = ctx;
    if (j->flat) {
        const int64_t hi = end * BLOCK < j->count ? end * BLOCK : j->count;
        flat_part(j, begin * BLOCK, hi);
        return;
    }
    const bview *v = j->v;
    int64_t lo[AXES], hi[AXES], sy[AXES], s = 1;
    for (int i = AXES - 1; i >= 0; i--) {
        lo[i] = 0, hi[i] = v->shape[i];
        sy[i] = s;
        s *= v->shape[i];
    }
    lo[j->axis] = begin, hi[j->axis] = end;
    const int L = AXES - 1;
    /* forward reads a and b at their strides; backward reads other and writes d */
    const int64_t *s1 = j->y ? v->sa : j->sd, *s2 = j->y ? v->sb : j->so;
    const int64_t n = hi[L] - lo[L];
    for (int64_t i0 = lo[0]; i0 < hi[0]; i0++)
        for (int64_t i1 = lo[1]; i1 < hi[1]; i1++)
            for (int64_t i2 = lo[2]; i2 < hi[2]; i2++)
                for (int64_t i3 = lo[3]; i3 < hi[3]; i3++) {
                    const int64_t o1 = i0 * s1[0] + i1 * s1[1] + i2 * s1[2] + i3 * s1[3] + lo[L] * s1[L];
                    const int64_t o2 = i0 * s2[0] + i1 * s2[1] + i2 * s2[2] + i3 * s2[3] + lo[L] * s2[L];
                    const int64_t oy = i0 * sy[0] + i1 * sy[1] + i2 * sy[2] + i3 * sy[3] + lo[L];
                    if (j->y)
                        row_forward(j->kind, n, j->a + o1, s1[L], j->b + o2, s2[L], j->y + oy);
                    else
                        row_backward(n, j->k, j->dy + oy, j->d + o1, s1[L], j->other ? j->other + o2 : NULL, s2[L]);
                }
}

/* Runs the job on the pool when large (ZN_PAR_MIN_ELEMENTWISE elements a thread
 * at least). Broadcast jobs split an axis along which the written array
 * does not repeat (the outermost long one), so no two threads write one
 * element; with none, the caller runs it alone. */
static void bin_run(const zn_exec *e, bin_job *j, const int64_t *written_stride) {
    zn_pool *pool = e->max_threads == 1 ? NULL : (e->pool ? e->pool : zn_pool_default());
    if (j->flat) {
        const int64_t blocks = (j->count + BLOCK - 1) / BLOCK;
        zn_parallel_rows(pool, e->max_threads, blocks, zn_rows_per_thread(BLOCK, ZN_PAR_MIN_ELEMENTWISE), bin_part, j);
        return;
    }
    const int64_t total = j->count;
    int axis = -1;
    for (int i = 0; i < AXES && axis < 0; i++)
        if (written_stride[i] != 0 && j->v->shape[i] >= 4) axis = i;
    for (int i = 0; i < AXES && axis < 0; i++)
        if (written_stride[i] != 0 && j->v->shape[i] > 1) axis = i;
    if (axis < 0) {
        j->axis = 0;
        bin_part(j, 0, j->v->shape[0]);
        return;
    }
    j->axis = axis;
    const int64_t per_index = total / j->v->shape[axis];
    zn_parallel_rows(pool, e->max_threads, j->v->shape[axis], zn_rows_per_thread(per_index, ZN_PAR_MIN_ELEMENTWISE),
                     bin_part, j);
}

static void binary_forward(const zn_exec *e, const zn_node *n, int kind) {
    const bview v = view_of(e, n);
    bin_job j = {.v = &v, .kind = kind, .flat = v.same, .count = zn_exec_count(e, n)};
    j.a = e->val[n->in[0]], j.b = e->val[n->in[1]], j.y = e->val[n->index];
    int64_t sy[AXES];
    for (int i = 0; i < AXES; i++) sy[i] = 1; /* the output never repeats */
    bin_run(e, &j, sy);
}

/* Adds dy * (1 | other operand) times k into d (one operand's gradient),
 * summed over the axes where that operand repeats; other is NULL for add
 * and sub. sd, so: the strides of d's and other's operand. */
static void accumulate(const zn_exec *e, const bview *v, const float *dy, float k, float *d, const int64_t *sd,
                       const float *other, const int64_t *so) {
    bin_job j = {.v = v, .flat = v->same, .count = 1, .vm = &e->k->vmath};
    for (int i = 0; i < AXES; i++) j.count *= v->shape[i];
    j.dy = dy, j.k = k, j.d = d, j.sd = sd, j.other = other, j.so = so;
    bin_run(e, &j, sd);
}

/* d(a op b): da += dy * (1 | b), db += dy * (1 | -1 | a), summed over the
 * axes where an operand repeats. */
static void binary_backward(const zn_exec *e, const zn_node *n, int kind) {
    const float *dy = e->grad[n->index], *a = e->val[n->in[0]], *b = e->val[n->in[1]];
    float *da = zn_exec_input_grad(e, n, 0), *db = zn_exec_input_grad(e, n, 1);
    const float ka = zn_exec_grad_scale(e, n, 0), kb = zn_exec_grad_scale(e, n, 1) * (kind == OP_SUB ? -1.0f : 1.0f);
    const bview v = view_of(e, n);
    const float *ob = kind == OP_MUL ? b : NULL, *oa = kind == OP_MUL ? a : NULL;
    if (da && da == a && db) {
        /* a fused step writes a in place (its gradient buffer is a itself):
         * db reads a before that */
        accumulate(e, &v, dy, kb, db, v.sb, oa, v.sa);
        accumulate(e, &v, dy, ka, da, v.sa, ob, v.sb);
        return;
    }
    if (da) accumulate(e, &v, dy, ka, da, v.sa, ob, v.sb);
    if (db) accumulate(e, &v, dy, kb, db, v.sb, oa, v.sa);
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
