/* Times the conv1d, pooling and interpolation kernels on the issue's
 * benchmark shape (batch 16, 64 channels in and out, 1024 steps, kernel 3,
 * dilation 1 and 8, 'same' padding) for each algorithm, to choose between
 * them per shape. Figures go to docs/KERNELS.md ("Sequence kernels").
 *   exp_conv1d_timing [threads] [reps] [direct]   (2 threads, 30 reps; direct 1
 *   also times the direct loops, ~50x slower on this shape) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/conv1d.h"
#include "kernels/pool1d.h"
#include "zenn/zenn.h"

static int cmp(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct ctx {
    const zn_conv1d_shape *s;
    zn_conv1d_algo algo;
    int what; /* 0 forward, 1 backward data, 2 backward weight */
    float *x, *w, *b, *y, *dy, *dx, *dw, *db, *sc;
    zn_pool *pool;
} ctx;

static void call(const ctx *c) {
    if (c->what == 0) zn_conv1d_forward_algo(c->s, c->algo, c->x, c->w, c->b, c->y, c->sc, c->pool, 0);
    if (c->what == 1) zn_conv1d_backward_data_algo(c->s, c->algo, c->dy, c->w, c->dx, c->sc, c->pool, 0);
    if (c->what == 2) zn_conv1d_backward_weight_algo(c->s, c->algo, c->x, c->dy, c->dw, c->db, c->sc, c->pool, 0);
}

/* Median and minimum milliseconds of each of n calls over reps rounds,
 * interleaved so that a busy machine slows each alike. */
static void time_all(const ctx *c, int n, int reps, double *med, double *mn) {
    static double t[8][200];
    for (int i = 0; i < n; i++) call(&c[i]), call(&c[i]);
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < n; i++) {
            const uint64_t t0 = zn_time_ns();
            call(&c[i]);
            t[i][r] = (double)(zn_time_ns() - t0) * 1e-6;
        }
    for (int i = 0; i < n; i++) {
        qsort(t[i], (size_t)reps, sizeof t[i][0], cmp);
        med[i] = t[i][reps / 2], mn[i] = t[i][0];
    }
}

int main(int argc, char **argv) {
    const int threads = argc > 1 ? atoi(argv[1]) : 2;
    int reps = argc > 2 ? atoi(argv[2]) : 30;
    const int with_direct = argc > 3 && atoi(argv[3]) != 0;
    if (reps < 1 || reps > 200) reps = 30;
    zn_pool *pool = NULL;
    if (zn_pool_create(threads, &pool) != ZN_OK) return 1;
    static const char *names[] = {"auto", "direct", "taps", "window"}, *whats[] = {"forward", "bwd data", "bwd weight"};
    printf("threads %d, isa %s, median (min) ms of %d\n", threads, zn_isa_name(zn_isa_active()), reps);
    for (int64_t d = 1; d <= 8; d *= 8) {
        zn_conv1d_shape s = {16, 1024, 64, 64, 3, 1, d, 1, d, d};
        const size_t nx = 16 * 1024 * 64, nw = 64 * 64 * 3;
        ctx c = {&s,
                 ZN_CONV1D_AUTO,
                 0,
                 malloc(nx * 4),
                 malloc(nw * 4),
                 calloc(64, 4),
                 malloc(nx * 4),
                 malloc(nx * 4),
                 calloc(nx, 4),
                 calloc(nw, 4),
                 calloc(64, 4),
                 malloc(zn_conv1d_backward_weight_scratch_floats(&s) * 4),
                 pool};
        for (size_t i = 0; i < nx; i++) c.x[i] = (float)(i % 7) - 3.0f, c.dy[i] = (float)(i % 5) - 2.0f;
        for (size_t i = 0; i < nw; i++) c.w[i] = (float)(i % 3) * 0.1f;
        for (int what = 0; what < 3; what++) {
            ctx cs[4];
            int algo[4], n = 0;
            for (int a = 0; a < 4; a++) {
                if (a == ZN_CONV1D_WINDOW && d > 1) continue; /* falls back to taps */
                if (a == ZN_CONV1D_DIRECT && !with_direct) continue;
                cs[n] = c, cs[n].algo = (zn_conv1d_algo)a, cs[n].what = what, algo[n++] = a;
            }
            double med[4], mn[4];
            time_all(cs, n, reps, med, mn);
            for (int i = 0; i < n; i++)
                printf("dilation %lld %-10s %-7s %7.3f (%.3f)\n", (long long)d, whats[what], names[algo[i]], med[i],
                       mn[i]);
        }
        free(c.x), free(c.w), free(c.b), free(c.y), free(c.dy), free(c.dx), free(c.dw), free(c.db), free(c.sc);
    }
    zn_pool_free(pool);
    return 0;
}
