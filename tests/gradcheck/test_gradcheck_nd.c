/* Gradients of the N-D ops against double-precision references
 * (gradcheck_ref.h): matmul over the last axis, broadcasting add/sub/mul,
 * concat and slice along an axis, reshape, permute, reductions, the batched
 * product, softmax over an axis, an activation on a 3-D value. */
#include "gradcheck_ref.h"

#define OP(nd_, batched_, ...)                                                                                         \
    { .nd = nd_, .dims = {__VA_ARGS__}, .batched = batched_ }

static int64_t prod(const int64_t *d, int n) {
    int64_t s = 1;
    for (int i = 0; i < n; i++) s *= d[i];
    return s;
}

/* ---- matmul over the last axis: x [3, 4] batched, W [4, 5], b [5] ---- */
static zn_node *b_matmul(zn_graph *g, zn_node **o, const void *ctx) {
    (void)ctx;
    return zn_matmul(g, o[0], o[1], o[2]);
}
static void r_matmul(int64_t batch, const double *const *o, double *y, const void *ctx) {
    (void)ctx;
    for (int64_t r = 0; r < batch * 3; r++)
        for (int j = 0; j < 5; j++) {
            double s = o[2][j];
            for (int i = 0; i < 4; i++) s += o[0][r * 4 + i] * o[1][i * 5 + j];
            y[r * 5 + j] = s;
        }
}

/* ---- broadcasting binary ops: the output [d0, d1, d2] from operands aligned right ---- */
typedef struct bin_ctx {
    int kind; /* 0 add, 1 sub, 2 mul */
    int nd;   /* output per-sample dims */
    int64_t out[3];
    gc_operand a, b;
} bin_ctx;

static zn_node *b_binary(zn_graph *g, zn_node **o, const void *ctx) {
    const bin_ctx *c = ctx;
    return c->kind == 0 ? zn_add(g, o[0], o[1]) : c->kind == 1 ? zn_sub(g, o[0], o[1]) : zn_mul(g, o[0], o[1]);
}

/* Index of output element (i0, i1, i2) in an operand right-aligned to 3 axes. */
static int64_t bin_index(const gc_operand *op, const int64_t *idx) {
    int64_t dims[3] = {1, 1, 1}, at = 0;
    for (int i = 0; i < op->nd; i++) dims[3 - op->nd + i] = op->dims[i];
    for (int i = 0; i < 3; i++) at = at * dims[i] + (dims[i] == 1 ? 0 : idx[i]);
    return at;
}

static void r_binary(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const bin_ctx *c = ctx;
    int64_t out[3] = {1, 1, 1};
    for (int i = 0; i < c->nd; i++) out[3 - c->nd + i] = c->out[i];
    const int64_t sa = prod(c->a.dims, c->a.nd), sb = prod(c->b.dims, c->b.nd);
    for (int64_t b = 0; b < batch; b++)
        for (int64_t i0 = 0; i0 < out[0]; i0++)
            for (int64_t i1 = 0; i1 < out[1]; i1++)
                for (int64_t i2 = 0; i2 < out[2]; i2++) {
                    const int64_t idx[3] = {i0, i1, i2};
                    const double x = o[0][(c->a.batched ? b * sa : 0) + bin_index(&c->a, idx)];
                    const double z = o[1][(c->b.batched ? b * sb : 0) + bin_index(&c->b, idx)];
                    *y++ = c->kind == 0 ? x + z : c->kind == 1 ? x - z : x * z;
                }
}

static void check_binary(const char *label, int kind, int nd, const int64_t *out, gc_operand a, gc_operand b) {
    bin_ctx c = {kind, nd, {0}, a, b};
    for (int i = 0; i < nd; i++) c.out[i] = out[i];
    gc_case k = {label, 2, {a, b}, 3, b_binary, r_binary, &c, 0};
    gc_run(&k);
}

/* ---- concat along axis 0 or 1 of [rows, cols] operands ---- */
typedef struct cat_ctx {
    int axis;
    int64_t r0, c0, r1, c1;
} cat_ctx;
static zn_node *b_concat(zn_graph *g, zn_node **o, const void *ctx) {
    const cat_ctx *c = ctx;
    return zn_concat_axis(g, o, 2, c->axis);
}
static void r_concat(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const cat_ctx *c = ctx;
    for (int64_t b = 0; b < batch; b++) {
        const double *a = o[0] + b * c->r0 * c->c0, *z = o[1] + b * c->r1 * c->c1;
        if (c->axis == 0) {
            for (int64_t i = 0; i < c->r0 * c->c0; i++) *y++ = a[i];
            for (int64_t i = 0; i < c->r1 * c->c1; i++) *y++ = z[i];
        } else
            for (int64_t r = 0; r < c->r0; r++) {
                for (int64_t j = 0; j < c->c0; j++) *y++ = a[r * c->c0 + j];
                for (int64_t j = 0; j < c->c1; j++) *y++ = z[r * c->c1 + j];
            }
    }
}

