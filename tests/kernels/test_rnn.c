/* Recurrent kernels (src/kernels/rnn.c) against a double-precision
 * reference of PyTorch's formulas: forward and backward through time for
 * RNN (tanh, relu), LSTM and GRU, both directions, with and without biases
 * and initial states; thread counts bit-identical; streaming (T calls of
 * one step) equal to one call; bad arguments. The active ISA's table is
 * used (ctest runs this once per ZN_ISA). */
#include "base/internal.h"
#include "kernels/rnn.h"
#include "zn_test.h"

static int gates_of(zn_rnn_cell c) { return c == ZN_RNN_CELL_LSTM ? 4 : c == ZN_RNN_CELL_GRU ? 3 : 1; }
static double sig(double v) { return 1.0 / (1.0 + exp(-v)); }

/* One problem: inputs, parameters, upstream gradients. */
typedef struct prob {
    zn_rnn_shape s;
    int64_t G, ldx, ldy;
    float *x, *w_ih, *w_hh, *b_ih, *b_hh, *h0, *c0, *dy, *dh_n, *dc_n;
} prob;

/* Reference results in double. */
typedef struct ref_out {
    double *y, *h_n, *c_n, *dx, *dw_ih, *dw_hh, *db_ih, *db_hh, *dh0, *dc0;
} ref_out;

static double *dz(size_t n) { return calloc(n ? n : 1, sizeof(double)); }

