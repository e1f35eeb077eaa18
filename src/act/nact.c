/* zenn's scalar activations: f(steepness * x) and its exact derivative in
 * float, for the graph's activation op (its vector kernels aside) and the
 * tests; FANN's derivative for graph ops that train as FANN does, from
 * FANN's formulas in nact.h. */
#include <math.h>

#include "act/nact.h"

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
    case ZN_NACT_FANN_SIGMOID:
        y = 1.0f / (1.0f + expf(-2.0f * v));
        *d = 2.0f * y * (1.0f - y);
        return y;
    case ZN_NACT_FANN_SIGMOID_STEPWISE: return stepwise_value(&sigmoid_steps, v, d);
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC:
    case ZN_NACT_TANH:
        y = tanhf(v);
        *d = 1.0f - y * y;
        return y;
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE: return stepwise_value(&sigmoid_symmetric_steps, v, d);
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

/* FANN 2.2's fann_activation_derived for graph ops: FANN's sum is
 * steepness * x. The sines' and cosines' derivatives are evaluated in float
 * here, as this op always has (zn_fnet_derivative: in double, as FANN). */
float zn_nact_fann_derivative(zn_nact act, float s, float x, float y) {
    int known;
    const float d = zn_fann_derived(act, s, y, s * x, 1, &known);
    return known ? d : zn_nact_derivative(act, s, x, y); /* not FANN's: the exact one */
}

/* FANN's symmetric functions (outputs in [-1, 1]), whose differences its
 * MSE and error function halve. */
int zn_nact_symmetric(zn_nact act) {
    switch (act) {
    case ZN_NACT_LINEAR_PIECE_SYMMETRIC:
    case ZN_NACT_THRESHOLD_SYMMETRIC:
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC:
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE:
    case ZN_NACT_ELLIOT_SYMMETRIC:
    case ZN_NACT_GAUSSIAN_SYMMETRIC:
    case ZN_NACT_SIN_SYMMETRIC:
    case ZN_NACT_COS_SYMMETRIC:
    case ZN_NACT_TANH: return 1;
    default: return 0;
    }
}
