/* Kernels for FANN-structured networks (src/fann): whole-layer steps of a
 * single-sample pass, where the per-neuron loops are too short for a
 * generic kernel call to pay. A dense layer's weights are a k x n row-major
 * block (neuron i's n incoming weights in a row), its sources x[0..n). */
#ifndef ZN_FANN_KERNELS_H
#define ZN_FANN_KERNELS_H

#include <stddef.h>

typedef struct zn_fann_kernels {
    /* FANN's incremental update with momentum, over the block:
     * dw = (lr * e[i]) * x[j] + mom * d[i][j];  w[i][j] += dw;  d[i][j] = dw */
    void (*update_inc)(size_t k, size_t n, float *w, float *d, const float *e, const float *x, float lr, float mom);
    /* FANN's neuron sums: s[i] = st * (w[i] . x), limited to [-max_sum, max_sum] */
    void (*dense_sums)(size_t k, size_t n, const float *w, const float *x, float st, float max_sum, float *s);
    /* e[r][i] *= FANN's derivative from the value y = v[r][i] (row stride ld):
     * symmetric sigmoid st * (1 - y*y), y limited to [-0.98, 0.98]; sigmoid
     * 2 * st * y * (1 - y), y limited to [0.01, 0.99] */
    void (*mul_deriv)(size_t rows, size_t k, size_t ld, const float *v, float *e, float st, int symmetric);
    /* FANN's tanh error function, y = log((1 + d) / (1 - d)), and +-17 for
     * |d| > 0.9999999 (the sign of d). The reference computes it in double
     * as libfann does; the vector forms in float, within about 1e-6 relative. */
    void (*tanh_err)(size_t n, const float *d, float *y);
} zn_fann_kernels;

void zn_fann_init_ref(zn_fann_kernels *k);
void zn_fann_init_avx2(zn_fann_kernels *k);
void zn_fann_init_avx512(zn_fann_kernels *k);

#endif
