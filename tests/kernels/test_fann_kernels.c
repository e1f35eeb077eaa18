/* FANN layer kernels of every ISA against the scalar reference, and the
 * reference against the formulas in double, on awkward block shapes. */
#include "kernels/kernels.h"
#include "zn_test.h"

static const size_t ks[] = {0, 1, 3, 4, 5, 16, 17};
static const size_t ns[] = {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 125};
#define NK (sizeof ks / sizeof ks[0])
#define NN (sizeof ns / sizeof ns[0])

static void test_update_inc(void) {
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    zn_rng r;
    zn_rng_seed(&r, 5);
    const float moms[2] = {0.0f, 0.9f};
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t a = 0; a < NK; a++)
            for (size_t b = 0; b < NN; b++)
                for (int mi = 0; mi < 2; mi++) {
                    size_t k = ks[a], n = ns[b], kn = k * n, shift = (a + b) % 3;
                    float *w = zt_alloc_shifted(kn + 1, shift), *d = zt_alloc_shifted(kn + 1, shift + 1);
                    float *w2 = zt_alloc_shifted(kn + 1, 0), *d2 = zt_alloc_shifted(kn + 1, 0);
                    float *w0 = zt_alloc_shifted(kn + 1, 0), *d0 = zt_alloc_shifted(kn + 1, 0);
                    float *e = zt_alloc_shifted(k + 1, 2), *x = zt_alloc_shifted(n + 1, 1);
                    zn_rng_fill_uniform(&r, w, kn + 1, -1, 1);
                    zn_rng_fill_uniform(&r, d, kn + 1, -0.1f, 0.1f);
                    zn_rng_fill_uniform(&r, e, k + 1, -1, 1);
                    zn_rng_fill_uniform(&r, x, n + 1, -1, 1);
                    memcpy(w0, w, (kn + 1) * sizeof *w);
                    memcpy(d0, d, (kn + 1) * sizeof *d);
                    memcpy(w2, w, (kn + 1) * sizeof *w);
                    memcpy(d2, d, (kn + 1) * sizeof *d);
                    const float lr = 0.7f, mom = moms[mi];
                    kt->fann.update_inc(k, n, w, d, e, x, lr, mom);
                    ref->fann.update_inc(k, n, w2, d2, e, x, lr, mom);
                    double worst = 0, worst_rule = 0;
                    for (size_t i = 0; i < k; i++)
                        for (size_t j = 0; j < n; j++) {
                            size_t at = i * n + j;
                            worst = fmax(worst, fabs((double)w[at] - w2[at]) + fabs((double)d[at] - d2[at]));
                            double dw = (double)e[i] * lr * x[j] + (double)mom * d0[at];
                            worst_rule = fmax(worst_rule, fabs(d2[at] - dw) + fabs(w2[at] - (w0[at] + dw)));
                        }
                    ZT_CHECK_MSG(worst_rule < 1e-6, "update_inc ref k=%zu n=%zu mom=%g: %g off the rule", k, n, mom,
                                 worst_rule);
                    ZT_CHECK_MSG(worst < 1e-6, "update_inc %s k=%zu n=%zu mom=%g: %g", zn_isa_name(isa), k, n, mom,
                                 worst);
                    ZT_CHECK_MSG(w[kn] == w0[kn] && d[kn] == d0[kn], "update_inc %s k=%zu n=%zu wrote past the block",
                                 zn_isa_name(isa), k, n);
                    zt_free_shifted(w, shift);
                    zt_free_shifted(d, shift + 1);
                    zt_free_shifted(w2, 0);
                    zt_free_shifted(d2, 0);
                    zt_free_shifted(w0, 0);
                    zt_free_shifted(d0, 0);
                    zt_free_shifted(e, 2);
                    zt_free_shifted(x, 1);
                }
    }
}

/* Sums are compared relative to sum |w||x| (the order of additions differs);
 * the limit is checked exactly. */
