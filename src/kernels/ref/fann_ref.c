/* Scalar FANN layer steps: the oracle for the vector ones, written as
 * libfann computes them (a product and a sum, each rounded). */
#include <math.h>

#include "kernels/fann_kernels.h"

static void update_inc_ref(size_t k, size_t n, float *w, float *d, const float *e, const float *x, float lr,
                           float mom) {
    for (size_t i = 0; i < k; i++, w += n, d += n) {
        const float te = e[i] * lr;
        for (size_t j = 0; j < n; j++) {
            float dw = te * x[j] + mom * d[j];
            w[j] += dw;
            d[j] = dw;
        }
    }
}

static void dense_sums_ref(size_t k, size_t n, const float *w, const float *x, float st, float max_sum, float *s) {
    for (size_t i = 0; i < k; i++, w += n) {
        float a = 0.0f;
        for (size_t j = 0; j < n; j++) a += w[j] * x[j];
        a *= st;
        s[i] = a > max_sum ? max_sum : (a < -max_sum ? -max_sum : a);
    }
}

static float clip(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

static void mul_deriv_ref(size_t rows, size_t k, size_t ld, const float *v, float *e, float st, int symmetric) {
    for (size_t r = 0; r < rows; r++, v += ld, e += ld)
        for (size_t i = 0; i < k; i++) {
            if (symmetric) {
                float y = clip(v[i], -0.98f, 0.98f);
                e[i] *= st * (1.0f - y * y);
            } else {
                float y = clip(v[i], 0.01f, 0.99f);
                e[i] *= 2.0f * st * y * (1.0f - y);
            }
        }
}

static void tanh_err_ref(size_t n, const float *d, float *y) {
    for (size_t i = 0; i < n; i++) {
        float v = d[i];
        if (v < -.9999999)
            y[i] = -17.0f;
        else if (v > .9999999)
            y[i] = 17.0f;
        else
            y[i] = (float)log((1.0 + v) / (1.0 - v));
    }
}

void zn_fann_init_ref(zn_fann_kernels *k) {
    k->tanh_err = tanh_err_ref;
    k->mul_deriv = mul_deriv_ref;
    k->update_inc = update_inc_ref;
    k->dense_sums = dense_sums_ref;
}
