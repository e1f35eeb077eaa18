/* Kernels for FANN-structured networks (src/fann): whole-layer steps of a
 * single-sample pass, where the per-neuron loops are too short for a
 * generic kernel call to pay. A dense layer's weights are a k x n row-major
 * block (neuron i's n incoming weights in a row), its sources x[0..n). */
#ifndef ZN_FANN_KERNELS_H
#define ZN_FANN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* A FANN net with one hidden layer, both layers fully connected, laid out
 * for a whole incremental epoch in one kernel call (src/fann/fnet_incr.c
 * builds it from the net and writes it back). Lanes are neurons: the
 * hidden layer's weights are transposed, a row of 16 per source (inputs,
 * then the bias), and the output layer's are a row of 16 per output (its
 * hidden weights) with the biases apart, a lane per output. Lanes past
 * n_hid or n_out are zero and stay zero. */
enum { ZN_FANN_INCR_LANES = 16 };

typedef enum zn_fann_incr_act {
    ZN_FANN_INCR_LINEAR,
    ZN_FANN_INCR_SIGMOID,           /* 1 / (1 + exp(-2 s)) */
    ZN_FANN_INCR_SIGMOID_SYMMETRIC, /* 2 / (1 + exp(-2 s)) - 1 */
} zn_fann_incr_act;

typedef struct zn_fann_incr_net {
    size_t n_in, n_hid, n_out; /* n_hid and n_out at most ZN_FANN_INCR_LANES */
    float *w1, *d1;            /* (n_in + 1) x 16: weights and previous steps, the bias row last */
    float *w2, *d2;            /* n_out x 16 */
    float *b2, *db2;           /* 16: the output biases and their previous steps */
    zn_fann_incr_act act1, act2;
    float st1, st2;    /* steepness of the hidden and the output layer */
    float lr, mom;     /* learning rate and momentum */
    int tanh_err;      /* FANN's tanh error function (else linear) */
    int out_symmetric; /* the output function is symmetric: FANN halves the difference */
    float bit_fail_limit;
    float *sums, *vals; /* n_hid + n_out each: the last sample's sums and values, hidden first */
    double mse_sum;     /* in and out: the squared differences added */
    uint32_t bit_fail;  /* in and out: differences of bit_fail_limit or more */
} zn_fann_incr_net;

/* Floats of the lane block for n_in inputs and n_out outputs: w1 and d1,
 * w2 and d2 (whole groups of four rows, as the vector forms read them), b2
 * and db2, in that order. */
static inline size_t zn_fann_incr_floats(size_t n_in, size_t n_out) {
    return 2 * (n_in + 1) * ZN_FANN_INCR_LANES + 2 * ((n_out + 3) & ~(size_t)3) * ZN_FANN_INCR_LANES +
           2 * ZN_FANN_INCR_LANES;
}

/* Points w1..db2 of p (n_in and n_out set) into a block of
 * zn_fann_incr_floats floats, zeroed by the caller. */
static inline void zn_fann_incr_place(zn_fann_incr_net *p, float *block) {
    const size_t rows1 = (p->n_in + 1) * ZN_FANN_INCR_LANES, rows2 = ((p->n_out + 3) & ~(size_t)3) * ZN_FANN_INCR_LANES;
    p->w1 = block;
    p->d1 = p->w1 + rows1;
    p->w2 = p->d1 + rows1;
    p->d2 = p->w2 + rows2;
    p->b2 = p->d2 + rows2;
    p->db2 = p->b2 + ZN_FANN_INCR_LANES;
}

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
    /* The same factor out of place: dx[i] = dy[i] * (FANN's derivative from
     * v[i]), i < n (the graph's FANN activations; the same bits as a copy
     * and mul_deriv) */
    void (*mul_deriv_to)(size_t n, const float *v, const float *dy, float *dx, float st, int symmetric);
    /* FANN's tanh error function, y = log((1 + d) / (1 - d)), and +-17 for
     * |d| > 0.9999999 (the sign of d). The reference computes it in double
     * as libfann does; the vector forms in float, within about 1e-6 relative. */
    void (*tanh_err)(size_t n, const float *d, float *y);
    /* FANN's incremental training (fann_train) on rows samples in order:
     * forward, output errors, backpropagation and the update with momentum
     * after each. The reference computes FANN's formulas (activations and
     * error function in double); the vector forms in float. */
    void (*incr_epoch)(zn_fann_incr_net *net, size_t rows, const float *x, const float *y);
} zn_fann_kernels;

void zn_fann_init_ref(zn_fann_kernels *k);
void zn_fann_init_avx2(zn_fann_kernels *k);
void zn_fann_init_avx512(zn_fann_kernels *k);

#endif
