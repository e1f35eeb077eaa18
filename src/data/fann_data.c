/* FANN's training-data text format, both ways:
 *
 *   rows n_in n_out
 *   x_1 ... x_n_in        (one row's inputs)
 *   y_1 ... y_n_out       (its outputs)
 *   ...
 *
 * Like FANN, values are whitespace-separated and line breaks are not
 * significant; unlike FANN, every count and value is checked and a problem
 * is reported with its line. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "base/file.h"
#include "base/internal.h"
#include "data/data_internal.h"

typedef struct scanner {
    const char *p, *end;
    int64_t line;
} scanner;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* The next whitespace-separated token; 0 at the end of the text. */
static int next_token(scanner *s, const char **tok, size_t *len) {
    while (s->p < s->end && is_space(*s->p)) {
        if (*s->p == '\n') s->line++;
        s->p++;
    }
    if (s->p >= s->end) return 0;
    const char *start = s->p;
    while (s->p < s->end && !is_space(*s->p)) s->p++;
    *tok = start;
    *len = (size_t)(s->p - start);
    return 1;
}

/* A short printable copy of a token for messages. */
static void quote_token(const char *tok, size_t len, char *out, size_t cap) {
    size_t n = len < cap - 4 ? len : cap - 4;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) out[j++] = (tok[i] >= 32 && tok[i] < 127) ? tok[i] : '?';
    if (n < len) out[j++] = '.', out[j++] = '.', out[j++] = '.';
    out[j] = '\0';
}

/* The header is three non-negative integers alone on their line (blank
 * lines before it are fine, as for FANN's fscanf). */
static zn_status parse_header(scanner *s, const char *name, int64_t counts[3]) {
    static const char *const what[3] = {"rows", "inputs", "outputs"};
    static const char *const form = "the header must be three integers: rows inputs outputs";
    int64_t line = 0;
    for (int i = 0; i < 3; i++) {
        const char *tok;
        size_t len;
        if (!next_token(s, &tok, &len))
            return i == 0
                       ? zn_error(ZN_ERR_FORMAT, "%s:%lld: %s; the file is empty", name, (long long)s->line, form)
                       : zn_error(ZN_ERR_FORMAT, "%s:%lld: %s; %s is missing", name, (long long)s->line, form, what[i]);
        if (i == 0) line = s->line;
        char q[48];
        quote_token(tok, len, q, sizeof q);
        if (s->line != line)
            return zn_error(ZN_ERR_FORMAT, "%s:%lld: %s on one line; line %lld has only %d", name, (long long)line,
                            form, (long long)line, i);
        if (!zn_parse_count(tok, len, &counts[i])) {
            float v;
            int is_number = zn_parse_float(tok, len, &v);
            return zn_error(ZN_ERR_FORMAT, "%s:%lld: %s; %s is '%s', %s", name, (long long)line, form, what[i], q,
                            !is_number ? "not a number"
                            : v < 0    ? "a negative number"
                                       : "not a whole number (or too large)");
        }
    }
    /* Nothing else on the header's line. */
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\v' || *s->p == '\f')) s->p++;
    if (s->p < s->end && *s->p != '\n') {
        const char *tok = s->p;
        size_t len = 0;
        while (tok + len < s->end && !is_space(tok[len])) len++;
        char q[48];
        quote_token(tok, len, q, sizeof q);
        return zn_error(ZN_ERR_FORMAT, "%s:%lld: %s; '%s' follows them on the line", name, (long long)line, form, q);
    }
    if (counts[1] == 0)
        return zn_error(ZN_ERR_FORMAT, "%s:%lld: header '%lld 0 %lld': inputs must be at least 1", name,
                        (long long)line, (long long)counts[0], (long long)counts[2]);
    return ZN_OK;
}

static zn_status read_values(scanner *s, const char *name, const zn_load_opts *o, int64_t row, const char *part,
                             float *dst, int64_t count) {
    for (int64_t j = 0; j < count; j++) {
        const char *tok;
        size_t len;
        if (!next_token(s, &tok, &len))
            return zn_error(ZN_ERR_FORMAT, "%s:%lld: the file ends in row %lld (%s %lld); the header promised more",
                            name, (long long)s->line, (long long)row + 1, part, (long long)j + 1);
        float v;
        char q[48];
        if (!zn_parse_float(tok, len, &v)) {
            quote_token(tok, len, q, sizeof q);
            return zn_error(ZN_ERR_FORMAT, "%s:%lld: row %lld, %s %lld: '%s' is not a number", name, (long long)s->line,
                            (long long)row + 1, part, (long long)j + 1, q);
        }
        if (!o->allow_nan && !isfinite(v)) {
            quote_token(tok, len, q, sizeof q);
            return zn_error(ZN_ERR_FORMAT, "%s:%lld: row %lld, %s %lld: '%s' is not finite (NaN/Inf not allowed)", name,
                            (long long)s->line, (long long)row + 1, part, (long long)j + 1, q);
        }
        dst[j] = v;
    }
    return ZN_OK;
}

