/* The safetensors writer: a deterministic header (tensors by element size,
 * largest first, then by name; metadata keys sorted), space padding to an
 * 8-byte aligned data buffer, and an atomic write. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/internal.h"
#include "io/st_internal.h"

typedef struct st_entry {
    char *name;
    zn_dtype dtype;
    int ndim;
    int64_t *shape;
    const void *data; /* the caller's */
    size_t nbytes;
} st_entry;

typedef struct st_meta {
    char *key, *value;
} st_meta;

struct zn_st_writer {
    st_entry *entries;
    size_t count, cap;
    st_meta *meta;
    size_t meta_count, meta_cap;
    int finite_only;
};

static char *copy_string(const char *s) {
    size_t n = strlen(s);
    char *c = zn_alloc(n + 1);
    if (c) memcpy(c, s, n + 1);
    return c;
}

/* Grows an array of `size`-byte items to hold one more. */
static int reserve(void **items, size_t *cap, size_t count, size_t size) {
    if (count < *cap) return 1;
    size_t n = *cap ? *cap * 2 : 16, bytes;
    if (!zn_mul_size(n, size, &bytes)) return 0;
    void *grown = zn_realloc(*items, bytes);
    if (!grown) return 0;
    *items = grown;
    *cap = n;
    return 1;
}

static int host_little_endian(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

zn_status zn_st_writer_create(zn_st_writer **out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_writer_create: out is NULL");
    *out = zn_calloc(1, sizeof **out);
    return *out ? ZN_OK : ZN_ERR_OUT_OF_MEMORY;
}

void zn_st_writer_free(zn_st_writer *w) {
    if (!w) return;
    for (size_t i = 0; i < w->count; i++) {
        zn_free(w->entries[i].name);
        zn_free(w->entries[i].shape);
    }
    for (size_t i = 0; i < w->meta_count; i++) {
        zn_free(w->meta[i].key);
        zn_free(w->meta[i].value);
    }
    zn_free(w->entries);
    zn_free(w->meta);
    zn_free(w);
}

zn_status zn_st_writer_add(zn_st_writer *w, const char *name, zn_dtype dtype, int ndim, const int64_t *shape,
                           const void *data) {
    static const char fn[] = "zn_st_writer_add";
    if (!w || !name) return zn_error(ZN_ERR_INVALID_ARG, "%s: NULL argument", fn);
    char q[72];
    zn_st_quote(name, strlen(name), q, sizeof q);
    if (!zn_utf8_valid(name, strlen(name)))
        return zn_error(ZN_ERR_INVALID_ARG, "%s: tensor name '%s' is not valid UTF-8", fn, q);
    if (strcmp(name, "__metadata__") == 0)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: \"__metadata__\" is reserved and cannot name a tensor", fn);
    if ((int)dtype < 0 || dtype >= ZN_DTYPE_COUNT)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: tensor '%s': unknown dtype %d", fn, q, (int)dtype);
    if (ndim < 0 || ndim > ZN_ST_WRITER_MAX_DIMS || (ndim > 0 && !shape))
        return zn_error(ZN_ERR_INVALID_ARG, "%s: tensor '%s': ndim %d not in [0, %d] or shape NULL", fn, q, ndim,
                        ZN_ST_WRITER_MAX_DIMS);
    int64_t numel = 1, bytes;
    int zero = 0;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return zn_error(ZN_ERR_INVALID_ARG, "%s: tensor '%s': shape[%d] = %lld < 0", fn, q, i, (long long)shape[i]);
        zero |= shape[i] == 0;
    }
    for (int i = 0; i < ndim && !zero; i++)
        if (!zn_mul_i64(numel, shape[i], &numel))
            return zn_error(ZN_ERR_OVERFLOW, "%s: tensor '%s': element count overflows", fn, q);
    if (zero) numel = 0;
    if (!zn_mul_i64(numel, (int64_t)zn_dtype_size(dtype), &bytes) || (uint64_t)bytes > SIZE_MAX)
        return zn_error(ZN_ERR_OVERFLOW, "%s: tensor '%s': byte count overflows", fn, q);
    if (bytes > 0 && !data) return zn_error(ZN_ERR_INVALID_ARG, "%s: tensor '%s': data is NULL", fn, q);
    if (!reserve((void **)&w->entries, &w->cap, w->count, sizeof *w->entries)) return ZN_ERR_OUT_OF_MEMORY;
    st_entry *e = &w->entries[w->count];
    memset(e, 0, sizeof *e);
    e->name = copy_string(name);
    if (ndim) e->shape = zn_alloc((size_t)ndim * sizeof *e->shape);
    if (!e->name || (ndim && !e->shape)) {
        zn_free(e->name);
        zn_free(e->shape);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    if (ndim) memcpy(e->shape, shape, (size_t)ndim * sizeof *e->shape);
    e->dtype = dtype;
    e->ndim = ndim;
    e->data = data;
    e->nbytes = (size_t)bytes;
    w->count++;
    return ZN_OK;
}

