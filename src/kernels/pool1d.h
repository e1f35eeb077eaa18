/* 1-D max and average pooling along time, and linear interpolation along
 * time, on channels-last sequences x[B][T][C] (layout, threads and errors as
 * in kernels/conv1d.h). Backward calls accumulate into dx. */
#ifndef ZN_KERNELS_POOL1D_H
#define ZN_KERNELS_POOL1D_H

#include <stddef.h>
#include <stdint.h>

#include "zenn/base.h"
#include "kernels/conv1d.h"

/* PyTorch's MaxPool1d / AvgPool1d with padding split into left and right:
 * T_out = floor_or_ceil((t_in + pad_left + pad_right - kernel) / stride) + 1,
 * and with ceil_mode the last window must start inside the input or the
 * left padding (else it is dropped). Each pad must be below kernel, so
 * every window holds an input row. Average pooling divides by the window
 * clipped to the padded input (count_include_pad, PyTorch's default) or to
 * the input. */
typedef struct zn_pool1d_shape {
    int64_t batch, t_in, channels, kernel, stride; /* >= 1 */
    int64_t pad_left, pad_right;                   /* in [0, kernel) */
    int ceil_mode, count_include_pad;              /* booleans */
} zn_pool1d_shape;

zn_status zn_pool1d_out_len(const zn_pool1d_shape *s, int64_t *t_out);

/* y[B][T_out][C] = max over each window; argmax[B][T_out][C] (caller-owned)
 * gets the input row t in [0, t_in) of each maximum (a NaN wins, as in
 * PyTorch). */
zn_status zn_maxpool1d_forward(const zn_pool1d_shape *s, const float *x, float *y, int32_t *argmax, zn_pool *pool,
                               int max_threads);
/* dx[b][argmax][c] += dy[b][t][c]; an argmax outside [0, t_in) is an error
 * (checked before anything is written). */
zn_status zn_maxpool1d_backward(const zn_pool1d_shape *s, const float *dy, const int32_t *argmax, float *dx,
                                zn_pool *pool, int max_threads);
zn_status zn_avgpool1d_forward(const zn_pool1d_shape *s, const float *x, float *y, zn_pool *pool, int max_threads);
zn_status zn_avgpool1d_backward(const zn_pool1d_shape *s, const float *dy, float *dx, zn_pool *pool, int max_threads);

/* F.interpolate(mode='linear', align_corners=False) from t_in to t_out rows:
 * row t reads src = max(0, (t + 0.5) * scale - 0.5), scale = t_in / t_out
 * rounded to float and src in double, as PyTorch 1.13, between rows
 * floor(src) and the next (clamped). */
zn_status zn_interp1d_linear_forward(int64_t batch, int64_t t_in, int64_t t_out, int64_t channels, const float *x,
                                     float *y, zn_pool *pool, int max_threads);
zn_status zn_interp1d_linear_backward(int64_t batch, int64_t t_in, int64_t t_out, int64_t channels, const float *dy,
                                      float *dx, zn_pool *pool, int max_threads);

#endif
