/* SGEMM: every ISA table through the blocked driver against the double
 * oracle (sizes around the tile and block edges, all transposes, alpha/beta,
 * strides, misaligned pointers), B packing, the epilogue, thread-count independence,
 * and every bad argument. */
#include <float.h>

#include "kernels/gemm_driver.h"
#include "zn_test.h"

typedef struct gemm_case {
    int ta, tb;
    int64_t m, n, k, lda, ldb, ldc;
    float alpha, beta;
    size_t shift; /* misalignment in floats */
} gemm_case;

typedef struct gemm_data {
    float *a, *b, *c, *c0, *want;
    size_t na, nb, nc;
} gemm_data;

static zn_rng rng;

static void data_make(const gemm_case *g, gemm_data *d) {
    int64_t arows = g->ta ? g->k : g->m, brows = g->tb ? g->n : g->k;
    d->na = (size_t)(arows * g->lda + 1);
    d->nb = (size_t)(brows * g->ldb + 1);
    d->nc = (size_t)(g->m * g->ldc + 1);
    d->a = zt_alloc_shifted(d->na, g->shift);
    d->b = zt_alloc_shifted(d->nb, g->shift);
    d->c = zt_alloc_shifted(d->nc, g->shift);
    d->c0 = zt_alloc_shifted(d->nc, 0);
    d->want = zt_alloc_shifted(d->nc, 0);
    zn_rng_fill_uniform(&rng, d->a, d->na, -1.0f, 1.0f);
    zn_rng_fill_uniform(&rng, d->b, d->nb, -1.0f, 1.0f);
    zn_rng_fill_uniform(&rng, d->c0, d->nc, -1.0f, 1.0f);
    /* beta == 0 must not read C: NaN there must not reach the result. */
    if (g->beta == 0.0f)
        for (size_t i = 0; i < d->nc; i++) d->c0[i] = NAN;
    memcpy(d->c, d->c0, d->nc * sizeof(float));
    memcpy(d->want, d->c0, d->nc * sizeof(float));
}

static void data_free(const gemm_case *g, gemm_data *d) {
    zt_free_shifted(d->a, g->shift);
    zt_free_shifted(d->b, g->shift);
    zt_free_shifted(d->c, g->shift);
    zt_free_shifted(d->c0, 0);
    zt_free_shifted(d->want, 0);
}

/* |error| allowed for C(i,j): a few ulps of the magnitudes summed, growing
 * like sqrt(k) (plus a little for blocks summed separately). */
static double tolerance(const gemm_case *g, const gemm_data *d, int64_t i, int64_t j) {
    double s = 0.0;
    for (int64_t p = 0; p < g->k; p++) {
        float av = g->ta ? d->a[p * g->lda + i] : d->a[i * g->lda + p];
        float bv = g->tb ? d->b[j * g->ldb + p] : d->b[p * g->ldb + j];
        s += fabs((double)av * bv);
    }
    double mag = fabs(g->alpha) * s + (g->beta == 0.0f ? 0.0 : fabs(g->beta * d->c0[i * g->ldc + j]));
    return 4.0 * FLT_EPSILON * (sqrt((double)g->k) + 2.0) * mag + 1e-30;
}

/* Compares C with the oracle, and checks the padding between rows kept. */
static int check_result(const char *what, const gemm_case *g, const gemm_data *d) {
    int bad = 0;
    for (int64_t i = 0; i < g->m && bad < 3; i++) {
        for (int64_t j = 0; j < g->ldc && bad < 3; j++) {
            size_t at = (size_t)(i * g->ldc + j);
            float got = d->c[at], want = d->want[at];
            int ok;
            if (j >= g->n)
                ok = memcmp(&got, &d->c0[at], sizeof got) == 0; /* untouched */
            else
                ok = isfinite(got) && fabs((double)got - want) <= tolerance(g, d, i, j);
            zt_checks++;
            if (!ok) {
                bad++;
                ZT_FAIL("%s %c%c m %lld n %lld k %lld alpha %g beta %g: C(%lld,%lld) = %.9g, want %.9g", what,
                        g->ta ? 'T' : 'N', g->tb ? 'T' : 'N', (long long)g->m, (long long)g->n, (long long)g->k,
                        g->alpha, g->beta, (long long)i, (long long)j, got, want);
            }
        }
    }
    return bad == 0;
}

