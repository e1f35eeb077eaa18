/* AVX-512 FANN layer steps: 16 floats per step, a masked load and store
 * for each row's tail (rows of a FANN layer are often 3 to 20 wide). */
#include <immintrin.h>

#include "kernels/avx512/vmath_avx512_inl.h"
#include "kernels/fann_kernels.h"

/* dw is a product and a sum, each rounded, as libfann computes it (a fused
 * multiply-add would differ in the last bit whenever mom != 0). */
static inline __m512 update16(__m512 te, __m512 vm, __m512 x, __m512 d) {
    return _mm512_add_ps(_mm512_mul_ps(te, x), _mm512_mul_ps(vm, d));
}

/* Row by row, a masked tail per row. A row's tail store overlaps the next
 * row's first vector, and a load that overlaps a pending masked store waits
 * for it (no forwarding): the next row's first vector is loaded before the
 * tail is stored (the lanes it needs are outside the tail's mask). */
static void update_inc_avx512(size_t k, size_t n, float *w, float *d, const float *e, const float *x, float lr,
                              float mom) {
    if (!k || !n) return;
    const __m512 vm = _mm512_set1_ps(mom);
    const size_t body = n & ~(size_t)15;
    const __mmask16 m = tail_mask(n - body), m0 = body ? (__mmask16)0xffff : m;
    const __m512 x0 = _mm512_maskz_loadu_ps(m0, x), xt = _mm512_maskz_loadu_ps(m, x + body);
    __m512 tw = _mm512_setzero_ps(), td = tw; /* the previous row's tail, to store */
    float *tw_at = NULL, *td_at = NULL;
    for (size_t i = 0; i < k; i++, w += n, d += n) {
        const __m512 te = _mm512_set1_ps(e[i] * lr);
        __m512 w0 = _mm512_maskz_loadu_ps(m0, w), d0 = _mm512_maskz_loadu_ps(m0, d);
        if (tw_at) {
            _mm512_mask_storeu_ps(tw_at, m, tw);
            _mm512_mask_storeu_ps(td_at, m, td);
        }
        __m512 dw = update16(te, vm, x0, d0);
        if (!body) { /* the row is its own tail */
            tw = _mm512_add_ps(w0, dw);
            td = dw;
            tw_at = w;
            td_at = d;
            continue;
        }
        _mm512_storeu_ps(w, _mm512_add_ps(w0, dw));
        _mm512_storeu_ps(d, dw);
        for (size_t j = 16; j < body; j += 16) {
            dw = update16(te, vm, _mm512_loadu_ps(x + j), _mm512_loadu_ps(d + j));
            _mm512_storeu_ps(w + j, _mm512_add_ps(_mm512_loadu_ps(w + j), dw));
            _mm512_storeu_ps(d + j, dw);
        }
        tw_at = td_at = NULL;
        if (m) {
            dw = update16(te, vm, xt, _mm512_maskz_loadu_ps(m, d + body));
            tw = _mm512_add_ps(_mm512_maskz_loadu_ps(m, w + body), dw);
            td = dw;
            tw_at = w + body;
            td_at = d + body;
        }
    }
    if (tw_at) {
        _mm512_mask_storeu_ps(tw_at, m, tw);
        _mm512_mask_storeu_ps(td_at, m, td);
    }
}

static inline float limit(float a, float st, float max_sum) {
    a *= st;
    return a > max_sum ? max_sum : (a < -max_sum ? -max_sum : a);
}

/* The four horizontal sums of a0..a3 in one vector: pairs interleaved and
 * added, then 64-bit pairs, then the four 128-bit lanes. */
static inline __m128 sum4(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
    __m512 t0 = _mm512_add_ps(_mm512_unpacklo_ps(a0, a1), _mm512_unpackhi_ps(a0, a1));
    __m512 t1 = _mm512_add_ps(_mm512_unpacklo_ps(a2, a3), _mm512_unpackhi_ps(a2, a3));
    __m512 u = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t1))),
                             _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t1))));
    __m256 h =
        _mm256_add_ps(_mm512_castps512_ps256(u), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(u), 1)));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* st * a limited to +-max; the operand order of min/max keeps a NaN. */
