/* zenn bench: argument parsing, suite selection, fingerprint and JSON. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_history.h"
#include "bench_report.h"
#include "cli.h"
#include "cli_util.h"

#include "zn_git_commit.h" /* generated at build time: ZN_GIT_COMMIT */

#ifndef ZN_SOURCE_DIR
#define ZN_SOURCE_DIR "."
#endif

typedef struct suite_entry {
    const char *name;
    int (*run)(bench_run *run);
    const char *what;
} suite_entry;

static const suite_entry suites[] = {
    {"gemm", bench_suite_gemm, "sgemm/sgemv against OpenBLAS, % of FMA peak, thread scaling"},
    {"vmath", bench_suite_vmath, "element-wise math in GElements/s; relu against memcpy"},
    {"pool", bench_suite_pool, "thread-pool job latency and idle CPU"},
    {"mlp-forward", bench_suite_mlp_forward, "MLP inference against libfann, PyTorch, brain.js, tfjs"},
    {"mlp-train", bench_suite_mlp_train, "MLP training samples/s against libfann, PyTorch, brain.js, tfjs"},
    {"memory", bench_suite_memory, "peak RSS to load and run 784-128-10 against PyTorch"},
    {"mnist", bench_suite_mnist, "MNIST 5 epochs: accuracy and time against PyTorch (not in --quick)"},
    {"fann-accuracy", bench_suite_fann_accuracy, "FANN's datasets with FANN's defaults: test MSE against libfann"},
    {"io", bench_suite_io, "model save/load: safetensors against the same weights as JSON text"},
    {"fann", bench_suite_fann, "the drop-in FANN API against libfann: fann_run, training epochs, cascade"},
};
#define NSUITES ((int)(sizeof suites / sizeof suites[0]))

static void usage(FILE *f) {
    fprintf(f, "usage: zenn bench [options] [SUITE...]\n"
               "\n"
               "Measures zenn and its peers in one run, interleaved, and prints GFLOP/s or\n"
               "GElements/s with ratios (peer time / zenn time: above 1 means zenn is faster).\n"
               "\n"
               "suites (default: all):\n");
    for (int i = 0; i < NSUITES; i++) fprintf(f, "  %-12s %s\n", suites[i].name, suites[i].what);
    fprintf(f, "  %-12s %s\n", "quick", "a short run of every suite (the same as --quick; under two minutes)");
    fprintf(f, "\noptions:\n"
               "  --json FILE     also write every case and the machine fingerprint as JSON\n"
               "  --repeat N      reps per contender (default 7; the median is reported)\n"
               "  --min-time S    seconds per rep (default 0.1)\n"
               "  --threads N     threads for the multi-threaded cases (default: ZN_THREADS or all CPUs)\n"
               "  --filter TEXT   only cases whose name contains TEXT\n"
               "  --quick         fewer cases, shorter reps (a smoke run)\n"
               "  --history PATH  SQLite file every run is appended to (default: bench/history.db when run\n"
               "                  from the repository); --no-history to skip\n"
               "  --compare [RUN] compare the latest run with RUN, or with the median of the last --last K runs\n"
               "                  (default 5) on this machine; a case changed only when the min-max ranges\n"
               "                  differ by more than --threshold X (default 0.05). Alone: no new run\n"
               "  --fail-on-regression  exit 1 when a case regressed\n"
               "  --report FILE   write a self-contained HTML report (charts, table, trends, fingerprint)\n"
               "  --settle-ms MS  pause after a multi-threaded peer rep (default 150; OpenBLAS threads spin)\n"
               "  --fann-data DIR FANN .train/.test files for fann-accuracy (default: ../shared/data/fann)\n"
               "  --mnist DIR     MNIST IDX .gz files for the mnist suite (default: ../shared/data/mnist\n"
               "                  beside the source tree; the suite is skipped when they are absent)\n"
               "\n"
               "  --install-peers install the peers first (apt-get and npm: scripts/deps.sh --peers)\n"
               "\n"
               "Peers (OpenBLAS, BLIS, libfann, PyTorch, NumPy, brain.js, tfjs) are skipped with a reason\n"
               "when missing; --install-peers installs them (bench/peers/README.md).\n");
}

/* --install-peers: the source tree's scripts/deps.sh --peers (apt-get and
 * npm ci; as root, or it names what to install). Returns its exit status. */
