/* AVX2 vector math building blocks shared by the AVX2 kernel files (vmath,
 * fann): exp and sigmoid, 8 floats at a time. The formulas and
 * coefficients are described in kernels/vmath_consts.h. Include only from
 * src/kernels/avx2. */
#ifndef ZN_VMATH_AVX2_INL_H
#define ZN_VMATH_AVX2_INL_H

#include <immintrin.h>

#include "kernels/vmath_consts.h"

#define K(v) _mm256_set1_ps(v)
#define KI(v) _mm256_set1_epi32(v)

static inline __m256 abs8(__m256 x) { return _mm256_andnot_ps(K(-0.0f), x); }

/* p * 2^n for integer-valued n in [-150, 128]: two factors 2^(n/2) keep each
 * normal, the last multiply rounds once (subnormal results, 0, +inf). */
static inline __m256 scale2n8(__m256 p, __m256 n) {
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1);
    __m256i n2 = _mm256_sub_epi32(ni, n1);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, KI(127)), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, KI(127)), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

/* exp for x already inside [ZN_EXP_LO, ZN_EXP_HI] (or NaN). */
static inline __m256 exp_core8(__m256 x) {
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, K(ZN_EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, K(ZN_EXP_LN2_HI), x);
    r = _mm256_fnmadd_ps(n, K(ZN_EXP_LN2_LO), r);
    __m256 p = _mm256_fmadd_ps(K(ZN_EXP_C6), r, K(ZN_EXP_C5));
    p = _mm256_fmadd_ps(p, r, K(ZN_EXP_C4));
    p = _mm256_fmadd_ps(p, r, K(ZN_EXP_C3));
    p = _mm256_fmadd_ps(p, r, K(ZN_EXP_C2));
    p = _mm256_fmadd_ps(p, r, K(1.0f));
    p = _mm256_fmadd_ps(p, r, K(1.0f));
    return scale2n8(p, n);
}

/* max/min return their second operand when either is NaN: the constant goes
 * first so a NaN input survives the clamp. */
static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(K(ZN_EXP_HI), _mm256_max_ps(K(ZN_EXP_LO), x));
    return exp_core8(x);
}

/* num / (d + c), d + c a sum known exactly (d rounded, c its error): the
 * division's remainder, corrected for c, refines the quotient. */
static inline __m256 div_corr8(__m256 num, __m256 d, __m256 c) {
    __m256 s = _mm256_div_ps(num, d);
    __m256 rho = _mm256_fnmadd_ps(s, d, num);
    rho = _mm256_fnmadd_ps(s, c, rho);
    return _mm256_fmadd_ps(rho, _mm256_rcp_ps(d), s);
}

/* sigmoid = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, e = exp(-|x|);
 * the rounding of 1 + e is carried along (Fast2Sum, 1 >= e). */
static inline __m256 sigmoid8(__m256 x) {
    __m256 t = _mm256_max_ps(K(ZN_EXP_LO), _mm256_or_ps(x, K(-0.0f)));
    __m256 e = exp_core8(t);
    __m256 d = _mm256_add_ps(K(1.0f), e);
    __m256 c = _mm256_add_ps(_mm256_sub_ps(K(1.0f), d), e);
    __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    return div_corr8(_mm256_blendv_ps(K(1.0f), e, neg), d, c);
}

#endif