static inline __m128 limit4(__m128 a, __m128 st, __m128 mx) {
    a = _mm_mul_ps(a, st);
    return _mm_max_ps(_mm_xor_ps(mx, _mm_set1_ps(-0.0f)), _mm_min_ps(mx, a));
}

/* Four rows at a time share each load of x. */
static void dense_sums_avx512(size_t k, size_t n, const float *w, const float *x, float st, float max_sum, float *s) {
    const size_t body = n & ~(size_t)15;
    const __mmask16 m = tail_mask(n - body);
    const __m512 xt = _mm512_maskz_loadu_ps(m, x + body);
    const __m128 vst = _mm_set1_ps(st), vmax = _mm_set1_ps(max_sum);
    size_t i = 0;
    for (; i + 4 <= k; i += 4, w += 4 * n) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < body; j += 16) {
            __m512 xv = _mm512_loadu_ps(x + j);
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + j), xv, a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + n + j), xv, a1);
            a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w + 2 * n + j), xv, a2);
            a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w + 3 * n + j), xv, a3);
        }
        if (m) {
            a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + body), xt, a0);
            a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + n + body), xt, a1);
            a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + 2 * n + body), xt, a2);
            a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + 3 * n + body), xt, a3);
        }
        _mm_storeu_ps(s + i, limit4(sum4(a0, a1, a2, a3), vst, vmax));
    }
    for (; i < k; i++, w += n) {
        __m512 a = _mm512_setzero_ps();
        for (size_t j = 0; j < body; j += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(w + j), _mm512_loadu_ps(x + j), a);
        if (m) a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + body), xt, a);
        s[i] = limit(_mm512_reduce_add_ps(a), st, max_sum);
    }
}

/* The derivative factor of 16 values; min/max keep a NaN (operand order). */
static inline __m512 deriv16(__m512 y, __m512 st, __m512 lo, __m512 hi, int symmetric) {
    const __m512 one = _mm512_set1_ps(1.0f);
    y = _mm512_max_ps(lo, _mm512_min_ps(hi, y));
    if (symmetric) return _mm512_mul_ps(st, _mm512_sub_ps(one, _mm512_mul_ps(y, y)));
    return _mm512_mul_ps(_mm512_mul_ps(st, y), _mm512_sub_ps(one, y)); /* st holds 2 st */
}

static void mul_deriv_avx512(size_t rows, size_t k, size_t ld, const float *v, float *e, float st, int symmetric) {
    const __m512 vst = _mm512_set1_ps(symmetric ? st : 2.0f * st);
    const __m512 lo = _mm512_set1_ps(symmetric ? -0.98f : 0.01f), hi = _mm512_set1_ps(symmetric ? 0.98f : 0.99f);
    const size_t body = k & ~(size_t)15;
    const __mmask16 m = tail_mask(k - body);
    for (size_t r = 0; r < rows; r++, v += ld, e += ld) {
        for (size_t i = 0; i < body; i += 16)
            _mm512_storeu_ps(
                e + i, _mm512_mul_ps(_mm512_loadu_ps(e + i), deriv16(_mm512_loadu_ps(v + i), vst, lo, hi, symmetric)));
        if (m)
            _mm512_mask_storeu_ps(e + body, m,
                                  _mm512_mul_ps(_mm512_maskz_loadu_ps(m, e + body),
                                                deriv16(_mm512_maskz_loadu_ps(m, v + body), vst, lo, hi, symmetric)));
    }
}

static void mul_deriv_to_avx512(size_t n, const float *v, const float *dy, float *dx, float st, int symmetric) {
    const __m512 vst = _mm512_set1_ps(symmetric ? st : 2.0f * st);
    const __m512 lo = _mm512_set1_ps(symmetric ? -0.98f : 0.01f), hi = _mm512_set1_ps(symmetric ? 0.98f : 0.99f);
    const size_t body = n & ~(size_t)15;
    for (size_t i = 0; i < body; i += 16)
        _mm512_storeu_ps(
            dx + i, _mm512_mul_ps(_mm512_loadu_ps(dy + i), deriv16(_mm512_loadu_ps(v + i), vst, lo, hi, symmetric)));
    if (body < n) {
        const __mmask16 m = tail_mask(n - body);
        _mm512_mask_storeu_ps(dx + body, m,
                              _mm512_mul_ps(_mm512_maskz_loadu_ps(m, dy + body),
                                            deriv16(_mm512_maskz_loadu_ps(m, v + body), vst, lo, hi, symmetric)));
    }
}