zn_status zn_dataset_parse_fann(const char *text, size_t len, const char *name, const zn_load_opts *opts,
                                zn_dataset **out) {
    if (!out || (!text && len)) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_parse_fann: NULL argument");
    *out = NULL;
    if (!name) name = "<memory>";
    zn_load_opts o = opts ? *opts : zn_load_opts_default();
    scanner s = {text, text + len, 1};
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
        s.p += 3; /* a UTF-8 byte order mark, as editors on Windows write */
    int64_t counts[3];
    zn_status st = parse_header(&s, name, counts);
    if (st != ZN_OK) return st;
    int64_t rows = counts[0], n_in = counts[1], n_out = counts[2];
    /* Each value takes at least two bytes (a digit and a separator), so a
     * short file cannot make us allocate for a huge promised count. */
    int64_t per_row = n_in + n_out, total;
    if (!zn_mul_i64(rows, per_row, &total) || total > (int64_t)(len / 2 + 1))
        return zn_error(ZN_ERR_FORMAT, "%s:1: header promises %lld rows of %lld values, more than %zu bytes can hold",
                        name, (long long)rows, (long long)per_row, len);
    int64_t need = zn_dataset_estimate_bytes(rows, n_in, n_out, 0, 0);
    if (o.max_memory > 0 && need > o.max_memory)
        return zn_error(ZN_ERR_BUDGET, "%s:1: %lld rows of %lld values need %lld bytes, past the memory limit of %lld",
                        name, (long long)rows, (long long)per_row, (long long)need, (long long)o.max_memory);
    zn_dataset *d = NULL;
    st = zn_dataset_create(rows, n_in, n_out, &d);
    if (st != ZN_OK) return st;
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    for (int64_t r = 0; r < rows && st == ZN_OK; r++) {
        st = read_values(&s, name, &o, r, "input", d->x + r * n_in, n_in);
        if (st == ZN_OK) st = read_values(&s, name, &o, r, "output", d->y + r * n_out, n_out);
    }
    zn_c_locale_leave(&loc);
    const char *tok;
    size_t tlen;
    if (st == ZN_OK && next_token(&s, &tok, &tlen)) {
        char q[48];
        quote_token(tok, tlen, q, sizeof q);
        st = zn_error(ZN_ERR_FORMAT, "%s:%lld: unexpected '%s' after the %lld rows the header announced", name,
                      (long long)s.line, q, (long long)rows);
    }
    if (st != ZN_OK) {
        zn_dataset_free(d);
        return st;
    }
    *out = d;
    return ZN_OK;
}

zn_status zn_dataset_load_fann(const char *path, const zn_load_opts *opts, zn_dataset **out) {
    if (!path || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_load_fann: NULL argument");
    *out = NULL;
    zn_load_opts o = opts ? *opts : zn_load_opts_default();
    char *text;
    size_t len;
    zn_status s = zn_file_read(path, o.max_bytes > 0 ? o.max_bytes : ZN_DEFAULT_MAX_FILE_BYTES, &text, &len);
    if (s != ZN_OK) return s;
    s = zn_dataset_parse_fann(text, len, path, &o, out);
    zn_free(text);
    return s;
}

static zn_status write_fann(FILE *f, void *ctx) {
    const zn_dataset *d = ctx;
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    fprintf(f, "%lld %lld %lld\n", (long long)d->rows, (long long)d->n_in, (long long)d->n_out);
    for (int64_t r = 0; r < d->rows; r++) {
        /* %.9g reads back to the same float. */
        for (int64_t j = 0; j < d->n_in; j++) fprintf(f, "%.9g ", d->x[r * d->n_in + j]);
        fputc('\n', f);
        for (int64_t j = 0; j < d->n_out; j++) fprintf(f, "%.9g ", d->y[r * d->n_out + j]);
        fputc('\n', f);
    }
    zn_c_locale_leave(&loc);
    return ferror(f) ? zn_error(ZN_ERR_IO, "write failed: %s", strerror(errno)) : ZN_OK;
}

zn_status zn_dataset_save_fann(const zn_dataset *d, const char *path) {
    if (!d || !path) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_save_fann: NULL argument");
    return zn_file_write_atomic(path, write_fann, (void *)(uintptr_t)d);
}
