/* AVX-512 vector math: 16 floats per step, a masked load and store for the
 * tail, so any n and any alignment work and y == x is allowed. The range
 * reductions and coefficients are described in kernels/vmath_consts.h; the
 * AVX2 file computes the same formulas 8 floats at a time. */
#include <float.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#include "kernels/vmath_consts.h"
#include "kernels/vmath_kernels.h"

#include "kernels/avx512/vmath_avx512_inl.h"

/* -FLT_MAX for -inf (NaN kept), so x * sigmoid(x) -> -0, not -inf * 0. */
static inline __m512 clamp_ninf16(__m512 x) { return _mm512_max_ps(K(-FLT_MAX), x); }

static inline __m512 silu16(__m512 x) {
    x = clamp_ninf16(x);
    return _mm512_mul_ps(x, sigmoid16(x));
}

static inline __m512 gelu_tanh16(__m512 x) {
    x = clamp_ninf16(x);
    __m512 z = _mm512_mul_ps(x, _mm512_fmadd_ps(K(ZN_GELU_B), _mm512_mul_ps(x, x), K(ZN_GELU_A)));
    return _mm512_mul_ps(x, sigmoid16(z));
}

static inline __m512 gelu_erf16(__m512 x) {
    x = clamp_ninf16(x);
    __m512 a = _mm512_min_ps(K(ZN_PHI_AMAX), _mm512_abs_ps(x));
    __m512 num = _mm512_fmadd_ps(K(ZN_PHI_N5), a, K(ZN_PHI_N4));
    num = _mm512_fmadd_ps(num, a, K(ZN_PHI_N3));
    num = _mm512_fmadd_ps(num, a, K(ZN_PHI_N2));
    num = _mm512_fmadd_ps(num, a, K(ZN_PHI_N1));
    num = _mm512_fmadd_ps(num, a, K(ZN_PHI_N0));
    __m512 den = _mm512_fmadd_ps(K(ZN_PHI_D6), a, K(ZN_PHI_D5));
    den = _mm512_fmadd_ps(den, a, K(ZN_PHI_D4));
    den = _mm512_fmadd_ps(den, a, K(ZN_PHI_D3));
    den = _mm512_fmadd_ps(den, a, K(ZN_PHI_D2));
    den = _mm512_fmadd_ps(den, a, K(ZN_PHI_D1));
    den = _mm512_fmadd_ps(den, a, K(1.0f));
    /* exp(-a^2/2) with a^2 = h + l exactly: exp(-h/2) (1 - l/2) */
    __m512 h = _mm512_mul_ps(a, a);
    __m512 l = _mm512_fmsub_ps(a, a, h);
    __m512 g = exp_core16(_mm512_max_ps(K(ZN_EXP_LO), _mm512_mul_ps(h, K(-0.5f))));
    g = _mm512_fnmadd_ps(g, _mm512_mul_ps(l, K(0.5f)), g);
    __m512 q = div16(_mm512_mul_ps(g, num), den); /* 0.5 erfc(a / sqrt 2) */
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 phi = _mm512_mask_blend_ps(neg, _mm512_sub_ps(K(1.0f), q), q);
    return _mm512_mul_ps(x, phi);
}

/* relu keeps NaN (x > 0 or unordered keeps x) and gives +0 for -0, as ref. */
static inline __m512 relu16(__m512 x) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NLE_UQ), x);
}

/* The loop for a unary kernel: two vectors per step for overlap, then one,
 * then a masked tail (masked loads do not fault past the end). */
#define UNARY512(name, vf)                                                                                             \
    static void name(size_t n, const float *x, float *y) {                                                             \
        size_t i = 0;                                                                                                  \
        for (; i + 32 <= n; i += 32) {                                                                                 \
            __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);                                        \
            a = vf(a);                                                                                                 \
            b = vf(b);                                                                                                 \
            _mm512_storeu_ps(y + i, a);                                                                                \
            _mm512_storeu_ps(y + i + 16, b);                                                                           \
        }                                                                                                              \
        for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, vf(_mm512_loadu_ps(x + i)));                              \
        if (i < n) {                                                                                                   \
            __mmask16 m = tail_mask(n - i);                                                                            \
            _mm512_mask_storeu_ps(y + i, m, vf(_mm512_maskz_loadu_ps(m, x + i)));                                      \
        }                                                                                                              \
    }

