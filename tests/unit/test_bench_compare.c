/* The benchmark's regression rule: only non-overlapping min-max ranges beyond
 * the threshold count; baselines are medians over earlier runs of the same
 * CPU model and kernels, and the runs left out are named. */
#include <string.h>

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

#define ICE "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz"
#define SPR "Intel(R) Xeon(R) Platinum 8488C"
#define ZEN5 "AMD EPYC 9R45"

static void test_machine_mismatch(void) {
    ZT_CHECK(bench_machine_mismatch(ZEN5 "|2 cpus|7800 MiB|avx512", ZEN5 "|2 cpus|7800 MiB|avx512") == NULL);
    /* The same CPU model in a bigger VM is still comparable (cases are keyed by threads). */
    ZT_CHECK(bench_machine_mismatch(ZEN5 "|2 cpus|7800 MiB|avx512", ZEN5 "|8 cpus|31000 MiB|avx512") == NULL);
    ZT_CHECK(
        !strcmp(bench_machine_mismatch(ZEN5 "|2 cpus|7800 MiB|avx512", ICE "|2 cpus|7800 MiB|avx512"), "another CPU"));
    /* A CPU whose name starts with another's is another CPU. */
    ZT_CHECK(!strcmp(bench_machine_mismatch(SPR "|2 cpus|1 MiB|avx512", SPR " v2|2 cpus|1 MiB|avx512"), "another CPU"));
    ZT_CHECK(
        !strcmp(bench_machine_mismatch(ZEN5 "|2 cpus|7800 MiB|avx512", ZEN5 "|2 cpus|7800 MiB|avx2"), "other kernels"));
    char cpu[128];
    bench_machine_cpu(ICE "|2 cpus|7800 MiB|avx512", cpu, sizeof cpu);
    ZT_CHECK(!strcmp(cpu, ICE));
}

static void test_select_same_cpu(void) {
    /* Newest first: the machines changed CPU from day to day. */
    const bench_hist_run h[] = {{9, ZEN5 "|2 cpus|7800 MiB|avx512"}, {8, ICE "|2 cpus|7800 MiB|avx512"},
                                {7, ZEN5 "|2 cpus|7800 MiB|avx2"},   {6, ZEN5 "|2 cpus|7800 MiB|avx512"},
                                {5, SPR "|2 cpus|7800 MiB|avx512"},  {4, ICE "|4 cpus|15600 MiB|avx512"},
                                {3, ZEN5 "|2 cpus|7800 MiB|avx512"}, {2, ZEN5 "|2 cpus|7800 MiB|avx512"}};
    bench_selection s;
    bench_select_runs(h, 8, ZEN5 "|2 cpus|7800 MiB|avx512", 2, &s);
    ZT_CHECK(s.latest == 9);
    ZT_CHECK(s.nbase == 2 && s.base[0] == 6 && s.base[1] == 3);
    ZT_CHECK(s.other_cpu == 3 && s.other_kernels == 1);
    ZT_CHECK(!strcmp(s.other_cpus, ICE "; " SPR)); /* each model named once */
    char note[512];
    bench_selection_note(&s, note, sizeof note);
    ZT_CHECK_MSG(!strcmp(note, "3 runs on other CPUs (" ICE "; " SPR "), 1 run with other kernels"), "%s", note);

    /* On Ice Lake today: the newest Ice Lake run is the latest, whatever ran after it. */
    bench_select_runs(h, 8, ICE "|2 cpus|7800 MiB|avx512", 5, &s);
    ZT_CHECK(s.latest == 8 && s.nbase == 1 && s.base[0] == 4);
    ZT_CHECK(s.other_cpu == 6 && s.other_kernels == 0);

    /* A CPU the history never saw: nothing to compare, everything named. */
    bench_select_runs(h, 8, "Some New CPU|2 cpus|1 MiB|avx2", 5, &s);
    ZT_CHECK(s.latest == 0 && s.nbase == 0 && s.other_cpu == 8);
    bench_select_runs(h, 0, ZEN5 "|2 cpus|7800 MiB|avx512", 5, &s);
    ZT_CHECK(s.latest == 0 && s.other_cpu == 0);
    bench_selection_note(&s, note, sizeof note);
    ZT_CHECK(note[0] == 0);
}

int main(void) {
    ZT_RUN(test_ranges);
    ZT_RUN(test_baseline_median);
    ZT_RUN(test_machine_mismatch);
    ZT_RUN(test_select_same_cpu);
    return zt_finish();
}
