/* The benchmark's regression rule: only non-overlapping min-max ranges beyond
 * the threshold count; baselines are medians over earlier runs. */
#include "bench_compare.h"
#include "zn_test.h"

static void test_ranges(void) {
    bench_range base = {1.00, 1.05, 1.10};
    ZT_CHECK(bench_compare_ranges(base, (bench_range){1.05, 1.10, 1.20}, 0.05) == BENCH_SAME); /* overlap */
    ZT_CHECK(bench_compare_ranges(base, (bench_range){1.12, 1.15, 1.20}, 0.05) == BENCH_SAME); /* within 5% */
    ZT_CHECK(bench_compare_ranges(base, (bench_range){1.20, 1.25, 1.30}, 0.05) == BENCH_REGRESSED);
    ZT_CHECK(bench_compare_ranges(base, (bench_range){0.80, 0.85, 0.90}, 0.05) == BENCH_IMPROVED);
    ZT_CHECK(bench_compare_ranges(base, (bench_range){0.96, 0.97, 0.98}, 0.05) == BENCH_SAME);
    ZT_CHECK(bench_compare_ranges(base, (bench_range){1.11, 1.11, 1.11}, 0.0) == BENCH_REGRESSED);
}

static void test_baseline_median(void) {
    bench_range runs[5] = {{1, 2, 3}, {10, 20, 30}, {2, 3, 4}, {0.5, 1, 2}, {1.5, 2.5, 3.5}};
    bench_range m = bench_range_median(runs, 5);
    ZT_NEAR(m.min, 1.5, 0);
    ZT_NEAR(m.median, 2.5, 0);
    ZT_NEAR(m.max, 3.5, 0); /* one outlier run does not move the baseline */
    bench_range two[2] = {{1, 2, 3}, {3, 4, 5}};
    m = bench_range_median(two, 2);
    ZT_NEAR(m.min, 2, 0);
    ZT_NEAR(m.max, 4, 0);
}

int main(void) {
    ZT_RUN(test_ranges);
    ZT_RUN(test_baseline_median);
    return zt_finish();
}
