/* A persistent thread pool with a short spin and then a kernel sleep.
 *
 * Thread ith runs part ith of a job (the caller part 0, worker i part i), so
 * a part's data stays in one core's cache job after job. Parts are claimed,
 * not assigned: the caller takes a part nobody claimed in time (a worker
 * asleep, or without a core). Each part is the same static slice whoever
 * runs it, so results never depend on timing.
 *
 * Every word sits on a cache line one thread writes (a line written by two
 * cores in turn moves between them on each write), and the caller reads a
 * worker's claim only when it is late. Timing uses the TSC (zn_fast_ns).
 * Waits spin for a bounded time and then sleep on a futex, so an idle pool
 * burns no CPU and spinning workers never fight the caller for a core.
 *
 * The timing policy (when to run jobs alone after lost splits, how long to
 * wait for a late worker, how long to spin) is in pool_policy.h, apart from
 * the threads, so that it is tested with a fake clock. The measurements
 * behind it are in docs/KERNELS.md, section "The thread pool".
 * ZN_POOL_ADAPT=0 always splits. */
#define _DEFAULT_SOURCE /* syscall() */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/file.h"
#include "base/internal.h"
#include "base/pool_policy.h"
#include "zenn/pool.h"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#define ZN_HAVE_FUTEX 1
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* A worker's words, each on a line only it writes (the caller writes a
 * claim only to take a late worker's part). */
typedef struct pool_slot {
    _Alignas(ZN_ALIGN) atomic_uint claimed; /* the last job whose part this worker's was claimed, by anyone */
    _Alignas(ZN_ALIGN) atomic_uint done;    /* the last job whose part the worker finished; a futex word */
} pool_slot;

typedef struct pool_worker {
    struct zn_pool *pool;
    int ith;
    pthread_t thread;
} pool_worker;

struct zn_pool {
    /* Set at creation and read by all: */
    int size;             /* threads including the caller */
    pool_worker *workers; /* size - 1 of them */
    pool_slot *slots;     /* per thread; slot 0 (the caller's) unused */
    uint64_t spin_ns;

    /* Touched only by the caller, on lines no worker reads: */
    _Alignas(ZN_ALIGN) pthread_mutex_t busy; /* held by the caller of the running job */
    unsigned job;                            /* the last job's number (what `generation` holds) */
    zn_pool_policy policy;                   /* the adaptive hand-off (pool_policy.h) */

#if !ZN_HAVE_FUTEX
    pthread_mutex_t lock;
    pthread_cond_t cond;
#endif

    /* The job: written by the caller when it publishes, read by workers.
     * Bumping `generation` (the job's number) publishes it and wakes
     * sleeping workers. */
    _Alignas(ZN_ALIGN) _Atomic(zn_pool_fn) fn;
    _Atomic(void *) arg;
    atomic_int nth;
    atomic_int stop;
    atomic_uint generation;

    /* Threads asleep (or about to be): workers on `generation`, the caller
     * on a worker's `done`. Written only around a sleep. */
    _Alignas(ZN_ALIGN) atomic_int sleepers;
    atomic_int waiting;
};

/* ---- wait and wake on a 32-bit word ------------------------------------------ */

#if ZN_HAVE_FUTEX
static void sleep_while_equal(zn_pool *p, atomic_uint *word, unsigned value) {
    (void)p;
    syscall(SYS_futex, (unsigned *)(uintptr_t)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}
static void wake_all(zn_pool *p, atomic_uint *word) {
    (void)p;
    syscall(SYS_futex, (unsigned *)(uintptr_t)word, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}
#else
static void sleep_while_equal(zn_pool *p, atomic_uint *word, unsigned value) {
    pthread_mutex_lock(&p->lock);
    while (atomic_load(word) == value) pthread_cond_wait(&p->cond, &p->lock);
    pthread_mutex_unlock(&p->lock);
}
static void wake_all(zn_pool *p, atomic_uint *word) {
    (void)word;
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}
#endif

static uint64_t spin_budget(const zn_pool *p, uint64_t work_ns) { return zn_pool_spin_budget(p->spin_ns, work_ns); }

/* Waits until *word != value: spin for up to spin_ns, then sleep, counted
 * in *asleep while asleep. */
static void wait_while_equal(zn_pool *p, atomic_uint *word, unsigned value, uint64_t spin_ns, atomic_int *asleep) {
    uint64_t start = 0;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(word, memory_order_acquire) != value) return;
        cpu_relax();
        if ((i & 63) == 0) {
            uint64_t now = zn_fast_ns();
            if (start == 0)
                start = now;
            else if (now - start > spin_ns)
                break;
        }
    }
    atomic_fetch_add(asleep, 1);
    while (atomic_load_explicit(word, memory_order_acquire) == value) sleep_while_equal(p, word, value);
    atomic_fetch_sub(asleep, 1);
}

/* Wakes the threads counted in *asleep after *word changed. The seq_cst
 * order between the change and this load pairs with the sleeper's
 * increment and re-check. */