static void reference(const prob *p, ref_out *o) {
    const int64_t B = p->s.batch, T = p->s.steps, I = p->s.input, H = p->s.hidden, G = p->G;
    const zn_rnn_cell cell = p->s.cell;
    o->y = dz((size_t)(B * T * H)), o->h_n = dz((size_t)(B * H)), o->c_n = dz((size_t)(B * H));
    o->dx = dz((size_t)(B * T * I)), o->dw_ih = dz((size_t)(G * H * I)), o->dw_hh = dz((size_t)(G * H * H));
    o->db_ih = dz((size_t)(G * H)), o->db_hh = dz((size_t)(G * H)), o->dh0 = dz((size_t)(B * H)),
    o->dc0 = dz((size_t)(B * H));
    /* saved per (b, step index): activations act[G*H], c, h_in, c_in, hn (GRU) */
    double *act = dz((size_t)(B * T * G * H)), *cs = dz((size_t)(B * T * H)), *hin = dz((size_t)(B * T * H)),
           *cin = dz((size_t)(B * T * H)), *hn = dz((size_t)(B * T * H));
    double *h = dz((size_t)H), *c = dz((size_t)H), *gi = dz((size_t)(G * H)), *gh = dz((size_t)(G * H));
    for (int64_t b = 0; b < B; b++) {
        for (int64_t j = 0; j < H; j++) {
            h[j] = p->h0 ? p->h0[b * H + j] : 0.0;
            c[j] = p->c0 ? p->c0[b * H + j] : 0.0;
        }
        for (int64_t i = 0; i < T; i++) {
            const int64_t t = p->s.reverse ? T - 1 - i : i, k = b * T + i;
            const float *xr = p->x + (b * T + t) * p->ldx;
            for (int64_t r = 0; r < G * H; r++) {
                double si = p->b_ih ? p->b_ih[r] : 0.0, sh = p->b_hh ? p->b_hh[r] : 0.0;
                for (int64_t q = 0; q < I; q++) si += (double)p->w_ih[r * I + q] * xr[q];
                for (int64_t q = 0; q < H; q++) sh += (double)p->w_hh[r * H + q] * h[q];
                gi[r] = si, gh[r] = sh;
            }
            double *a = act + k * G * H;
            for (int64_t j = 0; j < H; j++) {
                hin[k * H + j] = h[j], cin[k * H + j] = c[j];
                if (cell == ZN_RNN_CELL_TANH || cell == ZN_RNN_CELL_RELU) {
                    double v = gi[j] + gh[j];
                    a[j] = cell == ZN_RNN_CELL_TANH ? tanh(v) : (v > 0 ? v : 0);
                } else if (cell == ZN_RNN_CELL_LSTM) {
                    a[j] = sig(gi[j] + gh[j]);
                    a[H + j] = sig(gi[H + j] + gh[H + j]);
                    a[2 * H + j] = tanh(gi[2 * H + j] + gh[2 * H + j]);
                    a[3 * H + j] = sig(gi[3 * H + j] + gh[3 * H + j]);
                } else {
                    a[j] = sig(gi[j] + gh[j]);
                    a[H + j] = sig(gi[H + j] + gh[H + j]);
                    hn[k * H + j] = gh[2 * H + j];
                    a[2 * H + j] = tanh(gi[2 * H + j] + a[j] * gh[2 * H + j]);
                }
            }
            for (int64_t j = 0; j < H; j++) {
                if (cell == ZN_RNN_CELL_LSTM) {
                    c[j] = a[H + j] * c[j] + a[j] * a[2 * H + j];
                    h[j] = a[3 * H + j] * tanh(c[j]);
                } else if (cell == ZN_RNN_CELL_GRU) {
                    h[j] = (1 - a[H + j]) * a[2 * H + j] + a[H + j] * h[j];
                } else {
                    h[j] = a[j];
                }
                cs[k * H + j] = c[j];
                o->y[(b * T + t) * H + j] = h[j];
            }
        }
        for (int64_t j = 0; j < H; j++) o->h_n[b * H + j] = h[j], o->c_n[b * H + j] = c[j];
    }
    /* backward */
    double *dh = dz((size_t)H), *dc = dz((size_t)H), *dgi = dz((size_t)(G * H)), *dgh = dz((size_t)(G * H)),
           *dhn = dz((size_t)H);
    for (int64_t b = 0; b < B; b++) {
        for (int64_t j = 0; j < H; j++) {
            dh[j] = p->dh_n ? p->dh_n[b * H + j] : 0.0;
            dc[j] = p->dc_n ? p->dc_n[b * H + j] : 0.0;
        }
        for (int64_t i = T - 1; i >= 0; i--) {
            const int64_t t = p->s.reverse ? T - 1 - i : i, k = b * T + i;
            const double *a = act + k * G * H;
            for (int64_t j = 0; j < H; j++) dh[j] += p->dy ? p->dy[(b * T + t) * p->ldy + j] : 0.0;
            for (int64_t j = 0; j < H; j++) {
                if (cell == ZN_RNN_CELL_TANH) {
                    dgi[j] = dgh[j] = dh[j] * (1 - a[j] * a[j]);
                } else if (cell == ZN_RNN_CELL_RELU) {
                    dgi[j] = dgh[j] = a[j] > 0 ? dh[j] : 0.0;
                } else if (cell == ZN_RNN_CELL_LSTM) {
                    double tc = tanh(cs[k * H + j]), ii = a[j], ff = a[H + j], gg = a[2 * H + j], oo = a[3 * H + j];
                    double dcc = dc[j] + dh[j] * oo * (1 - tc * tc);
                    dgi[j] = dcc * gg * ii * (1 - ii);
                    dgi[H + j] = dcc * cin[k * H + j] * ff * (1 - ff);
                    dgi[2 * H + j] = dcc * ii * (1 - gg * gg);
                    dgi[3 * H + j] = dh[j] * tc * oo * (1 - oo);
                    dc[j] = dcc * ff;
                    for (int g = 0; g < 4; g++) dgh[g * H + j] = dgi[g * H + j];
                } else {
                    double r = a[j], z = a[H + j], n = a[2 * H + j], hp = hin[k * H + j];
                    double dn = dh[j] * (1 - z), dzz = dh[j] * (hp - n), dan = dn * (1 - n * n);
                    dgi[j] = dgh[j] = dan * hn[k * H + j] * r * (1 - r);
                    dgi[H + j] = dgh[H + j] = dzz * z * (1 - z);
                    dgi[2 * H + j] = dan;
                    dgh[2 * H + j] = dan * r;
                    dhn[j] = dh[j] * z;
                }
            }
            const float *xr = p->x + (b * T + t) * p->ldx;
            for (int64_t r = 0; r < G * H; r++) {
                o->db_ih[r] += dgi[r], o->db_hh[r] += dgh[r];
                for (int64_t q = 0; q < I; q++) {
                    o->dw_ih[r * I + q] += dgi[r] * xr[q];
                    o->dx[(b * T + t) * I + q] += dgi[r] * p->w_ih[r * I + q];
                }
                for (int64_t q = 0; q < H; q++) o->dw_hh[r * H + q] += dgh[r] * hin[k * H + q];
            }
            for (int64_t q = 0; q < H; q++) {
                double s = cell == ZN_RNN_CELL_GRU ? dhn[q] : 0.0;
                for (int64_t r = 0; r < G * H; r++) s += dgh[r] * p->w_hh[r * H + q];
                dh[q] = s;
            }
        }
        for (int64_t j = 0; j < H; j++) o->dh0[b * H + j] = dh[j], o->dc0[b * H + j] = dc[j];
    }
    free(act), free(cs), free(hin), free(cin), free(hn), free(h), free(c), free(gi), free(gh);
    free(dh), free(dc), free(dgi), free(dgh), free(dhn);
}

