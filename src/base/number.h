/* Locale-safe number parsing shared by every text reader of the library
 * (data files, JSON metadata, FANN .net files). */
#ifndef ZN_BASE_NUMBER_H
#define ZN_BASE_NUMBER_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

/* Switches this thread to the C numeric locale for a parse and back, so a
 * decimal point is '.' whatever locale the application chose. */
typedef struct zn_c_locale {
    locale_t c, old;
} zn_c_locale;
void zn_c_locale_enter(zn_c_locale *l);
void zn_c_locale_leave(zn_c_locale *l);

/* What zn_parse_float_ex found in a piece of text. */
typedef enum zn_num_result {
    ZN_NUM_OK = 0, /* a decimal number in float range (NaN and infinities included) */
    ZN_NUM_BAD,    /* not entirely a decimal number (empty, hex, spaces, words) */
    ZN_NUM_RANGE,  /* a decimal number beyond the float range ("3.5e38", "1e400") */
} zn_num_result;

/* Parses text[0..len) as one float (call inside zn_c_locale_enter/leave). */
zn_num_result zn_parse_float_ex(const char *text, size_t len, float *out);

/* The same, 1 for ZN_NUM_OK and 0 otherwise. */
int zn_parse_float(const char *text, size_t len, float *out);

/* A non-negative integer that fits in int64_t (digits only). */
int zn_parse_count(const char *text, size_t len, int64_t *out);

#endif