static void run_case(const zn_kernels *kt, const gemm_case *g, const char *what) {
    gemm_data d;
    data_make(g, &d);
    zn_kernels_for(ZN_ISA_REF)
        ->gemm.sgemm_oracle(g->ta, g->tb, g->m, g->n, g->k, g->alpha, d.a, g->lda, d.b, g->ldb, g->beta, d.want,
                            g->ldc);
    zn_gemm_call call = {g->ta, g->tb,  g->m,   g->n,   g->k, g->alpha,    g->beta, d.a, d.b,
                         d.c,   g->lda, g->ldb, g->ldc, NULL, ZN_ACT_NONE, 0.0f,    NULL};
    ZT_OK(zn_gemm_run(kt, &call, NULL, 1));
    check_result(what, g, &d);
    /* B packed once beforehand (and not read again): the same answer */
    size_t pf = zn_gemm_packed_b_floats(kt, g->k, g->n);
    float *packed = zt_alloc_shifted(pf + 1, 0);
    zn_gemm_pack_b_all(kt, g->tb, g->k, g->n, d.b, g->ldb, packed);
    memcpy(d.c, d.c0, d.nc * sizeof(float));
    call.b = NULL;
    call.b_packed = packed;
    ZT_OK(zn_gemm_run(kt, &call, NULL, 1));
    check_result(what, g, &d);
    zt_free_shifted(packed, 0);
    data_free(g, &d);
}

static gemm_case make_case(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha, float beta, int64_t pad,
                           size_t shift) {
    gemm_case g = {ta, tb, m, n, k, 0, 0, 0, alpha, beta, shift};
    g.lda = (ta ? m : k) + pad;
    g.ldb = (tb ? k : n) + pad;
    g.ldc = n + pad;
    if (g.lda < 1) g.lda = 1;
    if (g.ldb < 1) g.ldb = 1;
    if (g.ldc < 1) g.ldc = 1;
    return g;
}

/* A table with tiny cache blocks, so small sizes cross every block edge. */
static zn_kernels tiny_blocks(const zn_kernels *kt) {
    zn_kernels t = *kt;
    t.gemm.kc = 5;
    t.gemm.mc = 2 * t.gemm.mr;
    t.gemm.nc = 2 * t.gemm.nr;
    t.gemm.nc_l2 = t.gemm.nr;
    return t;
}

static const int64_t sizes[] = {0, 1, 2, 7, 15, 16, 17, 31, 33, 127};
#define NSIZES (int)(sizeof sizes / sizeof sizes[0])

static void test_sizes_every_isa(void) {
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        zn_kernels tiny = tiny_blocks(kt);
        int t = 0;
        for (int im = 0; im < NSIZES; im++)
            for (int in = 0; in < NSIZES; in++) {
                /* k walks the list too, so every size meets every other in some role. */
                int64_t m = sizes[im], n = sizes[in], k = sizes[(im * 3 + in * 7) % NSIZES];
                int ta = t & 1, tb = (t >> 1) & 1;
                t++;
                gemm_case g = make_case(ta, tb, m, n, k, 1.0f, 0.0f, 0, 0);
                run_case(kt, &g, zn_isa_name(isa));
                if (m * n * k <= 16 * 17 * 33) run_case(&tiny, &g, "tiny blocks");
            }
    }
}

static void test_transposes_alpha_beta(void) {
    static const float ab[][2] = {{1.0f, 0.0f}, {1.0f, 1.0f}, {-0.5f, 2.0f}, {2.5f, -1.0f}, {0.0f, 0.5f}, {0.0f, 0.0f}};
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        zn_kernels tiny = tiny_blocks(kt);
        for (int tr = 0; tr < 4; tr++)
            for (size_t i = 0; i < sizeof ab / sizeof ab[0]; i++) {
                gemm_case g = make_case(tr & 1, tr >> 1, 33, 47, 29, ab[i][0], ab[i][1], 0, 0);
                run_case(kt, &g, zn_isa_name(isa));
                run_case(&tiny, &g, "tiny blocks");
            }
    }
}