/* 2 atanh(z) = log((1 + z) / (1 - z)) by its odd series; |z| <= 0.2 here
 * (the terms left out are below 4e-10 relative). */
static inline __m512 atanh2_16(__m512 z) {
    const __m512 z2 = _mm512_mul_ps(z, z);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 11), z2, _mm512_set1_ps(1.0f / 9));
    p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.0f / 7));
    p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.0f / 5));
    p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.0f / 3));
    p = _mm512_mul_ps(p, z2);
    const __m512 z2x = _mm512_add_ps(z, z);
    return _mm512_fmadd_ps(z2x, p, z2x);
}

/* log((1+d)/(1-d)) = 2 atanh(d) for |d| < 0.5: 2d P(d^2) / Q(d^2), a
 * rational fit made for zenn (scripts/fit_rational.py atanh 3 3 0.5):
 * 1.6e-8 relative with these float coefficients. About 25 cycles, for the incremental epoch's chain. */
static inline __m512 tanh_err_small16(__m512 d) {
    const __m512 z = _mm512_mul_ps(d, d);
    const __m512 p = _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(ZN_ATANHR_P2), z, _mm512_set1_ps(ZN_ATANHR_P1)), z,
                                     _mm512_set1_ps(1.0f));
    const __m512 q = _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(ZN_ATANHR_Q2), z, _mm512_set1_ps(ZN_ATANHR_Q1)), z,
                                     _mm512_set1_ps(1.0f));
    return _mm512_div_ps(_mm512_mul_ps(_mm512_add_ps(d, d), p), q);
}

/* log((1+d)/(1-d)): below 0.5 in magnitude the rational form above (no
 * cancellation near 0); else q = (1+d)/(1-d) = m 2^e with m in
 * [0.75, 1.5), and log q = e ln2 + 2 atanh((m-1)/(m+1)). */
static inline __m512 tanh_err16(__m512 d) {
    const __m512 one = _mm512_set1_ps(1.0f), a = _mm512_abs_ps(d);
    const __m512 q = _mm512_div_ps(_mm512_add_ps(one, d), _mm512_sub_ps(one, d));
    const __m512 m = _mm512_getmant_ps(q, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_zero);
    __m512 e = _mm512_getexp_ps(q);
    e = _mm512_mask_add_ps(e, _mm512_cmp_ps_mask(m, one, _CMP_LT_OQ), e, one); /* getexp is for [1, 2) */
    const __m512 z = _mm512_div_ps(_mm512_sub_ps(m, one), _mm512_add_ps(m, one));
    __m512 y = _mm512_fmadd_ps(e, _mm512_set1_ps(0.693147180559945309f), atanh2_16(z));
    y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, _mm512_set1_ps(0.5f), _CMP_LT_OQ), y, tanh_err_small16(d));
    /* |d| > 0.9999999 (the floats from 0.99999994 up): +-17 with d's sign */
    const __mmask16 big = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0.99999988079071044921875f), _CMP_GT_OQ);
    y = _mm512_mask_blend_ps(big, y, _mm512_or_ps(_mm512_set1_ps(17.0f), _mm512_and_ps(d, _mm512_set1_ps(-0.0f))));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(d, d, _CMP_UNORD_Q), y, d); /* NaN stays NaN */
}

static void tanh_err_avx512(size_t n, const float *d, float *y) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, tanh_err16(_mm512_loadu_ps(d + i)));
    if (i < n) {
        __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, tanh_err16(_mm512_maskz_loadu_ps(m, d + i)));
    }
}

/* ---- a whole incremental epoch of a one-hidden-layer net ------------------------------------- */

/* Each sample waits for the previous sample's weights, so what counts is
 * the latency from one sample's inputs to its weight updates: the net
 * stays in 16-lane rows (a lane per neuron), activations and the error
 * function are the float vector forms, and every horizontal step is a
 * shuffle tree instead of a loop over neurons. */

