/* zn_dataset: creation, copies, slices, shuffling and splitting. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "data/data_internal.h"

zn_status zn_dataset_alloc(int64_t rows, int64_t n_in, int64_t n_out, unsigned parts, zn_dataset **out) {
    int with_y = (parts & ZN_DS_Y) != 0, with_labels = (parts & ZN_DS_LABELS) != 0;
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_create: out is NULL");
    *out = NULL;
    if (rows < 0 || n_in < 0 || n_out < 0)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_create: negative size (%lld rows, %lld in, %lld out)",
                        (long long)rows, (long long)n_in, (long long)n_out);
    int64_t nx, ny;
    if (!zn_mul_i64(rows, n_in, &nx) || !zn_mul_i64(rows, n_out, &ny) || (uint64_t)nx > SIZE_MAX / 8 ||
        (uint64_t)ny > SIZE_MAX / 8)
        return zn_error(ZN_ERR_OVERFLOW, "zn_dataset_create: %lld rows of %lld + %lld values overflow", (long long)rows,
                        (long long)n_in, (long long)n_out);
    zn_dataset *d = zn_calloc(1, sizeof *d);
    if (!d) return ZN_ERR_OUT_OF_MEMORY;
    d->rows = rows;
    d->n_in = n_in;
    d->n_out = n_out;
    int ok = 1;
    if (parts & ZN_DS_X) ok = (d->x = zn_calloc((size_t)(nx ? nx : 1), sizeof(float))) != NULL;
    if (with_y) ok = ok && (d->y = zn_calloc((size_t)(ny ? ny : 1), sizeof(float))) != NULL;
    if (with_labels) ok = ok && (d->labels = zn_calloc((size_t)(rows ? rows : 1), sizeof(int32_t))) != NULL;
    if (!ok) {
        zn_dataset_free(d);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_dataset_create: cannot allocate %lld values",
                        (long long)(nx + (with_y ? ny : 0) + (with_labels ? rows : 0)));
    }
    *out = d;
    return ZN_OK;
}

zn_status zn_dataset_create(int64_t rows, int64_t n_in, int64_t n_out, zn_dataset **out) {
    return zn_dataset_alloc(rows, n_in, n_out, ZN_DS_X | ZN_DS_Y, out);
}

void zn_dataset_free(zn_dataset *d) {
    if (!d) return;
    zn_free(d->x);
    zn_free(d->y);
    zn_free(d->labels);
    zn_names_free(d->in_names, d->n_in);
    zn_names_free(d->out_names, d->n_out);
    zn_names_free(d->class_names, d->n_classes);
    zn_free(d);
}

static zn_status copy_meta(const zn_dataset *src, zn_dataset *dst) {
    dst->n_classes = src->n_classes;
    dst->target_kind = src->target_kind;
    memcpy(dst->target_reason, src->target_reason, sizeof dst->target_reason);
    zn_status s = zn_names_copy(src->in_names, src->n_in, &dst->in_names);
    if (s == ZN_OK) s = zn_names_copy(src->out_names, src->n_out, &dst->out_names);
    if (s == ZN_OK) s = zn_names_copy(src->class_names, src->n_classes, &dst->class_names);
    if (s != ZN_OK) dst->n_classes = 0; /* names freed with the dataset */
    return s;
}

zn_status zn_dataset_slice(const zn_dataset *d, int64_t begin, int64_t end, zn_dataset **out) {
    if (!d || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_slice: NULL argument");
    *out = NULL;
    if (begin < 0 || end < begin || end > d->rows)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_slice: rows [%lld, %lld) not within [0, %lld)",
                        (long long)begin, (long long)end, (long long)d->rows);
    zn_dataset *s = NULL;
    zn_status st = zn_dataset_alloc(end - begin, d->n_in, d->n_out,
                                    ZN_DS_X | (d->y ? ZN_DS_Y : 0u) | (d->labels ? ZN_DS_LABELS : 0u), &s);
    if (st != ZN_OK) return st;
    memcpy(s->x, d->x + begin * d->n_in, (size_t)((end - begin) * d->n_in) * sizeof(float));
    if (d->y) memcpy(s->y, d->y + begin * d->n_out, (size_t)((end - begin) * d->n_out) * sizeof(float));
    if (d->labels) memcpy(s->labels, d->labels + begin, (size_t)(end - begin) * sizeof(int32_t));
    st = copy_meta(d, s);
    if (st != ZN_OK) {
        zn_dataset_free(s);
        return st;
    }
    *out = s;
    return ZN_OK;
}