static void ref_free(ref_out *o) {
    free(o->y), free(o->h_n), free(o->c_n), free(o->dx), free(o->dw_ih), free(o->dw_hh), free(o->db_ih);
    free(o->db_hh), free(o->dh0), free(o->dc0);
}

static float *frand(zn_rng *r, size_t n, float lo, float hi) {
    float *v = malloc((n ? n : 1) * sizeof *v);
    zn_rng_fill_uniform(r, v, n, lo, hi);
    return v;
}

/* flags: 1 biases, 2 h0, 4 c0, 8 dh_n, 16 dc_n, 32 dy */
static void prob_make(prob *p, zn_rnn_cell cell, int64_t B, int64_t T, int64_t I, int64_t H, int rev, int flags,
                      uint64_t seed) {
    memset(p, 0, sizeof *p);
    zn_rng r;
    zn_rng_seed(&r, seed);
    p->s = (zn_rnn_shape){cell, B, T, I, H, rev};
    p->G = gates_of(cell);
    p->ldx = I + 2, p->ldy = H + 3;
    const float k = 1.0f / sqrtf((float)H);
    p->x = frand(&r, (size_t)(B * T * p->ldx), -1, 1);
    p->w_ih = frand(&r, (size_t)(p->G * H * I), -k, k);
    p->w_hh = frand(&r, (size_t)(p->G * H * H), -k, k);
    if (flags & 1) p->b_ih = frand(&r, (size_t)(p->G * H), -k, k), p->b_hh = frand(&r, (size_t)(p->G * H), -k, k);
    if (flags & 2) p->h0 = frand(&r, (size_t)(B * H), -1, 1);
    if (flags & 4) p->c0 = frand(&r, (size_t)(B * H), -1, 1);
    if (flags & 8) p->dh_n = frand(&r, (size_t)(B * H), -1, 1);
    if (flags & 16) p->dc_n = frand(&r, (size_t)(B * H), -1, 1);
    if (flags & 32) p->dy = frand(&r, (size_t)(B * T * p->ldy), -1, 1);
}

static void prob_free(prob *p) {
    free(p->x), free(p->w_ih), free(p->w_hh), free(p->b_ih), free(p->b_hh), free(p->h0), free(p->c0);
    free(p->dy), free(p->dh_n), free(p->dc_n);
}

/* Results of the kernels. */
typedef struct run_out {
    float *y, *h_n, *c_n, *dx, *dw_ih, *dw_hh, *db_ih, *db_hh, *dh0, *dc0;
    size_t ny, nx;
} run_out;

static const float GUARD = 1234.5f;

