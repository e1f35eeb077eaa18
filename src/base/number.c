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

/* Plain decimals ("-0.25", "1e-3") without strtof: 15 significant digits
 * or fewer and a power of ten up to 22, where the digits and the power are
 * exact doubles and their product or quotient is the correctly rounded
 * double (Clinger's fast path). Rounding that double to float gives strtof's
 * float unless it lies exactly halfway between two floats (then x may lie
 * on either side, or on the tie) or outside the normal float range: those
 * return 0 for strtof to decide. Parsing took half of a small training
 * command's fixed cost. */
static int parse_plain(const char *t, size_t len, float *out) {
    static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    int neg = 0;
    if (t[0] == '-' || t[0] == '+') neg = t[i++] == '-';
    uint64_t mant = 0;
    int digits = 0, any = 0, exp10 = 0;
    for (; i < len && t[i] >= '0' && t[i] <= '9'; i++, any = 1) {
        if (mant == 0 && t[i] == '0') continue; /* leading zeros are not significant */
        if (++digits > 15) return 0;
        mant = mant * 10 + (uint64_t)(t[i] - '0');
    }
    if (i < len && t[i] == '.') {
        for (i++; i < len && t[i] >= '0' && t[i] <= '9'; i++, any = 1) {
            exp10--;
            if (mant == 0 && t[i] == '0') continue;
            if (++digits > 15) return 0;
            mant = mant * 10 + (uint64_t)(t[i] - '0');
        }
    }
    if (!any) return 0;
    if (i < len && (t[i] == 'e' || t[i] == 'E')) {
        int eneg = 0, e = 0, edigits = 0;
        if (++i < len && (t[i] == '-' || t[i] == '+')) eneg = t[i++] == '-';
        for (; i < len && t[i] >= '0' && t[i] <= '9' && edigits < 4; i++, edigits++) e = e * 10 + (t[i] - '0');
        if (!edigits) return 0;
        exp10 += eneg ? -e : e;
    }
    if (i != len || exp10 < -22 || exp10 > 22) return 0;
    double d = exp10 < 0 ? (double)mant / pow10[-exp10] : (double)mant * pow10[exp10];
    if (d != 0.0) {
        if (!(d >= 1.17549435082228750797e-38 && d <= 3.40282346638528859812e+38)) return 0; /* FLT_MIN, FLT_MAX */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        if ((bits & 0x1fffffffu) == 0x10000000u) return 0; /* halfway between two floats */
    }
    *out = (float)(neg ? -d : d);
    return 1;
}

zn_num_result zn_parse_float_ex(const char *text, size_t len, float *out) {
    char buf[128];
    if (len == 0) return ZN_NUM_BAD;
    if (len < sizeof buf && parse_plain(text, len, out)) return ZN_NUM_OK;
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
