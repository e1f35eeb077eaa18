/* zn_tensor: a typed, contiguous, row-major array of up to 4 dimensions.
 *
 * A tensor either owns its data (zn_tensor_create) or is a view of another
 * tensor's data (zn_tensor_view): a view shares the bytes and must not
 * outlive its base. Data is 64-byte aligned when owned. */
#ifndef ZENN_TENSOR_H
#define ZENN_TENSOR_H

#include "zenn/base.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZN_MAX_DIMS 4

/* Values are stable (they may be stored); new types go before ZN_DTYPE_COUNT.
 * F64 .. BOOL exist so that any safetensors file can be read. */
typedef enum zn_dtype {
    ZN_F32 = 0,
    ZN_F16,
    ZN_BF16,
    ZN_I8,
    ZN_I32,
    ZN_F64,
    ZN_U8,
    ZN_I16,
    ZN_I64,
    ZN_BOOL, /* BOOL: one byte, 0 or 1 */
    ZN_DTYPE_COUNT
} zn_dtype;

typedef struct zn_tensor {
    zn_dtype dtype;
    int ndim;                   /* 0 (scalar) .. ZN_MAX_DIMS */
    int64_t shape[ZN_MAX_DIMS]; /* unused dims are 1 */
    void *data;
    int owns_data;
} zn_tensor;

ZN_API size_t zn_dtype_size(zn_dtype dtype);
ZN_API const char *zn_dtype_name(zn_dtype dtype);

/* Number of elements, or -1 when the shape is invalid or the count overflows. */
ZN_API int64_t zn_shape_numel(int ndim, const int64_t *shape);

/* A new zero-filled tensor. */
ZN_API zn_status zn_tensor_create(zn_dtype dtype, int ndim, const int64_t *shape, zn_tensor **out);
ZN_API void zn_tensor_free(zn_tensor *t); /* frees owned data; NULL is a no-op */

ZN_API int64_t zn_tensor_numel(const zn_tensor *t);
ZN_API size_t zn_tensor_bytes(const zn_tensor *t);

/* A view of `base` starting at element `offset` with a new shape that fits in
 * the base's elements from there. */
ZN_API zn_status zn_tensor_view(const zn_tensor *base, int64_t offset, int ndim, const int64_t *shape, zn_tensor **out);

/* Same elements, new shape (numel must match). In place. */
ZN_API zn_status zn_tensor_reshape(zn_tensor *t, int ndim, const int64_t *shape);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_TENSOR_H */
