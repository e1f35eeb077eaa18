/* Recurrent layers over a sequence (rnn.h): per step the input projection
 * and the product against w_hh (two GEMMs of B rows; at batch 1 the
 * projection of every step comes first, as GEMVs) and one pass of the gate
 * nonlinearities, all in a single pool job per step.
 *
 * Gate columns are interleaved by blocks of U = nr hidden units: column
 * blk*G*U + s*U + u holds gate slot s of unit blk*U + u. A thread owns whole
 * blocks, so it computes every gate of its units and applies them at once,
 * with no barrier between the product and the gates. Slots put the sigmoid
 * gates first (LSTM i f o g, GRU r z n) so one vector call covers them.
 * Backward keeps PyTorch's column order for the gate gradients, so the
 * whole-sequence products use the caller's weights as they are. */
#include <stdatomic.h>
#include <string.h>

#include "base/internal.h"
#include "kernels/gemm_driver.h"
#include "kernels/rnn.h"

enum { RNN_MAX_U = 64 };
/* Per-step multiply-adds below which one thread runs the step: a hand-off
 * costs about what a product this small does. */
#define RNN_MT_MIN_MACS ((int64_t)1 << 17)

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int cell_gates(zn_rnn_cell c) { return c == ZN_RNN_CELL_LSTM ? 4 : c == ZN_RNN_CELL_GRU ? 3 : 1; }
/* PyTorch gate of slot s: LSTM slots i f o g from gates i f g o. */
static int gate_of_slot(zn_rnn_cell c, int s) {
    static const int lstm[4] = {0, 1, 3, 2};
    return c == ZN_RNN_CELL_LSTM ? lstm[s] : s;
}
/* LSTM's g = tanh(a) = 2 sigmoid(2a) - 1: its weights and bias are packed
 * doubled (exact), so one sigmoid call covers a row's gates. */
static float slot_scale(zn_rnn_cell c, int s) { return c == ZN_RNN_CELL_LSTM && s == 3 ? 2.0f : 1.0f; }

/* Sizes derived from a shape and a table. */
typedef struct rnn_dims {
    zn_rnn_cell cell;
    int64_t B, T, I, H;
    int G, rev;
    int64_t U, nb, Hp, GU, GP; /* block width, blocks, padded H, block columns, gate row */
    int64_t ldg;               /* backward gate-gradient row: G*H, GRU 4H (r z nh ni) */
} rnn_dims;

static void dims_of(const zn_kernels *kt, const zn_rnn_shape *s, rnn_dims *d) {
    d->cell = s->cell;
    d->B = s->batch, d->T = s->steps, d->I = s->input, d->H = s->hidden;
    d->G = cell_gates(s->cell);
    d->rev = s->reverse != 0;
    d->U = kt->gemm.nr;
    d->nb = (d->H + d->U - 1) / d->U;
    d->Hp = d->nb * d->U;
    d->GU = d->G * d->U;
    d->GP = d->G * d->Hp;
    d->ldg = s->cell == ZN_RNN_CELL_GRU ? 4 * d->H : d->G * d->H;
}

static int shape_ok(const zn_rnn_shape *s) {
    if ((int)s->cell < 0 || s->cell > ZN_RNN_CELL_GRU) return 0;
    if (s->batch < 1 || s->steps < 1 || s->input < 1 || s->hidden < 1) return 0;
    const int64_t lim = (int64_t)1 << 24; /* per dimension; products below are then checked */
    if (s->input > lim || s->hidden > lim) return 0;
    int64_t bt;
    if (!zn_mul_i64(s->batch, s->steps, &bt) || bt > ((int64_t)1 << 40) / (4 * (s->hidden + 64))) return 0;
    return 1;
}

/* ---- layouts ---------------------------------------------------------------- */

/* packed: [w_ih panels I x GP][w_hh blocks H x GP][bias GP][b_hn Hp (GRU)];
 * at batch 1 the weights are plain I x GP and H x GP matrices instead. */
typedef struct pack_layout {
    size_t tag, wih, whh, bias, bhn, total;
} pack_layout;

/* The packed block starts with what it was made for, checked by forward:
 * cell, input, hidden, the GEMM tile and the batch-1 layout. */
enum { RNN_TAG_WORDS = 6, RNN_TAG_MAGIC = 0x524e4e31 };

static size_t a16(size_t n) { return (n + 15) & ~(size_t)15; }

static void tag_of(const rnn_dims *d, int32_t tag[RNN_TAG_WORDS]) {
    tag[0] = RNN_TAG_MAGIC, tag[1] = (int32_t)d->cell, tag[2] = (int32_t)d->I, tag[3] = (int32_t)d->H;
    tag[4] = (int32_t)d->U, tag[5] = d->B == 1;
}

static void pack_layout_of(const rnn_dims *d, pack_layout *p) {
    p->tag = 0;
    p->wih = 16;
    p->whh = p->wih + a16((size_t)(d->I * d->GP));
    p->bias = p->whh + a16((size_t)(d->H * d->GP));
    p->bhn = p->bias + a16((size_t)d->GP);
    p->total = p->bhn + (d->cell == ZN_RNN_CELL_GRU ? a16((size_t)d->Hp) : 0);
}

/* TRAIN scratch (INFER uses xp, cinit, gh only): saved pre-activations turned
 * activations, the initial c, every step's c, every step's input h, GRU's
 * W_hn h + b_hn, and one step's GRU recurrent product. xp, cs and hn are
 * step-major (row t*B + b); hprev is batch-major (row b*T + t) like x. */