/* Sizes past the default blocks (mc, nc, kc) and large/odd strides. */
static void test_large_and_strided(void) {
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (int tr = 0; tr < 4; tr++) {
            gemm_case g1 = make_case(tr & 1, tr >> 1, 1023, 17, 33, 1.0f, 0.0f, 0, 1);
            gemm_case g2 = make_case(tr & 1, tr >> 1, 15, 1023, 400, 0.5f, 1.0f, 3, 2);
            gemm_case g3 = make_case(tr & 1, tr >> 1, 40, 31, 1023, 1.0f, -1.0f, 0, 3);
            gemm_case g4 = make_case(tr & 1, tr >> 1, 70, 530, 9, 2.0f, 0.0f, 1024 - 530, 0);
            run_case(kt, &g1, zn_isa_name(isa));
            run_case(kt, &g2, zn_isa_name(isa));
            run_case(kt, &g3, zn_isa_name(isa));
            run_case(kt, &g4, zn_isa_name(isa));
            /* lda 1024 for A^T, 512 for A: the strides that make the
             * driver copy A (others are read in place). */
            gemm_case g5 = make_case(tr & 1, tr >> 1, 100, 70, 400, 1.0f, 0.5f, (tr & 1) ? 924 : 112, 0);
            run_case(kt, &g5, zn_isa_name(isa));
        }
    }
}

/* k == 1 takes the rank-1 path (incremental training's dW): every beta,
 * both layouts of A, row lengths around the vector widths, padded ldc and
 * misaligned data, every ISA. */
static void test_rank1(void) {
    static const int64_t shapes[][2] = {{1, 1}, {3, 17}, {37, 130}, {785, 128}, {20, 1000}, {9, 63}, {1000, 300}};
    static const float betas[] = {1.0f, 0.0f, 0.5f};
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int tr = 0; tr < 4; tr++)
                for (int b = 0; b < 3; b++) {
                    gemm_case g = make_case(tr & 1, tr >> 1, shapes[s][0], shapes[s][1], 1, -0.75f, betas[b],
                                            (int64_t)s * 3, s % 4);
                    run_case(kt, &g, zn_isa_name(isa));
                }
    }
}

/* The flipped GEMM's transposed add: every ISA against the reference,
 * bit for bit, on block edges, padded strides, beta 0 (C not read: NaN
 * there must not leak) and beta != 0, and nothing written past n. */
static void test_tr_add(void) {
    static const int64_t ms[] = {1, 3, 15, 16, 17, 33, 128}, ns[] = {1, 2, 10, 16, 17, 40};
    const zn_kernels *ref = zn_kernels_for(ZN_ISA_REF);
    zn_rng r;
    zn_rng_seed(&r, 21);
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
            for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++)
                for (int nb = 0; nb < 2; nb++) {
                    const int64_t m = ms[a], n = ns[b], ldt = m + (int64_t)a % 3, ldc = n + 1 + (int64_t)b % 2;
                    const float beta = nb ? -0.5f : 0.0f;
                    float *t = zn_alloc((size_t)(n * ldt) * sizeof(float));
                    float *c = zn_alloc((size_t)(m * ldc) * sizeof(float)),
                          *c2 = zn_alloc((size_t)(m * ldc) * sizeof(float));
                    zn_rng_fill_uniform(&r, t, (size_t)(n * ldt), -1, 1);
                    zn_rng_fill_uniform(&r, c, (size_t)(m * ldc), -1, 1);
                    if (!nb)
                        for (int64_t i = 0; i < m; i++) c[i * ldc] = NAN; /* beta 0: never read */
                    memcpy(c2, c, (size_t)(m * ldc) * sizeof(float));
                    kt->gemm.tr_add(m, n, t, ldt, beta, c, ldc);
                    ref->gemm.tr_add(m, n, t, ldt, beta, c2, ldc);
                    int same = 1, rule = 1;
                    for (int64_t i = 0; i < m; i++)
                        for (int64_t j = 0; j < ldc; j++) {
                            const float x = c[i * ldc + j], y = c2[i * ldc + j];
                            if (memcmp(&x, &y, sizeof x)) same = 0;
                            if (j < n && !nb && y != t[j * ldt + i]) rule = 0;
                        }
                    ZT_CHECK_MSG(same, "tr_add %s m=%lld n=%lld beta=%g differs from ref", zn_isa_name(isa),
                                 (long long)m, (long long)n, (double)beta);
                    ZT_CHECK_MSG(rule, "tr_add ref m=%lld n=%lld: not the transpose", (long long)m, (long long)n);
                    zn_free(t);
                    zn_free(c);
                    zn_free(c2);
                }
    }
}

static int same_bits(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof *a) == 0; }

/* The fused update-and-product kernel: in every table bit for bit that
 * table's ger followed by its trans sgemv (A, padding columns left alone,
 * and z), on vector and block edges; and the threaded driver bit for bit
 * the rank-1 zn_gemm_run plus zn_gemv_run, on 1 and 2 threads, up to 8 row
 * parts. */
