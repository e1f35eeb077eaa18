/* Activation ops: FANN's twenty neuron functions on steepness * x, the
 * modern ones, softmax and dropout. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"

static const char *const nact_names[ZN_NACT_COUNT] = {"linear",
                                                      "threshold",
                                                      "threshold_symmetric",
                                                      "sigmoid",
                                                      "sigmoid_stepwise",
                                                      "sigmoid_symmetric",
                                                      "sigmoid_symmetric_stepwise",
                                                      "gaussian",
                                                      "gaussian_symmetric",
                                                      "gaussian_stepwise",
                                                      "elliot",
                                                      "elliot_symmetric",
                                                      "linear_piece",
                                                      "linear_piece_symmetric",
                                                      "sin_symmetric",
                                                      "cos_symmetric",
                                                      "sin",
                                                      "cos",
                                                      "linear_piece_rect",
                                                      "linear_piece_rect_leaky",
                                                      "relu",
                                                      "leaky_relu",
                                                      "elu",
                                                      "gelu",
                                                      "silu",
                                                      "softplus",
                                                      "tanh"};

const char *zn_nact_name(zn_nact act) { return ((int)act >= 0 && act < ZN_NACT_COUNT) ? nact_names[act] : "unknown"; }

/* Names match with '-' for '_' ("sigmoid-symmetric"), as FANN's and Keras's users write them. */
static int name_is(const char *given, const char *name) {
    for (; *given && *name; given++, name++)
        if (*given != *name && !(*given == '-' && *name == '_')) return 0;
    return !*given && !*name;
}

int zn_nact_from_name(const char *name) {
    for (int i = 0; name && i < ZN_NACT_COUNT; i++)
        if (name_is(name, nact_names[i])) return i;
    return -1;
}

/* Piecewise-linear functions through (v[i], r[i]), flat at lo/hi outside. */
typedef struct stepwise {
    float v[6], r[6], lo, hi;
} stepwise;

/* FANN's breakpoints: the sigmoids' stepwise forms must give FANN's values. */
static const stepwise sigmoid_steps = {
    {-2.64665246009826660156e+00f, -1.47221946716308593750e+00f, -5.49306154251098632812e-01f,
     5.49306154251098632812e-01f, 1.47221934795379638672e+00f, 2.64665293693542480469e+00f},
    {4.99999988824129104614e-03f, 5.00000007450580596924e-02f, 2.50000000000000000000e-01f, 7.50000000000000000000e-01f,
     9.49999988079071044922e-01f, 9.95000004768371582031e-01f},
    0.0f,
    1.0f};
static const stepwise sigmoid_symmetric_steps = {
    {-2.64665293693542480469e+00f, -1.47221934795379638672e+00f, -5.49306154251098632812e-01f,
     5.49306154251098632812e-01f, 1.47221934795379638672e+00f, 2.64665293693542480469e+00f},
    {-9.90000009536743164062e-01f, -8.99999976158142089844e-01f, -5.00000000000000000000e-01f,
     5.00000000000000000000e-01f, 8.99999976158142089844e-01f, 9.90000009536743164062e-01f},
    -1.0f,
    1.0f};
static float stepwise_value(const stepwise *s, float v, float *slope) {
    *slope = 0.0f;
    if (v < s->v[0]) return s->lo;
    for (int i = 0; i < 5; i++) {
        if (v < s->v[i + 1]) {
            *slope = (s->r[i + 1] - s->r[i]) / (s->v[i + 1] - s->v[i]);
            return (s->r[i + 1] - s->r[i]) * (v - s->v[i]) / (s->v[i + 1] - s->v[i]) + s->r[i];
        }
    }
    return s->hi;
}

/* FANN declares a stepwise gaussian but computes 0 for it. zenn's is a real
 * one: linear in |v| through exp(-a^2) at a = 0, 0.5, 1, 1.5, 2, then
 * down to 0 at 3 and flat beyond. */
static float gaussian_stepwise(float v, float *slope) {
    static const float a[6] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f};
    static const float r[6] = {1.0f, 0.778800783f, 0.367879441f, 0.105399225f, 0.0183156389f, 0.0f};
    float x = fabsf(v);
    *slope = 0.0f;
    if (x >= 3.0f) return 0.0f;
    int i = 0;
    while (x >= a[i + 1]) i++;
    float sl = (r[i + 1] - r[i]) / (a[i + 1] - a[i]);
    *slope = v < 0.0f ? -sl : sl;
    return r[i] + sl * (x - a[i]);
}