static void test_dense_sums(void) {
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    zn_rng r;
    zn_rng_seed(&r, 6);
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t a = 0; a < NK; a++)
            for (size_t b = 0; b < NN; b++) {
                size_t k = ks[a], n = ns[b], shift = (a * 3 + b) % 4;
                float *w = zt_alloc_shifted(k * n + 1, shift), *x = zt_alloc_shifted(n + 1, 3 - shift % 3);
                float *s = zt_alloc_shifted(k + 1, 1), *s2 = zt_alloc_shifted(k + 1, 0);
                zn_rng_fill_uniform(&r, w, k * n + 1, -2, 2);
                zn_rng_fill_uniform(&r, x, n + 1, -1, 1);
                /* steepness 0.5 and a limit that some sums reach */
                const float st = 0.5f, max_sum = 0.8f, guard = 1234.5f;
                s[k] = guard;
                kt->fann.dense_sums(k, n, w, x, st, max_sum, s);
                ref->fann.dense_sums(k, n, w, x, st, max_sum, s2);
                double worst = 0, worst_rule = 0;
                for (size_t i = 0; i < k; i++) {
                    double dot = 0, mag = 1e-30;
                    for (size_t j = 0; j < n; j++) {
                        dot += (double)w[i * n + j] * x[j];
                        mag += fabs((double)w[i * n + j] * x[j]);
                    }
                    double want = st * dot;
                    want = want > max_sum ? max_sum : (want < -max_sum ? -max_sum : want);
                    worst_rule = fmax(worst_rule, fabs(s2[i] - want) / (st * mag));
                    worst = fmax(worst, fabs((double)s[i] - s2[i]) / (st * mag));
                    ZT_CHECK(fabsf(s[i]) <= max_sum);
                }
                ZT_CHECK_MSG(worst_rule < 1e-5, "dense_sums ref k=%zu n=%zu: %g off", k, n, worst_rule);
                ZT_CHECK_MSG(worst < 1e-5, "dense_sums %s k=%zu n=%zu: %g", zn_isa_name(isa), k, n, worst);
                ZT_CHECK_MSG(s[k] == guard, "dense_sums %s k=%zu n=%zu wrote past k", zn_isa_name(isa), k, n);
                zt_free_shifted(w, shift);
                zt_free_shifted(x, 3 - shift % 3);
                zt_free_shifted(s, 1);
                zt_free_shifted(s2, 0);
            }
    }
}

/* Values span both limits; the columns between rows (ld > k) stay as they were. */
/* Out of place: every ISA gives the bits of a copy and the reference's
 * in-place mul_deriv, values past the clip range and NaN included, and
 * writes nothing past n. */
static void test_mul_deriv_to(void) {
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    zn_rng r;
    zn_rng_seed(&r, 8);
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t b = 0; b < NN; b++)
            for (int sym = 0; sym < 2; sym++) {
                const size_t n = ns[b] * 3 + (size_t)sym;
                float *v = zt_alloc_shifted(n + 1, b % 3), *dy = zt_alloc_shifted(n + 1, 1);
                float *dx = zt_alloc_shifted(n + 1, 2), *want = zt_alloc_shifted(n + 1, 0);
                zn_rng_fill_uniform(&r, v, n + 1, sym ? -1.2f : -0.2f, 1.2f);
                zn_rng_fill_uniform(&r, dy, n + 1, -1, 1);
                if (n > 5) v[5] = NAN;
                memcpy(want, dy, (n + 1) * sizeof *dy);
                ref->fann.mul_deriv(1, n, n, v, want, 0.6f, sym);
                dx[n] = 42.0f;
                kt->fann.mul_deriv_to(n, v, dy, dx, 0.6f, sym);
                int same = 1;
                for (size_t i = 0; i < n; i++) same &= memcmp(&dx[i], &want[i], sizeof dx[i]) == 0;
                ZT_CHECK_MSG(same && dx[n] == 42.0f, "mul_deriv_to %s n=%zu sym=%d: other bits or wrote past n",
                             zn_isa_name(isa), n, sym);
                zt_free_shifted(v, b % 3);
                zt_free_shifted(dy, 1);
                zt_free_shifted(dx, 2);
                zt_free_shifted(want, 0);
            }
    }
}