typedef struct scratch_layout {
    size_t xp, cinit, cs, hprev, hn, gh, pack, total;
} scratch_layout;

static void scratch_layout_of(const rnn_dims *d, int train, int packed_given, scratch_layout *l) {
    const size_t bt = (size_t)(d->B * d->T);
    const int lstm = d->cell == ZN_RNN_CELL_LSTM, gru = d->cell == ZN_RNN_CELL_GRU;
    size_t o = 0;
    /* inference at batch > 1 projects each step's input inside its step job,
     * so it keeps one step's gate rows only */
    l->xp = o, o += a16((train || d->B == 1 ? bt : (size_t)d->B) * (size_t)d->GP);
    l->cinit = o, o += lstm ? a16((size_t)(d->B * d->Hp)) : 0;
    l->cs = o, o += lstm && train ? a16(bt * (size_t)d->Hp) : 0;
    l->hprev = o, o += train ? a16(bt * (size_t)d->H) : 0;
    l->hn = o, o += gru && train ? a16(bt * (size_t)d->Hp) : 0;
    l->gh = o, o += gru ? a16((size_t)(d->B * d->GP)) : 0;
    l->pack = o;
    if (!packed_given) {
        pack_layout p;
        pack_layout_of(d, &p);
        o += p.total;
    }
    l->total = o;
}

/* BACKWARD scratch: gate gradients of every step, the recurrent gradient of
 * one step, LSTM's carried dc, column sums for the biases. */
typedef struct back_layout {
    size_t dg, dh, dc, sums, total;
} back_layout;

static void back_layout_of(const rnn_dims *d, back_layout *l) {
    size_t o = 0;
    l->dg = o, o += a16((size_t)(d->B * d->T * d->ldg));
    l->dh = o, o += a16((size_t)(d->B * d->H));
    l->dc = o, o += d->cell == ZN_RNN_CELL_LSTM ? a16((size_t)(d->B * d->Hp)) : 0;
    l->sums = o, o += a16((size_t)d->ldg);
    l->total = o;
}

size_t zn_rnn_packed_floats(const zn_kernels *kt, const zn_rnn_shape *s) {
    if (!s || !shape_ok(s)) return 0;
    if (!kt) kt = zn_kernels_get();
    rnn_dims d;
    dims_of(kt, s, &d);
    pack_layout p;
    pack_layout_of(&d, &p);
    return p.total;
}

size_t zn_rnn_scratch_floats(const zn_kernels *kt, const zn_rnn_shape *s, zn_rnn_pass pass, int packed_given) {
    if (!s || !shape_ok(s)) return 0;
    if (!kt) kt = zn_kernels_get();
    rnn_dims d;
    dims_of(kt, s, &d);
    if (pass == ZN_RNN_BACKWARD) {
        back_layout b;
        back_layout_of(&d, &b);
        return b.total;
    }
    if (pass != ZN_RNN_INFER && pass != ZN_RNN_TRAIN) return 0;
    scratch_layout l;
    scratch_layout_of(&d, pass == ZN_RNN_TRAIN, packed_given, &l);
    return l.total;
}

/* ---- packing ------------------------------------------------------------------ */

/* Blocks [blk0, blk1) of W^T (W: G*H rows of K) as one K x n matrix in the
 * GEMM's packed-B layout (n = (blk1-blk0)*G*U; per kc block, nr-wide panels). */
static void pack_gate_cols(const zn_kernels *kt, const rnn_dims *d, const float *w, int64_t K, int64_t blk0,
                           int64_t blk1, float *dst) {
    const zn_gemm_kernels *g = &kt->gemm;
    const int64_t n = (blk1 - blk0) * d->GU;
    for (int64_t pc = 0; pc < K; pc += g->kc) {
        const int64_t kcur = min64(g->kc, K - pc);
        for (int64_t blk = blk0; blk < blk1; blk++)
            for (int s = 0; s < d->G; s++) {
                const int64_t col = ((blk - blk0) * d->G + s) * d->U, u0 = blk * d->U;
                const int64_t w_units = min64(d->U, d->H - u0);
                const float *src = w + ((int64_t)gate_of_slot(d->cell, s) * d->H + u0) * K + pc;
                float *panel = dst + pc * n + col * kcur;
                g->pack_b(g->nr, kcur, w_units, src, 1, K, panel);
                if (slot_scale(d->cell, s) != 1.0f) kt->vmath.scale((size_t)(kcur * g->nr), 2.0f, panel, panel);
            }
    }
}

/* W^T as a plain K x GP matrix in gate-column order (batch 1: one GEMV per
 * product, vectorised along the gate columns). */
static void pack_plain(const rnn_dims *d, const float *w, int64_t K, float *dst) {
    for (int64_t blk = 0; blk < d->nb; blk++)
        for (int s = 0; s < d->G; s++)
            for (int64_t u = 0; u < d->U; u++) {
                const int64_t col = blk * d->GU + s * d->U + u, unit = blk * d->U + u;
                const float *src = w + ((int64_t)gate_of_slot(d->cell, s) * d->H + unit) * K;
                const float m = slot_scale(d->cell, s);
                for (int64_t k = 0; k < K; k++) dst[k * d->GP + col] = unit < d->H ? m * src[k] : 0.0f;
            }
}

