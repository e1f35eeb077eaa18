/* AVX2+FMA vector math: 8 floats per step. The last n % 8 floats go through
 * a padded copy on the stack, so the tail uses the same vector code (and so
 * the same results) as the body; any n and alignment work, y == x too. The
 * formulas and coefficients match the AVX-512 kernels (kernels/vmath_consts.h). */
#include <float.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/vmath_consts.h"
#include "kernels/vmath_kernels.h"

#include "kernels/avx2/vmath_avx2_inl.h"

/* -FLT_MAX for -inf (NaN kept), so x * sigmoid(x) -> -0, not -inf * 0. */
static inline __m256 clamp_ninf8(__m256 x) { return _mm256_max_ps(K(-FLT_MAX), x); }

static inline __m256 silu8(__m256 x) {
    x = clamp_ninf8(x);
    return _mm256_mul_ps(x, sigmoid8(x));
}

static inline __m256 gelu_tanh8(__m256 x) {
    x = clamp_ninf8(x);
    __m256 z = _mm256_mul_ps(x, _mm256_fmadd_ps(K(ZN_GELU_B), _mm256_mul_ps(x, x), K(ZN_GELU_A)));
    return _mm256_mul_ps(x, sigmoid8(z));
}

static inline __m256 tanh8(__m256 x) {
    __m256 a = abs8(x);
    /* small |x|: odd polynomial, on a = |x| */
    __m256 x2 = _mm256_mul_ps(a, a);
    __m256 p = _mm256_fmadd_ps(K(ZN_TANH_P6), x2, K(ZN_TANH_P5));
    p = _mm256_fmadd_ps(p, x2, K(ZN_TANH_P4));
    p = _mm256_fmadd_ps(p, x2, K(ZN_TANH_P3));
    p = _mm256_fmadd_ps(p, x2, K(ZN_TANH_P2));
    p = _mm256_fmadd_ps(p, x2, K(ZN_TANH_P1));
    p = _mm256_fmadd_ps(p, x2, K(ZN_TANH_P0));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(a, x2), p, a);
    /* large |x|: 1 - 2 / (exp(2|x|) + 1), degree-5 exp (its error is damped
     * by 2 / (e + 1) <= 0.29) */
    __m256 t = _mm256_min_ps(K(ZN_TANH_CLAMP), _mm256_add_ps(a, a));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(t, K(ZN_EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, K(ZN_EXP_LN2_HI), t);
    r = _mm256_fnmadd_ps(n, K(ZN_EXP_LN2_LO), r);
    __m256 q = _mm256_fmadd_ps(K(ZN_EXP5_C5), r, K(ZN_EXP5_C4));
    q = _mm256_fmadd_ps(q, r, K(ZN_EXP5_C3));
    q = _mm256_fmadd_ps(q, r, K(ZN_EXP5_C2));
    q = _mm256_fmadd_ps(q, r, K(ZN_EXP5_C1));
    q = _mm256_fmadd_ps(q, r, K(1.0f));
    __m256 e = scale2n8(q, n);
    __m256 big = _mm256_sub_ps(K(1.0f), _mm256_div_ps(K(2.0f), _mm256_add_ps(e, K(1.0f))));
    __m256 y = _mm256_blendv_ps(big, small, _mm256_cmp_ps(a, K(ZN_TANH_SMALL), _CMP_LT_OQ));
    return _mm256_or_ps(y, _mm256_and_ps(x, K(-0.0f))); /* sign of x, also for -0 */
}

