/* zn_parse_float_ex gives strtof's float for every decimal, its fast path
 * for plain decimals included: exact halfway cases, the edges of the float
 * range, long digit strings and random decimals of every length. */
#include <errno.h>
#include <float.h>
#include <string.h>

#include "base/number.h"
#include "zn_test.h"

/* strtof's answer, or 0 where it would not be ZN_NUM_OK. */
static int strtof_of(const char *s, float *out) {
    char *end = NULL;
    errno = 0;
    *out = strtof(s, &end);
    return *end == '\0' && end != s && !(errno == ERANGE && isinf(*out));
}

static void check_same(const char *s) {
    float got = 0, want = 0;
    const int ok = zn_parse_float_ex(s, strlen(s), &got) == ZN_NUM_OK, want_ok = strtof_of(s, &want);
    ZT_CHECK_MSG(ok == want_ok, "'%s': parsed %d, strtof %d", s, ok, want_ok);
    if (ok && want_ok)
        ZT_CHECK_MSG(memcmp(&got, &want, sizeof got) == 0, "'%s': %.9g, strtof %.9g", s, (double)got, (double)want);
}

static void test_special_cases(void) {
    static const char *const cases[] = {
        "0", "-0", "+0", "0.0", "-0.000", "1", "-1", "0.5", ".5", "5.", "1e3", "1E-3", "2.5e+2", "123456789012345",
        "1234567890123456", "0.1", "0.2", "0.3", "3.14159265358979", "1e22", "1e23", "1e-22", "1e-23",
        /* halfway between two floats: ties to even, decided by strtof */
        "16777217", "16777219", "-16777217", "33554434", "33554438", "8388608.5", "8388609.5",
        /* 15 digits whose nearest double is halfway between two floats, the
         * decimal itself on one side: rounding that double would tie */
        "0.00803981488570571", "9.64534616470337", "0.419441893696785", "0.828093558549881", "0.0934121124446392",
        "0.235620878636837",
        /* the float range's edges */
        "3.4028235e38", "3.40282347e38", "3.4028236e38", "1.17549435e-38", "1.1754943e-38", "1e-38", "1e-39", "1e-45",
        "1e-46", "3.5e38", "1e39",
        /* not plain decimals */
        "", ".", "-", "e5", "1e", "1e+", "1.2.3", "1,5", "1 ", "nan", "inf", "-inf", "1e0005", "00012",
        "0.000000000000000000000001", "100000000000000000000000"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_same(cases[i]);
    float v = 0;
    ZT_CHECK(zn_parse_float_ex("16777217", 8, &v) == ZN_NUM_OK && v == 16777216.0f); /* the even neighbour */
    ZT_CHECK(zn_parse_float_ex("0x10", 4, &v) == ZN_NUM_BAD); /* strtof's hex and leading space are refused */
    ZT_CHECK(zn_parse_float_ex(" 1", 2, &v) == ZN_NUM_BAD);
    ZT_CHECK(zn_parse_float_ex("1e39", 4, &v) == ZN_NUM_RANGE);
    ZT_CHECK(zn_parse_float_ex("-0", 2, &v) == ZN_NUM_OK && v == 0.0f && signbit(v));
}

/* Random decimals: 1 to 17 significant digits, the point anywhere, with and
 * without exponents; every one must give strtof's bits. */
static void test_random_decimals(void) {
    zn_rng r;
    zn_rng_seed(&r, 2026);
    char s[64];
    for (int n = 0; n < 200000; n++) {
        int len = 0, digits = 1 + (int)zn_rng_below(&r, 17), point = (int)zn_rng_below(&r, (uint64_t)digits + 2);
        if (zn_rng_below(&r, 2)) s[len++] = '-';
        for (int d = 0; d < digits; d++) {
            if (d == point) s[len++] = '.';
            s[len++] = (char)('0' + zn_rng_below(&r, 10));
        }
        if (zn_rng_below(&r, 3) == 0)
            len += snprintf(s + len, sizeof s - (size_t)len, "e%d", (int)zn_rng_below(&r, 61) - 30);
        s[len] = '\0';
        check_same(s);
    }
    /* floats printed with 9 digits come back as themselves */
    for (int n = 0; n < 20000; n++) {
        float f = zn_rng_uniformf(&r) * 2000.0f - 1000.0f, back = 0;
        snprintf(s, sizeof s, "%.9g", (double)f);
        ZT_CHECK(zn_parse_float(s, strlen(s), &back) && back == f);
        check_same(s);
    }
}

int main(void) {
    ZT_RUN(test_special_cases);
    ZT_RUN(test_random_decimals);
    return zt_finish();
}
