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

#endif /* ZN_VMATH_AVX512_INL_H */