UNARY512(sigmoid_avx512, sigmoid16)
UNARY512(tanh_avx512, tanh16)
UNARY512(exp_avx512, exp16)
UNARY512(log_avx512, log16)
UNARY512(gelu_tanh_avx512, gelu_tanh16)
UNARY512(gelu_erf_avx512, gelu_erf16)
UNARY512(silu_avx512, silu16)

/* Streaming stores pay off only when the output is far larger than the
 * caches; below this the plain loop wins (measured on 12.5M floats). */
#define ZN_NT_MIN_FLOATS ((size_t)4 << 20)

static void relu_avx512(size_t n, const float *x, float *y) {
    size_t i = 0;
    if (n >= ZN_NT_MIN_FLOATS && x != y) {
        /* align y to 64 bytes, then stream */
        size_t head = ((64 - ((uintptr_t)y & 63)) & 63) / sizeof(float);
        if (((uintptr_t)y & 3) == 0 && head < n) {
            if (head) {
                __mmask16 m = tail_mask(head);
                _mm512_mask_storeu_ps(y, m, relu16(_mm512_maskz_loadu_ps(m, x)));
            }
            for (i = head; i + 16 <= n; i += 16) _mm512_stream_ps(y + i, relu16(_mm512_loadu_ps(x + i)));
            _mm_sfence();
        }
    }
    for (; i + 64 <= n; i += 64) {
        __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
        __m512 c = _mm512_loadu_ps(x + i + 32), d = _mm512_loadu_ps(x + i + 48);
        _mm512_storeu_ps(y + i, relu16(a));
        _mm512_storeu_ps(y + i + 16, relu16(b));
        _mm512_storeu_ps(y + i + 32, relu16(c));
        _mm512_storeu_ps(y + i + 48, relu16(d));
    }
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, relu16(_mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, relu16(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

static inline __m512 leaky16(__m512 x, __m512 alpha) {
    __mmask16 pos = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
    return _mm512_mask_blend_ps(pos, _mm512_mul_ps(alpha, x), x);
}

static void leaky_relu_avx512(size_t n, float alpha, const float *x, float *y) {
    __m512 al = K(alpha);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, leaky16(_mm512_loadu_ps(x + i), al));
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, leaky16(_mm512_maskz_loadu_ps(m, x + i), al));
    }
}

/* ---- reductions: accumulate in double, in a fixed order ------------------ */

static inline __m512d lo8(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
static inline __m512d hi8(__m512 v) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)); }

static float sum_avx512(size_t n, const float *x) {
    __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
        s0 = _mm512_add_pd(s0, lo8(a));
        s1 = _mm512_add_pd(s1, hi8(a));
        s2 = _mm512_add_pd(s2, lo8(b));
        s3 = _mm512_add_pd(s3, hi8(b));
    }
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
        __m512 a = _mm512_maskz_loadu_ps(m, x + i);
        s0 = _mm512_add_pd(s0, lo8(a));
        s1 = _mm512_add_pd(s1, hi8(a));
    }
    return (float)_mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
}

static double dot_d(size_t n, const float *x, const float *y) {
    __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
        __m512 c = _mm512_loadu_ps(y + i), d = _mm512_loadu_ps(y + i + 16);
        s0 = _mm512_fmadd_pd(lo8(a), lo8(c), s0);
        s1 = _mm512_fmadd_pd(hi8(a), hi8(c), s1);
        s2 = _mm512_fmadd_pd(lo8(b), lo8(d), s2);
        s3 = _mm512_fmadd_pd(hi8(b), hi8(d), s3);
    }
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
        __m512 a = _mm512_maskz_loadu_ps(m, x + i), c = _mm512_maskz_loadu_ps(m, y + i);
        s0 = _mm512_fmadd_pd(lo8(a), lo8(c), s0);
        s1 = _mm512_fmadd_pd(hi8(a), hi8(c), s1);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3)));
}

static float dot_avx512(size_t n, const float *x, const float *y) { return (float)dot_d(n, x, y); }

