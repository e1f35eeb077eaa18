/* The experiment behind ZN_PAR_MIN_FLOATS (docs/KERNELS.md, "Normalisation
 * and embeddings: threads"): layer norm forward and backward (dx) and the
 * embedding gather over x[rows][f], on the calling thread against the same
 * rows cut in two halves on a 2-thread pool, by total floats. Run with
 * ZN_POOL_ADAPT=0 so the pool always splits.
 *
 *   norm_threads [F]   (F: 256)
 *
 * Prints the best of many repetitions for each; a few seconds in all. */
#include <stdio.h>
#include <stdlib.h>

#include "kernels/embed.h"
#include "kernels/norm.h"
#include "zenn/zenn.h"

typedef struct job {
    int kind;
    int64_t rows, f;
    float *x, *g, *b, *y, *m, *r, *dy, *dx;
    int32_t *ids;
} job;

static void run_rows(const job *j, int64_t lo, int64_t hi) {
    const int64_t o = lo * j->f;
    if (j->kind == 0)
        zn_layer_norm_forward(hi - lo, j->f, j->x + o, j->g, j->b, 1e-5f, j->y + o, j->m + lo, j->r + lo, NULL, 1);
    else if (j->kind == 1)
        zn_layer_norm_backward(hi - lo, j->f, j->x + o, j->g, j->m + lo, j->r + lo, j->dy + o, j->dx + o, 0, NULL, NULL,
                               NULL, 1);
    else
        zn_embedding_forward(hi - lo, j->ids + lo, j->rows, j->f, j->x, j->y + o, NULL, 1);
}

static void part(void *arg, int ith, int nth) {
    const job *j = arg;
    int64_t lo, hi;
    zn_split_range(j->rows, 1, ith, nth, &lo, &hi);
    run_rows(j, lo, hi);
}

static double best_ns(zn_pool *pool, job *j, int nth, int reps) {
    double best = 1e30;
    for (int k = 0; k < reps; k++) {
        uint64_t t0 = zn_time_ns();
        if (nth == 1)
            run_rows(j, 0, j->rows);
        else
            zn_pool_run(pool, part, j, nth);
        double t = (double)(zn_time_ns() - t0);
        if (t < best) best = t;
    }
    return best;
}

int main(int argc, char **argv) {
    const int64_t f = argc > 1 ? atoll(argv[1]) : 256;
    zn_pool *pool;
    if (zn_pool_create(2, &pool) != ZN_OK) return 1;
    static const char *names[] = {"layer norm fwd", "layer norm bwd dx", "embedding gather"};
    printf("%-18s %10s %10s %10s %6s\n", "kernel", "floats", "1 thr us", "2 thr us", "ratio");
    for (int kind = 0; kind < 3; kind++)
        for (int64_t total = 4096; total <= (int64_t)1 << 20; total *= 2) {
            const int64_t rows = total / f > 0 ? total / f : 1, n = rows * f;
            job j = {kind,
                     rows,
                     f,
                     malloc((size_t)n * 4),
                     malloc((size_t)f * 4),
                     malloc((size_t)f * 4),
                     malloc((size_t)n * 4),
                     malloc((size_t)rows * 4),
                     malloc((size_t)rows * 4),
                     malloc((size_t)n * 4),
                     malloc((size_t)n * 4),
                     malloc((size_t)rows * 4)};
            for (int64_t i = 0; i < n; i++) j.x[i] = (float)(i % 97) * 0.01f, j.dy[i] = (float)(i % 13) * 0.1f;
            for (int64_t i = 0; i < f; i++) j.g[i] = 1.0f, j.b[i] = 0.0f;
            for (int64_t i = 0; i < rows; i++) j.ids[i] = (int32_t)((i * 7919) % rows);
            run_rows(&(job){0, rows, f, j.x, j.g, j.b, j.y, j.m, j.r, NULL, NULL, NULL}, 0, rows);
            const int reps = (int)(200000000 / (n * 40 + 20000)) + 20;
            double t1 = 1e30, t2 = 1e30;
            for (int round = 0; round < 3; round++) { /* interleaved, so drift hits both */
                double a = best_ns(pool, &j, 1, reps), b = best_ns(pool, &j, 2, reps);
                t1 = a < t1 ? a : t1;
                t2 = b < t2 ? b : t2;
            }
            printf("%-18s %10lld %10.2f %10.2f %6.2f\n", names[kind], (long long)n, t1 / 1e3, t2 / 1e3, t1 / t2);
            free(j.x), free(j.g), free(j.b), free(j.y), free(j.m), free(j.r), free(j.dy), free(j.dx), free(j.ids);
        }
    zn_pool_free(pool);
    return 0;
}
