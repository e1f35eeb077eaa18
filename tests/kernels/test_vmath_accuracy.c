/* Accuracy of the vector math against double-precision libm, for every ISA,
 * over dense grids: float bit patterns stepped with a stride (so every
 * binade is visited) plus uniform random points. The bounds asserted here
 * are the ones written in include/zenn/vmath.h and docs/KERNELS.md; the
 * achieved maxima are printed. */
#include <float.h>

#include "kernels/kernels.h"
#include "zn_test.h"

static double d_exp(double x) { return exp(x); }
static double d_log(double x) { return log(x); }
static double d_tanh(double x) { return tanh(x); }
static double d_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double d_silu(double x) { return x / (1.0 + exp(-x)); }
static double d_gelu_tanh(double x) {
    double u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
    return x / (1.0 + exp(-2.0 * u)); /* = 0.5 x (1 + tanh u), no cancellation */
}
static double d_gelu_erf(double x) { return 0.5 * x * erfc(-x * 0.7071067811865476); }

typedef struct acc_case {
    const char *name;
    size_t off; /* kernel in zn_vmath_kernels */
    double (*oracle)(double);
    float lo, hi;  /* range of x */
    float min_abs; /* |x| below this is skipped (subnormal results) */
    double floor;  /* error = |y - f| / max(|f|, floor): relative, absolute near 0 */
    double bound;
} acc_case;