/* tanh as a rational function (kernels/vmath_consts.h, ZN_TANHR), both
 * polynomials in Estrin's form and one vdivps: about 30 cycles from x to
 * the result against about 50 for tanh16, for the incremental epoch's
 * chain. Its four roundings leave up to 3e-7 relative (3.0e-7 in
 * test_vmath_accuracy when it stood in for tanh16, which has 1.6e-7;
 * vmath's bound is 2e-7), far below what float weights trained at FANN's
 * rates can see. */
static inline __m512 tanh_rat16(__m512 x) {
    const __m512 a = _mm512_min_ps(K(ZN_TANHR_CLAMP), _mm512_abs_ps(x)); /* NaN kept */
    const __m512 z = _mm512_mul_ps(a, a), z2 = _mm512_mul_ps(z, z), z4 = _mm512_mul_ps(z2, z2);
    const __m512 p01 = _mm512_fmadd_ps(K(ZN_TANHR_P1), z, K(ZN_TANHR_P0));
    const __m512 p23 = _mm512_fmadd_ps(K(ZN_TANHR_P3), z, K(ZN_TANHR_P2));
    const __m512 p45 = _mm512_fmadd_ps(K(ZN_TANHR_P5), z, K(ZN_TANHR_P4));
    const __m512 p = _mm512_fmadd_ps(_mm512_fmadd_ps(K(ZN_TANHR_P6), z2, p45), z4, _mm512_fmadd_ps(p23, z2, p01));
    const __m512 q01 = _mm512_fmadd_ps(K(ZN_TANHR_Q1), z, K(1.0f));
    const __m512 q = _mm512_fmadd_ps(_mm512_fmadd_ps(K(ZN_TANHR_Q3), z, K(ZN_TANHR_Q2)), z2, q01);
    const __m512 y = _mm512_div_ps(_mm512_mul_ps(a, p), q);
    /* y's magnitude with x's sign (bitwise sign ? x : y), also for +-0 */
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(sign, _mm512_castps_si512(x), _mm512_castps_si512(y), 0xCA));
}

static inline __m512 incr_act16(zn_fann_incr_act act, __m512 s) {
    switch (act) {
    case ZN_FANN_INCR_SIGMOID: return sigmoid16(_mm512_add_ps(s, s));
    case ZN_FANN_INCR_SIGMOID_SYMMETRIC: return tanh_rat16(s); /* 2 / (1 + exp(-2s)) - 1 */
    default: return s;
    }
}

/* FANN's derivative from the value; st is 2 st for the sigmoid (deriv16). */
static inline __m512 incr_deriv16(zn_fann_incr_act act, __m512 st, __m512 v) {
    switch (act) {
    case ZN_FANN_INCR_SIGMOID: return deriv16(v, st, _mm512_set1_ps(0.01f), _mm512_set1_ps(0.99f), 0);
    case ZN_FANN_INCR_SIGMOID_SYMMETRIC: return deriv16(v, st, _mm512_set1_ps(-0.98f), _mm512_set1_ps(0.98f), 1);
    default: return st;
    }
}

static inline __m512 incr_limit16(__m512 raw, __m512 st, __m512 mx) {
    return _mm512_max_ps(_mm512_xor_ps(mx, _mm512_set1_ps(-0.0f)), _mm512_min_ps(mx, _mm512_mul_ps(raw, st)));
}

/* Lane o: hv . w2[o], for the n_out rows (w2 holds whole groups of four). */
static inline __m512 incr_out_sums(__m512 hv, const float *w2, size_t n_out) {
    __m512 q[4];
    for (size_t g = 0; g < 4; g++) {
        const float *w = w2 + g * 4 * ZN_FANN_INCR_LANES;
        if (g * 4 >= n_out) {
            q[g] = _mm512_setzero_ps();
            continue;
        }
        __m128 s = sum4(_mm512_mul_ps(hv, _mm512_load_ps(w)), _mm512_mul_ps(hv, _mm512_load_ps(w + 16)),
                        _mm512_mul_ps(hv, _mm512_load_ps(w + 32)), _mm512_mul_ps(hv, _mm512_load_ps(w + 48)));
        q[g] = _mm512_zextps128_ps512(s);
    }
    if (n_out <= 4) return q[0];
    __m512 r = _mm512_insertf32x4(q[0], _mm512_castps512_ps128(q[1]), 1);
    r = _mm512_insertf32x4(r, _mm512_castps512_ps128(q[2]), 2);
    return _mm512_insertf32x4(r, _mm512_castps512_ps128(q[3]), 3);
}

