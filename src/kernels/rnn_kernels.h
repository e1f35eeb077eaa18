/* The recurrent layers' element-wise gate loops (rnn.c), one table per ISA:
 * the same C (rnn_gates_inl.h) compiled with each folder's flags, so every
 * table computes the same operations in the same order. n units; gate
 * gradients go to dg[0], dg[H], dg[2H], dg[3H] (PyTorch's gate columns);
 * gate activations come in slots U floats apart (LSTM i f o g, GRU r z n). */
#ifndef ZN_RNN_KERNELS_H
#define ZN_RNN_KERNELS_H

#include <stddef.h>

typedef struct zn_rnn_kernels {
    /* LSTM forward over nblk blocks of U units (gates 4U apart, c and cp
     * U apart), after a sigmoid over every slot with g's input doubled:
     * g = 2s - 1 (stored back: tanh of g's input), c = f*cp + i*g (c may
     * equal cp). */
    void (*lstm_cell)(size_t nblk, size_t U, float *act, const float *cp, float *c);
    /* y = o*tc over the first n units of those blocks (tc = tanh(c)). */
    void (*lstm_out)(size_t n, size_t U, const float *act, const float *tc, float *y);
    /* LSTM backward: tc = tanh(c_t), cp = c_(t-1), dh = dL/dh_t; dc carries
     * dL/dc from t to t-1. */
    void (*lstm_bwd)(size_t n, size_t H, size_t U, const float *act, const float *tc, const float *cp, const float *dh,
                     float *dc, float *dg);
    /* GRU backward: hn = W_hn h + b_hn, hp = h_(t-1); dg gets r, z, n_h
     * (= dn*r) and n_i (= dn); dh_direct = dh*z. */
    void (*gru_bwd)(size_t n, size_t H, size_t U, const float *act, const float *hn, const float *hp, const float *dh,
                    float *dh_direct, float *dg);
    /* RNN backward from the output h: tanh (relu 0) or relu (relu 1). */
    void (*rnn_bwd)(size_t n, int relu, const float *h, const float *dh, float *dg);
    /* GRU forward over nblk blocks of U units (gates 3U apart, hn and tn U
     * apart): gru_in adds the recurrent r and z (gh, NULL = none) to act
     * and sets hn = W_hn h + b_hn; after a sigmoid over r and z, gru_n sets
     * tn = n's input + r*hn, and after tn = tanh(tn) gru_out stores n back
     * into act and y = (1-z)*n + z*hp over the first n units (hp NULL = 0). */
    void (*gru_in)(size_t nblk, size_t U, float *act, const float *gh, const float *bhn, float *hn);
    void (*gru_n)(size_t nblk, size_t U, const float *act, const float *hn, float *tn);
    void (*gru_out)(size_t n, size_t U, float *act, const float *tn, const float *hp, float *y);
} zn_rnn_kernels;

void zn_rnn_init_ref(zn_rnn_kernels *k);
void zn_rnn_init_avx2(zn_rnn_kernels *k);
void zn_rnn_init_avx512(zn_rnn_kernels *k);

#endif
