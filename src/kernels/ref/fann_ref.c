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

/* FANN's sum: st * raw, limited to [-max_sum, max_sum]. */
static float limit(float raw, float st, float max_sum) {
    const float sum = st * raw;
    return sum > max_sum ? max_sum : (sum < -max_sum ? -max_sum : sum);
}

static void dense_sums_ref(size_t k, size_t n, const float *w, const float *x, float st, float max_sum, float *s) {
    for (size_t i = 0; i < k; i++, w += n) {
        float a = 0.0f;
        for (size_t j = 0; j < n; j++) a += w[j] * x[j];
        s[i] = limit(a, st, max_sum);
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

static void mul_deriv_to_ref(size_t n, const float *v, const float *dy, float *dx, float st, int symmetric) {
    for (size_t i = 0; i < n; i++) {
        float e = dy[i];
        mul_deriv_ref(1, 1, 1, v + i, &e, st, symmetric);
        dx[i] = e;
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

/* ---- a whole incremental epoch of a one-hidden-layer net ------------------------------------- */

static float incr_activate(zn_fann_incr_act act, float sum) {
    switch (act) {
    case ZN_FANN_INCR_SIGMOID: return (float)(1.0 / (1.0 + exp(-2.0 * (double)sum)));
    case ZN_FANN_INCR_SIGMOID_SYMMETRIC: return (float)(2.0 / (1.0 + exp(-2.0 * (double)sum)) - 1.0);
    default: return sum;
    }
}

static float incr_derivative(zn_fann_incr_act act, float st, float v) {
    switch (act) {
    case ZN_FANN_INCR_SIGMOID: v = clip(v, 0.01f, 0.99f); return 2.0f * st * v * (1.0f - v);
    case ZN_FANN_INCR_SIGMOID_SYMMETRIC: v = clip(v, -0.98f, 0.98f); return st * (1.0f - v * v);
    default: return st;
    }
}

static void incr_step(float *w, float *d, float te, float x, float mom) {
    float dw = te * x + mom * *d;
    *w += dw;
    *d = dw;
}

static void incr_epoch_ref(zn_fann_incr_net *p, size_t rows, const float *x, const float *y) {
    enum { L = ZN_FANN_INCR_LANES };
    const size_t ni = p->n_in, nh = p->n_hid, no = p->n_out;
    float *hs = p->sums, *hv = p->vals, *os = p->sums + nh, *ov = p->vals + nh;
    float eo[L], eh[L];
    float acc = (float)p->mse_sum; /* FANN's float sum, in its order */
    for (size_t r = 0; r < rows; r++, x += ni, y += no) {
        for (size_t i = 0; i < nh; i++) {
            float a = p->w1[ni * L + i];
            for (size_t j = 0; j < ni; j++) a += x[j] * p->w1[j * L + i];
            hs[i] = limit(a, p->st1, 150.0f / p->st1);
            hv[i] = incr_activate(p->act1, hs[i]);
        }
        for (size_t o = 0; o < no; o++) {
            float a = p->b2[o];
            for (size_t i = 0; i < nh; i++) a += hv[i] * p->w2[o * L + i];
            os[o] = limit(a, p->st2, 150.0f / p->st2);
            ov[o] = incr_activate(p->act2, os[o]);
            float diff = y[o] - ov[o];
            if (p->out_symmetric) diff /= 2.0f;
            acc += diff * diff;
            if (fabsf(diff) >= p->bit_fail_limit) p->bit_fail++;
            if (p->tanh_err) tanh_err_ref(1, &diff, &diff);
            eo[o] = incr_derivative(p->act2, p->st2, ov[o]) * diff;
        }
        for (size_t i = 0; i < nh; i++) { /* from the weights before this sample's update */
            float a = 0.0f;
            for (size_t o = 0; o < no; o++) a += eo[o] * p->w2[o * L + i];
            eh[i] = a * incr_derivative(p->act1, p->st1, hv[i]);
        }
        for (size_t o = 0; o < no; o++) {
            const float te = eo[o] * p->lr;
            for (size_t i = 0; i < nh; i++) incr_step(&p->w2[o * L + i], &p->d2[o * L + i], te, hv[i], p->mom);
            incr_step(&p->b2[o], &p->db2[o], te, 1.0f, p->mom);
        }
        for (size_t i = 0; i < nh; i++) {
            const float te = eh[i] * p->lr;
            for (size_t j = 0; j < ni; j++) incr_step(&p->w1[j * L + i], &p->d1[j * L + i], te, x[j], p->mom);
            incr_step(&p->w1[ni * L + i], &p->d1[ni * L + i], te, 1.0f, p->mom);
        }
    }
    p->mse_sum = acc;
}

void zn_fann_init_ref(zn_fann_kernels *k) {
    k->incr_epoch = incr_epoch_ref;
    k->tanh_err = tanh_err_ref;
    k->mul_deriv = mul_deriv_ref;
    k->mul_deriv_to = mul_deriv_to_ref;
    k->update_inc = update_inc_ref;
    k->dense_sums = dense_sums_ref;
}
