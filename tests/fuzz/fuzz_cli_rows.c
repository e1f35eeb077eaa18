/* Fuzz target: zenn run's rows (tools/zenn/cli_rows.c), their numbers and
 * the header matched to a model's input names (cli_columns.c). The first
 * byte picks --allow-nan and how many of the second row's fields play the
 * model's inputs and targets, so the matching gets names that fit and not,
 * and whether a lone CR ends a line first, as zenn run makes it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_columns.h"
#include "cli_rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The row's fields as names (copies: the next row reuses the buffer). */
static char **names_of(const cli_rows *r) {
    char **v = calloc(r->n ? r->n : 1, sizeof *v);
    for (size_t i = 0; v && i < r->n; i++)
        if ((v[i] = malloc(r->f[i].len + 1)) != NULL) memcpy(v[i], r->f[i].s, r->f[i].len + 1);
    return v;
}

static void free_names(char **v, size_t n) {
    for (size_t i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

static void check_field(const cli_rows *r, const cli_field *f, int allow_nan) {
    /* NUL-terminated at len, and an unquoted field holds no delimiter or newline. */
    if (f->s[f->len] != '\0') __builtin_trap();
    if (!f->quoted && (memchr(f->s, '\n', f->len) || (r->delim != ' ' && memchr(f->s, r->delim, f->len))))
        __builtin_trap();
    float v = 0;
    const char *why = cli_parse_number(f, allow_nan, &v);
    if (why == NULL) {
        /* A number read is one that looks numeric (or an empty field as NaN), finite unless allowed. */
        if (f->len > 0 && !cli_looks_numeric(f)) __builtin_trap();
        if (!allow_nan && (v != v || v - v != 0)) __builtin_trap();
    } else if (!*why) {
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned opts = 0;
    if (size > 0) {
        opts = data[0];
        data++;
        size--;
    }
    const int allow_nan = opts & 1;
    const size_t n_inputs = (opts >> 1) & 7, n_targets = (opts >> 4) & 3;
    const int no_input_names = (opts >> 6) & 1;
    /* The reader takes text that need not end in a newline or a NUL: a copy of exactly size bytes. */
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    for (size_t i = 0; (opts & 128) && i < size; i++)
        if (text[i] == '\r' && (i + 1 == size || text[i + 1] != '\n')) text[i] = '\n';
    cli_rows r;
    cli_rows_init(&r, text, size, "fuzz");
    char **header = NULL, **second = NULL;
    size_t n_header = 0, n_second = 0;
    int64_t last_line = 0;
    int rc;
    while ((rc = cli_rows_next(&r)) == 1) {
        if (r.n == 0 || r.line <= last_line || r.next_line < r.line) __builtin_trap();
        last_line = r.line;
        for (size_t i = 0; i < r.n; i++) check_field(&r, &r.f[i], allow_nan);
        if (!header) {
            header = names_of(&r);
            n_header = r.n;
        } else if (!second) {
            second = names_of(&r);
            n_second = r.n;
        }
    }
    if (rc != 0 && rc != -1) __builtin_trap();
    if (header && second) {
        /* The second row's first fields name the model's inputs, the next its targets. */
        size_t ni = n_inputs < n_second ? n_inputs : n_second;
        size_t nt = n_targets < n_second - ni ? n_targets : n_second - ni;
        int64_t *idx = malloc((ni ? ni : 1) * sizeof *idx);
        if (idx && cli_match_columns(no_input_names ? NULL : second, (int64_t)ni, nt ? second + ni : NULL, (int64_t)nt,
                                     header, (int64_t)n_header, "fuzz", idx) == 0)
            for (size_t i = 0; i < ni; i++)
                if (idx[i] < 0 || idx[i] >= (int64_t)n_header) __builtin_trap();
        free(idx);
    }
    free_names(header, n_header);
    free_names(second, n_second);
    cli_rows_free(&r);
    free(text);
    return 0;
}