static void pack_all(const zn_kernels *kt, const rnn_dims *d, const float *w_ih, const float *w_hh, const float *b_ih,
                     const float *b_hh, float *out) {
    pack_layout p;
    pack_layout_of(d, &p);
    int32_t tag[RNN_TAG_WORDS];
    tag_of(d, tag);
    memset(out + p.tag, 0, 16 * sizeof *out);
    memcpy(out + p.tag, tag, sizeof tag);
    if (d->B == 1) {
        pack_plain(d, w_ih, d->I, out + p.wih);
        pack_plain(d, w_hh, d->H, out + p.whh);
    } else {
        /* block by block, so a thread's blocks are one packed matrix when K <= kc
         * (then this equals the whole matrix's layout) and one per block otherwise */
        for (int64_t blk = 0; blk < d->nb; blk++) {
            pack_gate_cols(kt, d, w_ih, d->I, blk, blk + 1, out + p.wih + blk * d->I * d->GU);
            pack_gate_cols(kt, d, w_hh, d->H, blk, blk + 1, out + p.whh + blk * d->H * d->GU);
        }
    }
    float *bias = out + p.bias;
    memset(bias, 0, (size_t)d->GP * sizeof *bias);
    const int gru = d->cell == ZN_RNN_CELL_GRU;
    for (int64_t blk = 0; blk < d->nb; blk++)
        for (int s = 0; s < d->G; s++) {
            const int64_t gate = gate_of_slot(d->cell, s), u0 = blk * d->U, wu = min64(d->U, d->H - u0);
            float *dst = bias + blk * d->GU + s * d->U;
            for (int64_t u = 0; u < wu; u++) {
                const int64_t r = gate * d->H + u0 + u;
                /* GRU's b_hn stays inside r * (W_hn h + b_hn) */
                dst[u] =
                    slot_scale(d->cell, s) * ((b_ih ? b_ih[r] : 0.0f) + (b_hh && !(gru && gate == 2) ? b_hh[r] : 0.0f));
            }
        }
    if (gru) {
        float *bhn = out + p.bhn;
        memset(bhn, 0, (size_t)d->Hp * sizeof *bhn);
        if (b_hh) memcpy(bhn, b_hh + 2 * d->H, (size_t)d->H * sizeof *bhn);
    }
}

/* ---- argument checks -------------------------------------------------------------- */

static zn_status check_shape(const char *fn, const zn_rnn_shape *s) {
    if (!s) return zn_error(ZN_ERR_INVALID_ARG, "%s: shape is NULL", fn);
    if ((int)s->cell < 0 || s->cell > ZN_RNN_CELL_GRU)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: unknown cell %d", fn, (int)s->cell);
    if (s->batch < 1 || s->steps < 1 || s->input < 1 || s->hidden < 1)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: sizes must be >= 1 (batch %lld, steps %lld, input %lld, hidden %lld)",
                        fn, (long long)s->batch, (long long)s->steps, (long long)s->input, (long long)s->hidden);
    if (!shape_ok(s)) return zn_error(ZN_ERR_OVERFLOW, "%s: sizes too large", fn);
    return ZN_OK;
}

zn_status zn_rnn_pack(const zn_kernels *kt, const zn_rnn_shape *s, const float *w_ih, const float *w_hh,
                      const float *b_ih, const float *b_hh, float *packed) {
    zn_status st = check_shape("zn_rnn_pack", s);
    if (st != ZN_OK) return st;
    if (!w_ih || !w_hh || !packed) return zn_error(ZN_ERR_INVALID_ARG, "zn_rnn_pack: w_ih, w_hh or packed is NULL");
    if (!kt) kt = zn_kernels_get();
    rnn_dims d;
    dims_of(kt, s, &d);
    pack_all(kt, &d, w_ih, w_hh, b_ih, b_hh, packed);
    return ZN_OK;
}

/* B*T rows ld floats apart are addressable. */
static int rows_fit(const zn_rnn_shape *s, int64_t ld) {
    int64_t n;
    return zn_mul_i64(s->batch * s->steps, ld, &n) && (uint64_t)n < SIZE_MAX / sizeof(float);
}

static zn_status check_args(const char *fn, const zn_rnn_args *a, size_t need, size_t have, const float *scratch) {
    if (!a) return zn_error(ZN_ERR_INVALID_ARG, "%s: args is NULL", fn);
    zn_status st = check_shape(fn, &a->shape);
    if (st != ZN_OK) return st;
    const zn_rnn_shape *s = &a->shape;
    if (!a->x || !a->w_ih || !a->w_hh) return zn_error(ZN_ERR_INVALID_ARG, "%s: x, w_ih or w_hh is NULL", fn);
    if (a->ldx < s->input)
        return zn_error(ZN_ERR_SHAPE, "%s: ldx (%lld) < input (%lld)", fn, (long long)a->ldx, (long long)s->input);
    if (!rows_fit(s, a->ldx))
        return zn_error(ZN_ERR_OVERFLOW, "%s: B*T rows of ldx (%lld) overflow", fn, (long long)a->ldx);
    if (!scratch) return zn_error(ZN_ERR_INVALID_ARG, "%s: scratch is NULL", fn);
    if (have < need) return zn_error(ZN_ERR_SHAPE, "%s: scratch holds %zu floats, the pass needs %zu", fn, have, need);
    return ZN_OK;
}

static int threads_for(const rnn_dims *d, zn_pool *pool, int max_threads, int64_t step_macs) {
    int nth = pool ? zn_pool_size(pool) : 1;
    if (max_threads > 0 && max_threads < nth) nth = max_threads;
    if (step_macs < RNN_MT_MIN_MACS) nth = 1;
    if (nth > d->nb) nth = (int)d->nb;
    return nth < 1 ? 1 : nth;
}

