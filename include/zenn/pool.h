/* A persistent thread pool.
 *
 * zn_pool_run(pool, fn, arg, nth) calls fn(arg, ith, nth) once for each ith in
 * [0, nth): the calling thread runs ith = 0, worker i runs ith = i (the
 * calling thread takes it instead when that worker is late: asleep, or
 * without a core), and the call returns when all are done. Work is split
 * statically by ith, so results never depend on timing.
 *
 * Idle workers sleep in the kernel (futex / condition variable): an idle pool
 * costs no CPU. After a job a worker spins briefly (50 us, ZN_POOL_SPIN_US;
 * after a long part up to half its time, at most 1 ms) before it sleeps, so
 * back-to-back jobs start fast without starving other threads on a machine
 * with few cores.
 *
 * One job runs at a time: a second thread that calls zn_pool_run while the
 * pool is busy runs its job on its own thread (ith 0..nth-1 in order) rather
 * than waiting, so concurrent callers never deadlock. */
#ifndef ZENN_POOL_H
#define ZENN_POOL_H

#include "zenn/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zn_pool zn_pool;
typedef void (*zn_pool_fn)(void *arg, int ith, int nth);

/* nthreads <= 0: ZN_THREADS from the environment, or else the online CPUs.
 * The pool holds nthreads - 1 workers (the caller is the first thread). */
ZN_API zn_status zn_pool_create(int nthreads, zn_pool **out);
ZN_API void zn_pool_free(zn_pool *pool); /* joins the workers; NULL is a no-op */
ZN_API int zn_pool_size(const zn_pool *pool);

/* nth is clamped to [1, zn_pool_size(pool)]. */
ZN_API zn_status zn_pool_run(zn_pool *pool, zn_pool_fn fn, void *arg, int nth);

/* The process's default pool, made on first use with ZN_THREADS or the online
 * CPUs; used by functions that take no pool. Never freed. NULL only if
 * creating it failed (then callers run single-threaded). */
ZN_API zn_pool *zn_pool_default(void);

/* Split [0, n) into nth near-equal parts aligned to `align` items; returns
 * part ith as [*begin, *end). */
ZN_API void zn_split_range(int64_t n, int64_t align, int ith, int nth, int64_t *begin, int64_t *end);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_POOL_H */
