/* Normalisation kernels: raw row-major float32 arrays with the normalised
 * (feature) axis last, x[rows][f]; the graph's ops wrap them.
 *
 * Every call checks its arguments (a status and zn_last_error(), never an
 * abort), splits rows (layer/RMS norm) or channels (batch norm) statically
 * over the pool (NULL: the calling thread only; max_threads > 0 caps the
 * threads) when the work pays for it, and gives bit-identical results for
 * any thread count. gamma and beta may be NULL (scale 1, shift 0), and so
 * may the gradients a caller does not need. Forward passes allow y == x;
 * backward outputs must not alias their inputs. dgamma and dbeta are always
 * accumulated (+=); dx is overwritten, or accumulated when accumulate_dx. */
#ifndef ZN_KERNELS_NORM_H
#define ZN_KERNELS_NORM_H

#include <stdint.h>

#include "zenn/pool.h"

/* PyTorch's default epsilon and batch-norm momentum. */
#define ZN_NORM_EPS 1e-5f
#define ZN_BATCH_NORM_MOMENTUM 0.1f

/* Layer norm over the last axis: y = (x - mean) * rstd * gamma + beta with
 * the row's mean, rstd = 1 / sqrt(var + eps) and the biased variance (two
 * passes over the row: the mean, then the centred squares). mean and rstd
 * (rows floats each, may be NULL) keep the statistics for the backward. */
zn_status zn_layer_norm_forward(int64_t rows, int64_t f, const float *x, const float *gamma, const float *beta,
                                float eps, float *y, float *mean, float *rstd, zn_pool *pool, int max_threads);

/* With xhat = (x - mean) rstd and g = dy gamma:
 * dx = rstd (g - mean(g) - xhat mean(g xhat)), dgamma += sum_rows dy xhat,
 * dbeta += sum_rows dy. mean and rstd come from the forward. */
zn_status zn_layer_norm_backward(int64_t rows, int64_t f, const float *x, const float *gamma, const float *mean,
                                 const float *rstd, const float *dy, float *dx, int accumulate_dx, float *dgamma,
                                 float *dbeta, zn_pool *pool, int max_threads);

/* RMS norm over the last axis: y = x rstd gamma, rstd = 1 / sqrt(mean(x^2) + eps)
 * (rows floats, may be NULL). */
zn_status zn_rms_norm_forward(int64_t rows, int64_t f, const float *x, const float *gamma, float eps, float *y,
                              float *rstd, zn_pool *pool, int max_threads);

/* With g = dy gamma: dx = rstd g - x rstd^3 mean(g x), dgamma += sum_rows dy x rstd. */
zn_status zn_rms_norm_backward(int64_t rows, int64_t f, const float *x, const float *gamma, const float *rstd,
                               const float *dy, float *dx, int accumulate_dx, float *dgamma, zn_pool *pool,
                               int max_threads);

/* Batch norm of channels-last x[n][c] (n = batch * time ...).
 * Training: the batch's per-channel mean and biased variance normalise x,
 * and running_mean/running_var (may both be NULL: no tracking) become
 * (1 - momentum) running + momentum stat, with the unbiased variance for
 * running_var, as PyTorch; n must be >= 2. Inference: running_mean and
 * running_var (required) normalise x and are not changed. mean and rstd
 * (c floats each, may be NULL) receive the statistics used, either way. */
typedef struct zn_batch_norm_args {
    int training;
    float eps;      /* ZN_NORM_EPS */
    float momentum; /* ZN_BATCH_NORM_MOMENTUM; in [0, 1] */
} zn_batch_norm_args;

zn_batch_norm_args zn_batch_norm_args_default(int training);

zn_status zn_batch_norm_forward(int64_t n, int64_t c, const float *x, const float *gamma, const float *beta,
                                const zn_batch_norm_args *args, float *running_mean, float *running_var, float *y,
                                float *mean, float *rstd, zn_pool *pool, int max_threads);

/* mean and rstd as the forward saved them. Training (through the batch
 * statistics): dx = gamma rstd / n (n dy - sum dy - xhat sum(dy xhat));
 * inference (the affine part only): dx = gamma rstd dy. Both:
 * dgamma += sum_n dy xhat, dbeta += sum_n dy. */
zn_status zn_batch_norm_backward(int64_t n, int64_t c, const float *x, const float *gamma, const float *mean,
                                 const float *rstd, int training, const float *dy, float *dx, int accumulate_dx,
                                 float *dgamma, float *dbeta, zn_pool *pool, int max_threads);

#endif
