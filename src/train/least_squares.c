/* Ridge least squares by the normal equations (Cholesky, in double): the
 * linear start of zn_mlp_train_auto's regression networks. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "train/train_internal.h"

/* Solves A z = b in place for the p x p symmetric positive definite A. */
static int cholesky_solve(double *a, double *b, int64_t p, int64_t nrhs) {
    for (int64_t j = 0; j < p; j++) {
        double d = a[j * p + j];
        for (int64_t k = 0; k < j; k++) d -= a[j * p + k] * a[j * p + k];
        if (!(d > 0)) return 0;
        a[j * p + j] = sqrt(d);
        for (int64_t i = j + 1; i < p; i++) {
            double v = a[i * p + j];
            for (int64_t k = 0; k < j; k++) v -= a[i * p + k] * a[j * p + k];
            a[i * p + j] = v / a[j * p + j];
        }
    }
    for (int64_t r = 0; r < nrhs; r++) {
        double *z = b + r * p;
        for (int64_t i = 0; i < p; i++) {
            for (int64_t k = 0; k < i; k++) z[i] -= a[i * p + k] * z[k];
            z[i] /= a[i * p + i];
        }
        for (int64_t i = p - 1; i >= 0; i--) {
            for (int64_t k = i + 1; k < p; k++) z[i] -= a[k * p + i] * z[k];
            z[i] /= a[i * p + i];
        }
    }
    return 1;
}

zn_status zn_least_squares(const float *x, const float *y, int64_t rows, int64_t n_in, int64_t n_out, double ridge,
                           float *w, float *b) {
    const int64_t p = n_in + 1; /* the intercept is the last unknown */
    double *a = zn_calloc((size_t)(p * p), sizeof(double)), *rhs = zn_calloc((size_t)(p * n_out), sizeof(double));
    if (!a || !rhs) {
        zn_free(a);
        zn_free(rhs);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "least squares: %lld unknowns", (long long)p);
    }
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n_in;
        for (int64_t i = 0; i < p; i++) {
            const double xi = i < n_in ? xr[i] : 1.0;
            for (int64_t j = 0; j <= i; j++) a[i * p + j] += xi * (j < n_in ? xr[j] : 1.0);
            for (int64_t o = 0; o < n_out; o++) rhs[o * p + i] += xi * y[r * n_out + o];
        }
    }
    for (int64_t i = 0; i < p; i++) {
        for (int64_t j = 0; j < i; j++) a[j * p + i] = a[i * p + j];
        if (i < n_in) a[i * p + i] += ridge; /* the intercept is not shrunk */
    }
    int ok = cholesky_solve(a, rhs, p, n_out);
    if (ok)
        for (int64_t o = 0; o < n_out; o++) {
            for (int64_t i = 0; i < n_in; i++) w[i * n_out + o] = (float)rhs[o * p + i];
            b[o] = (float)rhs[o * p + n_in];
        }
    zn_free(a);
    zn_free(rhs);
    return ok ? ZN_OK : zn_error(ZN_ERR_INVALID_ARG, "least squares: the inputs are degenerate");
}
