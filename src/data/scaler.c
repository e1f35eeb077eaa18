/* Per-column affine scaling fitted on data: v' = v * mul + add. */
#include <math.h>

#include "base/internal.h"
#include "zenn/data.h"

zn_status zn_scaler_fit(zn_scale_kind kind, float lo, float hi, const float *x, int64_t rows, int64_t cols,
                        zn_scaler **out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "zn_scaler_fit: out is NULL");
    *out = NULL;
    if (kind < ZN_SCALE_NONE || kind > ZN_SCALE_STANDARD)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_scaler_fit: unknown kind %d", (int)kind);
    if (rows < 0 || cols < 1 || (rows > 0 && !x))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_scaler_fit: %lld rows x %lld columns", (long long)rows,
                        (long long)cols);
    if (kind == ZN_SCALE_RANGE && !(isfinite(lo) && isfinite(hi) && lo < hi))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_scaler_fit: range [%g, %g] is empty", (double)lo, (double)hi);
    zn_scaler *s = zn_calloc(1, sizeof *s);
    if (!s) return ZN_ERR_OUT_OF_MEMORY;
    s->kind = kind;
    s->cols = cols;
    s->lo = lo;
    s->hi = hi;
    s->mul = zn_calloc((size_t)cols, sizeof(float));
    s->add = zn_calloc((size_t)cols, sizeof(float));
    if (!s->mul || !s->add) {
        zn_scaler_free(s);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    for (int64_t j = 0; j < cols; j++) {
        /* NaN and infinite cells (data loaded with allow_nan) are missing
         * values: the fit uses the finite ones, so the scaler stays finite. */
        double mul = 1.0, add = 0.0, mn = INFINITY, mx = -INFINITY, mean = 0.0, m2 = 0.0;
        int64_t n = 0;
        for (int64_t r = 0; r < rows; r++) {
            double v = x[r * cols + j];
            if (!isfinite(v)) continue;
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
            double dlt = v - mean; /* Welford: stable for large offsets */
            mean += dlt / (double)++n;
            m2 += dlt * (v - mean);
        }
        if (kind == ZN_SCALE_RANGE && n > 0) {
            /* A constant column goes to the middle of the range, invertibly. */
            mul = mx > mn ? (hi - lo) / (mx - mn) : 1.0;
            add = mx > mn ? lo - mn * mul : 0.5 * (lo + hi) - mn;
        } else if (kind == ZN_SCALE_STANDARD && n > 0) {
            double sd = sqrt(m2 / (double)n);
            mul = sd > 0.0 ? 1.0 / sd : 1.0;
            add = -mean * mul;
        }
        if (!isfinite((float)mul) || (float)mul == 0.0f || !isfinite((float)add)) {
            mul = 1.0; /* a spread beyond float's reach: shift only */
            add = kind == ZN_SCALE_RANGE ? 0.5 * (lo + hi) - 0.5 * (mn + mx) : -mean;
            if (!isfinite((float)add)) add = 0.0;
        }
        s->mul[j] = (float)mul;
        s->add[j] = (float)add;
    }
    *out = s;
    return ZN_OK;
}

void zn_scaler_free(zn_scaler *s) {
    if (!s) return;
    zn_free(s->mul);
    zn_free(s->add);
    zn_free(s);
}

static zn_status check_apply(const char *fn, const zn_scaler *s, const float *x, int64_t rows) {
    if (!s || rows < 0 || (rows > 0 && !x))
        return zn_error(ZN_ERR_INVALID_ARG, "%s: NULL scaler or data, or rows (%lld) < 0", fn, (long long)rows);
    return ZN_OK;
}

zn_status zn_scaler_apply(const zn_scaler *s, float *x, int64_t rows) {
    zn_status st = check_apply("zn_scaler_apply", s, x, rows);
    if (st != ZN_OK || s->kind == ZN_SCALE_NONE) return st;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < s->cols; j++) x[r * s->cols + j] = x[r * s->cols + j] * s->mul[j] + s->add[j];
    return ZN_OK;
}

zn_status zn_scaler_inverse(const zn_scaler *s, float *x, int64_t rows) {
    zn_status st = check_apply("zn_scaler_inverse", s, x, rows);
    if (st != ZN_OK || s->kind == ZN_SCALE_NONE) return st;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < s->cols; j++) x[r * s->cols + j] = (x[r * s->cols + j] - s->add[j]) / s->mul[j];
    return ZN_OK;
}