static inline __m256 log8(__m256 x) {
    /* subnormals: scale by 2^23 first */
    __m256 sub = _mm256_cmp_ps(x, K(FLT_MIN), _CMP_LT_OQ);
    __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, K(0x1p23f)), sub);
    /* x = 2^e m, m in [0.75, 1.5): subtract the bits of 0.75, split */
    __m256i i = _mm256_sub_epi32(_mm256_castps_si256(xs), KI(ZN_LOG_075_BITS));
    __m256 e = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_srai_epi32(i, 23)), _mm256_and_ps(sub, K(23.0f)));
    __m256 m = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_and_si256(i, KI(0x7fffff)), KI(ZN_LOG_075_BITS)));
    __m256 f = _mm256_sub_ps(m, K(1.0f));
    __m256 q = _mm256_fmadd_ps(K(ZN_LOG_C10), f, K(ZN_LOG_C9));
    q = _mm256_fmadd_ps(q, f, K(ZN_LOG_C8));
    q = _mm256_fmadd_ps(q, f, K(ZN_LOG_C7));
    q = _mm256_fmadd_ps(q, f, K(ZN_LOG_C6));
    q = _mm256_fmadd_ps(q, f, K(ZN_LOG_C5));
    q = _mm256_fmadd_ps(q, f, K(ZN_LOG_C4));
    q = _mm256_fmadd_ps(q, f, K(ZN_LOG_C3));
    q = _mm256_fmadd_ps(q, f, K(ZN_LOG_C2));
    __m256 s = _mm256_fmadd_ps(_mm256_mul_ps(f, f), q, _mm256_mul_ps(e, K(ZN_EXP_LN2_LO)));
    __m256 y = _mm256_fmadd_ps(e, K(ZN_EXP_LN2_HI), _mm256_add_ps(s, f));
    /* special values: x < 0 or NaN -> NaN, 0 -> -inf, +inf -> +inf */
    y = _mm256_blendv_ps(y, K(NAN), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NGE_UQ));
    y = _mm256_blendv_ps(y, K(-INFINITY), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
    y = _mm256_blendv_ps(y, K(INFINITY), _mm256_cmp_ps(x, K(INFINITY), _CMP_EQ_OQ));
    return y;
}

static inline __m256 gelu_erf8(__m256 x) {
    x = clamp_ninf8(x);
    __m256 a = _mm256_min_ps(K(ZN_PHI_AMAX), abs8(x));
    __m256 num = _mm256_fmadd_ps(K(ZN_PHI_N5), a, K(ZN_PHI_N4));
    num = _mm256_fmadd_ps(num, a, K(ZN_PHI_N3));
    num = _mm256_fmadd_ps(num, a, K(ZN_PHI_N2));
    num = _mm256_fmadd_ps(num, a, K(ZN_PHI_N1));
    num = _mm256_fmadd_ps(num, a, K(ZN_PHI_N0));
    __m256 den = _mm256_fmadd_ps(K(ZN_PHI_D6), a, K(ZN_PHI_D5));
    den = _mm256_fmadd_ps(den, a, K(ZN_PHI_D4));
    den = _mm256_fmadd_ps(den, a, K(ZN_PHI_D3));
    den = _mm256_fmadd_ps(den, a, K(ZN_PHI_D2));
    den = _mm256_fmadd_ps(den, a, K(ZN_PHI_D1));
    den = _mm256_fmadd_ps(den, a, K(1.0f));
    /* exp(-a^2/2) with a^2 = h + l exactly: exp(-h/2) (1 - l/2) */
    __m256 h = _mm256_mul_ps(a, a);
    __m256 l = _mm256_fmsub_ps(a, a, h);
    __m256 g = exp_core8(_mm256_max_ps(K(ZN_EXP_LO), _mm256_mul_ps(h, K(-0.5f))));
    g = _mm256_fnmadd_ps(g, _mm256_mul_ps(l, K(0.5f)), g);
    __m256 q = _mm256_div_ps(_mm256_mul_ps(g, num), den); /* 0.5 erfc(a / sqrt 2) */
    __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_mul_ps(x, _mm256_blendv_ps(_mm256_sub_ps(K(1.0f), q), q, neg));
}

/* relu keeps NaN (x > 0 or unordered keeps x) and gives +0 for -0, as ref. */
static inline __m256 relu8(__m256 x) { return _mm256_and_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NLE_UQ), x); }

/* Two vectors per step, then one, then the padded tail. */
#define UNARY8(name, vf)                                                                                               \
    static void name(size_t n, const float *x, float *y) {                                                             \
        size_t i = 0;                                                                                                  \
        for (; i + 16 <= n; i += 16) {                                                                                 \
            __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);                                         \
            a = vf(a);                                                                                                 \
            b = vf(b);                                                                                                 \
            _mm256_storeu_ps(y + i, a);                                                                                \
            _mm256_storeu_ps(y + i + 8, b);                                                                            \
        }                                                                                                              \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, vf(_mm256_loadu_ps(x + i)));                                \
        if (i < n) {                                                                                                   \
            float buf[8] = {0};                                                                                        \
            memcpy(buf, x + i, (n - i) * sizeof *buf);                                                                 \
            _mm256_storeu_ps(buf, vf(_mm256_loadu_ps(buf)));                                                           \
            memcpy(y + i, buf, (n - i) * sizeof *buf);                                                                 \
        }                                                                                                              \
    }

