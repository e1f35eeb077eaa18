/* Scalar layer-norm and RMS-norm rows: the oracle for the vector ones. Sums
 * run in double over four lanes in a fixed order. */
#include <math.h>

#include "kernels/norm_kernels.h"

static double sum4(const double s[4]) { return (s[0] + s[1]) + (s[2] + s[3]); }

/* y = src rs gamma + beta */
static void affine(size_t f, const float *src, float rs, const float *gamma, const float *beta, float *y) {
    for (size_t i = 0; i < f; i++) {
        float v = src[i] * rs;
        if (gamma) v *= gamma[i];
        y[i] = beta ? v + beta[i] : v;
    }
}

static void layer_forward_ref(size_t f, const float *x, const float *gamma, const float *beta, float eps, float *y,
                              float *mean, float *rstd) {
    double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < f; i++) s[i & 3] += x[i];
    const double mu = sum4(s) / (double)f;
    for (size_t i = 0; i < f; i++) {
        const double d = (double)x[i] - mu;
        q[i & 3] += d * d;
        y[i] = (float)d;
    }
    const float rs = (float)(1.0 / sqrt(sum4(q) / (double)f + (double)eps));
    affine(f, y, rs, gamma, beta, y);
    *mean = (float)mu;
    *rstd = rs;
}

static void rms_forward_ref(size_t f, const float *x, const float *gamma, float eps, float *y, float *rstd) {
    double q[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < f; i++) q[i & 3] += (double)x[i] * x[i];
    const float rs = (float)(1.0 / sqrt(sum4(q) / (double)f + (double)eps));
    affine(f, x, rs, gamma, NULL, y);
    *rstd = rs;
}

static void backward_ref(size_t f, const float *x, const float *gamma, float mu, float rs, int centre, const float *dy,
                         float *dx, int accumulate) {
    double sg[4] = {0, 0, 0, 0}, sgx[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < f; i++) {
        const float g = gamma ? dy[i] * gamma[i] : dy[i], xh = (x[i] - mu) * rs;
        sg[i & 3] += g;
        sgx[i & 3] += (double)g * xh;
    }
    const float a = centre ? (float)(sum4(sg) / (double)f) : 0.0f, b = (float)(sum4(sgx) / (double)f);
    for (size_t i = 0; i < f; i++) {
        const float g = gamma ? dy[i] * gamma[i] : dy[i], xh = (x[i] - mu) * rs;
        const float d = rs * (g - a - xh * b);
        dx[i] = accumulate ? dx[i] + d : d;
    }
}

void zn_norm_init_ref(zn_norm_kernels *k) {
    k->layer_forward = layer_forward_ref;
    k->rms_forward = rms_forward_ref;
    k->backward = backward_ref;
}
