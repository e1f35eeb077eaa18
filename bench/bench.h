/* The benchmark harness shared by the suites of `zenn bench`.
 *
 * A case times one or more contenders (zenn and its peers) on the same work,
 * interleaved rep by rep (A B A B ...) so that machine drift hits all of
 * them. Each rep runs the work enough times to last at least min_seconds;
 * the figures are the median, min and max over reps of the time per call. */
#ifndef ZN_BENCH_H
#define ZN_BENCH_H

#include <stdio.h>

#include "zenn/zenn.h"

typedef struct bench_opts {
    int repeat;            /* reps per contender (>= 1) */
    double min_seconds;    /* per rep */
    int threads;           /* 0: the default pool's size */
    int quick;             /* fewer and smaller cases */
    const char *filter;    /* run cases whose name contains this */
    double settle_ms;      /* pause after a multi-threaded peer rep (its threads spin) */
    const char *mnist_dir; /* the mnist suite's IDX files (NULL: next to the repo) */
    const char *fann_dir;  /* FANN's .train/.test files (NULL: next to the repo) */
} bench_opts;

typedef int (*bench_fn)(void *ctx); /* runs the work once; non-zero = failed */

typedef struct bench_contender {
    const char *name; /* "zenn", "openblas" */
    bench_fn fn;
    void *ctx;
    void (*prepare)(void *ctx); /* optional: before each rep (e.g. set a peer's threads) */
    int threads;                /* for the settle rule and the report */
    int skip;                   /* not available */
    const char *skip_reason;
    /* A contender that times itself (a peer process): runs the work for at
     * least min_seconds and returns seconds per call, or < 0 when it failed.
     * Used instead of fn when set. */
    double (*timed)(void *ctx, double min_seconds);
} bench_contender;

typedef struct bench_stats {
    double median, min, max; /* seconds per call */
    int reps;
    int ok;
} bench_stats;

/* One measured row of the report. */
typedef struct bench_result {
    char suite[16];
    char name[96];
    char shape[64];
    int threads;
    double work;   /* units per call (flops, elements) */
    char unit[16]; /* "GFLOP/s", "GElem/s" */
    char peer[24]; /* "" when there is none */
    bench_stats zenn, other;
    double target; /* ratio zenn/peer wanted (0: none) */
    char target_note[96];
    /* Display: rates are printed as work/second * scale (0: 1e-9, giga);
     * with show_value the medians themselves are printed, times scale. */
    double scale;
    int show_value;
    /* BENCH_TARGET_RATIO: peer/zenn >= target; BENCH_TARGET_MARGIN: the
     * values (e.g. accuracy) satisfy zenn >= peer - target. */
    int target_kind;
    char why[192]; /* why the peer was not measured */
} bench_result;

enum { BENCH_TARGET_RATIO = 0, BENCH_TARGET_MARGIN = 1 };

/* A JSON string literal (with < and > escaped, so it can sit inside HTML). */
void bench_json_string(FILE *f, const char *s);

/* Median, min and max of the positive values of v (sorted in place). */
void bench_stats_of(double *v, int n, bench_stats *s);

/* Stats of one measured value (a time, an accuracy, an MSE); v < 0: not measured. */
void bench_stats_value(bench_stats *s, double v);

/* A median in the row's unit, as the table prints it: a rate (work per
 * second times scale) or, with show_value, the value itself (MSE, MB). */
double bench_display_value(const bench_result *r, const bench_stats *s);

/* 1: target met, 0: not met, -1: no target or not measurable. */
int bench_verdict(const bench_result *r);

typedef struct bench_run {
    bench_opts opts;
    bench_result *results;
    int count, cap;
    FILE *out; /* the table */
} bench_run;

/* The run as one JSON document: what --json writes and the report embeds. */
void bench_write_json(FILE *f, const bench_run *run, int argc, char **argv);
/* The same into a file, atomically; 0 after printing one "zenn: error:" line. */
int bench_write_json_file(const char *path, const bench_run *run, int argc, char **argv);
/* The machine as one JSON object: CPU, features, memory, kernel, compiler, zenn. */
void bench_write_fingerprint(FILE *f);

/* Times the contenders, interleaved; fills stats[i] for contender i. */
void bench_measure(const bench_opts *o, bench_contender *c, int n, bench_stats *stats);

/* Appends a result and prints its table row. */
void bench_add(bench_run *run, const bench_result *r);

int bench_selected(const bench_opts *o, const char *name);
void bench_section(bench_run *run, const char *title);
void bench_note(bench_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Rate (work per second) from seconds per call. */
static inline double bench_rate(double work, double seconds) { return seconds > 0 ? work / seconds : 0.0; }

/* Suites. */
int bench_suite_gemm(bench_run *run);
int bench_suite_vmath(bench_run *run);
int bench_suite_pool(bench_run *run);
int bench_suite_mlp_forward(bench_run *run);
int bench_suite_mlp_train(bench_run *run);
int bench_suite_memory(bench_run *run);
int bench_suite_mnist(bench_run *run);
int bench_suite_fann_accuracy(bench_run *run);
int bench_suite_io(bench_run *run);
int bench_suite_fann(bench_run *run);
int bench_suite_conv(bench_run *run);
int bench_suite_rnn(bench_run *run);
int bench_suite_fann_cli(bench_run *run);

/* The memory suite's probe, run in a fresh process: creates the network
 * named by "784,128,10", runs one forward and prints its peak RSS as JSON. */
int bench_rss_probe(const char *layers);
long long bench_peak_rss(void); /* bytes: VmHWM, else ru_maxrss */

/* A BLAS library (OpenBLAS, BLIS) through its cblas entry points, loaded at
 * run time so the zenn binary does not need it. */
typedef struct bench_cblas {
    char name[16]; /* "openblas", "blis" */
    void *handle;
    void (*sgemm)(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                  int ldb, float beta, float *c, int ldc);
    void (*sgemv)(int order, int trans, int m, int n, float alpha, const float *a, int lda, const float *x, int incx,
                  float beta, float *y, int incy);
    /* cblas_sger: may be NULL (only the fused update-and-product case uses it) */
    void (*sger)(int order, int m, int n, float alpha, const float *x, int incx, const float *y, int incy, float *a,
                 int lda);
    void (*set_threads)(int n);
    char info[192]; /* version, kernels and the settings the bench chose */
    char why[256];  /* why it is missing */
} bench_cblas;

/* Loads libopenblas with OPENBLAS_CORETYPE=SkylakeX unless ZN_BENCH_OPENBLAS_CORETYPE
 * names another (OpenBLAS 0.3.21 misdetects newer CPUs). Returns 0 when missing. */
int bench_openblas_load(bench_cblas *cb);
/* Loads Debian's BLIS (OpenMP build) with passive OpenMP waiting. */
int bench_blis_load(bench_cblas *cb);

/* Machine peak: FMA flops per second on `threads` threads. */
double bench_fma_peak(int threads);

/* The FMA peak as a contender: each call runs the FMA loop on `threads`
 * threads of `pool` for `flops` flops, the work of the row it is set
 * against, so its reps interleave with that row's and both rates are
 * medians over the same minutes (the core's clock drifts by several
 * percent from one second to the next on the VM). */
typedef struct bench_peak_ctx {
    zn_pool *pool;
    int threads;
    uint64_t iters; /* per thread */
    uint64_t done[64];
} bench_peak_ctx;
void bench_peak_init(bench_peak_ctx *c, zn_pool *pool, int threads, double flops);
int bench_peak_run(void *ctx);

#endif