static zn_status run(const prob *p, zn_pool *pool, int max_threads, const float *packed, run_out *o) {
    const int64_t B = p->s.batch, T = p->s.steps, I = p->s.input, H = p->s.hidden, G = p->G;
    o->ny = (size_t)(B * T * p->ldy), o->nx = (size_t)(B * T * p->ldx);
    o->y = malloc(o->ny * sizeof(float)), o->dx = malloc(o->nx * sizeof(float));
    for (size_t i = 0; i < o->ny; i++) o->y[i] = GUARD;
    for (size_t i = 0; i < o->nx; i++) o->dx[i] = 0.5f; /* += : the result is 0.5 + dx */
    o->h_n = calloc((size_t)(B * H), 4), o->c_n = calloc((size_t)(B * H), 4);
    o->dw_ih = calloc((size_t)(G * H * I), 4), o->dw_hh = calloc((size_t)(G * H * H), 4);
    o->db_ih = calloc((size_t)(G * H), 4), o->db_hh = calloc((size_t)(G * H), 4);
    o->dh0 = calloc((size_t)(B * H), 4), o->dc0 = calloc((size_t)(B * H), 4);
    zn_rnn_args a = {p->s,   p->x,   p->ldx,  o->y,    p->ldy,  p->h0,   p->c0,
                     o->h_n, o->c_n, p->w_ih, p->w_hh, p->b_ih, p->b_hh, packed};
    size_t nt = zn_rnn_scratch_floats(NULL, &p->s, ZN_RNN_TRAIN, packed != NULL);
    size_t nb = zn_rnn_scratch_floats(NULL, &p->s, ZN_RNN_BACKWARD, 0);
    float *st = malloc(nt * sizeof(float)), *sb = malloc(nb * sizeof(float));
    /* garbage in the scratch: nothing may depend on its contents */
    for (size_t i = 0; i < nt; i++) st[i] = -777.0f;
    for (size_t i = 0; i < nb; i++) sb[i] = 777.0f;
    zn_status s = zn_rnn_forward(NULL, &a, ZN_RNN_TRAIN, st, nt, pool, max_threads);
    zn_rnn_grads g = {p->dy,    p->ldy,   p->dh_n,  p->dc_n,  o->dx,  p->ldx,
                      o->dw_ih, o->dw_hh, o->db_ih, o->db_hh, o->dh0, o->dc0};
    if (s == ZN_OK) s = zn_rnn_backward(NULL, &a, &g, st, nt, sb, nb, pool, max_threads);
    free(st), free(sb);
    return s;
}

static void run_free(run_out *o) {
    free(o->y), free(o->h_n), free(o->c_n), free(o->dx), free(o->dw_ih), free(o->dw_hh), free(o->db_ih);
    free(o->db_hh), free(o->dh0), free(o->dc0);
}

/* max |got - want| over max |want| (an array-relative error) */
static double err_rows(const float *got, int64_t ldg, const double *want, int64_t rows, int64_t cols, double add) {
    double worst = 0, scale = 1e-3;
    for (int64_t i = 0; i < rows * cols; i++) scale = fmax(scale, fabs(want[i]));
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) worst = fmax(worst, fabs(got[r * ldg + c] - add - want[r * cols + c]));
    return worst / scale;
}

/* One problem against the reference: every output and gradient within
 * tolerance, nothing written past a row. */