/* ---- forward ------------------------------------------------------------------- */

typedef struct fwd_plan {
    const zn_kernels *kt;
    rnn_dims d;
    int train;
    const float *x;
    int64_t ldx;
    float *y;
    int64_t ldy;
    float *xp, *cinit, *cs, *hprev, *hn, *gh;
    const float *wih_p, *whh_p, *bias_p, *bhn_p;
    /* this step */
    int64_t t, tprev, tnext; /* tprev/tnext: -1 when none */
    float *gx;               /* this step's gate rows (row b at gx + b*ldgx) */
    int64_t ldgx;
    atomic_int *failed; /* set when a product ran out of memory (the driver's packing buffers) */
    const float *ha;    /* h entering the step (rows ldha apart), NULL = zeros */
    int64_t ldha;
} fwd_plan;

/* C = A W^T (+ bias) or C += A W^T over blocks [b0, b1) of W's block-packed
 * gate columns (K rows of W^T), on the calling thread. */
static void blocks_product(const fwd_plan *p, int64_t b0, int64_t b1, int64_t K, const float *wp, const float *a,
                           int64_t lda, const float *bias, float beta, float *c, int64_t ldc) {
    const rnn_dims *d = &p->d;
    const int one_call = K <= p->kt->gemm.kc; /* block-major equals the range's own layout */
    for (int64_t blk = b0; blk < b1; blk = one_call ? b1 : blk + 1) {
        const int64_t nblk = one_call ? b1 - b0 : 1, n = nblk * d->GU, off = (blk - b0) * d->GU;
        const float *bp = wp + blk * K * d->GU;
        zn_gemm_call call = {0,           0,    d->B,    n,   K, 1.0f, beta,
                             a,           bp,   c + off, lda, n, ldc,  bias ? bias + blk * d->GU : NULL,
                             ZN_ACT_NONE, 0.0f, bp};
        if (zn_gemm_run(p->kt, &call, NULL, 1) != ZN_OK) atomic_store(p->failed, 1);
    }
}

/* The products of blocks [b0, b1): at batch > 1 this step's input projection
 * (biases included; a few rows per step keep the gate rows in cache, where
 * one product over the whole sequence streams them through memory), then
 * C (+)= h W_hh^T over those columns. */
static void fwd_product(const fwd_plan *p, int64_t b0, int64_t b1) {
    const rnn_dims *d = &p->d;
    const int gru = d->cell == ZN_RNN_CELL_GRU;
    float *gx = p->gx + b0 * d->GU;
    if (d->B > 1)
        blocks_product(p, b0, b1, d->I, p->wih_p, p->x + p->t * p->ldx, d->T * p->ldx, p->bias_p, 0.0f, gx, p->ldgx);
    if (!p->ha) return;
    float *c = gru ? p->gh + b0 * d->GU : gx;
    const int64_t ldc = gru ? d->GP : p->ldgx;
    if (d->B == 1) { /* gates (+)= h W^T over the range's columns */
        p->kt->gemm.sgemv(1, d->H, (b1 - b0) * d->GU, 1.0f, p->whh_p + b0 * d->GU, d->GP, p->ha, gru ? 0.0f : 1.0f, c);
        return;
    }
    blocks_product(p, b0, b1, d->H, p->whh_p, p->ha, p->ldha, NULL, gru ? 0.0f : 1.0f, c, ldc);
}

/* RNN gates of one row and one block: w real units from u0 (LSTM and GRU
 * go by rows: fwd_lstm_row, fwd_gru_row). */
static void fwd_gates(const fwd_plan *p, int64_t b, int64_t blk) {
    const rnn_dims *d = &p->d;
    const zn_vmath_kernels *vm = &p->kt->vmath;
    const int64_t U = d->U, u0 = blk * U, w = min64(U, d->H - u0);
    const int64_t row = b * d->T + p->t;
    float *gx = p->gx + b * p->ldgx + blk * d->GU;
    float *yo = p->y + row * p->ldy + u0;
    if (d->cell == ZN_RNN_CELL_TANH)
        vm->tanh((size_t)w, gx, gx);
    else
        vm->relu((size_t)w, gx, gx);
    memcpy(yo, gx, (size_t)w * sizeof *yo);
    if (p->train && p->tnext >= 0) memcpy(p->hprev + (b * d->T + p->tnext) * d->H + u0, yo, (size_t)w * sizeof *yo);
}

/* LSTM gates of one row over blocks [b0, b1), a few blocks per call: one
 * sigmoid over all their gates (g doubled), then g = 2s - 1 and c, tanh(c),
 * h. Padding units compute zeros in c's padded room and are not written. */
static void fwd_lstm_row(const fwd_plan *p, int64_t b, int64_t b0, int64_t b1) {
    enum { CHUNK = 8 };
    const rnn_dims *d = &p->d;
    const zn_vmath_kernels *vm = &p->kt->vmath;
    const int64_t U = d->U, row = b * d->T + p->t;
    float tc[CHUNK * RNN_MAX_U];
    for (int64_t c0 = b0; c0 < b1; c0 += CHUNK) {
        const int64_t nblk = min64(CHUNK, b1 - c0), u0 = c0 * U, w = min64(nblk * U, d->H - u0);
        float *gx = p->gx + b * p->ldgx + c0 * d->GU;
        float *cn = p->train ? p->cs + (p->t * d->B + b) * d->Hp + u0 : p->cinit + b * d->Hp + u0;
        const float *cp =
            !p->train || p->tprev < 0 ? p->cinit + b * d->Hp + u0 : p->cs + (p->tprev * d->B + b) * d->Hp + u0;
        float *yo = p->y + row * p->ldy + u0;
        vm->sigmoid((size_t)(nblk * d->GU), gx, gx);
        p->kt->rnn.lstm_cell((size_t)nblk, (size_t)U, gx, cp, cn);
        vm->tanh((size_t)w, cn, tc);
        p->kt->rnn.lstm_out((size_t)w, (size_t)U, gx, tc, yo);
        if (p->train && p->tnext >= 0) memcpy(p->hprev + (b * d->T + p->tnext) * d->H + u0, yo, (size_t)w * sizeof *yo);
    }
}

