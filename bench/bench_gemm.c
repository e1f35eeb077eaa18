/* Suite `gemm`: zenn's sgemm/sgemv against OpenBLAS, BLIS and NumPy on the
 * same shapes, interleaved, at 1 thread and at the pool's size. OpenBLAS
 * carries the targets; BLIS and NumPy (1 thread) are shown beside it. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_mlp.h"
#include "kernels/gemm_driver.h"
#include "kernels/kernels.h"

typedef struct gemm_ctx {
    int ta, tb;
    int m, n, k;
    const float *a, *b;
    float *c;
    int lda, ldb, ldc;
    zn_pool *pool;
    int threads;
    bench_cblas *cb;
} gemm_ctx;

static int run_zenn_gemm(void *p) {
    gemm_ctx *g = p;
    zn_gemm_opts o = zn_gemm_opts_default();
    o.pool = g->pool;
    return zn_sgemm_ex(g->ta, g->tb, g->m, g->n, g->k, 1.0f, g->a, g->lda, g->b, g->ldb, 0.0f, g->c, g->ldc, &o) !=
           ZN_OK;
}

enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

static void prepare_cblas(void *p) {
    gemm_ctx *g = p;
    g->cb->set_threads(g->threads);
}

static int run_cblas_gemm(void *p) {
    gemm_ctx *g = p;
    g->cb->sgemm(CBLAS_ROW_MAJOR, g->ta ? CBLAS_TRANS : CBLAS_NO_TRANS, g->tb ? CBLAS_TRANS : CBLAS_NO_TRANS, g->m,
                 g->n, g->k, 1.0f, g->a, g->lda, g->b, g->ldb, 0.0f, g->c, g->ldc);
    return 0;
}

static int run_zenn_gemv(void *p) {
    gemm_ctx *g = p;
    return zn_sgemv(g->ta, g->m, g->n, 1.0f, g->a, g->lda, g->b, 1, 0.0f, g->c, 1) != ZN_OK;
}

static int run_cblas_gemv(void *p) {
    gemm_ctx *g = p;
    g->cb->sgemv(CBLAS_ROW_MAJOR, g->ta ? CBLAS_TRANS : CBLAS_NO_TRANS, g->m, g->n, 1.0f, g->a, g->lda, g->b, 1, 0.0f,
                 g->c, 1);
    return 0;
}

typedef struct gemm_data {
    float *a, *b, *c;
} gemm_data;

static int alloc_data(gemm_data *d, size_t na, size_t nb, size_t nc, zn_rng *rng) {
    d->a = zn_alloc(na * sizeof(float));
    d->b = zn_alloc(nb * sizeof(float));
    d->c = zn_alloc(nc * sizeof(float));
    if (!d->a || !d->b || !d->c) return 0;
    zn_rng_fill_uniform(rng, d->a, na, -1.0f, 1.0f);
    zn_rng_fill_uniform(rng, d->b, nb, -1.0f, 1.0f);
    memset(d->c, 0, nc * sizeof(float));
    return 1;
}

static void free_data(gemm_data *d) {
    zn_free(d->a);
    zn_free(d->b);
    zn_free(d->c);
}

typedef struct gemm_env {
    bench_run *run;
    bench_cblas lib[2]; /* OpenBLAS, BLIS */
    int have[2];
    bench_peer numpy;
    zn_pool *pool1, *pooln;
    int nthreads;
    zn_rng rng;
} gemm_env;

static void fill_result(bench_result *r, const char *name, const char *shape, int threads, double work) {
    memset(r, 0, sizeof *r);
    snprintf(r->suite, sizeof r->suite, "gemm");
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->shape, sizeof r->shape, "%s", shape);
    snprintf(r->unit, sizeof r->unit, "GFLOP/s");
    r->threads = threads;
    r->work = work;
}

/* One sgemm shape: zenn and OpenBLAS at 1 thread and at n threads, all four
 * interleaved. Adds rows against OpenBLAS, and optionally against the FMA
 * peak and for 2-thread scaling. */