static void test_mul_deriv(void) {
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    zn_rng r;
    zn_rng_seed(&r, 7);
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t a = 0; a < NK; a++)
            for (size_t b = 0; b < NN; b++)
                for (int sym = 0; sym < 2; sym++) {
                    size_t rows = ns[b] % 7, k = ks[a] + (size_t)sym, ld = k + (b % 3) * 5, n = rows * ld + 1;
                    float *v = zt_alloc_shifted(n, a % 3), *e = zt_alloc_shifted(n, 1), *e2 = zt_alloc_shifted(n, 0);
                    float *e0 = zt_alloc_shifted(n, 0);
                    zn_rng_fill_uniform(&r, v, n, sym ? -1.1f : -0.1f, 1.1f);
                    zn_rng_fill_uniform(&r, e, n, -1, 1);
                    memcpy(e2, e, n * sizeof *e);
                    memcpy(e0, e, n * sizeof *e);
                    const float st = 0.75f;
                    kt->fann.mul_deriv(rows, k, ld, v, e, st, sym);
                    ref->fann.mul_deriv(rows, k, ld, v, e2, st, sym);
                    double worst = 0, worst_rule = 0;
                    int outside = 0;
                    for (size_t row = 0; row < rows; row++)
                        for (size_t i = 0; i < ld; i++) {
                            size_t at = row * ld + i;
                            if (i >= k) {
                                outside |= e[at] != e0[at];
                                continue;
                            }
                            double y = v[at], f;
                            if (sym) {
                                y = y < -0.98 ? -0.98 : (y > 0.98 ? 0.98 : y);
                                f = st * (1 - y * y);
                            } else {
                                y = y < 0.01 ? 0.01 : (y > 0.99 ? 0.99 : y);
                                f = 2 * st * y * (1 - y);
                            }
                            worst_rule = fmax(worst_rule, fabs(e2[at] - e0[at] * f));
                            worst = fmax(worst, fabs((double)e[at] - e2[at]));
                        }
                    ZT_CHECK_MSG(worst_rule < 1e-6, "mul_deriv ref rows=%zu k=%zu sym=%d: %g off", rows, k, sym,
                                 worst_rule);
                    ZT_CHECK_MSG(worst < 1e-6, "mul_deriv %s rows=%zu k=%zu sym=%d: %g", zn_isa_name(isa), rows, k, sym,
                                 worst);
                    ZT_CHECK_MSG(!outside && e[n - 1] == e0[n - 1], "mul_deriv %s rows=%zu k=%zu wrote outside",
                                 zn_isa_name(isa), rows, k);
                    zt_free_shifted(v, a % 3);
                    zt_free_shifted(e, 1);
                    zt_free_shifted(e2, 0);
                    zt_free_shifted(e0, 0);
                }
    }
}

/* Random errors over and past (-1, 1), the branch points and the limit's
 * neighbouring floats; relative to the result (it is 2d near 0). */
static void test_tanh_err(void) {
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    zn_rng r;
    zn_rng_seed(&r, 8);
    static const float special[] = {0.0f,         -0.0f, 1e-8f,  -3e-5f,      0.1249999f,   0.125f,
                                    -0.125f,      0.5f,  -0.75f, 0.99999988f, -0.99999988f, 0.99999994f,
                                    -0.99999994f, 1.0f,  -1.0f,  3.0f};
    const size_t ns_err[] = {0, 1, 7, 8, 15, 16, 17, 100, 1000};
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t c = 0; c < sizeof ns_err / sizeof ns_err[0]; c++) {
            size_t n = ns_err[c];
            float *d = zt_alloc_shifted(n + 1, c % 3), *y = zt_alloc_shifted(n + 1, 1),
                  *y2 = zt_alloc_shifted(n + 1, 0);
            zn_rng_fill_uniform(&r, d, n + 1, -1.2f, 1.2f);
            for (size_t i = 0; i < n && i < sizeof special / sizeof special[0]; i++) d[i] = special[i];
            if (n > 20) d[20] = NAN;
            y[n] = 99.0f;
            kt->fann.tanh_err(n, d, y);
            ref->fann.tanh_err(n, d, y2);
            double worst = 0, worst_rule = 0;
            for (size_t i = 0; i < n; i++) {
                if (isnan(d[i])) {
                    ZT_CHECK_MSG(isnan(y[i]) && isnan(y2[i]), "tanh_err %s: NaN in, not out", zn_isa_name(isa));
                    continue;
                }
                double v = d[i], want = v < -.9999999 ? -17.0 : (v > .9999999 ? 17.0 : log((1 + v) / (1 - v)));
                worst_rule = fmax(worst_rule, fabs(y2[i] - want) / fmax(fabs(want), 1e-30));
                worst = fmax(worst, fabs((double)y[i] - y2[i]) / fmax(fabs(want), 1e-30));
            }
            ZT_CHECK_MSG(worst_rule < 1e-7, "tanh_err ref n=%zu: %g off", n, worst_rule);
            ZT_CHECK_MSG(worst < 5e-7, "tanh_err %s n=%zu: %g relative", zn_isa_name(isa), n, worst);
            ZT_CHECK_MSG(y[n] == 99.0f, "tanh_err %s n=%zu wrote past n", zn_isa_name(isa), n);
            zt_free_shifted(d, c % 3);
            zt_free_shifted(y, 1);
            zt_free_shifted(y2, 0);
        }
    }
}