static void notify(zn_pool *p, atomic_uint *word, atomic_int *asleep) {
    if (atomic_load(asleep) > 0) wake_all(p, word);
}

/* ---- workers ------------------------------------------------------------------------ */

/* Claims a worker's part of job `job` for whoever calls: 0 when that job's
 * part, or a later job's, was claimed already. Only the worker and a
 * caller taking a late part write the word, each the number of the job it
 * runs; a worker that slept through jobs may still hold an old number,
 * and must not claim a later job's part with it (a test saw a part run
 * twice in 3000 jobs when any other value counted as free). */
static int claim_part(pool_slot *slot, unsigned job) {
    unsigned c = atomic_load_explicit(&slot->claimed, memory_order_relaxed);
    return (int)(job - c) > 0 &&
           atomic_compare_exchange_strong_explicit(&slot->claimed, &c, job, memory_order_acq_rel, memory_order_relaxed);
}

static void *worker_main(void *arg) {
    pool_worker *w = arg;
    zn_pool *p = w->pool;
    pool_slot *slot = &p->slots[w->ith];
    unsigned seen = 0;
    uint64_t worked = 0;
    for (;;) {
        wait_while_equal(p, &p->generation, seen, spin_budget(p, worked), &p->sleepers);
        seen = atomic_load_explicit(&p->generation, memory_order_acquire);
        if (atomic_load(&p->stop)) break;
        worked = 0;
        const int nth = atomic_load_explicit(&p->nth, memory_order_relaxed);
        /* A successful claim means the caller is still inside job `seen`
         * (it waits for this part or runs it), so fn and arg are its. */
        if (w->ith >= nth || !claim_part(slot, seen)) continue;
        const uint64_t t0 = zn_fast_ns();
        atomic_load_explicit(&p->fn, memory_order_relaxed)(atomic_load_explicit(&p->arg, memory_order_relaxed), w->ith,
                                                           nth);
        atomic_store_explicit(&slot->done, seen, memory_order_release);
        atomic_thread_fence(memory_order_seq_cst); /* pairs with the caller's sleep (notify) */
        notify(p, &slot->done, &p->waiting);
        worked = zn_fast_ns() - t0;
    }
    return NULL;
}

static int default_size(void) {
    long cpus = zn_cpu()->logical_cpus;
    return (int)zn_env_long("ZN_THREADS", cpus, 1, 1024);
}

/* A worker is born with SIGINT, SIGTERM and SIGHUP blocked, so they reach
 * the caller's thread, which defers them while a save has a temporary file. */
static int start_worker(pool_worker *w) {
    sigset_t old;
    zn_block_stop_signals(&old);
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

zn_status zn_pool_create(int nthreads, zn_pool **out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "zn_pool_create: out is NULL");
    *out = NULL;
    if (nthreads > 1024) return zn_error(ZN_ERR_INVALID_ARG, "zn_pool_create: %d threads (max 1024)", nthreads);
    if (nthreads <= 0) nthreads = default_size();

    zn_fast_clock_init(); /* before any worker reads the clock */
    zn_pool *p = zn_calloc(1, sizeof *p);
    if (!p) return ZN_ERR_OUT_OF_MEMORY;
    p->size = nthreads;
    p->spin_ns = (uint64_t)zn_env_long("ZN_POOL_SPIN_US", 50, 0, 1000000) * 1000;
    zn_pool_policy_init(&p->policy, (int)zn_env_long("ZN_POOL_ADAPT", 1, 0, 1));
    pthread_mutex_init(&p->busy, NULL);
#if !ZN_HAVE_FUTEX
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
#endif
    if (nthreads > 1) {
        p->workers = zn_calloc((size_t)nthreads - 1, sizeof *p->workers);
        p->slots = zn_calloc((size_t)nthreads, sizeof *p->slots);
        if (!p->workers || !p->slots) {
            zn_pool_free(p);
            return ZN_ERR_OUT_OF_MEMORY;
        }
        for (int i = 0; i < nthreads - 1; i++) {
            pool_worker *w = &p->workers[i];
            w->pool = p;
            w->ith = i + 1;
            if (start_worker(w) != 0) {
                p->size = i + 1; /* the workers started so far are joined by free */
                zn_pool_free(p);
                return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_pool_create: cannot start thread %d of %d", i + 2, nthreads);
            }
        }
    }
    *out = p;
    return ZN_OK;
}

void zn_pool_free(zn_pool *p) {
    if (!p) return;
    if (p->size > 1 && p->workers) {
        pthread_mutex_lock(&p->busy);
        atomic_store(&p->stop, 1);
        atomic_fetch_add(&p->generation, 1);
        wake_all(p, &p->generation);
        for (int i = 0; i < p->size - 1; i++) pthread_join(p->workers[i].thread, NULL);
        pthread_mutex_unlock(&p->busy);
    }
    zn_free(p->workers);
    zn_free(p->slots);
    pthread_mutex_destroy(&p->busy);
#if !ZN_HAVE_FUTEX
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
#endif
    zn_free(p);
}

int zn_pool_size(const zn_pool *p) { return p ? p->size : 1; }