/* f(v) and f'(v), v = steepness * x. */
static float nact_eval(zn_nact act, float v, float *d) {
    float y, t;
    switch (act) {
    case ZN_NACT_LINEAR: *d = 1.0f; return v;
    case ZN_NACT_THRESHOLD: *d = 0.0f; return v < 0 ? 0.0f : 1.0f;
    case ZN_NACT_THRESHOLD_SYMMETRIC: *d = 0.0f; return v < 0 ? -1.0f : 1.0f;
    case ZN_NACT_SIGMOID:
        y = 1.0f / (1.0f + expf(-2.0f * v));
        *d = 2.0f * y * (1.0f - y);
        return y;
    case ZN_NACT_SIGMOID_STEPWISE: return stepwise_value(&sigmoid_steps, v, d);
    case ZN_NACT_SIGMOID_SYMMETRIC:
    case ZN_NACT_TANH:
        y = tanhf(v);
        *d = 1.0f - y * y;
        return y;
    case ZN_NACT_SIGMOID_SYMMETRIC_STEPWISE: return stepwise_value(&sigmoid_symmetric_steps, v, d);
    case ZN_NACT_GAUSSIAN:
        y = expf(-v * v);
        *d = -2.0f * v * y;
        return y;
    case ZN_NACT_GAUSSIAN_SYMMETRIC:
        y = expf(-v * v);
        *d = -4.0f * v * y;
        return 2.0f * y - 1.0f;
    case ZN_NACT_GAUSSIAN_STEPWISE: return gaussian_stepwise(v, d);
    case ZN_NACT_ELLIOT:
        t = 1.0f + fabsf(v);
        *d = 1.0f / (2.0f * t * t);
        return 0.5f * v / t + 0.5f;
    case ZN_NACT_ELLIOT_SYMMETRIC:
        t = 1.0f + fabsf(v);
        *d = 1.0f / (t * t);
        return v / t;
    case ZN_NACT_LINEAR_PIECE:
        *d = (v > 0.0f && v < 1.0f) ? 1.0f : 0.0f;
        return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
    case ZN_NACT_LINEAR_PIECE_SYMMETRIC:
        *d = (v > -1.0f && v < 1.0f) ? 1.0f : 0.0f;
        return v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
    case ZN_NACT_SIN_SYMMETRIC: *d = cosf(v); return sinf(v);
    case ZN_NACT_COS_SYMMETRIC: *d = -sinf(v); return cosf(v);
    case ZN_NACT_SIN: *d = 0.5f * cosf(v); return 0.5f * sinf(v) + 0.5f;
    case ZN_NACT_COS: *d = -0.5f * sinf(v); return 0.5f * cosf(v) + 0.5f;
    case ZN_NACT_LINEAR_PIECE_RECT:
    case ZN_NACT_RELU: *d = v > 0.0f ? 1.0f : 0.0f; return v > 0.0f ? v : 0.0f;
    case ZN_NACT_LINEAR_PIECE_RECT_LEAKY:
    case ZN_NACT_LEAKY_RELU: *d = v > 0.0f ? 1.0f : 0.01f; return v > 0.0f ? v : 0.01f * v;
    case ZN_NACT_ELU:
        if (v > 0.0f) {
            *d = 1.0f;
            return v;
        }
        y = expm1f(v);
        *d = y + 1.0f;
        return y;
    case ZN_NACT_GELU: {
        const float c = 0.7978845608f, k = 0.044715f;
        float u = c * (v + k * v * v * v);
        float th = tanhf(u);
        *d = 0.5f * (1.0f + th) + 0.5f * v * (1.0f - th * th) * c * (1.0f + 3.0f * k * v * v);
        return 0.5f * v * (1.0f + th);
    }
    case ZN_NACT_SILU:
        t = 1.0f / (1.0f + expf(-v));
        *d = t * (1.0f + v * (1.0f - t));
        return v * t;
    case ZN_NACT_SOFTPLUS: *d = 1.0f / (1.0f + expf(-v)); return v > 20.0f ? v : log1pf(expf(v));
    case ZN_NACT_COUNT: break;
    }
    *d = 0.0f;
    return 0.0f;
}

float zn_nact_value(zn_nact act, float steepness, float x) {
    float d;
    return nact_eval(act, steepness * x, &d);
}

float zn_nact_derivative(zn_nact act, float steepness, float x, float y) {
    (void)y;
    float d;
    nact_eval(act, steepness * x, &d);
    return steepness * d;
}