/* ---- slice [1, 4) of axis 0 of [5, 3] ---- */
static zn_node *b_slice(zn_graph *g, zn_node **o, const void *ctx) {
    (void)ctx;
    return zn_slice_axis(g, o[0], 0, 1, 4);
}
static void r_slice(int64_t batch, const double *const *o, double *y, const void *ctx) {
    (void)ctx;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t i = 3; i < 12; i++) *y++ = o[0][b * 15 + i];
}

/* ---- reshape [2, 6] -> [3, 4], then times a weight [4] (the view feeds an op) ---- */
static zn_node *b_reshape(zn_graph *g, zn_node **o, const void *ctx) {
    (void)ctx;
    const int64_t dims[2] = {3, 4};
    return zn_mul(g, zn_reshape(g, o[0], 2, dims), o[1]);
}
static void r_reshape(int64_t batch, const double *const *o, double *y, const void *ctx) {
    (void)ctx;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t i = 0; i < 12; i++) *y++ = o[0][b * 12 + i] * o[1][i % 4];
}

/* ---- permute [2, 3, 4] by {2, 0, 1} -> [4, 2, 3] ---- */
static zn_node *b_permute(zn_graph *g, zn_node **o, const void *ctx) {
    (void)ctx;
    const int perm[3] = {2, 0, 1};
    return zn_permute(g, o[0], perm);
}
static void r_permute(int64_t batch, const double *const *o, double *y, const void *ctx) {
    (void)ctx;
    for (int64_t b = 0; b < batch; b++)
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++) *y++ = o[0][b * 24 + (i * 3 + j) * 4 + k];
}

/* ---- reductions over axis 1 of [3, 4, 2] ---- */
static zn_node *b_reduce(zn_graph *g, zn_node **o, const void *ctx) {
    const int kind = *(const int *)ctx;
    return kind == 0 ? zn_reduce_sum(g, o[0], 1) : kind == 1 ? zn_reduce_mean(g, o[0], 1) : zn_reduce_max(g, o[0], 1);
}
static void r_reduce(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const int kind = *(const int *)ctx;
    for (int64_t b = 0; b < batch; b++)
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 2; k++) {
                double acc = kind == 2 ? -1e300 : 0;
                for (int j = 0; j < 4; j++) {
                    const double v = o[0][b * 24 + (i * 4 + j) * 2 + k];
                    acc = kind == 2 ? (v > acc ? v : acc) : acc + v;
                }
                *y++ = kind == 1 ? acc / 4 : acc;
            }
}

/* ---- batched product [2, m, k] x [2, k, n], operands optionally transposed ---- */
typedef struct bmm_ctx {
    int ta, tb;
} bmm_ctx;
static zn_node *b_bmm(zn_graph *g, zn_node **o, const void *ctx) {
    const bmm_ctx *c = ctx;
    return zn_bmm(g, o[0], o[1], c->ta, c->tb);
}
static void r_bmm(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const bmm_ctx *c = ctx;
    enum { M = 3, K = 4, N = 5 };
    for (int64_t b = 0; b < batch * 2; b++) {
        const double *a = o[0] + b * M * K, *z = o[1] + b * K * N;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int k = 0; k < K; k++)
                    s += (c->ta ? a[k * M + i] : a[i * K + k]) * (c->tb ? z[j * K + k] : z[k * N + j]);
                *y++ = s;
            }
    }
}

/* ---- softmax over axis 0 of [4, 3] ---- */
static zn_node *b_softmax0(zn_graph *g, zn_node **o, const void *ctx) {
    (void)ctx;
    return zn_softmax_axis(g, o[0], 0);
}
static void r_softmax0(int64_t batch, const double *const *o, double *y, const void *ctx) {
    (void)ctx;
    for (int64_t b = 0; b < batch; b++)
        for (int j = 0; j < 3; j++) {
            double mx = -1e300, s = 0;
            for (int i = 0; i < 4; i++) mx = fmax(mx, o[0][b * 12 + i * 3 + j]);
            for (int i = 0; i < 4; i++) s += exp(o[0][b * 12 + i * 3 + j] - mx);
            for (int i = 0; i < 4; i++) y[b * 12 + i * 3 + j] = exp(o[0][b * 12 + i * 3 + j] - mx) / s;
        }
}