static void check_one(zn_rnn_cell cell, int64_t B, int64_t T, int64_t I, int64_t H, int rev, int flags, uint64_t seed) {
    prob p;
    prob_make(&p, cell, B, T, I, H, rev, flags, seed);
    ref_out r;
    reference(&p, &r);
    run_out o;
    ZT_OK(run(&p, NULL, 1, NULL, &o));
    const double tol = T * H > 200 ? 1e-4 : 2e-5;
    const int64_t G = p.G;
    double e[10] = {err_rows(o.y, p.ldy, r.y, B * T, H, 0),
                    err_rows(o.h_n, H, r.h_n, B, H, 0),
                    cell == ZN_RNN_CELL_LSTM ? err_rows(o.c_n, H, r.c_n, B, H, 0) : 0,
                    err_rows(o.dx, p.ldx, r.dx, B * T, I, 0.5),
                    err_rows(o.dw_ih, I, r.dw_ih, G * H, I, 0),
                    err_rows(o.dw_hh, H, r.dw_hh, G * H, H, 0),
                    err_rows(o.db_ih, 1, r.db_ih, G * H, 1, 0),
                    err_rows(o.db_hh, 1, r.db_hh, G * H, 1, 0),
                    err_rows(o.dh0, H, r.dh0, B, H, 0),
                    cell == ZN_RNN_CELL_LSTM ? err_rows(o.dc0, H, r.dc0, B, H, 0) : 0};
    static const char *names[10] = {"y", "h_n", "c_n", "dx", "dw_ih", "dw_hh", "db_ih", "db_hh", "dh0", "dc0"};
    for (int q = 0; q < 10; q++)
        ZT_CHECK_MSG(e[q] <= tol, "cell %d B %lld T %lld I %lld H %lld rev %d flags %d: %s error %.3g", cell,
                     (long long)B, (long long)T, (long long)I, (long long)H, rev, flags, names[q], e[q]);
    /* columns past H in y's rows and past I in dx's rows are untouched */
    int guard_ok = 1;
    for (int64_t row = 0; row < B * T; row++) {
        for (int64_t c = H; c < p.ldy; c++) guard_ok &= o.y[row * p.ldy + c] == GUARD;
        for (int64_t c = I; c < p.ldx; c++) guard_ok &= o.dx[row * p.ldx + c] == 0.5f;
    }
    ZT_CHECK_MSG(guard_ok, "cell %d H %lld: wrote past a row", cell, (long long)H);
    run_free(&o);
    ref_free(&r);
    prob_free(&p);
}

static void test_against_reference(void) {
    static const int64_t Bs[] = {1, 3}, Ts[] = {1, 5, 17}, Is[] = {1, 7, 32}, Hs[] = {1, 5, 33, 128};
    int combo = 0;
    for (int cell = 0; cell < 4; cell++)
        for (size_t bi = 0; bi < 2; bi++)
            for (size_t ti = 0; ti < 3; ti++)
                for (size_t ii = 0; ii < 3; ii++)
                    for (size_t hi = 0; hi < 4; hi++, combo++) {
                        const int64_t B = Bs[bi], T = Ts[ti], I = Is[ii], H = Hs[hi];
                        const int rev = combo % 2, flags = combo % 64 == 0 ? 63 : (combo * 37 + 11) % 64;
                        check_one((zn_rnn_cell)cell, B, T, I, H, rev, flags, 1000 + (uint64_t)combo);
                    }
}

/* Hidden sizes past the GEMM's k block (kc: 256 or 384): the recurrent
 * product then runs block by block over the packed weights. */
static void test_hidden_past_kc(void) {
    for (int cell = 0; cell < 4; cell++)
        check_one((zn_rnn_cell)cell, 2, 3, 5, 400, cell % 2, 63, 4242 + (uint64_t)cell);
}

/* Inputs past kc: each step's input projection runs block by block too. */
static void test_input_past_kc(void) {
    for (int cell = 0; cell < 4; cell++)
        check_one((zn_rnn_cell)cell, 3, 4, 400, 40, cell % 2, 63, 5151 + (uint64_t)cell);
}

/* Inference at batch > 1 projects each step's input in its step: its
 * scratch does not grow with the sequence (batch 1 and training do). */
static void test_infer_scratch_per_step(void) {
    for (int cell = 0; cell < 4; cell++) {
        zn_rnn_shape s = {(zn_rnn_cell)cell, 32, 10, 32, 128, 0}, l = s;
        l.steps = 1000;
        ZT_CHECK(zn_rnn_scratch_floats(NULL, &s, ZN_RNN_INFER, 1) == zn_rnn_scratch_floats(NULL, &l, ZN_RNN_INFER, 1));
        ZT_CHECK(zn_rnn_scratch_floats(NULL, &s, ZN_RNN_TRAIN, 1) < zn_rnn_scratch_floats(NULL, &l, ZN_RNN_TRAIN, 1));
    }
}

static int same(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof *a) == 0; }

