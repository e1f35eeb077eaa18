/* Losses: scalar nodes, averaged over the batch. Their backward writes the
 * gradient of the loss itself (the root of the backward pass). */
#include <math.h>

#include "base/internal.h"
#include "graph/graph_internal.h"

static zn_node *loss_node(zn_graph *g, const char *fn, zn_op op, zn_node *y, zn_node *t, float param) {
    zn_node *in[2] = {y, t};
    if (!zn_graph_check_inputs(g, fn, 2, in)) return NULL;
    if (!y->batched || !t->batched)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: prediction and target must be batch nodes", fn);
    char sy[96], st[96];
    int same = y->nd == t->nd && y->seq_axis == t->seq_axis && y->dtype == ZN_F32 && t->dtype == ZN_F32;
    for (int i = 0; same && i < y->nd; i++) same = y->dim[i] == t->dim[i];
    if (!same)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "%s (node %d): prediction %s and target %s differ", fn, g->count,
                             zn_shape_str(y, sy, sizeof sy), zn_shape_str(t, st, sizeof st));
    zn_node proto = zn_node_blank();
    const int64_t one = 1;
    zn_node_set_shape(&proto, 1, &one);
    proto.a.f[0] = param;
    return zn_graph_add(g, op, &proto, 2, in);
}

zn_node *zn_mse(zn_graph *g, zn_node *y, zn_node *t) { return loss_node(g, "zn_mse", ZN_OP_MSE, y, t, 0); }
/* FANN's error: half the sum of squares over the outputs, mean over samples. */
zn_node *zn_sse(zn_graph *g, zn_node *y, zn_node *t) { return loss_node(g, "zn_sse", ZN_OP_MSE, y, t, 1); }
zn_node *zn_mae(zn_graph *g, zn_node *y, zn_node *t) { return loss_node(g, "zn_mae", ZN_OP_MAE, y, t, 0); }
zn_node *zn_bce_logits(zn_graph *g, zn_node *z, zn_node *t) {
    return loss_node(g, "zn_bce_logits", ZN_OP_BCE_LOGITS, z, t, 0);
}
zn_node *zn_softmax_xent(zn_graph *g, zn_node *z, zn_node *t) {
    return loss_node(g, "zn_softmax_xent", ZN_OP_SOFTMAX_XENT, z, t, 0);
}
/* f[0]: 1 when FANN halves the difference first (symmetric outputs) */
zn_node *zn_tanh_error(zn_graph *g, zn_node *y, zn_node *t) {
    return loss_node(g, "zn_tanh_error", ZN_OP_TANH_ERROR, y, t, 0);
}
zn_node *zn_tanh_error_symmetric(zn_graph *g, zn_node *y, zn_node *t) {
    return loss_node(g, "zn_tanh_error_symmetric", ZN_OP_TANH_ERROR, y, t, 1);
}

zn_node *zn_huber(zn_graph *g, zn_node *y, zn_node *t, float delta) {
    if (!(delta > 0.0f) || !isfinite(delta))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_huber: delta must be positive and finite");
    return loss_node(g, "zn_huber", ZN_OP_HUBER, y, t, delta);
}

typedef struct loss_view {
    const float *y, *t;
    float *dy;  /* NULL when the prediction takes no gradient */
    int64_t n;  /* batch x features */
    double inv; /* the factor that makes the sum a mean */
} loss_view;

static loss_view view(const zn_exec *e, const zn_node *n, int backward) {
    loss_view v;
    const zn_node *y = &e->nodes[n->in[0]];
    v.y = e->val[n->in[0]];
    v.t = e->val[n->in[1]];
    v.n = zn_exec_count(e, y);
    v.inv = v.n > 0 ? 1.0 / (double)v.n : 0.0;
    v.dy = backward ? zn_exec_input_grad(e, n, 0) : NULL;
    return v;
}

/* The seed gradient: a loss is the root, but it may be scaled by a consumer. */
static float seed(const zn_exec *e, const zn_node *n) { return e->grad[n->index] ? e->grad[n->index][0] : 1.0f; }

/* f[0] == 1: FANN's half sum of squares per sample instead of the element mean. */
static double mse_factor(const zn_exec *e, const zn_node *n, const loss_view *v) {
    const int64_t rows = zn_exec_rows(e, &e->nodes[n->in[0]]);
    return n->a.f[0] == 1.0f ? (rows > 0 ? 0.5 / (double)rows : 0.0) : v->inv;
}

/* The sum of squared differences in four running sums, not one chain of
 * dependent double additions (slow for small nets; docs/BENCHMARKS.md). */