static int install_peers(void) {
    char script[4096];
    snprintf(script, sizeof script, "%s/scripts/deps.sh", ZN_SOURCE_DIR);
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "zenn: error: --install-peers needs the source tree's %s\n", script);
        return 2;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "zenn: error: --install-peers: cannot start bash\n");
        return 2;
    }
    if (pid == 0) {
        execlp("bash", "bash", script, "--peers", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return 2;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    fprintf(stderr, "zenn: error: --install-peers: %s --peers failed\n", script);
    return 1;
}

/* Option values through the tool's own parsers (one error line each). */
static int parse_int(const char *opt, const char *s, int lo, int hi, int *out) {
    long long v;
    if (!cli_int(opt, s, lo, hi, &v)) return 0;
    *out = (int)v;
    return 1;
}

/* A JSON string; < and > escaped too, so the text can sit inside HTML. */
void bench_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20 || *s == '<' || *s == '>')
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void json_stats(FILE *f, const char *key, const bench_stats *s, double work) {
    fprintf(f, "\"%s\":", key);
    if (!s->ok) {
        fprintf(f, "null");
        return;
    }
    fprintf(f, "{\"median_s\":%.9g,\"min_s\":%.9g,\"max_s\":%.9g,\"reps\":%d,\"rate_median\":%.6g}", s->median, s->min,
            s->max, s->reps, bench_rate(work, s->median));
}

static void fingerprint(FILE *f) {
    const zn_cpu_features *c = zn_cpu();
    struct utsname u;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (uname(&u) != 0) memset(&u, 0, sizeof u);
    fprintf(f, "{\"cpu\":");
    bench_json_string(f, c->brand);
    fprintf(f,
            ",\"vendor\":\"%s\",\"logical_cpus\":%d,\"memory_bytes\":%lld,\"avx2\":%d,\"fma\":%d,\"avx512f\":%d,"
            "\"avx512_bf16\":%d,\"avx512_fp16\":%d,\"avx512_vnni\":%d,",
            c->vendor, c->logical_cpus, (long long)pages * page, c->avx2, c->fma, c->avx512f, c->avx512_bf16,
            c->avx512_fp16, c->avx512_vnni);
    fprintf(f, "\"kernel\":");
    bench_json_string(f, u.release);
    fprintf(f, ",\"compiler\":");
    bench_json_string(f, __VERSION__);
    fprintf(f, ",\"zenn_version\":\"%s\",\"zenn_commit\":\"%s\",\"isa\":\"%s\",\"threads\":%d}", zn_version(),
            ZN_GIT_COMMIT, zn_isa_name(zn_isa_active()), zn_pool_size(zn_pool_default()));
}

/* The run as one JSON document (what --json writes and the report embeds). */
void bench_write_json(FILE *f, const bench_run *run, int argc, char **argv) {
    char command[2048];
    size_t n = 0;
    command[0] = '\0';
    for (int i = 0; i < argc && n < sizeof command; i++)
        n += (size_t)snprintf(command + n, sizeof command - n, "%s%s", i ? " " : "", argv[i]);
    fprintf(f, "{\"command\":");
    bench_json_string(f, command);
    fprintf(f, ",\n\"fingerprint\":");
    fingerprint(f);
    fprintf(f, ",\n\"results\":[\n");
    for (int i = 0; i < run->count; i++) {
        const bench_result *r = &run->results[i];
        fprintf(f, "{\"suite\":\"%s\",\"case\":", r->suite);
        bench_json_string(f, r->name);
        fprintf(f, ",\"shape\":");
        bench_json_string(f, r->shape);
        fprintf(f, ",\"threads\":%d,\"unit\":\"%s\",\"work_per_call\":%.9g,", r->threads, r->unit, r->work);
        json_stats(f, "zenn", &r->zenn, r->work);
        fprintf(f, ",\"peer\":");
        if (r->peer[0])
            bench_json_string(f, r->peer);
        else
            fprintf(f, "null");
        fprintf(f, ",");
        json_stats(f, "peer_stats", &r->other, r->work);
        if (r->zenn.ok && r->other.ok && r->peer[0] && r->zenn.median > 0)
            fprintf(f, ",\"ratio\":%.4f", r->other.median / r->zenn.median);
        if (r->target > 0) {
            int v = bench_verdict(r);
            fprintf(f, ",\"target\":%.4g,\"target_kind\":\"%s\",\"met\":%s", r->target,
                    r->target_kind == BENCH_TARGET_MARGIN ? "margin" : "ratio",
                    v == 1   ? "true"
                    : v == 0 ? "false"
                             : "null");
        }
        if (r->peer[0] && !r->other.ok) {
            fprintf(f, ",\"skipped\":");
            bench_json_string(f, r->why[0] ? r->why : "not measured");
        }
        if (r->target_note[0]) {
            fprintf(f, ",\"note\":");
            bench_json_string(f, r->target_note);
        }
        fprintf(f, "}%s\n", i + 1 < run->count ? "," : "");
    }
    fprintf(f, "]}\n");
}