static void test_threads_bit_identical(void) {
    zn_pool *pool;
    ZT_OK(zn_pool_create(2, &pool));
    for (int cell = 0; cell < 4; cell++)
        for (int cfg = 0; cfg < 3; cfg++) {
            /* batch 1 takes the GEMV path (threaded from H 256 on); H 400 is past kc */
            static const int64_t Bs[3] = {5, 1, 3}, Hs[3] = {128, 256, 400};
            const int rev = cfg % 2;
            const int64_t B = Bs[cfg], T = 6, I = 32, H = Hs[cfg];
            prob p;
            prob_make(&p, (zn_rnn_cell)cell, B, T, I, H, rev, 63, 77 + (uint64_t)cell);
            run_out o1, o2;
            ZT_OK(run(&p, NULL, 1, NULL, &o1));
            ZT_OK(run(&p, pool, 0, NULL, &o2));
            const int64_t G = p.G;
            ZT_CHECK_MSG(same(o1.y, o2.y, o1.ny) && same(o1.h_n, o2.h_n, (size_t)(B * H)) &&
                             same(o1.c_n, o2.c_n, (size_t)(B * H)) && same(o1.dx, o2.dx, o1.nx) &&
                             same(o1.dw_ih, o2.dw_ih, (size_t)(G * H * I)) &&
                             same(o1.dw_hh, o2.dw_hh, (size_t)(G * H * H)) &&
                             same(o1.db_ih, o2.db_ih, (size_t)(G * H)) && same(o1.db_hh, o2.db_hh, (size_t)(G * H)) &&
                             same(o1.dh0, o2.dh0, (size_t)(B * H)) && same(o1.dc0, o2.dc0, (size_t)(B * H)),
                         "cell %d rev %d: 1 and 2 threads differ", cell, rev);
            run_free(&o1);
            run_free(&o2);
            prob_free(&p);
        }
    zn_pool_free(pool);
}

/* T calls of one step with packed weights, carrying h and c, equal one call
 * over T steps (inference scratch, weights packed inside). */
static void test_streaming(void) {
    for (int cell = 0; cell < 4; cell++)
        for (int64_t B = 1; B <= 2; B++) {
            const int64_t T = 7, I = 9, H = 40;
            prob p;
            prob_make(&p, (zn_rnn_cell)cell, B, T, I, H, 0, 1 | 2 | 4, 5 + (uint64_t)cell);
            float *y = malloc((size_t)(B * T * H) * 4), *hn = malloc((size_t)(B * H) * 4),
                  *cn = malloc((size_t)(B * H) * 4);
            zn_rnn_args a = {p.s, p.x, p.ldx, y, H, p.h0, p.c0, hn, cn, p.w_ih, p.w_hh, p.b_ih, p.b_hh, NULL};
            size_t ns = zn_rnn_scratch_floats(NULL, &p.s, ZN_RNN_INFER, 0);
            float *sc = malloc(ns * 4);
            ZT_OK(zn_rnn_forward(NULL, &a, ZN_RNN_INFER, sc, ns, NULL, 1));
            /* the stream: batch rows are x rows b*T + t, so each call's x has row stride T*ldx */
            zn_rnn_shape s1 = p.s;
            s1.steps = 1;
            float *packed = malloc(zn_rnn_packed_floats(NULL, &s1) * 4);
            ZT_OK(zn_rnn_pack(NULL, &s1, p.w_ih, p.w_hh, p.b_ih, p.b_hh, packed));
            size_t n1 = zn_rnn_scratch_floats(NULL, &s1, ZN_RNN_INFER, 1);
            float *s1c = malloc(n1 * 4), *h = malloc((size_t)(B * H) * 4), *c = malloc((size_t)(B * H) * 4),
                  *yt = malloc((size_t)(B * T * H) * 4);
            memcpy(h, p.h0, (size_t)(B * H) * 4);
            memcpy(c, p.c0, (size_t)(B * H) * 4);
            for (int64_t t = 0; t < T; t++) {
                zn_rnn_args a1 = {s1, p.x + t * p.ldx, T * p.ldx, yt + t * H, T * H,  h,     c, h,
                                  c,  p.w_ih,          p.w_hh,    p.b_ih,     p.b_hh, packed};
                ZT_OK(zn_rnn_forward(NULL, &a1, ZN_RNN_INFER, s1c, n1, NULL, 1));
            }
            ZT_CHECK_MSG(same(y, yt, (size_t)(B * T * H)) && same(hn, h, (size_t)(B * H)) &&
                             (cell != ZN_RNN_CELL_LSTM || same(cn, c, (size_t)(B * H))),
                         "cell %d B %lld: stream differs from one call", cell, (long long)B);
            free(y), free(hn), free(cn), free(sc), free(packed), free(s1c), free(h), free(c), free(yt);
            prob_free(&p);
        }
}

