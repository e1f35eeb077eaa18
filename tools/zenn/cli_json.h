/* The few JSON pieces the commands print with --json. */
#ifndef ZN_CLI_JSON_H
#define ZN_CLI_JSON_H

#include <stdio.h>

/* A JSON string: quotes, backslashes and control bytes escaped; bytes that
 * are not valid UTF-8 (a Latin-1 name) become U+FFFD, so the output stays JSON. */
void cli_json_str(FILE *f, const char *s);
/* "key":value, or "key":null when value is not finite (JSON has no NaN). */
void cli_json_num(FILE *f, const char *key, double value);

#endif