static double sum_squares(const float *y, const float *t, int64_t n) {
    double s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
            const double d = (double)y[i + k] - t[i + k];
            s[k] += d * d;
        }
    for (; i < n; i++) {
        const double d = (double)y[i] - t[i];
        s[0] += d * d;
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static void mse_forward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 0);
    v.inv = mse_factor(e, n, &v);
    e->val[n->index][0] = (float)(sum_squares(v.y, v.t, v.n) * v.inv);
}

static void mse_backward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 1);
    if (!v.dy) return;
    v.inv = mse_factor(e, n, &v);
    float k = (float)(2.0 * v.inv) * seed(e, n);
    for (int64_t i = 0; i < v.n; i++) v.dy[i] += k * (v.y[i] - v.t[i]);
}

static void mae_forward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 0);
    double s = 0;
    for (int64_t i = 0; i < v.n; i++) s += fabs((double)v.y[i] - v.t[i]);
    e->val[n->index][0] = (float)(s * v.inv);
}

static void mae_backward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 1);
    if (!v.dy) return;
    float k = (float)v.inv * seed(e, n);
    for (int64_t i = 0; i < v.n; i++) {
        float d = v.y[i] - v.t[i];
        v.dy[i] += d > 0 ? k : (d < 0 ? -k : 0.0f);
    }
}

static void huber_forward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 0);
    double s = 0, delta = n->a.f[0];
    for (int64_t i = 0; i < v.n; i++) {
        double a = fabs((double)v.y[i] - v.t[i]);
        s += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
    }
    e->val[n->index][0] = (float)(s * v.inv);
}

static void huber_backward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 1);
    if (!v.dy) return;
    float k = (float)v.inv * seed(e, n), delta = n->a.f[0];
    for (int64_t i = 0; i < v.n; i++) {
        float d = v.y[i] - v.t[i];
        v.dy[i] += k * (d > delta ? delta : (d < -delta ? -delta : d));
    }
}

/* max(z, 0) - z t + log(1 + exp(-|z|)): no overflow for any z. */
static void bce_forward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 0);
    double s = 0;
    for (int64_t i = 0; i < v.n; i++) {
        double z = v.y[i];
        s += (z > 0 ? z : 0) - z * v.t[i] + log1p(exp(-fabs(z)));
    }
    e->val[n->index][0] = (float)(s * v.inv);
}

static void bce_backward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 1);
    if (!v.dy) return;
    float k = (float)v.inv * seed(e, n);
    for (int64_t i = 0; i < v.n; i++) {
        float z = v.y[i];
        float p = z >= 0 ? 1.0f / (1.0f + expf(-z)) : expf(z) / (1.0f + expf(z));
        v.dy[i] += k * (p - v.t[i]);
    }
}

/* Per sample: sum_j t_j (logsumexp(z) - z_j). */
static void xent_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *y = &e->nodes[n->in[0]];
    const int64_t c = y->cols, rows = zn_exec_rows(e, y);
    double s = 0;
    for (int64_t r = 0; r < rows; r++) {
        const float *z = e->val[y->index] + r * c, *t = e->val[n->in[1]] + r * c;
        float mx = z[0];
        for (int64_t j = 1; j < c; j++) mx = z[j] > mx ? z[j] : mx;
        double sum = 0, tsum = 0, tz = 0;
        for (int64_t j = 0; j < c; j++) {
            sum += exp((double)z[j] - mx);
            tsum += t[j];
            tz += (double)t[j] * z[j];
        }
        s += tsum * (mx + log(sum)) - tz;
    }
    e->val[n->index][0] = (float)(rows > 0 ? s / (double)rows : 0.0);
}

static void xent_backward(const zn_exec *e, const zn_node *n) {
    float *dz = zn_exec_input_grad(e, n, 0);
    if (!dz) return;
    const zn_node *y = &e->nodes[n->in[0]];
    const int64_t c = y->cols, rows = zn_exec_rows(e, y);
    float k = (rows > 0 ? 1.0f / (float)rows : 0.0f) * seed(e, n);
    for (int64_t r = 0; r < rows; r++) {
        const float *z = e->val[y->index] + r * c, *t = e->val[n->in[1]] + r * c;
        float *d = dz + r * c;
        float mx = z[0];
        double sum = 0, tsum = 0;
        for (int64_t j = 1; j < c; j++) mx = z[j] > mx ? z[j] : mx;
        for (int64_t j = 0; j < c; j++) {
            sum += exp((double)z[j] - mx);
            tsum += t[j];
        }
        for (int64_t j = 0; j < c; j++) {
            double p = exp((double)z[j] - mx) / sum;
            d[j] += k * (float)(p * tsum - t[j]);
        }
    }
}