zn_status zn_dataset_copy(const zn_dataset *d, zn_dataset **out) {
    if (!d) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_copy: NULL dataset");
    return zn_dataset_slice(d, 0, d->rows, out);
}

static void swap_floats(float *a, float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

zn_status zn_dataset_shuffle(zn_dataset *d, zn_rng *rng) {
    if (!d || !rng) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_shuffle: NULL argument");
    for (int64_t i = d->rows - 1; i > 0; i--) {
        int64_t j = (int64_t)zn_rng_below(rng, (uint64_t)i + 1);
        if (j == i) continue;
        swap_floats(d->x + i * d->n_in, d->x + j * d->n_in, d->n_in);
        if (d->y) swap_floats(d->y + i * d->n_out, d->y + j * d->n_out, d->n_out);
        if (d->labels) {
            int32_t t = d->labels[i];
            d->labels[i] = d->labels[j];
            d->labels[j] = t;
        }
    }
    return ZN_OK;
}

zn_status zn_dataset_split(const zn_dataset *d, double fraction, zn_dataset **first, zn_dataset **second) {
    if (!d || !first || !second) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_split: NULL argument");
    *first = *second = NULL;
    if (!(fraction >= 0.0 && fraction <= 1.0))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_split: fraction %g not in [0, 1]", fraction);
    int64_t cut = (int64_t)(fraction * (double)d->rows + 0.5);
    if (cut > d->rows) cut = d->rows;
    zn_status s = zn_dataset_slice(d, 0, cut, first);
    if (s == ZN_OK) s = zn_dataset_slice(d, cut, d->rows, second);
    if (s != ZN_OK) {
        zn_dataset_free(*first);
        *first = NULL;
    }
    return s;
}

zn_load_opts zn_load_opts_default(void) {
    zn_load_opts o = {0, 0, 0};
    return o;
}

int64_t zn_dataset_estimate_bytes(int64_t rows, int64_t n_in, int64_t n_out, int64_t n_classes, int labels_only) {
    if (rows < 0 || n_in < 0 || n_out < 0 || n_classes < 0) return -1;
    double b = (double)rows * (double)n_in * 4.0;
    if (!(n_classes > 0 && labels_only)) b += (double)rows * (double)n_out * 4.0;
    if (n_classes > 0) b += (double)rows * 4.0;
    return b >= 9.2e18 ? INT64_MAX : (int64_t)b;
}

/* A one-column numeric target read as regression (a small test file of a few
 * integer labels) becomes the classes whose names are those numbers. */
static zn_status classes_from_values(zn_dataset *d, char *const *names, int64_t n_names) {
    float *vals = zn_alloc((size_t)(n_names ? n_names : 1) * sizeof(float));
    zn_dataset *c = NULL;
    zn_status s = vals ? zn_dataset_alloc(d->rows, 0, n_names, ZN_DS_Y | ZN_DS_LABELS, &c) : ZN_ERR_OUT_OF_MEMORY;
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    for (int64_t j = 0; s == ZN_OK && j < n_names; j++)
        if (!zn_parse_float(names[j], strlen(names[j]), &vals[j])) vals[j] = NAN;
    zn_c_locale_leave(&loc);
    for (int64_t r = 0; s == ZN_OK && r < d->rows; r++) {
        int64_t j = 0;
        while (j < n_names && vals[j] != d->y[r]) j++;
        if (j == n_names)
            s = zn_error(ZN_ERR_FORMAT, "row %lld: target %g is not among the %lld classes trained on",
                         (long long)r + 1, (double)d->y[r], (long long)n_names);
        else {
            c->labels[r] = (int32_t)j;
            c->y[r * n_names + j] = 1.0f;
        }
    }
    if (s == ZN_OK) s = zn_names_copy(names, n_names, &c->class_names);
    if (s == ZN_OK) s = zn_names_copy(names, n_names, &c->out_names);
    zn_free(vals);
    if (s != ZN_OK) {
        zn_dataset_free(c);
        return s;
    }
    zn_free(d->y);
    zn_free(d->labels);
    zn_names_free(d->out_names, d->n_out);
    d->y = c->y;
    d->labels = c->labels;
    d->out_names = c->out_names;
    d->class_names = c->class_names;
    d->n_out = d->n_classes = n_names;
    d->target_kind = ZN_TARGET_CLASSES;
    snprintf(d->target_reason, sizeof d->target_reason, "the classes given");
    c->y = NULL;
    c->labels = NULL;
    c->out_names = c->class_names = NULL;
    zn_dataset_free(c);
    return ZN_OK;
}

zn_status zn_dataset_align_classes(zn_dataset *d, char *const *names, int64_t n_names) {
    if (!d || (n_names > 0 && !names)) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_align_classes: NULL argument");
    if (d->n_classes == 0 && d->n_out == 1 && d->y) return classes_from_values(d, names, n_names);
    if (d->n_classes == 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_align_classes: the data has no classes");
    int64_t *map = zn_alloc((size_t)d->n_classes * sizeof(int64_t));
    if (!map) return ZN_ERR_OUT_OF_MEMORY;
    for (int64_t k = 0; k < d->n_classes; k++) {
        map[k] = -1;
        for (int64_t j = 0; j < n_names; j++)
            if (!strcmp(d->class_names[k], names[j])) map[k] = j;
        if (map[k] < 0) {
            zn_status s = zn_error(ZN_ERR_FORMAT, "class '%s' was not among the %lld classes trained on",
                                   d->class_names[k], (long long)n_names);
            zn_free(map);
            return s;
        }
    }
    zn_dataset *aligned = NULL;
    zn_status s = zn_dataset_alloc(d->rows, 0, n_names, d->y ? ZN_DS_Y : 0u, &aligned);
    if (s == ZN_OK) s = zn_names_copy(names, n_names, &aligned->class_names);
    if (s == ZN_OK) s = zn_names_copy(names, n_names, &aligned->out_names);
    if (s != ZN_OK) {
        zn_free(map);
        zn_dataset_free(aligned);
        return s;
    }
    aligned->n_classes = n_names;
    for (int64_t r = 0; d->y && r < d->rows; r++)
        for (int64_t k = 0; k < d->n_classes; k++) aligned->y[r * n_names + map[k]] = d->y[r * d->n_out + k];
    for (int64_t r = 0; d->labels && r < d->rows; r++) d->labels[r] = (int32_t)map[d->labels[r]];
    zn_free(map);
    /* Swap the new outputs in; inputs and their names stay. */
    zn_free(d->y);
    zn_names_free(d->out_names, d->n_out);
    zn_names_free(d->class_names, d->n_classes);
    d->y = aligned->y;
    d->out_names = aligned->out_names;
    d->class_names = aligned->class_names;
    d->n_out = d->n_classes = n_names;
    aligned->y = NULL;
    aligned->out_names = aligned->class_names = NULL;
    aligned->n_classes = 0;
    zn_dataset_free(aligned);
    return ZN_OK;
}

zn_status zn_dataset_onehot(const zn_dataset *d, int64_t begin, int64_t end, float *out) {
    if (!d || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_onehot: NULL argument");
    if (!d->labels || d->n_classes <= 0)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_onehot: the data has no class labels");
    if (begin < 0 || end < begin || end > d->rows)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_onehot: rows [%lld, %lld) not within [0, %lld)",
                        (long long)begin, (long long)end, (long long)d->rows);
    memset(out, 0, (size_t)((end - begin) * d->n_classes) * sizeof(float));
    for (int64_t r = begin; r < end; r++) {
        int32_t k = d->labels[r];
        if (k < 0 || k >= d->n_classes)
            return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_onehot: row %lld has class %d of %lld", (long long)r,
                            (int)k, (long long)d->n_classes);
        out[(r - begin) * d->n_classes + k] = 1.0f;
    }
    return ZN_OK;
}