int zn_pool_sleeping(zn_pool *p) { return p && p->size > 1 ? atomic_load(&p->sleepers) : 0; }

/* Spins until the worker's part of `job` is done (1) or the clock passes
 * `until` (0). */
static int wait_for_part(pool_slot *slot, unsigned job, uint64_t patience_ns) {
    uint64_t until = 0;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(&slot->done, memory_order_acquire) == job) return 1;
        if (patience_ns == 0) return 0;
        cpu_relax();
        if ((i & 63) == 0) {
            const uint64_t now = zn_fast_ns();
            if (until == 0)
                until = now + patience_ns;
            else if (now >= until)
                return 0;
        }
    }
}

/* Waits (spin, then sleep) until the worker's part of `job` is done: it
 * claimed the part, or finished it already. */
static void wait_for_done(zn_pool *p, pool_slot *slot, unsigned job, uint64_t spin_ns) {
    for (;;) {
        unsigned d = atomic_load_explicit(&slot->done, memory_order_acquire);
        if (d == job) return;
        wait_while_equal(p, &slot->done, d, spin_ns, &p->waiting);
    }
}

zn_status zn_pool_run(zn_pool *p, zn_pool_fn fn, void *arg, int nth) {
    if (!fn) return zn_error(ZN_ERR_INVALID_ARG, "zn_pool_run: fn is NULL");
    int size = zn_pool_size(p);
    if (nth > size) nth = size;
    if (nth < 1) nth = 1;
    if (nth == 1) {
        fn(arg, 0, 1);
        return ZN_OK;
    }
    /* Busy (another thread's job, or a job inside a job): run every part here. */
    if (pthread_mutex_trylock(&p->busy) != 0) {
        for (int i = 0; i < nth; i++) fn(arg, i, nth);
        return ZN_OK;
    }
    zn_pool_policy *pp = &p->policy;
    if (zn_pool_policy_alone(pp)) { /* splitting has been losing: the same parts, here */
        for (int i = 0; i < nth; i++) fn(arg, i, nth);
        zn_pool_policy_alone_done(pp, zn_fast_ns());
        pthread_mutex_unlock(&p->busy);
        return ZN_OK;
    }
    uint64_t t_pub = pp->adapt ? zn_fast_ns() : 0;
    zn_pool_policy_split_begin(pp, t_pub, p->spin_ns);
    /* Every part of the previous job finished, so no worker still reads
     * these fields; the generation publishes them. */
    const unsigned job = ++p->job ? p->job : ++p->job; /* never 0, the words' first value */
    atomic_store_explicit(&p->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&p->arg, arg, memory_order_relaxed);
    atomic_store_explicit(&p->nth, nth, memory_order_relaxed);
    atomic_store_explicit(&p->generation, job, memory_order_release);
    /* The generation's store before the sleepers' load (the sleeper does
     * the opposite), so a worker that falls asleep as this job is
     * published is woken for it. */
    atomic_thread_fence(memory_order_seq_cst);
    int asleep = atomic_load_explicit(&p->sleepers, memory_order_relaxed) > 0;
    if (asleep) wake_all(p, &p->generation);
    const int judged = zn_pool_policy_judged(pp, asleep, t_pub);

    uint64_t t_own = asleep && pp->adapt ? zn_fast_ns() : t_pub;
    fn(arg, 0, nth);
    int mine = 1;
    uint64_t t_mine = zn_fast_ns();
    /* A worker's part is taken here only when the worker is late: looking
     * at its claim pulls that line over, and its next claim then waits for
     * it to come back. */
    const uint64_t own_ns = t_mine - t_own;
    const uint64_t patience = zn_pool_patience(asleep, own_ns);
    for (int i = 1; i < nth; i++) {
        pool_slot *slot = &p->slots[i];
        if (wait_for_part(slot, job, patience) || !claim_part(slot, job)) {
            wait_for_done(p, slot, job, spin_budget(p, own_ns));
            continue;
        }
        fn(arg, i, nth);
        mine++;
    }
    if (pp->adapt) zn_pool_policy_split_done(pp, judged, nth, mine, t_pub, t_own, t_mine, zn_fast_ns());
    pthread_mutex_unlock(&p->busy);
    return ZN_OK;
}

static zn_pool *default_pool;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void make_default_pool(void) {
    if (zn_pool_create(0, &default_pool) != ZN_OK) default_pool = NULL;
}

zn_pool *zn_pool_default(void) {
    pthread_once(&default_once, make_default_pool);
    return default_pool;
}

void zn_split_range(int64_t n, int64_t align, int ith, int nth, int64_t *begin, int64_t *end) {
    if (align < 1) align = 1;
    if (nth < 1) nth = 1;
    int64_t blocks = (n + align - 1) / align;
    int64_t per = blocks / nth, extra = blocks % nth;
    int64_t b0 = ith * per + (ith < extra ? ith : extra);
    int64_t b1 = b0 + per + (ith < extra ? 1 : 0);
    int64_t lo = b0 * align, hi = b1 * align;
    *begin = lo < n ? lo : n;
    *end = hi < n ? hi : n;
}
