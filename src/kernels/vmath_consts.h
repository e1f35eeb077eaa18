/* Constants and polynomial coefficients shared by the AVX2 and AVX-512
 * vector-math kernels. The coefficients are minimax fits made for zenn
 * (Lawson-weighted least squares on Chebyshev grids, relative error, in
 * double with mpmath, then rounded to float); the fit error is noted by
 * each set and is well below float rounding. */
#ifndef ZN_VMATH_CONSTS_H
#define ZN_VMATH_CONSTS_H

/* exp(x) = 2^n * p(r), n = round(x / ln2), r = x - n ln2 in [-ln2/2, ln2/2]
 * (ln2 in two parts, Cody-Waite, so r is exact to float precision).
 * p(r) = 1 + r + c2 r^2 + ... + c6 r^6, fit error 2.0e-9. */
#define ZN_EXP_LOG2E 0x1.715476p+0f
#define ZN_EXP_LN2_HI 0x1.62e43p-1f
#define ZN_EXP_LN2_LO -0x1.05c61p-29f
#define ZN_EXP_C2 0x1.fffffcp-2f
#define ZN_EXP_C3 0x1.555418p-3f
#define ZN_EXP_C4 0x1.555824p-5f
#define ZN_EXP_C5 0x1.1267d8p-7f
#define ZN_EXP_C6 0x1.6ae6e0p-10f
/* A degree-5 p(r) (c0 = 1), fit error 9.2e-8, where exp's error is damped. */
#define ZN_EXP5_C1 0x1.fffff6p-1f
#define ZN_EXP5_C2 0x1.fffdc4p-2f
#define ZN_EXP5_C3 0x1.555a6ep-3f
#define ZN_EXP5_C4 0x1.573ad0p-5f
#define ZN_EXP5_C5 0x1.0fa7d8p-7f
/* Inputs are clamped to [LO, HI] first: below LO the result is 0 even as a
 * subnormal, above HI it is +inf; the clamp keeps r small and 2^n in range. */
#define ZN_EXP_LO -104.0f
#define ZN_EXP_HI 89.0f

/* tanh: for |x| < ZN_TANH_SMALL an odd polynomial x + x^3 P(x^2) with
 * P of degree 6 (fit error 1.1e-9 relative), exact in sign and right down to
 * tiny |x|; above it 1 - 2 / (exp(2|x|) + 1), where that subtraction is
 * well conditioned (tanh >= 0.71). 2|x| is clamped at 40 (tanh = 1). */
#define ZN_TANH_SMALL 0.9f
#define ZN_TANH_CLAMP 40.0f
#define ZN_TANH_P0 -0x1.55554ep-2f
#define ZN_TANH_P1 0x1.110f34p-3f
#define ZN_TANH_P2 -0x1.b9c9f2p-5f
#define ZN_TANH_P3 0x1.62ef7cp-6f
#define ZN_TANH_P4 -0x1.0ed008p-7f
#define ZN_TANH_P5 0x1.5283fcp-9f
#define ZN_TANH_P6 -0x1.dd95b4p-12f

/* tanh in one path, for latency: tanh(a) = -m / (2 + m), m = expm1(-2a),
 * with expm1(u) = 2^n (1 + e) - 1, u = n ln2 + r, e = expm1(r) = r + r^2 q(r)
 * and q by the Taylor series of (expm1(r) - r) / r^2 to r^6 (error below
 * 2e-9 relative on |r| <= ln2/2). No subtraction cancels: for n = 0, m is
 * e itself, whose last step adds a small correction to r. 2a is clamped at
 * 18, where tanh rounds to 1. */
#define ZN_TANH1_CLAMP 18.0f
#define ZN_TANH1_LN2 0x1.62e430p-1f /* ln2 rounded: |n| <= 26 keeps r's error below 6e-8 * 2^n */
#define ZN_TANH1_Q0 0x1.000000p-1f  /* 1/2! */
#define ZN_TANH1_Q1 0x1.555556p-3f  /* 1/3! */
#define ZN_TANH1_Q2 0x1.555556p-5f  /* 1/4! */
#define ZN_TANH1_Q3 0x1.111112p-7f  /* 1/5! */
#define ZN_TANH1_Q4 0x1.6c16c2p-10f /* 1/6! */
#define ZN_TANH1_Q5 0x1.a01a02p-13f /* 1/7! */
#define ZN_TANH1_Q6 0x1.a01a02p-16f /* 1/8! */

