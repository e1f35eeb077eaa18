/* Row kernels of layer norm and RMS norm: one per ISA, raw pointers, no
 * checks, f >= 1. The caller (norm.c) splits rows over threads; a row's
 * result never depends on which thread runs it. gamma and beta may be NULL. */
#ifndef ZN_NORM_KERNELS_H
#define ZN_NORM_KERNELS_H

#include <stddef.h>

typedef struct zn_norm_kernels {
    /* y = (x - mean) rstd gamma + beta; the mean in double, the biased
     * variance from the row centred in double; *mean and *rstd receive them. */
    void (*layer_forward)(size_t f, const float *x, const float *gamma, const float *beta, float eps, float *y,
                          float *mean, float *rstd);
    /* y = x rstd gamma, rstd = 1 / sqrt(mean(x^2) + eps). */
    void (*rms_forward)(size_t f, const float *x, const float *gamma, float eps, float *y, float *rstd);
    /* g = dy gamma, xh = (x - mean) rstd: dx (= or +=) rstd (g - a - xh b) with
     * b = mean(g xh) and a = mean(g) when centre (layer norm), else a = 0 and
     * mean = 0 (RMS norm). Sums in double. */
    void (*backward)(size_t f, const float *x, const float *gamma, float mean, float rstd, int centre, const float *dy,
                     float *dx, int accumulate);
} zn_norm_kernels;

void zn_norm_init_ref(zn_norm_kernels *k);
void zn_norm_init_avx2(zn_norm_kernels *k);
void zn_norm_init_avx512(zn_norm_kernels *k);

#endif
