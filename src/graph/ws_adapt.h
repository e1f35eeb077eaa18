/* How many threads a training workspace's passes use: all of the pool's,
 * or the calling thread alone, whichever trains faster here and now.
 *
 * Each matrix product is faster on two threads, yet a whole training step
 * can be slower: the parts of the step that run on the caller (the
 * optimizer, the loss) then read what the other core just wrote (the
 * pool's per-job timing cannot see it: every job it times wins). So the
 * workspace times whole steps, from one pass's start to the next one's,
 * which includes whatever the caller does in between: every cycle it runs
 * a few passes on one thread and a few on all, and keeps the faster for
 * the rest of the cycle, unless its first passes then run more than a
 * tenth slower than the other setting's probes did (the probe was
 * disturbed): then the other. Results do not depend on the thread count,
 * so switching never changes them. ZN_POOL_ADAPT=0, or an explicit
 * max_threads, turns it off. */
#ifndef ZN_WS_ADAPT_H
#define ZN_WS_ADAPT_H

#include <stdint.h>

enum { ZN_ADAPT_PROBE = 8 }; /* passes per probe of each setting */

typedef struct zn_pass_adapt {
    int on;
    uint64_t last_start; /* the previous pass's start (ns), 0 before the first */
    int64_t last_batch;
    int last_mode;     /* 0: all threads, 1: the caller only */
    int last_probe;    /* the previous pass was a probe that counts */
    int last_check;    /* the previous pass counts toward checking the choice */
    unsigned pos, run; /* position in the cycle; passes after the probes */
    int choice, have_choice;
    double probe[2][ZN_ADAPT_PROBE];
    int n_probe[2];
    /* The first passes after a choice, against the other setting's probes:
     * a burst of host noise during one probe must not pick the slower
     * setting for the rest of a cycle. */
    double loser; /* the other setting's probe median (per sample) */
    double check[ZN_ADAPT_PROBE];
    int n_check, checked;
} zn_pass_adapt;

/* on: adapt (the pool has several threads and none were asked for). */
void zn_pass_adapt_init(zn_pass_adapt *a, int on);
/* At the start of a pass of `batch` samples: 1 when this pass should use
 * the calling thread only, 0 for all threads. */
int zn_pass_adapt_begin(zn_pass_adapt *a, int64_t batch);
/* The same with the pass's start time given (ns on any monotonic clock):
 * the choice depends on these times only, so tests pass a fake clock's. */
int zn_pass_adapt_begin_at(zn_pass_adapt *a, int64_t batch, uint64_t now);

#endif /* ZN_WS_ADAPT_H */