/* GRU gates of one row over blocks [b0, b1), a few blocks per call (as
 * fwd_lstm_row): r and z with the recurrent part, a sigmoid per block, then
 * one tanh over the blocks' n and h' = (1-z)*n + z*h. */
static void fwd_gru_row(const fwd_plan *p, int64_t b, int64_t b0, int64_t b1) {
    enum { CHUNK = 8 };
    const rnn_dims *d = &p->d;
    const zn_vmath_kernels *vm = &p->kt->vmath;
    const zn_rnn_kernels *rk = &p->kt->rnn;
    const int64_t U = d->U, row = b * d->T + p->t;
    float tn[CHUNK * RNN_MAX_U], tmp[CHUNK * RNN_MAX_U];
    for (int64_t c0 = b0; c0 < b1; c0 += CHUNK) {
        const int64_t nblk = min64(CHUNK, b1 - c0), u0 = c0 * U, w = min64(nblk * U, d->H - u0);
        float *gx = p->gx + b * p->ldgx + c0 * d->GU;
        const float *hp = p->ha ? p->ha + b * p->ldha + u0 : NULL;
        const float *gh = p->ha ? p->gh + b * d->GP + c0 * d->GU : NULL;
        float *hn = p->train ? p->hn + (p->t * d->B + b) * d->Hp + u0 : tmp;
        float *yo = p->y + row * p->ldy + u0;
        rk->gru_in((size_t)nblk, (size_t)U, gx, gh, p->bhn_p + u0, hn);
        for (int64_t k = 0; k < nblk; k++) vm->sigmoid((size_t)(2 * U), gx + k * d->GU, gx + k * d->GU);
        rk->gru_n((size_t)nblk, (size_t)U, gx, hn, tn);
        vm->tanh((size_t)(nblk * U), tn, tn);
        rk->gru_out((size_t)w, (size_t)U, gx, tn, hp, yo);
        if (p->train && p->tnext >= 0) memcpy(p->hprev + (b * d->T + p->tnext) * d->H + u0, yo, (size_t)w * sizeof *yo);
    }
}

static void fwd_step(void *arg, int ith, int nth) {
    const fwd_plan *p = arg;
    int64_t b0, b1;
    zn_split_range(p->d.nb, 1, ith, nth, &b0, &b1);
    if (b0 >= b1) return;
    fwd_product(p, b0, b1);
    for (int64_t b = 0; b < p->d.B; b++)
        if (p->d.cell == ZN_RNN_CELL_LSTM)
            fwd_lstm_row(p, b, b0, b1);
        else if (p->d.cell == ZN_RNN_CELL_GRU)
            fwd_gru_row(p, b, b0, b1);
        else
            for (int64_t blk = b0; blk < b1; blk++) fwd_gates(p, b, blk);
}

