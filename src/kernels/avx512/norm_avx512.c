/* AVX-512 layer-norm and RMS-norm rows: 16 floats a step, the tail through
 * masks; sums widened to double, two accumulators per 16 floats. */
#include <immintrin.h>
#include <math.h>

#include "kernels/norm_kernels.h"

static inline __mmask16 lanes(size_t left) { return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1); }
static inline __m512d lo_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
static inline __m512d hi_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)); }
static inline __m512 join_ps(__m512d lo, __m512d hi) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
}

/* y = src rs gamma + beta over one row. */
static void affine(size_t f, const float *src, float rs, const float *gamma, const float *beta, float *y) {
    const __m512 vrs = _mm512_set1_ps(rs);
    for (size_t i = 0; i < f; i += 16) {
        const __mmask16 m = lanes(f - i);
        __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, src + i), vrs);
        if (gamma) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, gamma + i));
        if (beta) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, beta + i));
        _mm512_mask_storeu_ps(y + i, m, v);
    }
}

static void layer_forward_avx512(size_t f, const float *x, const float *gamma, const float *beta, float eps, float *y,
                                 float *mean, float *rstd) {
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    for (size_t i = 0; i < f; i += 16) {
        const __m512 v = _mm512_maskz_loadu_ps(lanes(f - i), x + i); /* zeros past the row add nothing */
        s0 = _mm512_add_pd(s0, lo_pd(v));
        s1 = _mm512_add_pd(s1, hi_pd(v));
    }
    const double mu = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1)) / (double)f;
    const __m512d vmu = _mm512_set1_pd(mu);
    __m512d q0 = _mm512_setzero_pd(), q1 = _mm512_setzero_pd();
    for (size_t i = 0; i < f; i += 16) {
        const __mmask16 m = lanes(f - i);
        const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        const __m512d d0 = _mm512_sub_pd(lo_pd(v), vmu), d1 = _mm512_sub_pd(hi_pd(v), vmu);
        q0 = _mm512_mask3_fmadd_pd(d0, d0, q0, (__mmask8)m);
        q1 = _mm512_mask3_fmadd_pd(d1, d1, q1, (__mmask8)(m >> 8));
        _mm512_mask_storeu_ps(y + i, m, join_ps(d0, d1));
    }
    const double var = _mm512_reduce_add_pd(_mm512_add_pd(q0, q1)) / (double)f;
    const float rs = (float)(1.0 / sqrt(var + (double)eps));
    affine(f, y, rs, gamma, beta, y);
    *mean = (float)mu;
    *rstd = rs;
}

static void rms_forward_avx512(size_t f, const float *x, const float *gamma, float eps, float *y, float *rstd) {
    __m512d q0 = _mm512_setzero_pd(), q1 = _mm512_setzero_pd();
    for (size_t i = 0; i < f; i += 16) {
        const __m512 v = _mm512_maskz_loadu_ps(lanes(f - i), x + i);
        const __m512d a = lo_pd(v), b = hi_pd(v);
        q0 = _mm512_fmadd_pd(a, a, q0);
        q1 = _mm512_fmadd_pd(b, b, q1);
    }
    const double ms = _mm512_reduce_add_pd(_mm512_add_pd(q0, q1)) / (double)f;
    const float rs = (float)(1.0 / sqrt(ms + (double)eps));
    affine(f, x, rs, gamma, NULL, y);
    *rstd = rs;
}

static void backward_avx512(size_t f, const float *x, const float *gamma, float mu, float rs, int centre,
                            const float *dy, float *dx, int accumulate) {
    const __m512 vmu = _mm512_set1_ps(mu), vrs = _mm512_set1_ps(rs);
    __m512d sg0 = _mm512_setzero_pd(), sg1 = _mm512_setzero_pd(), sx0 = _mm512_setzero_pd(), sx1 = _mm512_setzero_pd();
    for (size_t i = 0; i < f; i += 16) {
        const __mmask16 m = lanes(f - i);
        __m512 g = _mm512_maskz_loadu_ps(m, dy + i); /* 0 past the row: adds nothing */
        if (gamma) g = _mm512_mul_ps(g, _mm512_maskz_loadu_ps(m, gamma + i));
        const __m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmu), vrs);
        const __m512d g0 = lo_pd(g), g1 = hi_pd(g);
        sg0 = _mm512_add_pd(sg0, g0);
        sg1 = _mm512_add_pd(sg1, g1);
        sx0 = _mm512_fmadd_pd(g0, lo_pd(xh), sx0);
        sx1 = _mm512_fmadd_pd(g1, hi_pd(xh), sx1);
    }
    const float a = centre ? (float)(_mm512_reduce_add_pd(_mm512_add_pd(sg0, sg1)) / (double)f) : 0.0f;
    const float b = (float)(_mm512_reduce_add_pd(_mm512_add_pd(sx0, sx1)) / (double)f);
    const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
    for (size_t i = 0; i < f; i += 16) {
        const __mmask16 m = lanes(f - i);
        __m512 g = _mm512_maskz_loadu_ps(m, dy + i);
        if (gamma) g = _mm512_mul_ps(g, _mm512_maskz_loadu_ps(m, gamma + i));
        const __m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmu), vrs);
        __m512 d = _mm512_mul_ps(vrs, _mm512_fnmadd_ps(xh, vb, _mm512_sub_ps(g, va)));
        if (accumulate) d = _mm512_add_ps(d, _mm512_maskz_loadu_ps(m, dx + i));
        _mm512_mask_storeu_ps(dx + i, m, d);
    }
}

void zn_norm_init_avx512(zn_norm_kernels *k) {
    k->layer_forward = layer_forward_avx512;
    k->rms_forward = rms_forward_avx512;
    k->backward = backward_avx512;
}