/* w += dw, d = dw for dw = te x + mom d (a product and a sum, each rounded). */
static inline void incr_update16(float *w, float *d, __m512 te, __m512 x, __m512 vm) {
    const __m512 dw = update16(te, vm, x, _mm512_load_ps(d));
    _mm512_store_ps(w, _mm512_add_ps(_mm512_load_ps(w), dw));
    _mm512_store_ps(d, dw);
}

/* (W1 + mom D1) x~ for x~ = (x, 1), in four chains; mom 0 leaves D1 out. */
static inline __m512 incr_hidden_raw(const float *w1, const float *d1, const float *x, size_t ni, __m512 vm,
                                     int with_mom) {
    enum { L = ZN_FANN_INCR_LANES };
#define ROW(j)                                                                                                         \
    (with_mom ? _mm512_fmadd_ps(vm, _mm512_load_ps(d1 + (j)*L), _mm512_load_ps(w1 + (j)*L))                            \
              : _mm512_load_ps(w1 + (j)*L))
    __m512 a0 = ROW(ni), a1 = _mm512_setzero_ps(), a2 = a1, a3 = a1;
    size_t j = 0;
    for (; j + 4 <= ni; j += 4) {
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(x[j]), ROW(j), a0);
        a1 = _mm512_fmadd_ps(_mm512_set1_ps(x[j + 1]), ROW(j + 1), a1);
        a2 = _mm512_fmadd_ps(_mm512_set1_ps(x[j + 2]), ROW(j + 2), a2);
        a3 = _mm512_fmadd_ps(_mm512_set1_ps(x[j + 3]), ROW(j + 3), a3);
    }
    for (; j < ni; j++) a1 = _mm512_fmadd_ps(_mm512_set1_ps(x[j]), ROW(j), a1);
#undef ROW
    return _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
}

/* x~ . x~' = a . b + 1 over n inputs. */
static inline float incr_inputs_dot(const float *a, const float *b, size_t n) {
    __m512 s = _mm512_setzero_ps();
    size_t j = 0;
    for (; j + 16 <= n; j += 16) s = _mm512_fmadd_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j), s);
    if (j < n) {
        const __mmask16 m = tail_mask(n - j);
        s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + j), _mm512_maskz_loadu_ps(m, b + j), s);
    }
    return _mm512_reduce_add_ps(s) + 1.0f;
}

/* The hidden sums of the next sample do not wait for this sample's update
 * of W1: with dW = teh x~^T + mom D1 (a rank-1 step plus momentum),
 *   W1' x~' = (W1 + mom D1) x~' + teh (x~ . x~'),
 * so (W1 + mom D1) x~' and x~ . x~' are computed while this sample's chain
 * runs, and one FMA joins them once teh is known. W1 itself is updated in
 * memory as FANN does; only the next sums are formed the other way. */
