/* Timing, statistics and the table/JSON output of `zenn bench`. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void sleep_ms(double ms) {
    if (ms <= 0) return;
    struct timespec ts = {(time_t)(ms / 1000), (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6)};
    nanosleep(&ts, NULL);
}

/* How many calls make one rep last min_seconds (after a warm-up call). */
static long calls_per_rep(bench_contender *c, double min_seconds) {
    long calls = 1;
    for (;;) {
        double t0 = zn_time_sec();
        for (long i = 0; i < calls; i++)
            if (c->fn(c->ctx)) return -1;
        double t = zn_time_sec() - t0;
        if (t >= min_seconds * 0.5 || calls > (1L << 30)) {
            double per = t / (double)calls;
            long want = per > 0 ? (long)(min_seconds / per) + 1 : calls;
            return want < 1 ? 1 : want;
        }
        calls *= t > 0 ? (t * 8 < min_seconds ? 8 : 2) : 8;
    }
}

/* A progress line on a terminal (stderr), rewritten in place and cleared
 * before the row it leads to is printed; nothing when stderr is a file. */
static void progress(int on, int rep, int reps, const bench_contender *c) {
    if (!on) return;
    if (!c)
        fputs("\r\033[K", stderr);
    else
        fprintf(stderr, "\r\033[K  timing rep %d/%d: %s (%d thread%s)", rep + 1, reps, c->name, c->threads,
                c->threads == 1 ? "" : "s");
    fflush(stderr);
}

/* A peer whose threads may spin after its rep: several threads, or a peer
 * process that picks its own thread count (timed in its process). */
static int may_spin(const bench_contender *c) {
    return strcmp(c->name, "zenn") != 0 && (c->threads > 1 || c->timed != NULL);
}

void bench_measure(const bench_opts *o, bench_contender *c, int n, bench_stats *stats) {
    enum { MAX_CONTENDERS = 8, MAX_REPS = 64 };
    double times[MAX_CONTENDERS][MAX_REPS];
    long calls[MAX_CONTENDERS];
    int reps = o->repeat < 1 ? 1 : (o->repeat > MAX_REPS ? MAX_REPS : o->repeat);
    int tty = isatty(STDERR_FILENO);
    if (n > MAX_CONTENDERS) n = MAX_CONTENDERS;
    for (int i = 0; i < n; i++) {
        memset(&stats[i], 0, sizeof stats[i]);
        if (c[i].prepare && !c[i].skip) c[i].prepare(c[i].ctx);
        if (c[i].timed) /* a warm-up request; the peer sizes its own reps */
            calls[i] = c[i].skip || c[i].timed(c[i].ctx, o->min_seconds * 0.5) < 0 ? -1 : 1;
        else
            calls[i] = c[i].skip ? -1 : calls_per_rep(&c[i], o->min_seconds);
        if (may_spin(&c[i])) sleep_ms(o->settle_ms);
    }
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n; i++) {
            if (calls[i] < 0) continue;
            progress(tty, r, reps, &c[i]);
            if (c[i].prepare) c[i].prepare(c[i].ctx);
            if (c[i].timed) {
                double per = c[i].timed(c[i].ctx, o->min_seconds);
                if (per <= 0)
                    calls[i] = -1;
                else
                    times[i][r] = per;
                if (may_spin(&c[i])) sleep_ms(o->settle_ms);
                continue;
            }
            double t0 = zn_time_sec();
            int failed = 0;
            for (long k = 0; k < calls[i] && !failed; k++) failed = c[i].fn(c[i].ctx);
            double t = zn_time_sec() - t0;
            if (failed) {
                calls[i] = -1;
                continue;
            }
            times[i][r] = t / (double)calls[i];
            /* A peer's threads spin after a call; let them sleep before the next contender. */
            if (may_spin(&c[i])) sleep_ms(o->settle_ms);
        }
    }
    progress(tty, 0, reps, NULL);
    for (int i = 0; i < n; i++)
        if (calls[i] >= 0) bench_stats_of(times[i], reps, &stats[i]);
}

void bench_stats_value(bench_stats *s, double v) {
    memset(s, 0, sizeof *s);
    if (v < 0) return;
    s->median = s->min = s->max = v;
    s->reps = 1;
    s->ok = 1;
}

