/* CSV with a header row into a dataset. Inputs are numeric columns; targets
 * are chosen by name and are numeric (regression) or labels (one-hot). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/internal.h"
#include "data/data_internal.h"

/* ---- growable buffers ---------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem) return 0;
        c *= 2;
    }
    void *q = zn_realloc(*p, c * elem);
    if (!q) return 0;
    *p = q;
    *cap = c;
    return 1;
}

/* ---- records ------------------------------------------------------------------- */

typedef struct csv_reader {
    const char *p, *end;
    int64_t line; /* line where the current record starts */
    int64_t next_line;
    char delim;
    char *buf; /* unescaped field text, NUL-separated */
    size_t buf_len, buf_cap;
    size_t *field; /* offsets into buf */
    size_t nfields, field_cap;
} csv_reader;

static int push_char(csv_reader *r, char c) {
    if (!grow((void **)&r->buf, &r->buf_cap, r->buf_len + 1, 1)) return 0;
    r->buf[r->buf_len++] = c;
    return 1;
}

static int start_field(csv_reader *r) {
    if (!grow((void **)&r->field, &r->field_cap, r->nfields + 1, sizeof *r->field)) return 0;
    r->field[r->nfields++] = r->buf_len;
    return 1;
}

static const char *field_text(const csv_reader *r, size_t i) { return r->buf + r->field[i]; }

static int only_blanks(const char *p, const char *end) {
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t') return 0;
    return 1;
}

/* Reads one record. Returns 1 with fields, 0 at the end, -1 on error. */
static int read_record(csv_reader *r, const char *name, zn_status *st) {
    r->buf_len = 0;
    r->nfields = 0;
    r->line = r->next_line;
    if (r->p >= r->end) return 0;
    if (!start_field(r)) goto oom;
    int quoted = 0, was_quoted = 0;
    while (r->p < r->end) {
        char c = *r->p++;
        if (quoted) {
            if (c == '"') {
                if (r->p < r->end && *r->p == '"') {
                    r->p++;
                    if (!push_char(r, '"')) goto oom;
                } else {
                    quoted = 0;
                }
            } else {
                if (c == '\n' || (c == '\r' && (r->p >= r->end || *r->p != '\n'))) r->next_line++;
                if (!push_char(r, c)) goto oom;
            }
            continue;
        }
        size_t field_start = r->field[r->nfields - 1];
        if (c == '"' && !was_quoted &&
            (field_start == r->buf_len || only_blanks(r->buf + field_start, r->buf + r->buf_len))) {
            r->buf_len = field_start; /* spaces before an opening quote are not data */
            quoted = was_quoted = 1;
        } else if (c == r->delim) {
            if (!push_char(r, '\0') || !start_field(r)) goto oom;
            was_quoted = 0;
        } else if (c == '\n' || c == '\r') {
            /* LF, CRLF and old Macs' lone CR all end a record. */
            if (c == '\r' && r->p < r->end && *r->p == '\n') r->p++;
            r->next_line++;
            break;
        } else {
            if (!push_char(r, c)) goto oom;
        }
    }
    if (quoted) {
        *st = zn_error(ZN_ERR_FORMAT, "%s:%lld: a quoted field is not closed", name, (long long)r->line);
        return -1;
    }
    if (!push_char(r, '\0')) goto oom;
    return 1;
oom:
    *st = zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory while reading line %lld", name, (long long)r->line);
    return -1;
}

static int record_is_empty(const csv_reader *r) { return r->nfields == 1 && field_text(r, 0)[0] == '\0'; }

/* Spaces around a field are not part of it. */
static void trimmed(const char *s, const char **start, size_t *len) {
    size_t n = strlen(s);
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    *start = s;
    *len = n;
}

static char guess_delimiter(const char *p, const char *end) {
    size_t counts[3] = {0, 0, 0};
    const char cand[3] = {',', ';', '\t'};
    int quoted = 0;
    for (; p < end && (quoted || (*p != '\n' && *p != '\r')); p++) {
        if (*p == '"') quoted = !quoted;
        for (int i = 0; i < 3 && !quoted; i++) counts[i] += *p == cand[i];
    }
    int best = 0;
    for (int i = 1; i < 3; i++)
        if (counts[i] > counts[best]) best = i;
    return cand[best];
}

