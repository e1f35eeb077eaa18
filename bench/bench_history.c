/* Benchmark history in SQLite (see bench_history.h). Built without SQLite,
 * every call says so and the bench runs on without history. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_compare.h"
#include "bench_history.h"

/* The trend object's opening, up to its "points" array: the CPU and kernels
 * its runs share and the runs left out (sel NULL: no history read). */
static void series_head(const char *machine, const bench_selection *sel, FILE *out) {
    char cpu[128], left_out[512] = "";
    bench_machine_cpu(machine, cpu, sizeof cpu);
    if (sel) bench_selection_note(sel, left_out, sizeof left_out);
    fprintf(out, "{\"cpu\":");
    bench_json_string(out, cpu);
    fprintf(out, ",\"kernels\":");
    bench_json_string(out, bench_machine_kernels(machine));
    fprintf(out, ",\"left_out\":");
    bench_json_string(out, left_out);
    fprintf(out, ",\"points\":[");
}

#ifdef ZN_HAVE_SQLITE
#include <sqlite3.h>

static const char *const schema =
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, time TEXT NOT NULL, machine TEXT NOT NULL,"
    " commit_id TEXT, command TEXT, fingerprint TEXT);"
    "CREATE TABLE IF NOT EXISTS results(run INTEGER NOT NULL REFERENCES runs(id), suite TEXT, name TEXT,"
    " threads INTEGER, unit TEXT, peer TEXT, zenn_median REAL, zenn_min REAL, zenn_max REAL,"
    " peer_median REAL, peer_min REAL, peer_max REAL, ratio REAL);"
    "CREATE INDEX IF NOT EXISTS results_run ON results(run);";

static int fail(sqlite3 *db, const char *path, const char *what) {
    fprintf(stderr, "zenn: error: benchmark history %s: %s: %s\n", path, what, db ? sqlite3_errmsg(db) : "cannot open");
    return -1;
}

static sqlite3 *open_db(const char *path) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fail(db, path, "cannot open");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000); /* another run may be writing */
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        fail(db, path, "not a benchmark history (or locked)");
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

int bench_history_available(void) { return 1; }

int bench_history_append(const char *path, const bench_run *run, const char *fp, const char *machine,
                         const char *commit, const char *command, long long *id) {
    sqlite3 *db = open_db(path);
    if (!db) return -1;
    sqlite3_stmt *ins_run = NULL, *ins_res = NULL;
    int ok = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK &&
             sqlite3_prepare_v2(db,
                                "INSERT INTO runs(time, machine, commit_id, command, fingerprint)"
                                " VALUES(datetime('now'), ?, ?, ?, ?)",
                                -1, &ins_run, NULL) == SQLITE_OK &&
             sqlite3_prepare_v2(db, "INSERT INTO results VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &ins_res, NULL) ==
                 SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(ins_run, 1, machine, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_run, 2, commit, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_run, 3, command, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_run, 4, fp, -1, SQLITE_STATIC);
        ok = sqlite3_step(ins_run) == SQLITE_DONE;
    }
    long long rid = ok ? sqlite3_last_insert_rowid(db) : 0;
    for (int i = 0; ok && i < run->count; i++) {
        const bench_result *r = &run->results[i];
        if (!r->zenn.ok) continue;
        sqlite3_reset(ins_res);
        sqlite3_bind_int64(ins_res, 1, rid);
        sqlite3_bind_text(ins_res, 2, r->suite, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_res, 3, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins_res, 4, r->threads);
        sqlite3_bind_text(ins_res, 5, r->unit, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_res, 6, r->peer, -1, SQLITE_STATIC);
        sqlite3_bind_double(ins_res, 7, r->zenn.median);
        sqlite3_bind_double(ins_res, 8, r->zenn.min);
        sqlite3_bind_double(ins_res, 9, r->zenn.max);
        if (r->other.ok) {
            sqlite3_bind_double(ins_res, 10, r->other.median);
            sqlite3_bind_double(ins_res, 11, r->other.min);
            sqlite3_bind_double(ins_res, 12, r->other.max);
            sqlite3_bind_double(ins_res, 13, r->zenn.median > 0 ? r->other.median / r->zenn.median : 0);
        } else {
            for (int k = 10; k <= 13; k++) sqlite3_bind_null(ins_res, k);
        }
        ok = sqlite3_step(ins_res) == SQLITE_DONE;
    }
    if (ok) ok = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (!ok) fail(db, path, "cannot record the run");
    sqlite3_finalize(ins_run);
    sqlite3_finalize(ins_res);
    if (!ok) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    if (ok && id) *id = rid;
    return ok ? 0 : -1;
}

/* The zenn range of one case in one run; 0 when absent. Cases are keyed by
 * suite, name, threads and peer (a case appears once per peer). */
