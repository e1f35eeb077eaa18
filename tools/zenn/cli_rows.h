/* Rows of delimited text for zenn run: one reader that splits fields the
 * same way for every row, and one number parser, so a header, an empty field
 * or a malformed number is recognised, never merged or dropped. */
#ifndef ZN_CLI_ROWS_H
#define ZN_CLI_ROWS_H

#include <stddef.h>
#include <stdint.h>

/* One field, unquoted and NUL-terminated (points into the reader's buffer). */
typedef struct cli_field {
    const char *s;
    size_t len;
    int quoted;
} cli_field;

/* The delimiter is chosen once, from the first non-blank line: ',' if it has
 * one outside quotes, else a tab, else ';', else runs of blanks (FANN-style
 * rows). With a delimiter every field counts, so "1,,2" has an empty field;
 * blanks around a field are trimmed. A UTF-8 byte-order mark is skipped. */
typedef struct cli_rows {
    const char *name; /* for messages */
    const char *p, *end;
    char delim; /* ',', '\t', ';' or ' ' (runs of blanks) */
    int64_t line, next_line;
    char *buf;
    size_t buf_cap;
    cli_field *f;
    size_t n, f_cap;
} cli_rows;

void cli_rows_init(cli_rows *r, const char *text, size_t len, const char *name);
/* The next non-blank row: 1 (r->n fields in r->f, starting on r->line), 0 at
 * the end, -1 after printing an error. */
int cli_rows_next(cli_rows *r);
void cli_rows_free(cli_rows *r);

/* Does the field read as a number, well formed or not ("1e400", "0x1",
 * "nan", "-inf", "1.2.3")? Such a field is never a column name. */
int cli_looks_numeric(const cli_field *f);

/* A decimal number ([sign] digits [. digits] [e [sign] digits]) that fits a
 * float; nan and inf (any case, optional sign) only when allow_nan. Returns
 * NULL and sets *out, or the reason it is not one. */
const char *cli_parse_number(const cli_field *f, int allow_nan, float *out);

#endif
