/* Scalar optimizer updates: the oracle for the vector ones. */
#include <math.h>

#include "kernels/optim_kernels.h"

static void adam_ref(size_t n, float *w, const float *g, float *m, float *v, const zn_adam_args *a) {
    for (size_t i = 0; i < n; i++) {
        float wi = w[i] - a->decay * w[i];
        float gi = g[i] + a->l2 * wi;
        m[i] = a->beta1 * m[i] + (1.0f - a->beta1) * gi;
        v[i] = a->beta2 * v[i] + (1.0f - a->beta2) * gi * gi;
        w[i] = wi - a->step * m[i] / (sqrtf(v[i]) * a->inv_root_bc2 + a->eps);
    }
}

static void momentum_ref(size_t n, float *w, const float *g, float *v, float lr, float mu, float l2, int nesterov) {
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] + l2 * w[i];
        v[i] = mu * v[i] + gi;
        w[i] -= lr * (nesterov ? gi + mu * v[i] : v[i]);
    }
}

void zn_optim_init_ref(zn_optim_kernels *k) {
    k->adam = adam_ref;
    k->momentum = momentum_ref;
}
