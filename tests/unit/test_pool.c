/* Thread pool: every part runs once, jobs back to back, nested and
 * concurrent callers, idle workers sleep and wake for the next job, late
 * workers' parts still run once, ranges split exactly. Nothing here asserts
 * how long anything takes or which thread ran a part: the timing policy is
 * tested on a fake clock (test_pool_policy.c), speed by `zenn bench pool`. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "base/pool_policy.h"
#include "zn_test.h"

typedef struct count_job {
    atomic_int calls[16];
    atomic_int total;
    atomic_int seen_nth;
} count_job;

static void count_parts(void *arg, int ith, int nth) {
    count_job *j = arg;
    atomic_fetch_add(&j->calls[ith], 1);
    atomic_fetch_add(&j->total, 1);
    atomic_store(&j->seen_nth, nth);
}

static void test_parts_run_once(void) {
    for (int size = 1; size <= 4; size++) {
        zn_pool *p = NULL;
        ZT_OK(zn_pool_create(size, &p));
        ZT_CHECK(zn_pool_size(p) == size);
        for (int nth = 0; nth <= 6; nth++) {
            count_job j;
            memset(&j, 0, sizeof j);
            ZT_OK(zn_pool_run(p, count_parts, &j, nth));
            int want = nth < 1 ? 1 : (nth > size ? size : nth);
            ZT_CHECK_MSG(atomic_load(&j.total) == want, "size %d nth %d: %d calls", size, nth, atomic_load(&j.total));
            for (int i = 0; i < want; i++) ZT_CHECK(atomic_load(&j.calls[i]) == 1);
            ZT_CHECK(atomic_load(&j.seen_nth) == want);
        }
        zn_pool_free(p);
    }
    zn_pool_free(NULL);
}

/* Empty jobs always lose to running alone, so this also runs the pool's
 * alone-after-losses path: every part must still run exactly once. */
static void test_many_jobs(void) {
    zn_pool *p = NULL;
    ZT_OK(zn_pool_create(3, &p));
    count_job j;
    memset(&j, 0, sizeof j);
    for (int i = 0; i < 20000; i++) zn_pool_run(p, count_parts, &j, 3);
    ZT_CHECK(atomic_load(&j.total) == 60000);
    ZT_CHECK(atomic_load(&j.calls[2]) == 20000);
    zn_pool_free(p);
}

typedef struct nested_job {
    zn_pool *pool;
    atomic_int inner;
} nested_job;

static void inner_part(void *arg, int ith, int nth) {
    (void)ith;
    (void)nth;
    atomic_fetch_add((atomic_int *)arg, 1);
}

static void outer_part(void *arg, int ith, int nth) {
    nested_job *j = arg;
    (void)ith;
    (void)nth;
    /* The pool is busy: this must run inline, not deadlock. */
    zn_pool_run(j->pool, inner_part, &j->inner, 2);
}

static void test_nested(void) {
    zn_pool *p = NULL;
    ZT_OK(zn_pool_create(2, &p));
    nested_job j = {p, 0};
    ZT_OK(zn_pool_run(p, outer_part, &j, 2));
    ZT_CHECK(atomic_load(&j.inner) == 4);
    zn_pool_free(p);
}

typedef struct caller_arg {
    zn_pool *pool;
    count_job job;
} caller_arg;

static void *caller_thread(void *arg) {
    caller_arg *c = arg;
    for (int i = 0; i < 2000; i++) zn_pool_run(c->pool, count_parts, &c->job, 2);
    return NULL;
}

