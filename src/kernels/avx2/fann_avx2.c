/* AVX2 FANN layer steps: 8 floats per step, masked loads and stores for
 * each row's tail (rows of a FANN layer are often 3 to 20 wide). */
#include <immintrin.h>

#include "kernels/fann_kernels.h"

/* Lanes below r (0..7) set. */
static inline __m256i tail_mask(size_t r) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* dw is a product and a sum, each rounded, as libfann computes it. */
static inline __m256 update8(__m256 te, __m256 vm, __m256 x, __m256 d) {
    return _mm256_add_ps(_mm256_mul_ps(te, x), _mm256_mul_ps(vm, d));
}

/* Row by row, a masked tail per row; the next row's first vector is
 * loaded before the previous tail is stored, as a load overlapping a pending
 * masked store waits for it (see the AVX-512 version). */
static void update_inc_avx2(size_t k, size_t n, float *w, float *d, const float *e, const float *x, float lr,
                            float mom) {
    if (!k || !n) return;
    const __m256 vm = _mm256_set1_ps(mom);
    const size_t body = n & ~(size_t)7;
    const __m256i m = tail_mask(n - body), m0 = body ? _mm256_set1_epi32(-1) : m;
    const int has_tail = body < n;
    const __m256 x0 = _mm256_maskload_ps(x, m0), xt = _mm256_maskload_ps(x + body, m);
    __m256 tw = _mm256_setzero_ps(), td = tw; /* the previous row's tail, to store */
    float *tw_at = NULL, *td_at = NULL;
    for (size_t i = 0; i < k; i++, w += n, d += n) {
        const __m256 te = _mm256_set1_ps(e[i] * lr);
        __m256 w0 = _mm256_maskload_ps(w, m0), d0 = _mm256_maskload_ps(d, m0);
        if (tw_at) {
            _mm256_maskstore_ps(tw_at, m, tw);
            _mm256_maskstore_ps(td_at, m, td);
        }
        __m256 dw = update8(te, vm, x0, d0);
        if (!body) { /* the row is its own tail */
            tw = _mm256_add_ps(w0, dw);
            td = dw;
            tw_at = w;
            td_at = d;
            continue;
        }
        _mm256_storeu_ps(w, _mm256_add_ps(w0, dw));
        _mm256_storeu_ps(d, dw);
        for (size_t j = 8; j < body; j += 8) {
            dw = update8(te, vm, _mm256_loadu_ps(x + j), _mm256_loadu_ps(d + j));
            _mm256_storeu_ps(w + j, _mm256_add_ps(_mm256_loadu_ps(w + j), dw));
            _mm256_storeu_ps(d + j, dw);
        }
        tw_at = td_at = NULL;
        if (has_tail) {
            dw = update8(te, vm, xt, _mm256_maskload_ps(d + body, m));
            tw = _mm256_add_ps(_mm256_maskload_ps(w + body, m), dw);
            td = dw;
            tw_at = w + body;
            td_at = d + body;
        }
    }
    if (tw_at) {
        _mm256_maskstore_ps(tw_at, m, tw);
        _mm256_maskstore_ps(td_at, m, td);
    }
}

static inline float hsum8(__m256 a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float limit(float a, float st, float max_sum) {
    a *= st;
    return a > max_sum ? max_sum : (a < -max_sum ? -max_sum : a);
}

/* Four rows at a time share each load of x. */
static void dense_sums_avx2(size_t k, size_t n, const float *w, const float *x, float st, float max_sum, float *s) {
    const size_t body = n & ~(size_t)7;
    const __m256i m = tail_mask(n - body);
    const int tail = body < n;
    const __m256 xt = tail ? _mm256_maskload_ps(x + body, m) : _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 4 <= k; i += 4, w += 4 * n) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < body; j += 8) {
            __m256 xv = _mm256_loadu_ps(x + j);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), xv, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + n + j), xv, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + 2 * n + j), xv, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + 3 * n + j), xv, a3);
        }
        if (tail) {
            a0 = _mm256_fmadd_ps(_mm256_maskload_ps(w + body, m), xt, a0);
            a1 = _mm256_fmadd_ps(_mm256_maskload_ps(w + n + body, m), xt, a1);
            a2 = _mm256_fmadd_ps(_mm256_maskload_ps(w + 2 * n + body, m), xt, a2);
            a3 = _mm256_fmadd_ps(_mm256_maskload_ps(w + 3 * n + body, m), xt, a3);
        }
        s[i] = limit(hsum8(a0), st, max_sum);
        s[i + 1] = limit(hsum8(a1), st, max_sum);
        s[i + 2] = limit(hsum8(a2), st, max_sum);
        s[i + 3] = limit(hsum8(a3), st, max_sum);
    }
    for (; i < k; i++, w += n) {
        __m256 a = _mm256_setzero_ps();
        for (size_t j = 0; j < body; j += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(x + j), a);
        if (tail) a = _mm256_fmadd_ps(_mm256_maskload_ps(w + body, m), xt, a);
        s[i] = limit(hsum8(a), st, max_sum);
    }
}