static void gemm_case(gemm_env *e, const char *label, int ta, int tb, int m, int n, int k, double target_ob,
                      double target_peak, double target_scale) {
    char name[96], shape[64];
    snprintf(shape, sizeof shape, "%dx%dx%d%s%s", m, n, k, ta ? " At" : "", tb ? " Bt" : "");
    if (!bench_selected(&e->run->opts, label)) return;
    int rows_a = ta ? k : m, cols_a = ta ? m : k, rows_b = tb ? n : k, cols_b = tb ? k : n;
    gemm_data d;
    if (!alloc_data(&d, (size_t)rows_a * cols_a, (size_t)rows_b * cols_b, (size_t)m * n, &e->rng)) {
        bench_note(e->run, "%s: out of memory", label);
        free_data(&d);
        return;
    }
    /* Contenders: zenn, OpenBLAS, BLIS at 1 thread, NumPy (1 thread), then
     * zenn, OpenBLAS, BLIS at n threads. */
    gemm_ctx base = {ta, tb, m, n, k, d.a, d.b, d.c, cols_a, cols_b, n, NULL, 1, NULL};
    gemm_ctx ctx[7];
    bench_contender c[8];
    int nt = e->nthreads;
    for (int t = 0; t < 2; t++) {
        int at = t ? 4 : 0, threads = t ? nt : 1;
        ctx[at] = base;
        ctx[at].pool = t ? e->pooln : e->pool1;
        ctx[at].threads = threads;
        c[at] = (bench_contender){"zenn", run_zenn_gemm, &ctx[at], NULL, threads, 0, NULL, NULL};
        for (int l = 0; l < 2; l++) {
            ctx[at + 1 + l] = base;
            ctx[at + 1 + l].threads = threads;
            ctx[at + 1 + l].cb = &e->lib[l];
            c[at + 1 + l] = (bench_contender){e->lib[l].name, run_cblas_gemm, &ctx[at + 1 + l], prepare_cblas,
                                              threads,        !e->have[l],    e->lib[l].why,    NULL};
        }
    }
    peer_job np = {.peer = &e->numpy};
    snprintf(np.request, sizeof np.request, "{\"op\":\"gemm\",\"m\":%d,\"n\":%d,\"k\":%d,\"ta\":%d,\"tb\":%d", m, n, k,
             ta, tb);
    c[3] = peer_contender(&np, 1);
    int nc = nt > 1 ? 7 : 4;
    double flops = 2.0 * m * n * k;
    /* The 1-thread FMA peak, interleaved with the rest when a row wants it. */
    bench_peak_ctx peak;
    const int with_peak = target_peak > 0;
    if (with_peak) {
        bench_peak_init(&peak, e->pool1, 1, flops);
        c[nc] = (bench_contender){"fma-peak", bench_peak_run, &peak, NULL, 1, 0, NULL, NULL};
    }
    bench_stats st[8];
    bench_measure(&e->run->opts, c, nc + with_peak, st);

    bench_result r;
    for (int t = 0; t < nc; t += 4) {
        for (int p = 1; p <= 3 && t + p < nc; p++) {
            fill_result(&r, label, shape, c[t].threads, flops);
            if (p == 3) {
                bench_peer_row(&r, &st[t], &st[t + p], &np, &c[t + p]);
            } else {
                snprintf(r.peer, sizeof r.peer, "%s", c[t + p].name);
                r.zenn = st[t];
                r.other = st[t + p];
                if (!st[t + p].ok) snprintf(r.why, sizeof r.why, "%s: %s", c[t + p].name, c[t + p].skip_reason);
            }
            r.target = p == 1 ? target_ob : 0;
            bench_add(e->run, &r);
        }
    }
    if (with_peak) {
        snprintf(name, sizeof name, "%s vs FMA peak", label);
        fill_result(&r, name, shape, 1, flops);
        snprintf(r.peer, sizeof r.peer, "fma-peak");
        r.zenn = st[0];
        r.other = st[nc];
        r.target = target_peak;
        bench_add(e->run, &r);
    }
    if (nc == 7 && target_scale > 0) {
        snprintf(name, sizeof name, "%s %dt vs 1t", label, e->nthreads);
        fill_result(&r, name, shape, e->nthreads, flops);
        snprintf(r.peer, sizeof r.peer, "zenn-1t");
        r.zenn = st[4];
        r.other = st[0];
        r.target = target_scale;
        bench_add(e->run, &r);
    }
    free_data(&d);
}

static void gemv_case(gemm_env *e, int trans, int m, int n, double target) {
    char label[96], shape[64];
    snprintf(label, sizeof label, "sgemv %dx%d%s", m, n, trans ? " At" : "");
    snprintf(shape, sizeof shape, "%dx%d%s", m, n, trans ? " At" : "");
    if (!bench_selected(&e->run->opts, label)) return;
    gemm_data d;
    if (!alloc_data(&d, (size_t)m * n, (size_t)(m > n ? m : n), (size_t)(m > n ? m : n), &e->rng)) {
        free_data(&d);
        return;
    }
    /* zn_sgemv runs on the default pool; OpenBLAS gets the same thread count. */
    int threads = zn_pool_size(zn_pool_default());
    gemm_ctx g[3];
    bench_contender c[3];
    g[0] = (gemm_ctx){trans, 0, m, n, 0, d.a, d.b, d.c, n, 0, 0, NULL, threads, NULL};
    c[0] = (bench_contender){"zenn", run_zenn_gemv, &g[0], NULL, threads, 0, NULL, NULL};
    for (int l = 0; l < 2; l++) {
        g[1 + l] = g[0];
        g[1 + l].cb = &e->lib[l];
        c[1 + l] = (bench_contender){e->lib[l].name, run_cblas_gemv, &g[1 + l],     prepare_cblas,
                                     threads,        !e->have[l],    e->lib[l].why, NULL};
    }
    bench_stats st[3];
    bench_measure(&e->run->opts, c, 3, st);
    for (int l = 0; l < 2; l++) {
        bench_result r;
        fill_result(&r, label, shape, threads, 2.0 * m * n);
        snprintf(r.peer, sizeof r.peer, "%s", c[1 + l].name);
        r.zenn = st[0];
        r.other = st[1 + l];
        if (!st[1 + l].ok) snprintf(r.why, sizeof r.why, "%s: %s", c[1 + l].name, c[1 + l].skip_reason);
        r.target = l == 0 ? target : 0;
        bench_add(e->run, &r);
    }
    free_data(&d);
}

