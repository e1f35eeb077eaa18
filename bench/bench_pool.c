/* Suite `pool`: the cost of starting a parallel job, the CPU an idle pool
 * uses, and small jobs split over the pool against the same jobs on one
 * thread: a pool must never make work slower than one thread does (on a
 * busy machine, spinning OpenMP threads made PyTorch 50x slower here). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static void empty_part(void *arg, int ith, int nth) {
    (void)arg;
    (void)ith;
    (void)nth;
}

typedef struct pool_ctx {
    zn_pool *pool;
    int nth;
} pool_ctx;

static int run_empty_job(void *p) {
    pool_ctx *c = p;
    return zn_pool_run(c->pool, empty_part, NULL, c->nth) != ZN_OK;
}

/* A job of n floats summed in parts: memory-light arithmetic of a known size. */
typedef struct sum_ctx {
    zn_pool *pool;
    int nth;
    const float *x;
    int64_t n;
    float part_sum[64];
} sum_ctx;

static void sum_part(void *arg, int ith, int nth) {
    sum_ctx *c = arg;
    int64_t b, e;
    zn_split_range(c->n, 64, ith, nth, &b, &e);
    float acc[8] = {0};
    for (int64_t i = b; i + 8 <= e; i += 8)
        for (int j = 0; j < 8; j++) acc[j] = acc[j] * 0.999f + c->x[i + j];
    c->part_sum[ith] = acc[0] + acc[7];
}

static int run_sum(void *p) {
    sum_ctx *c = p;
    return zn_pool_run(c->pool, sum_part, c, c->nth) != ZN_OK;
}

static void split_case(bench_run *run, zn_pool *pool, int threads, int64_t n, const float *x) {
    char name[64], shape[48];
    snprintf(name, sizeof name, "pool split job %lld floats", (long long)n);
    if (!bench_selected(&run->opts, name)) return;
    sum_ctx one = {pool, 1, x, n, {0}}, split = {pool, threads, x, n, {0}};
    bench_contender c[2] = {{"zenn", run_sum, &split, NULL, threads, 0, NULL, NULL},
                            {"zenn-1t", run_sum, &one, NULL, 1, 0, NULL, NULL}};
    bench_stats st[2];
    bench_measure(&run->opts, c, 2, st);
    bench_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.suite, sizeof r.suite, "pool");
    snprintf(r.name, sizeof r.name, "%s", name);
    snprintf(shape, sizeof shape, "%lld floats, %d parts", (long long)n, threads);
    snprintf(r.shape, sizeof r.shape, "%s", shape);
    snprintf(r.unit, sizeof r.unit, "M jobs/s");
    snprintf(r.peer, sizeof r.peer, "zenn-1t");
    r.threads = threads;
    r.work = 1;
    r.scale = 1e-6;
    r.zenn = st[0];
    r.other = st[1];
    r.target = 0.9;
    snprintf(r.target_note, sizeof r.target_note, "split over the pool never much slower than one thread");
    bench_add(run, &r);
}

int bench_suite_pool(bench_run *run) {
    int threads = run->opts.threads > 0 ? run->opts.threads : zn_pool_size(zn_pool_default());
    zn_pool *pool = NULL;
    if (zn_pool_create(threads, &pool) != ZN_OK) return 1;
    bench_section(run, "pool: thread pool overheads");
    if (bench_selected(&run->opts, "pool empty job")) {
        pool_ctx c = {pool, threads};
        bench_contender k = {"zenn", run_empty_job, &c, NULL, threads, 0, NULL, NULL};
        bench_stats st;
        bench_measure(&run->opts, &k, 1, &st);
        bench_note(run, "empty job on %d threads: median %.2f us (min %.2f, max %.2f)", threads, st.median * 1e6,
                   st.min * 1e6, st.max * 1e6);
    }
    if (bench_selected(&run->opts, "pool idle cpu")) {
        zn_pool_run(pool, empty_part, NULL, threads);
        struct timespec c0, c1, nap = {0, 200 * 1000 * 1000};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        nanosleep(&nap, NULL);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        double used = (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9;
        bench_note(run, "idle pool of %d threads: %.2f ms of CPU in 200 ms of wall time", threads, used * 1e3);
    }
    if (threads > 1) {
        enum { MAX_N = 1 << 18 };
        float *x = zn_calloc(MAX_N, sizeof(float));
        /* ~4, ~15 and ~60 us of work on one thread here: the sizes kernels
         * split (below ~2 us of work they run on the caller: a hand-off costs
         * about 0.5 us of cache-line traffic even on an idle machine) */
        for (int64_t n = 1 << 14; x && n <= MAX_N; n <<= 2) split_case(run, pool, threads, n, x);
        zn_free(x);
    }
    zn_pool_free(pool);
    return 0;
}
