/* zn_tensor: shape bookkeeping over one aligned block. */
#include <string.h>

#include "base/internal.h"
#include "zenn/tensor.h"

size_t zn_dtype_size(zn_dtype dtype) {
    switch (dtype) {
    case ZN_F32: return 4;
    case ZN_F16: return 2;
    case ZN_BF16: return 2;
    case ZN_I8: return 1;
    case ZN_I32: return 4;
    case ZN_F64: return 8;
    case ZN_U8: return 1;
    case ZN_I16: return 2;
    case ZN_I64: return 8;
    case ZN_BOOL: return 1;
    default: return 0;
    }
}

const char *zn_dtype_name(zn_dtype dtype) {
    switch (dtype) {
    case ZN_F32: return "F32";
    case ZN_F16: return "F16";
    case ZN_BF16: return "BF16";
    case ZN_I8: return "I8";
    case ZN_I32: return "I32";
    case ZN_F64: return "F64";
    case ZN_U8: return "U8";
    case ZN_I16: return "I16";
    case ZN_I64: return "I64";
    case ZN_BOOL: return "BOOL";
    default: return "unknown";
    }
}

int64_t zn_shape_numel(int ndim, const int64_t *shape) {
    if (ndim < 0 || ndim > ZN_MAX_DIMS || (ndim > 0 && !shape)) return -1;
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || !zn_mul_i64(n, shape[i], &n)) return -1;
    }
    return n;
}

static zn_status check_shape(const char *fn, zn_dtype dtype, int ndim, const int64_t *shape, int64_t *numel) {
    if (zn_dtype_size(dtype) == 0) return zn_error(ZN_ERR_INVALID_ARG, "%s: unknown dtype %d", fn, (int)dtype);
    if (ndim < 0 || ndim > ZN_MAX_DIMS)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: ndim %d not in [0, %d]", fn, ndim, ZN_MAX_DIMS);
    if (ndim > 0 && !shape) return zn_error(ZN_ERR_INVALID_ARG, "%s: shape is NULL", fn);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0) return zn_error(ZN_ERR_INVALID_ARG, "%s: shape[%d] = %lld < 0", fn, i, (long long)shape[i]);
    *numel = zn_shape_numel(ndim, shape);
    size_t bytes;
    if (*numel < 0 || !zn_mul_size((size_t)*numel, zn_dtype_size(dtype), &bytes))
        return zn_error(ZN_ERR_OVERFLOW, "%s: element count overflows", fn);
    return ZN_OK;
}

static void set_shape(zn_tensor *t, zn_dtype dtype, int ndim, const int64_t *shape) {
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ZN_MAX_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 1;
}

zn_status zn_tensor_create(zn_dtype dtype, int ndim, const int64_t *shape, zn_tensor **out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "zn_tensor_create: out is NULL");
    *out = NULL;
    int64_t numel = 0;
    zn_status s = check_shape("zn_tensor_create", dtype, ndim, shape, &numel);
    if (s != ZN_OK) return s;
    zn_tensor *t = zn_calloc(1, sizeof *t);
    if (!t) return ZN_ERR_OUT_OF_MEMORY;
    set_shape(t, dtype, ndim, shape);
    size_t bytes = (size_t)numel * zn_dtype_size(dtype);
    if (bytes > 0) {
        t->data = zn_calloc(1, bytes);
        if (!t->data) {
            zn_free(t);
            return ZN_ERR_OUT_OF_MEMORY;
        }
        t->owns_data = 1;
    }
    *out = t;
    return ZN_OK;
}

void zn_tensor_free(zn_tensor *t) {
    if (!t) return;
    if (t->owns_data) zn_free(t->data);
    zn_free(t);
}

int64_t zn_tensor_numel(const zn_tensor *t) { return t ? zn_shape_numel(t->ndim, t->shape) : 0; }

size_t zn_tensor_bytes(const zn_tensor *t) { return t ? (size_t)zn_tensor_numel(t) * zn_dtype_size(t->dtype) : 0; }

zn_status zn_tensor_view(const zn_tensor *base, int64_t offset, int ndim, const int64_t *shape, zn_tensor **out) {
    if (!base || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_tensor_view: NULL argument");
    *out = NULL;
    int64_t numel = 0;
    zn_status s = check_shape("zn_tensor_view", base->dtype, ndim, shape, &numel);
    if (s != ZN_OK) return s;
    int64_t have = zn_tensor_numel(base);
    if (offset < 0 || offset > have || numel > have - offset)
        return zn_error(ZN_ERR_SHAPE, "zn_tensor_view: %lld elements at offset %lld do not fit in %lld",
                        (long long)numel, (long long)offset, (long long)have);
    zn_tensor *t = zn_calloc(1, sizeof *t);
    if (!t) return ZN_ERR_OUT_OF_MEMORY;
    set_shape(t, base->dtype, ndim, shape);
    t->data = base->data ? (char *)base->data + (size_t)offset * zn_dtype_size(base->dtype) : NULL;
    t->owns_data = 0;
    *out = t;
    return ZN_OK;
}

zn_status zn_tensor_reshape(zn_tensor *t, int ndim, const int64_t *shape) {
    if (!t) return zn_error(ZN_ERR_INVALID_ARG, "zn_tensor_reshape: t is NULL");
    int64_t numel = 0;
    zn_status s = check_shape("zn_tensor_reshape", t->dtype, ndim, shape, &numel);
    if (s != ZN_OK) return s;
    if (numel != zn_tensor_numel(t))
        return zn_error(ZN_ERR_SHAPE, "zn_tensor_reshape: %lld elements into a shape of %lld",
                        (long long)zn_tensor_numel(t), (long long)numel);
    set_shape(t, t->dtype, ndim, shape);
    return ZN_OK;
}
