/* Opening safetensors files (read into memory) and looking tensors up. */
#include <string.h>

#include "base/file.h"
#include "base/internal.h"
#include "io/st_internal.h"

static zn_status new_file(const char *name, zn_st_file **out) {
    zn_st_file *f = zn_calloc(1, sizeof *f);
    if (!f) return ZN_ERR_OUT_OF_MEMORY;
    size_t n = strlen(name);
    if (!(f->name = zn_alloc(n + 1))) {
        zn_free(f);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    memcpy(f->name, name, n + 1);
    *out = f;
    return ZN_OK;
}

void zn_st_close(zn_st_file *f) {
    if (!f) return;
    zn_free(f->owned);
    zn_json_free(f->doc);
    zn_free(f->tensors);
    zn_free(f->by_name);
    zn_free(f->shapes);
    zn_free(f->name);
    zn_free(f);
}

static zn_status finish(zn_st_file *f, zn_st_file **out) {
    zn_status s = zn_st_check(f);
    if (s != ZN_OK) {
        zn_st_close(f);
        return s;
    }
    *out = f;
    return ZN_OK;
}

zn_status zn_st_parse(const void *bytes, size_t len, const char *name, zn_st_file **out) {
    if (!out || (!bytes && len)) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_parse: NULL argument");
    *out = NULL;
    zn_st_file *f;
    zn_status s = new_file(name ? name : "<memory>", &f);
    if (s != ZN_OK) return s;
    f->bytes = bytes ? bytes : (const unsigned char *)"";
    f->len = len;
    return finish(f, out);
}

zn_status zn_st_open(const char *path, zn_st_file **out) {
    if (!path || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_open: NULL argument");
    *out = NULL;
    zn_st_file *f;
    zn_status s = new_file(path, &f);
    if (s != ZN_OK) return s;
    /* Read, not mapped: a mapped file truncated by another process kills
     * the reader with SIGBUS; a read notices the change and says so. */
    size_t len = 0;
    if ((s = zn_file_read(path, 0, &f->owned, &len)) != ZN_OK) {
        zn_st_close(f);
        return s;
    }
    f->bytes = (const unsigned char *)f->owned;
    f->len = len;
    return finish(f, out);
}

int64_t zn_st_count(const zn_st_file *f) { return f ? f->count : 0; }

static void fill(const zn_st_file *f, const st_tensor *t, zn_st_info *info) {
    info->name = t->name;
    info->dtype = t->dtype;
    info->ndim = t->ndim;
    info->shape = t->shape;
    info->numel = t->numel;
    info->data = f->data + t->begin;
    info->nbytes = (size_t)(t->end - t->begin);
}

zn_status zn_st_tensor(const zn_st_file *f, int64_t index, zn_st_info *info) {
    if (!f || !info) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_tensor: NULL argument");
    if (index < 0 || index >= f->count)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_st_tensor: %s: index %lld not in [0, %lld)", f->name, (long long)index,
                        (long long)f->count);
    fill(f, &f->tensors[index], info);
    return ZN_OK;
}

zn_status zn_st_find(const zn_st_file *f, const char *name, zn_st_info *info) {
    if (!f || !name || !info) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_find: NULL argument");
    size_t lo = 0, hi = (size_t)f->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(f->by_name[mid]->name, name);
        if (c == 0) {
            fill(f, f->by_name[mid], info);
            return ZN_OK;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    char q[72];
    zn_st_quote(name, strlen(name), q, sizeof q);
    return zn_error(ZN_ERR_INVALID_ARG, "%s: no tensor named '%s'", f->name, q);
}

const char *zn_st_metadata(const zn_st_file *f, const char *key) {
    const zn_json *v = f && key ? zn_json_get(f->metadata, key) : NULL;
    return v ? v->str : NULL;
}

int64_t zn_st_metadata_count(const zn_st_file *f) { return f && f->metadata ? (int64_t)f->metadata->count : 0; }

zn_status zn_st_metadata_at(const zn_st_file *f, int64_t index, const char **key, const char **value) {
    if (!f || !key || !value) return zn_error(ZN_ERR_INVALID_ARG, "zn_st_metadata_at: NULL argument");
    if (index < 0 || index >= zn_st_metadata_count(f))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_st_metadata_at: %s: index %lld not in [0, %lld)", f->name,
                        (long long)index, (long long)zn_st_metadata_count(f));
    const zn_json *k = f->metadata->by_key[index];
    *key = k->str;
    *value = f->metadata->items[k - f->metadata->keys].str;
    return ZN_OK;
}
