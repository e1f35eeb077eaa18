/* Number parsing in the C locale. strtof follows LC_NUMERIC, which an
 * application may have set to a locale with a decimal comma; uselocale()
 * switches this thread to "C" for the duration of a parse only. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/number.h"

void zn_c_locale_enter(zn_c_locale *l) {
    l->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    l->old = l->c ? uselocale(l->c) : (locale_t)0;
}

void zn_c_locale_leave(zn_c_locale *l) {
    if (!l->c) return;
    uselocale(l->old);
    freelocale(l->c);
    l->c = (locale_t)0;
}

zn_num_result zn_parse_float_ex(const char *text, size_t len, float *out) {
    char buf[128];
    if (len == 0) return ZN_NUM_BAD;
    if (len >= sizeof buf) {
        /* Too long for any float but a digit string with a huge exponent:
         * say "out of range" only when it is entirely a decimal number. */
        size_t i = (text[0] == '-' || text[0] == '+'), digits = 0;
        while (i < len && text[i] >= '0' && text[i] <= '9') i++, digits++;
        return digits > 0 && i == len && text[len - digits] != '0' ? ZN_NUM_RANGE : ZN_NUM_BAD;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    /* strtof skips leading space and accepts hex floats; neither belongs in a data file. */
    if (buf[0] == ' ' || buf[0] == '\t') return ZN_NUM_BAD;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == 'x' || buf[i] == 'X') return ZN_NUM_BAD;
    errno = 0;
    char *end = NULL;
    float v = strtof(buf, &end);
    int err = errno;
    if (end != buf + len) return ZN_NUM_BAD;
    if (err == ERANGE && isinf(v)) return ZN_NUM_RANGE; /* overflow: "1e99" is not infinity */
    *out = v;
    return ZN_NUM_OK;
}

int zn_parse_float(const char *text, size_t len, float *out) { return zn_parse_float_ex(text, len, out) == ZN_NUM_OK; }

int zn_parse_count(const char *text, size_t len, int64_t *out) {
    if (len == 0 || len > 18) return 0;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') return 0;
        v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return 1;
}
