/* Monotonic clock. */
#include <time.h>

#include "base/internal.h"

uint64_t zn_time_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

double zn_time_sec(void) { return (double)zn_time_ns() * 1e-9; }

const char *zn_version(void) { return "0.1.0"; }
