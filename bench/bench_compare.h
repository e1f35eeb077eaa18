/* Regression detection between benchmark runs: a case regressed only when
 * its new min-max range of times lies entirely above the baseline's, by more
 * than a threshold; it improved when entirely below. Overlapping ranges are
 * noise, whatever the medians say. */
#ifndef ZN_BENCH_COMPARE_H
#define ZN_BENCH_COMPARE_H

typedef struct bench_range {
    double min, median, max; /* seconds per call (lower is faster) */
} bench_range;

enum { BENCH_SAME = 0, BENCH_REGRESSED = 1, BENCH_IMPROVED = -1 };

/* threshold: e.g. 0.05 for 5%. */
int bench_compare_ranges(bench_range base, bench_range now, double threshold);

/* The baseline of several earlier runs of one case: the medians of their
 * mins, medians and maxes. v is sorted in place; n >= 1. */
bench_range bench_range_median(bench_range *v, int n);

#endif
