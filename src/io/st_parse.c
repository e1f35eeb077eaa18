/* The safetensors header: every size and offset checked before use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "io/st_internal.h"

#define FIELD_NAMES "\"dtype\", \"shape\" and \"data_offsets\""

typedef struct ctx {
    zn_st_file *f;
    char tname[72]; /* the current tensor's name, quoted for messages */
} ctx;

static uint64_t le64(const unsigned char *b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}

/* A short description of a JSON value for "got ..." in messages. */
static void describe(const zn_json *v, char *out, size_t cap) {
    if (v->type == ZN_JSON_NUMBER) {
        if (v->is_int)
            snprintf(out, cap, "%lld", (long long)v->integer);
        else
            snprintf(out, cap, "%g", v->number);
    } else if (v->type == ZN_JSON_STRING) {
        char q[40];
        zn_st_quote(v->str, v->len, q, sizeof q);
        snprintf(out, cap, "\"%s\"", q);
    } else {
        snprintf(out, cap, "%s", zn_json_type_name(v->type));
    }
}

/* A non-negative integer field element; fails naming `what`. */
static zn_status get_count(ctx *c, const zn_json *v, const char *what, int index, int64_t *out) {
    if (zn_json_int(v, out) && *out >= 0) return ZN_OK;
    char got[64];
    describe(v, got, sizeof got);
    if (v->type == ZN_JSON_NUMBER && v->number >= 9223372036854775807.0)
        return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': %s[%d] = %s is too large", c->f->name, c->tname, what, index,
                        got);
    return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': %s[%d] must be a non-negative integer, got %s", c->f->name,
                    c->tname, what, index, got);
}

static zn_status field(ctx *c, const zn_json *obj, const char *key, zn_json_type type, const zn_json **out) {
    *out = zn_json_get(obj, key);
    if (!*out)
        return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': missing \"%s\" (a tensor needs " FIELD_NAMES ")", c->f->name,
                        c->tname, key);
    if ((*out)->type != type)
        return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': \"%s\" must be %s, got %s", c->f->name, c->tname, key,
                        zn_json_type_name(type), zn_json_type_name((*out)->type));
    return ZN_OK;
}

static zn_status check_tensor(ctx *c, const zn_json *key, const zn_json *v, st_tensor *t, int64_t *shape) {
    zn_st_file *f = c->f;
    zn_st_quote(key->str, key->len, c->tname, sizeof c->tname);
    if (strlen(key->str) != key->len)
        return zn_error(ZN_ERR_UNSUPPORTED, "%s: tensor '%s': the name contains a NUL character", f->name, c->tname);
    if (v->type != ZN_JSON_OBJECT)
        return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': expected an object with " FIELD_NAMES ", got %s", f->name,
                        c->tname, zn_json_type_name(v->type));
    for (size_t k = 0; k < v->count; k++) {
        const zn_json *fk = &v->keys[k];
        if (strcmp(fk->str, "dtype") && strcmp(fk->str, "shape") && strcmp(fk->str, "data_offsets")) {
            char q[40];
            zn_st_quote(fk->str, fk->len, q, sizeof q);
            return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': unknown field \"%s\"", f->name, c->tname, q);
        }
    }
    const zn_json *dt, *sh, *off;
    zn_status s;
    if ((s = field(c, v, "dtype", ZN_JSON_STRING, &dt)) != ZN_OK) return s;
    if ((s = field(c, v, "shape", ZN_JSON_ARRAY, &sh)) != ZN_OK) return s;
    if ((s = field(c, v, "data_offsets", ZN_JSON_ARRAY, &off)) != ZN_OK) return s;

    char q[40];
    int known = zn_st_dtype_lookup(dt->str, dt->len, &t->dtype);
    zn_st_quote(dt->str, dt->len, q, sizeof q);
    if (known == 0) return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': unknown dtype \"%s\"", f->name, c->tname, q);
    if (known < 0)
        return zn_error(ZN_ERR_UNSUPPORTED,
                        "%s: tensor '%s': dtype %s is valid safetensors but zenn does not support it", f->name,
                        c->tname, q);

    t->name = key->str;
    t->ndim = (int)sh->count; /* the header's size limit keeps this far below INT_MAX */
    t->shape = sh->count ? shape : NULL;
    int zero = 0;
    for (size_t i = 0; i < sh->count; i++) {
        if ((s = get_count(c, &sh->items[i], "shape", (int)i, &shape[i])) != ZN_OK) return s;
        zero |= shape[i] == 0;
    }
    char shp[200];
    zn_st_format_shape(shape, t->ndim, shp, sizeof shp);
    /* A zero dimension makes the tensor empty whatever the others say. */
    int64_t numel = 1;
    for (int i = 0; i < t->ndim && !zero; i++)
        if (!zn_mul_i64(numel, shape[i], &numel))
            return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': shape %s has more elements than fit in 64 bits", f->name,
                            c->tname, shp);
    t->numel = zero ? 0 : numel;
    int64_t need;
    if (!zn_mul_i64(t->numel, (int64_t)zn_dtype_size(t->dtype), &need))
        return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': shape %s of %s needs more bytes than fit in 64 bits", f->name,
                        c->tname, shp, zn_dtype_name(t->dtype));

    if (off->count != 2)
        return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': \"data_offsets\" must be [begin, end], got %zu numbers",
                        f->name, c->tname, off->count);
    int64_t b, e;
    if ((s = get_count(c, &off->items[0], "data_offsets", 0, &b)) != ZN_OK) return s;
    if ((s = get_count(c, &off->items[1], "data_offsets", 1, &e)) != ZN_OK) return s;
    if (b > e)
        return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld] end before they begin", f->name,
                        c->tname, (long long)b, (long long)e);
    if (e - b != need)
        return zn_error(ZN_ERR_FORMAT,
                        "%s: tensor '%s': data_offsets [%lld, %lld] hold %lld bytes but shape %s of %s needs %lld",
                        f->name, c->tname, (long long)b, (long long)e, (long long)(e - b), shp, zn_dtype_name(t->dtype),
                        (long long)need);
    if ((uint64_t)e > f->data_len)
        return zn_error(ZN_ERR_FORMAT,
                        "%s: tensor '%s': data_offsets [%lld, %lld] run past the end of the data buffer (%zu bytes)",
                        f->name, c->tname, (long long)b, (long long)e, f->data_len);
    t->begin = (uint64_t)b;
    t->end = (uint64_t)e;
    return ZN_OK;
}