static void test_concurrent_callers(void) {
    zn_pool *p = NULL;
    ZT_OK(zn_pool_create(2, &p));
    caller_arg a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.pool = b.pool = p;
    pthread_t ta, tb;
    pthread_create(&ta, NULL, caller_thread, &a);
    pthread_create(&tb, NULL, caller_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ZT_CHECK(atomic_load(&a.job.total) == 4000);
    ZT_CHECK(atomic_load(&b.job.total) == 4000);
    zn_pool_free(p);
}

/* Polls until all of the pool's workers sleep in the kernel; 0 if they
 * still do not after 60 s (a spin that never ends). A worker spins at most
 * 1 ms after a job, so only a pool that never sleeps comes near the limit. */
static int workers_fall_asleep(zn_pool *p) {
    for (int i = 0; i < 60000; i++) {
        if (zn_pool_sleeping(p) == zn_pool_size(p) - 1) return 1;
        struct timespec nap = {0, 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    return 0;
}

/* After a job of 4 parts on a 4-thread pool, all three workers sleep (and
 * an idle pool then uses no CPU), and they wake for the next job. */
static void idle_after(zn_pool_fn fn, void *arg) {
    zn_pool *p = NULL;
    ZT_OK(zn_pool_create(4, &p));
    ZT_OK(zn_pool_run(p, fn, arg, 4));
    ZT_CHECK_MSG(workers_fall_asleep(p), "%d of 3 idle workers asleep after 60 s", zn_pool_sleeping(p));
    count_job j;
    memset(&j, 0, sizeof j);
    ZT_OK(zn_pool_run(p, count_parts, &j, 4));
    ZT_CHECK(atomic_load(&j.total) == 4);
    ZT_CHECK(workers_fall_asleep(p));
    zn_pool_free(p);
}

static void test_idle_workers_sleep(void) {
    count_job j;
    memset(&j, 0, sizeof j);
    idle_after(count_parts, &j);
}

/* Each part computes for 50 ms of wall time. */
static void long_parts(void *arg, int ith, int nth) {
    (void)arg, (void)ith, (void)nth;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1e9 + (t.tv_nsec - t0.tv_nsec) < 50e6);
}

/* After long parts workers spin longer (up to 1 ms), and still sleep. */
static void test_idle_after_long_job_sleeps(void) { idle_after(long_parts, NULL); }

/* Part 0 waits until part 1 has run, which only a worker can do while the
 * caller is inside part 0. A worker never woken would leave it waiting for
 * ever: it gives up after 60 s (met stays 0). */
typedef struct meet_job {
    atomic_int arrived;
    int met;
} meet_job;

static void meet_parts(void *arg, int ith, int nth) {
    (void)nth;
    meet_job *j = arg;
    if (ith == 1) {
        atomic_store(&j->arrived, 1);
        return;
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        if (atomic_load(&j->arrived)) {
            j->met = 1;
            return;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (t.tv_sec - t0.tv_sec < 60);
}

/* A worker that goes to sleep just as a job is published must still be
 * woken for it: jobs come after gaps on both sides of the 50 us spin, so
 * some find the worker spinning, some asleep and some falling asleep.
 * Adaptation is off: these jobs, whose part 0 lasts until a worker comes,
 * would soon be run alone. */
static void test_workers_wake_for_jobs(void) {
    zn_pool *p = NULL;
    setenv("ZN_POOL_ADAPT", "0", 1);
    ZT_OK(zn_pool_create(2, &p));
    unsetenv("ZN_POOL_ADAPT");
    int missed = 0;
    for (int i = 0; i < 120 && !missed; i++) {
        struct timespec t0, t;
        const double gap_ns = (i % 12) * 10e3; /* 0 to 110 us */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do clock_gettime(CLOCK_MONOTONIC, &t);
        while ((t.tv_sec - t0.tv_sec) * 1e9 + (t.tv_nsec - t0.tv_nsec) < gap_ns);
        meet_job j = {0};
        ZT_OK(zn_pool_run(p, meet_parts, &j, 2));
        missed += !j.met;
    }
    ZT_CHECK_MSG(missed == 0, "a job's part 0 waited 60 s for a worker");
    zn_pool_free(p);
}

/* Part 1 of each job, and how often the caller ran it. */
typedef struct steal_job {
    pthread_t caller;
    atomic_int part1, on_caller;
} steal_job;

static void steal_parts(void *arg, int ith, int nth) {
    (void)nth;
    steal_job *j = arg;
    if (ith != 1) return;
    atomic_fetch_add(&j->part1, 1);
    if (pthread_equal(pthread_self(), j->caller)) atomic_fetch_add(&j->on_caller, 1);
}

static void *hog(void *arg) {
    atomic_int *stop = arg;
    while (!atomic_load_explicit(stop, memory_order_relaxed)) {
    }
    return NULL;
}

/* Workers that never spin are asleep at every job, so the caller takes
 * their parts when they are late: each part still runs exactly once,
 * whichever thread runs it. A thread spinning beside them takes cores away
 * at random points, also between a worker's look at the job and its claim
 * (a worker that slept through jobs once ran a later job's part with its
 * old job number). How many parts the caller took depends on the
 * scheduler: printed, not checked. */
static void test_late_parts_run_once(void) {
    zn_pool *p = NULL;
    setenv("ZN_POOL_SPIN_US", "0", 1);
    setenv("ZN_POOL_ADAPT", "0", 1);
    ZT_OK(zn_pool_create(2, &p));
    unsetenv("ZN_POOL_SPIN_US");
    unsetenv("ZN_POOL_ADAPT");
    steal_job j = {.caller = pthread_self()};
    atomic_int stop = 0;
    pthread_t h;
    ZT_CHECK(pthread_create(&h, NULL, hog, &stop) == 0);
    for (int i = 0; i < 20000; i++) ZT_OK(zn_pool_run(p, steal_parts, &j, 2));
    atomic_store(&stop, 1);
    pthread_join(h, NULL);
    const int on_caller = atomic_load(&j.on_caller);
    ZT_CHECK_MSG(atomic_load(&j.part1) == 20000, "part 1 ran %d times in 20000 jobs", atomic_load(&j.part1));
    fprintf(stderr, "the caller took %d of 20000 late parts\n", on_caller);
    zn_pool_free(p);
}

static void test_split_range(void) {
    int64_t cases[][2] = {{0, 1}, {1, 1}, {7, 1}, {100, 1}, {100, 16}, {17, 16}, {1023, 32}, {5, 8}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int64_t n = cases[c][0], align = cases[c][1];
        for (int nth = 1; nth <= 5; nth++) {
            int64_t expect = 0;
            for (int ith = 0; ith < nth; ith++) {
                int64_t b, e;
                zn_split_range(n, align, ith, nth, &b, &e);
                ZT_CHECK(b == expect);
                ZT_CHECK(e >= b && e <= n);
                if (e < n && e > b) ZT_CHECK(e % align == 0);
                expect = e;
            }
            ZT_CHECK(expect == n);
        }
    }
}

static void test_bad_args(void) {
    zn_pool *p = NULL;
    ZT_ERR(zn_pool_create(2, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_pool_create(100000, &p), ZN_ERR_INVALID_ARG);
    ZT_CHECK(p == NULL);
    ZT_OK(zn_pool_create(0, &p)); /* ZN_THREADS or the CPU count */
    ZT_CHECK(zn_pool_size(p) >= 1);
    ZT_ERR(zn_pool_run(p, NULL, NULL, 2), ZN_ERR_INVALID_ARG);
    zn_pool_free(p);
    ZT_CHECK(zn_pool_default() != NULL);
    ZT_CHECK(zn_pool_default() == zn_pool_default());
}

int main(void) {
    ZT_RUN(test_parts_run_once);
    ZT_RUN(test_many_jobs);
    ZT_RUN(test_nested);
    ZT_RUN(test_concurrent_callers);
    ZT_RUN(test_idle_workers_sleep);
    ZT_RUN(test_idle_after_long_job_sleeps);
    ZT_RUN(test_workers_wake_for_jobs);
    ZT_RUN(test_late_parts_run_once);
    ZT_RUN(test_split_range);
    ZT_RUN(test_bad_args);
    return zt_finish();
}
