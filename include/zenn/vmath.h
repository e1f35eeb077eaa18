/* Vector math over float arrays, vectorised and dispatched at run time.
 *
 * Every function checks its arguments (n >= 0; pointers non-NULL when n > 0)
 * and returns a zn_status. Unless stated, y may equal x (in place), but the
 * arrays must not otherwise overlap. Single-threaded.
 *
 * Accuracy of the vector forms, measured by tests/kernels/test_vmath_accuracy
 * against double-precision libm over the range named (max relative error,
 * or absolute where the value is near zero), AVX-512 / AVX2, and the bound
 * the test asserts (details in docs/KERNELS.md):
 *   exp        x in [-87.33, 88.72] (normal results)   8.8e-8 / 8.8e-8  <= 2e-7
 *   sigmoid    x >= -87.33 (normal results)            1.2e-7 / 1.3e-7  <= 2e-7
 *   tanh       all x (odd polynomial near 0)           1.0e-7 / 1.0e-7  <= 2e-7
 *   log        x > 0, subnormals included              9.3e-8 / 9.3e-8  <= 2e-7
 *   silu       x >= -80, |x| >= 1e-37                  1.7e-7 / 1.7e-7  <= 2.5e-7
 *   gelu_erf   x >= -13, |x| >= 1e-37                  4.7e-7 / 4.7e-7  <= 6e-7
 *   gelu_tanh  x >= -3, |x| >= 1e-37                   8.3e-7 / 8.3e-7  <= 1e-6
 *   gelu_*     all x, absolute where |f| < 1           1.2e-7 / 1.2e-7  <= 5e-7
 *   softmax    per element vs the scalar ref                            <= 5e-7
 * Reductions accumulate in double (sum, dot, norm2). A softmax row with +inf
 * entries shares the mass among them; huge finite values stay finite.
 *
 * Special values: results are finite wherever libm's are; NaN in gives NaN
 * out; exp(-inf) = 0, exp(+inf) = +inf, sigmoid(+-inf) = 1/0,
 * tanh(+-inf) = +-1, tanh(+-0) = +-0; log(0) = -inf, log(x<0) = NaN;
 * gelu and silu of -inf are -0. */
#ifndef ZENN_VMATH_H
#define ZENN_VMATH_H

#include "zenn/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Activations, shared with the GEMM epilogue and the network layers. */
typedef enum zn_act {
    ZN_ACT_NONE = 0,   /* identity */
    ZN_ACT_RELU,       /* max(x, 0) */
    ZN_ACT_LEAKY_RELU, /* x > 0 ? x : alpha * x */
    ZN_ACT_SIGMOID,    /* logistic 1 / (1 + exp(-x)); graph.h's ZN_NACT_FANN_SIGMOID is 1 / (1 + exp(-2 s x)) */
    ZN_ACT_TANH,
    ZN_ACT_GELU_TANH, /* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
    ZN_ACT_GELU_ERF,  /* 0.5 x (1 + erf(x / sqrt 2)) */
    ZN_ACT_SILU,      /* x * sigmoid(x) */
    ZN_ACT_COUNT
} zn_act;

ZN_API const char *zn_act_name(zn_act act);

/* y[i] = act(x[i]); alpha is used by ZN_ACT_LEAKY_RELU only. */
ZN_API zn_status zn_vact(zn_act act, float alpha, int64_t n, const float *x, float *y);

ZN_API zn_status zn_vrelu(int64_t n, const float *x, float *y);
ZN_API zn_status zn_vleaky_relu(int64_t n, float alpha, const float *x, float *y);
ZN_API zn_status zn_vsigmoid(int64_t n, const float *x, float *y);
ZN_API zn_status zn_vtanh(int64_t n, const float *x, float *y);
ZN_API zn_status zn_vexp(int64_t n, const float *x, float *y);
ZN_API zn_status zn_vlog(int64_t n, const float *x, float *y);
ZN_API zn_status zn_vgelu_tanh(int64_t n, const float *x, float *y);
ZN_API zn_status zn_vgelu_erf(int64_t n, const float *x, float *y);
ZN_API zn_status zn_vsilu(int64_t n, const float *x, float *y);

/* Row-wise softmax, numerically stable: each of `rows` rows of `cols`
 * floats; x and y rows start ldx and ldy floats apart (>= cols). */
ZN_API zn_status zn_softmax_rows(int64_t rows, int64_t cols, const float *x, int64_t ldx, float *y, int64_t ldy);

/* Reductions. The summation order is fixed per ISA, so a result repeats
 * exactly for the same input and ISA. n == 0 gives 0 (max gives -inf). */
ZN_API zn_status zn_vsum(int64_t n, const float *x, float *out);
ZN_API zn_status zn_vmax(int64_t n, const float *x, float *out);
ZN_API zn_status zn_vnorm2(int64_t n, const float *x, float *out); /* sqrt(sum x^2), no overflow for finite x */
ZN_API zn_status zn_vdot(int64_t n, const float *x, const float *y, float *out);

/* y += alpha * x;  y = alpha * x. */
ZN_API zn_status zn_vaxpy(int64_t n, float alpha, const float *x, float *y);
ZN_API zn_status zn_vscale(int64_t n, float alpha, const float *x, float *y);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_VMATH_H */
