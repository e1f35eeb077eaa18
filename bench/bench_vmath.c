/* Suite `vmath`: element-wise kernels in GElements/s (1 thread), and relu on
 * a large array against memcpy of the same bytes. */
#include <string.h>

#include "bench.h"

typedef struct vmath_ctx {
    zn_act act;
    int64_t n;
    const float *x;
    float *y;
    int which; /* 0: activation, 1: exp, 2: log, 3: softmax rows, 4: memcpy */
    int64_t cols;
} vmath_ctx;

static int run_vmath(void *p) {
    vmath_ctx *v = p;
    switch (v->which) {
    case 0: return zn_vact(v->act, 0.01f, v->n, v->x, v->y) != ZN_OK;
    case 1: return zn_vexp(v->n, v->x, v->y) != ZN_OK;
    case 2: return zn_vlog(v->n, v->x, v->y) != ZN_OK;
    case 3: return zn_softmax_rows(v->n / v->cols, v->cols, v->x, v->cols, v->y, v->cols) != ZN_OK;
    default: memcpy(v->y, v->x, (size_t)v->n * sizeof(float)); return 0;
    }
}

static void vmath_case(bench_run *run, const char *label, vmath_ctx *v, double target_abs) {
    if (!bench_selected(&run->opts, label)) return;
    bench_contender c = {"zenn", run_vmath, v, NULL, 1, 0, NULL, NULL};
    bench_stats st;
    bench_measure(&run->opts, &c, 1, &st);
    bench_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.suite, sizeof r.suite, "vmath");
    snprintf(r.name, sizeof r.name, "%s", label);
    snprintf(r.shape, sizeof r.shape, "%lld", (long long)v->n);
    snprintf(r.unit, sizeof r.unit, "GElem/s");
    r.threads = 1;
    r.work = (double)v->n;
    r.zenn = st;
    if (target_abs > 0) {
        /* An absolute target, shown as a ratio against a virtual peer that runs at the target. */
        snprintf(r.peer, sizeof r.peer, "target");
        r.other = st;
        r.other.median = r.other.min = r.other.max = (double)v->n / (target_abs * 1e9);
        r.target = 1.0;
        snprintf(r.target_note, sizeof r.target_note, "(%.1f GElem/s wanted)", target_abs);
    }
    bench_add(run, &r);
}

int bench_suite_vmath(bench_run *run) {
    const int64_t n = 1 << 20, big = 12500000;
    float *x = zn_alloc((size_t)big * sizeof(float)), *y = zn_alloc((size_t)big * sizeof(float));
    float *xpos = zn_alloc((size_t)n * sizeof(float));
    if (!x || !y || !xpos) {
        zn_free(x);
        zn_free(y);
        zn_free(xpos);
        bench_note(run, "vmath: out of memory");
        return 1;
    }
    zn_rng rng;
    zn_rng_seed(&rng, 99);
    zn_rng_fill_uniform(&rng, x, (size_t)big, -8.0f, 8.0f);
    zn_rng_fill_uniform(&rng, xpos, (size_t)n, 1e-3f, 100.0f);
    memset(y, 0, (size_t)big * sizeof(float));

    bench_section(run, "vmath: element-wise kernels, 1M floats in cache, 1 thread");
    bench_note(run, "zenn kernels: %s", zn_isa_name(zn_isa_active()));
    vmath_ctx v = {ZN_ACT_NONE, n, x, y, 1, 1};
    vmath_case(run, "exp 1M", &v, 4.0);
    v.which = 0;
    v.act = ZN_ACT_SIGMOID;
    vmath_case(run, "sigmoid 1M", &v, 4.0);
    v.act = ZN_ACT_TANH;
    vmath_case(run, "tanh 1M", &v, 4.0);
    v.act = ZN_ACT_RELU;
    vmath_case(run, "relu 1M", &v, 0);
    v.act = ZN_ACT_GELU_TANH;
    vmath_case(run, "gelu (tanh) 1M", &v, 0);
    v.act = ZN_ACT_GELU_ERF;
    vmath_case(run, "gelu (erf) 1M", &v, 0);
    v.act = ZN_ACT_SILU;
    vmath_case(run, "silu 1M", &v, 0);
    vmath_ctx vl = {ZN_ACT_NONE, n, xpos, y, 2, 1};
    vmath_case(run, "log 1M", &vl, 0);
    vmath_ctx vs = {ZN_ACT_NONE, n, x, y, 3, 1024};
    vmath_case(run, "softmax 1024 rows x 1024", &vs, 0);

    /* relu out of cache against memcpy of the same bytes, interleaved. */
    if (bench_selected(&run->opts, "relu 12.5M vs memcpy")) {
        vmath_ctx relu = {ZN_ACT_RELU, big, x, y, 0, 1}, copy = {ZN_ACT_NONE, big, x, y, 4, 1};
        bench_contender c[2] = {{"zenn", run_vmath, &relu, NULL, 1, 0, NULL, NULL},
                                {"memcpy", run_vmath, &copy, NULL, 1, 0, NULL, NULL}};
        bench_stats st[2];
        bench_measure(&run->opts, c, 2, st);
        bench_result r;
        memset(&r, 0, sizeof r);
        snprintf(r.suite, sizeof r.suite, "vmath");
        snprintf(r.name, sizeof r.name, "relu 12.5M vs memcpy");
        snprintf(r.shape, sizeof r.shape, "%lld", (long long)big);
        snprintf(r.unit, sizeof r.unit, "GElem/s");
        snprintf(r.peer, sizeof r.peer, "memcpy");
        r.threads = 1;
        r.work = (double)big;
        r.zenn = st[0];
        r.other = st[1];
        r.target = 0.8;
        snprintf(r.target_note, sizeof r.target_note, "(within 20%% of memcpy)");
        bench_add(run, &r);
    }
    zn_free(x);
    zn_free(y);
    zn_free(xpos);
    return 0;
}
