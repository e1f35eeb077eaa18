/* Embedding gather, scatter-add gradient and one-hot against naive loops;
 * ids out of range rejected with their position before anything is
 * written; 1 and 2 threads bit-identical. */
#include "kernels/embed.h"
#include "kernels/parallel.h"
#include "zn_test.h"

static const int64_t dims[] = {1, 3, 17, 64, 1023};
static const int64_t counts[] = {1, 5, 33};

static float *rnd(zn_rng *r, int64_t n, float lo, float hi) {
    float *a = malloc((size_t)(n ? n : 1) * sizeof *a);
    zn_rng_fill_uniform(r, a, (size_t)n, lo, hi);
    return a;
}

/* ids in [0, v), with repeats. */
static int32_t *rnd_ids(zn_rng *r, int64_t n, int64_t v) {
    int32_t *ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
    for (int64_t i = 0; i < n; i++) ids[i] = (int32_t)(zn_rng_next(r) % (uint64_t)v);
    return ids;
}

static void test_embedding(void) {
    zn_rng rng;
    zn_rng_seed(&rng, 31);
    const int64_t vocab[] = {1, 7, 40};
    for (size_t a = 0; a < 5; a++)
        for (size_t b = 0; b < 3; b++)
            for (size_t c = 0; c < 3; c++) {
                const int64_t d = dims[a], n = counts[b], v = vocab[c];
                float *table = rnd(&rng, v * d, -1, 1), *y = rnd(&rng, n * d, 0, 1);
                float *dy = rnd(&rng, n * d, -1, 1), *dtab = rnd(&rng, v * d, -1, 1);
                int32_t *ids = rnd_ids(&rng, n, v);
                ZT_OK(zn_embedding_forward(n, ids, v, d, table, y, NULL, 0));
                int same = 1;
                for (int64_t i = 0; i < n; i++)
                    same &= memcmp(y + i * d, table + (int64_t)ids[i] * d, (size_t)d * 4) == 0;
                ZT_CHECK_MSG(same, "gather n=%lld v=%lld d=%lld", (long long)n, (long long)v, (long long)d);
                /* dtable += scatter(dy), against the same sums in double */
                double *want = malloc((size_t)(v * d) * sizeof *want);
                for (int64_t i = 0; i < v * d; i++) want[i] = dtab[i];
                for (int64_t i = 0; i < n; i++)
                    for (int64_t k = 0; k < d; k++) want[(int64_t)ids[i] * d + k] += dy[i * d + k];
                ZT_OK(zn_embedding_backward(n, ids, v, d, dy, dtab, NULL, 0));
                double err = 0;
                for (int64_t i = 0; i < v * d; i++) err = fmax(err, fabs(dtab[i] - want[i]) / fmax(1, fabs(want[i])));
                ZT_CHECK_MSG(err < 1e-5, "scatter n=%lld v=%lld d=%lld: err %g", (long long)n, (long long)v,
                             (long long)d, err);
                free(table), free(y), free(dy), free(dtab), free(ids), free(want);
            }
}

static void test_one_hot(void) {
    zn_rng rng;
    zn_rng_seed(&rng, 32);
    for (size_t a = 0; a < 5; a++)
        for (size_t b = 0; b < 3; b++) {
            const int64_t v = dims[a], n = counts[b];
            int32_t *ids = rnd_ids(&rng, n, v);
            float *y = rnd(&rng, n * v, 2, 3);
            ZT_OK(zn_one_hot(n, ids, v, y, NULL, 0));
            int ok = 1;
            for (int64_t i = 0; i < n; i++)
                for (int64_t k = 0; k < v; k++) ok &= y[i * v + k] == (k == ids[i] ? 1.0f : 0.0f);
            ZT_CHECK_MSG(ok, "one-hot n=%lld v=%lld", (long long)n, (long long)v);
            free(ids), free(y);
        }
}

/* An id outside [0, v) anywhere: the status, its position and value in the
 * message, and every output as it was. */