static zn_status check_metadata(zn_st_file *f, const zn_json *v) {
    if (v->type != ZN_JSON_OBJECT)
        return zn_error(ZN_ERR_FORMAT, "%s: \"__metadata__\" must be an object of strings, got %s", f->name,
                        zn_json_type_name(v->type));
    for (size_t k = 0; k < v->count; k++) {
        const zn_json *key = &v->keys[k], *val = &v->items[k];
        char q[72];
        zn_st_quote(key->str, key->len, q, sizeof q);
        if (val->type != ZN_JSON_STRING)
            return zn_error(ZN_ERR_FORMAT, "%s: \"__metadata__\": the value of \"%s\" must be a string, got %s",
                            f->name, q, zn_json_type_name(val->type));
        if (strlen(key->str) != key->len || strlen(val->str) != val->len)
            return zn_error(ZN_ERR_UNSUPPORTED, "%s: \"__metadata__\": entry \"%s\" contains a NUL character", f->name,
                            q);
    }
    f->metadata = v;
    return ZN_OK;
}

static int by_offset(const void *a, const void *b) {
    const st_tensor *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name); /* zero-length tensors at one offset: a fixed order */
}

static int by_name(const void *a, const void *b) {
    return strcmp((*(const st_tensor *const *)a)->name, (*(const st_tensor *const *)b)->name);
}

/* Sorted by offset, the tensors must tile [0, data_len) exactly. */
static zn_status check_coverage(zn_st_file *f) {
    uint64_t at = 0;
    const st_tensor *prev = NULL;
    for (int64_t i = 0; i < f->count; i++) {
        const st_tensor *t = &f->tensors[i];
        char q[72], pq[72];
        zn_st_quote(t->name, strlen(t->name), q, sizeof q);
        if (t->begin > at)
            return zn_error(ZN_ERR_FORMAT,
                            "%s: bytes [%llu, %llu) of the data buffer belong to no tensor (a hole before '%s')",
                            f->name, (unsigned long long)at, (unsigned long long)t->begin, q);
        if (t->begin < at) {
            zn_st_quote(prev->name, strlen(prev->name), pq, sizeof pq);
            return zn_error(ZN_ERR_FORMAT, "%s: tensor '%s' [%llu, %llu] overlaps tensor '%s' [%llu, %llu]", f->name, q,
                            (unsigned long long)t->begin, (unsigned long long)t->end, pq,
                            (unsigned long long)prev->begin, (unsigned long long)prev->end);
        }
        at = t->end;
        prev = t;
    }
    if (at != f->data_len)
        return zn_error(ZN_ERR_FORMAT,
                        "%s: %llu bytes after the last tensor's data belong to no tensor (data buffer %zu bytes, "
                        "tensors end at %llu)",
                        f->name, (unsigned long long)(f->data_len - at), f->data_len, (unsigned long long)at);
    return ZN_OK;
}

