/* Sequence kernels on raw pointers for the graph's 1-D ops: convolution,
 * pooling and linear interpolation along time. Internal to the library.
 *
 * Layout: batch-first, channels-last, row-major float32: x[B][T][C], element
 * (b, t, c) at x[(b*T + t)*C + c]. conv1d weights keep PyTorch's layout
 * w[C_out][C_in/groups][K], bias[C_out]; the output is y[B][T_out][C_out].
 *
 * Threads: every call takes a pool (NULL: the calling thread only) and a
 * thread cap (0: the pool's size; negative is an error). Work is split into units that depend on
 * the shape only, so results are bit-identical for any thread count.
 * Backward calls accumulate (dx, dw, db +=); the caller zeroes first.
 * Scratch belongs to the caller: `*_scratch_floats` says how many floats a
 * call needs (0 for a bad shape); no call allocates, except inside the GEMM
 * driver for products too large for its stack buffers. Bad arguments return
 * a status with a message (zn_last_error), never abort. */
#ifndef ZN_KERNELS_CONV1D_H
#define ZN_KERNELS_CONV1D_H

#include <stddef.h>
#include <stdint.h>

#include "zenn/base.h"
#include "zenn/pool.h"

/* T_out = floor((t_in + pad_left + pad_right - dilation*(kernel-1) - 1) / stride) + 1.
 * "valid" is pads (0, 0); PyTorch's padding='same' is total (kernel-1)*dilation
 * with left = total/2, right = total - left; causal is left = (kernel-1)*dilation. */
/* Threads for a call of `units` independent work units and `work`
 * multiply-adds (a double: products of sizes may pass int64): 1 without a pool or below min_work, else the pool's size
 * capped by max_threads (0: no cap) and by the units. */
static inline int zn_seq_threads(zn_pool *pool, int max_threads, int64_t units, double work, int64_t min_work) {
    if (!pool || work < (double)min_work || units < 2) return 1;
    int nth = zn_pool_size(pool);
    if (max_threads > 0 && max_threads < nth) nth = max_threads;
    return units < nth ? (int)units : nth;
}
/* fn(arg, ith, nth) on nth threads of pool (on the caller when nth is 1). */
static inline void zn_seq_run(zn_pool *pool, int nth, zn_pool_fn fn, void *arg) {
    if (nth <= 1 || zn_pool_run(pool, fn, arg, nth) != ZN_OK) fn(arg, 0, 1);
}

typedef struct zn_conv1d_shape {
    int64_t batch, t_in, c_in, c_out, kernel;
    int64_t stride, dilation, groups; /* >= 1; groups divides c_in and c_out */
    int64_t pad_left, pad_right;      /* >= 0, zeros */
} zn_conv1d_shape;

/* Checks the shape; *t_out (may be NULL) gets the output length. */
zn_status zn_conv1d_out_len(const zn_conv1d_shape *s, int64_t *t_out);

/* Backward weight (GEMM algorithms) sums the batch in this many fixed
 * parts, each into its own dW and db in scratch, added in part order: up to
 * 8, fewer when the weights are large (at most ~1M floats of partial dW's).
 * It depends on the shape only. */
static inline int64_t zn_conv1d_weight_parts(int64_t batch, size_t weight_floats) {
    int64_t parts = batch < 8 ? batch : 8;
    while (parts > 1 && (double)parts * (double)weight_floats > (double)(1 << 20)) parts--;
    return parts < 1 ? 1 : parts;
}

/* Scratch floats: forward and backward data the weights' size, backward
 * weight zn_conv1d_weight_parts x (weights + C_out). */
size_t zn_conv1d_forward_scratch_floats(const zn_conv1d_shape *s);
size_t zn_conv1d_backward_data_scratch_floats(const zn_conv1d_shape *s);
size_t zn_conv1d_backward_weight_scratch_floats(const zn_conv1d_shape *s);

/* y = conv(x, w) + bias (bias may be NULL). */
zn_status zn_conv1d_forward(const zn_conv1d_shape *s, const float *x, const float *w, const float *bias, float *y,
                            float *scratch, zn_pool *pool, int max_threads);
/* dx += dL/dx for dy = dL/dy. */
zn_status zn_conv1d_backward_data(const zn_conv1d_shape *s, const float *dy, const float *w, float *dx, float *scratch,
                                  zn_pool *pool, int max_threads);
/* dw += dL/dw, db += dL/db (db may be NULL). */
zn_status zn_conv1d_backward_weight(const zn_conv1d_shape *s, const float *x, const float *dy, float *dw, float *db,
                                    float *scratch, zn_pool *pool, int max_threads);

/* How the kernels compute a shape (for tests and the timing program):
 * DIRECT loops for thin groups (depthwise), TAPS (one GEMM per tap on
 * shifted rows), WINDOW (one GEMM over each row's whole window, read in
 * place: groups 1, dilation 1; backward data also stride 1). ZN_CONV1D_AUTO
 * picks per shape. */
typedef enum zn_conv1d_algo { ZN_CONV1D_AUTO = 0, ZN_CONV1D_DIRECT, ZN_CONV1D_TAPS, ZN_CONV1D_WINDOW } zn_conv1d_algo;
zn_conv1d_algo zn_conv1d_pick(const zn_conv1d_shape *s);
/* The calls above with the algorithm forced (WINDOW falls back to TAPS
 * where it does not apply). */
zn_status zn_conv1d_forward_algo(const zn_conv1d_shape *s, zn_conv1d_algo algo, const float *x, const float *w,
                                 const float *bias, float *y, float *scratch, zn_pool *pool, int max_threads);
zn_status zn_conv1d_backward_data_algo(const zn_conv1d_shape *s, zn_conv1d_algo algo, const float *dy, const float *w,
                                       float *dx, float *scratch, zn_pool *pool, int max_threads);
/* Backward data with accumulate 0: dx = dL/dx (dx need not be zeroed; a
 * graph's first gradient into x), else dx += as above. */
zn_status zn_conv1d_backward_data_ex(const zn_conv1d_shape *s, zn_conv1d_algo algo, const float *dy, const float *w,
                                     float *dx, int accumulate, float *scratch, zn_pool *pool, int max_threads);
zn_status zn_conv1d_backward_weight_algo(const zn_conv1d_shape *s, zn_conv1d_algo algo, const float *x, const float *dy,
                                         float *dw, float *db, float *scratch, zn_pool *pool, int max_threads);

#endif