static void test_bad_ids(void) {
    enum { N = 6, V = 5, D = 3 };
    float table[V * D], y[N * D], y0[N * D], dy[N * D], dt[V * D], dt0[V * D], oh[N * V], oh0[N * V];
    for (int i = 0; i < V * D; i++) table[i] = (float)i, dt0[i] = dt[i] = -1.0f;
    for (int i = 0; i < N * D; i++) y0[i] = y[i] = 7.0f, dy[i] = 1.0f;
    for (int i = 0; i < N * V; i++) oh0[i] = oh[i] = 9.0f;
    const int32_t bad[][N] = {
        {0, 1, 2, -1, 4, 0}, {0, 1, 2, 3, 4, 5}, {INT32_MAX, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, INT32_MIN}};
    const char *want[] = {"ids[3] = -1", "ids[5] = 5", "ids[0] = 2147483647", "ids[5] = -2147483648"};
    for (int b = 0; b < 4; b++) {
        ZT_ERR(zn_embedding_forward(N, bad[b], V, D, table, y, NULL, 0), ZN_ERR_INVALID_ARG);
        ZT_CHECK_MSG(strstr(zn_last_error(), want[b]) != NULL, "message \"%s\" lacks \"%s\"", zn_last_error(), want[b]);
        ZT_ERR(zn_embedding_backward(N, bad[b], V, D, dy, dt, NULL, 0), ZN_ERR_INVALID_ARG);
        ZT_CHECK_MSG(strstr(zn_last_error(), want[b]) != NULL, "message \"%s\" lacks \"%s\"", zn_last_error(), want[b]);
        ZT_ERR(zn_one_hot(N, bad[b], V, oh, NULL, 0), ZN_ERR_INVALID_ARG);
        ZT_CHECK_MSG(strstr(zn_last_error(), want[b]) != NULL, "message \"%s\" lacks \"%s\"", zn_last_error(), want[b]);
    }
    ZT_CHECK(memcmp(y, y0, sizeof y) == 0 && memcmp(dt, dt0, sizeof dt) == 0 && memcmp(oh, oh0, sizeof oh) == 0);
    const int32_t good[N] = {0, 1, 2, 3, 4, 0};
    ZT_ERR(zn_embedding_forward(-1, good, V, D, table, y, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_embedding_forward(N, good, V, -1, table, y, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_embedding_forward(N, NULL, V, D, table, y, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_embedding_forward(N, good, V, D, NULL, y, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_embedding_backward(N, good, V, D, dy, NULL, NULL, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_embedding_forward(N, good, V, INT64_MAX / 2, table, y, NULL, 0), ZN_ERR_OVERFLOW);
    ZT_ERR(zn_one_hot(INT64_MAX / 2, good, V, oh, NULL, 0), ZN_ERR_OVERFLOW);
    ZT_ERR(zn_one_hot(N, good, 0, oh, NULL, 0), ZN_ERR_INVALID_ARG); /* no id fits v = 0 */
    ZT_OK(zn_embedding_forward(0, NULL, V, D, NULL, NULL, NULL, 0));
}

/* Same bits on 1 and 2 threads: wide rows (split by columns), narrow rows
 * (split by table rows), skewed ids, and the gather and one-hot. */
static void test_threads_identical(void) {
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    zn_rng rng;
    zn_rng_seed(&rng, 33);
    const int64_t shapes[][3] = {{300, 50, 1023}, {60000, 100, 3}, {9000, 3, 17}}; /* n, v, d */
    for (int s = 0; s < 3; s++) {
        const int64_t n = shapes[s][0], v = shapes[s][1], d = shapes[s][2];
        ZT_CHECK(zn_parallel_threads(pool, 0, 3 * n * d, ZN_PAR_MIN_COPY_FLOATS) == 2);
        float *table = rnd(&rng, v * d, -1, 1), *dy = rnd(&rng, n * d, -1, 1);
        int32_t *ids = rnd_ids(&rng, n, v);
        for (int64_t i = 0; i < n; i += 3) ids[i] = 0; /* a third of them on row 0 */
        float *y[2], *dt[2], *oh[2];
        for (int t = 0; t < 2; t++) {
            y[t] = calloc((size_t)(n * d), 4), dt[t] = calloc((size_t)(v * d), 4), oh[t] = calloc((size_t)(n * v), 4);
            ZT_OK(zn_embedding_forward(n, ids, v, d, table, y[t], pool, t + 1));
            ZT_OK(zn_embedding_backward(n, ids, v, d, dy, dt[t], pool, t + 1));
            ZT_OK(zn_embedding_backward(n, ids, v, d, dy, dt[t], pool, t + 1)); /* += */
            ZT_OK(zn_one_hot(n, ids, v, oh[t], pool, t + 1));
        }
        ZT_CHECK_MSG(memcmp(y[0], y[1], (size_t)(n * d) * 4) == 0, "gather %d", s);
        ZT_CHECK_MSG(memcmp(dt[0], dt[1], (size_t)(v * d) * 4) == 0, "scatter %d", s);
        ZT_CHECK_MSG(memcmp(oh[0], oh[1], (size_t)(n * v) * 4) == 0, "one-hot %d", s);
        /* The scatter sums in id order: row 0's first column, by hand. */
        float want = 0;
        for (int64_t i = 0; i < n; i++)
            if (ids[i] == 0) want += dy[i * d];
        for (int64_t i = 0; i < n; i++)
            if (ids[i] == 0) want += dy[i * d];
        ZT_CHECK_MSG(dt[1][0] == want, "scatter order %d: %g vs %g", s, (double)dt[1][0], (double)want);
        for (int t = 0; t < 2; t++) free(y[t]), free(dt[t]), free(oh[t]);
        free(table), free(dy), free(ids);
    }
    zn_pool_free(pool);
}

int main(void) {
    ZT_RUN(test_embedding);
    ZT_RUN(test_one_hot);
    ZT_RUN(test_bad_ids);
    ZT_RUN(test_threads_identical);
    return zt_finish();
}
