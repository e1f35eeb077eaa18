/* Scalar activation formulas, one place for all of them (the vector
 * kernels in src/kernels aside): graph/, nn/ and fann/ include this header.
 *
 * - zenn's: f(steepness * x) and its exact derivative in float (nact.c),
 *   for the graph's activation op.
 * - FANN 2.2's: the value of FANN's sum (the input already multiplied by
 *   the steepness), in double as FANN's macros compute it, and
 *   fann_activation_derived. Inline: FANN-structured nets call them per
 *   neuron. */
#ifndef ZN_ACT_NACT_H
#define ZN_ACT_NACT_H

#include <math.h>

#include "zenn/graph.h"

/* zenn's scalar activation and its derivative, shared by the op and the tests. */
float zn_nact_value(zn_nact act, float steepness, float x);
/* d f(steepness * x) / dx, given x and y = f(steepness * x). */
float zn_nact_derivative(zn_nact act, float steepness, float x, float y);
/* FANN's symmetric functions: its MSE and error function halve their differences. */
int zn_nact_symmetric(zn_nact act);

/* ---- FANN 2.2's formulas ---------------------------------------------------------------- */

/* FANN's stepwise sigmoids: linear between six breakpoints, in double as
 * FANN's macro computes them. */
static inline double zn_fann_stepwise(const double *v, const double *r, double lo, double hi, double x) {
    if (x >= v[5]) return hi;
    if (x < v[0]) return lo;
    int i = 0;
    while (x >= v[i + 1]) i++;
    return ((r[i + 1] - r[i]) * (x - v[i])) / (v[i + 1] - v[i]) + r[i];
}

/* FANN's symmetric sigmoid, 2 / (1 + exp(-2 s)) - 1 = tanh(s), as a
 * rational function evaluated in double: x P(x^2) / Q(x^2) on |x| < 9.5
 * (scripts/fit_rational.py tanh 8 5 9.5, 1.4e-11 relative), so the float
 * result is FANN's unless the value lies within 1e-11 of a rounding
 * boundary. One division instead of a call to exp: a 2-3-1 fann_run made
 * four exp calls, most of its time. From 9.5 up FANN's value rounds to 1. */
static inline float zn_fann_tanh(float s) {
    if (!(fabsf(s) < 9.5f)) return s != s ? s : (s < 0.0f ? -1.0f : 1.0f);
    const double x = s, z = x * x, z2 = z * z, z4 = z2 * z2;
    const double p = (0x1.ffffffffe267cp-1 + 0x1.1dafa583097c2p-3 * z) +
                     z2 * (0x1.14521d658f64bp-8 + 0x1.2cd77ab8c1df0p-15 * z) +
                     z4 * ((0x1.deb5ec08082d7p-25 - 0x1.af6542a92240bp-35 * z) +
                           z2 * (0x1.3343e9d1637a7p-44 - 0x1.259402d3ee525p-54 * z));
    const double q = (1.0 + 0x1.e42d28142ce7fp-2 * z) + z2 * (0x1.d2d22a38fc03fp-6 + 0x1.e00d1329d22d4p-12 * z) +
                     z4 * 0x1.fe83f08d9ce47p-20;
    return (float)(x * p / q);
}