static float rand_in(zn_rng *r, float lo, float hi) { return lo + (hi - lo) * zn_rng_uniformf(r); }

/* A random one-hidden-layer net in the incremental kernel's lane layout
 * (lanes past the neurons zero), all of it in one block. */
static float *incr_net(zn_rng *r, zn_fann_incr_net *p, size_t ni, size_t nh, size_t no) {
    enum { L = ZN_FANN_INCR_LANES };
    float *b = zn_calloc(zn_fann_incr_floats(ni, no), sizeof *b);
    zn_fann_incr_place(p, b);
    for (size_t j = 0; j <= ni; j++)
        for (size_t i = 0; i < nh; i++) {
            p->w1[j * L + i] = rand_in(r, -0.5f, 0.5f);
            p->d1[j * L + i] = rand_in(r, -0.05f, 0.05f);
        }
    for (size_t o = 0; o < no; o++) {
        for (size_t i = 0; i < nh; i++) {
            p->w2[o * L + i] = rand_in(r, -0.5f, 0.5f);
            p->d2[o * L + i] = rand_in(r, -0.05f, 0.05f);
        }
        p->b2[o] = rand_in(r, -0.5f, 0.5f);
        p->db2[o] = rand_in(r, -0.05f, 0.05f);
    }
    return b;
}

/* Whole incremental epochs of every ISA against the reference: weights,
 * steps, MSE, bit fails and the last sample's values, on awkward sizes and
 * every function, with and without momentum and the tanh error function. */
