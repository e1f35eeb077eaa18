/* AVX2+FMA optimizer updates; the tail runs through a padded copy of the
 * last lanes so the arithmetic is the same as the body's. */
#include <immintrin.h>
#include <string.h>

#include "kernels/optim_kernels.h"

static void adam8(float *w, const float *g, float *m, float *v, const zn_adam_args *a) {
    const __m256 decay = _mm256_set1_ps(a->decay), l2 = _mm256_set1_ps(a->l2), b1 = _mm256_set1_ps(a->beta1),
                 b2 = _mm256_set1_ps(a->beta2), c1 = _mm256_set1_ps(1.0f - a->beta1),
                 c2 = _mm256_set1_ps(1.0f - a->beta2), eps = _mm256_set1_ps(a->eps), step = _mm256_set1_ps(a->step),
                 irb = _mm256_set1_ps(a->inv_root_bc2);
    __m256 wi = _mm256_loadu_ps(w), gi = _mm256_loadu_ps(g), mi = _mm256_loadu_ps(m), vi = _mm256_loadu_ps(v);
    wi = _mm256_fnmadd_ps(decay, wi, wi);
    gi = _mm256_fmadd_ps(l2, wi, gi);
    mi = _mm256_fmadd_ps(b1, mi, _mm256_mul_ps(c1, gi));
    vi = _mm256_fmadd_ps(b2, vi, _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
    __m256 den = _mm256_fmadd_ps(_mm256_sqrt_ps(vi), irb, eps);
    wi = _mm256_fnmadd_ps(step, _mm256_div_ps(mi, den), wi);
    _mm256_storeu_ps(w, wi);
    _mm256_storeu_ps(m, mi);
    _mm256_storeu_ps(v, vi);
}

static void adam_avx2(size_t n, float *w, const float *g, float *m, float *v, const zn_adam_args *a) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) adam8(w + i, g + i, m + i, v + i, a);
    if (i < n) {
        float tw[8] = {0}, tg[8] = {0}, tm[8] = {0}, tv[8] = {0};
        size_t r = n - i;
        memcpy(tw, w + i, r * sizeof(float));
        memcpy(tg, g + i, r * sizeof(float));
        memcpy(tm, m + i, r * sizeof(float));
        memcpy(tv, v + i, r * sizeof(float));
        adam8(tw, tg, tm, tv, a);
        memcpy(w + i, tw, r * sizeof(float));
        memcpy(m + i, tm, r * sizeof(float));
        memcpy(v + i, tv, r * sizeof(float));
    }
}

static void momentum8(float *w, const float *g, float *v, __m256 vlr, __m256 vmu, __m256 vl2, int nesterov) {
    __m256 wi = _mm256_loadu_ps(w), gi = _mm256_loadu_ps(g), vi = _mm256_loadu_ps(v);
    gi = _mm256_fmadd_ps(vl2, wi, gi);
    vi = _mm256_fmadd_ps(vmu, vi, gi);
    __m256 d = nesterov ? _mm256_fmadd_ps(vmu, vi, gi) : vi;
    _mm256_storeu_ps(w, _mm256_fnmadd_ps(vlr, d, wi));
    _mm256_storeu_ps(v, vi);
}

static void momentum_avx2(size_t n, float *w, const float *g, float *v, float lr, float mu, float l2, int nesterov) {
    const __m256 vl2 = _mm256_set1_ps(l2), vmu = _mm256_set1_ps(mu), vlr = _mm256_set1_ps(lr);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) momentum8(w + i, g + i, v + i, vlr, vmu, vl2, nesterov);
    if (i < n) {
        float tw[8] = {0}, tg[8] = {0}, tv[8] = {0};
        size_t r = n - i;
        memcpy(tw, w + i, r * sizeof(float));
        memcpy(tg, g + i, r * sizeof(float));
        memcpy(tv, v + i, r * sizeof(float));
        momentum8(tw, tg, tv, vlr, vmu, vl2, nesterov);
        memcpy(w + i, tw, r * sizeof(float));
        memcpy(v + i, tv, r * sizeof(float));
    }
}

void zn_optim_init_avx2(zn_optim_kernels *k) {
    k->adam = adam_avx2;
    k->momentum = momentum_avx2;
}