/* ---- tanh on [2, 3, 2] ---- */
static zn_node *b_tanh(zn_graph *g, zn_node **o, const void *ctx) {
    (void)ctx;
    return zn_activation(g, o[0], ZN_NACT_TANH, 0.7f);
}
static void r_tanh(int64_t batch, const double *const *o, double *y, const void *ctx) {
    (void)ctx;
    for (int64_t i = 0; i < batch * 12; i++) y[i] = tanh(0.7 * o[0][i]);
}

static void test_linear_and_binary(void) {
    gc_case mm = {
        "matmul [3,4] x [4,5] + [5]", 3, {OP(2, 1, 3, 4), OP(2, 0, 4, 5), OP(1, 0, 5)}, 2, b_matmul, r_matmul, NULL, 0};
    gc_run(&mm);
    const int64_t o34[2] = {3, 4}, o234[3] = {2, 3, 4};
    check_binary("add [3,4] + [4] (unbatched)", 0, 2, o34, (gc_operand)OP(2, 1, 3, 4), (gc_operand)OP(1, 0, 4));
    check_binary("mul [3,4] * [3,1]", 2, 2, o34, (gc_operand)OP(2, 1, 3, 4), (gc_operand)OP(2, 1, 3, 1));
    check_binary("sub [4] - [2,3,4]", 1, 3, o234, (gc_operand)OP(1, 1, 4), (gc_operand)OP(3, 1, 2, 3, 4));
    check_binary("mul [2,3,4] * [2,3,4]", 2, 3, o234, (gc_operand)OP(3, 1, 2, 3, 4), (gc_operand)OP(3, 1, 2, 3, 4));
    check_binary("mul [2,1,4] * [3,1]", 2, 3, o234, (gc_operand)OP(3, 1, 2, 1, 4), (gc_operand)OP(2, 0, 3, 1));
}

static void test_layout(void) {
    cat_ctx c0 = {0, 2, 3, 4, 3}, c1 = {1, 2, 3, 2, 1};
    gc_case k0 = {"concat axis 0", 2, {OP(2, 1, 2, 3), OP(2, 1, 4, 3)}, 3, b_concat, r_concat, &c0, 0};
    gc_case k1 = {"concat axis 1", 2, {OP(2, 1, 2, 3), OP(2, 1, 2, 1)}, 3, b_concat, r_concat, &c1, 0};
    gc_case sl = {"slice axis 0", 1, {OP(2, 1, 5, 3)}, 2, b_slice, r_slice, NULL, 0};
    gc_case rs = {"reshape [2,6] -> [3,4]", 2, {OP(2, 1, 2, 6), OP(1, 0, 4)}, 2, b_reshape, r_reshape, NULL, 0};
    gc_case pm = {"permute {2,0,1}", 1, {OP(3, 1, 2, 3, 4)}, 2, b_permute, r_permute, NULL, 0};
    gc_run(&k0);
    gc_run(&k1);
    gc_run(&sl);
    gc_run(&rs);
    gc_run(&pm);
    static const int kinds[3] = {0, 1, 2};
    static const char *const names[3] = {"reduce_sum axis 1", "reduce_mean axis 1", "reduce_max axis 1"};
    for (int k = 0; k < 3; k++) {
        gc_case r = {names[k], 1, {OP(3, 1, 3, 4, 2)}, 2, b_reduce, r_reduce, &kinds[k], 0};
        gc_run(&r);
    }
}

static void test_bmm_softmax_act(void) {
    static const bmm_ctx t[4] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
    static const char *const names[4] = {"bmm", "bmm a^T", "bmm b^T", "bmm a^T b^T"};
    for (int i = 0; i < 4; i++) {
        gc_operand a = t[i].ta ? (gc_operand)OP(3, 1, 2, 4, 3) : (gc_operand)OP(3, 1, 2, 3, 4);
        gc_operand b = t[i].tb ? (gc_operand)OP(3, 1, 2, 5, 4) : (gc_operand)OP(3, 1, 2, 4, 5);
        gc_case k = {names[i], 2, {a, b}, 2, b_bmm, r_bmm, &t[i], 0};
        gc_run(&k);
    }
    gc_case sm = {"softmax axis 0", 1, {OP(2, 1, 4, 3)}, 2, b_softmax0, r_softmax0, NULL, 0};
    gc_case th = {"tanh on [2,3,2]", 1, {OP(3, 1, 2, 3, 2)}, 2, b_tanh, r_tanh, NULL, 0};
    gc_run(&sm);
    gc_run(&th);
}

int main(void) {
    ZT_RUN(test_linear_and_binary);
    ZT_RUN(test_layout);
    ZT_RUN(test_bmm_softmax_act);
    return zt_finish();
}
