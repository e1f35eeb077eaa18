/* What the golden tests share: the files' "config" metadata read as JSON,
 * tensors read as float, and the comparison with PyTorch's values.
 * Header-only: the checks count in the including test file. */
#ifndef ZN_GOLDEN_H
#define ZN_GOLDEN_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "zenn/safetensors.h"
#include "zn_test.h"

/* Member `key` of the config object: its number (a boolean as 1 or 0), or
 * element k of an array of numbers; `fallback` when there is none. */
static inline double golden_cfg_at(const char *cfg, const char *key, int k, double fallback) {
    zn_json_doc *doc = NULL;
    if (!cfg || zn_json_parse(cfg, strlen(cfg), "config", &doc) != ZN_OK) return fallback;
    const zn_json *v = zn_json_get(zn_json_root(doc), key);
    double out = fallback;
    if (v && v->type == ZN_JSON_ARRAY && (size_t)k < v->count) v = &v->items[k];
    if (v && v->type == ZN_JSON_NUMBER) out = v->number;
    if (v && v->type == ZN_JSON_BOOL) out = v->boolean;
    zn_json_free(doc);
    return out;
}

/* The length of the config's array `key` (0 when there is none). */
static inline int golden_cfg_len(const char *cfg, const char *key) {
    zn_json_doc *doc = NULL;
    if (!cfg || zn_json_parse(cfg, strlen(cfg), "config", &doc) != ZN_OK) return 0;
    const zn_json *v = zn_json_get(zn_json_root(doc), key);
    const int n = v && v->type == ZN_JSON_ARRAY ? (int)v->count : 0;
    zn_json_free(doc);
    return n;
}

/* Tensor `name` as floats (malloc'd), or NULL when the file has none. */
static inline float *golden_read(const zn_st_file *f, const char *name, int64_t *count) {
    zn_st_info info;
    if (zn_st_find(f, name, &info) != ZN_OK) return NULL;
    float *v = malloc((size_t)info.numel * sizeof *v);
    if (v && zn_st_read_f32(f, name, v, info.numel) != ZN_OK) {
        free(v);
        return NULL;
    }
    if (count) *count = info.numel;
    return v;
}

/* Every element within rel |want| + floor max|want| of PyTorch's. */
static inline void golden_compare(const char *label, const char *what, const float *got, const float *want, int64_t n,
                                  double rel, double floor) {
    double big = 0;
    for (int64_t i = 0; i < n; i++) big = fmax(big, fabs((double)want[i]));
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        if (!(fabs((double)got[i] - want[i]) <= rel * fabs((double)want[i]) + floor * big)) {
            if (bad < 3)
                fprintf(stderr, "  %s %s[%lld]: %.8g, PyTorch %.8g\n", label, what, (long long)i, got[i], want[i]);
            bad++;
        }
    ZT_CHECK_MSG(bad == 0, "%s: %d of %lld values of %s differ from PyTorch's (%.0e relative + %.0e of the largest)",
                 label, bad, (long long)n, what, rel, floor);
}

#endif