zn_status zn_rnn_forward(const zn_kernels *kt, const zn_rnn_args *a, zn_rnn_pass pass, float *scratch,
                         size_t scratch_floats, zn_pool *pool, int max_threads) {
    if (pass != ZN_RNN_INFER && pass != ZN_RNN_TRAIN)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_rnn_forward: pass must be ZN_RNN_INFER or ZN_RNN_TRAIN");
    if (!kt) kt = zn_kernels_get();
    if (a && a->shape.hidden >= 1 && kt->gemm.nr > RNN_MAX_U)
        return zn_error(ZN_ERR_INTERNAL, "zn_rnn_forward: GEMM tile wider than %d", RNN_MAX_U);
    size_t need = a ? zn_rnn_scratch_floats(kt, &a->shape, pass, a->packed != NULL) : 0;
    zn_status st = check_args("zn_rnn_forward", a, need, scratch_floats, scratch);
    if (st != ZN_OK) return st;
    if (max_threads < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_rnn_forward: max_threads (%d) < 0", max_threads);
    if (!a->y) return zn_error(ZN_ERR_INVALID_ARG, "zn_rnn_forward: y is NULL");
    if (a->ldy < a->shape.hidden)
        return zn_error(ZN_ERR_SHAPE, "zn_rnn_forward: ldy (%lld) < hidden (%lld)", (long long)a->ldy,
                        (long long)a->shape.hidden);
    if (!rows_fit(&a->shape, a->ldy))
        return zn_error(ZN_ERR_OVERFLOW, "zn_rnn_forward: B*T rows of ldy (%lld) overflow", (long long)a->ldy);

    fwd_plan p = {0};
    atomic_int failed = 0;
    p.failed = &failed;
    p.kt = kt;
    dims_of(kt, &a->shape, &p.d);
    const rnn_dims *d = &p.d;
    p.train = pass == ZN_RNN_TRAIN;
    scratch_layout l;
    scratch_layout_of(d, p.train, a->packed != NULL, &l);
    const float *packed = a->packed;
    if (packed) {
        int32_t want[RNN_TAG_WORDS], have[RNN_TAG_WORDS];
        tag_of(d, want);
        memcpy(have, packed, sizeof have);
        if (memcmp(want, have, sizeof want) != 0)
            return zn_error(ZN_ERR_SHAPE,
                            "zn_rnn_forward: packed weights were made for another cell, size, kernel table or batch "
                            "class (batch 1 or more)");
    } else {
        pack_all(kt, d, a->w_ih, a->w_hh, a->b_ih, a->b_hh, scratch + l.pack);
        packed = scratch + l.pack;
    }
    pack_layout pl;
    pack_layout_of(d, &pl);
    p.wih_p = packed + pl.wih, p.whh_p = packed + pl.whh, p.bias_p = packed + pl.bias, p.bhn_p = packed + pl.bhn;
    p.x = a->x, p.ldx = a->ldx, p.y = a->y, p.ldy = a->ldy;
    p.xp = scratch + l.xp, p.cinit = scratch + l.cinit, p.cs = scratch + l.cs, p.hprev = scratch + l.hprev;
    p.hn = scratch + l.hn, p.gh = scratch + l.gh;
    const int64_t B = d->B, T = d->T, H = d->H;

    /* batch 1: the input projection of every step first, one GEMV per step
     * as a stream of one-step calls does (larger batches: in each step) */
    if (B == 1)
        for (int64_t t = 0; t < T; t++) {
            float *row = p.xp + t * d->GP;
            kt->gemm.sgemv(1, d->I, d->GP, 1.0f, p.wih_p, d->GP, a->x + t * a->ldx, 0.0f, row);
            kt->vmath.add_bias((size_t)d->GP, p.bias_p, row);
        }

    if (d->cell == ZN_RNN_CELL_LSTM)
        for (int64_t b = 0; b < B; b++) {
            float *c = p.cinit + b * d->Hp;
            memset(c, 0, (size_t)d->Hp * sizeof *c);
            if (a->c0) memcpy(c, a->c0 + b * H, (size_t)H * sizeof *c);
        }
    const int64_t t_first = d->rev ? T - 1 : 0, step = d->rev ? -1 : 1;
    if (p.train)
        for (int64_t b = 0; b < B; b++) {
            float *h = p.hprev + (b * T + t_first) * H;
            if (a->h0)
                memcpy(h, a->h0 + b * H, (size_t)H * sizeof *h);
            else
                memset(h, 0, (size_t)H * sizeof *h);
        }
    const int nth = threads_for(d, max_threads == 1 ? NULL : pool, max_threads, B * H * d->GP);
    for (int64_t i = 0; i < T; i++) {
        p.t = t_first + i * step;
        p.tprev = i > 0 ? p.t - step : -1;
        p.tnext = i + 1 < T ? p.t + step : -1;
        if (p.train || B == 1)
            p.gx = p.xp + p.t * B * d->GP, p.ldgx = d->GP;
        else
            p.gx = p.xp, p.ldgx = d->GP;
        if (p.tprev < 0)
            p.ha = a->h0, p.ldha = H;
        else if (p.train)
            p.ha = p.hprev + p.t * H, p.ldha = T * H;
        else
            p.ha = a->y + p.tprev * a->ldy, p.ldha = T * a->ldy;
        if (nth > 1)
            st = zn_pool_run(pool, fwd_step, &p, nth);
        else
            fwd_step(&p, 0, 1);
        if (st != ZN_OK) return st;
        if (atomic_load(&failed))
            return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_rnn_forward: no memory for the GEMM's packing buffers");
    }
    const int64_t t_last = t_first + (T - 1) * step;
    for (int64_t b = 0; b < B; b++) {
        if (a->h_n) memcpy(a->h_n + b * H, a->y + (b * T + t_last) * a->ldy, (size_t)H * sizeof(float));
        if (a->c_n && d->cell == ZN_RNN_CELL_LSTM) {
            const float *c = p.train ? p.cs + (t_last * B + b) * d->Hp : p.cinit + b * d->Hp;
            memcpy(a->c_n + b * H, c, (size_t)H * sizeof(float));
        }
    }
    return ZN_OK;
}

/* ---- backward ---------------------------------------------------------------- */

typedef struct bwd_plan {
    const zn_kernels *kt;
    rnn_dims d;
    const zn_rnn_grads *g;
    const float *w_hh;
    const float *xp, *cinit, *cs, *hprev, *hn; /* the TRAIN forward's saves */
    float *dg, *dh, *dc;
    int64_t t, tprev, tnext; /* tnext: the step processed before this one in backward, -1 = none */
    atomic_int *failed;
} bwd_plan;

/* Gate gradients of one row over blocks [b0, b1), a few blocks per call
 * (one tanh of c over them); dh holds dL/dh_t's recurrent part on entry and
 * GRU's direct z*dh path on exit. */
static void bwd_row(const bwd_plan *p, int64_t b, int64_t b0, int64_t b1) {
    enum { CHUNK = 8 };
    const rnn_dims *d = &p->d;
    const zn_vmath_kernels *vm = &p->kt->vmath;
    const zn_rnn_kernels *rk = &p->kt->rnn;
    const int64_t U = d->U, H = d->H, row = b * d->T + p->t, srow = p->t * d->B + b;
    float dh[CHUNK * RNN_MAX_U], tmp[CHUNK * RNN_MAX_U];
    for (int64_t c0 = b0; c0 < b1; c0 += CHUNK) {
        const int64_t nblk = min64(CHUNK, b1 - c0), u0 = c0 * U, w = min64(nblk * U, H - u0);
        const float *ga = p->xp + srow * d->GP + c0 * d->GU;
        float *dhr = p->dh + b * H + u0;
        float *dgr = p->dg + row * d->ldg + u0;
        memcpy(dh, dhr, (size_t)w * sizeof *dh);
        if (p->g->dy) vm->add_bias((size_t)w, p->g->dy + row * p->g->ldy + u0, dh);
        if (d->cell == ZN_RNN_CELL_TANH || d->cell == ZN_RNN_CELL_RELU) { /* one gate: blocks are contiguous */
            rk->rnn_bwd((size_t)w, d->cell == ZN_RNN_CELL_RELU, ga, dh, dgr);
            continue;
        }
        if (d->cell == ZN_RNN_CELL_LSTM) {
            const float *ct = p->cs + srow * d->Hp + u0;
            const float *cp = p->tprev < 0 ? p->cinit + b * d->Hp + u0 : p->cs + (p->tprev * d->B + b) * d->Hp + u0;
            float *dc = p->dc + b * d->Hp + u0;
            vm->tanh((size_t)w, ct, tmp);
            for (int64_t k = 0; k * U < w; k++) {
                const int64_t o = k * U;
                rk->lstm_bwd((size_t)min64(U, w - o), (size_t)H, (size_t)U, ga + k * d->GU, tmp + o, cp + o, dh + o,
                             dc + o, dgr + o);
            }
        } else {
            const float *hn = p->hn + srow * d->Hp + u0, *hp = p->hprev + row * H + u0;
            for (int64_t k = 0; k * U < w; k++) {
                const int64_t o = k * U;
                rk->gru_bwd((size_t)min64(U, w - o), (size_t)H, (size_t)U, ga + k * d->GU, hn + o, hp + o, dh + o,
                            dhr + o, dgr + o);
            }
        }
    }
}

/* dh[:, j0:j1] (+)= dG_h(tnext) W_hh[:, j0:j1]; GRU adds to its direct path. */
static zn_status bwd_product(const bwd_plan *p, int64_t j0, int64_t j1, int64_t tn, float *c, int64_t ldc,
                             zn_pool *pool, int max_threads) {
    const rnn_dims *d = &p->d;
    const int gru = d->cell == ZN_RNN_CELL_GRU;
    zn_gemm_call call = {0,
                         0,
                         d->B,
                         j1 - j0,
                         d->G * d->H,
                         1.0f,
                         gru ? 1.0f : 0.0f,
                         p->dg + tn * d->ldg,
                         p->w_hh + j0,
                         c,
                         d->T * d->ldg,
                         d->H,
                         ldc,
                         NULL,
                         ZN_ACT_NONE,
                         0.0f,
                         NULL};
    return zn_gemm_run(p->kt, &call, pool, max_threads);
}

static void bwd_step(void *arg, int ith, int nth) {
    const bwd_plan *p = arg;
    const rnn_dims *d = &p->d;
    int64_t b0, b1;
    zn_split_range(d->nb, 1, ith, nth, &b0, &b1);
    if (b0 >= b1) return;
    const int64_t j0 = b0 * d->U, j1 = min64(b1 * d->U, d->H);
    if (p->tnext >= 0 && bwd_product(p, j0, j1, p->tnext, p->dh + j0, d->H, NULL, 1) != ZN_OK)
        atomic_store(p->failed, 1);
    for (int64_t b = 0; b < d->B; b++) bwd_row(p, b, b0, b1);
}

/* C (+)= op(A) B over the whole sequence, run on the pool. */
static zn_status seq_gemm(const zn_kernels *kt, int ta, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                          const float *b, int64_t ldb, float *c, int64_t ldc, zn_pool *pool, int max_threads) {
    zn_gemm_call call = {ta, 0, m, n, k, 1.0f, 1.0f, a, b, c, lda, ldb, ldc, NULL, ZN_ACT_NONE, 0.0f, NULL};
    return zn_gemm_run(kt, &call, pool, max_threads);
}

zn_status zn_rnn_backward(const zn_kernels *kt, const zn_rnn_args *a, const zn_rnn_grads *g, const float *train_scratch,
                          size_t train_floats, float *scratch, size_t scratch_floats, zn_pool *pool, int max_threads) {
    if (!kt) kt = zn_kernels_get();
    size_t need = a ? zn_rnn_scratch_floats(kt, &a->shape, ZN_RNN_BACKWARD, 0) : 0;
    zn_status st = check_args("zn_rnn_backward", a, need, scratch_floats, scratch);
    if (st != ZN_OK) return st;
    if (!g || !train_scratch) return zn_error(ZN_ERR_INVALID_ARG, "zn_rnn_backward: grads or train_scratch is NULL");
    if (max_threads < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_rnn_backward: max_threads (%d) < 0", max_threads);
    const size_t saved = zn_rnn_scratch_floats(kt, &a->shape, ZN_RNN_TRAIN, 1);
    if (train_floats < saved)
        return zn_error(ZN_ERR_SHAPE, "zn_rnn_backward: train_scratch holds %zu floats, the forward saved %zu",
                        train_floats, saved);
    if (g->dy && g->ldy < a->shape.hidden)
        return zn_error(ZN_ERR_SHAPE, "zn_rnn_backward: ldy (%lld) < hidden (%lld)", (long long)g->ldy,
                        (long long)a->shape.hidden);
    if (g->dx && g->ldx < a->shape.input)
        return zn_error(ZN_ERR_SHAPE, "zn_rnn_backward: ldx (%lld) < input (%lld)", (long long)g->ldx,
                        (long long)a->shape.input);
    if ((g->dy && !rows_fit(&a->shape, g->ldy)) || (g->dx && !rows_fit(&a->shape, g->ldx)))
        return zn_error(ZN_ERR_OVERFLOW, "zn_rnn_backward: B*T rows of dy's or dx's stride overflow");
    if (max_threads == 1) pool = NULL;

    bwd_plan p = {0};
    atomic_int failed = 0;
    p.failed = &failed;
    p.kt = kt;
    dims_of(kt, &a->shape, &p.d);
    const rnn_dims *d = &p.d;
    p.g = g;
    p.w_hh = a->w_hh;
    scratch_layout l;
    scratch_layout_of(d, 1, 1, &l);
    p.xp = train_scratch + l.xp, p.cinit = train_scratch + l.cinit, p.cs = train_scratch + l.cs;
    p.hprev = train_scratch + l.hprev, p.hn = train_scratch + l.hn;
    back_layout bl;
    back_layout_of(d, &bl);
    p.dg = scratch + bl.dg, p.dh = scratch + bl.dh, p.dc = scratch + bl.dc;
    const int64_t B = d->B, T = d->T, H = d->H, I = d->I, GH = d->G * H;
    const int lstm = d->cell == ZN_RNN_CELL_LSTM, gru = d->cell == ZN_RNN_CELL_GRU;

    for (int64_t b = 0; b < B; b++) {
        float *dh = p.dh + b * H;
        if (g->dh_n)
            memcpy(dh, g->dh_n + b * H, (size_t)H * sizeof *dh);
        else
            memset(dh, 0, (size_t)H * sizeof *dh);
        if (lstm) {
            float *dc = p.dc + b * d->Hp;
            memset(dc, 0, (size_t)d->Hp * sizeof *dc);
            if (g->dc_n) memcpy(dc, g->dc_n + b * H, (size_t)H * sizeof *dc);
        }
    }
    const int64_t t_first = d->rev ? T - 1 : 0, step = d->rev ? -1 : 1;
    const int nth = threads_for(d, pool, max_threads, B * H * GH);
    for (int64_t i = T - 1; i >= 0; i--) {
        p.t = t_first + i * step;
        p.tprev = i > 0 ? p.t - step : -1;
        p.tnext = i + 1 < T ? p.t + step : -1;
        if (nth > 1)
            st = zn_pool_run(pool, bwd_step, &p, nth);
        else
            bwd_step(&p, 0, 1);
        if (st != ZN_OK) return st;
        if (atomic_load(&failed))
            return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_rnn_backward: no memory for the GEMM's packing buffers");
    }
    if (g->dh0) { /* through w_hh from the first step, plus GRU's direct path */
        if (gru) memcpy(g->dh0, p.dh, (size_t)(B * H) * sizeof(float));
        st = bwd_product(&p, 0, H, t_first, g->dh0, H, pool, max_threads);
        if (st != ZN_OK) return st;
    }
    if (g->dc0 && lstm)
        for (int64_t b = 0; b < B; b++) memcpy(g->dc0 + b * H, p.dc + b * d->Hp, (size_t)H * sizeof(float));

    /* The whole sequence at once: GRU's input side reads columns r z ni, the
     * hidden side r z nh (dG rows are r z nh ni). */
    const int64_t BT = B * T, ldg = d->ldg;
    const int64_t in_k1 = gru ? 2 * H : GH; /* first run of input-side columns */
    if (g->dx) {
        st = seq_gemm(kt, 0, BT, I, in_k1, p.dg, ldg, a->w_ih, I, g->dx, g->ldx, pool, max_threads);
        if (st == ZN_OK && gru)
            st = seq_gemm(kt, 0, BT, I, H, p.dg + 3 * H, ldg, a->w_ih + 2 * H * I, I, g->dx, g->ldx, pool, max_threads);
        if (st != ZN_OK) return st;
    }
    if (g->dw_ih) {
        st = seq_gemm(kt, 1, in_k1, I, BT, p.dg, ldg, a->x, a->ldx, g->dw_ih, I, pool, max_threads);
        if (st == ZN_OK && gru)
            st = seq_gemm(kt, 1, H, I, BT, p.dg + 3 * H, ldg, a->x, a->ldx, g->dw_ih + 2 * H * I, I, pool, max_threads);
        if (st != ZN_OK) return st;
    }
    if (g->dw_hh) {
        st = seq_gemm(kt, 1, GH, H, BT, p.dg, ldg, p.hprev, H, g->dw_hh, H, pool, max_threads);
        if (st != ZN_OK) return st;
    }
    if (g->db_ih || g->db_hh) { /* column sums in row order */
        float *sums = scratch + bl.sums;
        memset(sums, 0, (size_t)ldg * sizeof *sums);
        for (int64_t r = 0; r < BT; r++) kt->vmath.add_bias((size_t)ldg, p.dg + r * ldg, sums);
        if (g->db_hh) kt->vmath.axpy((size_t)GH, 1.0f, sums, g->db_hh);
        if (g->db_ih) {
            kt->vmath.axpy((size_t)in_k1, 1.0f, sums, g->db_ih);
            if (gru) kt->vmath.axpy((size_t)H, 1.0f, sums + 3 * H, g->db_ih + 2 * H);
        }
    }
    return ZN_OK;
}