static void test_ger_gemvt(void) {
    /* n past 512 and past 1024: sgemv's A^T x keeps wide sums in L1 (in
     * 1024-column chunks) instead of registers; the bits must not change */
    static const int64_t ms[] = {1, 7, 33, 129, 300}, ns[] = {1, 8, 15, 16, 17, 70, 256, 300, 600, 1100};
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
            for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++) {
                const int64_t m = ms[a], n = ns[b], lda = n + (int64_t)(a + b) % 3;
                const size_t na = (size_t)(m * lda);
                float *a1 = zn_alloc(na * sizeof(float)), *a2 = zn_alloc(na * sizeof(float));
                float *x = zn_alloc((size_t)m * sizeof(float)), *w = zn_alloc((size_t)m * sizeof(float));
                float *y = zn_alloc((size_t)n * sizeof(float)), *z1 = zn_alloc((size_t)(n + 1) * sizeof(float)),
                      *z2 = zn_alloc((size_t)(n + 1) * sizeof(float));
                zn_rng_fill_uniform(&rng, a1, na, -1, 1);
                memcpy(a2, a1, na * sizeof(float));
                zn_rng_fill_uniform(&rng, x, (size_t)m, -1, 1);
                zn_rng_fill_uniform(&rng, w, (size_t)m, -1, 1);
                zn_rng_fill_uniform(&rng, y, (size_t)n, -1, 1);
                z1[n] = z2[n] = 7.0f; /* must stay */
                kt->gemm.ger_gemvt(m, n, -0.3f, x, y, a1, lda, w, z1);
                kt->gemm.ger(m, n, -0.3f, x, 1, y, a2, lda);
                kt->gemm.sgemv(1, m, n, 1.0f, a2, lda, w, 0.0f, z2);
                ZT_CHECK_MSG(same_bits(a1, a2, na) && same_bits(z1, z2, (size_t)n + 1),
                             "ger_gemvt %s m=%lld n=%lld differs from ger + sgemv", zn_isa_name(isa), (long long)m,
                             (long long)n);
                zn_free(a1);
                zn_free(a2);
                zn_free(x);
                zn_free(w);
                zn_free(y);
                zn_free(z1);
                zn_free(z2);
            }
    }
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    static const int64_t big[][2] = {{600, 300}, {2049, 512}, {4096, 1024}, {100, 7}}; /* 2, 2, 4 and 1 parts */
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t s = 0; s < sizeof big / sizeof big[0]; s++) {
            const int64_t m = big[s][0], n = big[s][1], lda = n + 16 * (int64_t)(s & 1);
            const size_t na = (size_t)(m * lda);
            float *a0 = zn_alloc(na * sizeof(float)), *a1 = zn_alloc(na * sizeof(float)),
                  *a2 = zn_alloc(na * sizeof(float));
            float *x = zn_alloc((size_t)m * sizeof(float)), *w = zn_alloc((size_t)m * sizeof(float));
            float *y = zn_alloc((size_t)n * sizeof(float)), *z0 = zn_alloc((size_t)n * sizeof(float)),
                  *z1 = zn_alloc((size_t)n * sizeof(float)), *z2 = zn_alloc((size_t)n * sizeof(float));
            zn_rng_fill_uniform(&rng, a0, na, -1, 1);
            zn_rng_fill_uniform(&rng, x, (size_t)m, -1, 1);
            zn_rng_fill_uniform(&rng, w, (size_t)m, -1, 1);
            zn_rng_fill_uniform(&rng, y, (size_t)n, -1, 1);
            memcpy(a1, a0, na * sizeof(float));
            memcpy(a2, a0, na * sizeof(float));
            zn_gemm_call call = {1, 0, m, n, 1, -0.05f, 1.0f, x, y, a2, m, n, lda, NULL, ZN_ACT_NONE, 0.0f, NULL};
            ZT_OK(zn_gemm_run(kt, &call, pool, 0));
            zn_gemv_run(kt, 1, m, n, 1.0f, a2, lda, w, 0.0f, z2, pool, 0, 0);
            zn_ger_gemvt_run(kt, m, n, -0.05f, x, y, a1, lda, w, z1, pool, 0, 0);
            ZT_CHECK_MSG(same_bits(a1, a2, na) && same_bits(z1, z2, (size_t)n),
                         "zn_ger_gemvt_run %s %lldx%lld differs from rank-1 + GEMV", zn_isa_name(isa), (long long)m,
                         (long long)n);
            memcpy(a1, a0, na * sizeof(float));
            zn_ger_gemvt_run(kt, m, n, -0.05f, x, y, a1, lda, w, z0, NULL, 1, 1); /* parts last to first */
            ZT_CHECK_MSG(same_bits(a1, a2, na) && same_bits(z0, z2, (size_t)n),
                         "zn_ger_gemvt_run %s %lldx%lld: one thread, parts reversed, differs from two",
                         zn_isa_name(isa), (long long)m, (long long)n);
            zn_free(a0);
            zn_free(a1);
            zn_free(a2);
            zn_free(x);
            zn_free(w);
            zn_free(y);
            zn_free(z0);
            zn_free(z1);
            zn_free(z2);
        }
    }
    zn_pool_free(pool);
}

