/* The machine's FMA peak, measured in the same run as the kernels. */
#include <string.h>

#include "bench.h"
#include "kernels/kernels.h"

typedef struct peak_job {
    zn_fma_loop_fn loop;
    uint64_t iters;
    double flops[64];
} peak_job;

static void peak_part(void *arg, int ith, int nth) {
    peak_job *j = arg;
    (void)nth;
    if (ith < 64) j->flops[ith] = (double)j->loop(j->iters);
}

double bench_fma_peak(int threads) {
    zn_pool *pool = NULL;
    if (threads < 1) threads = 1;
    if (zn_pool_create(threads, &pool) != ZN_OK) return 0.0;
    peak_job job = {zn_kernels_get()->fma_loop, 1u << 20, {0}};
    double best = 0.0;
    /* Best of a few short runs: the peak is what the core can do when nothing interferes. */
    for (int rep = 0; rep < 7; rep++) {
        double t0 = zn_time_sec();
        zn_pool_run(pool, peak_part, &job, threads);
        double t = zn_time_sec() - t0, flops = 0.0;
        for (int i = 0; i < threads && i < 64; i++) flops += job.flops[i];
        if (t > 0 && flops / t > best) best = flops / t;
        if (t < 0.02) job.iters *= 2;
    }
    zn_pool_free(pool);
    return best;
}

void bench_peak_init(bench_peak_ctx *c, zn_pool *pool, int threads, double flops) {
    memset(c, 0, sizeof *c);
    c->pool = pool;
    const int size = zn_pool_size(pool ? pool : zn_pool_default());
    if (threads > size) threads = size; /* the peak of the threads there are */
    c->threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    double per_iter = (double)zn_kernels_get()->fma_loop(1);
    double iters = per_iter > 0 ? flops / per_iter / c->threads : 1.0;
    c->iters = iters < 1.0 ? 1 : (uint64_t)iters;
}

static void peak_ctx_part(void *arg, int ith, int nth) {
    bench_peak_ctx *c = arg;
    (void)nth;
    if (ith < 64) c->done[ith] = zn_kernels_get()->fma_loop(c->iters);
}

int bench_peak_run(void *ctx) {
    bench_peak_ctx *c = ctx;
    if (c->threads == 1) {
        peak_ctx_part(c, 0, 1);
        return 0;
    }
    return zn_pool_run(c->pool ? c->pool : zn_pool_default(), peak_ctx_part, c, c->threads) != ZN_OK;
}
