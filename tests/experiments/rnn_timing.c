/* Timing of the recurrent kernels behind docs/KERNELS.md ("Recurrent
 * layers"): LSTM and GRU at batch 32, 96 steps, 32 inputs, 128 hidden
 * (issue 17 section 4), inference and a training step (forward + backward),
 * on 1 and 2 threads; and a batch-1 streaming step (T = 1, packed weights,
 * state carried). Medians of repeated runs after a warm-up, of the wall clock
 * and of the process's CPU time (the streaming step: CPU time only).
 *
 *   rnn_timing [REPS [stream|lstm-infer]]   (REPS: 30; "stream": the streaming
 *                                 step only; "lstm-infer": the LSTM's inference only;
 *                                 ZN_ISA picks the kernels) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "kernels/rnn.h"
#include "zenn/zenn.h"

/* The process's CPU time: on a shared machine the wall clock also counts the
 * time other processes held the cores. */
static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static float *rnd(zn_rng *r, size_t n, float k) {
    float *v = malloc(n * sizeof *v);
    zn_rng_fill_uniform(r, v, n, -k, k);
    return v;
}

/* median milliseconds of reps runs of (train ? forward+backward : forward):
 * wall clock returned, CPU time in *cpu_med */
static double time_seq(zn_rnn_cell cell, int64_t B, int64_t T, int64_t I, int64_t H, int train, zn_pool *pool, int nth,
                       int reps, double *cpu_med) {
    zn_rng r;
    zn_rng_seed(&r, 1);
    const int64_t G = cell == ZN_RNN_CELL_LSTM ? 4 : cell == ZN_RNN_CELL_GRU ? 3 : 1;
    const float k = 1.0f / sqrtf((float)H);
    float *x = rnd(&r, (size_t)(B * T * I), 1), *w_ih = rnd(&r, (size_t)(G * H * I), k),
          *w_hh = rnd(&r, (size_t)(G * H * H), k), *b_ih = rnd(&r, (size_t)(G * H), k),
          *b_hh = rnd(&r, (size_t)(G * H), k);
    float *y = malloc((size_t)(B * T * H) * 4), *dy = rnd(&r, (size_t)(B * T * H), 1);
    float *dx = calloc((size_t)(B * T * I), 4), *dwi = calloc((size_t)(G * H * I), 4),
          *dwh = calloc((size_t)(G * H * H), 4), *dbi = calloc((size_t)(G * H), 4), *dbh = calloc((size_t)(G * H), 4);
    zn_rnn_shape s = {cell, B, T, I, H, 0};
    zn_rnn_args a = {s, x, I, y, H, NULL, NULL, NULL, NULL, w_ih, w_hh, b_ih, b_hh, NULL};
    zn_rnn_grads g = {dy, H, NULL, NULL, dx, I, dwi, dwh, dbi, dbh, NULL, NULL};
    const zn_rnn_pass pass = train ? ZN_RNN_TRAIN : ZN_RNN_INFER;
    size_t ns = zn_rnn_scratch_floats(NULL, &s, pass, 0), nb = zn_rnn_scratch_floats(NULL, &s, ZN_RNN_BACKWARD, 0);
    float *sc = calloc(ns, 4), *sb = calloc(nb, 4);
    double *t = malloc((size_t)reps * sizeof *t), *ct = malloc((size_t)reps * sizeof *ct);
    for (int i = -3; i < reps; i++) {
        uint64_t t0 = zn_time_ns();
        double c0 = cpu_ms();
        if (zn_rnn_forward(NULL, &a, pass, sc, ns, pool, nth) != ZN_OK ||
            (train && zn_rnn_backward(NULL, &a, &g, sc, ns, sb, nb, pool, nth) != ZN_OK)) {
            fprintf(stderr, "failed: %s\n", zn_last_error());
            exit(1);
        }
        if (i >= 0) t[i] = (double)(zn_time_ns() - t0) / 1e6, ct[i] = cpu_ms() - c0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_d);
    qsort(ct, (size_t)reps, sizeof *ct, cmp_d);
    double med = t[reps / 2];
    *cpu_med = ct[reps / 2];
    free(ct);
    free(x), free(w_ih), free(w_hh), free(b_ih), free(b_hh), free(y), free(dy), free(dx), free(dwi), free(dwh);
    free(dbi), free(dbh), free(sc), free(sb), free(t);
    return med;
}

