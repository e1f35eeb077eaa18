/* The thread pool's timing policy, apart from its threads and its clock.
 *
 * Every decision here is a function of timestamps the pool passes in, so
 * tests drive it with a fake clock (tests/unit/test_pool_policy.c), and
 * the threaded tests assert nothing about timing. Static inline: the pool
 * calls these once per job, and they compile to what they were inline.
 *
 * The rules (docs/KERNELS.md, "The thread pool", has the measurements):
 * - after two split jobs in a row that took longer than the caller alone
 *   would have, the caller runs the next jobs alone: 16, doubling to 4096
 *   while the losses go on, and for at most 4 ms;
 * - a split that finds workers asleep within 1 ms after they had reason to
 *   sleep (the pool idle, or a stretch run alone) is not judged;
 * - the caller takes a worker's part when it is not done 3 us after the
 *   caller's own part, at once after a part over 20 us or when the workers
 *   slept;
 * - a worker spins the base spin time, or up to half its last part (at most
 *   1 ms), before it sleeps. */
#ifndef ZN_POOL_POLICY_H
#define ZN_POOL_POLICY_H

#include <stdint.h>

enum { ZN_POOL_ALONE_FIRST = 16, ZN_POOL_ALONE_MAX = 4096 }; /* jobs run alone after losing splits */
/* How long sleeping workers may take to wake before a split is judged (docs/KERNELS.md). */
#define ZN_POOL_WAKE_NS 1000000ull
/* A stretch alone ends after this long however few jobs it held, so a
 * transient does not keep long jobs on one thread for seconds. */
#define ZN_POOL_ALONE_MAX_NS 4000000ull
#define ZN_POOL_SPIN_MAX_NS 1000000ull
/* A worker is late when not done this long after the caller's own part, or
 * at once after a part this long. */
#define ZN_POOL_LATE_AFTER_NS 3000ull
#define ZN_POOL_LATE_LONG_PART_NS 20000ull

/* The caller's state, touched only by the thread that holds the pool. */
typedef struct zn_pool_policy {
    int adapt;            /* 0: always split (ZN_POOL_ADAPT=0) */
    unsigned losses;      /* split jobs in a row that were slower than the caller alone */
    unsigned alone_left;  /* jobs to run on the caller before splitting again */
    unsigned backoff;     /* the next stretch of alone_left */
    uint64_t alone_until; /* the stretch alone also ends then */
    uint64_t grace_until; /* after workers slept: until then, splits that wake them are not judged */
    uint64_t last_end;    /* when the last job ended */
} zn_pool_policy;

static inline void zn_pool_policy_init(zn_pool_policy *pp, int adapt) {
    *pp = (zn_pool_policy){.adapt = adapt, .backoff = ZN_POOL_ALONE_FIRST};
}

/* How long a thread that just worked work_ns spins before it sleeps: the
 * base spin_ns, or up to half the work (at most ZN_POOL_SPIN_MAX_NS): the
 * other part of a long job ends a little sooner or later, and a sleeper
 * costs the next job a futex wake. A zero base never spins. */
static inline uint64_t zn_pool_spin_budget(uint64_t spin_ns, uint64_t work_ns) {
    if (spin_ns == 0) return 0;
    uint64_t half = work_ns / 2;
    if (half > ZN_POOL_SPIN_MAX_NS) half = ZN_POOL_SPIN_MAX_NS;
    return half > spin_ns ? half : spin_ns;
}

/* Before a job: 1 when the caller runs all its parts alone (and counts it
 * against the stretch). */
static inline int zn_pool_policy_alone(zn_pool_policy *pp) {
    if (pp->alone_left == 0) return 0;
    pp->alone_left--;
    return 1;
}

/* A job run alone ended at t_end. When the stretch ends (its jobs run, or
 * its time up), the workers have slept: a grace period starts. */
static inline void zn_pool_policy_alone_done(zn_pool_policy *pp, uint64_t t_end) {
    pp->last_end = t_end;
    if (t_end >= pp->alone_until) pp->alone_left = 0;
    if (pp->alone_left == 0) pp->grace_until = t_end + ZN_POOL_WAKE_NS;
}

/* A split job is published at t_pub: after a gap longer than the workers'
 * spin they slept, and the grace period starts. */
static inline void zn_pool_policy_split_begin(zn_pool_policy *pp, uint64_t t_pub, uint64_t spin_ns) {
    if (t_pub - pp->last_end > spin_ns) pp->grace_until = t_pub + ZN_POOL_WAKE_NS;
}

/* Whether a split published at t_pub is judged: the first splits that find
 * the workers asleep after they had reason to sleep only wake them (judging
 * them would keep workers asleep for ever); otherwise a sleeping worker lost
 * its core or is slow to wake, and that counts. */
static inline int zn_pool_policy_judged(const zn_pool_policy *pp, int asleep, uint64_t t_pub) {
    return !(asleep && t_pub < pp->grace_until);
}

/* How long the caller waits for a worker's part before taking it, after
 * its own part of own_ns (0: take it at once if not done). */
static inline uint64_t zn_pool_patience(int asleep, uint64_t own_ns) {
    return asleep || own_ns > ZN_POOL_LATE_LONG_PART_NS ? 0 : ZN_POOL_LATE_AFTER_NS;
}

/* After a split job of nth parts: published at t_pub, the caller ran
 * `mine` parts between t_own and t_mine, and the last part ended at t_end.
 * The job lost when the caller alone (its pace times nth parts) would have
 * been done sooner; two losses in a row start a stretch alone. */
static inline void zn_pool_policy_split_done(zn_pool_policy *pp, int judged, int nth, int mine, uint64_t t_pub,
                                             uint64_t t_own, uint64_t t_mine, uint64_t t_end) {
    if (!pp->adapt) return;
    pp->last_end = t_end;
    if (!judged || mine < 1) return;
    double alone = (double)(t_mine - t_own) / mine * nth;
    if ((double)(t_end - t_pub) <= alone) {
        pp->losses = 0;
        pp->backoff = ZN_POOL_ALONE_FIRST;
        return;
    }
    if (++pp->losses < 2) return;
    pp->losses = 0;
    pp->alone_left = pp->backoff;
    pp->alone_until = t_end + ZN_POOL_ALONE_MAX_NS;
    pp->backoff = pp->backoff * 2 > ZN_POOL_ALONE_MAX ? ZN_POOL_ALONE_MAX : pp->backoff * 2;
}

/* Workers asleep in the kernel now (or about to be): tests check with it
 * that an idle pool sleeps. Defined in pool.c. */
struct zn_pool;
int zn_pool_sleeping(struct zn_pool *pool);

#endif /* ZN_POOL_POLICY_H */