zn_status zn_st_writer_set_metadata(zn_st_writer *w, const char *key, const char *value) {
    if (!w || !key || !value) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_writer_set_metadata: NULL argument");
    if (!zn_utf8_valid(key, strlen(key)) || !zn_utf8_valid(value, strlen(value)))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_st_writer_set_metadata: key or value is not valid UTF-8");
    char *v = copy_string(value);
    if (!v) return ZN_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < w->meta_count; i++) {
        if (strcmp(w->meta[i].key, key) == 0) {
            zn_free(w->meta[i].value);
            w->meta[i].value = v;
            return ZN_OK;
        }
    }
    char *k = copy_string(key);
    if (!k || !reserve((void **)&w->meta, &w->meta_cap, w->meta_count, sizeof *w->meta)) {
        zn_free(k);
        zn_free(v);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    w->meta[w->meta_count].key = k;
    w->meta[w->meta_count].value = v;
    w->meta_count++;
    return ZN_OK;
}

zn_status zn_st_writer_set_finite_only(zn_st_writer *w, int on) {
    if (!w) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_writer_set_finite_only: NULL argument");
    w->finite_only = on != 0;
    return ZN_OK;
}

/* The index of the first NaN or infinity in a float tensor, or -1. Bits,
 * not values: the data need not be aligned. */
static int64_t first_nonfinite(const st_entry *e) {
    size_t size = zn_dtype_size(e->dtype), n = size ? e->nbytes / size : 0;
    const unsigned char *b = e->data;
    for (size_t i = 0; i < n; i++, b += size) {
        switch (e->dtype) {
        case ZN_F64:
            if ((b[7] & 0x7F) == 0x7F && (b[6] & 0xF0) == 0xF0) return (int64_t)i;
            break;
        case ZN_F32:
            if ((b[3] & 0x7F) == 0x7F && (b[2] & 0x80)) return (int64_t)i;
            break;
        case ZN_F16:
            if ((b[1] & 0x7C) == 0x7C) return (int64_t)i;
            break;
        case ZN_BF16:
            if ((b[1] & 0x7F) == 0x7F && (b[0] & 0x80)) return (int64_t)i;
            break;
        default: return -1;
        }
    }
    return -1;
}

static zn_status check_finite(const zn_st_writer *w, const char *fn) {
    for (size_t i = 0; w->finite_only && i < w->count; i++) {
        int64_t at = first_nonfinite(&w->entries[i]);
        if (at >= 0) {
            char q[72];
            zn_st_quote(w->entries[i].name, strlen(w->entries[i].name), q, sizeof q);
            return zn_error(ZN_ERR_INVALID_ARG,
                            "%s: tensor '%s' element %lld is not finite (NaN or infinity); "
                            "not writing a model with non-finite weights",
                            fn, q, (long long)at);
        }
    }
    return ZN_OK;
}

/* ---- layout ------------------------------------------------------------------ */

static int entry_by_name(const void *a, const void *b) {
    return strcmp((*(const st_entry *const *)a)->name, (*(const st_entry *const *)b)->name);
}

