/* safetensors files: named tensors with a JSON header, readable by the
 * Python/Rust `safetensors` libraries and everything built on them.
 *
 * Layout: an 8-byte little-endian header size N, N bytes of UTF-8 JSON
 * (tensor name -> {"dtype", "shape", "data_offsets": [begin, end]}, plus an
 * optional "__metadata__" object of strings), then the data buffer; offsets
 * are relative to the start of that buffer.
 *
 * Reading checks everything the reference implementation checks (header
 * size <= 100 MB and inside the file, valid JSON object, known dtypes,
 * shapes whose byte size matches the offsets without overflow, offsets
 * inside the buffer, tensors covering the buffer exactly: no overlap, no
 * hole, no trailing byte) and a malformed file fails with ZN_ERR_FORMAT and
 * a message naming the file, the tensor and the problem. Nothing is read
 * outside the file. The parsed header may take at most 1 GiB of memory
 * (ZN_ERR_BUDGET past that), so a hostile 100 MB header cannot exhaust it.
 *
 * Writing pads the header with spaces so the data buffer starts 8-byte
 * aligned, and orders tensors by element size (largest first) and then by
 * name (bytewise), as the reference writer does: every tensor in a file
 * zenn wrote is then aligned to its element size from an aligned base. The
 * header lists "__metadata__" (keys sorted) first, then the tensors in data
 * order. The same contents always give the same bytes. Files are written
 * atomically (temporary file, fsync, rename).
 *
 * Byte order: data is stored little-endian, as the format requires; zenn
 * runs on little-endian hosts.
 *
 * Thread safety: an open zn_st_file is read-only and may be used from any
 * number of threads at once. A writer is used by one thread at a time. */
#ifndef ZENN_SAFETENSORS_H
#define ZENN_SAFETENSORS_H

#include "zenn/base.h"
#include "zenn/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The reference implementation's limit on the JSON header. */
#define ZN_ST_MAX_HEADER 100000000

/* ---- reading ------------------------------------------------------------------ */

typedef struct zn_st_file zn_st_file;

typedef struct zn_st_info {
    const char *name; /* valid until zn_st_close */
    zn_dtype dtype;
    int ndim;             /* may exceed ZN_MAX_DIMS */
    const int64_t *shape; /* ndim entries (NULL when ndim is 0) */
    int64_t numel;        /* product of shape; 1 for a 0-d tensor */
    const void *data;     /* nbytes inside the file; NOT necessarily aligned for dtype */
    size_t nbytes;
} zn_st_info;

/* Reads `path` into memory and checks it. A file that another process
 * truncates or rewrites while it is read gives ZN_ERR_IO ("the file changed
 * while it was read"), never a signal; once open, the file may change. */
ZN_API zn_status zn_st_open(const char *path, zn_st_file **out);

/* The same for bytes already in memory. The bytes are NOT copied: they must
 * stay valid and unchanged until zn_st_close. `name` is used in messages
 * (NULL: "<memory>"). */
ZN_API zn_status zn_st_parse(const void *bytes, size_t len, const char *name, zn_st_file **out);

ZN_API void zn_st_close(zn_st_file *file); /* NULL is a no-op */

/* Tensors are numbered in the order of their data in the file. */
ZN_API int64_t zn_st_count(const zn_st_file *file);
ZN_API zn_status zn_st_tensor(const zn_st_file *file, int64_t index, zn_st_info *info);
/* ZN_ERR_INVALID_ARG naming the tensor when there is none by that name. */
ZN_API zn_status zn_st_find(const zn_st_file *file, const char *name, zn_st_info *info);

/* The "__metadata__" value for key, or NULL. Valid until zn_st_close. */
ZN_API const char *zn_st_metadata(const zn_st_file *file, const char *key);
ZN_API int64_t zn_st_metadata_count(const zn_st_file *file);
/* The index-th metadata entry, keys in bytewise order. */
ZN_API zn_status zn_st_metadata_at(const zn_st_file *file, int64_t index, const char **key, const char **value);

/* Copies tensor `name` into dst as float, whatever the alignment of its
 * bytes: F32 as is, F16, BF16 and F64 converted (F64 rounded to nearest).
 * count must equal the tensor's element count (ZN_ERR_SHAPE otherwise);
 * integer and BOOL tensors give ZN_ERR_UNSUPPORTED. */
ZN_API zn_status zn_st_read_f32(const zn_st_file *file, const char *name, float *dst, int64_t count);

/* ---- writing ------------------------------------------------------------------ */

typedef struct zn_st_writer zn_st_writer;

ZN_API zn_status zn_st_writer_create(zn_st_writer **out);
ZN_API void zn_st_writer_free(zn_st_writer *w); /* NULL is a no-op */

/* Adds a tensor. name and shape are copied; the data is NOT: it is
 * numel * zn_dtype_size(dtype) bytes in little-endian order, and must stay
 * valid and unchanged until the last zn_st_writer_save/serialize (so saving
 * a large model needs no second copy of its weights). data may be NULL when
 * the tensor has no elements. name: UTF-8, not "__metadata__", unique (a
 * duplicate is reported by save). ndim: 0 .. 64. */
ZN_API zn_status zn_st_writer_add(zn_st_writer *w, const char *name, zn_dtype dtype, int ndim, const int64_t *shape,
                                  const void *data);

/* Sets (or replaces) a "__metadata__" entry; key and value are copied UTF-8. */
ZN_API zn_status zn_st_writer_set_metadata(zn_st_writer *w, const char *key, const char *value);

/* With on != 0, save and serialize refuse (ZN_ERR_INVALID_ARG naming the
 * tensor and element) a float tensor (F64, F32, F16, BF16) holding a NaN or
 * an infinity: a model's weights must be finite. Off by default, since a
 * safetensors file may hold any value. */
ZN_API zn_status zn_st_writer_set_finite_only(zn_st_writer *w, int on);

/* Writes the file atomically (temporary file, fsync, rename; see
 * docs/FORMATS.md for devices, symlinks, modes and signals); on failure
 * `path` is left as it was. */
ZN_API zn_status zn_st_writer_save(const zn_st_writer *w, const char *path);

/* The file's bytes in one zn_alloc block (free with zn_free). */
ZN_API zn_status zn_st_writer_serialize(const zn_st_writer *w, void **bytes, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_SAFETENSORS_H */