/* median microseconds of one streaming step at batch 1 */
static double time_stream(zn_rnn_cell cell, int64_t I, int64_t H, int reps) {
    zn_rng r;
    zn_rng_seed(&r, 2);
    const int64_t G = cell == ZN_RNN_CELL_LSTM ? 4 : cell == ZN_RNN_CELL_GRU ? 3 : 1, steps = 1000;
    const float k = 1.0f / sqrtf((float)H);
    float *x = rnd(&r, (size_t)(steps * I), 1), *w_ih = rnd(&r, (size_t)(G * H * I), k),
          *w_hh = rnd(&r, (size_t)(G * H * H), k), *b_ih = rnd(&r, (size_t)(G * H), k),
          *b_hh = rnd(&r, (size_t)(G * H), k);
    float *h = calloc((size_t)H, 4), *c = calloc((size_t)H, 4), *y = malloc((size_t)H * 4);
    zn_rnn_shape s = {cell, 1, 1, I, H, 0};
    float *packed = malloc(zn_rnn_packed_floats(NULL, &s) * 4);
    zn_rnn_pack(NULL, &s, w_ih, w_hh, b_ih, b_hh, packed);
    size_t ns = zn_rnn_scratch_floats(NULL, &s, ZN_RNN_INFER, 1);
    float *sc = calloc(ns, 4);
    double *t = malloc((size_t)reps * sizeof *t);
    for (int i = -1; i < reps; i++) {
        double t0 = cpu_ms();
        for (int64_t j = 0; j < steps; j++) {
            zn_rnn_args a = {s, x + j * I, I, y, H, h, c, h, c, w_ih, w_hh, b_ih, b_hh, packed};
            zn_rnn_forward(NULL, &a, ZN_RNN_INFER, sc, ns, NULL, 1);
        }
        if (i >= 0) t[i] = (cpu_ms() - t0) * 1e3 / (double)steps;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_d);
    double med = t[reps / 2];
    free(x), free(w_ih), free(w_hh), free(b_ih), free(b_hh), free(h), free(c), free(y), free(packed), free(sc), free(t);
    return med;
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 30;
    if (reps < 1) reps = 1;
    zn_pool *pool = NULL;
    if (zn_pool_create(2, &pool) != ZN_OK) return 1;
    printf("kernels: %s\n", zn_isa_name(zn_isa_active()));
    static const struct {
        zn_rnn_cell cell;
        const char *name;
    } cells[] = {{ZN_RNN_CELL_LSTM, "lstm"}, {ZN_RNN_CELL_GRU, "gru"}, {ZN_RNN_CELL_TANH, "rnn_tanh"}};
    const int stream_only = argc > 2 && !strcmp(argv[2], "stream");
    const int lstm_infer = argc > 2 && !strcmp(argv[2], "lstm-infer"); /* for a profiler */
    for (int ci = 0; ci < (lstm_infer ? 1 : 3) && !stream_only; ci++)
        for (int train = 0; train < 2 - lstm_infer; train++)
            for (int nth = 1; nth <= 2; nth++) {
                double cpu, wall = time_seq(cells[ci].cell, 32, 96, 32, 128, train, pool, nth, reps, &cpu);
                printf("%-8s B32 T96 I32 H128 %-9s %d thread%s  wall %7.3f ms  cpu %7.3f ms\n", cells[ci].name,
                       train ? "fwd+bwd" : "inference", nth, nth > 1 ? "s" : " ", wall, cpu);
            }
    if (lstm_infer) {
        zn_pool_free(pool);
        return 0;
    }
    for (int ci = 0; ci < 3; ci++)
        printf("%-8s B1 stream step I32 H128  1 thread   cpu %6.3f us\n", cells[ci].name,
               time_stream(cells[ci].cell, 32, 128, reps > 10 ? 10 : reps));
    zn_pool_free(pool);
    return 0;
}