/* ---- labels ---------------------------------------------------------------------- */

typedef struct label {
    char *name;
    float value; /* when every label is a number */
} label;

static int by_value(const void *a, const void *b) {
    const label *x = a, *y = b;
    return (x->value > y->value) - (x->value < y->value);
}

static int by_name(const void *a, const void *b) { return strcmp(((const label *)a)->name, ((const label *)b)->name); }

/* Target cells kept as text until the kind of target is known. */
typedef struct target_cells {
    char *text; /* NUL-separated */
    size_t len, cap;
    size_t *start; /* rows * n_targets offsets */
    size_t count, start_cap;
    int64_t *line; /* line of each row, for messages */
    size_t line_cap;
} target_cells;

static void free_cells(target_cells *t) {
    zn_free(t->text);
    zn_free(t->start);
    zn_free(t->line);
}

static int keep_cell(target_cells *t, const char *s, size_t n) {
    if (!grow((void **)&t->text, &t->cap, t->len + n + 1, 1) ||
        !grow((void **)&t->start, &t->start_cap, t->count + 1, sizeof *t->start))
        return 0;
    t->start[t->count++] = t->len;
    memcpy(t->text + t->len, s, n);
    t->text[t->len + n] = '\0';
    t->len += n + 1;
    return 1;
}

/* ---- the loader ---------------------------------------------------------------------- */

typedef struct csv_state {
    const char *name;
    zn_csv_opts opts;
    csv_reader rd;
    size_t ncols;
    char **header;   /* ncols names */
    int *is_target;  /* ncols flags */
    size_t *targets; /* target column indexes, in the order asked */
    size_t ntargets;
    float *x;
    size_t x_len, x_cap;
    target_cells cells;
    int64_t rows;
} csv_state;

static void free_state(csv_state *c) {
    zn_free(c->rd.buf);
    zn_free(c->rd.field);
    zn_names_free(c->header, (int64_t)c->ncols);
    zn_free(c->is_target);
    zn_free(c->targets);
    zn_free(c->x);
    free_cells(&c->cells);
}

static zn_status read_header(csv_state *c) {
    zn_status st = ZN_OK;
    int got;
    do got = read_record(&c->rd, c->name, &st);
    while (got == 1 && record_is_empty(&c->rd));
    if (got < 0) return st;
    if (got == 0) return zn_error(ZN_ERR_FORMAT, "%s: the file is empty (a header row is needed)", c->name);
    c->ncols = c->rd.nfields;
    if (c->ncols < 2)
        return zn_error(ZN_ERR_FORMAT,
                        "%s:%lld: the header has one column; inputs and a target are needed "
                        "(is the delimiter '%c' right?)",
                        c->name, (long long)c->rd.line, c->rd.delim);
    c->header = zn_calloc(c->ncols, sizeof *c->header);
    c->is_target = zn_calloc(c->ncols, sizeof *c->is_target);
    if (!c->header || !c->is_target) return ZN_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < c->ncols; i++) {
        const char *s;
        size_t n;
        trimmed(field_text(&c->rd, i), &s, &n);
        c->header[i] = zn_strdup_range(s, n);
        if (!c->header[i]) return ZN_ERR_OUT_OF_MEMORY;
        if (!zn_utf8_valid(s, n))
            return zn_error(ZN_ERR_FORMAT, "%s:%lld: the name of column %zu is not valid UTF-8 (is the file Latin-1?)",
                            c->name, (long long)c->rd.line, i + 1);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->header[j], c->header[i]))
                return zn_error(ZN_ERR_FORMAT, "%s:%lld: columns %zu and %zu are both named '%s'", c->name,
                                (long long)c->rd.line, j + 1, i + 1, c->header[i]);
    }
    return ZN_OK;
}

