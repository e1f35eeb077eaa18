/* Optimizer update kernels: one fused pass over the parameters per step
 * (the update is memory-bound, so reading each array once is what counts). */
#ifndef ZN_OPTIM_KERNELS_H
#define ZN_OPTIM_KERNELS_H

#include <stddef.h>

typedef struct zn_adam_args {
    float step;         /* lr / (1 - beta1^t) */
    float inv_root_bc2; /* 1 / sqrt(1 - beta2^t) */
    float beta1, beta2, eps;
    float l2;    /* coupled weight decay (Adam): added to the gradient */
    float decay; /* decoupled weight decay (AdamW): lr * wd */
} zn_adam_args;

typedef struct zn_optim_kernels {
    /* w -= decay*w; g' = g + l2*w; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
     * w -= step * m / (sqrt(v) * inv_root_bc2 + eps) */
    void (*adam)(size_t n, float *w, const float *g, float *m, float *v, const zn_adam_args *a);
    /* g' = g + l2*w; v = mu v + g'; w -= lr * (nesterov ? g' + mu v : v) */
    void (*momentum)(size_t n, float *w, const float *g, float *v, float lr, float mu, float l2, int nesterov);
} zn_optim_kernels;

void zn_optim_init_ref(zn_optim_kernels *k);
void zn_optim_init_avx2(zn_optim_kernels *k);
void zn_optim_init_avx512(zn_optim_kernels *k);

#endif