/* INFER and TRAIN forwards give the same outputs. */
static void test_infer_equals_train(void) {
    for (int cell = 0; cell < 4; cell++) {
        prob p;
        prob_make(&p, (zn_rnn_cell)cell, 3, 9, 7, 33, cell % 2, 1 | 2 | 4, 31 + (uint64_t)cell);
        const int64_t n = 3 * 9 * p.ldy;
        float *y1 = calloc((size_t)n, 4), *y2 = calloc((size_t)n, 4);
        zn_rnn_args a = {p.s, p.x, p.ldx, y1, p.ldy, p.h0, p.c0, NULL, NULL, p.w_ih, p.w_hh, p.b_ih, p.b_hh, NULL};
        size_t ni = zn_rnn_scratch_floats(NULL, &p.s, ZN_RNN_INFER, 0),
               nt = zn_rnn_scratch_floats(NULL, &p.s, ZN_RNN_TRAIN, 0);
        ZT_CHECK(ni > 0 && ni < nt);
        float *s = malloc(nt * 4);
        ZT_OK(zn_rnn_forward(NULL, &a, ZN_RNN_INFER, s, ni, NULL, 1));
        a.y = y2;
        ZT_OK(zn_rnn_forward(NULL, &a, ZN_RNN_TRAIN, s, nt, NULL, 1));
        ZT_CHECK(same(y1, y2, (size_t)n));
        free(y1), free(y2), free(s);
        prob_free(&p);
    }
}