static zn_status choose_targets(csv_state *c) {
    size_t want = c->opts.targets && c->opts.n_targets > 0 ? (size_t)c->opts.n_targets : 1;
    if (want >= c->ncols)
        return zn_error(ZN_ERR_FORMAT, "%s: %zu target columns leave no inputs (the header has %zu columns)", c->name,
                        want, c->ncols);
    c->targets = zn_calloc(want, sizeof *c->targets);
    if (!c->targets) return ZN_ERR_OUT_OF_MEMORY;
    c->ntargets = want;
    if (!c->opts.targets || c->opts.n_targets <= 0) {
        c->targets[0] = c->ncols - 1;
        c->is_target[c->ncols - 1] = 1;
        return ZN_OK;
    }
    for (size_t t = 0; t < want; t++) {
        const char *nm = c->opts.targets[t];
        size_t found = c->ncols;
        for (size_t i = 0; i < c->ncols && nm; i++)
            if (!strcmp(c->header[i], nm)) found = i;
        if (found == c->ncols)
            return zn_error(ZN_ERR_FORMAT, "%s:%lld: no column named '%s' in the header", c->name,
                            (long long)c->rd.line, nm ? nm : "(null)");
        if (c->is_target[found]) return zn_error(ZN_ERR_INVALID_ARG, "%s: target column '%s' named twice", c->name, nm);
        c->is_target[found] = 1;
        c->targets[t] = found;
    }
    return ZN_OK;
}

/* "1.6 MB", "16 kB", "512 bytes" for messages. */
static const char *fmt_bytes(double b, char *buf, size_t cap) {
    if (b >= 1e9)
        snprintf(buf, cap, "%.1f GB", b / 1e9);
    else if (b >= 1e6)
        snprintf(buf, cap, "%.1f MB", b / 1e6);
    else if (b >= 1e3)
        snprintf(buf, cap, "%.0f kB", b / 1e3);
    else
        snprintf(buf, cap, "%.0f bytes", b);
    return buf;
}

/* What the reader holds besides the file's text: x, target cells, line numbers. */
static int64_t reader_bytes(const csv_state *c) {
    return (int64_t)(c->x_cap * sizeof(float) + c->cells.cap + c->cells.start_cap * sizeof(size_t) +
                     c->cells.line_cap * sizeof(int64_t) + c->rd.buf_cap + c->rd.field_cap * sizeof(size_t));
}

/* One numeric cell of column col (0-based) on a line, with the message a
 * user needs when it is not one: empty, not a number, out of range, or NaN. */
static zn_status parse_cell(const csv_state *c, int64_t line, size_t col, const char *s, size_t n, float *v) {
    const char *h = c->header[col];
    int show = (int)(n > 40 ? 40 : n);
    if (n == 0) {
        if (c->opts.load.allow_nan) {
            *v = NAN;
            return ZN_OK;
        }
        return zn_error(ZN_ERR_FORMAT, "%s:%lld: field %zu ('%s') is empty (a number is needed)", c->name,
                        (long long)line, col + 1, h);
    }
    switch (zn_parse_float_ex(s, n, v)) {
    case ZN_NUM_BAD:
        return zn_error(ZN_ERR_FORMAT, "%s:%lld: field %zu ('%s'): '%.*s' is not a number", c->name, (long long)line,
                        col + 1, h, show, s);
    case ZN_NUM_RANGE:
        return zn_error(ZN_ERR_FORMAT, "%s:%lld: field %zu ('%s'): '%.*s' is out of the float range (about 3.4e38)",
                        c->name, (long long)line, col + 1, h, show, s);
    case ZN_NUM_OK: break;
    }
    if (!c->opts.load.allow_nan && !isfinite(*v))
        return zn_error(ZN_ERR_FORMAT, "%s:%lld: field %zu ('%s'): '%.*s' is not finite (NaN/Inf not allowed)", c->name,
                        (long long)line, col + 1, h, show, s);
    return ZN_OK;
}

