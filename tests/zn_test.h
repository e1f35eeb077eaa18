/* A minimal test harness: checks count failures and keep going, so one run
 * shows every broken case. Each test file is its own executable; main() runs
 * its cases with ZT_RUN and returns zt_finish(). */
#ifndef ZN_TEST_H
#define ZN_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zenn/zenn.h"

static int zt_checks, zt_failures, zt_cases, zt_case_failed;
static const char *zt_case_name = "";

#define ZT_FAIL(...)                                                                                                   \
    do {                                                                                                               \
        zt_failures++;                                                                                                 \
        zt_case_failed = 1;                                                                                            \
        fprintf(stderr, "FAIL %s (%s:%d): ", zt_case_name, __FILE__, __LINE__);                                        \
        fprintf(stderr, __VA_ARGS__);                                                                                  \
        fputc('\n', stderr);                                                                                           \
    } while (0)

#define ZT_CHECK(cond)                                                                                                 \
    do {                                                                                                               \
        zt_checks++;                                                                                                   \
        if (!(cond)) ZT_FAIL("%s", #cond);                                                                             \
    } while (0)

#define ZT_CHECK_MSG(cond, ...)                                                                                        \
    do {                                                                                                               \
        zt_checks++;                                                                                                   \
        if (!(cond)) ZT_FAIL(__VA_ARGS__);                                                                             \
    } while (0)

/* The call returns `expected`; on a failure the library's message is shown. */
#define ZT_STATUS(expr, expected)                                                                                      \
    do {                                                                                                               \
        zt_checks++;                                                                                                   \
        zn_status zt_s_ = (expr);                                                                                      \
        if (zt_s_ != (expected))                                                                                       \
            ZT_FAIL("%s returned %s, expected %s (%s)", #expr, zn_status_str(zt_s_), zn_status_str(expected),          \
                    zn_last_error());                                                                                  \
    } while (0)

#define ZT_OK(expr) ZT_STATUS(expr, ZN_OK)

/* An error status with a non-empty message. */
#define ZT_ERR(expr, expected)                                                                                         \
    do {                                                                                                               \
        zn_clear_error();                                                                                              \
        ZT_STATUS(expr, expected);                                                                                     \
        ZT_CHECK_MSG(zn_last_error()[0] != '\0', "%s set no error text", #expr);                                       \
    } while (0)

#define ZT_NEAR(a, b, tol)                                                                                             \
    do {                                                                                                               \
        zt_checks++;                                                                                                   \
        double zt_a_ = (a), zt_b_ = (b);                                                                               \
        if (!(fabs(zt_a_ - zt_b_) <= (tol)))                                                                           \
            ZT_FAIL("%s = %.9g, %s = %.9g, differ by more than %g", #a, zt_a_, #b, zt_b_, (double)(tol));              \
    } while (0)

#define ZT_RUN(fn)                                                                                                     \
    do {                                                                                                               \
        zt_case_name = #fn;                                                                                            \
        zt_case_failed = 0;                                                                                            \
        zt_cases++;                                                                                                    \
        fn();                                                                                                          \
        fprintf(stderr, "%s %s\n", zt_case_failed ? "not ok" : "ok", #fn);                                             \
    } while (0)

static inline int zt_finish(void) {
    fprintf(stderr, "%d cases, %d checks, %d failures\n", zt_cases, zt_checks, zt_failures);
    return zt_failures ? 1 : 0;
}

/* Buffers with a deliberate misalignment: the returned pointer is `shift`
 * floats past a 64-byte boundary. Free with zt_free_shifted. */
static inline float *zt_alloc_shifted(size_t n, size_t shift) {
    float *base = zn_alloc((n + shift + 16) * sizeof(float));
    if (!base) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return base + shift;
}
static inline void zt_free_shifted(float *p, size_t shift) {
    if (p) zn_free(p - shift);
}

/* The ISAs this CPU can run, for tests that compare each with ref. */
#define ZT_FOR_EACH_ISA(var)                                                                                           \
    for (zn_isa var = ZN_ISA_REF; var < ZN_ISA_COUNT; var = (zn_isa)(var + 1))                                         \
        if (zn_isa_supported(var))

#endif