static void test_incr_epoch(void) {
    enum { L = ZN_FANN_INCR_LANES, ROWS = 12 };
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    static const size_t nis[] = {1, 3, 4, 5, 8, 17, 48}, nhs[] = {1, 5, 16}, nos[] = {1, 2, 3, 5, 9, 16};
    zn_rng r;
    zn_rng_seed(&r, 11);
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        int cases = 0;
        for (size_t a = 0; a < sizeof nis / sizeof nis[0]; a++)
            for (size_t b = 0; b < sizeof nhs / sizeof nhs[0]; b++)
                for (size_t c = 0; c < sizeof nos / sizeof nos[0]; c++, cases++) {
                    const size_t ni = nis[a], nh = nhs[b], no = nos[c];
                    zn_fann_incr_net p = {.n_in = ni, .n_hid = nh, .n_out = no};
                    p.act1 = (zn_fann_incr_act)(cases % 3);
                    p.act2 = (zn_fann_incr_act)((cases / 3) % 3);
                    p.st1 = cases % 2 ? 0.5f : 1.0f;
                    p.st2 = cases % 4 < 2 ? 1.0f : 0.75f;
                    /* rates at which training converges: diverging weights (linear layers,
                     * many inputs) or differences at the error function's jump to 17
                     * would amplify rounding, not test the kernel */
                    p.lr = 0.4f / (float)(4 + ni);
                    p.mom = cases % 5 == 0 ? 0.4f : 0.0f;
                    p.tanh_err = cases % 2 && p.act2 != ZN_FANN_INCR_LINEAR;
                    p.out_symmetric = p.act2 == ZN_FANN_INCR_SIGMOID_SYMMETRIC;
                    p.bit_fail_limit = 0.35f;
                    p.mse_sum = 0.25;
                    p.bit_fail = 3;
                    zn_fann_incr_net q = p;
                    float *bp = incr_net(&r, &p, ni, nh, no);
                    const size_t n = zn_fann_incr_floats(ni, no);
                    float *bq = zn_calloc(n, sizeof *bq);
                    memcpy(bq, bp, n * sizeof *bq);
                    zn_fann_incr_place(&q, bq);
                    float x[ROWS * 48], y[ROWS * 16], sp[2 * L + 1], vp[2 * L + 1], sq[2 * L + 1], vq[2 * L + 1];
                    zn_rng_fill_uniform(&r, x, ROWS * ni, -1, 1);
                    zn_rng_fill_uniform(&r, y, ROWS * no, p.out_symmetric ? -1.0f : 0.0f, 1);
                    p.sums = sp, p.vals = vp, q.sums = sq, q.vals = vq;
                    sp[nh + no] = vp[nh + no] = 99.0f;
                    kt->fann.incr_epoch(&p, ROWS, x, y);
                    ref->fann.incr_epoch(&q, ROWS, x, y);
                    double worst = 0, pad = 0;
                    for (size_t i = 0; i < n; i++)
                        worst = fmax(worst, fabs((double)bp[i] - bq[i]) / fmax(1.0, fabs((double)bq[i])));
                    for (size_t j = 0; j <= ni; j++)
                        for (size_t i = nh; i < L; i++) pad += fabs(p.w1[j * L + i]) + fabs(p.d1[j * L + i]);
                    for (size_t o = 0; o < (no + 3) / 4 * 4; o++)
                        for (size_t i = o < no ? nh : 0; i < L; i++)
                            pad += fabs(p.w2[o * L + i]) + fabs(p.d2[o * L + i]);
                    for (size_t o = no; o < L; o++) pad += fabs(p.b2[o]) + fabs(p.db2[o]);
                    double last = 0;
                    for (size_t i = 0; i < nh + no; i++)
                        last = fmax(last, fabs((double)sp[i] - sq[i]) + fabs((double)vp[i] - vq[i]));
                    ZT_CHECK_MSG(worst < 2e-5, "incr_epoch %s %zu-%zu-%zu acts %d,%d: weights %g off the reference",
                                 zn_isa_name(isa), ni, nh, no, p.act1, p.act2, worst);
                    ZT_CHECK_MSG(pad == 0, "incr_epoch %s %zu-%zu-%zu: lanes past the neurons changed",
                                 zn_isa_name(isa), ni, nh, no);
                    ZT_CHECK_MSG(last < 1e-4, "incr_epoch %s %zu-%zu-%zu: last sample's values %g off",
                                 zn_isa_name(isa), ni, nh, no, last);
                    ZT_CHECK_MSG(sp[nh + no] == 99.0f && vp[nh + no] == 99.0f,
                                 "incr_epoch %s %zu-%zu-%zu wrote past the values", zn_isa_name(isa), ni, nh, no);
                    ZT_NEAR(p.mse_sum, q.mse_sum, 1e-5 * q.mse_sum);
                    ZT_CHECK_MSG(p.bit_fail == q.bit_fail, "incr_epoch %s %zu-%zu-%zu: %u bit fails, reference %u",
                                 zn_isa_name(isa), ni, nh, no, p.bit_fail, q.bit_fail);
                    ZT_CHECK(q.bit_fail > 3 && q.mse_sum > 0.25); /* the samples were counted */
                    zn_free(bp);
                    zn_free(bq);
                }
    }
}

int main(void) {
    ZT_RUN(test_incr_epoch);
    ZT_RUN(test_update_inc);
    ZT_RUN(test_dense_sums);
    ZT_RUN(test_mul_deriv);
    ZT_RUN(test_mul_deriv_to);
    ZT_RUN(test_tanh_err);
    return zt_finish();
}