/* FANN's activation of `sum` (already multiplied by the steepness). */
static inline float zn_fnet_activate(zn_nact act, float sum) {
    static const double sig_v[6] = {-2.64665246009826660156e+00, -1.47221946716308593750e+00,
                                    -5.49306154251098632812e-01, 5.49306154251098632812e-01,
                                    1.47221934795379638672e+00,  2.64665293693542480469e+00};
    static const double sig_r[6] = {4.99999988824129104614e-03, 5.00000007450580596924e-02, 2.50000000000000000000e-01,
                                    7.50000000000000000000e-01, 9.49999988079071044922e-01, 9.95000004768371582031e-01};
    static const double sym_v[6] = {-2.64665293693542480469e+00, -1.47221934795379638672e+00,
                                    -5.49306154251098632812e-01, 5.49306154251098632812e-01,
                                    1.47221934795379638672e+00,  2.64665293693542480469e+00};
    static const double sym_r[6] = {-9.90000009536743164062e-01, -8.99999976158142089844e-01,
                                    -5.00000000000000000000e-01, 5.00000000000000000000e-01,
                                    8.99999976158142089844e-01,  9.90000009536743164062e-01};
    switch (act) {
    case ZN_NACT_LINEAR: return sum;
    case ZN_NACT_LINEAR_PIECE: return sum < 0.0f ? 0.0f : (sum > 1.0f ? 1.0f : sum);
    case ZN_NACT_LINEAR_PIECE_SYMMETRIC: return sum < -1.0f ? -1.0f : (sum > 1.0f ? 1.0f : sum);
    case ZN_NACT_FANN_SIGMOID: return (float)(1.0 / (1.0 + exp(-2.0 * (double)sum)));
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC: return zn_fann_tanh(sum);
    case ZN_NACT_FANN_SIGMOID_STEPWISE: return (float)zn_fann_stepwise(sig_v, sig_r, 0.0, 1.0, sum);
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE: return (float)zn_fann_stepwise(sym_v, sym_r, -1.0, 1.0, sum);
    case ZN_NACT_THRESHOLD: return sum < 0.0f ? 0.0f : 1.0f;
    case ZN_NACT_THRESHOLD_SYMMETRIC: return sum < 0.0f ? -1.0f : 1.0f;
    case ZN_NACT_GAUSSIAN: return (float)exp((double)(-sum * sum));
    case ZN_NACT_GAUSSIAN_SYMMETRIC: return (float)(exp((double)(-sum * sum)) * 2.0 - 1.0);
    case ZN_NACT_ELLIOT: return (sum / 2.0f) / (1.0f + fabsf(sum)) + 0.5f;
    case ZN_NACT_ELLIOT_SYMMETRIC: return sum / (1.0f + fabsf(sum));
    case ZN_NACT_SIN_SYMMETRIC: return (float)sin((double)sum);
    case ZN_NACT_COS_SYMMETRIC: return (float)cos((double)sum);
    case ZN_NACT_SIN: return (float)(sin((double)sum) / 2.0 + 0.5);
    case ZN_NACT_COS: return (float)(cos((double)sum) / 2.0 + 0.5);
    case ZN_NACT_GAUSSIAN_STEPWISE: return 0.0f; /* FANN 2.2 declares it but computes 0 */
    default: return zn_nact_value(act, 1.0f, sum);
    }
}

/* fann_activation_derived of FANN's eighteen functions, from the neuron's
 * value and FANN's sum (after the steepness); *known = 0 for the others.
 * trig_float: the sines' and cosines' derivatives in float (the graph op's
 * form) rather than in double (FANN's). */
static inline float zn_fann_derived(zn_nact act, float s, float value, float sum, int trig_float, int *known) {
    float t;
    *known = 1;
    switch (act) {
    case ZN_NACT_LINEAR:
    case ZN_NACT_LINEAR_PIECE:
    case ZN_NACT_LINEAR_PIECE_SYMMETRIC: return s;
    case ZN_NACT_FANN_SIGMOID:
    case ZN_NACT_FANN_SIGMOID_STEPWISE:
        value = value < 0.01f ? 0.01f : (value > 0.99f ? 0.99f : value);
        return 2.0f * s * value * (1.0f - value);
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC:
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE:
        value = value < -0.98f ? -0.98f : (value > 0.98f ? 0.98f : value);
        return s * (1.0f - value * value);
    case ZN_NACT_GAUSSIAN: return -2.0f * sum * value * s * s;
    case ZN_NACT_GAUSSIAN_SYMMETRIC: return -2.0f * sum * (value + 1.0f) * s * s;
    case ZN_NACT_ELLIOT: t = 1.0f + fabsf(sum); return s / (2.0f * t * t);
    case ZN_NACT_ELLIOT_SYMMETRIC: t = 1.0f + fabsf(sum); return s / (t * t);
    case ZN_NACT_SIN_SYMMETRIC: return trig_float ? s * cosf(s * sum) : (float)(s * cos((double)(s * sum)));
    case ZN_NACT_COS_SYMMETRIC: return trig_float ? -s * sinf(s * sum) : (float)(s * -sin((double)(s * sum)));
    case ZN_NACT_SIN: return trig_float ? s * cosf(s * sum) / 2.0f : (float)(s * cos((double)(s * sum)) / 2.0);
    case ZN_NACT_COS: return trig_float ? -s * sinf(s * sum) / 2.0f : (float)(s * -sin((double)(s * sum)) / 2.0);
    case ZN_NACT_THRESHOLD:
    case ZN_NACT_THRESHOLD_SYMMETRIC:
    case ZN_NACT_GAUSSIAN_STEPWISE: return 0.0f; /* FANN cannot train these */
    default: *known = 0; return 0.0f;
    }
}

/* FANN's derivative (fann_activation_derived) from the neuron's value and
 * its sum (already multiplied by the steepness); for functions FANN lacks,
 * the exact derivative at sum / steepness. */
static inline float zn_fnet_derivative(zn_nact act, float s, float value, float sum) {
    int known;
    const float d = zn_fann_derived(act, s, value, sum, 0, &known);
    return known ? d : zn_nact_derivative(act, s, s != 0.0f ? sum / s : 0.0f, value);
}

#endif /* ZN_ACT_NACT_H */