static int write_json(const char *path, const bench_run *run, int argc, char **argv) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "zenn: error: cannot write %s\n", tmp);
        return 0;
    }
    bench_write_json(f, run, argc, argv);
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "zenn: error: cannot write %s\n", path);
        remove(tmp);
        return 0;
    }
    return 1;
}

/* The machine a history compares runs of: CPU, cores, memory, kernels. */
static void machine_key(char *out, size_t cap) {
    const zn_cpu_features *c = zn_cpu();
    long long mem = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    snprintf(out, cap, "%s|%d cpus|%lld MiB|%s", c->brand, c->logical_cpus, mem >> 20, zn_isa_name(zn_isa_active()));
}

/* Records the run and compares, as the options ask. Returns non-zero on failure. */
static int history_step(const char *path, const bench_run *run, int record, int compare, const bench_compare_opts *co,
                        int fail_on_regression, int argc, char **argv) {
    char machine[256], command[1024] = "";
    machine_key(machine, sizeof machine);
    for (int i = 0, n = 0; i < argc && n >= 0 && (size_t)n < sizeof command; i++)
        n += snprintf(command + n, sizeof command - (size_t)n, "%s%s", i ? " " : "", argv[i]);
    if (record) {
        char *fp = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&fp, &len);
        if (f) {
            fingerprint(f);
            fclose(f);
        }
        long long id = 0;
        int rc = bench_history_append(path, run, fp ? fp : "{}", machine, ZN_GIT_COMMIT, command, &id);
        free(fp);
        if (rc != 0) return 1;
        printf("history: run %lld recorded in %s\n", id, path);
    }
    if (!compare) return 0;
    int regressions = bench_history_compare(path, machine, co, stdout);
    if (regressions < 0) return 1;
    return fail_on_regression && regressions > 0;
}

