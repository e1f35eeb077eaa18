/* Regression detection between benchmark runs: a case regressed only when
 * its new min-max range of times lies entirely above the baseline's, by more
 * than a threshold; it improved when entirely below. Overlapping ranges are
 * noise, whatever the medians say. */
#ifndef ZN_BENCH_COMPARE_H
#define ZN_BENCH_COMPARE_H

#include <stddef.h>

typedef struct bench_range {
    double min, median, max; /* seconds per call (lower is faster) */
} bench_range;

enum { BENCH_SAME = 0, BENCH_REGRESSED = 1, BENCH_IMPROVED = -1 };

/* threshold: e.g. 0.05 for 5%. */
int bench_compare_ranges(bench_range base, bench_range now, double threshold);

/* The baseline of several earlier runs of one case: the medians of their
 * mins, medians and maxes. v is sorted in place; n >= 1. */
bench_range bench_range_median(bench_range *v, int n);

/* Runs are compared only on one CPU model with the same kernels: ratios
 * and times differ by CPU (docs/BENCHMARKS.md names each table's CPU).
 * A machine key is "CPU|N cpus|M MiB|kernels". */
typedef struct bench_hist_run {
    long long id;
    const char *machine;
} bench_hist_run;

/* Why a run on machine `other` cannot be set beside runs on `mine`
 * ("another CPU", "other kernels"), or NULL when it can. */
const char *bench_machine_mismatch(const char *mine, const char *other);

/* The CPU model of a machine key, into out; its kernels ("avx512"). */
void bench_machine_cpu(const char *machine, char *out, size_t cap);
const char *bench_machine_kernels(const char *machine);

enum { BENCH_MAX_BASE = 64 };

typedef struct bench_selection {
    long long latest; /* the newest run on this CPU; 0: none */
    long long base[BENCH_MAX_BASE];
    int nbase;
    int other_cpu, other_kernels; /* runs left out, among those looked at */
    char other_cpus[256];         /* their CPU models, "; " between them */
} bench_selection;

/* From runs newest first: the newest run on `mine`'s CPU model and kernels,
 * then up to `last` earlier ones (< BENCH_MAX_BASE); runs of other machines
 * met on the way are counted and named, not used. */
void bench_select_runs(const bench_hist_run *runs, int n, const char *mine, int last, bench_selection *sel);

/* "N runs on other CPUs (A; B), M with other kernels" into out, or "" when
 * nothing was left out. */
void bench_selection_note(const bench_selection *sel, char *out, size_t cap);

#endif
