/* The training workspace's choice between one thread and all: the probe
 * cycle, and that the faster setting (by whole-step time, the gap between
 * passes included) is the one kept. Steps are timed on a fake clock, so
 * the outcomes are exact whatever else the machine runs. */
#include <stdlib.h>
#include <string.h>

#include "graph/ws_adapt.h"
#include "zn_test.h"

/* A fake clock: every pass takes 1 ms plus what the test adds. */
typedef struct fake {
    zn_pass_adapt a;
    uint64_t now;
} fake;

static int pass(fake *f, uint64_t extra_ns) {
    const int mode = zn_pass_adapt_begin_at(&f->a, 4, f->now);
    f->now += 1000000 + extra_ns;
    return mode;
}

/* Runs one cycle in which steps on `slow_mode` take 2 ms more; returns the
 * mode used after the probes. */
static int cycle_with_slow(fake *f, int slow_mode) {
    int mode = 0;
    for (int i = 0; i < 2 * ZN_ADAPT_PROBE + 1; i++) {
        mode = zn_pass_adapt_begin_at(&f->a, 4, f->now);
        if (i < ZN_ADAPT_PROBE) ZT_CHECK(mode == 1);
        if (i >= ZN_ADAPT_PROBE && i < 2 * ZN_ADAPT_PROBE) ZT_CHECK(mode == 0);
        f->now += 1000000 + (i < 2 * ZN_ADAPT_PROBE && mode == slow_mode ? 2000000 : 0);
    }
    return mode;
}

static void fake_init(fake *f) {
    zn_pass_adapt_init(&f->a, 1);
    f->a.on = 1; /* whatever ZN_POOL_ADAPT says outside */
    f->now = 5000000000ull;
}

static void test_keeps_the_faster(void) {
    fake f;
    fake_init(&f);
    ZT_CHECK(cycle_with_slow(&f, 1) == 0); /* one thread slow: all threads */
    for (unsigned i = 0; i < f.a.run - 1; i++) ZT_CHECK(pass(&f, 0) == 0);
    ZT_CHECK(cycle_with_slow(&f, 0) == 1); /* now all threads are slow: the caller alone */
    for (unsigned i = 0; i < f.a.run - 1; i++) ZT_CHECK(pass(&f, 0) == 1);
}

/* A tie keeps the caller alone (a core that does not speed the step up is
 * better left to others), and a choice that holds is checked less often:
 * the cycle's run doubles, and grows four times when one setting is a
 * quarter faster. */
static void test_tie_and_growth(void) {
    fake f;
    fake_init(&f);
    ZT_CHECK(cycle_with_slow(&f, -1) == 1);
    const unsigned run0 = f.a.run;
    for (unsigned i = 0; i < f.a.run - 1; i++) ZT_CHECK(pass(&f, 0) == 1);
    ZT_CHECK(cycle_with_slow(&f, -1) == 1);
    ZT_CHECK_MSG(f.a.run == 2 * run0, "run %u after %u", f.a.run, run0);
    fake g;
    fake_init(&g);
    ZT_CHECK(cycle_with_slow(&g, 1) == 0); /* 3 ms against 1 ms: clearly faster */
    const unsigned first = g.a.run;
    for (unsigned i = 0; i < g.a.run - 1; i++) ZT_CHECK(pass(&g, 0) == 0);
    ZT_CHECK(cycle_with_slow(&g, 1) == 0);
    ZT_CHECK_MSG(g.a.run == 4 * first, "run %u after %u", g.a.run, first);
}

/* A probe of the caller alone disturbed (2 ms more per step) picks all
 * threads; when those then run slower than the caller's probes did, the
 * choice turns back within the check's passes. */
static void test_disturbed_probe_is_undone(void) {
    fake f;
    fake_init(&f);
    ZT_CHECK(cycle_with_slow(&f, 1) == 0);
    int mode = 0, passes = 0;
    while (mode == 0 && passes < ZN_ADAPT_PROBE + 2) {
        mode = pass(&f, 4000000); /* every step on all threads is now the slow one */
        passes++;
    }
    ZT_CHECK_MSG(mode == 1, "still on all threads after %d slow passes", passes);
    for (int i = 0; i < 20; i++) ZT_CHECK(pass(&f, 0) == 1); /* and keeps it for the cycle */
}

/* A choice its first passes confirm (not a tenth slower than the other
 * setting's probes) holds for the whole cycle. */
static void test_confirmed_choice_holds(void) {
    fake f;
    fake_init(&f);
    ZT_CHECK(cycle_with_slow(&f, 1) == 0);
    for (unsigned i = 0; i < f.a.run - 1; i++) ZT_CHECK(pass(&f, 200000) == 0); /* 1.2 ms < 3 ms */
    ZT_CHECK(f.a.checked);
}

static void test_off(void) {
    zn_pass_adapt a;
    zn_pass_adapt_init(&a, 0);
    for (int i = 0; i < 40; i++) ZT_CHECK(zn_pass_adapt_begin(&a, 1) == 0);
    for (int i = 0; i < 40; i++) ZT_CHECK(zn_pass_adapt_begin_at(&a, 1, (uint64_t)i * 5000000) == 0);
    /* ZN_POOL_ADAPT=0 from outside switches it off */
    const char *env = getenv("ZN_POOL_ADAPT");
    setenv("ZN_POOL_ADAPT", "0", 1);
    zn_pass_adapt_init(&a, 1);
    ZT_CHECK(!a.on);
    if (env) {
        char *copy = strdup(env);
        setenv("ZN_POOL_ADAPT", copy, 1);
        free(copy);
    } else {
        unsetenv("ZN_POOL_ADAPT");
    }
}

int main(void) {
    ZT_RUN(test_keeps_the_faster);
    ZT_RUN(test_tie_and_growth);
    ZT_RUN(test_disturbed_probe_is_undone);
    ZT_RUN(test_confirmed_choice_holds);
    ZT_RUN(test_off);
    return zt_finish();
}
