/* Vector math: every kernel of every ISA against ref on awkward sizes,
 * misaligned pointers and in place; special values; reductions; the public
 * API and its argument checks. Accuracy against libm is in
 * test_vmath_accuracy.c. */
#include <float.h>

#include "kernels/kernels.h"
#include "zn_test.h"

static const size_t sizes[] = {0, 1, 2, 7, 15, 16, 17, 31, 33, 127, 1023};
#define NSIZES (sizeof sizes / sizeof sizes[0])
#define MAXN 1023

typedef struct unary_case {
    const char *name;
    size_t off;      /* offset of the zn_unary_fn in zn_vmath_kernels */
    float lo, hi;    /* input range */
    double rel, abs; /* |isa - ref| <= rel |ref| + abs */
} unary_case;

#define UC(f, lo, hi, rel, abs)                                                                                        \
    { #f, offsetof(zn_vmath_kernels, f), lo, hi, rel, abs }
static const unary_case unary_cases[] = {
    UC(relu, -5, 5, 0, 0),
    UC(sigmoid, -30, 30, 3e-7, 0),
    UC(tanh, -10, 10, 3e-7, 0),
    UC(exp, -90, 90, 3e-7, 3e-45), /* subnormal results: absolute */
    UC(log, 0, 100, 3e-7, 0),
    UC(gelu_tanh, -10, 10, 2e-6, 1e-12), /* see the accuracy test */
    UC(gelu_erf, -10, 10, 6e-7, 1e-12),
    UC(silu, -30, 30, 4e-7, 0),
};
#define NUNARY (sizeof unary_cases / sizeof unary_cases[0])

static zn_unary_fn get_unary(const zn_vmath_kernels *k, const unary_case *c) {
    zn_unary_fn f;
    memcpy(&f, (const char *)k + c->off, sizeof f);
    return f;
}

static int close_to(float a, float b, double rel, double abs) {
    if (a != a || b != b) return a != a && b != b;
    if (a == b) return 1;
    return fabs((double)a - b) <= rel * fabs((double)b) + abs;
}

/* The ISA's result on x, out of place and in place, must equal ref's within
 * the case tolerance, and the two ISA results must be identical. */
static void test_unary_vs_ref(void) {
    const zn_vmath_kernels *ref = &zn_kernels_for(ZN_ISA_REF)->vmath;
    zn_rng rng;
    zn_rng_seed(&rng, 42);
    float *want = zt_alloc_shifted(MAXN, 0);
    ZT_FOR_EACH_ISA(isa) {
        const zn_vmath_kernels *k = &zn_kernels_for(isa)->vmath;
        for (size_t c = 0; c < NUNARY; c++) {
            const unary_case *uc = &unary_cases[c];
            int bad = 0;
            for (size_t si = 0; si < NSIZES; si++) {
                size_t n = sizes[si];
                for (size_t shift = 1; shift <= 15; shift++) {
                    float *x = zt_alloc_shifted(MAXN, shift), *y = zt_alloc_shifted(MAXN, 16 - shift);
                    zn_rng_fill_uniform(&rng, x, n, uc->lo, uc->hi);
                    y[n] = 12345.0f; /* guard: nothing past n is written */
                    get_unary(ref, uc)(n, x, want);
                    get_unary(k, uc)(n, x, y);
                    for (size_t i = 0; i < n && !bad; i++)
                        if (!close_to(y[i], want[i], uc->rel, uc->abs)) {
                            ZT_FAIL("%s %s n=%zu x=%.9g: %.9g vs ref %.9g", zn_isa_name(isa), uc->name, n, (double)x[i],
                                    (double)y[i], (double)want[i]);
                            bad = 1;
                        }
                    ZT_CHECK(y[n] == 12345.0f);
                    get_unary(k, uc)(n, x, x); /* in place */
                    ZT_CHECK_MSG(n == 0 || memcmp(x, y, n * sizeof *x) == 0, "%s %s in place n=%zu differs",
                                 zn_isa_name(isa), uc->name, n);
                    zt_free_shifted(x, shift);
                    zt_free_shifted(y, 16 - shift);
                }
            }
        }
    }
    zt_free_shifted(want, 0);
}

/* leaky_relu, scale, add_bias, axpy, softmax on the same sizes and shifts. */
static void test_other_vs_ref(void) {
    const zn_vmath_kernels *ref = &zn_kernels_for(ZN_ISA_REF)->vmath;
    zn_rng rng;
    zn_rng_seed(&rng, 7);
    ZT_FOR_EACH_ISA(isa) {
        const zn_vmath_kernels *k = &zn_kernels_for(isa)->vmath;
        for (size_t si = 0; si < NSIZES; si++) {
            size_t n = sizes[si];
            for (size_t shift = 1; shift <= 15; shift += 2) {
                float *x = zt_alloc_shifted(MAXN, shift), *y = zt_alloc_shifted(MAXN, 16 - shift);
                float *w = zt_alloc_shifted(MAXN, shift), *b = zt_alloc_shifted(MAXN, 3);
                zn_rng_fill_uniform(&rng, x, n, -20, 20);
                zn_rng_fill_uniform(&rng, b, n, -1, 1);
                int ok = 1;

                ref->leaky_relu(n, 0.1f, x, w);
                k->leaky_relu(n, 0.1f, x, y);
                ok &= n == 0 || memcmp(w, y, n * sizeof *y) == 0;
                ref->scale(n, -1.5f, x, w);
                k->scale(n, -1.5f, x, y);
                ok &= n == 0 || memcmp(w, y, n * sizeof *y) == 0;
                memcpy(w, x, n * sizeof *x);
                memcpy(y, x, n * sizeof *x);
                ref->add_bias(n, b, w);
                k->add_bias(n, b, y);
                ok &= n == 0 || memcmp(w, y, n * sizeof *y) == 0;
                ZT_CHECK_MSG(ok, "%s leaky_relu/scale/add_bias n=%zu differ from ref", zn_isa_name(isa), n);

                memcpy(w, b, n * sizeof *x);
                memcpy(y, b, n * sizeof *x);
                ref->axpy(n, 0.3f, x, w);
                k->axpy(n, 0.3f, x, y); /* FMA may round once where ref rounds twice */
                for (size_t i = 0; i < n; i++)
                    if (!close_to(y[i], w[i], 2.4e-7, 1e-6)) {
                        ZT_FAIL("%s axpy n=%zu i=%zu: %.9g vs %.9g", zn_isa_name(isa), n, i, (double)y[i],
                                (double)w[i]);
                        break;
                    }

                if (n > 0) {
                    ref->softmax(n, x, w);
                    k->softmax(n, x, y);
                    for (size_t i = 0; i < n; i++)
                        if (!close_to(y[i], w[i], 5e-7, 1e-37)) {
                            ZT_FAIL("%s softmax n=%zu i=%zu: %.9g vs %.9g", zn_isa_name(isa), n, i, (double)y[i],
                                    (double)w[i]);
                            break;
                        }
                    k->softmax(n, x, x); /* in place */
                    ZT_CHECK(memcmp(x, y, n * sizeof *x) == 0);
                }
                zt_free_shifted(x, shift);
                zt_free_shifted(y, 16 - shift);
                zt_free_shifted(w, shift);
                zt_free_shifted(b, 3);
            }
        }
    }
}

static void test_reductions(void) {
    const zn_vmath_kernels *ref = &zn_kernels_for(ZN_ISA_REF)->vmath;
    zn_rng rng;
    zn_rng_seed(&rng, 99);
    const size_t rsizes[] = {0, 1, 2, 7, 15, 16, 17, 31, 33, 127, 1023, 100003};
    ZT_FOR_EACH_ISA(isa) {
        const zn_vmath_kernels *k = &zn_kernels_for(isa)->vmath;
        for (size_t si = 0; si < sizeof rsizes / sizeof rsizes[0]; si++) {
            size_t n = rsizes[si], shift = 1 + si % 15;
            float *x = zt_alloc_shifted(n, shift), *y = zt_alloc_shifted(n, 16 - shift);
            zn_rng_fill_normal(&rng, x, n, 0.5f, 3.0f);
            zn_rng_fill_normal(&rng, y, n, -0.25f, 1.0f);
            double sabs = 0, dabs = 0;
            for (size_t i = 0; i < n; i++) {
                sabs += fabs(x[i]);
                dabs += fabs((double)x[i] * y[i]);
            }
            float s = k->sum(n, x), d = k->dot(n, x, y), m = k->max(n, x), r = k->norm2(n, x);
            ZT_NEAR(s, ref->sum(n, x), 1e-7 * sabs + 1e-30);
            ZT_NEAR(d, ref->dot(n, x, y), 1e-7 * dabs + 1e-30);
            ZT_CHECK(m == ref->max(n, x));
            ZT_NEAR(r, ref->norm2(n, x), 2e-7 * ref->norm2(n, x));
            /* the same input gives the same bits */
            float s2 = k->sum(n, x), d2 = k->dot(n, x, y), r2 = k->norm2(n, x);
            ZT_CHECK(memcmp(&s, &s2, sizeof s) == 0 && memcmp(&d, &d2, sizeof d) == 0 &&
                     memcmp(&r, &r2, sizeof r) == 0);
            if (n == 0) {
                ZT_CHECK(s == 0.0f && d == 0.0f && r == 0.0f && m == -INFINITY);
            }
            if (n >= 7) { /* NaN anywhere (body or tail) makes max NaN */
                float keep = x[n - 1];
                x[n - 1] = NAN;
                ZT_CHECK(isnan(k->max(n, x)));
                x[n - 1] = keep;
                x[n / 3] = NAN;
                ZT_CHECK(isnan(k->max(n, x)));
            }
            zt_free_shifted(x, shift);
            zt_free_shifted(y, 16 - shift);
        }
        /* norm2 does not overflow for large finite values */
        float big[37];
        for (int i = 0; i < 37; i++) big[i] = 3e37f;
        ZT_NEAR(k->norm2(37, big), 3e37 * sqrt(37.0), 3e37 * sqrt(37.0) * 2e-7);
        float tiny[20];
        for (int i = 0; i < 20; i++) tiny[i] = 1e-30f;
        ZT_NEAR(k->norm2(20, tiny), 1e-30 * sqrt(20.0), 1e-30 * sqrt(20.0) * 2e-7);
    }
}

/* Exact special values, in the body and in the tail of a vector. */
typedef struct special {
    const char *fn;
    float x, y; /* y NaN means "is NaN" */
} special;

static const special specials[] = {
    {"exp", 0.0f, 1.0f},
    {"exp", -0.0f, 1.0f},
    {"exp", -1000.0f, 0.0f},
    {"exp", 1000.0f, INFINITY},
    {"exp", -INFINITY, 0.0f},
    {"exp", INFINITY, INFINITY},
    {"exp", NAN, NAN},
    {"exp", 89.0f, INFINITY},
    {"exp", -104.0f, 0.0f},
    {"exp", 1.0f, 2.71828183f},
    {"sigmoid", -INFINITY, 0.0f},
    {"sigmoid", INFINITY, 1.0f},
    {"sigmoid", NAN, NAN},
    {"sigmoid", 0.0f, 0.5f},
    {"sigmoid", -200.0f, 0.0f},
    {"sigmoid", 200.0f, 1.0f},
    {"sigmoid", 3e38f, 1.0f},
    {"sigmoid", -3e38f, 0.0f},
    {"tanh", INFINITY, 1.0f},
    {"tanh", -INFINITY, -1.0f},
    {"tanh", NAN, NAN},
    {"tanh", 0.0f, 0.0f},
    {"tanh", 1e-30f, 1e-30f},
    {"tanh", -1e-30f, -1e-30f},
    {"tanh", 1e-45f, 1e-45f},
    {"tanh", 50.0f, 1.0f},
    {"tanh", -3e38f, -1.0f},
    {"log", 0.0f, -INFINITY},
    {"log", -0.0f, -INFINITY},
    {"log", -1.0f, NAN},
    {"log", -INFINITY, NAN},
    {"log", INFINITY, INFINITY},
    {"log", NAN, NAN},
    {"log", 1.0f, 0.0f},
    {"log", 1e-45f, -103.278931f},
    {"log", 1e-40f, -92.1034037f},
    {"log", FLT_MAX, 88.7228391f},
    {"log", 2.0f, 0.693147181f},
    {"relu", NAN, NAN},
    {"relu", -0.0f, 0.0f},
    {"relu", -INFINITY, 0.0f},
    {"relu", INFINITY, INFINITY},
    {"relu", 2.5f, 2.5f},
    {"silu", -INFINITY, 0.0f},
    {"silu", INFINITY, INFINITY},
    {"silu", NAN, NAN},
    {"silu", 0.0f, 0.0f},
    {"silu", -3e38f, 0.0f},
    {"gelu_tanh", -INFINITY, 0.0f},
    {"gelu_tanh", INFINITY, INFINITY},
    {"gelu_tanh", NAN, NAN},
    {"gelu_tanh", 0.0f, 0.0f},
    {"gelu_tanh", -3e38f, 0.0f},
    {"gelu_tanh", 3e38f, 3e38f},
    {"gelu_erf", -INFINITY, 0.0f},
    {"gelu_erf", INFINITY, INFINITY},
    {"gelu_erf", NAN, NAN},
    {"gelu_erf", 0.0f, 0.0f},
    {"gelu_erf", -3e38f, 0.0f},
    {"gelu_erf", 3e38f, 3e38f},
};

static const unary_case *find_case(const char *name) {
    for (size_t c = 0; c < NUNARY; c++)
        if (strcmp(unary_cases[c].name, name) == 0) return &unary_cases[c];
    return NULL;
}

static void test_special_values(void) {
    const size_t nsp = sizeof specials / sizeof specials[0];
    ZT_FOR_EACH_ISA(isa) {
        const zn_vmath_kernels *k = &zn_kernels_for(isa)->vmath;
        for (size_t s = 0; s < nsp; s++) {
            const unary_case *uc = find_case(specials[s].fn);
            ZT_CHECK(uc != NULL);
            if (!uc) continue;
            /* position 0 of 37 is in the body, position 36 in the tail */
            float x[37], y[37];
            for (int i = 0; i < 37; i++) x[i] = 0.5f;
            x[0] = x[36] = specials[s].x;
            get_unary(k, uc)(37, x, y);
            for (int p = 0; p < 37; p += 36) {
                float got = y[p], want = specials[s].y;
                int ok = want != want ? got != got : (got == want || fabsf(got - want) <= 2e-7f * fabsf(want));
                if (want == 0.0f || fabsf(want) == 1e-30f || fabsf(want) == 1e-45f) ok = got == want;
                ZT_CHECK_MSG(ok, "%s %s(%.9g) = %.9g, want %.9g", zn_isa_name(isa), specials[s].fn,
                             (double)specials[s].x, (double)got, (double)want);
            }
        }
        /* signs of zero */
        float z[2] = {-0.0f, 0.0f}, t[2];
        k->tanh(2, z, t);
        ZT_CHECK(signbit(t[0]) && !signbit(t[1]) && t[0] == 0.0f && t[1] == 0.0f);
        k->relu(2, z, t);
        ZT_CHECK(!signbit(t[0]) && !signbit(t[1]));
        /* no NaN or Inf where the true value is finite, across the whole range */
        float xs[64], ys[64];
        for (int i = 0; i < 64; i++) xs[i] = (i % 2 ? -1.0f : 1.0f) * ldexpf(1.0f, 2 * i - 64 - 60 * (i % 3 == 0));
        for (size_t c = 0; c < NUNARY; c++) {
            get_unary(k, &unary_cases[c])(64, xs, ys);
            for (int i = 0; i < 64; i++) {
                int finite_expected = !(unary_cases[c].off == offsetof(zn_vmath_kernels, log) && xs[i] <= 0) &&
                                      !(unary_cases[c].off == offsetof(zn_vmath_kernels, exp) && xs[i] > 88);
                if (finite_expected)
                    ZT_CHECK_MSG(isfinite(ys[i]), "%s %s(%g) = %g", zn_isa_name(isa), unary_cases[c].name,
                                 (double)xs[i], (double)ys[i]);
            }
        }
    }
}

static void test_softmax_special(void) {
    ZT_FOR_EACH_ISA(isa) {
        const zn_vmath_kernels *k = &zn_kernels_for(isa)->vmath;
        float x[21], y[21];
        /* huge finite values: stays finite, sums to 1 */
        for (int i = 0; i < 21; i++) x[i] = i % 2 ? 3e38f : -3e38f;
        k->softmax(21, x, y);
        double s = 0;
        for (int i = 0; i < 21; i++) {
            ZT_CHECK(isfinite(y[i]));
            s += y[i];
        }
        ZT_NEAR(s, 1.0, 1e-6);
        ZT_NEAR(y[1], 0.1, 1e-7);
        ZT_CHECK(y[0] == 0.0f);
        /* +inf entries share the mass (in the body and the tail) */
        for (int i = 0; i < 21; i++) x[i] = (float)i;
        x[3] = INFINITY;
        x[20] = INFINITY;
        k->softmax(21, x, y);
        ZT_CHECK(y[3] == 0.5f && y[20] == 0.5f && y[0] == 0.0f && y[19] == 0.0f);
        /* -inf entries get 0; a NaN makes the row NaN */
        for (int i = 0; i < 21; i++) x[i] = 0.0f;
        x[4] = -INFINITY;
        k->softmax(21, x, y);
        ZT_CHECK(y[4] == 0.0f);
        ZT_NEAR(y[0], 0.05, 1e-8);
        x[17] = NAN;
        k->softmax(21, x, y);
        ZT_CHECK(isnan(y[0]) && isnan(y[17]));
        /* one element: 1 */
        x[0] = -5.0f;
        k->softmax(1, x, y);
        ZT_CHECK(y[0] == 1.0f);
    }
}

/* ---- the public API ---------------------------------------------------------------------- */

static void test_api_unary(void) {
    const zn_kernels *kt = zn_kernels_get();
    float x[19], y[19], w[19];
    zn_rng rng;
    zn_rng_seed(&rng, 3);
    zn_rng_fill_uniform(&rng, x, 19, -4, 4);
    zn_status (*const fns[])(int64_t, const float *, float *) = {zn_vrelu, zn_vsigmoid,   zn_vtanh,     zn_vexp,
                                                                 zn_vlog,  zn_vgelu_tanh, zn_vgelu_erf, zn_vsilu};
    const size_t offs[] = {offsetof(zn_vmath_kernels, relu),     offsetof(zn_vmath_kernels, sigmoid),
                           offsetof(zn_vmath_kernels, tanh),     offsetof(zn_vmath_kernels, exp),
                           offsetof(zn_vmath_kernels, log),      offsetof(zn_vmath_kernels, gelu_tanh),
                           offsetof(zn_vmath_kernels, gelu_erf), offsetof(zn_vmath_kernels, silu)};
    for (size_t f = 0; f < sizeof fns / sizeof fns[0]; f++) {
        unary_case c = {"api", offs[f], 0, 0, 0, 0};
        ZT_OK(fns[f](19, x, y));
        get_unary(&kt->vmath, &c)(19, x, w);
        ZT_CHECK(memcmp(y, w, sizeof y) == 0);
        ZT_OK(fns[f](0, NULL, NULL));
        ZT_ERR(fns[f](-1, x, y), ZN_ERR_INVALID_ARG);
        ZT_ERR(fns[f](3, NULL, y), ZN_ERR_INVALID_ARG);
        ZT_ERR(fns[f](3, x, NULL), ZN_ERR_INVALID_ARG);
    }
    ZT_OK(zn_vleaky_relu(19, 0.2f, x, y));
    for (int i = 0; i < 19; i++) ZT_CHECK(y[i] == (x[i] > 0 ? x[i] : 0.2f * x[i]));
    ZT_ERR(zn_vleaky_relu(-2, 0.2f, x, y), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vleaky_relu(2, 0.2f, NULL, y), ZN_ERR_INVALID_ARG);

    /* zn_vact: each activation matches its own entry point */
    for (int a = 0; a < ZN_ACT_COUNT; a++) {
        ZT_OK(zn_vact((zn_act)a, 0.1f, 19, x, y));
        switch ((zn_act)a) {
        case ZN_ACT_NONE: memcpy(w, x, sizeof w); break;
        case ZN_ACT_RELU: zn_vrelu(19, x, w); break;
        case ZN_ACT_LEAKY_RELU: zn_vleaky_relu(19, 0.1f, x, w); break;
        case ZN_ACT_SIGMOID: zn_vsigmoid(19, x, w); break;
        case ZN_ACT_TANH: zn_vtanh(19, x, w); break;
        case ZN_ACT_GELU_TANH: zn_vgelu_tanh(19, x, w); break;
        case ZN_ACT_GELU_ERF: zn_vgelu_erf(19, x, w); break;
        case ZN_ACT_SILU: zn_vsilu(19, x, w); break;
        case ZN_ACT_COUNT: break;
        }
        ZT_CHECK_MSG(memcmp(y, w, sizeof y) == 0, "zn_vact(%s) differs", zn_act_name((zn_act)a));
        ZT_CHECK(strcmp(zn_act_name((zn_act)a), "unknown") != 0);
        memcpy(y, x, sizeof y); /* in place */
        ZT_OK(zn_vact((zn_act)a, 0.1f, 19, y, y));
        ZT_CHECK(memcmp(y, w, sizeof y) == 0);
    }
    ZT_ERR(zn_vact(ZN_ACT_COUNT, 0, 19, x, y), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vact((zn_act)-1, 0, 19, x, y), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vact(ZN_ACT_RELU, 0, -1, x, y), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vact(ZN_ACT_RELU, 0, 5, NULL, y), ZN_ERR_INVALID_ARG);
    ZT_CHECK(strcmp(zn_act_name(ZN_ACT_COUNT), "unknown") == 0);
}

static void test_api_softmax_rows(void) {
    enum { R = 5, C = 13, LDX = 17, LDY = 20 };
    float x[R * LDX], y[R * LDY], w[C];
    zn_rng rng;
    zn_rng_seed(&rng, 11);
    zn_rng_fill_uniform(&rng, x, R * LDX, -6, 6);
    for (int i = 0; i < R * LDY; i++) y[i] = -7.0f;
    ZT_OK(zn_softmax_rows(R, C, x, LDX, y, LDY));
    const zn_vmath_kernels *k = &zn_kernels_get()->vmath;
    for (int r = 0; r < R; r++) {
        k->softmax(C, x + r * LDX, w);
        ZT_CHECK(memcmp(w, y + r * LDY, sizeof w) == 0);
        double s = 0;
        for (int c = 0; c < C; c++) s += y[r * LDY + c];
        ZT_NEAR(s, 1.0, 1e-6);
        for (int c = C; c < LDY && r * LDY + c < R * LDY; c++) ZT_CHECK(y[r * LDY + c] == -7.0f); /* gaps untouched */
    }
    ZT_OK(zn_softmax_rows(0, C, NULL, C, NULL, C));
    ZT_OK(zn_softmax_rows(R, 0, NULL, 0, NULL, 0));
    ZT_ERR(zn_softmax_rows(-1, C, x, LDX, y, LDY), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_softmax_rows(R, -1, x, LDX, y, LDY), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_softmax_rows(R, C, x, C - 1, y, LDY), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_softmax_rows(R, C, x, LDX, y, C - 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_softmax_rows(R, C, NULL, LDX, y, LDY), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_softmax_rows(R, C, x, LDX, NULL, LDY), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_softmax_rows(INT64_MAX, C, x, INT64_MAX, y, LDY), ZN_ERR_OVERFLOW);
    /* in place with equal strides */
    float z[R * LDX];
    memcpy(z, x, sizeof z);
    ZT_OK(zn_softmax_rows(R, C, z, LDX, z, LDX));
    for (int r = 0; r < R; r++) ZT_CHECK(memcmp(z + r * LDX, y + r * LDY, C * sizeof(float)) == 0);
}

static void test_api_reductions(void) {
    float x[23], y[23], out = -1.0f;
    for (int i = 0; i < 23; i++) {
        x[i] = (float)(i - 11);
        y[i] = 0.5f;
    }
    ZT_OK(zn_vsum(23, x, &out));
    ZT_CHECK(out == 0.0f);
    ZT_OK(zn_vmax(23, x, &out));
    ZT_CHECK(out == 11.0f);
    ZT_OK(zn_vdot(23, x, y, &out));
    ZT_CHECK(out == 0.0f);
    ZT_OK(zn_vnorm2(2, (const float[]){3.0f, 4.0f}, &out));
    ZT_CHECK(out == 5.0f);
    ZT_OK(zn_vsum(0, NULL, &out));
    ZT_CHECK(out == 0.0f);
    ZT_OK(zn_vmax(0, NULL, &out));
    ZT_CHECK(out == -INFINITY);
    ZT_ERR(zn_vsum(23, x, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vmax(23, x, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vnorm2(23, x, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vdot(23, x, y, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vdot(23, x, NULL, &out), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vsum(-1, x, &out), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vsum(3, NULL, &out), ZN_ERR_INVALID_ARG);

    ZT_OK(zn_vscale(23, 2.0f, x, y));
    for (int i = 0; i < 23; i++) ZT_CHECK(y[i] == 2.0f * x[i]);
    ZT_OK(zn_vaxpy(23, -2.0f, x, y));
    for (int i = 0; i < 23; i++) ZT_CHECK(y[i] == 0.0f);
    ZT_ERR(zn_vaxpy(-1, 1.0f, x, y), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vaxpy(3, 1.0f, x, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_vscale(3, 1.0f, NULL, y), ZN_ERR_INVALID_ARG);
}

/* Evaluation's error sums: every ISA gives the reference's bits (sums by
 * element % 8, NaN kept, a zero limit counting every element, tails). */
static void test_err_sums(void) {
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    zn_rng r;
    zn_rng_seed(&r, 31);
    float p[67], t[67];
    zn_rng_fill_uniform(&r, p, 67, -1.5f, 1.5f);
    zn_rng_fill_uniform(&r, t, 67, -1, 1);
    p[9] = NAN;
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t n = 0; n <= 67; n++)
            for (int l = 0; l < 2; l++) {
                const float limit = l ? 0.35f : 0.0f;
                const size_t from = n > 20 ? 10 : 0; /* past the NaN for most sizes */
                double se[2][8], ae[2][8];
                int64_t fails[2] = {3, 3};
                for (int k = 0; k < 8; k++) se[0][k] = se[1][k] = ae[0][k] = ae[1][k] = 0.25 * k;
                ref->vmath.err_sums(n - from, p + from, t + from, limit, se[0], ae[0], &fails[0]);
                kt->vmath.err_sums(n - from, p + from, t + from, limit, se[1], ae[1], &fails[1]);
                ZT_CHECK_MSG(!memcmp(se[0], se[1], sizeof se[0]) && !memcmp(ae[0], ae[1], sizeof ae[0]) &&
                                 fails[0] == fails[1],
                             "err_sums %s n=%zu limit %g: other sums or %lld fails against %lld", zn_isa_name(isa),
                             n - from, (double)limit, (long long)fails[1], (long long)fails[0]);
                if (!l) ZT_CHECK(fails[0] == 3 + (int64_t)(n - from) - (from == 0 && n > 9)); /* NaN never fails */
            }
    }
}

int main(void) {
    ZT_RUN(test_unary_vs_ref);
    ZT_RUN(test_other_vs_ref);
    ZT_RUN(test_err_sums);
    ZT_RUN(test_reductions);
    ZT_RUN(test_special_values);
    ZT_RUN(test_softmax_special);
    ZT_RUN(test_api_unary);
    ZT_RUN(test_api_softmax_rows);
    ZT_RUN(test_api_reductions);
    return zt_finish();
}
