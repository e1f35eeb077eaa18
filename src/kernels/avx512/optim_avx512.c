/* AVX-512 optimizer updates; masked tails, so any n. */
#include <immintrin.h>

#include "kernels/optim_kernels.h"

static void adam_avx512(size_t n, float *w, const float *g, float *m, float *v, const zn_adam_args *a) {
    const __m512 decay = _mm512_set1_ps(a->decay), l2 = _mm512_set1_ps(a->l2), b1 = _mm512_set1_ps(a->beta1),
                 b2 = _mm512_set1_ps(a->beta2), c1 = _mm512_set1_ps(1.0f - a->beta1),
                 c2 = _mm512_set1_ps(1.0f - a->beta2), eps = _mm512_set1_ps(a->eps), step = _mm512_set1_ps(a->step),
                 irb = _mm512_set1_ps(a->inv_root_bc2);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m512 wi = _mm512_maskz_loadu_ps(k, w + i), gi = _mm512_maskz_loadu_ps(k, g + i);
        __m512 mi = _mm512_maskz_loadu_ps(k, m + i), vi = _mm512_maskz_loadu_ps(k, v + i);
        wi = _mm512_fnmadd_ps(decay, wi, wi);
        gi = _mm512_fmadd_ps(l2, wi, gi);
        mi = _mm512_fmadd_ps(b1, mi, _mm512_mul_ps(c1, gi));
        vi = _mm512_fmadd_ps(b2, vi, _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
        __m512 den = _mm512_fmadd_ps(_mm512_sqrt_ps(vi), irb, eps);
        wi = _mm512_fnmadd_ps(step, _mm512_div_ps(mi, den), wi);
        _mm512_mask_storeu_ps(w + i, k, wi);
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
    }
}

static void momentum_avx512(size_t n, float *w, const float *g, float *v, float lr, float mu, float l2, int nesterov) {
    const __m512 vl2 = _mm512_set1_ps(l2), vmu = _mm512_set1_ps(mu), vlr = _mm512_set1_ps(lr);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m512 wi = _mm512_maskz_loadu_ps(k, w + i), gi = _mm512_maskz_loadu_ps(k, g + i);
        __m512 vi = _mm512_maskz_loadu_ps(k, v + i);
        gi = _mm512_fmadd_ps(vl2, wi, gi);
        vi = _mm512_fmadd_ps(vmu, vi, gi);
        __m512 d = nesterov ? _mm512_fmadd_ps(vmu, vi, gi) : vi;
        wi = _mm512_fnmadd_ps(vlr, d, wi);
        _mm512_mask_storeu_ps(w + i, k, wi);
        _mm512_mask_storeu_ps(v + i, k, vi);
    }
}

void zn_optim_init_avx512(zn_optim_kernels *k) {
    k->adam = adam_avx512;
    k->momentum = momentum_avx512;
}
