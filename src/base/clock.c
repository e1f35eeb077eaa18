/* Monotonic clocks. */
#include <pthread.h>
#include <time.h>

#include "base/internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define ZN_HAVE_TSC 1
#endif

uint64_t zn_time_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

double zn_time_sec(void) { return (double)zn_time_ns() * 1e-9; }

#if ZN_HAVE_TSC
/* Nanoseconds per TSC tick, set once for the process (the TSC's rate is a
 * property of the machine, like the CPU features zn_cpu reads once). */
static double ns_per_tick;
static pthread_once_t fast_clock_once = PTHREAD_ONCE_INIT;

/* 200 us against the monotonic clock: a rate within ~0.1%, which is all
 * that spin budgets and the pool's timing need. */
static void measure_tick(void) {
    const uint64_t n0 = zn_time_ns(), t0 = __rdtsc();
    uint64_t n1;
    do n1 = zn_time_ns();
    while (n1 - n0 < 200000);
    const uint64_t t1 = __rdtsc();
    ns_per_tick = t1 > t0 ? (double)(n1 - n0) / (double)(t1 - t0) : 1.0;
}

void zn_fast_clock_init(void) { pthread_once(&fast_clock_once, measure_tick); }

uint64_t zn_fast_ns(void) {
    zn_fast_clock_init();
    return (uint64_t)((double)__rdtsc() * ns_per_tick);
}
#else
void zn_fast_clock_init(void) {}
uint64_t zn_fast_ns(void) { return zn_time_ns(); }
#endif

const char *zn_version(void) { return "0.1.0"; }