/* tanh(x) = x P(x^2) / Q(x^2) on |x| <= 9 (x clamped there: tanh(9) is 1
 * to 3e-8), P of degree 6 and Q of degree 3 with Q(0) = 1. A rational fit
 * made for zenn (linearised least squares on a Chebyshev grid, Lawson
 * weights for the relative error, mpmath): fit error 6.7e-9, 2.1e-8 with
 * the coefficients rounded to float (scripts/fit_rational.py tanh 7 4 9);
 * evaluated in float (Estrin's scheme,
 * one division) up to 3e-7. The incremental FANN epochs (AVX-512, AVX2) use it,
 * where its shorter latency counts. */
#define ZN_TANHR_CLAMP 9.0f
#define ZN_TANHR_P0 0x1.000000p+0f
#define ZN_TANHR_P1 0x1.0bf5f0p-3f
#define ZN_TANHR_P2 0x1.96d7c4p-9f
#define ZN_TANHR_P3 0x1.764742p-17f
#define ZN_TANHR_P4 -0x1.5b77c4p-26f
#define ZN_TANHR_P5 0x1.d03fb6p-35f
#define ZN_TANHR_P6 -0x1.7e488ep-44f
#define ZN_TANHR_Q1 0x1.db504ap-2f
#define ZN_TANHR_Q2 0x1.915460p-6f
#define ZN_TANHR_Q3 0x1.0afbd6p-12f

/* 2 atanh(d) = 2d P(d^2) / Q(d^2) for |d| < 0.5 (FANN's tanh error function
 * log((1+d)/(1-d)) on the incremental epoch's chain): P = 1 + P1 z + P2 z^2,
 * Q = 1 + Q1 z + Q2 z^2 (scripts/fit_rational.py atanh 3 3 0.5), 1.6e-8
 * relative with these float coefficients. */
#define ZN_ATANHR_P1 -0x1.a5c144p-1f
#define ZN_ATANHR_P2 0x1.4aed9cp-4f
#define ZN_ATANHR_Q1 -0x1.2835e8p+0f
#define ZN_ATANHR_Q2 0x1.10d9f2p-2f

/* log(x) = e ln2 + log1p(f), x = 2^e (1 + f) with 1 + f in [0.75, 1.5)
 * (the range AVX-512 getmant gives; AVX2 makes the same split with integer
 * arithmetic); log1p(f) = f + f^2 (c2 + c3 f + ... + c10 f^8), fit error
 * 4.8e-9 relative. */
#define ZN_LOG_075_BITS 0x3f400000 /* bits of 0.75f */
#define ZN_LOG_C2 -0x1.000000p-1f
#define ZN_LOG_C3 0x1.5555a6p-2f
#define ZN_LOG_C4 -0x1.000024p-2f
#define ZN_LOG_C5 0x1.99685ap-3f
#define ZN_LOG_C6 -0x1.54f23ep-3f
#define ZN_LOG_C7 0x1.2897b6p-3f
#define ZN_LOG_C8 -0x1.0d9002p-3f
#define ZN_LOG_C9 0x1.abf6b2p-4f
#define ZN_LOG_C10 -0x1.6fe646p-5f

/* GELU (erf form) = x Phi(x). With a = |x|, the normal tail
 * Q(a) = 0.5 erfc(a / sqrt 2) = exp(-a^2 / 2) N(a) / D(a), a rational
 * minimax fit (N degree 5, D degree 6 with D(0) = 1, all coefficients
 * positive, so Horner is well conditioned) for a in [0, 15], error 2.2e-8
 * relative with the float coefficients. Phi = Q for x < 0 and 1 - Q
 * otherwise, so the negative tail keeps its relative accuracy. a^2 is split
 * exactly (FMA) before the exp. */
#define ZN_PHI_AMAX 15.0f
#define ZN_PHI_N0 0x1.000000p-1f
#define ZN_PHI_N1 0x1.04490ap-1f
#define ZN_PHI_N2 0x1.01589ep-2f
#define ZN_PHI_N3 0x1.255f0ep-4f
#define ZN_PHI_N4 0x1.7fdc74p-7f
#define ZN_PHI_N5 0x1.d64670p-11f
#define ZN_PHI_D1 0x1.d08b34p+0f
#define ZN_PHI_D2 0x1.73534ep+0f
#define ZN_PHI_D3 0x1.518546p-1f
#define ZN_PHI_D4 0x1.744d56p-3f
#define ZN_PHI_D5 0x1.e11880p-6f
#define ZN_PHI_D6 0x1.26b39ap-9f

/* GELU (tanh form) = x sigmoid(z), z = 2 sqrt(2/pi) (x + 0.044715 x^3),
 * since 0.5 (1 + tanh(u)) = sigmoid(2u). */
#define ZN_GELU_A 0x1.988454p+0f /* 2 sqrt(2/pi) */
#define ZN_GELU_B 0x1.2444f2p-4f /* 2 sqrt(2/pi) 0.044715 */

#endif
