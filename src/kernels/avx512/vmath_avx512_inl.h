/* AVX-512 vector math building blocks shared by the AVX-512 kernel files
 * (vmath, fann): exp, a division without vdivps, sigmoid and tanh, 16
 * floats at a time. The formulas and coefficients are described in
 * kernels/vmath_consts.h. Include only from src/kernels/avx512. */
#ifndef ZN_VMATH_AVX512_INL_H
#define ZN_VMATH_AVX512_INL_H

#include <immintrin.h>
#include <math.h>

#include "kernels/vmath_consts.h"

#define K(v) _mm512_set1_ps(v)

/* Lanes below r (1..15) set. */
static inline __mmask16 tail_mask(size_t r) { return (__mmask16)((1u << r) - 1u); }

static inline __m512 neg16(__m512 x) { return _mm512_xor_ps(x, K(-0.0f)); }

/* exp for x already inside [ZN_EXP_LO, ZN_EXP_HI] (or NaN). scalef makes
 * p * 2^n in one rounding, including subnormal results, 0 and +inf. */
static inline __m512 exp_core16(__m512 x) {
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, K(ZN_EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, K(ZN_EXP_LN2_HI), x);
    r = _mm512_fnmadd_ps(n, K(ZN_EXP_LN2_LO), r);
    __m512 p = _mm512_fmadd_ps(K(ZN_EXP_C6), r, K(ZN_EXP_C5));
    p = _mm512_fmadd_ps(p, r, K(ZN_EXP_C4));
    p = _mm512_fmadd_ps(p, r, K(ZN_EXP_C3));
    p = _mm512_fmadd_ps(p, r, K(ZN_EXP_C2));
    p = _mm512_fmadd_ps(p, r, K(1.0f));
    p = _mm512_fmadd_ps(p, r, K(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* max/min return their second operand when either is NaN: the constant goes
 * first so a NaN input survives the clamp. */
static inline __m512 exp16(__m512 x) {
    x = _mm512_min_ps(K(ZN_EXP_HI), _mm512_max_ps(K(ZN_EXP_LO), x));
    return exp_core16(x);
}

/* num / d from rcp14 and one Newton step on the remainder. */
static inline __m512 div16(__m512 num, __m512 d) {
    __m512 r = _mm512_rcp14_ps(d);
    __m512 s = _mm512_mul_ps(num, r);
    return _mm512_fmadd_ps(_mm512_fnmadd_ps(s, d, num), r, s);
}

/* sigmoid = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, e = exp(-|x|):
 * e never overflows and the small side keeps exp's relative accuracy. One
 * vdivps: 5.5 GElem/s against 3.8 for rcp14 with a corrected Newton step
 * (`zenn bench vmath`), max error 1.75e-7 against 1.2e-7, bound 2e-7. */
static inline __m512 sigmoid16(__m512 x) {
    __m512 t = _mm512_max_ps(K(ZN_EXP_LO), neg16(_mm512_abs_ps(x)));
    __m512 e = exp_core16(t);
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_div_ps(_mm512_mask_blend_ps(neg, K(1.0f), e), _mm512_add_ps(K(1.0f), e));
}

/* tanh in one path (kernels/vmath_consts.h, ZN_TANH1): no blend of two
 * forms, Estrin's scheme for the polynomial and vdivps for the quotient,
 * which keeps it short for chains of dependent steps (FANN's incremental
 * training) and fast in bulk (4.9 GElem/s against 3.5 for the two-form
 * version, `zenn bench vmath --filter tanh`). */
static inline __m512 tanh16(__m512 x) {
    const __m512 a = _mm512_abs_ps(x);
    const __m512 u = _mm512_xor_ps(_mm512_min_ps(K(ZN_TANH1_CLAMP), _mm512_add_ps(a, a)), K(-0.0f)); /* NaN kept */
    const __m512 n =
        _mm512_roundscale_ps(_mm512_mul_ps(u, K(ZN_EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 r = _mm512_fnmadd_ps(n, K(ZN_TANH1_LN2), u);
    const __m512 r2 = _mm512_mul_ps(r, r), r4 = _mm512_mul_ps(r2, r2);
    const __m512 q01 = _mm512_fmadd_ps(K(ZN_TANH1_Q1), r, K(ZN_TANH1_Q0));
    const __m512 q23 = _mm512_fmadd_ps(K(ZN_TANH1_Q3), r, K(ZN_TANH1_Q2));
    const __m512 q45 = _mm512_fmadd_ps(K(ZN_TANH1_Q5), r, K(ZN_TANH1_Q4));
    const __m512 q = _mm512_fmadd_ps(_mm512_fmadd_ps(K(ZN_TANH1_Q6), r2, q45), r4, _mm512_fmadd_ps(q23, r2, q01));
    const __m512 p2 = _mm512_scalef_ps(K(1.0f), n);
    const __m512 m = _mm512_fmadd_ps(p2, _mm512_fmadd_ps(q, r2, r), _mm512_sub_ps(p2, K(1.0f))); /* expm1(u) */
    const __m512 y = _mm512_div_ps(m, _mm512_sub_ps(K(-2.0f), m));
    /* y's magnitude with x's sign (bitwise sign ? x : y), also for +-0 */
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(sign, _mm512_castps_si512(x), _mm512_castps_si512(y), 0xCA));
}

/* log: x = 2^e m, m in [0.75, 1.5) (getmant and getexp handle
 * subnormals), log x = e ln2 + log1p(f) with f = m - 1; the polynomial in
 * Estrin's form (four levels instead of nine steps). */
static inline __m512 log16(__m512 x) {
    const __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_zero);
    __m512 e = _mm512_getexp_ps(x);
    e = _mm512_mask_add_ps(e, _mm512_cmp_ps_mask(m, K(1.0f), _CMP_LT_OQ), e, K(1.0f));
    const __m512 f = _mm512_sub_ps(m, K(1.0f));
    const __m512 f2 = _mm512_mul_ps(f, f), f4 = _mm512_mul_ps(f2, f2), f8 = _mm512_mul_ps(f4, f4);
    const __m512 q23 = _mm512_fmadd_ps(K(ZN_LOG_C3), f, K(ZN_LOG_C2));
    const __m512 q45 = _mm512_fmadd_ps(K(ZN_LOG_C5), f, K(ZN_LOG_C4));
    const __m512 q67 = _mm512_fmadd_ps(K(ZN_LOG_C7), f, K(ZN_LOG_C6));
    const __m512 q89 = _mm512_fmadd_ps(K(ZN_LOG_C9), f, K(ZN_LOG_C8));
    const __m512 q2_9 = _mm512_fmadd_ps(_mm512_fmadd_ps(q89, f2, q67), f4, _mm512_fmadd_ps(q45, f2, q23));
    const __m512 q = _mm512_fmadd_ps(K(ZN_LOG_C10), f8, q2_9);
    const __m512 s = _mm512_fmadd_ps(f2, q, _mm512_mul_ps(e, K(ZN_EXP_LN2_LO)));
    __m512 y = _mm512_fmadd_ps(e, K(ZN_EXP_LN2_HI), _mm512_add_ps(s, f));
    /* special values: x < 0 or NaN -> NaN, 0 -> -inf, +inf -> +inf */
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NGE_UQ), K(NAN));
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ), K(-INFINITY));
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, K(INFINITY), _CMP_EQ_OQ), K(INFINITY));
}

#endif /* ZN_VMATH_AVX512_INL_H */