static void test_misaligned_and_ld(void) {
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        zn_kernels tiny = tiny_blocks(kt);
        for (size_t shift = 1; shift < 4; shift++)
            for (int tr = 0; tr < 4; tr++) {
                gemm_case g = make_case(tr & 1, tr >> 1, 31, 33, 17, 1.0f, 0.5f, (int64_t)shift * 5, shift);
                run_case(kt, &g, zn_isa_name(isa));
                run_case(&tiny, &g, "tiny blocks");
            }
    }
}

/* Expected epilogue in double, then the reference activation. */
static void expect_epilogue(gemm_data *d, const gemm_case *g, const float *bias, zn_act act, float slope) {
    const zn_vmath_kernels *ref = &zn_kernels_for(ZN_ISA_REF)->vmath;
    for (int64_t i = 0; i < g->m; i++) {
        float *row = d->want + i * g->ldc;
        if (bias)
            for (int64_t j = 0; j < g->n; j++) row[j] += bias[j];
        zn_apply_act(ref, act, slope, (size_t)g->n, row, row);
    }
}

static void test_epilogue(void) {
    /* The other shapes (few columns, more rows) take the flipped path for
     * A^T: small nets' dW (32 x 3, 14 x 8 over many rows). */
    static const int64_t shapes[][3] = {{37, 45, 300}, {100, 10, 50}, {40, 3, 700}, {14, 8, 600}};
    for (int sh = 0; sh < 4; sh++)
        for (int act = 0; act < ZN_ACT_COUNT; act++)
            for (int tr = 0; tr < 4; tr++)
                for (int use_bias = 0; use_bias < 2; use_bias++) {
                    gemm_case g = make_case(tr & 1, tr >> 1, shapes[sh][0], shapes[sh][1], shapes[sh][2], 0.25f,
                                            use_bias ? 0.5f : 0.0f, 2, 1);
                    gemm_data d;
                    data_make(&g, &d);
                    float bias[45];
                    zn_rng_fill_uniform(&rng, bias, (size_t)g.n, -1.0f, 1.0f);
                    zn_kernels_for(ZN_ISA_REF)
                        ->gemm.sgemm_oracle(g.ta, g.tb, g.m, g.n, g.k, g.alpha, d.a, g.lda, d.b, g.ldb, g.beta, d.want,
                                            g.ldc);
                    expect_epilogue(&d, &g, use_bias ? bias : NULL, (zn_act)act, 0.1f);
                    zn_gemm_opts o = zn_gemm_opts_default();
                    o.bias = use_bias ? bias : NULL;
                    o.act = (zn_act)act;
                    o.act_alpha = 0.1f;
                    ZT_OK(zn_sgemm_ex(g.ta, g.tb, g.m, g.n, g.k, g.alpha, d.a, g.lda, d.b, g.ldb, g.beta, d.c, g.ldc,
                                      &o));
                    int bad = 0;
                    for (int64_t i = 0; i < g.m; i++)
                        for (int64_t j = 0; j < g.n; j++) {
                            double w = d.want[i * g.ldc + j], got = d.c[i * g.ldc + j];
                            if (!(fabs(got - w) <= 2e-5 * (1.0 + fabs(w))) && bad++ < 3)
                                ZT_FAIL("act %s bias %d %c%c: C(%lld,%lld) = %.9g, want %.9g", zn_act_name((zn_act)act),
                                        use_bias, g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', (long long)i, (long long)j, got,
                                        w);
                            zt_checks++;
                        }
                    data_free(&g, &d);
                }
}

