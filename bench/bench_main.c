/* zenn bench: the command line, suite selection, history and outputs. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_history.h"
#include "bench_report.h"
#include "cli.h"
#include "cli_opts.h"
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
    {"rnn", bench_suite_rnn, "LSTM/GRU inference, batch-1 streaming and training against ONNX Runtime, PyTorch"},
    {"fann", bench_suite_fann, "the drop-in FANN API against libfann: fann_run, training epochs, cascade"},
    {"conv", bench_suite_conv,
     "conv1d 16x64x1024 k3 (dilation 1, 8) forward and forward+backward against PyTorch, ORT"},
    {"fann-cli", bench_suite_fann_cli, "zenn train, the whole command, against a libfann program on FANN's sets"},
};
#define NSUITES ((int)(sizeof suites / sizeof suites[0]))

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
    int no_history, compare, fail_on_regression, quick, install_peers;
    bench_compare_opts co;
} bench_cli;

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

/* --compare [RUN]: the next argument is the run id only when it is a number. */
static int compare_option(void *dst, const char *next) {
    bench_cli *c = dst;
    c->compare = 1;
    char *end = NULL;
    long long id = next ? strtoll(next, &end, 10) : 0;
    if (!next || !*next || *end) return CLI_ALONE;
    if (id < 1) return !cli_error("--compare expects a run id >= 1, got '%s'", next);
    c->co.run = id;
    return CLI_TOOK;
}

#define F(field) offsetof(bench_cli, field)
/* Every option of zenn bench: the parser's table and the help's lines. */
static const cli_opt bench_opts_table[] = {
    {"options", NULL, CLI_SECTION, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"--json", NULL, CLI_STR, F(json), 0, 0, "FILE", "also write every case and the machine fingerprint as JSON", 0, 0,
     0, NULL},
    {"--repeat", NULL, CLI_INT32, F(run.opts.repeat), 1, 64, "N",
     "reps per contender (default 7; the median is reported)", 0, 0, 0, NULL},
    {"--min-time", NULL, CLI_FLOAT, F(run.opts.min_seconds), 1e-4, 60, "S", "seconds per rep (default 0.1)", 0, 0, 0,
     NULL},
    {"--threads", NULL, CLI_INT32, F(run.opts.threads), 1, 1024, "N",
     "threads for the multi-threaded cases (default: ZN_THREADS or all CPUs)", 0, 0, 0, NULL},
    {"--filter", NULL, CLI_STR, F(run.opts.filter), 0, 0, "TEXT", "only cases whose name contains TEXT", 0, 0, 0, NULL},
    {"--quick", NULL, CLI_FLAG, F(quick), 1, 0, NULL, "fewer cases, shorter reps (a smoke run)", 0, 0, 0, NULL},
    {"--history", NULL, CLI_STR, F(history), 0, 0, "PATH",
     "SQLite file every run is appended to (default: bench/history.db when run from the repository)", 0, 0, 0, NULL},
    {"--no-history", NULL, CLI_FLAG, F(no_history), 1, 0, NULL, "record nothing", 0, 0, 0, NULL},
    {"--compare", NULL, CLI_CALL_OPT, 0, 0, 0, "[RUN]",
     "compare the latest run with RUN, or with the median of the last --last K runs of this CPU model and kernels "
     "(runs of other CPUs are left out and named); a case changed only when the min-max ranges differ by more than "
     "--threshold. Alone: no new run",
     0, 0, 0, compare_option},
    {"--last", NULL, CLI_INT32, F(co.last), 1, 63, "K", "runs --compare takes the median of (default 5)", 0, 0, 0,
     NULL},
    {"--threshold", NULL, CLI_FLOAT, F(co.threshold), 0, 10, "X", "a change --compare reports (default 0.05)", 0, 0, 0,
     NULL},
    {"--fail-on-regression", NULL, CLI_FLAG, F(fail_on_regression), 1, 0, NULL, "exit 1 when a case regressed", 0, 0, 0,
     NULL},
    {"--report", NULL, CLI_STR, F(report), 0, 0, "FILE",
     "write a self-contained HTML report (charts, table, trends of this CPU's runs, fingerprint)", 0, 0, 0, NULL},
    {"--settle-ms", NULL, CLI_FLOAT, F(run.opts.settle_ms), 0, 10000, "MS",
     "pause after a multi-threaded peer rep (default 150; OpenBLAS threads spin)", 0, 0, 0, NULL},
    {"--fann-data", NULL, CLI_STR, F(run.opts.fann_dir), 0, 0, "DIR",
     "FANN .train/.test files for fann-accuracy (default: ../shared/data/fann)", 0, 0, 0, NULL},
    {"--mnist", NULL, CLI_STR, F(run.opts.mnist_dir), 0, 0, "DIR",
     "MNIST IDX .gz files for the mnist suite (default: ../shared/data/mnist beside the source tree; the suite is "
     "skipped when they are absent)",
     0, 0, 0, NULL},
    {"setup", NULL, CLI_SECTION, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"--install-peers", NULL, CLI_FLAG, F(install_peers), 1, 0, NULL,
     "install the peers first (apt-get and npm: scripts/deps.sh --peers)", 0, 0, 0, NULL},
};
#undef F
#define N_BENCH_OPTS ((int)(sizeof bench_opts_table / sizeof bench_opts_table[0]))