/* Squares of finite floats and their sum stay far inside double's range. */
static float norm2_avx512(size_t n, const float *x) { return (float)sqrt(dot_d(n, x, x)); }

static float max_avx512(size_t n, const float *x) {
    __m512 m0 = K(-INFINITY), m1 = m0;
    __mmask16 nan = 0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
        nan |= _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q);
        m0 = _mm512_max_ps(m0, a);
        m1 = _mm512_max_ps(m1, b);
    }
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
        __m512 a = _mm512_mask_loadu_ps(K(-INFINITY), m, x + i);
        nan |= _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q);
        m0 = _mm512_max_ps(m0, a);
    }
    if (nan) return NAN;
    return _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
}

/* Eight doubles a step: lane k holds sums k. Lanes past n add zeros,
 * which leave the sums' bits as they were, and are kept out of the count. */
static void err_sums_avx512(size_t n, const float *p, const float *t, float limit, double *se, double *ae,
                            int64_t *fails) {
    __m512d s = _mm512_loadu_pd(se), a = _mm512_loadu_pd(ae);
    const __m512d lim = _mm512_set1_pd((double)limit);
    int64_t f = 0;
    for (size_t i = 0; i < n; i += 8) {
        const __mmask8 m = n - i >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (n - i)) - 1u);
        const __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, p + i)),
                                        _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, t + i)));
        const __m512d ad = _mm512_abs_pd(d);
        s = _mm512_add_pd(s, _mm512_mul_pd(d, d));
        a = _mm512_add_pd(a, ad);
        f += __builtin_popcount((unsigned)_mm512_mask_cmp_pd_mask(m, ad, lim, _CMP_GE_OQ));
    }
    _mm512_storeu_pd(se, s);
    _mm512_storeu_pd(ae, a);
    *fails += f;
}

static void axpy_avx512(size_t n, float alpha, const float *x, float *y) {
    __m512 al = K(alpha);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(al, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        __m512 v = _mm512_fmadd_ps(al, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i));
        _mm512_mask_storeu_ps(y + i, m, v);
    }
}

static void scale_avx512(size_t n, float alpha, const float *x, float *y) {
    __m512 al = K(alpha);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(al, _mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(al, _mm512_maskz_loadu_ps(m, x + i)));
    }
}

static void add_bias_avx512(size_t n, const float *bias, float *y) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(y + i), _mm512_loadu_ps(bias + i)));
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + i), _mm512_maskz_loadu_ps(m, bias + i));
        _mm512_mask_storeu_ps(y + i, m, v);
    }
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

static void softmax_avx512(size_t n, const float *x, float *y) {
    float mx = max_avx512(n, x);
    if (mx == INFINITY) {
        softmax_inf_row(n, x, y);
        return;
    }
    if (mx == -INFINITY) mx = 0.0f; /* all -inf: 0/0 = NaN, as ref */
    __m512 vm = K(mx);
    __m512d s0 = _mm512_setzero_pd(), s1 = s0;
    size_t i = 0;
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
        __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vm));
        e = _mm512_maskz_mov_ps(m, e);
        _mm512_mask_storeu_ps(y + i, m, e);
        s0 = _mm512_add_pd(s0, lo8(e));
        s1 = _mm512_add_pd(s1, hi8(e));
    }
    __m512 inv = K((float)(1.0 / _mm512_reduce_add_pd(_mm512_add_pd(s0, s1))));
    for (i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + i), inv));
    }
}

void zn_vmath_init_avx512(zn_vmath_kernels *k) {
    k->relu = relu_avx512;
    k->leaky_relu = leaky_relu_avx512;
    k->sigmoid = sigmoid_avx512;
    k->tanh = tanh_avx512;
    k->exp = exp_avx512;
    k->log = log_avx512;
    k->gelu_tanh = gelu_tanh_avx512;
    k->gelu_erf = gelu_erf_avx512;
    k->silu = silu_avx512;
    k->softmax = softmax_avx512;
    k->sum = sum_avx512;
    k->max = max_avx512;
    k->norm2 = norm2_avx512;
    k->dot = dot_avx512;
    k->axpy = axpy_avx512;
    k->err_sums = err_sums_avx512;
    k->scale = scale_avx512;
    k->add_bias = add_bias_avx512;
}