/* The epilogue also applies when k == 0 or alpha == 0 (C = act(beta C + bias)). */
static void test_k0_alpha0(void) {
    float c[6] = {NAN, NAN, NAN, NAN, NAN, NAN}, bias[3] = {1.0f, -2.0f, 3.0f};
    zn_gemm_opts o = zn_gemm_opts_default();
    o.bias = bias;
    o.act = ZN_ACT_RELU;
    ZT_OK(zn_sgemm_ex(ZN_NO_TRANS, ZN_NO_TRANS, 2, 3, 0, 1.0f, NULL, 1, NULL, 3, 0.0f, c, 3, &o));
    for (int i = 0; i < 6; i++) ZT_CHECK(c[i] == (bias[i % 3] > 0 ? bias[i % 3] : 0.0f));
    float a[4] = {NAN, NAN, NAN, NAN}, b[6] = {1, 2, 3, 4, 5, 6};
    float c2[6] = {1, 2, 3, 4, 5, 6};
    ZT_OK(zn_sgemm(ZN_NO_TRANS, ZN_NO_TRANS, 2, 3, 2, 0.0f, a, 2, b, 3, 2.0f, c2, 3));
    for (int i = 0; i < 6; i++) ZT_CHECK(c2[i] == 2.0f * (float)(i + 1));
    /* m == 0 or n == 0 touches nothing; the empty matrices may be NULL. */
    ZT_OK(zn_sgemm(ZN_NO_TRANS, ZN_NO_TRANS, 0, 3, 2, 1.0f, NULL, 2, b, 3, 0.0f, NULL, 3));
    ZT_OK(zn_sgemm(ZN_NO_TRANS, ZN_NO_TRANS, 2, 0, 2, 1.0f, a, 2, NULL, 1, 0.0f, NULL, 1));
}

/* Same bits with 1 and 2 threads, for every table and path. */
/* zn_sgemm_ex on all of o's pool and on one thread: the same bits. */
static void public_threads_agree(const gemm_case *g, gemm_data *d, float *c1, zn_gemm_opts o) {
    memcpy(c1, d->c0, d->nc * sizeof(float));
    memcpy(d->c, d->c0, d->nc * sizeof(float));
    o.max_threads = 0;
    ZT_OK(zn_sgemm_ex(g->ta, g->tb, g->m, g->n, g->k, g->alpha, d->a, g->lda, d->b, g->ldb, g->beta, d->c, g->ldc, &o));
    o.max_threads = 1;
    ZT_OK(zn_sgemm_ex(g->ta, g->tb, g->m, g->n, g->k, g->alpha, d->a, g->lda, d->b, g->ldb, g->beta, c1, g->ldc, &o));
    ZT_CHECK(memcmp(c1, d->c, d->nc * sizeof(float)) == 0);
}

static void test_threads_bitwise(void) {
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    static const int64_t shapes[][3] = {
        {300, 200, 500}, {64, 700, 300},  {500, 40, 700}, {130, 129, 97},
        {64, 512, 800},  {1000, 12, 400}, {2000, 600, 1}}; /* the last: a rank-1 update in row parts */
    float bias[700];
    zn_rng_fill_uniform(&rng, bias, 700, -1.0f, 1.0f);
    ZT_FOR_EACH_ISA(isa) {
        const zn_kernels *kt = zn_kernels_for(isa);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int tr = 0; tr < 4; tr++) {
                gemm_case g = make_case(tr & 1, tr >> 1, shapes[s][0], shapes[s][1], shapes[s][2], 0.7f,
                                        s & 1 ? 0.0f : 1.5f, (int64_t)s, s);
                gemm_data d;
                data_make(&g, &d);
                float *c1 = zt_alloc_shifted(d.nc, 0);
                memcpy(c1, d.c0, d.nc * sizeof(float));
                zn_gemm_call call = {g.ta,
                                     g.tb,
                                     g.m,
                                     g.n,
                                     g.k,
                                     g.alpha,
                                     g.beta,
                                     d.a,
                                     d.b,
                                     d.c,
                                     g.lda,
                                     g.ldb,
                                     g.ldc,
                                     s & 2 ? bias : NULL,
                                     s & 2 ? ZN_ACT_TANH : ZN_ACT_NONE,
                                     0.0f,
                                     NULL};
                ZT_OK(zn_gemm_run(kt, &call, pool, 0));
                call.c = c1;
                ZT_OK(zn_gemm_run(kt, &call, pool, 1));
                ZT_CHECK_MSG(memcmp(c1, d.c, d.nc * sizeof(float)) == 0, "%s %c%c %lldx%lldx%lld differs",
                             zn_isa_name(isa), g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', (long long)g.m, (long long)g.n,
                             (long long)g.k);
                /* And the public entry point, with the active table, B as
                 * given and B packed once beforehand. */
                zn_gemm_opts o = zn_gemm_opts_default();
                o.pool = pool;
                public_threads_agree(&g, &d, c1, o);
                float *packed = zt_alloc_shifted(zn_sgemm_packed_b_floats(g.k, g.n) + 1, 0);
                ZT_OK(zn_sgemm_pack_b((zn_transpose)g.tb, g.k, g.n, d.b, g.ldb, packed));
                o.b_packed = packed;
                public_threads_agree(&g, &d, c1, o);
                zt_free_shifted(packed, 0);
                zt_free_shifted(c1, 0);
                data_free(&g, &d);
            }
    }
    zn_pool_free(pool);
}

