/* Public vector-math entry points: check arguments, then call the table. */
#include <string.h>

#include "base/internal.h"
#include "kernels/kernels.h"

const char *zn_act_name(zn_act act) {
    static const char *const names[ZN_ACT_COUNT] = {"none", "relu",      "leaky_relu", "sigmoid",
                                                    "tanh", "gelu_tanh", "gelu_erf",   "silu"};
    return ((int)act >= 0 && act < ZN_ACT_COUNT) ? names[act] : "unknown";
}

void zn_apply_act(const zn_vmath_kernels *k, zn_act act, float alpha, size_t n, const float *x, float *y) {
    switch (act) {
    case ZN_ACT_NONE:
        if (x != y) memmove(y, x, n * sizeof *y);
        break;
    case ZN_ACT_RELU: k->relu(n, x, y); break;
    case ZN_ACT_LEAKY_RELU: k->leaky_relu(n, alpha, x, y); break;
    case ZN_ACT_SIGMOID: k->sigmoid(n, x, y); break;
    case ZN_ACT_TANH: k->tanh(n, x, y); break;
    case ZN_ACT_GELU_TANH: k->gelu_tanh(n, x, y); break;
    case ZN_ACT_GELU_ERF: k->gelu_erf(n, x, y); break;
    case ZN_ACT_SILU: k->silu(n, x, y); break;
    case ZN_ACT_COUNT: break;
    }
}

static zn_status check_unary(const char *fn, int64_t n, const void *x, const void *y) {
    if (n < 0) return zn_error(ZN_ERR_INVALID_ARG, "%s: n (%lld) < 0", fn, (long long)n);
    if (n > 0 && (!x || !y)) return zn_error(ZN_ERR_INVALID_ARG, "%s: NULL array with n = %lld", fn, (long long)n);
    if ((uint64_t)n > SIZE_MAX / sizeof(float))
        return zn_error(ZN_ERR_OVERFLOW, "%s: n (%lld) too large", fn, (long long)n);
    return ZN_OK;
}

zn_status zn_vact(zn_act act, float alpha, int64_t n, const float *x, float *y) {
    if ((int)act < 0 || act >= ZN_ACT_COUNT)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_vact: unknown activation %d", (int)act);
    zn_status s = check_unary("zn_vact", n, x, y);
    if (s != ZN_OK) return s;
    zn_apply_act(&zn_kernels_get()->vmath, act, alpha, (size_t)n, x, y);
    return ZN_OK;
}

#define ZN_UNARY_ENTRY(name, field)                                                                                    \
    zn_status name(int64_t n, const float *x, float *y) {                                                              \
        zn_status s = check_unary(#name, n, x, y);                                                                     \
        if (s != ZN_OK) return s;                                                                                      \
        if (n) zn_kernels_get()->vmath.field((size_t)n, x, y);                                                         \
        return ZN_OK;                                                                                                  \
    }

ZN_UNARY_ENTRY(zn_vrelu, relu)
ZN_UNARY_ENTRY(zn_vsigmoid, sigmoid)
ZN_UNARY_ENTRY(zn_vtanh, tanh)
ZN_UNARY_ENTRY(zn_vexp, exp)
ZN_UNARY_ENTRY(zn_vlog, log)
ZN_UNARY_ENTRY(zn_vgelu_tanh, gelu_tanh)
ZN_UNARY_ENTRY(zn_vgelu_erf, gelu_erf)
ZN_UNARY_ENTRY(zn_vsilu, silu)

zn_status zn_vleaky_relu(int64_t n, float alpha, const float *x, float *y) {
    zn_status s = check_unary("zn_vleaky_relu", n, x, y);
    if (s != ZN_OK) return s;
    if (n) zn_kernels_get()->vmath.leaky_relu((size_t)n, alpha, x, y);
    return ZN_OK;
}

zn_status zn_softmax_rows(int64_t rows, int64_t cols, const float *x, int64_t ldx, float *y, int64_t ldy) {
    if (rows < 0 || cols < 0)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_softmax_rows: rows (%lld) or cols (%lld) < 0", (long long)rows,
                        (long long)cols);
    if (ldx < cols || ldy < cols)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_softmax_rows: ldx (%lld) or ldy (%lld) < cols (%lld)", (long long)ldx,
                        (long long)ldy, (long long)cols);
    if (rows == 0 || cols == 0) return ZN_OK;
    if (!x || !y) return zn_error(ZN_ERR_INVALID_ARG, "zn_softmax_rows: NULL array");
    int64_t span;
    if (!zn_mul_i64(rows - 1, ldx > ldy ? ldx : ldy, &span) || span > INT64_MAX - cols)
        return zn_error(ZN_ERR_OVERFLOW, "zn_softmax_rows: %lld rows of stride %lld overflow", (long long)rows,
                        (long long)(ldx > ldy ? ldx : ldy));
    const zn_vmath_kernels *k = &zn_kernels_get()->vmath;
    for (int64_t r = 0; r < rows; r++) k->softmax((size_t)cols, x + r * ldx, y + r * ldy);
    return ZN_OK;
}

static zn_status check_reduce(const char *fn, int64_t n, const void *x, const void *out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "%s: out is NULL", fn);
    return check_unary(fn, n, x, x);
}

zn_status zn_vsum(int64_t n, const float *x, float *out) {
    zn_status s = check_reduce("zn_vsum", n, x, out);
    if (s == ZN_OK) *out = zn_kernels_get()->vmath.sum((size_t)n, x);
    return s;
}

zn_status zn_vmax(int64_t n, const float *x, float *out) {
    zn_status s = check_reduce("zn_vmax", n, x, out);
    if (s == ZN_OK) *out = zn_kernels_get()->vmath.max((size_t)n, x);
    return s;
}

zn_status zn_vnorm2(int64_t n, const float *x, float *out) {
    zn_status s = check_reduce("zn_vnorm2", n, x, out);
    if (s == ZN_OK) *out = zn_kernels_get()->vmath.norm2((size_t)n, x);
    return s;
}

zn_status zn_vdot(int64_t n, const float *x, const float *y, float *out) {
    zn_status s = check_reduce("zn_vdot", n, x, out);
    if (s == ZN_OK && n > 0 && !y) s = zn_error(ZN_ERR_INVALID_ARG, "zn_vdot: y is NULL");
    if (s == ZN_OK) *out = zn_kernels_get()->vmath.dot((size_t)n, x, y);
    return s;
}

zn_status zn_vaxpy(int64_t n, float alpha, const float *x, float *y) {
    zn_status s = check_unary("zn_vaxpy", n, x, y);
    if (s == ZN_OK && n) zn_kernels_get()->vmath.axpy((size_t)n, alpha, x, y);
    return s;
}

zn_status zn_vscale(int64_t n, float alpha, const float *x, float *y) {
    zn_status s = check_unary("zn_vscale", n, x, y);
    if (s == ZN_OK && n) zn_kernels_get()->vmath.scale((size_t)n, alpha, x, y);
    return s;
}