/* Incremental training's step on a first layer W (m x n, x W): the update
 * W += a x dy^T, then the next sample's product w^T W. zenn's fused pass
 * (zn_ger_gemvt_run) against the same two passes through zenn's own public
 * calls and through OpenBLAS (cblas_sger + cblas_sgemv). */
typedef struct update_ctx {
    int m, n;
    float *a;
    const float *x, *dy, *w;
    float *z;
    int fused;
    bench_cblas *cb;
    int threads;
} update_ctx;

static int run_zenn_update(void *p) {
    update_ctx *u = p;
    if (u->fused) {
        zn_ger_gemvt_run(zn_kernels_get(), u->m, u->n, -1e-6f, u->x, u->dy, u->a, u->n, u->w, u->z, zn_pool_default(),
                         0, 0);
        return 0;
    }
    if (zn_sgemm(ZN_TRANS, ZN_NO_TRANS, u->m, u->n, 1, -1e-6f, u->x, u->m, u->dy, u->n, 1.0f, u->a, u->n) != ZN_OK)
        return 1;
    return zn_sgemv(ZN_TRANS, u->m, u->n, 1.0f, u->a, u->n, u->w, 1, 0.0f, u->z, 1) != ZN_OK;
}

static void prepare_cblas_update(void *p) {
    update_ctx *u = p;
    u->cb->set_threads(u->threads);
}

static int run_cblas_update(void *p) {
    update_ctx *u = p;
    u->cb->sger(CBLAS_ROW_MAJOR, u->m, u->n, -1e-6f, u->x, 1, u->dy, 1, u->a, u->n);
    u->cb->sgemv(CBLAS_ROW_MAJOR, CBLAS_TRANS, u->m, u->n, 1.0f, u->a, u->n, u->w, 1, 0.0f, u->z, 1);
    return 0;
}

static void update_case(gemm_env *e, int m, int n) {
    char label[96], shape[64];
    snprintf(label, sizeof label, "update+product %dx%d", m, n);
    snprintf(shape, sizeof shape, "%dx%d", m, n);
    if (!bench_selected(&e->run->opts, label)) return;
    gemm_data d;
    float *z = zn_alloc((size_t)n * sizeof(float)), *w = zn_alloc((size_t)m * sizeof(float));
    if (!z || !w || !alloc_data(&d, (size_t)m * n, (size_t)(m + n), (size_t)m, &e->rng)) {
        zn_free(z);
        zn_free(w);
        free_data(&d);
        return;
    }
    zn_rng_fill_uniform(&e->rng, w, (size_t)m, -1.0f, 1.0f);
    int threads = zn_pool_size(zn_pool_default());
    /* x: d.b[0..m), dy: d.b[m..m+n); tiny steps, so W stays bounded over the reps */
    update_ctx u[3];
    u[0] = (update_ctx){m, n, d.a, d.b, d.b + m, w, z, 1, NULL, threads};
    u[1] = u[0];
    u[1].fused = 0;
    u[2] = u[1];
    u[2].cb = &e->lib[0];
    const int have_ob = e->have[0] && e->lib[0].sger;
    bench_contender c[3];
    c[0] = (bench_contender){"zenn", run_zenn_update, &u[0], NULL, threads, 0, NULL, NULL};
    c[1] = (bench_contender){"zenn-2pass", run_zenn_update, &u[1], NULL, threads, 0, NULL, NULL};
    c[2] = (bench_contender){"openblas",
                             run_cblas_update,
                             &u[2],
                             prepare_cblas_update,
                             threads,
                             !have_ob,
                             e->have[0] ? "openblas lacks cblas_sger" : e->lib[0].why,
                             NULL};
    bench_stats st[3];
    bench_measure(&e->run->opts, c, 3, st);
    for (int l = 1; l < 3; l++) {
        bench_result r;
        fill_result(&r, label, shape, threads, 4.0 * m * n);
        snprintf(r.peer, sizeof r.peer, "%s", c[l].name);
        r.zenn = st[0];
        r.other = st[l];
        if (!st[l].ok) snprintf(r.why, sizeof r.why, "%s: %s", c[l].name, c[l].skip_reason);
        bench_add(e->run, &r);
    }
    zn_free(z);
    zn_free(w);
    free_data(&d);
}

