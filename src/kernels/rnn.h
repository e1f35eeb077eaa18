/* Recurrent layers over a whole sequence: RNN (tanh, relu), LSTM and GRU,
 * one layer and one direction per call, forward and backward through time.
 * Raw pointers, caller-owned memory, no allocation of their own (the GEMM
 * driver may allocate packing buffers for the whole-sequence products of
 * backward). Internal to the library: the graph's recurrent op wraps them.
 *
 * Layout (PyTorch's, so a state dict loads unchanged):
 *   x   [B][T][I], row (b, t) at x + (b*T + t)*ldx        (ldx >= I)
 *   y   [B][T][H], row (b, t) at y + (b*T + t)*ldy        (ldy >= H)
 *   h0, c0, h_n, c_n [B][H] contiguous; NULL h0/c0 = zeros, NULL h_n/c_n = not wanted;
 *   h_n, c_n may be h0, c0 themselves (streaming); y must not overlap x or h0
 *   w_ih [G*H][I], w_hh [G*H][H], b_ih, b_hh [G*H] (NULL = zero), G = 1 (RNN),
 *   4 (LSTM: i, f, g, o), 3 (GRU: r, z, n).
 *   LSTM: c' = f*c + i*g, h' = o*tanh(c').
 *   GRU:  n = tanh(W_in x + b_in + r*(W_hn h + b_hn)), h' = (1-z)*n + z*h.
 * reverse runs t = T-1 .. 0 (h_n is then the state after t = 0).
 *
 * Threads: pool NULL or max_threads 1 = the calling thread; max_threads 0 =
 * the pool's size. Results are bit-identical for any thread count.
 * kt NULL = zn_kernels_get(); packed weights and scratch sizes belong to the
 * table they were made with (its GEMM tile), so use one table throughout. */
#ifndef ZN_RNN_H
#define ZN_RNN_H

#include "kernels/kernels.h"
#include "zenn/pool.h"

typedef enum zn_rnn_cell { ZN_RNN_CELL_TANH = 0, ZN_RNN_CELL_RELU, ZN_RNN_CELL_LSTM, ZN_RNN_CELL_GRU } zn_rnn_cell;

typedef enum zn_rnn_pass {
    ZN_RNN_INFER = 0, /* forward keeping only what the next step needs */
    ZN_RNN_TRAIN,     /* forward saving what backward reads; keep the scratch until backward */
    ZN_RNN_BACKWARD   /* backward's own temporary scratch (besides the TRAIN one) */
} zn_rnn_pass;

typedef struct zn_rnn_shape {
    zn_rnn_cell cell;
    int64_t batch, steps, input, hidden; /* all >= 1 */
    int reverse;
} zn_rnn_shape;

typedef struct zn_rnn_args {
    zn_rnn_shape shape;
    const float *x;
    int64_t ldx;
    float *y; /* written: every step's h */
    int64_t ldy;
    const float *h0, *c0; /* c0: LSTM only */
    float *h_n, *c_n;     /* written when not NULL; c_n: LSTM only */
    const float *w_ih, *w_hh, *b_ih, *b_hh;
    /* NULL, or zn_rnn_pack's copy of these weights (batch-1 streaming packs
     * once instead of every call); forward reads it instead of the weights.
     * It must be made for the same cell, input, hidden, table and batch
     * class (batch 1, or more: the layouts differ); forward checks a tag at
     * its start and returns ZN_ERR_SHAPE otherwise. */
    const float *packed;
} zn_rnn_args;

typedef struct zn_rnn_grads {
    const float *dy; /* [B][T][H] with row stride ldy; NULL = zero */
    int64_t ldy;
    const float *dh_n, *dc_n; /* [B][H]; NULL = zero; dc_n, dc0: LSTM only */
    float *dx;                /* += ; row stride ldx; NULL = not wanted */
    int64_t ldx;
    float *dw_ih, *dw_hh, *db_ih, *db_hh; /* += ; NULL = not wanted */
    float *dh0, *dc0;                     /* written; NULL = not wanted */
} zn_rnn_grads;

/* Floats of zn_rnn_pack's output (the weights permuted into the kernels'
 * panels, gates of a block of hidden units side by side, and the biases). */
size_t zn_rnn_packed_floats(const zn_kernels *kt, const zn_rnn_shape *s);
zn_status zn_rnn_pack(const zn_kernels *kt, const zn_rnn_shape *s, const float *w_ih, const float *w_hh,
                      const float *b_ih, const float *b_hh, float *packed);

/* Scratch for a pass. INFER and TRAIN also hold packed weights unless the
 * call passes args.packed (packed_given 1). 0 when the shape is invalid or
 * too big. */
size_t zn_rnn_scratch_floats(const zn_kernels *kt, const zn_rnn_shape *s, zn_rnn_pass pass, int packed_given);

/* One direction over the sequence. pass is ZN_RNN_INFER or ZN_RNN_TRAIN;
 * TRAIN leaves in scratch what zn_rnn_backward reads. */
zn_status zn_rnn_forward(const zn_kernels *kt, const zn_rnn_args *a, zn_rnn_pass pass, float *scratch,
                         size_t scratch_floats, zn_pool *pool, int max_threads);

/* Backpropagation through the whole sequence. It reads a's shape, x, w_ih
 * and w_hh as the forward had them (h0, c0 and the biases were saved), and
 * train_scratch: the TRAIN forward's scratch, unchanged since, train_floats
 * at least zn_rnn_scratch_floats(TRAIN, packed_given 1). scratch is its own,
 * of ZN_RNN_BACKWARD's size. */
zn_status zn_rnn_backward(const zn_kernels *kt, const zn_rnn_args *a, const zn_rnn_grads *g, const float *train_scratch,
                          size_t train_floats, float *scratch, size_t scratch_floats, zn_pool *pool, int max_threads);

#endif
