/* Benchmark history in SQLite: every run appended (in a transaction, with a
 * busy timeout, so two runs at once do not corrupt it), and comparisons of
 * the latest run with an earlier one or with the median of the last K runs
 * of the same CPU model and kernels (bench_select_runs). */
#ifndef ZN_BENCH_HISTORY_H
#define ZN_BENCH_HISTORY_H

#include "bench.h"

typedef struct bench_compare_opts {
    long long run;    /* compare with this run id; 0: the median of the last `last` runs */
    int last;         /* K */
    double threshold; /* 0.05 */
} bench_compare_opts;

/* Appends the run. Returns 0 with the new id in *id, or -1 after printing
 * one "zenn: error:" line. */
int bench_history_append(const char *path, const bench_run *run, const char *fingerprint_json, const char *machine,
                         const char *commit, const char *command, long long *id);

/* Compares the latest run with its baseline; prints the changed cases.
 * Returns the number of regressions, or -1 after an error line. */
int bench_history_compare(const char *path, const char *machine, const bench_compare_opts *o, FILE *out);

/* Trend lines: the last `runs` runs on this machine's CPU model and kernels
 * as {"cpu","kernels","left_out":"3 runs on other CPUs (...)","points":[
 * {"run","time","suite","case","threads","peer","zenn_median_s"}...]}, oldest
 * first; no points without a history. */
void bench_history_series_json(const char *path, const char *machine, int runs, FILE *out);

/* 1 when this build has SQLite. */
int bench_history_available(void);

#endif