static zn_status read_rows(csv_state *c) {
    zn_status st = ZN_OK;
    size_t n_in = c->ncols - c->ntargets;
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    for (;;) {
        int got = read_record(&c->rd, c->name, &st);
        if (got < 0) break;
        if (got == 0) break;
        if (record_is_empty(&c->rd)) continue;
        if (c->rd.nfields != c->ncols) {
            st = zn_error(ZN_ERR_FORMAT, "%s:%lld: %zu fields, but the header has %zu", c->name, (long long)c->rd.line,
                          c->rd.nfields, c->ncols);
            break;
        }
        if (!grow((void **)&c->x, &c->x_cap, c->x_len + n_in, sizeof(float)) ||
            !grow((void **)&c->cells.line, &c->cells.line_cap, (size_t)c->rows + 1, sizeof(int64_t))) {
            st = zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory at line %lld", c->name, (long long)c->rd.line);
            break;
        }
        c->cells.line[c->rows] = c->rd.line;
        if (c->opts.load.max_memory > 0 && reader_bytes(c) > c->opts.load.max_memory) {
            char lim[32];
            st = zn_error(ZN_ERR_BUDGET, "%s:%lld: reading the file passes the memory limit of %s at this line",
                          c->name, (long long)c->rd.line, fmt_bytes((double)c->opts.load.max_memory, lim, sizeof lim));
            break;
        }
        for (size_t i = 0; i < c->ncols && st == ZN_OK; i++) {
            const char *s;
            size_t n;
            trimmed(field_text(&c->rd, i), &s, &n);
            if (c->is_target[i]) continue;
            float v;
            st = parse_cell(c, c->rd.line, i, s, n, &v);
            if (st == ZN_OK) c->x[c->x_len++] = v;
        }
        for (size_t t = 0; t < c->ntargets && st == ZN_OK; t++) {
            const char *s;
            size_t n;
            trimmed(field_text(&c->rd, c->targets[t]), &s, &n);
            if (!keep_cell(&c->cells, s, n))
                st = zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory at line %lld", c->name, (long long)c->rd.line);
        }
        if (st != ZN_OK) break;
        c->rows++;
    }
    zn_c_locale_leave(&loc);
    if (st == ZN_OK && c->rows == 0) st = zn_error(ZN_ERR_FORMAT, "%s: a header but no data rows", c->name);
    return st;
}

static const char *cell(const csv_state *c, int64_t row, size_t t) {
    return c->cells.text + c->cells.start[(size_t)row * c->ntargets + t];
}

/* Decides regression or classes (the rule is in data.h, at ZN_AUTO_MAX_INT_CLASSES)
 * and says why in `reason`. */
static zn_status decide_kind(const csv_state *c, zn_target_kind *kind, char *reason, size_t cap) {
    *kind = c->opts.kind;
    if (*kind == ZN_TARGET_CLASSES && c->ntargets != 1)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: class targets need exactly one target column (got %zu)", c->name,
                        c->ntargets);
    if (*kind != ZN_TARGET_AUTO) {
        snprintf(reason, cap, "asked for");
        return ZN_OK;
    }
    *kind = ZN_TARGET_REGRESSION;
    if (c->ntargets != 1) {
        snprintf(reason, cap, "%zu target columns", c->ntargets);
        return ZN_OK;
    }
    int64_t numbers = 0, others = 0, first_other = -1;
    int all_integer = 1;
    float distinct[ZN_AUTO_MAX_INT_CLASSES + 1];
    int n_distinct = 0;
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    for (int64_t r = 0; r < c->rows; r++) {
        float v;
        const char *s = cell(c, r, 0);
        size_t n = strlen(s);
        int ok = n > 0 ? zn_parse_float_ex(s, n, &v) == ZN_NUM_OK && (isfinite(v) || c->opts.load.allow_nan)
                       : c->opts.load.allow_nan; /* an empty cell is NaN then */
        if (n == 0) v = NAN;
        if (!ok) {
            others++;
            if (first_other < 0) first_other = r;
            continue;
        }
        numbers++;
        if (!isfinite(v) || v != floorf(v)) {
            all_integer = 0;
            continue;
        }
        int k = 0;
        while (k < n_distinct && distinct[k] != v) k++;
        if (k == n_distinct && n_distinct <= ZN_AUTO_MAX_INT_CLASSES) distinct[n_distinct++] = v;
    }
    zn_c_locale_leave(&loc);
    if (others > 0 && numbers > others) {
        /* A numeric column with a stray bad cell: its error, never labels. */
        const char *s = cell(c, first_other, 0);
        float v;
        zn_c_locale_enter(&loc);
        zn_status st = parse_cell(c, c->cells.line[first_other], c->targets[0], s, strlen(s), &v);
        zn_c_locale_leave(&loc);
        if (st == ZN_OK) /* cannot happen: the cell was not a number above */
            st = zn_error(ZN_ERR_FORMAT, "%s:%lld: field %zu ('%s'): '%.40s' is not a number", c->name,
                          (long long)c->cells.line[first_other], c->targets[0] + 1, c->header[c->targets[0]], s);
        char msg[512];
        snprintf(msg, sizeof msg, "%s", zn_last_error());
        return zn_error(st,
                        "%s; the column's other %lld values are numbers, so it is not read as class labels "
                        "(name the target kind to read it as labels)",
                        msg, (long long)numbers);
    }
    if (others > 0) {
        *kind = ZN_TARGET_CLASSES;
        snprintf(reason, cap, "labels that are not numbers");
    } else if (!all_integer) {
        snprintf(reason, cap, "numbers that are not all integers");
    } else if (n_distinct > ZN_AUTO_MAX_INT_CLASSES) {
        snprintf(reason, cap, "more than %d distinct integer values", ZN_AUTO_MAX_INT_CLASSES);
    } else if (n_distinct > 2 && c->rows < (int64_t)n_distinct * ZN_AUTO_ROWS_PER_CLASS) {
        snprintf(reason, cap, "%d distinct integer values in only %lld rows", n_distinct, (long long)c->rows);
    } else {
        *kind = ZN_TARGET_CLASSES;
        snprintf(reason, cap, "%d distinct integer values in %lld rows", n_distinct, (long long)c->rows);
    }
    return ZN_OK;
}