/* The public API with the active table (ZN_ISA forces one per ctest run). */
static void test_public_api(void) {
    for (int tr = 0; tr < 4; tr++) {
        gemm_case g = make_case(tr & 1, tr >> 1, 65, 97, 129, 1.5f, 0.0f, 1, 2);
        gemm_data d;
        data_make(&g, &d);
        zn_kernels_for(ZN_ISA_REF)
            ->gemm.sgemm_oracle(g.ta, g.tb, g.m, g.n, g.k, g.alpha, d.a, g.lda, d.b, g.ldb, g.beta, d.want, g.ldc);
        ZT_OK(zn_sgemm((zn_transpose)g.ta, (zn_transpose)g.tb, g.m, g.n, g.k, g.alpha, d.a, g.lda, d.b, g.ldb, g.beta,
                       d.c, g.ldc));
        check_result(zn_isa_name(zn_isa_active()), &g, &d);
        float *packed = zt_alloc_shifted(zn_sgemm_packed_b_floats(g.k, g.n), 0);
        ZT_OK(zn_sgemm_pack_b((zn_transpose)g.tb, g.k, g.n, d.b, g.ldb, packed));
        zn_gemm_opts o = zn_gemm_opts_default();
        o.b_packed = packed;
        memcpy(d.c, d.c0, d.nc * sizeof(float));
        ZT_OK(zn_sgemm_ex((zn_transpose)g.ta, (zn_transpose)g.tb, g.m, g.n, g.k, g.alpha, d.a, g.lda, d.b, g.ldb,
                          g.beta, d.c, g.ldc, &o));
        check_result("packed B", &g, &d);
        zt_free_shifted(packed, 0);
        data_free(&g, &d);
    }
}

