/* Regression detection between benchmark runs (see bench_compare.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void bench_machine_cpu(const char *machine, char *out, size_t cap) {
    size_t n = strcspn(machine, "|");
    snprintf(out, cap, "%.*s", (int)n, machine);
}

const char *bench_machine_kernels(const char *machine) {
    const char *bar = strrchr(machine, '|');
    return bar ? bar + 1 : "";
}

const char *bench_machine_mismatch(const char *mine, const char *other) {
    size_t n = strcspn(mine, "|");
    if (strcspn(other, "|") != n || strncmp(mine, other, n) != 0) return "another CPU";
    if (strcmp(bench_machine_kernels(mine), bench_machine_kernels(other)) != 0) return "other kernels";
    return NULL;
}

/* 1 when cpu is one of the "; "-separated names of list. */
static int listed(const char *list, const char *cpu) {
    size_t len = strlen(cpu);
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, ";");
        if (n == len && !strncmp(s, cpu, len)) return 1;
        s += n;
        while (*s == ';' || *s == ' ') s++;
    }
    return 0;
}

/* Adds the CPU model of `machine` to the names of other CPUs. */
static void name_cpu(bench_selection *sel, const char *machine) {
    char cpu[128];
    bench_machine_cpu(machine, cpu, sizeof cpu);
    if (listed(sel->other_cpus, cpu)) return;
    size_t used = strlen(sel->other_cpus);
    snprintf(sel->other_cpus + used, sizeof sel->other_cpus - used, "%s%s", used ? "; " : "", cpu);
}

void bench_select_runs(const bench_hist_run *runs, int n, const char *mine, int last, bench_selection *sel) {
    memset(sel, 0, sizeof *sel);
    if (last < 0) last = 0;
    if (last > BENCH_MAX_BASE) last = BENCH_MAX_BASE;
    for (int i = 0; i < n && (!sel->latest || sel->nbase < last); i++) {
        const char *why = bench_machine_mismatch(mine, runs[i].machine);
        if (why && !strcmp(why, "another CPU")) {
            sel->other_cpu++;
            name_cpu(sel, runs[i].machine);
        } else if (why)
            sel->other_kernels++;
        else if (!sel->latest)
            sel->latest = runs[i].id;
        else
            sel->base[sel->nbase++] = runs[i].id;
    }
}

void bench_selection_note(const bench_selection *sel, char *out, size_t cap) {
    int n = 0;
    out[0] = 0;
    if (sel->other_cpu)
        n = snprintf(out, cap, "%d run%s on other CPUs (%s)", sel->other_cpu, sel->other_cpu == 1 ? "" : "s",
                     sel->other_cpus);
    if (sel->other_kernels && n >= 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, "%s%d run%s with other kernels", n ? ", " : "", sel->other_kernels,
                 sel->other_kernels == 1 ? "" : "s");
}