#define AC(name, f, lo, hi, min_abs, floor, bound)                                                                     \
    { name, offsetof(zn_vmath_kernels, f), d_##f, lo, hi, min_abs, floor, bound }

/* Ranges: exp where the result is a normal float; sigmoid and silu where
 * it is normal; tanh, log and the GELUs everywhere they are finite. */
static const acc_case cases[] = {
    AC("exp", exp, -87.33f, 88.72f, 0, 0, 2e-7),
    AC("sigmoid", sigmoid, -87.33f, FLT_MAX, 0, 0, 2e-7),
    AC("tanh", tanh, -FLT_MAX, FLT_MAX, 0, 0, 2e-7),
    AC("log", log, 0, FLT_MAX, 0, 0, 2e-7),
    AC("silu", silu, -80.0f, FLT_MAX, 1e-37f, 0, 2.5e-7),
    AC("gelu_erf", gelu_erf, -13.0f, FLT_MAX, 1e-37f, 0, 6e-7),
    /* gelu_tanh: relative down to x = -3; beyond that sigmoid(z) is tiny and
     * the float rounding of z (error ~|z| ulp) dominates: absolute there */
    AC("gelu_tanh", gelu_tanh, -3.0f, FLT_MAX, 1e-37f, 0, 1e-6),
    AC("gelu_tanh(abs)", gelu_tanh, -FLT_MAX, FLT_MAX, 0, 1.0, 5e-7),
    AC("gelu_erf(abs)", gelu_erf, -FLT_MAX, FLT_MAX, 0, 1.0, 5e-7),
};

#define BATCH 4096

/* Bit-pattern stride: 2503 keeps the test fast under sanitizers at -O0;
 * build with -DZN_ACC_STRIDE=1 for an exhaustive sweep. */
#ifndef ZN_ACC_STRIDE
#define ZN_ACC_STRIDE 2503
#endif

typedef struct acc_state {
    const acc_case *c;
    zn_unary_fn fn;
    float xs[BATCH], ys[BATCH];
    size_t k, count;
    double worst;
    float worst_x;
    int nonfinite;
} acc_state;

static void flush(acc_state *s) {
    if (!s->k) return;
    s->fn(s->k, s->xs, s->ys);
    for (size_t i = 0; i < s->k; i++) {
        double want = s->c->oracle(s->xs[i]);
        double got = s->ys[i];
        if (isfinite(want) && !isfinite(got)) s->nonfinite++;
        double err = fabs(got - want) / fmax(fabs(want), s->c->floor);
        if (!(err <= s->worst)) { /* also catches NaN */
            s->worst = err;
            s->worst_x = s->xs[i];
        }
    }
    s->count += s->k;
    s->k = 0;
}

static void add(acc_state *s, float x) {
    if (!(x >= s->c->lo && x <= s->c->hi) || fabsf(x) < s->c->min_abs) return;
    if (s->c->oracle == d_exp && !(fabs(exp((double)x)) >= FLT_MIN && exp((double)x) <= FLT_MAX)) return;
    s->xs[s->k++] = x;
    if (s->k == BATCH) flush(s);
}

static float from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void test_accuracy(void) {
    static acc_state st;
    const size_t ncases = sizeof cases / sizeof cases[0];
    ZT_FOR_EACH_ISA(isa) {
        const zn_vmath_kernels *k = &zn_kernels_for(isa)->vmath;
        for (size_t c = 0; c < ncases; c++) {
            memset(&st, 0, sizeof st);
            st.c = &cases[c];
            memcpy(&st.fn, (const char *)k + cases[c].off, sizeof st.fn);
            /* every ZN_ACC_STRIDE-th bit pattern of each sign: all binades */
            for (uint32_t sign = 0; sign < 2; sign++)
                for (uint64_t u = 1 + 17 * c % ZN_ACC_STRIDE; u < 0x7f800000u; u += ZN_ACC_STRIDE)
                    add(&st, from_bits((uint32_t)u | (sign << 31)));
            /* and uniform points over the range that matters most */
            zn_rng rng;
            zn_rng_seed(&rng, 1234 + c);
            for (int i = 0; i < 200000; i++) add(&st, (float)(zn_rng_uniform(&rng) * 40.0 - 20.0));
            flush(&st);
            fprintf(stderr, "  %-8s %-15s %7zu points  max error %.3g at x = %.9g  (bound %.3g)\n", zn_isa_name(isa),
                    cases[c].name, st.count, st.worst, (double)st.worst_x, cases[c].bound);
            ZT_CHECK_MSG(st.worst <= cases[c].bound, "%s %s: error %.3g at x = %.9g > %.3g", zn_isa_name(isa),
                         cases[c].name, st.worst, (double)st.worst_x, cases[c].bound);
            ZT_CHECK_MSG(st.nonfinite == 0, "%s %s: %d non-finite results where libm is finite", zn_isa_name(isa),
                         cases[c].name, st.nonfinite);
            ZT_CHECK(st.count > 200000);
        }
    }
}

/* tanh's relative error holds down to tiny |x| (odd polynomial, no
 * cancellation), and log's through the subnormals. */
static void test_tiny_and_subnormal(void) {
    ZT_FOR_EACH_ISA(isa) {
        const zn_vmath_kernels *k = &zn_kernels_for(isa)->vmath;
        float xs[300], ys[300];
        double worst_tanh = 0, worst_log = 0;
        for (int i = 0; i < 300; i++) xs[i] = ldexpf(1.0f + (float)i / 300.0f, -(i % 149) - 1);
        k->tanh(300, xs, ys);
        for (int i = 0; i < 300; i++)
            if (xs[i] >= FLT_MIN) worst_tanh = fmax(worst_tanh, fabs(ys[i] - tanh(xs[i])) / tanh(xs[i]));
        k->log(300, xs, ys);
        for (int i = 0; i < 300; i++) worst_log = fmax(worst_log, fabs(ys[i] - log(xs[i])) / fabs(log(xs[i])));
        ZT_CHECK_MSG(worst_tanh <= 2e-7, "%s tanh tiny: %.3g", zn_isa_name(isa), worst_tanh);
        ZT_CHECK_MSG(worst_log <= 2e-7, "%s log subnormal: %.3g", zn_isa_name(isa), worst_log);
    }
}

int main(void) {
    ZT_RUN(test_accuracy);
    ZT_RUN(test_tiny_and_subnormal);
    return zt_finish();
}
