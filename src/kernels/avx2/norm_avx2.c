/* AVX2 layer-norm and RMS-norm rows: 8 floats a step, the tail through
 * masked loads and stores; sums widened to double, two accumulators per 8
 * floats. */
#include <immintrin.h>
#include <math.h>

#include "kernels/norm_kernels.h"

/* Lanes [0, left) on (all for left >= 8). */
static inline __m256i lanes(size_t left) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(left >= 8 ? 8 : (int)left), idx);
}
static inline __m256 load(const float *p, __m256i m) { return _mm256_maskload_ps(p, m); } /* 0 off the mask */
static inline __m256d lo_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
static inline __m256d hi_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
static inline double hsum(__m256d a, __m256d b) {
    const __m256d s = _mm256_add_pd(a, b);
    const __m128d t = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    return _mm_cvtsd_f64(_mm_add_sd(t, _mm_unpackhi_pd(t, t)));
}

static void affine(size_t f, const float *src, float rs, const float *gamma, const float *beta, float *y) {
    const __m256 vrs = _mm256_set1_ps(rs);
    for (size_t i = 0; i < f; i += 8) {
        const __m256i m = lanes(f - i);
        __m256 v = _mm256_mul_ps(load(src + i, m), vrs);
        if (gamma) v = _mm256_mul_ps(v, load(gamma + i, m));
        if (beta) v = _mm256_add_ps(v, load(beta + i, m));
        _mm256_maskstore_ps(y + i, m, v);
    }
}

static void layer_forward_avx2(size_t f, const float *x, const float *gamma, const float *beta, float eps, float *y,
                               float *mean, float *rstd) {
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    for (size_t i = 0; i < f; i += 8) {
        const __m256 v = load(x + i, lanes(f - i));
        s0 = _mm256_add_pd(s0, lo_pd(v));
        s1 = _mm256_add_pd(s1, hi_pd(v));
    }
    const double mu = hsum(s0, s1) / (double)f;
    const __m256d vmu = _mm256_set1_pd(mu);
    __m256d q0 = _mm256_setzero_pd(), q1 = _mm256_setzero_pd();
    for (size_t i = 0; i < f; i += 8) {
        const __m256i m = lanes(f - i);
        const __m256 v = load(x + i, m);
        __m256d d0 = _mm256_sub_pd(lo_pd(v), vmu), d1 = _mm256_sub_pd(hi_pd(v), vmu);
        _mm256_maskstore_ps(y + i, m, _mm256_set_m128(_mm256_cvtpd_ps(d1), _mm256_cvtpd_ps(d0)));
        /* lanes past the row would add mu^2: zero them (the mask widened to 64 bits) */
        d0 = _mm256_and_pd(d0, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(m))));
        d1 = _mm256_and_pd(d1, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(m, 1))));
        q0 = _mm256_fmadd_pd(d0, d0, q0);
        q1 = _mm256_fmadd_pd(d1, d1, q1);
    }
    const float rs = (float)(1.0 / sqrt(hsum(q0, q1) / (double)f + (double)eps));
    affine(f, y, rs, gamma, beta, y);
    *mean = (float)mu;
    *rstd = rs;
}

static void rms_forward_avx2(size_t f, const float *x, const float *gamma, float eps, float *y, float *rstd) {
    __m256d q0 = _mm256_setzero_pd(), q1 = _mm256_setzero_pd();
    for (size_t i = 0; i < f; i += 8) {
        const __m256 v = load(x + i, lanes(f - i));
        const __m256d a = lo_pd(v), b = hi_pd(v);
        q0 = _mm256_fmadd_pd(a, a, q0);
        q1 = _mm256_fmadd_pd(b, b, q1);
    }
    const float rs = (float)(1.0 / sqrt(hsum(q0, q1) / (double)f + (double)eps));
    affine(f, x, rs, gamma, NULL, y);
    *rstd = rs;
}

static void backward_avx2(size_t f, const float *x, const float *gamma, float mu, float rs, int centre, const float *dy,
                          float *dx, int accumulate) {
    const __m256 vmu = _mm256_set1_ps(mu), vrs = _mm256_set1_ps(rs);
    __m256d sg0 = _mm256_setzero_pd(), sg1 = _mm256_setzero_pd(), sx0 = _mm256_setzero_pd(), sx1 = _mm256_setzero_pd();
    for (size_t i = 0; i < f; i += 8) {
        const __m256i m = lanes(f - i);
        __m256 g = load(dy + i, m); /* 0 past the row: adds nothing */
        if (gamma) g = _mm256_mul_ps(g, load(gamma + i, m));
        const __m256 xh = _mm256_mul_ps(_mm256_sub_ps(load(x + i, m), vmu), vrs);
        const __m256d g0 = lo_pd(g), g1 = hi_pd(g);
        sg0 = _mm256_add_pd(sg0, g0);
        sg1 = _mm256_add_pd(sg1, g1);
        sx0 = _mm256_fmadd_pd(g0, lo_pd(xh), sx0);
        sx1 = _mm256_fmadd_pd(g1, hi_pd(xh), sx1);
    }
    const float a = centre ? (float)(hsum(sg0, sg1) / (double)f) : 0.0f;
    const float b = (float)(hsum(sx0, sx1) / (double)f);
    const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
    for (size_t i = 0; i < f; i += 8) {
        const __m256i m = lanes(f - i);
        __m256 g = load(dy + i, m);
        if (gamma) g = _mm256_mul_ps(g, load(gamma + i, m));
        const __m256 xh = _mm256_mul_ps(_mm256_sub_ps(load(x + i, m), vmu), vrs);
        __m256 d = _mm256_mul_ps(vrs, _mm256_fnmadd_ps(xh, vb, _mm256_sub_ps(g, va)));
        if (accumulate) d = _mm256_add_ps(d, load(dx + i, m));
        _mm256_maskstore_ps(dx + i, m, d);
    }
}

void zn_norm_init_avx2(zn_norm_kernels *k) {
    k->layer_forward = layer_forward_avx2;
    k->rms_forward = rms_forward_avx2;
    k->backward = backward_avx2;
}
