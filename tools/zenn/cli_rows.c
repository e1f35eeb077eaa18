/* Rows of delimited text for zenn run (see cli_rows.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_rows.h"
#include "cli_util.h"

/* cli_error's message is printed; the reader reports -1. */
static int row_error(int printed) { return -printed; }

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The delimiter of the first non-blank line, outside quotes. */
static char guess_delim(const char *p, const char *end) {
    while (p < end) {
        const char *q = p;
        while (q < end && is_blank(*q)) q++;
        if (q < end && *q != '\n') break;
        p = q < end ? q + 1 : q;
    }
    int comma = 0, tab = 0, semi = 0, quoted = 0;
    for (; p < end && (quoted || *p != '\n'); p++) {
        if (*p == '"') quoted = !quoted;
        if (quoted) continue;
        comma += *p == ',';
        tab += *p == '\t';
        semi += *p == ';';
    }
    return comma ? ',' : tab ? '\t' : semi ? ';' : ' ';
}

void cli_rows_init(cli_rows *r, const char *text, size_t len, const char *name) {
    memset(r, 0, sizeof *r);
    r->name = name;
    r->p = text;
    r->end = text + len;
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) r->p += 3; /* a UTF-8 byte-order mark is not data */
    r->delim = guess_delim(r->p, r->end);
    r->next_line = 1;
}

void cli_rows_free(cli_rows *r) {
    free(r->buf);
    free(r->f);
    r->buf = NULL;
    r->f = NULL;
}

static int put(cli_rows *r, size_t *used, char c) {
    if (*used == r->buf_cap) {
        size_t cap = r->buf_cap ? r->buf_cap * 2 : 256;
        char *b = realloc(r->buf, cap);
        if (!b) return 0;
        r->buf = b;
        r->buf_cap = cap;
    }
    r->buf[(*used)++] = c;
    return 1;
}

/* Ends the current field (its text starts at buf offset `start`). */
static int push(cli_rows *r, size_t *used, size_t start, int quoted) {
    if (!put(r, used, '\0')) return 0;
    if (r->n == r->f_cap) {
        size_t cap = r->f_cap ? r->f_cap * 2 : 16;
        cli_field *f = realloc(r->f, cap * sizeof *f);
        if (!f) return 0;
        r->f = f;
        r->f_cap = cap;
    }
    /* s holds the offset until the row is complete (buf may move meanwhile) */
    r->f[r->n].s = (const char *)(uintptr_t)start;
    r->f[r->n].len = *used - 1 - start;
    r->f[r->n].quoted = quoted;
    r->n++;
    return 1;
}

/* A field in quotes; p is past the opening quote. */
static int read_quoted(cli_rows *r, size_t *used) {
    for (;;) {
        if (r->p >= r->end)
            return row_error(cli_error("%s:%lld: a quote opened in field %zu is never closed", r->name,
                                       (long long)r->line, r->n + 1));
        char c = *r->p++;
        if (c == '"') {
            if (r->p < r->end && *r->p == '"')
                r->p++;
            else
                return 0;
        } else if (c == '\n')
            r->next_line++;
        if (!put(r, used, c)) return row_error(cli_error("out of memory"));
    }
}

static int row_is_blank(const cli_rows *r) {
    const char *q = r->p;
    while (q < r->end && is_blank(*q)) q++;
    return q >= r->end || *q == '\n';
}

int cli_rows_next(cli_rows *r) {
    while (r->p < r->end && row_is_blank(r)) {
        r->p = memchr(r->p, '\n', (size_t)(r->end - r->p));
        r->p = r->p ? r->p + 1 : r->end;
        r->next_line++;
    }
    if (r->p >= r->end) return 0;
    r->n = 0;
    r->line = r->next_line;
    size_t used = 0;
    const char d = r->delim;
    for (;;) {
        /* blanks before a field (a tab is the delimiter of tab-separated rows) */
        while (r->p < r->end && is_blank(*r->p) && !(d == '\t' && *r->p == '\t')) r->p++;
        if (d == ' ' && r->p < r->end && *r->p == '\n') {
            r->p++;
            r->next_line++;
            break;
        }
        if (d == ' ' && r->p >= r->end) break;
        size_t start = used;
        int quoted = r->p < r->end && *r->p == '"';
        if (quoted) {
            r->p++;
            if (read_quoted(r, &used) < 0) return -1;
            while (r->p < r->end && is_blank(*r->p) && !(d == '\t' && *r->p == '\t')) r->p++;
            if (r->p < r->end && *r->p != '\n' && *r->p != d)
                return row_error(cli_error("%s:%lld: field %zu has text after its closing quote", r->name,
                                           (long long)r->line, r->n + 1));
        } else {
            while (r->p < r->end && *r->p != '\n' && *r->p != d && !(d == ' ' && is_blank(*r->p)))
                if (!put(r, &used, *r->p++)) return row_error(cli_error("out of memory"));
            while (used > start && is_blank(r->buf[used - 1])) used--;
        }
        if (!push(r, &used, start, quoted)) return row_error(cli_error("out of memory"));
        if (r->p >= r->end) break;
        if (*r->p == '\n') {
            r->p++;
            r->next_line++;
            break;
        }
        if (d != ' ') r->p++; /* past the delimiter: a field follows, empty or not */
    }
    for (size_t i = 0; i < r->n; i++) r->f[i].s = r->buf + (uintptr_t)r->f[i].s;
    return 1;
}

/* nan, inf or infinity in any case, after an optional sign. */
static int is_nonfinite_word(const char *s) {
    if (*s == '+' || *s == '-') s++;
    return !strcasecmp(s, "nan") || !strcasecmp(s, "inf") || !strcasecmp(s, "infinity");
}

int cli_looks_numeric(const cli_field *f) {
    const char *s = f->s;
    if (*s == '+' || *s == '-') s++;
    return (*s >= '0' && *s <= '9') || *s == '.' || is_nonfinite_word(f->s);
}

const char *cli_parse_number(const cli_field *f, int allow_nan, float *out) {
    const char *s = f->s;
    if (f->len == 0) return allow_nan ? (*out = NAN, NULL) : "is empty (--allow-nan reads it as NaN)";
    if (is_nonfinite_word(s)) {
        if (!allow_nan) return "is not a finite number (--allow-nan accepts nan and inf)";
        const char *w = s + (*s == '+' || *s == '-');
        *out = (*w == 'n' || *w == 'N') ? NAN : (*s == '-' ? -INFINITY : INFINITY);
        return NULL;
    }
    size_t i = (*s == '+' || *s == '-'), digits = 0;
    while (s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (s[i] == '.')
        for (i++; s[i] >= '0' && s[i] <= '9'; i++) digits++;
    if (digits && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = i + 1 + (s[i + 1] == '+' || s[i + 1] == '-');
        if (!(s[e] >= '0' && s[e] <= '9')) return "is not a number";
        for (i = e; s[i] >= '0' && s[i] <= '9';) i++;
    }
    if (!digits || i != f->len) return "is not a number";
    /* The zenn tool never calls setlocale, so strtof reads '.' as the decimal point. */
    errno = 0;
    float v = strtof(s, NULL);
    if (errno == ERANGE && isinf(v)) return "is beyond the float range (3.4e38)";
    *out = v;
    return NULL;
}
