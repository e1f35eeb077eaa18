/* The thread pool's timing policy on a fake clock: lost splits send jobs to
 * the caller alone for a stretch (16 jobs doubling to 4096, at most 4 ms),
 * a won split resets it, splits that only wake sleeping workers are not
 * judged for 1 ms, late workers' parts are taken, and spins are bounded.
 * No threads and no real clock: every outcome is exact. */
#include "base/pool_policy.h"
#include "zn_test.h"

/* A fake clock and the pool's calls around one job, as zn_pool_run makes
 * them. A split job of two parts: the caller's part takes own_ns and the
 * whole job total_ns. */
typedef struct fake {
    zn_pool_policy pp;
    uint64_t now;
    uint64_t spin_ns;
} fake;

static void fake_init(fake *f, int adapt) {
    zn_pool_policy_init(&f->pp, adapt);
    f->now = 1000000000ull; /* any start */
    f->spin_ns = 50000;
}

/* Runs one job; returns 1 when it ran alone. */
static int job(fake *f, int asleep, uint64_t own_ns, uint64_t total_ns) {
    if (zn_pool_policy_alone(&f->pp)) {
        f->now += 2 * own_ns; /* both parts on the caller */
        zn_pool_policy_alone_done(&f->pp, f->now);
        return 1;
    }
    const uint64_t t_pub = f->now;
    zn_pool_policy_split_begin(&f->pp, t_pub, f->spin_ns);
    const int judged = zn_pool_policy_judged(&f->pp, asleep, t_pub);
    const uint64_t t_own = t_pub, t_mine = t_pub + own_ns;
    f->now = t_pub + total_ns;
    zn_pool_policy_split_done(&f->pp, judged, 2, 1, t_pub, t_own, t_mine, f->now);
    return 0;
}

/* A split that lost (3x the caller's part for a job of two parts) and one
 * that won (the parts ran side by side). */
static int lost(fake *f, uint64_t part_ns) { return job(f, 0, part_ns, 3 * part_ns); }
static int won(fake *f, uint64_t part_ns) { return job(f, 0, part_ns, part_ns + part_ns / 10); }

/* Counts the jobs run alone before the next split. */
static int stretch(fake *f, uint64_t part_ns) {
    int n = 0;
    while (job(f, 0, part_ns, part_ns + part_ns / 10)) n++;
    return n;
}

static void test_two_losses_start_a_stretch(void) {
    fake f;
    fake_init(&f, 1);
    const uint64_t part = 1000; /* 1 us jobs: the stretch ends by count */
    ZT_CHECK(!lost(&f, part));
    ZT_CHECK(f.pp.alone_left == 0); /* one loss is not enough */
    ZT_CHECK(!lost(&f, part));
    ZT_CHECK(f.pp.alone_left == ZN_POOL_ALONE_FIRST);
    /* the split that ended the stretch is the job after it, and it won */
    ZT_CHECK_MSG(stretch(&f, part) == ZN_POOL_ALONE_FIRST, "alone %d jobs", f.pp.alone_left);
}

static void test_win_between_losses_resets(void) {
    fake f;
    fake_init(&f, 1);
    for (int i = 0; i < 50; i++) {
        ZT_CHECK(!lost(&f, 1000));
        ZT_CHECK(!won(&f, 1000));
    }
    ZT_CHECK(f.pp.alone_left == 0);
}

/* Losses that go on double the stretch up to 4096 jobs; a win resets it. */
static void test_stretch_doubles_and_resets(void) {
    fake f;
    fake_init(&f, 1);
    const uint64_t part = 100; /* 4096 jobs of 200 ns fit in 4 ms */
    unsigned want = ZN_POOL_ALONE_FIRST;
    for (int round = 0; round < 12; round++) {
        ZT_CHECK(!lost(&f, part));
        ZT_CHECK(!lost(&f, part));
        ZT_CHECK_MSG(f.pp.alone_left == want, "round %d: %u jobs alone, want %u", round, f.pp.alone_left, want);
        while (zn_pool_policy_alone(&f.pp)) {
            f.now += 2 * part;
            zn_pool_policy_alone_done(&f.pp, f.now);
        }
        want = want * 2 > ZN_POOL_ALONE_MAX ? ZN_POOL_ALONE_MAX : want * 2;
    }
    ZT_CHECK(want == ZN_POOL_ALONE_MAX);
    ZT_CHECK(!won(&f, part));
    ZT_CHECK(!lost(&f, part));
    ZT_CHECK(!lost(&f, part));
    ZT_CHECK(f.pp.alone_left == ZN_POOL_ALONE_FIRST);
}

/* The CI failure's scenario: after two lost splits of 2 ms parts the caller
 * runs alone for at most 4 ms (one job of two parts), not for 16 jobs. */
