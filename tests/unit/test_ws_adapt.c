/* The training workspace's choice between one thread and all: the probe
 * cycle, and that the faster setting (by whole-step time, the gap between
 * passes included) is the one kept. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/ws_adapt.h"
#include "zn_test.h"

static void pause_us(long us) {
    struct timespec t = {0, us * 1000};
    nanosleep(&t, NULL);
}

/* Runs one cycle in which steps on `slow_mode` take ~2 ms more; returns the
 * mode used after the probes. */
static int cycle_with_slow(zn_pass_adapt *a, int slow_mode) {
    int mode = 0;
    for (int i = 0; i < 2 * ZN_ADAPT_PROBE + 1; i++) {
        mode = zn_pass_adapt_begin(a, 4);
        if (i < ZN_ADAPT_PROBE) ZT_CHECK(mode == 1);
        if (i >= ZN_ADAPT_PROBE && i < 2 * ZN_ADAPT_PROBE) ZT_CHECK(mode == 0);
        if (i < 2 * ZN_ADAPT_PROBE && mode == slow_mode) pause_us(2000);
    }
    return mode;
}

static void test_keeps_the_faster(void) {
    zn_pass_adapt a;
    zn_pass_adapt_init(&a, 1);
    const char *env = getenv("ZN_POOL_ADAPT");
    if (env && !strcmp(env, "0")) { /* switched off from outside */
        ZT_CHECK(!a.on);
        return;
    }
    ZT_CHECK(a.on);
    ZT_CHECK(cycle_with_slow(&a, 1) == 0); /* one thread slow: all threads */
    for (unsigned i = 0; i < a.run - 1; i++) ZT_CHECK(zn_pass_adapt_begin(&a, 4) == 0);
    ZT_CHECK(cycle_with_slow(&a, 0) == 1); /* now all threads are slow: the caller alone */
}

/* A probe of the caller alone disturbed (2 ms more per step) picks all
 * threads; when those then run slower than the caller's probes did, the
 * choice turns back within the check's passes. */
static void test_disturbed_probe_is_undone(void) {
    zn_pass_adapt a;
    zn_pass_adapt_init(&a, 1);
    if (!a.on) return; /* ZN_POOL_ADAPT=0 */
    ZT_CHECK(cycle_with_slow(&a, 1) == 0);
    int mode = 0, passes = 0;
    while (mode == 0 && passes < ZN_ADAPT_PROBE + 2) {
        pause_us(4000); /* every step on all threads is now the slow one */
        mode = zn_pass_adapt_begin(&a, 4);
        passes++;
    }
    ZT_CHECK_MSG(mode == 1, "still on all threads after %d slow passes", passes);
    for (int i = 0; i < 20; i++) ZT_CHECK(zn_pass_adapt_begin(&a, 4) == 1); /* and keeps it for the cycle */
}

static void test_off(void) {
    zn_pass_adapt a;
    zn_pass_adapt_init(&a, 0);
    for (int i = 0; i < 40; i++) ZT_CHECK(zn_pass_adapt_begin(&a, 1) == 0);
}

int main(void) {
    ZT_RUN(test_keeps_the_faster);
    ZT_RUN(test_disturbed_probe_is_undone);
    ZT_RUN(test_off);
    return zt_finish();
}