UNARY8(relu_avx2, relu8)
UNARY8(sigmoid_avx2, sigmoid8)
UNARY8(tanh_avx2, tanh8)
UNARY8(exp_avx2, exp8)
UNARY8(log_avx2, log8)
UNARY8(gelu_tanh_avx2, gelu_tanh8)
UNARY8(gelu_erf_avx2, gelu_erf8)
UNARY8(silu_avx2, silu8)

static void leaky_relu_avx2(size_t n, float alpha, const float *x, float *y) {
    __m256 al = K(alpha);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 pos = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ);
        _mm256_storeu_ps(y + i, _mm256_blendv_ps(_mm256_mul_ps(al, v), v, pos));
    }
    for (; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
}

/* ---- reductions: accumulate in double, in a fixed order ------------------ */

static inline __m256d lo4(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
static inline __m256d hi4(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }

static inline double hsum4(__m256d v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

static float sum_avx2(size_t n, const float *x) {
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        s0 = _mm256_add_pd(s0, lo4(a));
        s1 = _mm256_add_pd(s1, hi4(a));
        s2 = _mm256_add_pd(s2, lo4(b));
        s3 = _mm256_add_pd(s3, hi4(b));
    }
    double s = hsum4(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
    for (; i < n; i++) s += x[i];
    return (float)s;
}

static double dot_d(size_t n, const float *x, const float *y) {
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        __m256 c = _mm256_loadu_ps(y + i), d = _mm256_loadu_ps(y + i + 8);
        s0 = _mm256_fmadd_pd(lo4(a), lo4(c), s0);
        s1 = _mm256_fmadd_pd(hi4(a), hi4(c), s1);
        s2 = _mm256_fmadd_pd(lo4(b), lo4(d), s2);
        s3 = _mm256_fmadd_pd(hi4(b), hi4(d), s3);
    }
    double s = hsum4(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
    for (; i < n; i++) s += (double)x[i] * y[i];
    return s;
}

static float dot_avx2(size_t n, const float *x, const float *y) { return (float)dot_d(n, x, y); }

/* Squares of finite floats and their sum stay far inside double's range. */
static float norm2_avx2(size_t n, const float *x) { return (float)sqrt(dot_d(n, x, x)); }

static float max_avx2(size_t n, const float *x) {
    __m256 m0 = K(-INFINITY), m1 = m0, nan = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
        m0 = _mm256_max_ps(m0, a);
        m1 = _mm256_max_ps(m1, b);
    }
    if (_mm256_movemask_ps(nan)) return NAN;
    float lanes[8];
    _mm256_storeu_ps(lanes, _mm256_max_ps(m0, m1));
    float m = lanes[0];
    for (int j = 1; j < 8; j++) m = lanes[j] > m ? lanes[j] : m;
    for (; i < n; i++) {
        if (x[i] != x[i]) return NAN;
        m = x[i] > m ? x[i] : m;
    }
    return m;
}

static void axpy_avx2(size_t n, float alpha, const float *x, float *y) {
    __m256 al = K(alpha);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(al, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] = fmaf(alpha, x[i], y[i]);
}

static void scale_avx2(size_t n, float alpha, const float *x, float *y) {
    __m256 al = K(alpha);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(al, _mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = alpha * x[i];
}

static void add_bias_avx2(size_t n, const float *bias, float *y) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(bias + i)));
    for (; i < n; i++) y[i] += bias[i];
}

/* ---- softmax ----------------------------------------------------------------- */

/* A row whose max is +inf: the limit puts equal mass on the +inf entries and
 * 0 elsewhere; a NaN anywhere makes the row NaN, as on the finite path. */
