/* Fuzz target: safetensors bytes. Any input must give ZN_OK with tensors
 * that lie inside the buffer and tile the data exactly (every byte is
 * touched, so a wrong offset shows under ASan), or an error with a message.
 * An accepted file written again by zenn must read back the same. */
#include <stdint.h>
#include <string.h>

#include "zenn/zenn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const zn_st_file *a, const zn_st_file *b) {
    if (zn_st_count(a) != zn_st_count(b) || zn_st_metadata_count(a) != zn_st_metadata_count(b)) __builtin_trap();
    for (int64_t i = 0; i < zn_st_count(a); i++) {
        zn_st_info x, y;
        if (zn_st_tensor(a, i, &x) != ZN_OK || zn_st_find(b, x.name, &y) != ZN_OK) __builtin_trap();
        if (x.dtype != y.dtype || x.ndim != y.ndim || x.nbytes != y.nbytes || memcmp(x.data, y.data, x.nbytes) != 0)
            __builtin_trap();
        for (int d = 0; d < x.ndim; d++)
            if (x.shape[d] != y.shape[d]) __builtin_trap();
    }
    for (int64_t i = 0; i < zn_st_metadata_count(a); i++) {
        const char *k, *v;
        if (zn_st_metadata_at(a, i, &k, &v) != ZN_OK) __builtin_trap();
        const char *w = zn_st_metadata(b, k);
        if (!w || strcmp(v, w) != 0) __builtin_trap();
    }
}

static void rewrite(const zn_st_file *f) {
    zn_st_writer *w = NULL;
    if (zn_st_writer_create(&w) != ZN_OK) return;
    for (int64_t i = 0; i < zn_st_count(f); i++) {
        zn_st_info t;
        zn_st_tensor(f, i, &t);
        if (t.ndim > 64) { /* the writer's limit; the reader takes any */
            zn_st_writer_free(w);
            return;
        }
        if (zn_st_writer_add(w, t.name, t.dtype, t.ndim, t.shape, t.data) != ZN_OK) __builtin_trap();
    }
    for (int64_t i = 0; i < zn_st_metadata_count(f); i++) {
        const char *k, *v;
        zn_st_metadata_at(f, i, &k, &v);
        if (zn_st_writer_set_metadata(w, k, v) != ZN_OK) __builtin_trap();
    }
    void *bytes = NULL;
    size_t len = 0;
    if (zn_st_writer_serialize(w, &bytes, &len) != ZN_OK) __builtin_trap();
    zn_st_file *g = NULL;
    if (zn_st_parse(bytes, len, "rewritten", &g) != ZN_OK) __builtin_trap();
    check_same(f, g);
    zn_st_close(g);
    zn_free(bytes);
    zn_st_writer_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zn_st_file *f = NULL;
    zn_status s = zn_st_parse(data, size, "fuzz", &f);
    if (s != ZN_OK) {
        if (f != NULL || zn_last_error()[0] == '\0') __builtin_trap(); /* an error leaves no file and says why */
        return 0;
    }
    volatile unsigned sink = 0;
    size_t covered = 0;
    for (int64_t i = 0; i < zn_st_count(f); i++) {
        zn_st_info t;
        if (zn_st_tensor(f, i, &t) != ZN_OK) __builtin_trap();
        const uint8_t *p = t.data;
        if (p < data || p + t.nbytes > data + size) __builtin_trap();
        if ((size_t)t.numel * zn_dtype_size(t.dtype) != t.nbytes) __builtin_trap();
        for (size_t k = 0; k < t.nbytes; k++) sink += p[k];
        covered += t.nbytes;
        zn_st_info by_name;
        if (zn_st_find(f, t.name, &by_name) != ZN_OK || by_name.data != t.data) __builtin_trap();
        if ((t.dtype == ZN_F32 || t.dtype == ZN_F16 || t.dtype == ZN_BF16 || t.dtype == ZN_F64) && t.numel <= 4096) {
            float buf[4096];
            if (zn_st_read_f32(f, t.name, buf, t.numel) != ZN_OK) __builtin_trap();
            for (int64_t k = 0; k < t.numel; k++) sink += buf[k] == buf[k];
        }
    }
    /* The tensors tile the data buffer, which ends the input. */
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--) n = (n << 8) | data[k];
    if (covered != size - 8 - n) __builtin_trap();
    for (int64_t i = 0; i < zn_st_metadata_count(f); i++) {
        const char *k, *v;
        if (zn_st_metadata_at(f, i, &k, &v) != ZN_OK || zn_st_metadata(f, k) != v) __builtin_trap();
    }
    rewrite(f);
    (void)sink;
    zn_st_close(f);
    return 0;
}
