/* Suite `pool`: the cost of starting a parallel job, and the CPU an idle pool uses. */
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
    zn_pool_free(pool);
    return 0;
}
