/* AVX2 FANN layer steps: 8 floats per step, masked loads and stores for
 * each row's tail (rows of a FANN layer are often 3 to 20 wide). */
#include <immintrin.h>

#include "kernels/avx2/vmath_avx2_inl.h"
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

static void mul_deriv_to_avx2(size_t n, const float *v, const float *dy, float *dx, float st, int symmetric) {
    const __m256 vst = _mm256_set1_ps(symmetric ? st : 2.0f * st);
    const __m256 lo = _mm256_set1_ps(symmetric ? -0.98f : 0.01f), hi = _mm256_set1_ps(symmetric ? 0.98f : 0.99f);
    const size_t body = n & ~(size_t)7;
    for (size_t i = 0; i < body; i += 8)
        _mm256_storeu_ps(
            dx + i, _mm256_mul_ps(_mm256_loadu_ps(dy + i), deriv8(_mm256_loadu_ps(v + i), vst, lo, hi, symmetric)));
    if (body < n) {
        const __m256i m = tail_mask(n - body);
        _mm256_maskstore_ps(dx + body, m,
                            _mm256_mul_ps(_mm256_maskload_ps(dy + body, m),
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

/* ---- a whole incremental epoch of a one-hidden-layer net ------------------------------------- */

/* The AVX-512 version's algorithm (see there: the next sample's hidden sums
 * from the weights before the update plus a rank-1 correction, a lane per
 * neuron), with each 16-lane row as two 8-float halves. */
typedef struct v16 {
    __m256 lo, hi;
} v16;

static inline v16 ld16(const float *p) { return (v16){_mm256_load_ps(p), _mm256_load_ps(p + 8)}; }
static inline v16 set16(float f) { return (v16){_mm256_set1_ps(f), _mm256_set1_ps(f)}; }
static inline v16 add16(v16 a, v16 b) { return (v16){_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
static inline v16 mul16(v16 a, v16 b) { return (v16){_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
static inline v16 fma16(v16 a, v16 b, v16 c) {
    return (v16){_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
}
static inline v16 and16(v16 a, v16 m) { return (v16){_mm256_and_ps(a.lo, m.lo), _mm256_and_ps(a.hi, m.hi)}; }
/* Lanes below n (0..16) set, as float bit masks. */
static inline v16 lanes16(size_t n) {
    return (v16){_mm256_castsi256_ps(tail_mask(n < 8 ? n : 8)), _mm256_castsi256_ps(tail_mask(n > 8 ? n - 8 : 0))};
}
/* Lane o of a, in every lane. */
static inline __m256 lane_of(v16 a, size_t o) {
    return _mm256_permutevar8x32_ps(o < 8 ? a.lo : a.hi, _mm256_set1_epi32((int)(o & 7)));
}
static inline float hsum16(v16 a) { return hsum8(_mm256_add_ps(a.lo, a.hi)); }

/* The AVX-512 version's rational tanh (kernels/vmath_consts.h, ZN_TANHR). */
static inline __m256 tanh_rat8(__m256 x) {
    const __m256 a = _mm256_min_ps(K(ZN_TANHR_CLAMP), abs8(x)); /* NaN kept */
    const __m256 z = _mm256_mul_ps(a, a), z2 = _mm256_mul_ps(z, z), z4 = _mm256_mul_ps(z2, z2);
    const __m256 p01 = _mm256_fmadd_ps(K(ZN_TANHR_P1), z, K(ZN_TANHR_P0));
    const __m256 p23 = _mm256_fmadd_ps(K(ZN_TANHR_P3), z, K(ZN_TANHR_P2));
    const __m256 p45 = _mm256_fmadd_ps(K(ZN_TANHR_P5), z, K(ZN_TANHR_P4));
    const __m256 p = _mm256_fmadd_ps(_mm256_fmadd_ps(K(ZN_TANHR_P6), z2, p45), z4, _mm256_fmadd_ps(p23, z2, p01));
    const __m256 q01 = _mm256_fmadd_ps(K(ZN_TANHR_Q1), z, K(1.0f));
    const __m256 q = _mm256_fmadd_ps(_mm256_fmadd_ps(K(ZN_TANHR_Q3), z, K(ZN_TANHR_Q2)), z2, q01);
    const __m256 y = _mm256_div_ps(_mm256_mul_ps(a, p), q);
    return _mm256_or_ps(_mm256_and_ps(x, K(-0.0f)), y); /* y >= 0 (or NaN): x's sign, also for +-0 */
}

/* 2 atanh(d) for |d| < 0.5 as the AVX-512 version's rational form (one
 * division: the long form's two sit on the epoch's chain). */
static inline __m256 tanh_err_small8(__m256 d) {
    const __m256 z = _mm256_mul_ps(d, d);
    const __m256 p = _mm256_fmadd_ps(_mm256_fmadd_ps(K(ZN_ATANHR_P2), z, K(ZN_ATANHR_P1)), z, K(1.0f));
    const __m256 q = _mm256_fmadd_ps(_mm256_fmadd_ps(K(ZN_ATANHR_Q2), z, K(ZN_ATANHR_Q1)), z, K(1.0f));
    return _mm256_div_ps(_mm256_mul_ps(_mm256_add_ps(d, d), p), q);
}

/* FANN's tanh error of 16 differences: the short form while every lane is
 * below 0.5 in magnitude (a branch the predictor mostly gets right). */
static inline v16 incr_tanh_err(v16 d) {
    const __m256 h = K(0.5f);
    const int big = _mm256_movemask_ps(_mm256_cmp_ps(abs8(d.lo), h, _CMP_NLT_UQ)) |
                    _mm256_movemask_ps(_mm256_cmp_ps(abs8(d.hi), h, _CMP_NLT_UQ));
    if (big) return (v16){tanh_err8(d.lo), tanh_err8(d.hi)};
    return (v16){tanh_err_small8(d.lo), tanh_err_small8(d.hi)};
}

static inline __m256 incr_act8(zn_fann_incr_act act, __m256 s) {
    switch (act) {
    case ZN_FANN_INCR_SIGMOID: return sigmoid8(_mm256_add_ps(s, s));
    case ZN_FANN_INCR_SIGMOID_SYMMETRIC: return tanh_rat8(s);
    default: return s;
    }
}
static inline v16 incr_act(zn_fann_incr_act act, v16 s) { return (v16){incr_act8(act, s.lo), incr_act8(act, s.hi)}; }

/* FANN's derivative from the value; st is 2 st for the sigmoid (deriv8). */
static inline __m256 incr_deriv8(zn_fann_incr_act act, __m256 st, __m256 v) {
    switch (act) {
    case ZN_FANN_INCR_SIGMOID: return deriv8(v, st, K(0.01f), K(0.99f), 0);
    case ZN_FANN_INCR_SIGMOID_SYMMETRIC: return deriv8(v, st, K(-0.98f), K(0.98f), 1);
    default: return st;
    }
}
static inline v16 incr_deriv(zn_fann_incr_act act, __m256 st, v16 v) {
    return (v16){incr_deriv8(act, st, v.lo), incr_deriv8(act, st, v.hi)};
}

static inline v16 incr_limit(v16 raw, __m256 st, __m256 mx) {
    const __m256 lo = _mm256_xor_ps(mx, K(-0.0f));
    return (v16){_mm256_max_ps(lo, _mm256_min_ps(mx, _mm256_mul_ps(raw.lo, st))),
                 _mm256_max_ps(lo, _mm256_min_ps(mx, _mm256_mul_ps(raw.hi, st)))};
}

/* Lane i: the sum of p[i]'s lanes (a transposing tree of horizontal adds). */
static inline __m256 sums8x8(const __m256 *p) {
    const __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(p[0], p[1]), _mm256_hadd_ps(p[2], p[3]));
    const __m256 u1 = _mm256_hadd_ps(_mm256_hadd_ps(p[4], p[5]), _mm256_hadd_ps(p[6], p[7]));
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

/* Lane o: hv . w2[o], for the n_out rows. */
static inline v16 incr_out_sums(v16 hv, const float *w2, size_t n_out) {
    enum { L = ZN_FANN_INCR_LANES };
    __m256 p[16];
    for (size_t o = 0; o < 16; o++)
        p[o] = o < n_out ? _mm256_fmadd_ps(hv.hi, _mm256_load_ps(w2 + o * L + 8),
                                           _mm256_mul_ps(hv.lo, _mm256_load_ps(w2 + o * L)))
                         : _mm256_setzero_ps();
    return (v16){sums8x8(p), n_out > 8 ? sums8x8(p + 8) : _mm256_setzero_ps()};
}

/* w += dw, d = dw for dw = te x + mom d (a product and a sum, each rounded). */
static inline void incr_update(float *w, float *d, v16 te, v16 x, __m256 vm) {
    const __m256 dl = update8(te.lo, vm, x.lo, _mm256_load_ps(d)), dh = update8(te.hi, vm, x.hi, _mm256_load_ps(d + 8));
    _mm256_store_ps(w, _mm256_add_ps(_mm256_load_ps(w), dl));
    _mm256_store_ps(w + 8, _mm256_add_ps(_mm256_load_ps(w + 8), dh));
    _mm256_store_ps(d, dl);
    _mm256_store_ps(d + 8, dh);
}

/* (W1 + mom D1) x~ for x~ = (x, 1), in two chains per half; mom 0 leaves D1 out. */
static inline v16 incr_hidden_raw(const float *w1, const float *d1, const float *x, size_t ni, __m256 vm,
                                  int with_mom) {
    enum { L = ZN_FANN_INCR_LANES };
#define ROW(j, h)                                                                                                      \
    (with_mom ? _mm256_fmadd_ps(vm, _mm256_load_ps(d1 + (j)*L + (h)), _mm256_load_ps(w1 + (j)*L + (h)))                \
              : _mm256_load_ps(w1 + (j)*L + (h)))
    __m256 a0 = ROW(ni, 0), b0 = ROW(ni, 8), a1 = _mm256_setzero_ps(), b1 = a1;
    size_t j = 0;
    for (; j + 2 <= ni; j += 2) {
        const __m256 x0 = _mm256_set1_ps(x[j]), x1 = _mm256_set1_ps(x[j + 1]);
        a0 = _mm256_fmadd_ps(x0, ROW(j, 0), a0);
        b0 = _mm256_fmadd_ps(x0, ROW(j, 8), b0);
        a1 = _mm256_fmadd_ps(x1, ROW(j + 1, 0), a1);
        b1 = _mm256_fmadd_ps(x1, ROW(j + 1, 8), b1);
    }
    if (j < ni) {
        const __m256 x0 = _mm256_set1_ps(x[j]);
        a1 = _mm256_fmadd_ps(x0, ROW(j, 0), a1);
        b1 = _mm256_fmadd_ps(x0, ROW(j, 8), b1);
    }
#undef ROW
    return (v16){_mm256_add_ps(a0, a1), _mm256_add_ps(b0, b1)};
}

/* x~ . x~' = a . b + 1 over n inputs. */
static inline float incr_inputs_dot(const float *a, const float *b, size_t n) {
    __m256 s = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= n; j += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), s);
    if (j < n) {
        const __m256i m = tail_mask(n - j);
        s = _mm256_fmadd_ps(_mm256_maskload_ps(a + j, m), _mm256_maskload_ps(b + j, m), s);
    }
    return hsum8(s) + 1.0f;
}

static inline void store_lanes(float *p, size_t n, v16 a) {
    _mm256_maskstore_ps(p, tail_mask(n < 8 ? n : 8), a.lo);
    if (n > 8) _mm256_maskstore_ps(p + 8, tail_mask(n - 8), a.hi);
}

static void incr_epoch_avx2(zn_fann_incr_net *p, size_t rows, const float *x, const float *y) {
    enum { L = ZN_FANN_INCR_LANES };
    const size_t ni = p->n_in, nh = p->n_hid, no = p->n_out;
    const v16 mh = lanes16(nh), mo = lanes16(no);
    const __m256i ylo = tail_mask(no < 8 ? no : 8), yhi = tail_mask(no > 8 ? no - 8 : 0);
    const __m256 st1 = K(p->st1), st2 = K(p->st2), mx1 = K(150.0f / p->st1), mx2 = K(150.0f / p->st2);
    const __m256 dst1 = K(p->act1 == ZN_FANN_INCR_SIGMOID ? 2.0f * p->st1 : p->st1);
    const __m256 dst2 = K(p->act2 == ZN_FANN_INCR_SIGMOID ? 2.0f * p->st2 : p->st2);
    const __m256 vm = K(p->mom), bfl = K(p->bit_fail_limit);
    const v16 lr = set16(p->lr), half = set16(p->out_symmetric ? 0.5f : 1.0f), ones = set16(1.0f);
    const int with_mom = p->mom != 0.0f;
    const int out_bits = (int)((1u << no) - 1u);
    float *const w1 = p->w1, *const d1 = p->d1, *const w2 = p->w2, *const d2 = p->d2;
    v16 acc = set16(0.0f), hs = acc, hv = acc, os = acc, ov = acc, teh = acc;
    v16 ahead = rows ? incr_hidden_raw(w1, d1, x, ni, vm, 0) : acc; /* the first sample's sums, as they are */
    float dot = 0.0f;
    uint32_t bit_fail = 0;
    for (size_t r = 0; r < rows; r++, x += ni, y += no) {
        hs = incr_limit(fma16(teh, set16(dot), ahead), st1, mx1);
        if (r + 1 < rows) { /* the next sample's, from the weights before this sample's update */
            ahead = incr_hidden_raw(w1, d1, x + ni, ni, vm, with_mom);
            dot = incr_inputs_dot(x, x + ni, ni);
        }
        hv = and16(incr_act(p->act1, hs), mh);
        os = incr_limit(add16(incr_out_sums(hv, w2, no), ld16(p->b2)), st2, mx2);
        ov = incr_act(p->act2, os);
        const v16 yv = {_mm256_maskload_ps(y, ylo), _mm256_maskload_ps(y + 8, yhi)};
        v16 diff = mul16(and16((v16){_mm256_sub_ps(yv.lo, ov.lo), _mm256_sub_ps(yv.hi, ov.hi)}, mo), half);
        acc = fma16(diff, diff, acc);
        const int fails = _mm256_movemask_ps(_mm256_cmp_ps(abs8(diff.lo), bfl, _CMP_GE_OQ)) |
                          _mm256_movemask_ps(_mm256_cmp_ps(abs8(diff.hi), bfl, _CMP_GE_OQ)) << 8;
        bit_fail += (uint32_t)__builtin_popcount((unsigned)(fails & out_bits));
        if (p->tanh_err) diff = incr_tanh_err(diff);
        const v16 eo = mul16(incr_deriv(p->act2, dst2, ov), diff), teo = mul16(eo, lr);
        /* hidden errors from the weights before the update, then the update */
        v16 b0 = set16(0.0f), b1 = b0;
        for (size_t o = 0; o < no; o++) {
            const __m256 e = lane_of(eo, o);
            const v16 w = ld16(w2 + o * L), ev = {e, e};
            if (o & 1)
                b1 = fma16(ev, w, b1);
            else
                b0 = fma16(ev, w, b0);
            const __m256 te = lane_of(teo, o);
            incr_update(w2 + o * L, d2 + o * L, (v16){te, te}, hv, vm);
        }
        incr_update(p->b2, p->db2, teo, ones, vm);
        teh = mul16(mul16(add16(b0, b1), incr_deriv(p->act1, dst1, hv)), lr);
        for (size_t j = 0; j < ni; j++) incr_update(w1 + j * L, d1 + j * L, teh, set16(x[j]), vm);
        incr_update(w1 + ni * L, d1 + ni * L, teh, ones, vm);
    }
    if (rows) {
        store_lanes(p->sums, nh, hs);
        store_lanes(p->vals, nh, hv);
        store_lanes(p->sums + nh, no, os);
        store_lanes(p->vals + nh, no, ov);
    }
    p->mse_sum = (float)p->mse_sum + hsum16(acc);
    p->bit_fail += bit_fail;
}

void zn_fann_init_avx2(zn_fann_kernels *k) {
    k->incr_epoch = incr_epoch_avx2;
    k->tanh_err = tanh_err_avx2;
    k->mul_deriv = mul_deriv_avx2;
    k->mul_deriv_to = mul_deriv_to_avx2;
    k->update_inc = update_inc_avx2;
    k->dense_sums = dense_sums_avx2;
}