int bench_suite_gemm(bench_run *run) {
    gemm_env e;
    memset(&e, 0, sizeof e);
    e.run = run;
    zn_rng_seed(&e.rng, 1234);
    e.have[0] = bench_openblas_load(&e.lib[0]);
    e.have[1] = bench_blis_load(&e.lib[1]);
    int threads = run->opts.threads > 0 ? run->opts.threads : zn_pool_size(zn_pool_default());
    if (zn_pool_create(1, &e.pool1) != ZN_OK || zn_pool_create(threads, &e.pooln) != ZN_OK) {
        bench_note(run, "gemm: cannot create thread pools: %s", zn_last_error());
        zn_pool_free(e.pool1);
        return 1;
    }
    e.nthreads = threads;

    bench_section(run, "gemm: sgemm and sgemv against OpenBLAS, BLIS and NumPy");
    for (int l = 0; l < 2; l++) {
        if (e.have[l])
            bench_note(run, "peer: %s", e.lib[l].info);
        else
            bench_note(run, "peer %s skipped: %s", e.lib[l].name, e.lib[l].why);
    }
    if (bench_peer_start_numpy(&e.numpy))
        bench_note(run, "peer: NumPy %s, 1 BLAS thread (OPENBLAS_NUM_THREADS=1, OPENBLAS_CORETYPE=SkylakeX)",
                   e.numpy.version);
    else
        bench_note(run, "peer numpy skipped: %s", e.numpy.why);
    bench_note(run,
               "zenn kernels: %s; FMA peak (best of short runs; the fma-peak rows interleave their own) 1 thread: %.1f "
               "GFLOP/s; %d threads: %.1f GFLOP/s",
               zn_isa_name(zn_isa_active()), bench_fma_peak(1) * 1e-9, threads, bench_fma_peak(threads) * 1e-9);

    static const int squares_full[] = {128, 256, 512, 1024, 2048};
    static const int squares_quick[] = {256, 1024};
    const int *sq = run->opts.quick ? squares_quick : squares_full;
    int nsq = run->opts.quick ? 2 : 5;
    for (int i = 0; i < nsq; i++) {
        int s = sq[i];
        char label[64];
        snprintf(label, sizeof label, "sgemm square %d", s);
        int big = s >= 1024;
        gemm_case(&e, label, 0, 0, s, s, s, big ? 0.95 : 0, big ? 0.90 : 0, s == 1024 ? 1.7 : 1.0);
    }

    /* Layers of networks: forward Y = X W, then the backward products
     * dW = X^T dY (A transposed) and dX = dY W^T (B transposed). */
    static const int layers[][3] = {{64, 128, 784}, {64, 10, 128}, {64, 512, 2048}, {32, 512, 128}, {512, 512, 64}};
    int nl = run->opts.quick ? 2 : 5;
    for (int i = 0; i < nl; i++) {
        int m = layers[i][0], n = layers[i][1], k = layers[i][2];
        char label[64];
        snprintf(label, sizeof label, "layer fwd %dx%d.%dx%d", m, k, k, n);
        gemm_case(&e, label, 0, 0, m, n, k, 1.0, 0, 0);
        snprintf(label, sizeof label, "layer dW %dx%d^T.%dx%d", m, k, m, n);
        gemm_case(&e, label, 1, 0, k, n, m, 1.0, 0, 0);
        snprintf(label, sizeof label, "layer dX %dx%d.(%dx%d)^T", m, n, k, n);
        gemm_case(&e, label, 0, 1, m, k, n, 1.0, 0, 0);
    }

    bench_section(run, "gemv: batch-1 inference against OpenBLAS and BLIS (default pool size, ZN_THREADS)");
    gemv_case(&e, 1, 784, 128, 1.0);
    gemv_case(&e, 0, 128, 784, 1.0);
    gemv_case(&e, 1, 2048, 512, 1.0);
    gemv_case(&e, 0, 512, 2048, 1.0);
    bench_section(run, "update+product: batch-1 training's first-layer update and the next sample's product");
    update_case(&e, 784, 128);
    update_case(&e, 2048, 512);
    if (!run->opts.quick) update_case(&e, 4096, 1024);

    bench_peer_stop(&e.numpy);
    zn_pool_free(e.pool1);
    zn_pool_free(e.pooln);
    return 0;
}
