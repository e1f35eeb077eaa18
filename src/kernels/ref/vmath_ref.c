/* Scalar vector math: the oracle every vector ISA is tested against.
 * Written for clarity over speed, with libm doing the transcendental work. */
#include <math.h>

#include "kernels/vmath_kernels.h"

static void relu_ref(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : (x[i] != x[i] ? x[i] : 0.0f);
}

static void leaky_relu_ref(size_t n, float alpha, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
}

static void sigmoid_ref(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
}

static void tanh_ref(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

static void exp_ref(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = expf(x[i]);
}

static void log_ref(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = logf(x[i]);
}

/* The three below tend to -0 as x -> -inf; v * 0 would give NaN there. */
static void gelu_tanh_ref(size_t n, const float *x, float *y) {
    const double c = 0.7978845608028654; /* sqrt(2/pi) */
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        /* 0.5 (1 + tanh(u)) = 1 / (1 + exp(-2u)): no cancellation for u << 0 */
        double u = c * (v + 0.044715 * v * v * v);
        y[i] = v == -INFINITY ? -0.0f : (float)(v / (1.0 + exp(-2.0 * u)));
    }
}

static void gelu_erf_ref(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        /* 1 + erf(t) = erfc(-t), accurate in the negative tail */
        y[i] = v == -INFINITY ? -0.0f : (float)(0.5 * v * erfc(-v * 0.7071067811865476));
    }
}

static void silu_ref(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        y[i] = v == -INFINITY ? -0.0f : (float)(v / (1.0 + exp(-v)));
    }
}

static void softmax_ref(size_t n, const float *x, float *y) {
    float mx = -INFINITY;
    int nan = 0;
    for (size_t i = 0; i < n; i++) {
        mx = fmaxf(mx, x[i]);
        nan |= x[i] != x[i];
    }
    if (mx == INFINITY) { /* the limit: equal shares on the +inf entries, 0 elsewhere */
        size_t count = 0;
        for (size_t i = 0; i < n; i++) count += x[i] == INFINITY;
        for (size_t i = 0; i < n; i++) y[i] = nan ? NAN : x[i] == INFINITY ? 1.0f / (float)count : 0.0f;
        return;
    }
    if (mx == -INFINITY) mx = 0.0f; /* all -inf: exp gives 0s, then 0/0 = NaN like PyTorch */
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        y[i] = expf(x[i] - mx);
        s += y[i];
    }
    float inv = (float)(1.0 / s);
    for (size_t i = 0; i < n; i++) y[i] *= inv;
}

static float sum_ref(size_t n, const float *x) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return (float)s;
}

static float max_ref(size_t n, const float *x) {
    float m = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != x[i]) return x[i];
        if (x[i] > m) m = x[i];
    }
    return m;
}

static float norm2_ref(size_t n, const float *x) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return (float)sqrt(s);
}

static float dot_ref(size_t n, const float *x, const float *y) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * y[i];
    return (float)s;
}

static void err_sums_ref(size_t n, const float *p, const float *t, float limit, double *se, double *ae,
                         int64_t *fails) {
    int64_t f = 0;
    for (size_t i = 0; i < n; i++) {
        const double d = (double)p[i] - t[i], a = fabs(d);
        se[i % 8] += d * d;
        ae[i % 8] += a;
        f += a >= limit;
    }
    *fails += f;
}

static void axpy_ref(size_t n, float alpha, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

static void scale_ref(size_t n, float alpha, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = alpha * x[i];
}

static void add_bias_ref(size_t n, const float *bias, float *y) {
    for (size_t i = 0; i < n; i++) y[i] += bias[i];
}

void zn_vmath_init_ref(zn_vmath_kernels *k) {
    k->relu = relu_ref;
    k->leaky_relu = leaky_relu_ref;
    k->sigmoid = sigmoid_ref;
    k->tanh = tanh_ref;
    k->exp = exp_ref;
    k->log = log_ref;
    k->gelu_tanh = gelu_tanh_ref;
    k->gelu_erf = gelu_erf_ref;
    k->silu = silu_ref;
    k->softmax = softmax_ref;
    k->sum = sum_ref;
    k->max = max_ref;
    k->norm2 = norm2_ref;
    k->dot = dot_ref;
    k->axpy = axpy_ref;
    k->err_sums = err_sums_ref;
    k->scale = scale_ref;
    k->add_bias = add_bias_ref;
}