static zn_status encode_regression(const csv_state *c, zn_dataset *d) {
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    zn_status st = ZN_OK;
    for (int64_t r = 0; r < c->rows && st == ZN_OK; r++)
        for (size_t t = 0; t < c->ntargets && st == ZN_OK; t++) {
            const char *s = cell(c, r, t);
            st = parse_cell(c, c->cells.line[r], c->targets[t], s, strlen(s), &d->y[r * d->n_out + (int64_t)t]);
        }
    zn_c_locale_leave(&loc);
    return st;
}

/* Up to this many distinct labels in an AUTO target still counts as classes. */
#define MAX_AUTO_CLASSES 256

static zn_status encode_classes(const csv_state *c, zn_target_kind asked, label **labels_out, int64_t *n_out) {
    label *labels = NULL;
    size_t count = 0, cap = 0;
    int numeric = 1;
    zn_status st = ZN_OK;
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    for (int64_t r = 0; r < c->rows && st == ZN_OK; r++) {
        const char *s = cell(c, r, 0);
        if (!*s) {
            st = zn_error(ZN_ERR_FORMAT, "%s:%lld: field %zu ('%s'): the class label is empty", c->name,
                          (long long)c->cells.line[r], c->targets[0] + 1, c->header[c->targets[0]]);
            break;
        }
        if (!zn_utf8_valid(s, strlen(s))) {
            st = zn_error(ZN_ERR_FORMAT,
                          "%s:%lld: field %zu ('%s'): the label is not valid UTF-8 (is the file Latin-1?)", c->name,
                          (long long)c->cells.line[r], c->targets[0] + 1, c->header[c->targets[0]]);
            break;
        }
        size_t i = 0;
        while (i < count && strcmp(labels[i].name, s) != 0) i++;
        if (i < count) continue;
        if (asked == ZN_TARGET_AUTO && count == MAX_AUTO_CLASSES) {
            st = zn_error(ZN_ERR_FORMAT, "%s: column '%s' has more than %d distinct labels; name the kind of target",
                          c->name, c->header[c->targets[0]], MAX_AUTO_CLASSES);
            break;
        }
        if (!grow((void **)&labels, &cap, count + 1, sizeof *labels)) {
            st = ZN_ERR_OUT_OF_MEMORY;
            break;
        }
        labels[count].name = (char *)(uintptr_t)s; /* points into the cells until copied */
        if (!zn_parse_float(s, strlen(s), &labels[count].value)) numeric = 0;
        count++;
    }
    zn_c_locale_leave(&loc);
    if (st != ZN_OK) {
        zn_free(labels);
        return st;
    }
    qsort(labels, count, sizeof *labels, numeric ? by_value : by_name);
    *labels_out = labels;
    *n_out = (int64_t)count;
    return ZN_OK;
}

