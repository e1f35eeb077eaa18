/* AVX-512 vector math building blocks shared by the AVX-512 kernel files
 * (vmath, fann): exp, a division without vdivps, sigmoid and tanh, 16
 * floats at a time. The formulas and coefficients are described in
 * kernels/vmath_consts.h. Include only from src/kernels/avx512. */
#ifndef ZN_VMATH_AVX512_INL_H
#define ZN_VMATH_AVX512_INL_H

#include <immintrin.h>

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

/* num / (d + c), where d + c is a sum known exactly (d rounded, c its
 * error): rcp14 (2^-14) and one Newton step on the remainder leave about
 * 2^-28 relative before the final rounding, so no division is needed. */
static inline __m512 div_corr16(__m512 num, __m512 d, __m512 c) {
    __m512 r = _mm512_rcp14_ps(d);
    __m512 s = _mm512_mul_ps(num, r);
    __m512 rho = _mm512_fnmadd_ps(s, d, num);
    rho = _mm512_fnmadd_ps(s, c, rho);
    return _mm512_fmadd_ps(rho, r, s);
}

/* num / d from rcp14 and one Newton step on the remainder. */
static inline __m512 div16(__m512 num, __m512 d) {
    __m512 r = _mm512_rcp14_ps(d);
    __m512 s = _mm512_mul_ps(num, r);
    return _mm512_fmadd_ps(_mm512_fnmadd_ps(s, d, num), r, s);
}

/* sigmoid = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, e = exp(-|x|):
 * e never overflows and the small side keeps exp's relative accuracy. The
 * rounding of 1 + e is carried along (Fast2Sum, 1 >= e). */
static inline __m512 sigmoid16(__m512 x) {
    __m512 t = _mm512_max_ps(K(ZN_EXP_LO), neg16(_mm512_abs_ps(x)));
    __m512 e = exp_core16(t);
    __m512 d = _mm512_add_ps(K(1.0f), e);
    __m512 c = _mm512_add_ps(_mm512_sub_ps(K(1.0f), d), e);
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return div_corr16(_mm512_mask_blend_ps(neg, K(1.0f), e), d, c);
}

/* tanh for |x| >= ZN_TANH_SMALL: 1 - 2 / (exp(2|x|) + 1), sign from x. The
 * 2 / (e + 1) term is at most 0.29 of the result, so exp's degree-5 form is
 * enough here. */
static inline __m512 tanh_big16(__m512 a) {
    __m512 t = _mm512_min_ps(K(ZN_TANH_CLAMP), _mm512_add_ps(a, a));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(t, K(ZN_EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, K(ZN_EXP_LN2_HI), t);
    r = _mm512_fnmadd_ps(n, K(ZN_EXP_LN2_LO), r);
    __m512 p = _mm512_fmadd_ps(K(ZN_EXP5_C5), r, K(ZN_EXP5_C4));
    p = _mm512_fmadd_ps(p, r, K(ZN_EXP5_C3));
    p = _mm512_fmadd_ps(p, r, K(ZN_EXP5_C2));
    p = _mm512_fmadd_ps(p, r, K(ZN_EXP5_C1));
    p = _mm512_fmadd_ps(p, r, K(1.0f));
    __m512 e = _mm512_scalef_ps(p, n);
    return _mm512_sub_ps(K(1.0f), div16(K(2.0f), _mm512_add_ps(e, K(1.0f))));
}

/* tanh for |x| < ZN_TANH_SMALL: odd polynomial, on a = |x|. */
static inline __m512 tanh_small16(__m512 x) {
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_fmadd_ps(K(ZN_TANH_P6), x2, K(ZN_TANH_P5));
    p = _mm512_fmadd_ps(p, x2, K(ZN_TANH_P4));
    p = _mm512_fmadd_ps(p, x2, K(ZN_TANH_P3));
    p = _mm512_fmadd_ps(p, x2, K(ZN_TANH_P2));
    p = _mm512_fmadd_ps(p, x2, K(ZN_TANH_P1));
    p = _mm512_fmadd_ps(p, x2, K(ZN_TANH_P0));
    return _mm512_fmadd_ps(_mm512_mul_ps(x, x2), p, x);
}

/* Both branches on |x|, blended (branching per vector loses on mixed
 * data), then the sign of x put back. */
static inline __m512 tanh16(__m512 x) {
    __m512 a = _mm512_abs_ps(x);
    __mmask16 small = _mm512_cmp_ps_mask(a, K(ZN_TANH_SMALL), _CMP_LT_OQ);
    __m512 y = _mm512_mask_blend_ps(small, tanh_big16(a), tanh_small16(a));
    return _mm512_or_ps(y, _mm512_and_ps(x, K(-0.0f))); /* sign of x, also for -0 */
}

#endif /* ZN_VMATH_AVX512_INL_H */