zn_status zn_st_check(zn_st_file *f) {
    if (f->len < 8)
        return zn_error(ZN_ERR_FORMAT,
                        "%s: %zu bytes is too short for a safetensors file (the header size alone takes 8)", f->name,
                        f->len);
    uint64_t n = le64(f->bytes);
    if (n > ZN_ST_MAX_HEADER)
        return zn_error(ZN_ERR_FORMAT, "%s: header size %llu is more than the limit of %d bytes", f->name,
                        (unsigned long long)n, ZN_ST_MAX_HEADER);
    if (n > f->len - 8)
        return zn_error(ZN_ERR_FORMAT, "%s: header size %llu runs past the end of the file (%zu bytes follow the size)",
                        f->name, (unsigned long long)n, f->len - 8);
    const char *text = (const char *)f->bytes + 8;
    if (n == 0 || text[0] != '{') return zn_error(ZN_ERR_FORMAT, "%s: the header does not start with '{'", f->name);
    f->data = f->bytes + 8 + n;
    f->data_len = f->len - 8 - (size_t)n;

    size_t nl = strlen(f->name);
    char *jname = zn_alloc(nl + sizeof ": header");
    if (!jname) return ZN_ERR_OUT_OF_MEMORY;
    memcpy(jname, f->name, nl);
    memcpy(jname + nl, ": header", 9);
    zn_status s = zn_json_parse_budget(text, (size_t)n, jname, ZN_ST_MAX_HEADER_MEMORY, &f->doc);
    zn_free(jname);
    if (s != ZN_OK) return s;
    const zn_json *root = zn_json_root(f->doc);
    if (root->type != ZN_JSON_OBJECT) /* unreachable after the '{' check, kept for safety */
        return zn_error(ZN_ERR_FORMAT, "%s: the header must be a JSON object", f->name);

    /* One block for every tensor's dims. */
    size_t dims = 0, tensors = 0;
    for (size_t k = 0; k < root->count; k++) {
        if (strcmp(root->keys[k].str, "__metadata__") == 0 && root->keys[k].len == 12) continue;
        tensors++;
        const zn_json *sh = zn_json_get(&root->items[k], "shape");
        if (sh && sh->type == ZN_JSON_ARRAY) dims += sh->count;
    }
    f->count = (int64_t)tensors;
    if (tensors) {
        f->tensors = zn_calloc(tensors, sizeof *f->tensors);
        f->by_name = zn_calloc(tensors, sizeof *f->by_name);
        if (!f->tensors || !f->by_name) return ZN_ERR_OUT_OF_MEMORY;
    }
    if (dims && !(f->shapes = zn_calloc(dims, sizeof *f->shapes))) return ZN_ERR_OUT_OF_MEMORY;

    ctx c = {.f = f};
    size_t ti = 0, di = 0;
    for (size_t k = 0; k < root->count; k++) {
        const zn_json *key = &root->keys[k], *val = &root->items[k];
        if (key->len == 12 && memcmp(key->str, "__metadata__", 12) == 0) {
            if ((s = check_metadata(f, val)) != ZN_OK) return s;
            continue;
        }
        if ((s = check_tensor(&c, key, val, &f->tensors[ti], f->shapes ? f->shapes + di : NULL)) != ZN_OK) return s;
        di += (size_t)f->tensors[ti].ndim;
        ti++;
    }
    if (tensors) qsort(f->tensors, tensors, sizeof *f->tensors, by_offset);
    if ((s = check_coverage(f)) != ZN_OK) return s;
    for (size_t i = 0; i < tensors; i++) f->by_name[i] = &f->tensors[i];
    if (tensors) qsort(f->by_name, tensors, sizeof *f->by_name, by_name);
    return ZN_OK;
}