/* Class index of each row: class names sorted by text, then a binary search. */
typedef struct name_index {
    const char *name;
    int32_t k;
} name_index;

static int by_index_name(const void *a, const void *b) {
    return strcmp(((const name_index *)a)->name, ((const name_index *)b)->name);
}

static zn_status fill_labels(const csv_state *c, zn_dataset *d) {
    name_index *idx = zn_alloc((size_t)d->n_classes * sizeof *idx);
    if (!idx) return ZN_ERR_OUT_OF_MEMORY;
    for (int64_t k = 0; k < d->n_classes; k++) idx[k] = (name_index){d->class_names[k], (int32_t)k};
    qsort(idx, (size_t)d->n_classes, sizeof *idx, by_index_name);
    for (int64_t r = 0; r < c->rows; r++) {
        name_index key = {cell(c, r, 0), 0};
        const name_index *hit = bsearch(&key, idx, (size_t)d->n_classes, sizeof *idx, by_index_name);
        d->labels[r] = hit ? hit->k : 0; /* every cell is one of the labels */
        if (d->y) d->y[r * d->n_out + d->labels[r]] = 1.0f;
    }
    zn_free(idx);
    return ZN_OK;
}

static zn_status build_dataset(csv_state *c, zn_dataset **out) {
    zn_target_kind kind;
    char reason[sizeof((zn_dataset *)0)->target_reason];
    zn_status st = decide_kind(c, &kind, reason, sizeof reason);
    if (st != ZN_OK) return st;
    label *labels = NULL;
    int64_t n_classes = 0;
    if (kind == ZN_TARGET_CLASSES) {
        st = encode_classes(c, c->opts.kind, &labels, &n_classes);
        if (st != ZN_OK) return st;
    }
    int classes = kind == ZN_TARGET_CLASSES;
    int64_t n_in = (int64_t)(c->ncols - c->ntargets);
    int64_t n_out = classes ? n_classes : (int64_t)c->ntargets;
    int64_t need = zn_dataset_estimate_bytes(c->rows, n_in, n_out, n_classes, c->opts.labels_only);
    if (c->opts.load.max_memory > 0 && need > c->opts.load.max_memory) {
        int64_t lean = zn_dataset_estimate_bytes(c->rows, n_in, n_out, n_classes, 1);
        char hint[128] = "", a[32], b[32], l[32];
        if (classes && !c->opts.labels_only && lean <= c->opts.load.max_memory)
            snprintf(hint, sizeof hint, "; as class indexes only (labels_only) it needs %s",
                     fmt_bytes((double)lean, l, sizeof l));
        zn_free(labels);
        return zn_error(ZN_ERR_BUDGET,
                        "%s: the data needs %s (%lld rows of %lld inputs and %lld %s), past the memory "
                        "limit of %s%s",
                        c->name, fmt_bytes((double)need, a, sizeof a), (long long)c->rows, (long long)n_in,
                        (long long)n_out, classes ? "one-hot class outputs" : "targets",
                        fmt_bytes((double)c->opts.load.max_memory, b, sizeof b), hint);
    }
    zn_dataset *d = NULL;
    unsigned parts = (classes && c->opts.labels_only ? 0u : ZN_DS_Y) | (classes ? ZN_DS_LABELS : 0u);
    st = zn_dataset_alloc(c->rows, n_in, n_out, parts, &d);
    if (st == ZN_OK) {
        /* The rows read are the dataset's inputs: handed over, not copied. */
        d->x = c->x ? c->x : zn_calloc(1, sizeof(float));
        c->x = NULL;
        if (!d->x) st = ZN_ERR_OUT_OF_MEMORY;
        d->target_kind = kind;
        snprintf(d->target_reason, sizeof d->target_reason, "%s", reason);
        d->in_names = zn_calloc((size_t)n_in, sizeof *d->in_names);
        d->out_names = zn_calloc((size_t)n_out, sizeof *d->out_names);
        if (!d->in_names || !d->out_names) st = ZN_ERR_OUT_OF_MEMORY;
    }
    for (size_t i = 0, j = 0; st == ZN_OK && i < c->ncols; i++)
        if (!c->is_target[i] && !(d->in_names[j++] = zn_strdup_range(c->header[i], strlen(c->header[i]))))
            st = ZN_ERR_OUT_OF_MEMORY;
    if (st == ZN_OK && !classes) {
        for (size_t t = 0; st == ZN_OK && t < c->ntargets; t++) {
            const char *h = c->header[c->targets[t]];
            if (!(d->out_names[t] = zn_strdup_range(h, strlen(h)))) st = ZN_ERR_OUT_OF_MEMORY;
        }
        if (st == ZN_OK) st = encode_regression(c, d);
    } else if (st == ZN_OK) {
        d->class_names = zn_calloc((size_t)n_classes, sizeof *d->class_names);
        if (!d->class_names)
            st = ZN_ERR_OUT_OF_MEMORY;
        else
            d->n_classes = n_classes;
        for (int64_t k = 0; st == ZN_OK && k < n_classes; k++) {
            size_t n = strlen(labels[k].name);
            d->class_names[k] = zn_strdup_range(labels[k].name, n);
            d->out_names[k] = zn_strdup_range(labels[k].name, n);
            if (!d->class_names[k] || !d->out_names[k]) st = ZN_ERR_OUT_OF_MEMORY;
        }
        if (st == ZN_OK) st = fill_labels(c, d);
    }
    zn_free(labels);
    if (st != ZN_OK) {
        zn_dataset_free(d);
        return st == ZN_ERR_OUT_OF_MEMORY ? zn_error(st, "%s: out of memory", c->name) : st;
    }
    *out = d;
    return ZN_OK;
}