static void test_stretch_is_short_for_long_jobs(void) {
    fake f;
    fake_init(&f, 1);
    const uint64_t part = 2000000;
    for (int i = 0; i < 4; i++) ZT_CHECK(!won(&f, part));
    ZT_CHECK(!lost(&f, part));
    ZT_CHECK(!lost(&f, part));
    ZT_CHECK(f.pp.alone_left == ZN_POOL_ALONE_FIRST);
    int alone = 0, split = 0;
    for (int i = 0; i < 60; i++) {
        if (job(&f, 0, part, part + part / 10))
            alone++;
        else
            split++;
    }
    ZT_CHECK_MSG(alone == 1 && split == 59, "%d of 60 jobs alone after two lost splits", alone);
}

/* After a stretch alone the workers slept: the splits that wake them within
 * 1 ms are not judged (or the pool would never split again); later ones
 * that find a worker asleep are. */
static void test_grace_after_sleep(void) {
    fake f;
    fake_init(&f, 1);
    const uint64_t part = 1000;
    ZT_CHECK(!lost(&f, part));
    ZT_CHECK(!lost(&f, part));
    while (zn_pool_policy_alone(&f.pp)) {
        f.now += 2 * part;
        zn_pool_policy_alone_done(&f.pp, f.now);
    }
    /* asleep and slow, inside the grace: never judged, never alone */
    for (int i = 0; i < 20; i++) ZT_CHECK(!job(&f, 1, part, 10 * part));
    ZT_CHECK(f.pp.alone_left == 0 && f.pp.losses == 0);
    /* past the grace, back to back jobs (no new sleep): a sleeping worker counts */
    while (f.now < f.pp.grace_until) ZT_CHECK(!job(&f, 0, part, part));
    ZT_CHECK(!job(&f, 1, part, 10 * part));
    ZT_CHECK(!job(&f, 1, part, 10 * part));
    ZT_CHECK(f.pp.alone_left == ZN_POOL_ALONE_FIRST);
}

/* A gap between jobs longer than the workers' spin starts a grace too. */
static void test_grace_after_idle(void) {
    fake f;
    fake_init(&f, 1);
    /* idle since the start: the first job starts a grace */
    for (int i = 0; i < 5; i++) ZT_CHECK(!job(&f, 1, 1000, 10000));
    ZT_CHECK(f.pp.losses == 0);
    ZT_CHECK(f.now < f.pp.grace_until);
    f.now = f.pp.grace_until;
    ZT_CHECK(zn_pool_policy_judged(&f.pp, 1, f.now));
    ZT_CHECK(!zn_pool_policy_judged(&f.pp, 1, f.now - 1));
    ZT_CHECK(zn_pool_policy_judged(&f.pp, 0, f.now - 1)); /* workers awake: always judged */
}

static void test_adapt_off_always_splits(void) {
    fake f;
    fake_init(&f, 0);
    for (int i = 0; i < 100; i++) ZT_CHECK(!lost(&f, 1000));
    ZT_CHECK(f.pp.alone_left == 0);
}

/* The caller takes a late worker's part: after 3 us when its own part was
 * short, at once after a part over 20 us or when the workers slept. */
static void test_patience(void) {
    ZT_CHECK(zn_pool_patience(0, 0) == ZN_POOL_LATE_AFTER_NS);
    ZT_CHECK(zn_pool_patience(0, ZN_POOL_LATE_LONG_PART_NS) == ZN_POOL_LATE_AFTER_NS);
    ZT_CHECK(zn_pool_patience(0, ZN_POOL_LATE_LONG_PART_NS + 1) == 0);
    ZT_CHECK(zn_pool_patience(1, 0) == 0);
    ZT_CHECK(ZN_POOL_LATE_AFTER_NS == 3000 && ZN_POOL_LATE_LONG_PART_NS == 20000);
}

/* Spins: the base, or half a long part, at most 1 ms; a zero base never. */
static void test_spin_budget(void) {
    ZT_CHECK(zn_pool_spin_budget(0, 10000000) == 0);
    ZT_CHECK(zn_pool_spin_budget(50000, 0) == 50000);
    ZT_CHECK(zn_pool_spin_budget(50000, 99999) == 50000);
    ZT_CHECK(zn_pool_spin_budget(50000, 400000) == 200000);
    ZT_CHECK(zn_pool_spin_budget(50000, 50000000) == ZN_POOL_SPIN_MAX_NS);
    ZT_CHECK(zn_pool_spin_budget(2000000, 50000000) == 2000000); /* a longer base stands */
    ZT_CHECK(ZN_POOL_SPIN_MAX_NS == 1000000 && ZN_POOL_WAKE_NS == 1000000 && ZN_POOL_ALONE_MAX_NS == 4000000);
}

int main(void) {
    ZT_RUN(test_two_losses_start_a_stretch);
    ZT_RUN(test_win_between_losses_resets);
    ZT_RUN(test_stretch_doubles_and_resets);
    ZT_RUN(test_stretch_is_short_for_long_jobs);
    ZT_RUN(test_grace_after_sleep);
    ZT_RUN(test_grace_after_idle);
    ZT_RUN(test_adapt_off_always_splits);
    ZT_RUN(test_patience);
    ZT_RUN(test_spin_budget);
    return zt_finish();
}
