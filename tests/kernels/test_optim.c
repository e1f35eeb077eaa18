/* Optimizer update kernels of every ISA against the scalar reference. */
#include "kernels/kernels.h"
#include "zn_test.h"

static const size_t sizes[] = {0, 1, 2, 7, 15, 16, 17, 31, 33, 127, 1023};

static void fill(zn_rng *r, float *x, size_t n, float lo, float hi) { zn_rng_fill_uniform(r, x, n, lo, hi); }

/* Relative to the magnitude, absolute below 1: a fused multiply-add rounds
 * once where the reference rounds twice, which shows where terms cancel. */
static double max_rel_diff(const float *a, const float *b, size_t n) {
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (fabs((double)b[i]) > 1.0 ? fabs((double)b[i]) : 1.0);
        worst = d > worst ? d : worst;
    }
    return worst;
}

static void test_adam_kernels(void) {
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    zn_rng r;
    zn_rng_seed(&r, 1);
    zn_adam_args variants[2] = {{0.01f, 1.2f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.0f},
                                {0.02f, 3.0f, 0.8f, 0.99f, 1e-6f, 0.0f, 1e-3f}};
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *k = zn_kernels_for(isa);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (int va = 0; va < 2; va++)
                for (size_t shift = 0; shift < 3; shift++) {
                    size_t n = sizes[s];
                    float *w = zt_alloc_shifted(n + 1, shift), *g = zt_alloc_shifted(n + 1, shift),
                          *m = zt_alloc_shifted(n + 1, shift), *v = zt_alloc_shifted(n + 1, shift);
                    float *w2 = zt_alloc_shifted(n + 1, 0), *m2 = zt_alloc_shifted(n + 1, 0),
                          *v2 = zt_alloc_shifted(n + 1, 0);
                    fill(&r, w, n + 1, -1, 1);
                    fill(&r, g, n + 1, -0.1f, 0.1f);
                    fill(&r, m, n + 1, -0.01f, 0.01f);
                    fill(&r, v, n + 1, 0, 1e-3f);
                    memcpy(w2, w, (n + 1) * 4);
                    memcpy(m2, m, (n + 1) * 4);
                    memcpy(v2, v, (n + 1) * 4);
                    float guard = w[n];
                    k->optim.adam(n, w, g, m, v, &variants[va]);
                    ref->optim.adam(n, w2, g, m2, v2, &variants[va]);
                    ZT_CHECK_MSG(max_rel_diff(w, w2, n) < 1e-5 && max_rel_diff(m, m2, n) < 1e-5 &&
                                     max_rel_diff(v, v2, n) < 1e-5,
                                 "adam %s n=%zu shift=%zu", zn_isa_name(isa), n, shift);
                    ZT_CHECK(w[n] == guard); /* nothing past n is written */
                    zt_free_shifted(w, shift);
                    zt_free_shifted(g, shift);
                    zt_free_shifted(m, shift);
                    zt_free_shifted(v, shift);
                    zt_free_shifted(w2, 0);
                    zt_free_shifted(m2, 0);
                    zt_free_shifted(v2, 0);
                }
    }
}

static void test_momentum_kernels(void) {
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    zn_rng r;
    zn_rng_seed(&r, 2);
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *k = zn_kernels_for(isa);
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (int nesterov = 0; nesterov < 2; nesterov++) {
                size_t n = sizes[s];
                float *w = zt_alloc_shifted(n + 1, 1), *g = zt_alloc_shifted(n + 1, 2), *v = zt_alloc_shifted(n + 1, 3);
                float *w2 = zt_alloc_shifted(n + 1, 0), *v2 = zt_alloc_shifted(n + 1, 0);
                fill(&r, w, n + 1, -1, 1);
                fill(&r, g, n + 1, -1, 1);
                fill(&r, v, n + 1, -1, 1);
                memcpy(w2, w, (n + 1) * 4);
                memcpy(v2, v, (n + 1) * 4);
                k->optim.momentum(n, w, g, v, 0.05f, 0.9f, 1e-4f, nesterov);
                ref->optim.momentum(n, w2, g, v2, 0.05f, 0.9f, 1e-4f, nesterov);
                ZT_CHECK_MSG(max_rel_diff(w, w2, n) < 1e-5 && max_rel_diff(v, v2, n) < 1e-5, "momentum %s n=%zu",
                             zn_isa_name(isa), n);
                zt_free_shifted(w, 1);
                zt_free_shifted(g, 2);
                zt_free_shifted(v, 3);
                zt_free_shifted(w2, 0);
                zt_free_shifted(v2, 0);
            }
    }
}

int main(void) {
    ZT_RUN(test_adam_kernels);
    ZT_RUN(test_momentum_kernels);
    return zt_finish();
}