static void incr_epoch_avx512(zn_fann_incr_net *p, size_t rows, const float *x, const float *y) {
    enum { L = ZN_FANN_INCR_LANES };
    const size_t ni = p->n_in, nh = p->n_hid, no = p->n_out;
    const __mmask16 mh = tail_mask(nh), mo = tail_mask(no); /* tail_mask(16) is every lane */
    const __m512 st1 = _mm512_set1_ps(p->st1), st2 = _mm512_set1_ps(p->st2);
    const __m512 mx1 = _mm512_set1_ps(150.0f / p->st1), mx2 = _mm512_set1_ps(150.0f / p->st2);
    const __m512 dst1 = _mm512_set1_ps(p->act1 == ZN_FANN_INCR_SIGMOID ? 2.0f * p->st1 : p->st1);
    const __m512 dst2 = _mm512_set1_ps(p->act2 == ZN_FANN_INCR_SIGMOID ? 2.0f * p->st2 : p->st2);
    const __m512 lr = _mm512_set1_ps(p->lr), vm = _mm512_set1_ps(p->mom), one = _mm512_set1_ps(1.0f);
    const __m512 half = _mm512_set1_ps(p->out_symmetric ? 0.5f : 1.0f), bfl = _mm512_set1_ps(p->bit_fail_limit);
    const int with_mom = p->mom != 0.0f;
    const __m512 half_one = _mm512_set1_ps(0.5f);
    float *const w1 = p->w1, *const d1 = p->d1, *const w2 = p->w2, *const d2 = p->d2;
    __m512 acc = _mm512_setzero_ps(), hs = acc, hv = acc, os = acc, ov = acc, teh = acc;
    __m512 ahead = rows ? incr_hidden_raw(w1, d1, x, ni, vm, 0) : acc; /* the first sample's sums, as they are */
    float dot = 0.0f;
    uint32_t bit_fail = 0;
    for (size_t r = 0; r < rows; r++, x += ni, y += no) {
        hs = incr_limit16(_mm512_fmadd_ps(teh, _mm512_set1_ps(dot), ahead), st1, mx1);
        if (r + 1 < rows) { /* the next sample's, from the weights before this sample's update */
            ahead = incr_hidden_raw(w1, d1, x + ni, ni, vm, with_mom);
            dot = incr_inputs_dot(x, x + ni, ni);
        }
        hv = _mm512_maskz_mov_ps(mh, incr_act16(p->act1, hs));
        /* outputs, their differences (FANN's MSE and bit-fail count) and errors */
        os = incr_limit16(_mm512_add_ps(incr_out_sums(hv, w2, no), _mm512_load_ps(p->b2)), st2, mx2);
        ov = incr_act16(p->act2, os);
        __m512 diff = _mm512_mul_ps(_mm512_maskz_sub_ps(mo, _mm512_maskz_loadu_ps(mo, y), ov), half);
        acc = _mm512_fmadd_ps(diff, diff, acc);
        bit_fail += (uint32_t)__builtin_popcount(_mm512_mask_cmp_ps_mask(mo, _mm512_abs_ps(diff), bfl, _CMP_GE_OQ));
        if (p->tanh_err) /* a branch the predictor mostly gets right takes the long form off the chain */
            diff = _mm512_cmp_ps_mask(_mm512_abs_ps(diff), half_one, _CMP_NLT_UQ) ? tanh_err16(diff)
                                                                                  : tanh_err_small16(diff);
        const __m512 eo = _mm512_mul_ps(incr_deriv16(p->act2, dst2, ov), diff);
        const __m512 teo = _mm512_mul_ps(eo, lr);
        /* hidden errors from the weights before the update, then the update */
        __m512 b0 = _mm512_setzero_ps(), b1 = b0;
        for (size_t o = 0; o < no; o++) {
            const __m512i at = _mm512_set1_epi32((int)o);
            const __m512 w = _mm512_load_ps(w2 + o * L);
            if (o & 1)
                b1 = _mm512_fmadd_ps(_mm512_permutexvar_ps(at, eo), w, b1);
            else
                b0 = _mm512_fmadd_ps(_mm512_permutexvar_ps(at, eo), w, b0);
            incr_update16(w2 + o * L, d2 + o * L, _mm512_permutexvar_ps(at, teo), hv, vm);
        }
        incr_update16(p->b2, p->db2, teo, one, vm);
        teh = _mm512_mul_ps(_mm512_mul_ps(_mm512_add_ps(b0, b1), incr_deriv16(p->act1, dst1, hv)), lr);
        for (size_t j = 0; j < ni; j++) incr_update16(w1 + j * L, d1 + j * L, teh, _mm512_set1_ps(x[j]), vm);
        incr_update16(w1 + ni * L, d1 + ni * L, teh, one, vm);
    }
    if (rows) {
        _mm512_mask_storeu_ps(p->sums, mh, hs);
        _mm512_mask_storeu_ps(p->vals, mh, hv);
        _mm512_mask_storeu_ps(p->sums + nh, mo, os);
        _mm512_mask_storeu_ps(p->vals + nh, mo, ov);
    }
    p->mse_sum = (float)p->mse_sum + _mm512_reduce_add_ps(acc);
    p->bit_fail += bit_fail;
}

void zn_fann_init_avx512(zn_fann_kernels *k) {
    k->incr_epoch = incr_epoch_avx512;
    k->tanh_err = tanh_err_avx512;
    k->mul_deriv = mul_deriv_avx512;
    k->mul_deriv_to = mul_deriv_to_avx512;
    k->update_inc = update_inc_avx512;
    k->dense_sums = dense_sums_avx512;
}
