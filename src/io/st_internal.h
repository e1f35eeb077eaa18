/* Shared pieces of the safetensors reader and writer. */
#ifndef ZN_IO_ST_INTERNAL_H
#define ZN_IO_ST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "io/json.h"
#include "zenn/safetensors.h"

/* The memory the header's JSON may take once parsed: far above any real
 * header (about 200 bytes per tensor), far below what 100 MB of "[0,0,..."
 * would take. */
#define ZN_ST_MAX_HEADER_MEMORY ((size_t)1 << 30)

/* The most dimensions the writer accepts (the reader takes any number). */
#define ZN_ST_WRITER_MAX_DIMS 64

typedef struct st_tensor {
    const char *name; /* in the header's JSON document */
    zn_dtype dtype;
    int ndim;
    const int64_t *shape;
    int64_t numel;
    uint64_t begin, end; /* offsets in the data buffer */
} st_tensor;

struct zn_st_file {
    char *name;                 /* for messages */
    const unsigned char *bytes; /* the whole file */
    size_t len;
    char *owned;               /* the file read into memory, or NULL */
    const unsigned char *data; /* the data buffer: bytes + 8 + header size */
    size_t data_len;
    zn_json_doc *doc;
    st_tensor *tensors;        /* in data order */
    const st_tensor **by_name; /* sorted by name, for zn_st_find */
    int64_t count;
    int64_t *shapes;         /* every tensor's dims, one block */
    const zn_json *metadata; /* the "__metadata__" object, or NULL */
};

/* Checks f->bytes[0..len) and fills the tensor table; the caller frees f on failure. */
zn_status zn_st_check(zn_st_file *f);

/* The dtype named s[0..len). Returns 1 when zenn has it, 0 for a name the
 * format does not know, -1 for a safetensors dtype zenn does not support. */
int zn_st_dtype_lookup(const char *s, size_t len, zn_dtype *out);

/* A printable, shortened copy of a name for messages. */
void zn_st_quote(const char *s, size_t len, char *out, size_t cap);

/* "[5, 6]" (shortened past a few dims) for messages. */
void zn_st_format_shape(const int64_t *shape, int ndim, char *out, size_t cap);

#endif
