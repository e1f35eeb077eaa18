/* The load-and-predict API: zn_mlp_predict_rows gives zn_mlp_predict's
 * outputs without a workspace from the caller, for any row count, across a
 * save and load, and after the model's network is replaced. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zn_test.h"
#include "zenn/zenn.h"

static zn_mlp *model(uint64_t seed) {
    zn_mlp_spec sp = zn_mlp_spec_default();
    sp.n_layers = 3;
    sp.sizes[0] = 5;
    sp.sizes[1] = 7;
    sp.sizes[2] = 3;
    float rows[40];
    for (int i = 0; i < 40; i++) rows[i] = (float)(i % 9) - 4.0f;
    zn_scaler *sc = NULL;
    ZT_OK(zn_scaler_fit(ZN_SCALE_STANDARD, -1, 1, rows, 8, 5, &sc));
    zn_mlp *m = NULL;
    ZT_OK(zn_mlp_wrap(&sp, seed, sc, NULL, 0, NULL, &m));
    zn_scaler_free(sc);
    return m;
}

/* zn_mlp_predict on a workspace of the caller's: the reference. */
static zn_status reference_status(const zn_mlp *m, int64_t rows, const float *x, float *y) {
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_INFER;
    o.max_batch = 16;
    zn_ws *ws = NULL;
    zn_status s = zn_ws_create(m->model, &o, &ws);
    if (s == ZN_OK) s = zn_mlp_predict(m, ws, rows, x, y);
    zn_ws_free(ws);
    return s;
}

static void reference(const zn_mlp *m, int64_t rows, const float *x, float *y) {
    ZT_OK(reference_status(m, rows, x, y));
}

static void compare(const zn_mlp *m, int64_t rows) {
    static float x[700 * 5], y[700 * 3], want[700 * 3];
    for (int64_t i = 0; i < rows * 5; i++) x[i] = (float)((i * 37) % 101) / 25.0f - 2.0f;
    reference(m, rows, x, want);
    memset(y, 0, sizeof y);
    ZT_OK(zn_mlp_predict_rows(m, rows, x, y));
    for (int64_t i = 0; i < rows * 3; i++) ZT_NEAR(y[i], want[i], 1e-5);
}

static void test_rows(void) {
    zn_mlp *m = model(3);
    ZT_CHECK(zn_mlp_n_inputs(m) == 5 && zn_mlp_n_outputs(m) == 3);
    ZT_CHECK(zn_mlp_n_inputs(NULL) == 0 && zn_mlp_n_outputs(NULL) == 0);
    /* small, growing, shrinking and large requests (the kept workspace grows; 600 rows run apart) */
    int64_t counts[] = {1, 3, 300, 2, 600, 1};
    for (int i = 0; i < 6; i++) compare(m, counts[i]);
    ZT_OK(zn_mlp_predict_rows(m, 0, NULL, NULL));
    float x[5] = {0}, y[3];
    ZT_ERR(zn_mlp_predict_rows(NULL, 1, x, y), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_mlp_predict_rows(m, -1, x, y), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_mlp_predict_rows(m, 1, NULL, y), ZN_ERR_INVALID_ARG);
    /* A replaced network is used, not the kept workspace's old one. */
    zn_mlp *other = model(99);
    zn_model *keep = m->model;
    m->model = other->model;
    compare(m, 4);
    m->model = keep;
    compare(m, 4);
    zn_mlp_free(other);
    zn_mlp_free(m);
}

static void test_load_and_predict(void) {
    zn_mlp *m = model(5);
    char path[] = "/tmp/zn_predict_rowsXXXXXX";
    int fd = mkstemp(path);
    ZT_CHECK(fd >= 0);
    close(fd);
    ZT_OK(zn_mlp_save(m, path));
    zn_mlp *back = NULL;
    ZT_OK(zn_mlp_load(path, &back));
    float x[2 * 5] = {1, 2, 3, 4, 5, -1, 0, 1, 0.5f, 2}, y[6], want[6];
    reference(m, 2, x, want);
    ZT_OK(zn_mlp_predict_rows(back, 2, x, y));
    for (int i = 0; i < 6; i++) ZT_NEAR(y[i], want[i], 1e-6);
    remove(path);
    zn_mlp_free(back);
    zn_mlp_free(m);
}

/* Threads calling on one model at once each get their own rows' outputs,
 * whichever of them holds the kept workspace. */
typedef struct job {
    const zn_mlp *m;
    int seed, bad;
} job;

static void *predict_many(void *arg) {
    job *j = arg;
    float x[5 * 5], y[5 * 3], want[5 * 3];
    for (int it = 0; it < 200; it++) {
        int64_t rows = 1 + (j->seed + it) % 5;
        for (int i = 0; i < rows * 5; i++) x[i] = (float)((i + j->seed * 7 + it) % 13) / 4.0f - 1.5f;
        /* no ZT_ macros here: the harness's counters are not for threads */
        if (zn_mlp_predict_rows(j->m, rows, x, y) != ZN_OK || reference_status(j->m, rows, x, want) != ZN_OK) j->bad++;
        for (int i = 0; i < rows * 3; i++) j->bad += !(fabsf(y[i] - want[i]) <= 1e-6f * (1 + fabsf(want[i])));
    }
    return NULL;
}

static void test_threads(void) {
    zn_mlp *m = model(11);
    pthread_t t[4];
    job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){m, i, 0};
        ZT_CHECK(pthread_create(&t[i], NULL, predict_many, &jobs[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ZT_CHECK_MSG(jobs[i].bad == 0, "thread %d: %d wrong outputs", i, jobs[i].bad);
    }
    zn_mlp_free(m);
}

int main(void) {
    ZT_RUN(test_rows);
    ZT_RUN(test_load_and_predict);
    ZT_RUN(test_threads);
    return zt_finish();
}