zn_csv_opts zn_csv_opts_default(void) {
    zn_csv_opts o;
    memset(&o, 0, sizeof o);
    o.load = zn_load_opts_default();
    o.kind = ZN_TARGET_AUTO;
    return o;
}

zn_status zn_dataset_parse_csv(const char *text, size_t len, const char *name, const zn_csv_opts *opts,
                               zn_dataset **out) {
    if (!out || (!text && len)) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_parse_csv: NULL argument");
    *out = NULL;
    csv_state c;
    memset(&c, 0, sizeof c);
    c.name = name ? name : "<memory>";
    c.opts = opts ? *opts : zn_csv_opts_default();
    if ((int)c.opts.kind < ZN_TARGET_AUTO || c.opts.kind > ZN_TARGET_CLASSES)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_parse_csv: unknown target kind %d", (int)c.opts.kind);
    const char *p = text ? text : "", *end = p + len;
    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3; /* UTF-8 byte order mark */
    if (memchr(p, '\0', (size_t)(end - p)))
        return zn_error(ZN_ERR_FORMAT, "%s: contains a NUL byte: not a text file", c.name);
    c.rd.p = p;
    c.rd.end = end;
    c.rd.next_line = 1;
    c.rd.delim = c.opts.delimiter ? c.opts.delimiter : guess_delimiter(p, end);
    zn_status st = read_header(&c);
    if (st == ZN_OK) st = choose_targets(&c);
    if (st == ZN_OK) st = read_rows(&c);
    if (st == ZN_OK) st = build_dataset(&c, out);
    free_state(&c);
    return st;
}

zn_status zn_dataset_load_csv(const char *path, const zn_csv_opts *opts, zn_dataset **out) {
    if (!path || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_dataset_load_csv: NULL argument");
    *out = NULL;
    zn_csv_opts o = opts ? *opts : zn_csv_opts_default();
    char *text;
    size_t len;
    zn_status s = zn_file_read(path, o.load.max_bytes > 0 ? o.load.max_bytes : ZN_DEFAULT_MAX_FILE_BYTES, &text, &len);
    if (s != ZN_OK) return s;
    s = zn_dataset_parse_csv(text, len, path, &o, out);
    zn_free(text);
    return s;
}