static int case_range(sqlite3 *db, long long run, const unsigned char *suite, const unsigned char *name, int threads,
                      const unsigned char *peer, bench_range *r) {
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT zenn_min, zenn_median, zenn_max FROM results WHERE run=? AND suite=? AND name=?"
                           " AND threads=? AND peer IS ?",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_text(q, 2, (const char *)suite, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, (const char *)name, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 4, threads);
        sqlite3_bind_text(q, 5, (const char *)peer, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW) {
            r->min = sqlite3_column_double(q, 0);
            r->median = sqlite3_column_double(q, 1);
            r->max = sqlite3_column_double(q, 2);
            found = 1;
        }
    }
    sqlite3_finalize(q);
    return found;
}

/* The history's runs on this machine's CPU model and kernels (bench_select_runs):
 * the newest and up to `last` before it. 0, or -1 when they cannot be read. */
static int select_runs(sqlite3 *db, const char *machine, int last, bench_selection *sel) {
    enum { LOOK_AT = 4096 }; /* the newest runs looked at */
    bench_hist_run *runs = calloc(LOOK_AT, sizeof *runs);
    char **keys = calloc(LOOK_AT, sizeof *keys);
    sqlite3_stmt *q = NULL;
    int n = 0,
        ok = runs && keys &&
             sqlite3_prepare_v2(db, "SELECT id, machine FROM runs ORDER BY id DESC LIMIT ?", -1, &q, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_int(q, 1, LOOK_AT);
        while (ok && n < LOOK_AT && sqlite3_step(q) == SQLITE_ROW) {
            const unsigned char *m = sqlite3_column_text(q, 1);
            keys[n] = strdup(m ? (const char *)m : "");
            runs[n] = (bench_hist_run){sqlite3_column_int64(q, 0), keys[n]};
            ok = keys[n++] != NULL;
        }
    }
    if (ok) bench_select_runs(runs, n, machine, last, sel);
    for (int i = 0; i < n; i++) free(keys[i]);
    free(keys);
    free(runs);
    sqlite3_finalize(q);
    return ok ? 0 : -1;
}

/* The machine key of one run into out; 0 when there is no such run. */
static int run_machine(sqlite3 *db, long long id, char *out, size_t cap) {
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT machine FROM runs WHERE id=?", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
            snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
            found = 1;
        }
    }
    sqlite3_finalize(q);
    return found;
}

/* The explicit baseline run: it must exist and have run on this CPU model
 * with the same kernels. 0, or -1 after an error line. */
static int check_base_run(sqlite3 *db, const char *path, const char *machine, long long id) {
    char other[256], theirs[128], ours[128];
    if (!run_machine(db, id, other, sizeof other)) {
        fprintf(stderr, "zenn: error: benchmark history %s: no run %lld\n", path, id);
        return -1;
    }
    const char *why = bench_machine_mismatch(machine, other);
    if (!why) return 0;
    bench_machine_cpu(other, theirs, sizeof theirs);
    bench_machine_cpu(machine, ours, sizeof ours);
    if (!strcmp(why, "another CPU"))
        fprintf(stderr, "zenn: error: benchmark history %s: run %lld ran on %s, not on this %s: ratios differ by CPU\n",
                path, id, theirs, ours);
    else
        fprintf(stderr, "zenn: error: benchmark history %s: run %lld ran with kernels %s, not %s\n", path, id,
                bench_machine_kernels(other), bench_machine_kernels(machine));
    return -1;
}

