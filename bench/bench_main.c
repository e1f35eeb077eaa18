/* zenn bench: the command line, suite selection, history and outputs. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <errno.h>
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
               "                  (default 5) of this CPU model and kernels (runs of other CPUs are left out\n"
               "                  and named); a case changed only when the min-max ranges differ by more\n"
               "                  than --threshold X (default 0.05). Alone: no new run\n"
               "  --fail-on-regression  exit 1 when a case regressed\n"
               "  --report FILE   write a self-contained HTML report (charts, table, trends of this CPU's runs,\n"
               "                  fingerprint)\n"
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

/* The machine key a history keeps with each run: "CPU|N cpus|M MiB|kernels";
 * runs are compared on the CPU model and kernels (bench_machine_mismatch). */
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
            bench_write_fingerprint(f);
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

/* What the command line asked for. */
typedef struct bench_cli {
    bench_run run;
    const char *json, *history, *report;
    int want[NSUITES], any; /* suites named; none: all */
    int no_history, compare, fail_on_regression;
    bench_compare_opts co;
} bench_cli;

enum { CLI_GO_ON = -1 }; /* an argument parsed: read the next */

static void cli_init(bench_cli *c) {
    memset(c, 0, sizeof *c);
    c->run.out = stdout;
    c->run.opts.repeat = 7;
    c->run.opts.min_seconds = 0.1;
    c->run.opts.settle_ms = 150;
    c->co = (bench_compare_opts){0, 5, 0.05};
}

/* --quick (or the selection `quick`): every suite, fewer cases, short reps. */
static void set_quick(bench_opts *o) {
    o->quick = 1;
    o->repeat = 3;
    o->min_seconds = 0.02;
    o->settle_ms = 50;
}

/* The field a text option sets, and what its value names; NULL when `opt` is not one. */
static const char **text_slot(bench_cli *c, const char *opt, const char **noun) {
    *noun = "a file name";
    if (!strcmp(opt, "--json")) return &c->json;
    if (!strcmp(opt, "--history")) return &c->history;
    if (!strcmp(opt, "--report")) return &c->report;
    *noun = "a directory";
    if (!strcmp(opt, "--mnist")) return &c->run.opts.mnist_dir;
    if (!strcmp(opt, "--fann-data")) return &c->run.opts.fann_dir;
    *noun = "text";
    if (!strcmp(opt, "--filter")) return &c->run.opts.filter;
    return NULL;
}

/* Options that take a value: 1 when parsed, 0 after an error line, -1 when
 * `opt` is not one of them. */
static int value_option(bench_cli *c, const char *opt, const char *val) {
    bench_opts *o = &c->run.opts;
    if (!strcmp(opt, "--repeat")) return parse_int(opt, val, 1, 64, &o->repeat);
    if (!strcmp(opt, "--threads")) return parse_int(opt, val, 1, 1024, &o->threads);
    if (!strcmp(opt, "--min-time")) return cli_float(opt, val, 1e-4, 60, &o->min_seconds);
    if (!strcmp(opt, "--settle-ms")) return cli_float(opt, val, 0, 10000, &o->settle_ms);
    if (!strcmp(opt, "--last")) return parse_int(opt, val, 1, 63, &c->co.last);
    if (!strcmp(opt, "--threshold")) return cli_float(opt, val, 0, 10, &c->co.threshold);
    const char *noun;
    const char **slot = text_slot(c, opt, &noun);
    if (!slot) return -1;
    if (!val) {
        fprintf(stderr, "zenn: error: %s expects %s\n", opt, noun);
        return 0;
    }
    *slot = val;
    return 1;
}

/* --compare [RUN]: the run id is taken only when the next argument is a number. */
static int compare_option(bench_cli *c, const char *val, int *i) {
    c->compare = 1;
    char *end = NULL;
    long long id = val ? strtoll(val, &end, 10) : 0;
    if (!val || !*val || *end) return CLI_GO_ON;
    if (id < 1) {
        fprintf(stderr, "zenn: error: --compare expects a run id >= 1, got '%s'\n", val);
        return 2;
    }
    c->co.run = id;
    ++*i;
    return CLI_GO_ON;
}

static int select_suite(bench_cli *c, const char *name) {
    int found = 0;
    for (int s = 0; s < NSUITES; s++)
        if (!strcmp(name, suites[s].name)) c->want[s] = found = c->any = 1;
    if (found) return CLI_GO_ON;
    fprintf(stderr, "zenn: error: unknown suite '%s' (try zenn bench --help)\n", name);
    return 2;
}