int bench_selected(const bench_opts *o, const char *name) { return !o->filter || strstr(name, o->filter); }

void bench_section(bench_run *run, const char *title) {
    fprintf(run->out, "\n## %s\n", title);
    fprintf(run->out, "%-36s %3s %-8s %9s %9s %-10s %7s %7s\n", "case", "thr", "unit", "zenn", "peer", "peer", "ratio",
            "target");
    fflush(run->out);
}

void bench_note(bench_run *run, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(run->out, fmt, ap);
    va_end(ap);
    fputc('\n', run->out);
    fflush(run->out);
}

int bench_verdict(const bench_result *r) {
    if (r->target <= 0 || !r->zenn.ok || !r->other.ok || !r->peer[0]) return -1;
    if (r->target_kind == BENCH_TARGET_MARGIN) return r->zenn.median >= r->other.median - r->target;
    return r->zenn.median > 0 && r->other.median / r->zenn.median >= r->target;
}

double bench_display_value(const bench_result *r, const bench_stats *s) {
    double scale = r->scale > 0 ? r->scale : 1e-9;
    return r->show_value ? s->median * scale : bench_rate(r->work, s->median) * scale;
}

/* A table cell for one contender's median. */
static void cell(const bench_result *r, const bench_stats *s, char *out, size_t cap) {
    double v = bench_display_value(r, s);
    /* Values (MSE, MB) keep four significant digits; rates two decimals. */
    if (r->show_value)
        snprintf(out, cap, "%.4g", v);
    else
        snprintf(out, cap, v != 0 && (v >= 1e6 || v < 1e-2) ? "%.3g" : "%.2f", v);
}

void bench_add(bench_run *run, const bench_result *r) {
    if (run->count == run->cap) {
        int cap = run->cap ? run->cap * 2 : 64;
        bench_result *grown = realloc(run->results, (size_t)cap * sizeof *grown);
        if (!grown) return;
        run->results = grown;
        run->cap = cap;
    }
    run->results[run->count++] = *r;

    char zs[32] = "failed", ps[32] = "-", ratio[16] = "-", target[16] = "", verdict[16] = "";
    if (r->zenn.ok) cell(r, &r->zenn, zs, sizeof zs);
    if (r->peer[0] && r->other.ok) cell(r, &r->other, ps, sizeof ps);
    if (r->peer[0] && !r->other.ok) snprintf(ps, sizeof ps, "skipped");
    if (r->zenn.ok && r->other.ok && r->zenn.median > 0) {
        if (r->target_kind == BENCH_TARGET_MARGIN)
            snprintf(ratio, sizeof ratio, "%+.2f", (r->zenn.median - r->other.median) * (r->scale > 0 ? r->scale : 1));
        else
            snprintf(ratio, sizeof ratio, "%.2fx", r->other.median / r->zenn.median);
    }
    int v = bench_verdict(r);
    if (r->target > 0) {
        if (r->target_kind == BENCH_TARGET_MARGIN)
            snprintf(target, sizeof target, ">=-%.2g", r->target * (r->scale > 0 ? r->scale : 1));
        else
            snprintf(target, sizeof target, ">=%.2f", r->target);
        snprintf(verdict, sizeof verdict, "%s", v == 1 ? "met" : v == 0 ? "NOT MET" : "skipped:");
    }
    char note[320];
    snprintf(note, sizeof note, "%s%s%s", r->target > 0 && v < 0 ? (r->why[0] ? r->why : "not measured") : "",
             r->target > 0 && v < 0 && r->target_note[0] ? "; " : "", r->target_note);
    if (r->target <= 0 && r->peer[0] && !r->other.ok && r->why[0])
        snprintf(note, sizeof note, "skipped: %.200s", r->why);
    fprintf(run->out, "%-36s %3d %-8s %9s %9s %-10s %7s %7s %s %s\n", r->name, r->threads, r->unit, zs, ps,
            r->peer[0] ? r->peer : "-", ratio, target, verdict, note);
    fflush(run->out);
}

void bench_stats_of(double *v, int n, bench_stats *s) {
    memset(s, 0, sizeof *s);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (v[i] > 0) v[k++] = v[i];
    if (!k) return;
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    s->min = v[0];
    s->max = v[k - 1];
    s->median = k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
    s->reps = k;
    s->ok = 1;
}