static float clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* FANN 2.2's fann_activation_derived. FANN's "sum" is steepness * x. */
float zn_nact_fann_derivative(zn_nact act, float s, float x, float y) {
    float sum = s * x;
    switch (act) {
    case ZN_NACT_LINEAR:
    case ZN_NACT_LINEAR_PIECE:
    case ZN_NACT_LINEAR_PIECE_SYMMETRIC: return s;
    case ZN_NACT_SIGMOID:
    case ZN_NACT_SIGMOID_STEPWISE: y = clampf(y, 0.01f, 0.99f); return 2.0f * s * y * (1.0f - y);
    case ZN_NACT_SIGMOID_SYMMETRIC:
    case ZN_NACT_SIGMOID_SYMMETRIC_STEPWISE: y = clampf(y, -0.98f, 0.98f); return s * (1.0f - y * y);
    case ZN_NACT_GAUSSIAN: return -2.0f * sum * y * s * s;
    case ZN_NACT_GAUSSIAN_SYMMETRIC: return -2.0f * sum * (y + 1.0f) * s * s;
    case ZN_NACT_ELLIOT: return s / (2.0f * (1.0f + fabsf(sum)) * (1.0f + fabsf(sum)));
    case ZN_NACT_ELLIOT_SYMMETRIC: return s / ((1.0f + fabsf(sum)) * (1.0f + fabsf(sum)));
    case ZN_NACT_SIN_SYMMETRIC: return s * cosf(s * sum);
    case ZN_NACT_COS_SYMMETRIC: return -s * sinf(s * sum);
    case ZN_NACT_SIN: return s * cosf(s * sum) / 2.0f;
    case ZN_NACT_COS: return -s * sinf(s * sum) / 2.0f;
    case ZN_NACT_THRESHOLD:
    case ZN_NACT_THRESHOLD_SYMMETRIC:
    case ZN_NACT_GAUSSIAN_STEPWISE: return 0.0f;      /* FANN cannot train these */
    default: return zn_nact_derivative(act, s, x, y); /* not FANN's: the exact one */
    }
}

static zn_node *activation(zn_graph *g, const char *fn, zn_node *x, zn_nact act, float steepness, int fann) {
    if (!zn_graph_check_inputs(g, fn, 1, &x)) return NULL;
    if ((int)act < 0 || act >= ZN_NACT_COUNT)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: unknown activation %d", fn, (int)act);
    if (!isfinite(steepness)) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "%s: steepness must be finite", fn);
    zn_node proto = {0};
    proto.batched = x->batched;
    proto.rows = x->rows;
    proto.cols = x->cols;
    proto.i[0] = (int)act;
    proto.i[1] = fann;
    proto.f[0] = steepness;
    return zn_graph_add(g, ZN_OP_ACT, &proto, 1, &x);
}

zn_node *zn_activation(zn_graph *g, zn_node *x, zn_nact act, float steepness) {
    return activation(g, "zn_activation", x, act, steepness, 0);
}

zn_node *zn_activation_fann(zn_graph *g, zn_node *x, zn_nact act, float steepness) {
    return activation(g, "zn_activation_fann", x, act, steepness, 1);
}

static int64_t count_of(const zn_exec *e, const zn_node *n) { return zn_node_size(n) * (n->batched ? e->batch : 1); }

void zn_act_forward_range(const zn_exec *e, const zn_node *n, int64_t lo, int64_t hi) {
    zn_nact act = (zn_nact)n->i[0];
    float s = n->f[0];
    const float *x = e->val[n->in[0]] + lo;
    float *y = e->val[n->index] + lo;
    size_t c = (size_t)(hi - lo);
    const zn_vmath_kernels *k = &e->k->vmath;
    /* The common ones go through the vector kernels. */
    switch (act) {
    case ZN_NACT_LINEAR: k->scale(c, s, x, y); return;
    case ZN_NACT_RELU:
    case ZN_NACT_LINEAR_PIECE_RECT:
        k->scale(c, s, x, y);
        k->relu(c, y, y);
        return;
    case ZN_NACT_SIGMOID:
        k->scale(c, 2.0f * s, x, y);
        k->sigmoid(c, y, y);
        return;
    case ZN_NACT_SIGMOID_SYMMETRIC:
    case ZN_NACT_TANH:
        k->scale(c, s, x, y);
        k->tanh(c, y, y);
        return;
    default: break;
    }
    for (size_t i = 0; i < c; i++) y[i] = zn_nact_value(act, s, x[i]);
}

static void act_forward(const zn_exec *e, const zn_node *n) { zn_act_forward_range(e, n, 0, count_of(e, n)); }

static void act_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    zn_nact act = (zn_nact)n->i[0];
    float s = n->f[0];
    const float *x = e->val[n->in[0]], *y = e->val[n->index], *dy = e->grad[n->index];
    size_t c = (size_t)count_of(e, n);
    if (n->i[1]) { /* FANN's formulas */
        for (size_t i = 0; i < c; i++) dx[i] += dy[i] * zn_nact_fann_derivative(act, s, x[i], y[i]);
        return;
    }
    switch (act) { /* derivatives from the output where that is exact */
    case ZN_NACT_SIGMOID:
        for (size_t i = 0; i < c; i++) dx[i] += dy[i] * 2.0f * s * y[i] * (1.0f - y[i]);
        return;
    case ZN_NACT_SIGMOID_SYMMETRIC:
    case ZN_NACT_TANH:
        for (size_t i = 0; i < c; i++) dx[i] += dy[i] * s * (1.0f - y[i] * y[i]);
        return;
    case ZN_NACT_RELU:
    case ZN_NACT_LINEAR_PIECE_RECT:
        for (size_t i = 0; i < c; i++) dx[i] += y[i] > 0.0f ? dy[i] * s : 0.0f;
        return;
    default: break;
    }
    for (size_t i = 0; i < c; i++) dx[i] += dy[i] * zn_nact_derivative(act, s, x[i], y[i]);
}

