/* FANN's training data: struct fann_train_data with row pointers into one
 * block of inputs and one of outputs, as libfann lays it out (programs
 * index data->input[i][j] and free nothing themselves but may rely on
 * fann_destroy_train freeing input[0] and output[0]). Memory here is the
 * C library's, as in libfann. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/internal.h"
#include "data/data_internal.h"
#include "fann_compat.h"

/* An empty set with row pointers laid over two fresh blocks. */
static struct fann_train_data *alloc_train(unsigned num_data, unsigned num_input, unsigned num_output,
                                           struct fann_error *err_to) {
    struct fann_train_data *d = malloc(sizeof *d);
    if (!d) goto oom;
    zf_init_error((struct fann_error *)d);
    d->num_data = num_data;
    d->num_input = num_input;
    d->num_output = num_output;
    d->input = calloc(num_data ? num_data : 1, sizeof *d->input);
    d->output = calloc(num_data ? num_data : 1, sizeof *d->output);
    size_t nin, nout;
    if (!d->input || !d->output || !zn_mul_size(num_data, num_input, &nin) ||
        !zn_mul_size(num_data, num_output, &nout)) {
        fann_destroy_train(d);
        goto oom;
    }
    fann_type *in = calloc(nin ? nin : 1, sizeof *in);
    fann_type *out = calloc(nout ? nout : 1, sizeof *out);
    if (!in || !out) {
        free(in);
        free(out);
        fann_destroy_train(d);
        goto oom;
    }
    d->input[0] = in;
    d->output[0] = out;
    for (unsigned i = 0; i < num_data; i++) {
        d->input[i] = in + (size_t)i * num_input;
        d->output[i] = out + (size_t)i * num_output;
    }
    return d;
oom:
    zf_error(err_to, FANN_E_CANT_ALLOCATE_MEM);
    return NULL;
}

struct fann_train_data *fann_create_train(unsigned int num_data, unsigned int num_input, unsigned int num_output) {
    return alloc_train(num_data, num_input, num_output, NULL);
}

struct fann_train_data *fann_create_train_from_callback(
    unsigned int num_data, unsigned int num_input, unsigned int num_output,
    void(FANN_API *user_function)(unsigned int, unsigned int, unsigned int, fann_type *, fann_type *)) {
    struct fann_train_data *d = fann_create_train(num_data, num_input, num_output);
    if (!d) return NULL;
    for (unsigned i = 0; i < num_data; i++) user_function(i, num_input, num_output, d->input[i], d->output[i]);
    return d;
}

void fann_destroy_train(struct fann_train_data *data) {
    if (!data) return;
    if (data->input) free(data->input[0]);
    if (data->output) free(data->output[0]);
    free(data->input);
    free(data->output);
    free(data->errstr);
    free(data);
}

/* ---- reading: FANN's format, FANN's errors ------------------------------------ */

typedef struct zf_scan {
    const char *p, *end;
} zf_scan;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static int next_token(zf_scan *s, const char **tok, size_t *len) {
    while (s->p < s->end && is_space(*s->p)) s->p++;
    if (s->p >= s->end) return 0;
    *tok = s->p;
    while (s->p < s->end && !is_space(*s->p)) s->p++;
    *len = (size_t)(s->p - *tok);
    return 1;
}

/* libfann numbers lines as it reads: the header is line 1, then each
 * sample's inputs and outputs one line each, whatever the file's real line
 * breaks. The line of value k (0-based, after the header): */
static unsigned value_line(uint64_t k, unsigned num_input, unsigned num_output) {
    uint64_t per = (uint64_t)num_input + num_output;
    uint64_t row = per ? k / per : 0, col = per ? k % per : 0;
    return (unsigned)(2 + 2 * row + (col >= num_input ? 1 : 0));
}

static struct fann_train_data *parse_train(const char *text, size_t len, const char *filename) {
    zf_scan s = {text, text + len};
    unsigned counts[3];
    for (int i = 0; i < 3; i++) {
        const char *tok;
        size_t n;
        int64_t v;
        if (!next_token(&s, &tok, &n) || !zn_parse_count(tok, n, &v) || v > UINT32_MAX) {
            zf_error(NULL, FANN_E_CANT_READ_TD, filename, 1);
            return NULL;
        }
        counts[i] = (unsigned)v;
    }
    unsigned num_data = counts[0], num_input = counts[1], num_output = counts[2];
    uint64_t need = (uint64_t)num_data * ((uint64_t)num_input + num_output);
    /* Every value takes at least two bytes, so a header promising more than
     * the file can hold fails before allocating: at the first missing value. */
    uint64_t fits = len / 2 + 1;
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    struct fann_train_data *d = NULL;
    uint64_t k = 0;
    if (need <= fits) {
        d = alloc_train(num_data, num_input, num_output, NULL);
        if (!d) goto done;
    }
    for (; k < need; k++) {
        const char *tok;
        size_t n;
        float v;
        if (!next_token(&s, &tok, &n) || !zn_parse_float(tok, n, &v)) break;
        if (d) {
            uint64_t per = (uint64_t)num_input + num_output, row = k / per, col = k % per;
            if (col < num_input)
                d->input[row][col] = v;
            else
                d->output[row][col - num_input] = v;
        }
    }
    if (k < need) {
        fann_destroy_train(d);
        d = NULL;
        zf_error(NULL, FANN_E_CANT_READ_TD, filename, value_line(k, num_input, num_output));
    }
done:
    zn_c_locale_leave(&loc);
    return d;
}