/* argv[*i] (and its value, stepping *i past it): CLI_GO_ON, or the status to exit with. */
static int parse_arg(bench_cli *c, int argc, char **argv, int *i) {
    const char *a = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    int v = value_option(c, a, val);
    if (v >= 0) {
        *i += v;
        return v ? CLI_GO_ON : 2;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(a, "--rss-probe")) /* internal: the memory suite's fresh process (prints one JSON line) */
        return bench_rss_probe(val);
    if (!strcmp(a, "--install-peers")) {
        int rc = install_peers();
        return rc ? rc : CLI_GO_ON;
    }
    if (!strcmp(a, "--compare")) return compare_option(c, val, i);
    if (!strcmp(a, "--no-history"))
        c->no_history = 1;
    else if (!strcmp(a, "--fail-on-regression"))
        c->fail_on_regression = 1;
    else if (!strcmp(a, "--quick") || !strcmp(a, "quick"))
        set_quick(&c->run.opts);
    else if (a[0] == '-') {
        fprintf(stderr, "zenn: error: unknown bench option '%s' (try zenn bench --help)\n", a);
        return 2;
    } else
        return select_suite(c, a);
    return CLI_GO_ON;
}

static void print_header(const bench_opts *o) {
    const zn_cpu_features *c = zn_cpu();
    printf("zenn %s (%s), kernels %s, %s, %d logical CPUs, default pool %d threads\n", zn_version(), ZN_GIT_COMMIT,
           zn_isa_name(zn_isa_active()), c->brand, c->logical_cpus, zn_pool_size(zn_pool_default()));
    printf("rates are medians of %d reps of >= %.3g s; ratio = peer time / zenn time (> 1: zenn faster)\n", o->repeat,
           o->min_seconds);
}

/* Runs the selected suites (all when none was named); non-zero when one failed. */
static int run_suites(bench_cli *c) {
    int failed = 0;
    for (int s = 0; s < NSUITES; s++)
        if (!c->any || c->want[s]) failed |= suites[s].run(&c->run);
    return failed;
}

static void print_targets(const bench_run *run) {
    int met = 0, missed = 0;
    for (int i = 0; i < run->count; i++) {
        int v = bench_verdict(&run->results[i]);
        met += v == 1;
        missed += v == 0;
    }
    printf("\ntargets: %d met, %d not met\n", met, missed);
}

/* The JSON, then the history (so a broken history never loses the run's
 * figures), then the report (so its trends include this run). Returns 0
 * when one of them failed. */
static int save_run(const bench_cli *c, int argc, char **argv) {
    int ok = !c->json || bench_write_json_file(c->json, &c->run, argc, argv);
    if (c->history && !c->no_history) {
        if (history_step(c->history, &c->run, 1, c->compare, &c->co, c->fail_on_regression, argc, argv)) ok = 0;
    } else if (!c->history && !c->no_history)
        printf("history: not recorded (no bench/ here; --history PATH to keep one)\n");
    if (c->report) {
        char machine[256];
        machine_key(machine, sizeof machine);
        if (!bench_write_report(c->report, &c->run, argc, argv, c->no_history ? NULL : c->history, machine))
            ok = 0;
        else
            printf("report: %s\n", c->report);
    }
    return ok;
}

int zn_cmd_bench(int argc, char **argv) {
    bench_cli c;
    cli_init(&c);
    for (int i = 1; i < argc; i++) {
        int rc = parse_arg(&c, argc, argv, &i);
        if (rc != CLI_GO_ON) return rc;
    }
    print_header(&c.run.opts);
    /* History: an explicit --history, or bench/history.db when run from the repository. */
    if (!c.history && !c.no_history && access("bench", W_OK) == 0) c.history = "bench/history.db";
    if (c.compare && !c.history) {
        fprintf(stderr, "zenn: error: --compare needs a history (--history PATH, or run from the repository)\n");
        return 2;
    }
    /* The command as typed, "zenn bench ...", for the JSON and the history. */
    int cmd_argc = argc + 1;
    char **cmd_argv = argv - 1;
    if (c.compare && !c.any) /* compare only: no new run */
        return history_step(c.history, &c.run, 0, 1, &c.co, c.fail_on_regression, cmd_argc, cmd_argv);
    int failed = run_suites(&c);
    print_targets(&c.run);
    if (!save_run(&c, cmd_argc, cmd_argv)) failed = 1;
    free(c.run.results);
    return failed ? 1 : 0;
}