static void test_bad_args(void) {
    prob p;
    prob_make(&p, ZN_RNN_CELL_LSTM, 2, 3, 4, 5, 0, 63, 9);
    float y[2 * 3 * 8], sc[8192], packed[8192];
    size_t ns = zn_rnn_scratch_floats(NULL, &p.s, ZN_RNN_TRAIN, 0);
    ZT_CHECK(ns > 0 && ns <= 8192);
    zn_rnn_args a = {p.s, p.x, p.ldx, y, p.ldy, NULL, NULL, NULL, NULL, p.w_ih, p.w_hh, NULL, NULL, NULL};
    ZT_OK(zn_rnn_forward(NULL, &a, ZN_RNN_TRAIN, sc, ns, NULL, 1));
    ZT_ERR(zn_rnn_forward(NULL, NULL, ZN_RNN_TRAIN, sc, ns, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_rnn_forward(NULL, &a, ZN_RNN_BACKWARD, sc, ns, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_rnn_forward(NULL, &a, ZN_RNN_TRAIN, sc, ns - 1, NULL, 1), ZN_ERR_SHAPE);
    ZT_ERR(zn_rnn_forward(NULL, &a, ZN_RNN_TRAIN, NULL, ns, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_rnn_forward(NULL, &a, ZN_RNN_TRAIN, sc, ns, NULL, -1), ZN_ERR_INVALID_ARG);
    zn_rnn_args b = a;
    b.shape.batch = 0;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_CHECK(zn_rnn_scratch_floats(NULL, &b.shape, ZN_RNN_INFER, 0) == 0);
    b = a, b.shape.hidden = -3;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_INVALID_ARG);
    b = a, b.shape.cell = (zn_rnn_cell)7;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_rnn_pack(NULL, &b.shape, p.w_ih, p.w_hh, NULL, NULL, packed), ZN_ERR_INVALID_ARG);
    b = a, b.shape.steps = (int64_t)1 << 62;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_OVERFLOW);
    b = a, b.ldx = 3;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_SHAPE);
    b = a, b.ldy = 4;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_SHAPE);
    b = a, b.ldy = (int64_t)1 << 61;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_OVERFLOW);
    b = a, b.ldx = (int64_t)1 << 62;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_OVERFLOW);
    b = a, b.w_hh = NULL;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_INVALID_ARG);
    b = a, b.y = NULL;
    ZT_ERR(zn_rnn_forward(NULL, &b, ZN_RNN_INFER, sc, ns, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_rnn_pack(NULL, &a.shape, p.w_ih, NULL, NULL, NULL, packed), ZN_ERR_INVALID_ARG);
    /* backward */
    float sb[8192], dx[2 * 3 * 6] = {0};
    size_t nb = zn_rnn_scratch_floats(NULL, &p.s, ZN_RNN_BACKWARD, 0);
    ZT_CHECK(nb > 0 && nb <= 8192);
    zn_rnn_grads g = {p.dy, p.ldy, NULL, NULL, dx, p.ldx, NULL, NULL, NULL, NULL, NULL, NULL};
    ZT_OK(zn_rnn_backward(NULL, &a, &g, sc, ns, sb, nb, NULL, 1));
    ZT_ERR(zn_rnn_backward(NULL, &a, NULL, sc, ns, sb, nb, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_rnn_backward(NULL, &a, &g, NULL, ns, sb, nb, NULL, 1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_rnn_backward(NULL, &a, &g, sc, ns, sb, nb - 1, NULL, 1), ZN_ERR_SHAPE);
    ZT_ERR(zn_rnn_backward(NULL, &a, &g, sc, zn_rnn_scratch_floats(NULL, &p.s, ZN_RNN_TRAIN, 1) - 1, sb, nb, NULL, 1),
           ZN_ERR_SHAPE);
    /* packed weights for another shape or batch class are refused */
    zn_rnn_shape other = p.s;
    other.batch = 1;
    ZT_OK(zn_rnn_pack(NULL, &other, p.w_ih, p.w_hh, p.b_ih, p.b_hh, packed));
    zn_rnn_args c = a;
    c.packed = packed;
    size_t np = zn_rnn_scratch_floats(NULL, &p.s, ZN_RNN_INFER, 1);
    ZT_ERR(zn_rnn_forward(NULL, &c, ZN_RNN_INFER, sc, np, NULL, 1), ZN_ERR_SHAPE);
    ZT_OK(zn_rnn_pack(NULL, &p.s, p.w_ih, p.w_hh, p.b_ih, p.b_hh, packed));
    ZT_OK(zn_rnn_forward(NULL, &c, ZN_RNN_INFER, sc, np, NULL, 1));
    other = p.s, other.hidden = 4;
    ZT_OK(zn_rnn_pack(NULL, &other, p.w_ih, p.w_hh, p.b_ih, p.b_hh, packed));
    ZT_ERR(zn_rnn_forward(NULL, &c, ZN_RNN_INFER, sc, np, NULL, 1), ZN_ERR_SHAPE);
    zn_rnn_grads h = g;
    h.ldx = 2;
    ZT_ERR(zn_rnn_backward(NULL, &a, &h, sc, ns, sb, nb, NULL, 1), ZN_ERR_SHAPE);
    h = g, h.ldx = (int64_t)1 << 62;
    ZT_ERR(zn_rnn_backward(NULL, &a, &h, sc, ns, sb, nb, NULL, 1), ZN_ERR_OVERFLOW);
    h = g, h.ldy = 1;
    ZT_ERR(zn_rnn_backward(NULL, &a, &h, sc, ns, sb, nb, NULL, 1), ZN_ERR_SHAPE);
    prob_free(&p);
}

int main(void) {
    ZT_RUN(test_against_reference);
    ZT_RUN(test_hidden_past_kc);
    ZT_RUN(test_input_past_kc);
    ZT_RUN(test_infer_scratch_per_step);
    ZT_RUN(test_threads_bit_identical);
    ZT_RUN(test_streaming);
    ZT_RUN(test_infer_equals_train);
    ZT_RUN(test_bad_args);
    return zt_finish();
}