int zn_cmd_bench(int argc, char **argv) {
    bench_run run;
    memset(&run, 0, sizeof run);
    run.out = stdout;
    run.opts.repeat = 7;
    run.opts.min_seconds = 0.1;
    run.opts.settle_ms = 150;
    const char *json = NULL, *history = NULL, *report = NULL;
    int want[NSUITES] = {0}, any = 0, no_history = 0, compare = 0, fail_on_regression = 0;
    bench_compare_opts co = {0, 5, 0.05};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            if (!val) {
                fprintf(stderr, "zenn: error: --json expects a file name\n");
                return 2;
            }
            json = val;
            i++;
        } else if (!strcmp(a, "--repeat")) {
            if (!parse_int(a, val, 1, 64, &run.opts.repeat)) return 2;
            i++;
        } else if (!strcmp(a, "--threads")) {
            if (!parse_int(a, val, 1, 1024, &run.opts.threads)) return 2;
            i++;
        } else if (!strcmp(a, "--min-time")) {
            if (!cli_float(a, val, 1e-4, 60, &run.opts.min_seconds)) return 2;
            i++;
        } else if (!strcmp(a, "--settle-ms")) {
            if (!cli_float(a, val, 0, 10000, &run.opts.settle_ms)) return 2;
            i++;
        } else if (!strcmp(a, "--filter")) {
            if (!val) {
                fprintf(stderr, "zenn: error: --filter expects text\n");
                return 2;
            }
            run.opts.filter = val;
            i++;
        } else if (!strcmp(a, "--mnist")) {
            if (!val) {
                fprintf(stderr, "zenn: error: --mnist expects a directory\n");
                return 2;
            }
            run.opts.mnist_dir = val;
            i++;
        } else if (!strcmp(a, "--history")) {
            if (!val) {
                fprintf(stderr, "zenn: error: --history expects a file name\n");
                return 2;
            }
            history = val;
            i++;
        } else if (!strcmp(a, "--report")) {
            if (!val) {
                fprintf(stderr, "zenn: error: --report expects a file name\n");
                return 2;
            }
            report = val;
            i++;
        } else if (!strcmp(a, "--no-history")) {
            no_history = 1;
        } else if (!strcmp(a, "--compare")) {
            compare = 1;
            char *end = NULL;
            long long id = val ? strtoll(val, &end, 10) : 0;
            if (val && *val && !*end) { /* an optional run id */
                if (id < 1) {
                    fprintf(stderr, "zenn: error: --compare expects a run id >= 1, got '%s'\n", val);
                    return 2;
                }
                co.run = id;
                i++;
            }
        } else if (!strcmp(a, "--last")) {
            if (!parse_int(a, val, 1, 63, &co.last)) return 2;
            i++;
        } else if (!strcmp(a, "--threshold")) {
            if (!cli_float(a, val, 0, 10, &co.threshold)) return 2;
            i++;
        } else if (!strcmp(a, "--fail-on-regression")) {
            fail_on_regression = 1;
        } else if (!strcmp(a, "--fann-data")) {
            if (!val) {
                fprintf(stderr, "zenn: error: --fann-data expects a directory\n");
                return 2;
            }
            run.opts.fann_dir = val;
            i++;
        } else if (!strcmp(a, "--rss-probe")) {
            /* Internal: the memory suite's fresh process (prints one JSON line). */
            return bench_rss_probe(val);
        } else if (!strcmp(a, "--install-peers")) {
            int rc = install_peers();
            if (rc) return rc;
        } else if (!strcmp(a, "--quick") || !strcmp(a, "quick")) { /* the `quick` selection: every suite, short */
            run.opts.quick = 1;
            run.opts.repeat = 3;
            run.opts.min_seconds = 0.02;
            run.opts.settle_ms = 50;
        } else if (a[0] == '-') {
            fprintf(stderr, "zenn: error: unknown bench option '%s' (try zenn bench --help)\n", a);
            return 2;
        } else {
            int found = 0;
            for (int s = 0; s < NSUITES; s++)
                if (!strcmp(a, suites[s].name)) want[s] = found = any = 1;
            if (!found) {
                fprintf(stderr, "zenn: error: unknown suite '%s' (try zenn bench --help)\n", a);
                return 2;
            }
        }
    }
    const zn_cpu_features *c = zn_cpu();
    printf("zenn %s (%s), kernels %s, %s, %d logical CPUs, default pool %d threads\n", zn_version(), ZN_GIT_COMMIT,
           zn_isa_name(zn_isa_active()), c->brand, c->logical_cpus, zn_pool_size(zn_pool_default()));
    printf("rates are medians of %d reps of >= %.3g s; ratio = peer time / zenn time (> 1: zenn faster)\n",
           run.opts.repeat, run.opts.min_seconds);
    /* History: an explicit --history, or bench/history.db when run from the repository. */
    if (!history && !no_history && access("bench", W_OK) == 0) history = "bench/history.db";
    if (compare && !history) {
        fprintf(stderr, "zenn: error: --compare needs a history (--history PATH, or run from the repository)\n");
        return 2;
    }
    if (compare && !any) /* compare only: no new run */
        return history_step(history, &run, 0, 1, &co, fail_on_regression, argc + 1, argv - 1);
    int failed = 0;
    for (int s = 0; s < NSUITES; s++)
        if (!any || want[s]) failed |= suites[s].run(&run);
    int met = 0, missed = 0;
    for (int i = 0; i < run.count; i++) {
        const bench_result *r = &run.results[i];
        int v = bench_verdict(r);
        met += v == 1;
        missed += v == 0;
    }
    printf("\ntargets: %d met, %d not met\n", met, missed);
    if (json && !write_json(json, &run, argc + 1, argv - 1)) failed = 1;
    /* After the JSON, so a broken history never loses the run's figures. */
    if (history && !no_history && history_step(history, &run, 1, compare, &co, fail_on_regression, argc + 1, argv - 1))
        failed = 1;
    else if (!history && !no_history)
        printf("history: not recorded (no bench/ here; --history PATH to keep one)\n");
    if (report) { /* after the history, so the page's trends include this run */
        char machine[256];
        machine_key(machine, sizeof machine);
        if (!bench_write_report(report, &run, argc + 1, argv - 1, no_history ? NULL : history, machine))
            failed = 1;
        else
            printf("report: %s\n", report);
    }
    free(run.results);
    return failed ? 1 : 0;
}
