/* The vector-math kernel table: one per ISA, raw pointers, no checks.
 * n counts floats. Unary kernels allow y == x. */
#ifndef ZN_VMATH_KERNELS_H
#define ZN_VMATH_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef void (*zn_unary_fn)(size_t n, const float *x, float *y);

typedef struct zn_vmath_kernels {
    zn_unary_fn relu, sigmoid, tanh, exp, log, gelu_tanh, gelu_erf, silu;
    void (*leaky_relu)(size_t n, float alpha, const float *x, float *y);
    void (*softmax)(size_t n, const float *x, float *y); /* one row, n >= 1 */
    float (*sum)(size_t n, const float *x);
    float (*max)(size_t n, const float *x);   /* -inf for n == 0; NaN if any is NaN */
    float (*norm2)(size_t n, const float *x); /* scaled: no overflow for finite x */
    float (*dot)(size_t n, const float *x, const float *y);
    void (*axpy)(size_t n, float alpha, const float *x, float *y);  /* y += a x */
    void (*scale)(size_t n, float alpha, const float *x, float *y); /* y = a x */
    void (*add_bias)(size_t n, const float *bias, float *y);        /* y += bias */
    /* Evaluation's error sums: for i < n, d = (double)p[i] - t[i];
     * se[i % 8] += d * d; ae[i % 8] += |d|; *fails += |d| >= limit. The
     * product and the sum rounded apart (no FMA): every ISA gives the
     * reference's bits. */
    void (*err_sums)(size_t n, const float *p, const float *t, float limit, double *se, double *ae, int64_t *fails);
} zn_vmath_kernels;

void zn_vmath_init_ref(zn_vmath_kernels *k);
void zn_vmath_init_avx2(zn_vmath_kernels *k);
void zn_vmath_init_avx512(zn_vmath_kernels *k);

#endif