static void test_bad_args(void) {
    float a[16] = {0}, b[16] = {0}, c[16] = {0};
    ZT_ERR(zn_sgemm_pack_b(ZN_NO_TRANS, 2, 2, b, 2, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemm_pack_b(ZN_NO_TRANS, -1, 2, b, 2, c), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemm_pack_b(ZN_NO_TRANS, 2, 4, b, 2, c), ZN_ERR_INVALID_ARG); /* ldb < n */
    ZT_ERR(zn_sgemm_pack_b((zn_transpose)7, 2, 2, b, 2, c), ZN_ERR_INVALID_ARG);
    ZT_CHECK(zn_sgemm_packed_b_floats(0, 5) == 0 && zn_sgemm_packed_b_floats(3, 1) >= 3);
    const zn_transpose N = ZN_NO_TRANS, T = ZN_TRANS;
    ZT_ERR(zn_sgemm(N, N, 2, 2, 2, 1, NULL, 2, b, 2, 0, c, 2), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemm(N, N, 2, 2, 2, 1, a, 2, NULL, 2, 0, c, 2), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemm(N, N, 2, 2, 2, 1, a, 2, b, 2, 0, NULL, 2), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemm(N, N, -1, 2, 2, 1, a, 2, b, 2, 0, c, 2), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemm(N, N, 2, -1, 2, 1, a, 2, b, 2, 0, c, 2), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemm(N, N, 2, 2, -1, 1, a, 2, b, 2, 0, c, 2), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemm(N, N, INT64_MAX / 2, 4, 4, 1, a, 4, b, 4, 0, c, 4), ZN_ERR_OVERFLOW);
    ZT_ERR(zn_sgemm(N, N, 1 << 30, 1 << 30, 1 << 30, 1, a, 1 << 30, b, 1 << 30, 0, c, 1 << 30), ZN_ERR_OVERFLOW);
    ZT_ERR(zn_sgemm(N, N, 2, 3, 4, 1, a, 3, b, 3, 0, c, 3), ZN_ERR_INVALID_ARG); /* lda < k */
    ZT_ERR(zn_sgemm(T, N, 2, 3, 4, 1, a, 1, b, 3, 0, c, 3), ZN_ERR_INVALID_ARG); /* lda < m */
    ZT_ERR(zn_sgemm(N, N, 2, 3, 4, 1, a, 4, b, 2, 0, c, 3), ZN_ERR_INVALID_ARG); /* ldb < n */
    ZT_ERR(zn_sgemm(N, T, 2, 3, 4, 1, a, 4, b, 3, 0, c, 3), ZN_ERR_INVALID_ARG); /* ldb < k */
    ZT_ERR(zn_sgemm(N, N, 2, 3, 4, 1, a, 4, b, 3, 0, c, 2), ZN_ERR_INVALID_ARG); /* ldc < n */
    ZT_ERR(zn_sgemm((zn_transpose)2, N, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_sgemm(N, (zn_transpose)-1, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2), ZN_ERR_INVALID_ARG);
    zn_gemm_opts o = zn_gemm_opts_default();
    o.act = ZN_ACT_COUNT;
    ZT_ERR(zn_sgemm_ex(N, N, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2, &o), ZN_ERR_INVALID_ARG);
    o.act = (zn_act)-1;
    ZT_ERR(zn_sgemm_ex(N, N, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2, &o), ZN_ERR_INVALID_ARG);
    o = zn_gemm_opts_default();
    o.max_threads = -1;
    ZT_ERR(zn_sgemm_ex(N, N, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2, &o), ZN_ERR_INVALID_ARG);
    /* k == 0: A and B may be NULL. */
    ZT_OK(zn_sgemm(N, N, 2, 2, 0, 1, NULL, 1, NULL, 2, 0, c, 2));
}

/* Every table's B packing against the portable one, bit for bit (padding
 * included): B and B^T, k on both sides of the 16-row transposes, n on
 * both sides of a panel. B ends at its last element, so a read past it is
 * an ASan error. */
static void test_pack_b_every_isa(void) {
    static const int64_t ks[] = {1, 3, 10, 15, 16, 17, 31, 33};
    static const int64_t ns[] = {1, 10, 31, 32, 33, 64, 100};
    ZT_FOR_EACH_ISA(isa) {
        const zn_gemm_kernels *g = &zn_kernels_for(isa)->gemm;
        for (size_t ik = 0; ik < sizeof ks / sizeof ks[0]; ik++)
            for (size_t in = 0; in < sizeof ns / sizeof ns[0]; in++)
                for (int tb = 0; tb < 2; tb++) {
                    const int64_t k = ks[ik], n = ns[in], nr = g->nr;
                    const size_t packed = (size_t)(k * ((n + nr - 1) / nr * nr));
                    float *b = zn_alloc((size_t)(k * n) * sizeof *b);
                    float *got = zn_alloc(packed * sizeof *got), *want = zn_alloc(packed * sizeof *want);
                    for (int64_t i = 0; i < k * n; i++) b[i] = (float)i + 0.5f;
                    memset(got, 0xff, packed * sizeof *got);
                    memset(want, 0x7f, packed * sizeof *want);
                    const int64_t rsb = tb ? 1 : n, csb = tb ? k : 1;
                    g->pack_b(g->nr, k, n, b, rsb, csb, got);
                    zn_gemm_pack_b_c(g->nr, k, n, b, rsb, csb, want);
                    ZT_CHECK_MSG(memcmp(got, want, packed * sizeof *got) == 0, "%s pack_b %s k %lld n %lld",
                                 zn_isa_name(isa), tb ? "B^T" : "B", (long long)k, (long long)n);
                    zn_free(b);
                    zn_free(got);
                    zn_free(want);
                }
    }
}

int main(void) {
    zn_rng_seed(&rng, 12345);
    ZT_RUN(test_sizes_every_isa);
    ZT_RUN(test_pack_b_every_isa);
    ZT_RUN(test_transposes_alpha_beta);
    ZT_RUN(test_large_and_strided);
    ZT_RUN(test_misaligned_and_ld);
    ZT_RUN(test_rank1);
    ZT_RUN(test_tr_add);
    ZT_RUN(test_ger_gemvt);
    ZT_RUN(test_epilogue);
    ZT_RUN(test_k0_alpha0);
    ZT_RUN(test_threads_bitwise);
    ZT_RUN(test_public_api);
    ZT_RUN(test_bad_args);
    return zt_finish();
}