/* FANN's tanh error: F(d) = (1+d) ln(1+d) + (1-d) ln(1-d), F'(d) = ln((1+d)/(1-d)).
 * Past |d| = FANN's 0.9999999 the slope is FANN's 17 and F continues linearly. */
#define TANH_ERR_EDGE 0.9999999
#define TANH_ERR_SLOPE 17.0

static double tanh_err_value(double d) {
    double a = fabs(d);
    if (a < TANH_ERR_EDGE) return (1 + a) * log1p(a) + (1 - a) * log1p(-a);
    double edge = (1 + TANH_ERR_EDGE) * log1p(TANH_ERR_EDGE) + (1 - TANH_ERR_EDGE) * log1p(-TANH_ERR_EDGE);
    return edge + TANH_ERR_SLOPE * (a - TANH_ERR_EDGE);
}

static double tanh_err_slope(double d) {
    if (d >= TANH_ERR_EDGE) return TANH_ERR_SLOPE;
    if (d <= -TANH_ERR_EDGE) return -TANH_ERR_SLOPE;
    return log((1 + d) / (1 - d));
}

static void tanh_error_forward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 0);
    const int halve = n->a.f[0] != 0.0f;
    double s = 0;
    for (int64_t i = 0; i < v.n; i++) {
        const double d = (double)v.t[i] - v.y[i];
        s += halve ? 2.0 * tanh_err_value(0.5 * d) : tanh_err_value(d);
    }
    const int64_t rows = zn_exec_rows(e, &e->nodes[n->in[0]]);
    e->val[n->index][0] = (float)(rows > 0 ? s / (double)rows : 0.0);
}

static void tanh_error_backward(const zn_exec *e, const zn_node *n) {
    loss_view v = view(e, n, 1);
    if (!v.dy) return;
    const int64_t rows = zn_exec_rows(e, &e->nodes[n->in[0]]);
    float k = (rows > 0 ? 1.0f / (float)rows : 0.0f) * seed(e, n);
    const double h = n->a.f[0] != 0.0f ? 0.5 : 1.0; /* d(2 F(d/2))/dd = F'(d/2) */
    for (int64_t i = 0; i < v.n; i++) v.dy[i] -= k * (float)tanh_err_slope(h * ((double)v.t[i] - v.y[i]));
}

static zn_node *rebuild_mse(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return info->attrs.f[0] == 1.0f ? zn_sse(g, in[0], in[1]) : zn_mse(g, in[0], in[1]);
}

const zn_op_def zn_op_mse_def = {.name = "mse",
                                 .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_LOSS,
                                 .forward = mse_forward,
                                 .backward = mse_backward,
                                 .bwd_reads = 3u,
                                 .rebuild = rebuild_mse};
static zn_node *rebuild_mae(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    (void)info;
    return zn_mae(g, in[0], in[1]);
}

const zn_op_def zn_op_mae_def = {.name = "mae",
                                 .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_LOSS,
                                 .forward = mae_forward,
                                 .backward = mae_backward,
                                 .bwd_reads = 3u,
                                 .rebuild = rebuild_mae};
static zn_node *rebuild_huber(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_huber(g, in[0], in[1], info->attrs.f[0]);
}

const zn_op_def zn_op_huber_def = {.name = "huber",
                                   .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_LOSS,
                                   .forward = huber_forward,
                                   .backward = huber_backward,
                                   .bwd_reads = 3u,
                                   .rebuild = rebuild_huber};
static zn_node *rebuild_bce(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    (void)info;
    return zn_bce_logits(g, in[0], in[1]);
}

const zn_op_def zn_op_bce_logits_def = {.name = "bce_logits",
                                        .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_LOSS,
                                        .forward = bce_forward,
                                        .backward = bce_backward,
                                        .bwd_reads = 3u,
                                        .rebuild = rebuild_bce};
static zn_node *rebuild_xent(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    (void)info;
    return zn_softmax_xent(g, in[0], in[1]);
}

const zn_op_def zn_op_softmax_xent_def = {.name = "softmax_xent",
                                          .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_LOSS,
                                          .forward = xent_forward,
                                          .backward = xent_backward,
                                          .bwd_reads = 3u,
                                          .rebuild = rebuild_xent};
static zn_node *rebuild_tanh_error(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return info->attrs.f[0] != 0.0f ? zn_tanh_error_symmetric(g, in[0], in[1]) : zn_tanh_error(g, in[0], in[1]);
}

const zn_op_def zn_op_tanh_error_def = {.name = "tanh_error",
                                        .flags = ZN_OPF_BWD_DECLARED | ZN_OPF_LOSS,
                                        .forward = tanh_error_forward,
                                        .backward = tanh_error_backward,
                                        .bwd_reads = 3u,
                                        .rebuild = rebuild_tanh_error};