struct fann_train_data *fann_read_train_from_file(const char *filename) {
    char *text = NULL;
    size_t len = 0;
    if (!filename || zn_file_read(filename, 0, &text, &len) != ZN_OK) {
        zf_error(NULL, FANN_E_CANT_OPEN_CONFIG_R, filename ? filename : "(null)");
        return NULL;
    }
    struct fann_train_data *d = parse_train(text, len, filename);
    zn_free(text);
    return d;
}

/* ---- writing -------------------------------------------------------------------- */

typedef struct zf_save_ctx {
    const struct fann_train_data *data;
    int fixed;
    unsigned decimal_point;
} zf_save_ctx;

/* One value as libfann writes it: whole numbers (to 6 decimals) as
 * integers, others with %f; fixed point as value * 2^decimal_point. */
static void write_value(FILE *f, fann_type v, const zf_save_ctx *c) {
    if (c->fixed) {
        fprintf(f, "%d ", (int)(v * (float)(1u << c->decimal_point)));
    } else if ((int)floor(v + 0.5) * 1000000 == (int)floor(v * 1000000.0 + 0.5)) {
        fprintf(f, "%d ", (int)v);
    } else {
        fprintf(f, "%f ", (double)v);
    }
}

static zn_status write_train(FILE *f, void *ctx) {
    const zf_save_ctx *c = ctx;
    const struct fann_train_data *d = c->data;
    fprintf(f, "%u %u %u\n", d->num_data, d->num_input, d->num_output);
    for (unsigned i = 0; i < d->num_data; i++) {
        for (unsigned j = 0; j < d->num_input; j++) write_value(f, d->input[i][j], c);
        fputc('\n', f);
        for (unsigned j = 0; j < d->num_output; j++) write_value(f, d->output[i][j], c);
        fputc('\n', f);
    }
    return ferror(f) ? ZN_ERR_IO : ZN_OK;
}

static int save_train(struct fann_train_data *data, const char *filename, int fixed, unsigned decimal_point) {
    if (!data || !filename) return -1;
    zf_save_ctx c = {data, fixed, decimal_point};
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    zn_status st = zn_file_write_atomic(filename, write_train, &c);
    zn_c_locale_leave(&loc);
    if (st != ZN_OK) {
        zf_error((struct fann_error *)data, FANN_E_CANT_OPEN_TD_W, filename);
        return -1;
    }
    return 0;
}

int fann_save_train(struct fann_train_data *data, const char *filename) { return save_train(data, filename, 0, 0); }

int fann_save_train_to_fixed(struct fann_train_data *data, const char *filename, unsigned int decimal_point) {
    return save_train(data, filename, 1, decimal_point);
}

/* ---- editing ---------------------------------------------------------------------- */

static void swap_rows(fann_type *a, fann_type *b, unsigned n) {
    for (unsigned j = 0; j < n; j++) {
        fann_type t = a[j];
        a[j] = b[j];
        b[j] = t;
    }
}

/* libfann's shuffle (each row swapped with a uniformly chosen one) drawing
 * from this thread's generator instead of rand(). */
void fann_shuffle_train_data(struct fann_train_data *train_data) {
    if (!train_data) return;
    for (unsigned i = 0; i < train_data->num_data; i++) {
        unsigned j = (unsigned)zf_rand_below(train_data->num_data);
        if (j == i) continue;
        swap_rows(train_data->input[i], train_data->input[j], train_data->num_input);
        swap_rows(train_data->output[i], train_data->output[j], train_data->num_output);
    }
}

/* Maps the values' [min, max] onto [new_min, new_max] (FANN's rule, with
 * its clamp against rounding). */