/* The derivative factor of 8 values; min/max keep a NaN (operand order). */
static inline __m256 deriv8(__m256 y, __m256 st, __m256 lo, __m256 hi, int symmetric) {
    const __m256 one = _mm256_set1_ps(1.0f);
    y = _mm256_max_ps(lo, _mm256_min_ps(hi, y));
    if (symmetric) return _mm256_mul_ps(st, _mm256_sub_ps(one, _mm256_mul_ps(y, y)));
    return _mm256_mul_ps(_mm256_mul_ps(st, y), _mm256_sub_ps(one, y)); /* st holds 2 st */
}

static void mul_deriv_avx2(size_t rows, size_t k, size_t ld, const float *v, float *e, float st, int symmetric) {
    const __m256 vst = _mm256_set1_ps(symmetric ? st : 2.0f * st);
    const __m256 lo = _mm256_set1_ps(symmetric ? -0.98f : 0.01f), hi = _mm256_set1_ps(symmetric ? 0.98f : 0.99f);
    const size_t body = k & ~(size_t)7;
    const __m256i m = tail_mask(k - body);
    for (size_t r = 0; r < rows; r++, v += ld, e += ld) {
        for (size_t i = 0; i < body; i += 8)
            _mm256_storeu_ps(
                e + i, _mm256_mul_ps(_mm256_loadu_ps(e + i), deriv8(_mm256_loadu_ps(v + i), vst, lo, hi, symmetric)));
        if (body < k)
            _mm256_maskstore_ps(e + body, m,
                                _mm256_mul_ps(_mm256_maskload_ps(e + body, m),
                                              deriv8(_mm256_maskload_ps(v + body, m), vst, lo, hi, symmetric)));
    }
}

/* 2 atanh(z) by its odd series; |z| <= 0.2 here (see the AVX-512 version). */
static inline __m256 atanh2_8(__m256 z) {
    const __m256 z2 = _mm256_mul_ps(z, z);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(1.0f / 11), z2, _mm256_set1_ps(1.0f / 9));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(1.0f / 7));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(1.0f / 5));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(1.0f / 3));
    p = _mm256_mul_ps(p, z2);
    const __m256 z2x = _mm256_add_ps(z, z);
    return _mm256_fmadd_ps(z2x, p, z2x);
}

/* log((1+d)/(1-d)) as in the AVX-512 version; q's exponent and mantissa
 * from its bits (q is a normal float for |d| <= 0.9999999). */
static inline __m256 tanh_err8(__m256 d) {
    const __m256 one = _mm256_set1_ps(1.0f), a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), d);
    const __m256 q = _mm256_div_ps(_mm256_add_ps(one, d), _mm256_sub_ps(one, d));
    const __m256i bits = _mm256_castps_si256(q);
    __m256 e = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
    __m256 m = _mm256_castsi256_ps(
        _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffff)), _mm256_set1_epi32(0x3f800000)));
    const __m256 hi = _mm256_cmp_ps(m, _mm256_set1_ps(1.5f), _CMP_GE_OQ); /* [1.5, 2) -> [0.75, 1) */
    m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), hi);
    e = _mm256_add_ps(e, _mm256_and_ps(hi, one));
    const __m256 z = _mm256_div_ps(_mm256_sub_ps(m, one), _mm256_add_ps(m, one));
    __m256 y = _mm256_fmadd_ps(e, _mm256_set1_ps(0.693147180559945309f), atanh2_8(z));
    y = _mm256_blendv_ps(y, atanh2_8(d), _mm256_cmp_ps(a, _mm256_set1_ps(0.125f), _CMP_LT_OQ));
    const __m256 big = _mm256_cmp_ps(a, _mm256_set1_ps(0.99999988079071044921875f), _CMP_GT_OQ);
    y = _mm256_blendv_ps(y, _mm256_or_ps(_mm256_set1_ps(17.0f), _mm256_and_ps(d, _mm256_set1_ps(-0.0f))), big);
    return _mm256_blendv_ps(y, d, _mm256_cmp_ps(d, d, _CMP_UNORD_Q)); /* NaN stays NaN */
}

static void tanh_err_avx2(size_t n, const float *d, float *y) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, tanh_err8(_mm256_loadu_ps(d + i)));
    if (i < n) {
        const __m256i m = tail_mask(n - i);
        _mm256_maskstore_ps(y + i, m, tanh_err8(_mm256_maskload_ps(d + i, m)));
    }
}

void zn_fann_init_avx2(zn_fann_kernels *k) {
    k->tanh_err = tanh_err_avx2;
    k->mul_deriv = mul_deriv_avx2;
    k->update_inc = update_inc_avx2;
    k->dense_sums = dense_sums_avx2;
}