int bench_history_compare(const char *path, const char *machine, const bench_compare_opts *o, FILE *out) {
    sqlite3 *db = open_db(path);
    if (!db) return -1;
    bench_selection sel;
    int bad = select_runs(db, machine, o->run ? 0 : (o->last > 0 ? o->last : 5), &sel) != 0;
    if (bad) fail(db, path, "cannot read the runs");
    if (bad || (o->run && check_base_run(db, path, machine, o->run) != 0)) {
        sqlite3_close(db);
        return -1;
    }
    long long latest = sel.latest, *base = sel.base;
    int nbase = sel.nbase;
    if (o->run) base[nbase++] = o->run;
    char cpu[128], left_out[512];
    bench_machine_cpu(machine, cpu, sizeof cpu);
    bench_selection_note(&sel, left_out, sizeof left_out);
    if (!latest || nbase == 0 || (o->run && o->run == latest)) {
        fprintf(stderr, "zenn: error: benchmark history %s: nothing to compare (%s on %s%s%s)\n", path,
                latest ? "one run" : "no run", cpu, left_out[0] ? "; left out: " : "", left_out);
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt *q = NULL;
    fprintf(out,
            "\n## compare: run %lld against %s%lld (threshold %.0f%%; a change counts only when the min-max "
            "ranges do not overlap)\n",
            latest, o->run ? "run " : "the median of the last runs: ", o->run ? o->run : (long long)nbase,
            100.0 * o->threshold);
    fprintf(out, "runs on %s with kernels %s only%s%s (ratios differ by CPU)\n", cpu, bench_machine_kernels(machine),
            left_out[0] ? "; left out: " : "", left_out);
    int regressions = 0, improvements = 0, compared = 0;
    if (sqlite3_prepare_v2(
            db, "SELECT suite, name, threads, peer, zenn_min, zenn_median, zenn_max FROM results WHERE run=?", -1, &q,
            NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, latest);
        while (sqlite3_step(q) == SQLITE_ROW) {
            const unsigned char *suite = sqlite3_column_text(q, 0), *name = sqlite3_column_text(q, 1),
                                *peer = sqlite3_column_text(q, 3);
            int threads = sqlite3_column_int(q, 2);
            bench_range now = {sqlite3_column_double(q, 4), sqlite3_column_double(q, 5), sqlite3_column_double(q, 6)};
            bench_range b[BENCH_MAX_BASE];
            int nb = 0;
            for (int i = 0; i < nbase; i++)
                if (case_range(db, base[i], suite, name, threads, peer, &b[nb])) nb++;
            if (!nb) continue;
            compared++;
            bench_range ref = bench_range_median(b, nb);
            int v = bench_compare_ranges(ref, now, o->threshold);
            if (v == BENCH_SAME) continue;
            regressions += v == BENCH_REGRESSED;
            improvements += v == BENCH_IMPROVED;
            fprintf(out, "%-9s %-36s %2d threads%s%s: %.4g -> %.4g s per call (%+.1f%%)\n",
                    v == BENCH_REGRESSED ? "SLOWER" : "faster", name, threads, peer && *peer ? " vs " : "",
                    peer ? (const char *)peer : "", ref.median, now.median, 100.0 * (now.median / ref.median - 1.0));
        }
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    fprintf(out, "compared %d cases: %d regressions, %d improvements\n", compared, regressions, improvements);
    return regressions;
}

/* The trend points of one run: zenn's median per case. */
static void series_points(sqlite3 *db, long long run, int *first, FILE *out) {
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT runs.time, r.suite, r.name, r.threads, r.peer, r.zenn_median FROM results r"
                           " JOIN runs ON runs.id = r.run WHERE r.run=?",
                           -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(q, 1, run);
    for (; sqlite3_step(q) == SQLITE_ROW; *first = 0) {
        fprintf(out, "%s{\"run\":%lld,\"time\":", *first ? "" : ",\n", run);
        bench_json_string(out, (const char *)sqlite3_column_text(q, 0));
        fprintf(out, ",\"suite\":");
        bench_json_string(out, (const char *)sqlite3_column_text(q, 1));
        fprintf(out, ",\"case\":");
        bench_json_string(out, (const char *)sqlite3_column_text(q, 2));
        fprintf(out, ",\"threads\":%d,\"peer\":", sqlite3_column_int(q, 3));
        const unsigned char *peer = sqlite3_column_text(q, 4);
        bench_json_string(out, peer ? (const char *)peer : "");
        fprintf(out, ",\"zenn_median_s\":%.9g}", sqlite3_column_double(q, 5));
    }
    sqlite3_finalize(q);
}

void bench_history_series_json(const char *path, const char *machine, int runs, FILE *out) {
    sqlite3 *db = NULL;
    bench_selection sel;
    memset(&sel, 0, sizeof sel);
    int ok = path && runs > 0 && sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
             select_runs(db, machine, runs - 1, &sel) == 0;
    series_head(machine, ok ? &sel : NULL, out);
    int first = 1;
    for (int i = sel.nbase - 1; ok && i >= 0; i--) series_points(db, sel.base[i], &first, out);
    if (ok && sel.latest) series_points(db, sel.latest, &first, out);
    fputs("]}", out);
    sqlite3_close(db);
}

#else /* no SQLite */

void bench_history_series_json(const char *path, const char *machine, int runs, FILE *out) {
    (void)path, (void)runs;
    series_head(machine, NULL, out);
    fputs("]}", out);
}

int bench_history_available(void) { return 0; }

int bench_history_append(const char *path, const bench_run *run, const char *fp, const char *machine,
                         const char *commit, const char *command, long long *id) {
    (void)run, (void)fp, (void)machine, (void)commit, (void)command, (void)id;
    fprintf(stderr, "zenn: error: benchmark history %s: this zenn was built without SQLite\n", path);
    return -1;
}

int bench_history_compare(const char *path, const char *machine, const bench_compare_opts *o, FILE *out) {
    (void)machine, (void)o, (void)out;
    fprintf(stderr, "zenn: error: benchmark history %s: this zenn was built without SQLite\n", path);
    return -1;
}
#endif