static void softmax_inf_row(size_t n, const float *x, float *y) {
    size_t count = 0, nans = 0;
    for (size_t i = 0; i < n; i++) {
        count += x[i] == INFINITY;
        nans += x[i] != x[i];
    }
    float w = nans ? NAN : 1.0f / (float)count, z = nans ? NAN : 0.0f;
    for (size_t i = 0; i < n; i++) y[i] = x[i] == INFINITY ? w : z;
}

static void softmax_avx2(size_t n, const float *x, float *y) {
    float mx = max_avx2(n, x);
    if (mx == INFINITY) {
        softmax_inf_row(n, x, y);
        return;
    }
    if (mx == -INFINITY) mx = 0.0f; /* all -inf: 0/0 = NaN, as ref */
    __m256 vm = K(mx);
    __m256d s0 = _mm256_setzero_pd(), s1 = s0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
        _mm256_storeu_ps(y + i, e);
        s0 = _mm256_add_pd(s0, lo4(e));
        s1 = _mm256_add_pd(s1, hi4(e));
    }
    if (i < n) { /* pad with -inf: exp gives 0 there */
        float buf[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
        memcpy(buf, x + i, (n - i) * sizeof *buf);
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(buf), vm));
        _mm256_storeu_ps(buf, e);
        memcpy(y + i, buf, (n - i) * sizeof *buf);
        s0 = _mm256_add_pd(s0, lo4(e));
        s1 = _mm256_add_pd(s1, hi4(e));
    }
    float inv = (float)(1.0 / hsum4(_mm256_add_pd(s0, s1)));
    scale_avx2(n, inv, y, y);
}

/* Eight doubles a step in two halves: lanes k of lo and hi hold sums k and
 * k + 4. Lanes past n load zeros, which leave the sums' bits as they were,
 * and are kept out of the count. */
static void err_sums_avx2(size_t n, const float *p, const float *t, float limit, double *se, double *ae,
                          int64_t *fails) {
    __m256d s0 = _mm256_loadu_pd(se), s1 = _mm256_loadu_pd(se + 4);
    __m256d a0 = _mm256_loadu_pd(ae), a1 = _mm256_loadu_pd(ae + 4);
    const __m256d lim = _mm256_set1_pd((double)limit), sign = _mm256_set1_pd(-0.0);
    int64_t f = 0;
    for (size_t i = 0; i < n; i += 8) {
        const size_t r = n - i >= 8 ? 8 : n - i;
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        const __m256 pv = _mm256_maskload_ps(p + i, m), tv = _mm256_maskload_ps(t + i, m);
        const __m256d d0 =
            _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(pv)), _mm256_cvtps_pd(_mm256_castps256_ps128(tv)));
        const __m256d d1 =
            _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(pv, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(tv, 1)));
        const __m256d ad0 = _mm256_andnot_pd(sign, d0), ad1 = _mm256_andnot_pd(sign, d1);
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(d0, d0));
        s1 = _mm256_add_pd(s1, _mm256_mul_pd(d1, d1));
        a0 = _mm256_add_pd(a0, ad0);
        a1 = _mm256_add_pd(a1, ad1);
        const unsigned ge = (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(ad0, lim, _CMP_GE_OQ)) |
                            (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(ad1, lim, _CMP_GE_OQ)) << 4;
        f += __builtin_popcount(ge & ((1u << r) - 1u));
    }
    _mm256_storeu_pd(se, s0);
    _mm256_storeu_pd(se + 4, s1);
    _mm256_storeu_pd(ae, a0);
    _mm256_storeu_pd(ae + 4, a1);
    *fails += f;
}

void zn_vmath_init_avx2(zn_vmath_kernels *k) {
    k->relu = relu_avx2;
    k->leaky_relu = leaky_relu_avx2;
    k->sigmoid = sigmoid_avx2;
    k->tanh = tanh_avx2;
    k->exp = exp_avx2;
    k->log = log_avx2;
    k->gelu_tanh = gelu_tanh_avx2;
    k->gelu_erf = gelu_erf_avx2;
    k->silu = silu_avx2;
    k->softmax = softmax_avx2;
    k->sum = sum_avx2;
    k->max = max_avx2;
    k->norm2 = norm2_avx2;
    k->dot = dot_avx2;
    k->axpy = axpy_avx2;
    k->err_sums = err_sums_avx2;
    k->scale = scale_avx2;
    k->add_bias = add_bias_avx2;
}