/* Largest elements first keeps every tensor aligned to its element size. */
static int entry_by_layout(const void *a, const void *b) {
    const st_entry *x = *(const st_entry *const *)a, *y = *(const st_entry *const *)b;
    size_t sx = zn_dtype_size(x->dtype), sy = zn_dtype_size(y->dtype);
    if (sx != sy) return sx > sy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int meta_by_key(const void *a, const void *b) {
    return strcmp((*(const st_meta *const *)a)->key, (*(const st_meta *const *)b)->key);
}

typedef struct layout {
    const st_entry **order;
    size_t count;
    char *header; /* padded JSON */
    size_t header_len;
    size_t total; /* file bytes */
} layout;

static void layout_free(layout *l) {
    zn_free(l->order);
    zn_free(l->header);
}

static zn_status make_header(const zn_st_writer *w, layout *l, const char *fn) {
    zn_json_writer jw;
    zn_jw_init(&jw);
    zn_jw_begin_object(&jw);
    if (w->meta_count) {
        const st_meta **meta = zn_alloc(w->meta_count * sizeof *meta);
        if (!meta) {
            zn_jw_discard(&jw);
            return ZN_ERR_OUT_OF_MEMORY;
        }
        for (size_t i = 0; i < w->meta_count; i++) meta[i] = &w->meta[i];
        qsort(meta, w->meta_count, sizeof *meta, meta_by_key);
        zn_jw_key(&jw, "__metadata__");
        zn_jw_begin_object(&jw);
        for (size_t i = 0; i < w->meta_count; i++) {
            zn_jw_key(&jw, meta[i]->key);
            zn_jw_string(&jw, meta[i]->value);
        }
        zn_jw_end_object(&jw);
        zn_free(meta);
    }
    int64_t offset = 0;
    for (size_t i = 0; i < l->count; i++) {
        const st_entry *e = l->order[i];
        int64_t end;
        if (__builtin_add_overflow(offset, (int64_t)e->nbytes, &end)) { /* nbytes <= INT64_MAX (add checked) */
            zn_jw_discard(&jw);
            return zn_error(ZN_ERR_OVERFLOW, "%s: the tensors add up to more bytes than fit in 64 bits", fn);
        }
        zn_jw_key(&jw, e->name);
        zn_jw_begin_object(&jw);
        zn_jw_key(&jw, "dtype");
        zn_jw_string(&jw, zn_dtype_name(e->dtype));
        zn_jw_key(&jw, "shape");
        zn_jw_begin_array(&jw);
        for (int d = 0; d < e->ndim; d++) zn_jw_int(&jw, e->shape[d]);
        zn_jw_end_array(&jw);
        zn_jw_key(&jw, "data_offsets");
        zn_jw_begin_array(&jw);
        zn_jw_int(&jw, offset);
        zn_jw_int(&jw, end);
        zn_jw_end_array(&jw);
        zn_jw_end_object(&jw);
        offset = end;
    }
    zn_jw_end_object(&jw);
    /* Spaces (allowed after JSON) so that 8 + header is a multiple of 8. */
    static const char spaces[8] = "        ";
    zn_jw_raw(&jw, spaces, (8 - jw.len % 8) % 8);
    zn_status s = zn_jw_finish(&jw, &l->header, &l->header_len);
    if (s != ZN_OK) return s;
    if (l->header_len > ZN_ST_MAX_HEADER)
        return zn_error(ZN_ERR_OVERFLOW, "%s: the header would be %zu bytes, more than the format's limit of %d", fn,
                        l->header_len, ZN_ST_MAX_HEADER);
    size_t total = 8 + l->header_len;
    if ((uint64_t)offset > SIZE_MAX - total)
        return zn_error(ZN_ERR_OVERFLOW, "%s: the file would be larger than memory can address", fn);
    l->total = total + (size_t)offset;
    return ZN_OK;
}

static zn_status make_layout(const zn_st_writer *w, layout *l, const char *fn) {
    memset(l, 0, sizeof *l);
    zn_status s = check_finite(w, fn);
    if (s != ZN_OK) return s;
    if (!host_little_endian())
        return zn_error(ZN_ERR_UNSUPPORTED, "%s: safetensors data is little-endian and this host is not", fn);
    l->count = w->count;
    if (w->count) {
        if (!(l->order = zn_alloc(w->count * sizeof *l->order))) return ZN_ERR_OUT_OF_MEMORY;
        for (size_t i = 0; i < w->count; i++) l->order[i] = &w->entries[i];
        qsort(l->order, w->count, sizeof *l->order, entry_by_name);
        for (size_t i = 1; i < w->count; i++) {
            if (strcmp(l->order[i - 1]->name, l->order[i]->name) == 0) {
                char q[72];
                zn_st_quote(l->order[i]->name, strlen(l->order[i]->name), q, sizeof q);
                return zn_error(ZN_ERR_INVALID_ARG, "%s: tensor '%s' was added twice", fn, q);
            }
        }
        qsort(l->order, w->count, sizeof *l->order, entry_by_layout);
    }
    return make_header(w, l, fn);
}

/* ---- output ------------------------------------------------------------------ */

static void put_le64(unsigned char *b, uint64_t v) {
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}

typedef struct save_ctx {
    const layout *l;
    const char *path;
} save_ctx;

static zn_status write_file(FILE *f, void *p) {
    const save_ctx *c = p;
    unsigned char size[8];
    put_le64(size, c->l->header_len);
    int ok = fwrite(size, 1, 8, f) == 8 && fwrite(c->l->header, 1, c->l->header_len, f) == c->l->header_len;
    for (size_t i = 0; ok && i < c->l->count; i++) {
        const st_entry *e = c->l->order[i];
        ok = e->nbytes == 0 || fwrite(e->data, 1, e->nbytes, f) == e->nbytes;
    }
    return ok ? ZN_OK : zn_error(ZN_ERR_IO, "%s: write failed: %s", c->path, strerror(errno));
}

zn_status zn_st_writer_save(const zn_st_writer *w, const char *path) {
    if (!w || !path) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_writer_save: NULL argument");
    layout l;
    zn_status s = make_layout(w, &l, "zn_st_writer_save");
    if (s == ZN_OK) {
        save_ctx c = {&l, path};
        s = zn_file_write_atomic(path, write_file, &c);
    }
    layout_free(&l);
    return s;
}

zn_status zn_st_writer_serialize(const zn_st_writer *w, void **bytes, size_t *len) {
    if (!w || !bytes || !len) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_writer_serialize: NULL argument");
    *bytes = NULL;
    *len = 0;
    layout l;
    zn_status s = make_layout(w, &l, "zn_st_writer_serialize");
    unsigned char *out = NULL;
    if (s == ZN_OK && !(out = zn_alloc(l.total)))
        s = zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_st_writer_serialize: cannot allocate %zu bytes", l.total);
    if (s == ZN_OK) {
        put_le64(out, l.header_len);
        memcpy(out + 8, l.header, l.header_len);
        size_t at = 8 + l.header_len;
        for (size_t i = 0; i < l.count; i++) {
            if (l.order[i]->nbytes) memcpy(out + at, l.order[i]->data, l.order[i]->nbytes);
            at += l.order[i]->nbytes;
        }
        *bytes = out;
        *len = l.total;
    }
    layout_free(&l);
    return s;
}
