/* Shared pieces of the data loaders. */
#ifndef ZN_DATA_INTERNAL_H
#define ZN_DATA_INTERNAL_H

#include <locale.h>
#include <stddef.h>

#include "zenn/data.h"

#define ZN_DEFAULT_MAX_FILE_BYTES ((int64_t)4 << 30)

void zn_names_free(char **names, int64_t n);
zn_status zn_names_copy(char *const *src, int64_t n, char ***dst);
char *zn_strdup_range(const char *s, size_t n);

/* Switches this thread to the C numeric locale for a parse and back, so a
 * decimal point is '.' whatever locale the application chose. */
typedef struct zn_c_locale {
    locale_t c, old;
} zn_c_locale;
void zn_c_locale_enter(zn_c_locale *l);
void zn_c_locale_leave(zn_c_locale *l);

/* Parses text[0..len) as one float (call inside zn_c_locale_enter/leave).
 * Returns 0 when it is not entirely a decimal number or is out of float
 * range; NaN and infinities are numbers here (the caller decides). */
int zn_parse_float(const char *text, size_t len, float *out);

/* The same for a non-negative integer that fits in int64_t. */
int zn_parse_count(const char *text, size_t len, int64_t *out);

#endif