const zn_op_def zn_op_act_def = {"act", act_forward, act_backward, NULL};

/* ---- softmax over the features of each sample ------------------------------------------- */

zn_node *zn_softmax(zn_graph *g, zn_node *x) {
    if (!zn_graph_check_inputs(g, "zn_softmax", 1, &x)) return NULL;
    if (!x->batched) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_softmax: the input must be a batch node");
    zn_node proto = {0};
    proto.batched = 1;
    proto.rows = 1;
    proto.cols = x->cols;
    return zn_graph_add(g, ZN_OP_SOFTMAX, &proto, 1, &x);
}

static void softmax_forward(const zn_exec *e, const zn_node *n) {
    for (int64_t r = 0; r < e->batch; r++)
        e->k->vmath.softmax((size_t)n->cols, e->val[n->in[0]] + r * n->cols, e->val[n->index] + r * n->cols);
}

static void softmax_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    for (int64_t r = 0; r < e->batch; r++) {
        const float *y = e->val[n->index] + r * n->cols, *dy = e->grad[n->index] + r * n->cols;
        float dot = e->k->vmath.dot((size_t)n->cols, dy, y);
        float *d = dx + r * n->cols;
        for (int64_t j = 0; j < n->cols; j++) d[j] += y[j] * (dy[j] - dot);
    }
}

const zn_op_def zn_op_softmax_def = {"softmax", softmax_forward, softmax_backward, NULL};

/* ---- dropout ----------------------------------------------------------------------------------- */

zn_node *zn_dropout(zn_graph *g, zn_node *x, float rate) {
    if (!zn_graph_check_inputs(g, "zn_dropout", 1, &x)) return NULL;
    if (!(rate >= 0.0f && rate < 1.0f))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_dropout: rate %g not in [0, 1)", (double)rate);
    if (!x->batched) return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_dropout: the input must be a batch node");
    zn_node proto = {0};
    proto.batched = 1;
    proto.rows = 1;
    proto.cols = x->cols;
    proto.f[0] = rate;
    return zn_graph_add(g, ZN_OP_DROPOUT, &proto, 1, &x);
}

static int64_t dropout_aux(const zn_node *n) { return n->cols; }

static void dropout_forward(const zn_exec *e, const zn_node *n) {
    size_t c = (size_t)count_of(e, n);
    const float *x = e->val[n->in[0]];
    float *y = e->val[n->index];
    if (!e->training || n->f[0] == 0.0f) {
        memcpy(y, x, c * sizeof(float));
        return;
    }
    float *mask = e->aux[n->index];
    float keep = 1.0f / (1.0f - n->f[0]);
    for (size_t i = 0; i < c; i++) {
        mask[i] = zn_rng_uniformf(e->rng) < n->f[0] ? 0.0f : keep;
        y[i] = x[i] * mask[i];
    }
}

static void dropout_backward(const zn_exec *e, const zn_node *n) {
    float *dx = zn_exec_input_grad(e, n, 0);
    if (!dx) return;
    size_t c = (size_t)count_of(e, n);
    const float *dy = e->grad[n->index], *mask = e->aux[n->index];
    if (n->f[0] == 0.0f) {
        e->k->vmath.axpy(c, 1.0f, dy, dx);
        return;
    }
    for (size_t i = 0; i < c; i++) dx[i] += dy[i] * mask[i];
}

const zn_op_def zn_op_dropout_def = {"dropout", dropout_forward, dropout_backward, dropout_aux};

/* FANN's symmetric functions (outputs in [-1, 1]), whose differences its
 * MSE and error function halve. */
int zn_nact_symmetric(zn_nact act) {
    switch (act) {
    case ZN_NACT_LINEAR_PIECE_SYMMETRIC:
    case ZN_NACT_THRESHOLD_SYMMETRIC:
    case ZN_NACT_SIGMOID_SYMMETRIC:
    case ZN_NACT_SIGMOID_SYMMETRIC_STEPWISE:
    case ZN_NACT_ELLIOT_SYMMETRIC:
    case ZN_NACT_GAUSSIAN_SYMMETRIC:
    case ZN_NACT_SIN_SYMMETRIC:
    case ZN_NACT_COS_SYMMETRIC:
    case ZN_NACT_TANH: return 1;
    default: return 0;
    }
}
