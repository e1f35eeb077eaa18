/* Regression detection between benchmark runs (see bench_compare.h). */
#include <stdlib.h>

#include "bench_compare.h"

int bench_compare_ranges(bench_range base, bench_range now, double threshold) {
    if (now.min > base.max * (1.0 + threshold)) return BENCH_REGRESSED;
    if (now.max < base.min * (1.0 - threshold)) return BENCH_IMPROVED;
    return BENCH_SAME;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *x, int n) {
    qsort(x, (size_t)n, sizeof *x, cmp);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

bench_range bench_range_median(bench_range *v, int n) {
    enum { MAX = 256 };
    double lo[MAX], mid[MAX], hi[MAX];
    if (n > MAX) n = MAX;
    for (int i = 0; i < n; i++) {
        lo[i] = v[i].min;
        mid[i] = v[i].median;
        hi[i] = v[i].max;
    }
    bench_range r = {median_of(lo, n), median_of(mid, n), median_of(hi, n)};
    return r;
}
