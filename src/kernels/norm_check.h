/* Argument checks shared by the normalisation kernels (norm.c, batch_norm.c). */
#ifndef ZN_KERNELS_NORM_CHECK_H
#define ZN_KERNELS_NORM_CHECK_H

#include <math.h>

#include "base/internal.h"

/* rows >= 0, f >= 1 when rows > 0, rows * f floats addressable. */
static inline zn_status zn_norm_check_dims(const char *fn, const char *rows_name, int64_t rows, const char *f_name,
                                           int64_t f) {
    if (rows < 0 || f < 0)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: %s (%lld) and %s (%lld) must be >= 0", fn, rows_name, (long long)rows,
                        f_name, (long long)f);
    if (rows > 0 && f == 0)
        return zn_error(ZN_ERR_SHAPE, "%s: %s is 0 with %s = %lld: nothing to normalise over", fn, f_name, rows_name,
                        (long long)rows);
    int64_t total;
    if (!zn_mul_i64(rows, f, &total) || (uint64_t)total > SIZE_MAX / sizeof(float))
        return zn_error(ZN_ERR_OVERFLOW, "%s: %lld x %lld floats overflow", fn, (long long)rows, (long long)f);
    return ZN_OK;
}

static inline zn_status zn_norm_check_eps(const char *fn, float eps) {
    if (!(eps >= 0.0f) || isinf(eps))
        return zn_error(ZN_ERR_INVALID_ARG, "%s: eps (%g) must be finite and >= 0", fn, (double)eps);
    return ZN_OK;
}

static inline zn_status zn_norm_need(const char *fn, const void *p, const char *name) {
    return p ? ZN_OK : zn_error(ZN_ERR_INVALID_ARG, "%s: %s is NULL", fn, name);
}

#endif
