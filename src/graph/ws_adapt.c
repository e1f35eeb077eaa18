/* Choosing one thread or all for a training workspace's passes, by timing
 * whole steps (ws_adapt.h says why). */
#include <string.h>

#include "base/internal.h"
#include "graph/ws_adapt.h"

enum { RUN_FIRST = 48, RUN_MAX = 1024 };

void zn_pass_adapt_init(zn_pass_adapt *a, int on) {
    memset(a, 0, sizeof *a);
    a->on = on && zn_env_long("ZN_POOL_ADAPT", 1, 0, 1);
    a->run = RUN_FIRST;
}

static double median(double *v, int n) {
    for (int i = 1; i < n; i++) /* insertion sort: at most ZN_ADAPT_PROBE values */
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* After both probes: the caller alone unless all threads were faster (a
 * core that does not speed the step up is better left to others). A choice
 * that holds is checked less and less often, and a clear one (a quarter
 * faster) sooner so: every probe of the slower setting costs time. */
static void decide(zn_pass_adapt *a) {
    if (a->n_probe[0] < 2 || a->n_probe[1] < 2) return; /* nothing to compare: keep what we had */
    const double all = median(a->probe[0], a->n_probe[0]), one = median(a->probe[1], a->n_probe[1]);
    const int choice = all < one ? 0 : 1;
    const unsigned grow = (all < one ? one > 1.25 * all : all > 1.25 * one) ? 4 : 2;
    if (a->have_choice && choice == a->choice)
        a->run = a->run * grow > RUN_MAX ? RUN_MAX : a->run * grow;
    else
        a->run = grow == 4 ? RUN_FIRST * 2 : RUN_FIRST;
    a->choice = choice;
    a->have_choice = 1;
    a->loser = choice == 0 ? one : all;
    a->n_check = 0;
    a->checked = 0;
}

/* The choice's first timed passes against the other setting's probes: more
 * than a tenth slower, and the probe that made it was disturbed. */
static void check_choice(zn_pass_adapt *a) {
    a->checked = 1;
    if (median(a->check, a->n_check) > 1.1 * a->loser) {
        a->choice = !a->choice;
        a->run = RUN_FIRST;
    }
}

int zn_pass_adapt_begin(zn_pass_adapt *a, int64_t batch) {
    return a->on ? zn_pass_adapt_begin_at(a, batch, zn_time_ns()) : 0;
}

int zn_pass_adapt_begin_at(zn_pass_adapt *a, int64_t batch, uint64_t now) {
    if (!a->on) return 0;
    if ((a->last_probe || a->last_check) && a->last_start && now > a->last_start && a->last_batch > 0) {
        double *times = a->last_probe ? a->probe[a->last_mode] : a->check;
        int *count = a->last_probe ? &a->n_probe[a->last_mode] : &a->n_check;
        if (*count < ZN_ADAPT_PROBE) times[(*count)++] = (double)(now - a->last_start) / (double)a->last_batch;
    }
    /* the cycle: ZN_ADAPT_PROBE passes on one thread, as many on all, then
     * `run` passes with the faster; the first pass after a switch only
     * moves the data over and is not timed */
    const unsigned p = a->pos;
    int mode, probe, check = 0;
    if (p < ZN_ADAPT_PROBE) {
        mode = 1;
        probe = p > 0;
    } else if (p < 2 * ZN_ADAPT_PROBE) {
        mode = 0;
        probe = p > ZN_ADAPT_PROBE;
    } else {
        if (p == 2 * ZN_ADAPT_PROBE) decide(a);
        if (a->have_choice && !a->checked && a->n_check >= ZN_ADAPT_PROBE - 1) check_choice(a);
        mode = a->have_choice ? a->choice : 0;
        probe = 0;
        /* the choice's passes after the first (which moves the data over) */
        check = a->have_choice && !a->checked && p > 2 * ZN_ADAPT_PROBE;
    }
    if (++a->pos >= 2 * ZN_ADAPT_PROBE + a->run) {
        a->pos = 0;
        a->n_probe[0] = a->n_probe[1] = 0;
    }
    a->last_start = now;
    a->last_batch = batch;
    a->last_mode = mode;
    a->last_probe = probe;
    a->last_check = check;
    return mode;
}