static void scale_rows(fann_type **rows, unsigned num_data, unsigned cols, fann_type new_min, fann_type new_max) {
    if (!num_data || !cols) return;
    fann_type lo = rows[0][0], hi = rows[0][0];
    for (unsigned i = 0; i < num_data; i++)
        for (unsigned j = 0; j < cols; j++) {
            fann_type v = rows[i][j];
            if (v < lo)
                lo = v;
            else if (v > hi)
                hi = v;
        }
    fann_type factor = (new_max - new_min) / (hi - lo);
    for (unsigned i = 0; i < num_data; i++)
        for (unsigned j = 0; j < cols; j++) {
            fann_type v = (rows[i][j] - lo) * factor + new_min;
            rows[i][j] = v < new_min ? new_min : v > new_max ? new_max : v;
        }
}

void fann_scale_input_train_data(struct fann_train_data *train_data, fann_type new_min, fann_type new_max) {
    if (train_data) scale_rows(train_data->input, train_data->num_data, train_data->num_input, new_min, new_max);
}

void fann_scale_output_train_data(struct fann_train_data *train_data, fann_type new_min, fann_type new_max) {
    if (train_data) scale_rows(train_data->output, train_data->num_data, train_data->num_output, new_min, new_max);
}

void fann_scale_train_data(struct fann_train_data *train_data, fann_type new_min, fann_type new_max) {
    fann_scale_input_train_data(train_data, new_min, new_max);
    fann_scale_output_train_data(train_data, new_min, new_max);
}

/* Copies rows [pos, pos+n) of src into rows [at, at+n) of dst. */
static void copy_rows(struct fann_train_data *dst, unsigned at, const struct fann_train_data *src, unsigned pos,
                      unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        memcpy(dst->input[at + i], src->input[pos + i], sizeof(fann_type) * src->num_input);
        memcpy(dst->output[at + i], src->output[pos + i], sizeof(fann_type) * src->num_output);
    }
}

struct fann_train_data *fann_merge_train_data(struct fann_train_data *data1, struct fann_train_data *data2) {
    if (!data1 || !data2) return NULL;
    if (data1->num_input != data2->num_input || data1->num_output != data2->num_output) {
        zf_error((struct fann_error *)data1, FANN_E_TRAIN_DATA_MISMATCH);
        return NULL;
    }
    if (data1->num_data > UINT32_MAX - data2->num_data) {
        zf_error((struct fann_error *)data1, FANN_E_CANT_ALLOCATE_MEM);
        return NULL;
    }
    struct fann_train_data *d =
        alloc_train(data1->num_data + data2->num_data, data1->num_input, data1->num_output, (struct fann_error *)data1);
    if (!d) return NULL;
    d->error_log = data1->error_log;
    copy_rows(d, 0, data1, 0, data1->num_data);
    copy_rows(d, data1->num_data, data2, 0, data2->num_data);
    return d;
}

struct fann_train_data *fann_subset_train_data(struct fann_train_data *data, unsigned int pos, unsigned int length) {
    if (!data) return NULL;
    if (pos > data->num_data || length > data->num_data - pos) {
        zf_error((struct fann_error *)data, FANN_E_TRAIN_DATA_SUBSET, pos, length, data->num_data);
        return NULL;
    }
    struct fann_train_data *d = alloc_train(length, data->num_input, data->num_output, (struct fann_error *)data);
    if (!d) return NULL;
    d->error_log = data->error_log;
    copy_rows(d, 0, data, pos, length);
    return d;
}

struct fann_train_data *fann_duplicate_train_data(struct fann_train_data *data) {
    return data ? fann_subset_train_data(data, 0, data->num_data) : NULL;
}

unsigned int fann_length_train_data(struct fann_train_data *data) { return data ? data->num_data : 0; }
unsigned int fann_num_input_train_data(struct fann_train_data *data) { return data ? data->num_input : 0; }
unsigned int fann_num_output_train_data(struct fann_train_data *data) { return data ? data->num_output : 0; }

/* ---- between FANN's data and zenn's ------------------------------------------------- */

int zf_data_view(const struct fann_train_data *data, zn_dataset *view, zn_dataset **tmp) {
    *tmp = NULL;
    memset(view, 0, sizeof *view);
    unsigned n = data->num_data, ni = data->num_input, no = data->num_output;
    int contiguous = 1;
    for (unsigned i = 0; i < n && contiguous; i++)
        contiguous =
            data->input[i] == data->input[0] + (size_t)i * ni && data->output[i] == data->output[0] + (size_t)i * no;
    if (contiguous) {
        view->rows = n;
        view->n_in = ni;
        view->n_out = no;
        view->x = n ? data->input[0] : NULL;
        view->y = n ? data->output[0] : NULL;
        return 0;
    }
    if (zn_dataset_create(n, ni, no, tmp) != ZN_OK) return -1;
    for (unsigned i = 0; i < n; i++) {
        memcpy((*tmp)->x + (size_t)i * ni, data->input[i], sizeof(float) * ni);
        memcpy((*tmp)->y + (size_t)i * no, data->output[i], sizeof(float) * no);
    }
    *view = **tmp;
    return 0;
}