static void usage(FILE *f) {
    fprintf(f, "usage: zenn bench [options] [SUITE...]\n"
               "\n"
               "Measures zenn and its peers in one run, interleaved, and prints GFLOP/s or\n"
               "GElements/s with ratios (peer time / zenn time: above 1 means zenn is faster).\n"
               "\n"
               "suites (default: all):\n");
    for (int i = 0; i < NSUITES; i++) fprintf(f, "  %-13s %s\n", suites[i].name, suites[i].what);
    fprintf(f, "  %-13s %s\n", "quick", "a short run of every suite (the same as --quick; under two minutes)");
    cli_opts_help(f, bench_opts_table, N_BENCH_OPTS);
    fprintf(f, "\nPeers (OpenBLAS, BLIS, libfann, PyTorch, NumPy, brain.js, tfjs) are skipped with a reason\n"
               "when missing; --install-peers installs them (bench/peers/README.md).\n");
}

/* The suites named (and `quick`): 0, or 2 after an error line. */
static int select_suites(bench_cli *c, const char *const *names, int n) {
    for (int i = 0; i < n; i++) {
        int found = !strcmp(names[i], "quick");
        c->quick |= found;
        for (int s = 0; s < NSUITES; s++)
            if (!strcmp(names[i], suites[s].name)) c->want[s] = found = c->any = 1;
        if (!found) return cli_error("unknown suite '%s' (try zenn bench --help)", names[i]) * 2;
    }
    return 0;
}

/* The command line into *c: -1 to go on, or the status to exit with (0 after --help). */
static int parse_args(bench_cli *c, int argc, char **argv) {
    const char *names[64];
    cli_parse p = {"bench", bench_opts_table, N_BENCH_OPTS, names, (int)(sizeof names / sizeof names[0]), 0, {0}};
    int rc = cli_opts_parse(&p, argc, argv, c);
    if (rc == CLI_PARSE_HELP) {
        usage(stdout);
        return 0;
    }
    if (rc != CLI_PARSE_OK) return 2;
    if ((rc = select_suites(c, names, p.n_positional)) != 0) return rc;
    /* --quick sets the reps it shortens only where no option named them. */
    if (c->quick) {
        bench_opts q = c->run.opts;
        set_quick(&q);
        c->run.opts.quick = 1;
        if (!cli_opts_given(&p, "--repeat")) c->run.opts.repeat = q.repeat;
        if (!cli_opts_given(&p, "--min-time")) c->run.opts.min_seconds = q.min_seconds;
        if (!cli_opts_given(&p, "--settle-ms")) c->run.opts.settle_ms = q.settle_ms;
    }
    if (c->install_peers && (rc = install_peers()) != 0) return rc;
    return -1;
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
    /* internal: the memory suite's fresh process (prints one JSON line) */
    if (argc >= 2 && !strcmp(argv[1], "--rss-probe")) return bench_rss_probe(argc > 2 ? argv[2] : NULL);
    bench_cli c;
    cli_init(&c);
    int rc = parse_args(&c, argc, argv);
    if (rc >= 0) return rc;
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
