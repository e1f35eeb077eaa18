/* Recurrent ops: one layer of RNN (tanh, relu), LSTM or GRU over a whole
 * sequence, one or both directions in one node (kernels/rnn.h), and the
 * final-state reader.
 *
 * rnn node inputs: x [B, T, I]; per direction w_ih [G*H, I], w_hh [G*H, H]
 * and, with biases, b_ih, b_hh [G*H] (PyTorch's layout); then h0 [B, D, H]
 * and c0 [B, D, H] when given. Output y [B, T, D*H]; the reverse direction
 * writes the second half of each row (the kernel with ldy = 2H).
 *
 * aux, per pass: h_n and c_n as [D][B][H] (what rnn_state reads); when
 * sized for training also the inbox of dh_n, dc_n ([D][B][H], zeroed by
 * forward, filled by rnn_state's backward, which runs before this node's)
 * and the kernel's TRAIN scratch of every (batch chunk, direction); an
 * inference pass in such a workspace uses that room as its scratch. Node
 * scratch: h0/c0 of one direction gathered (and dh0/dc0), then the
 * kernel's INFER scratch (inference workspaces) or the packed weights of
 * forward sharing room with backward's scratch (training). Training passes
 * run the batch in chunks (chunks_of) to keep backward's scratch small.
 * State (stateful): h then c, each [D][B][H]. Inference workspaces may keep
 * the weights packed (zn_ws_pack_weights: rnn_pack). */
#include <stdatomic.h>
#include <string.h>

#include "base/internal.h"
#include "graph/graph_internal.h"
#include "kernels/rnn.h"

enum { RNN_F_BIAS = 1, RNN_F_H0 = 2, RNN_F_C0 = 4, RNN_F_STATEFUL = 8 };

/* attrs: size[0] hidden, size[1] directions, size[2] cell (zn_cell), size[3] input. */
static int64_t hid(const zn_node *n) { return n->a.size[0]; }
static int dirs(const zn_node *n) { return (int)n->a.size[1]; }
static zn_rnn_cell cell_of(const zn_node *n) { return (zn_rnn_cell)n->a.size[2]; }
static int is_lstm(const zn_node *n) { return cell_of(n) == ZN_RNN_CELL_LSTM; }
static int gates(zn_cell c) { return c == ZN_CELL_LSTM ? 4 : c == ZN_CELL_GRU ? 3 : 1; }
static int per_dir(const zn_node *n) { return n->a.flags & RNN_F_BIAS ? 4 : 2; }
/* Input slot of direction d's weight k (0 w_ih, 1 w_hh, 2 b_ih, 3 b_hh). */
static int wslot(const zn_node *n, int d, int k) { return 1 + d * per_dir(n) + k; }
static int h0_slot(const zn_node *n) { return n->a.flags & RNN_F_H0 ? 1 + dirs(n) * per_dir(n) : -1; }
static int c0_slot(const zn_node *n) { return n->a.flags & RNN_F_C0 ? 2 + dirs(n) * per_dir(n) : -1; }
/* Floats of h (and c) for all directions, per sample. */
static int64_t state_floats(const zn_node *n) { return (is_lstm(n) ? 2 : 1) * dirs(n) * hid(n); }

_Static_assert((int)ZN_CELL_RNN_TANH == (int)ZN_RNN_CELL_TANH && (int)ZN_CELL_RNN_RELU == (int)ZN_RNN_CELL_RELU &&
                   (int)ZN_CELL_LSTM == (int)ZN_RNN_CELL_LSTM && (int)ZN_CELL_GRU == (int)ZN_RNN_CELL_GRU,
               "zn_cell and the kernels' zn_rnn_cell agree");

/* The kernel's shape; attrs.size[3] holds the input size. */
static zn_rnn_shape shape_at(const zn_node *n, int64_t batch, int64_t steps, int reverse) {
    zn_rnn_shape s = {cell_of(n), batch, steps, n->a.size[3], hid(n), reverse};
    return s;
}

static int64_t train_floats_at(const zn_node *n, int64_t batch, int64_t steps) {
    zn_rnn_shape s = shape_at(n, batch, steps, 0);
    return (int64_t)zn_rnn_scratch_floats(zn_kernels_get(), &s, ZN_RNN_TRAIN, 1);
}

static int shape_is(const zn_node *w, int64_t r, int64_t c) {
    if (!w || w->batched || w->dtype != ZN_F32) return 0;
    if (c == 0) return zn_node_size(w) == r && (w->nd == 1 || (w->nd == 2 && w->dim[1] == 1));
    return w->nd == 2 && w->dim[0] == r && w->dim[1] == c;
}

zn_node *zn_rnn_layer(zn_graph *g, zn_cell cell, zn_node *x, int64_t hidden, int directions, zn_node *const *params,
                      int n_params, zn_node *h0, zn_node *c0, int stateful) {
    if (!zn_graph_check_inputs(g, "zn_rnn_layer", 1, &x)) return NULL;
    char sx[96], sw[96];
    if ((int)cell < 0 || cell > ZN_CELL_GRU || hidden < 1 || hidden > ((int64_t)1 << 24) ||
        (directions != 1 && directions != 2))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG,
                             "zn_rnn_layer (node %d): cell %d, hidden %lld, directions %d (1 or 2)", g->count,
                             (int)cell, (long long)hidden, directions);
    if (!x->batched || x->nd != 2 || x->dtype != ZN_F32 || x->seq_axis > 0)
        return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_rnn_layer (node %d): x is %s, not a float sequence [B, T, I]",
                             g->count, zn_shape_str(x, sx, sizeof sx));
    if (n_params != 2 * directions && n_params != 4 * directions)
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG,
                             "zn_rnn_layer (node %d): %d parameters for %d directions (2 or 4 each)", g->count,
                             n_params, directions);
    if (!zn_graph_check_inputs(g, "zn_rnn_layer", n_params, params)) return NULL;
    const int lstm = cell == ZN_CELL_LSTM;
    if ((c0 && !lstm) || (c0 && !h0))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG, "zn_rnn_layer (node %d): c0 needs an LSTM and h0", g->count);
    const int64_t I = x->dim[1], GH = gates(cell) * hidden;
    const int pd = n_params / directions;
    for (int d = 0; d < directions; d++)
        for (int k = 0; k < pd; k++) {
            const zn_node *w = params[d * pd + k];
            const int64_t cols = k == 0 ? I : k == 1 ? hidden : 0;
            if (!shape_is(w, GH, cols))
                return zn_graph_fail(g, ZN_ERR_SHAPE,
                                     "zn_rnn_layer (node %d): parameter %d (%s) is %s, want [%lld%s%lld] for x %s",
                                     g->count, d * pd + k,
                                     k == 0   ? "w_ih"
                                     : k == 1 ? "w_hh"
                                              : "bias",
                                     zn_shape_str(w, sw, sizeof sw), (long long)GH, cols ? ", " : "",
                                     (long long)(cols ? cols : 0), zn_shape_str(x, sx, sizeof sx));
        }
    zn_node *in[ZN_MAX_OP_INPUTS];
    int n_in = 0;
    in[n_in++] = x;
    for (int k = 0; k < n_params; k++) in[n_in++] = params[k];
    zn_node *init[2] = {h0, c0};
    for (int k = 0; k < 2; k++) {
        if (!init[k]) continue;
        if (!zn_graph_check_inputs(g, "zn_rnn_layer", 1, &init[k])) return NULL;
        const zn_node *s = init[k];
        if (!s->batched || s->nd != 2 || s->dim[0] != directions || s->dim[1] != hidden || s->dtype != ZN_F32 ||
            s->seq_axis >= 0)
            return zn_graph_fail(g, ZN_ERR_SHAPE, "zn_rnn_layer (node %d): %s is %s, want [B, %d, %lld]", g->count,
                                 k ? "c0" : "h0", zn_shape_str(s, sw, sizeof sw), directions, (long long)hidden);
        in[n_in++] = init[k];
    }
    zn_node proto = zn_node_like(x);
    const int64_t dims[2] = {x->dim[0], directions * hidden};
    zn_node_set_shape(&proto, 2, dims);
    proto.a.size[0] = hidden;
    proto.a.size[1] = directions;
    proto.a.size[2] = cell;
    proto.a.size[3] = I;
    proto.a.flags =
        (pd == 4 ? RNN_F_BIAS : 0) | (h0 ? RNN_F_H0 : 0) | (c0 ? RNN_F_C0 : 0) | (stateful ? RNN_F_STATEFUL : 0);
    if (train_floats_at(&proto, 1, x->dim[0]) <= 0)
        return zn_graph_fail(g, ZN_ERR_OVERFLOW, "zn_rnn_layer (node %d): x %s with hidden %lld is too big", g->count,
                             zn_shape_str(x, sx, sizeof sx), (long long)hidden);
    return zn_graph_add(g, ZN_OP_RNN, &proto, n_in, in);
}

/* ---- layout helpers ----------------------------------------------------------------------- */

static size_t infer_floats(const zn_node *n, int64_t batch, int64_t steps, int packed_given) {
    zn_rnn_shape s = shape_at(n, batch, steps, 0);
    return zn_rnn_scratch_floats(zn_kernels_get(), &s, ZN_RNN_INFER, packed_given);
}

static size_t back_floats(const zn_node *n, int64_t batch, int64_t steps) {
    zn_rnn_shape s = shape_at(n, batch, steps, 0);
    return zn_rnn_scratch_floats(zn_kernels_get(), &s, ZN_RNN_BACKWARD, 0);
}

static size_t packed_floats(const zn_node *n) {
    zn_rnn_shape s = shape_at(n, 2, 1, 0); /* a chunk of a training pass may be of either batch class */
    const size_t a = zn_rnn_packed_floats(zn_kernels_get(), &s);
    s.batch = 1;
    const size_t b = zn_rnn_packed_floats(zn_kernels_get(), &s);
    return a > b ? a : b;
}

static int64_t round16(int64_t f) { return (f + 15) & ~(int64_t)15; }

/* Training passes run the batch in chunks so that backward's own scratch
 * (every step's gate gradients) stays at most half the saved activations:
 * the training step's memory is then what it must store, plus a little. */
static int64_t chunks_of(const zn_node *n) {
    const int64_t T = n->dim[0];
    const int64_t back = (int64_t)back_floats(n, 1, T), saved = train_floats_at(n, 1, T);
    int64_t k = saved > 0 ? (2 * back + saved - 1) / saved : 1;
    return k < 1 ? 1 : k > 4 ? 4 : k;
}
static int64_t chunk_rows(const zn_node *n, int64_t batch) {
    const int64_t k = chunks_of(n);
    return (batch + k - 1) / k;
}

typedef struct rnn_run {
    int64_t B, T, I, H;
    int D, lstm;
    float *hn, *cn, *dhn, *dcn, *saved; /* aux parts */
} rnn_run;

static void run_of(const zn_exec *e, const zn_node *n, rnn_run *r) {
    const zn_node *x = &e->nodes[n->in[0]];
    r->B = e->batch, r->T = zn_exec_dim(e, x, 0), r->I = x->dim[1], r->H = hid(n);
    r->D = dirs(n), r->lstm = is_lstm(n);
    const int64_t dbh = r->D * r->B * r->H;
    float *a = e->aux[n->index];
    r->hn = a, a += dbh;
    r->cn = r->lstm ? a : NULL, a += r->lstm ? dbh : 0;
    r->dhn = r->dcn = r->saved = NULL;
    if (e->sized_for_training && e->sized_for_training[n->index]) {
        r->dhn = a, a += dbh;
        r->dcn = r->lstm ? a : NULL, a += r->lstm ? dbh : 0;
        r->saved = a;
    }
}

/* Rows [b0, b0+bc) of direction d as [bc][H] from src [B][D][H]. */
static const float *gather(const float *src, const rnn_run *r, int d, int64_t b0, int64_t bc, float *tmp) {
    if (!src) return NULL;
    if (r->D == 1) return src + b0 * r->H;
    for (int64_t b = 0; b < bc; b++)
        memcpy(tmp + b * r->H, src + ((b0 + b) * r->D + d) * r->H, (size_t)r->H * sizeof(float));
    return tmp;
}

/* dst [B][D][H] rows [b0, b0+bc) of direction d += src [bc][H]. */
static void scatter_add(float *dst, const float *src, const rnn_run *r, int d, int64_t b0, int64_t bc) {
    for (int64_t b = 0; b < bc; b++)
        for (int64_t j = 0; j < r->H; j++) dst[((b0 + b) * r->D + d) * r->H + j] += src[b * r->H + j];
}

/* The kernel's arguments for rows [b0, b0+bc) in direction d. */
static zn_rnn_args args_of(const zn_exec *e, const zn_node *n, const rnn_run *r, int d, int64_t b0, int64_t bc) {
    zn_rnn_args a;
    memset(&a, 0, sizeof a);
    a.shape = shape_at(n, bc, r->T, d == 1);
    a.shape.input = r->I;
    a.x = e->val[n->in[0]] + b0 * r->T * r->I;
    a.ldx = r->I;
    a.y = e->val[n->index] + b0 * r->T * r->D * r->H + d * r->H;
    a.ldy = r->D * r->H;
    a.w_ih = e->val[n->in[wslot(n, d, 0)]];
    a.w_hh = e->val[n->in[wslot(n, d, 1)]];
    if (n->a.flags & RNN_F_BIAS) {
        a.b_ih = e->val[n->in[wslot(n, d, 2)]];
        a.b_hh = e->val[n->in[wslot(n, d, 3)]];
    }
    a.h_n = r->hn + d * r->B * r->H + b0 * r->H;
    a.c_n = r->cn ? r->cn + d * r->B * r->H + b0 * r->H : NULL;
    return a;
}

/* ---- rnn ------------------------------------------------------------------------------------- */

static const float *packed_for(const zn_exec *e, const zn_node *n, int64_t batch, int d);

/* Inference of a large batch runs as independent parts of RNN_PART_ROWS
 * sequences (and directions), one per job on the pool: a step's products
 * then need no hand-off between threads, where splitting each step's
 * product took one per step. The parts depend on the batch alone, so the
 * bits do not depend on the thread count. */
enum { RNN_PART_ROWS = 16 };

static size_t packed_class(const zn_node *n, int64_t batch);

static int64_t parts_of(int64_t batch) { return (batch + RNN_PART_ROWS - 1) / RNN_PART_ROWS; }

/* Scratch of the parts: each direction's packed weights (when the
 * workspace has none), then each job's kernel scratch. */
static int64_t split_floats(const zn_node *n, int64_t max_batch) {
    if (max_batch < 2 * RNN_PART_ROWS) return 0;
    const int64_t jobs = parts_of(max_batch) * dirs(n);
    return dirs(n) * (int64_t)packed_class(n, 2) +
           jobs * round16((int64_t)infer_floats(n, RNN_PART_ROWS, n->dim[0], 1));
}

typedef struct part_job {
    const zn_exec *e;
    const zn_node *n;
    const rnn_run *r;
    const float *state, *h0, *c0;
    float *tmp_h, *tmp_c, *work;
    const float *packed[2];
    int64_t work_each;
    int jobs;
    atomic_int failed; /* the first status a job failed with, or 0 */
} part_job;

/* Rows [b0, b1) of part p of `parts` (even parts, each at least 2 rows). */
static void part_rows(int64_t batch, int64_t parts, int64_t p, int64_t *b0, int64_t *b1) {
    *b0 = p * batch / parts;
    *b1 = (p + 1) * batch / parts;
}

static void part_run(void *arg, int ith, int nth) {
    part_job *j = arg;
    const rnn_run *r = j->r;
    const int64_t bh = r->B * r->H, H = r->H;
    for (int k = ith; k < j->jobs; k += nth) {
        const int d = k % r->D;
        int64_t b0, b1;
        part_rows(r->B, parts_of(r->B), k / r->D, &b0, &b1);
        const int64_t bc = b1 - b0;
        zn_rnn_args a = args_of(j->e, j->n, r, d, b0, bc);
        if (j->state) {
            a.h0 = j->state + d * bh + b0 * H;
            a.c0 = r->lstm ? j->state + r->D * bh + d * bh + b0 * H : NULL;
        } else { /* each job gathers into its own rows of tmp */
            a.h0 = gather(j->h0, r, d, b0, bc, j->tmp_h + (d * r->B + b0) * H);
            a.c0 = gather(j->c0, r, d, b0, bc, j->tmp_c + (d * r->B + b0) * H);
        }
        a.packed = j->packed[d];
        float *w = j->work + k * j->work_each;
        const zn_status st = zn_rnn_forward(j->e->k, &a, ZN_RNN_INFER, w, infer_floats(j->n, bc, r->T, 1), NULL, 1);
        int none = 0;
        if (st != ZN_OK) atomic_compare_exchange_strong(&j->failed, &none, (int)st);
    }
}

static void forward_in_parts(const zn_exec *e, const zn_node *n, const rnn_run *r, const float *state, const float *h0,
                             const float *c0, float *tmp_h, float *tmp_c, float *ks) {
    part_job j;
    memset(&j, 0, sizeof j);
    atomic_init(&j.failed, 0);
    j.e = e, j.n = n, j.r = r, j.state = state, j.h0 = h0, j.c0 = c0, j.tmp_h = tmp_h, j.tmp_c = tmp_c;
    j.jobs = (int)(parts_of(r->B) * r->D);
    j.work_each = round16((int64_t)infer_floats(n, RNN_PART_ROWS, n->dim[0], 1));
    j.work = ks + r->D * (int64_t)packed_class(n, 2);
    for (int d = 0; d < r->D; d++) {
        j.packed[d] = packed_for(e, n, 2, d);
        if (j.packed[d]) continue;
        float *at = ks + d * (int64_t)packed_class(n, 2);
        const int bias = (n->a.flags & RNN_F_BIAS) != 0;
        zn_rnn_shape s = shape_at(n, RNN_PART_ROWS, 1, d == 1);
        zn_status st =
            zn_rnn_pack(e->k, &s, e->val[n->in[wslot(n, d, 0)]], e->val[n->in[wslot(n, d, 1)]],
                        bias ? e->val[n->in[wslot(n, d, 2)]] : NULL, bias ? e->val[n->in[wslot(n, d, 3)]] : NULL, at);
        if (st != ZN_OK) {
            zn_exec_fail(e, st, "rnn (node %d): %s", n->index, zn_last_error());
            return;
        }
        j.packed[d] = at;
    }
    zn_pool *pool = e->max_threads == 1 ? NULL : (e->pool ? e->pool : zn_pool_default());
    int nth = pool ? zn_pool_size(pool) : 1;
    if (e->max_threads > 0 && e->max_threads < nth) nth = e->max_threads;
    if (nth > j.jobs) nth = j.jobs;
    zn_status s = nth > 1 ? zn_pool_run(pool, part_run, &j, nth) : ZN_OK;
    if (nth <= 1) part_run(&j, 0, 1);
    if (s == ZN_OK) s = (zn_status)atomic_load(&j.failed);
    if (s != ZN_OK) zn_exec_fail(e, s, "rnn (node %d): a part of the batch failed (%s)", n->index, zn_status_str(s));
}

static void rnn_forward(const zn_exec *e, const zn_node *n) {
    rnn_run r;
    run_of(e, n, &r);
    const int64_t bh = r.B * r.H, dbh = r.D * bh, H = r.H;
    const int stateful = (n->a.flags & RNN_F_STATEFUL) && e->state[n->index];
    const int live = stateful && e->state_live[n->index];
    float *st = e->state[n->index];
    float *sc = e->scratch[n->index];
    float *tmp_h = sc, *tmp_c = sc + round16(dbh), *ks = sc + 2 * round16(dbh);
    const int hs = h0_slot(n), cs = c0_slot(n);
    const float *h0 = hs >= 0 ? e->val[n->in[hs]] : NULL, *c0 = cs >= 0 ? e->val[n->in[cs]] : NULL;
    if (r.dhn) memset(r.dhn, 0, (size_t)dbh * sizeof(float));
    if (r.dcn) memset(r.dcn, 0, (size_t)dbh * sizeof(float));
    if (!e->training && !r.saved && r.B >= 2 * RNN_PART_ROWS) {
        forward_in_parts(e, n, &r, live ? st : NULL, h0, c0, tmp_h, tmp_c, ks);
        if (*e->status == ZN_OK && stateful) {
            memcpy(st, r.hn, (size_t)dbh * sizeof(float));
            if (r.lstm) memcpy(st + dbh, r.cn, (size_t)dbh * sizeof(float));
            e->state_live[n->index] = 1;
        }
        return;
    }
    /* training: chunks of the batch, weights packed into node scratch, the
     * saved activations in aux; inference in a training workspace: aux's
     * room as the kernel's scratch; otherwise the node scratch */
    const int64_t rows = e->training ? chunk_rows(n, r.B) : r.B;
    float *saved = r.saved;
    for (int64_t b0 = 0; b0 < r.B; b0 += rows) {
        const int64_t bc = r.B - b0 < rows ? r.B - b0 : rows;
        for (int d = 0; d < r.D; d++) {
            zn_rnn_args a = args_of(e, n, &r, d, b0, bc);
            if (live) {
                a.h0 = st + d * bh + b0 * H;
                a.c0 = r.lstm ? st + dbh + d * bh + b0 * H : NULL;
            } else {
                a.h0 = gather(h0, &r, d, b0, bc, tmp_h);
                a.c0 = gather(c0, &r, d, b0, bc, tmp_c);
            }
            zn_status s = ZN_OK;
            if (r.saved) {
                s = zn_rnn_pack(e->k, &a.shape, a.w_ih, a.w_hh, a.b_ih, a.b_hh, ks);
                a.packed = ks;
            }
            if (s == ZN_OK && e->training) {
                const int64_t f = train_floats_at(n, bc, r.T);
                s = zn_rnn_forward(e->k, &a, ZN_RNN_TRAIN, saved, (size_t)f, e->pool, e->max_threads);
                saved += f;
            } else if (s == ZN_OK) {
                if (!a.packed) a.packed = packed_for(e, n, bc, d);
                float *w = r.saved ? r.saved : ks;
                s = zn_rnn_forward(e->k, &a, ZN_RNN_INFER, w, infer_floats(n, bc, r.T, a.packed != NULL), e->pool,
                                   e->max_threads);
            }
            if (s != ZN_OK) {
                zn_exec_fail(e, s, "rnn (node %d): %s", n->index, zn_last_error());
                return;
            }
        }
    }
    if (stateful) {
        memcpy(st, r.hn, (size_t)dbh * sizeof(float));
        if (r.lstm) memcpy(st + dbh, r.cn, (size_t)dbh * sizeof(float));
        e->state_live[n->index] = 1;
    }
}

static void rnn_backward(const zn_exec *e, const zn_node *n) {
    rnn_run r;
    run_of(e, n, &r);
    if (!r.saved) return; /* not sized for training: never happens in a training pass */
    const int64_t bh = r.B * r.H, dbh = r.D * bh, DH = r.D * r.H;
    float *sc = e->scratch[n->index];
    float *tmp_h = sc, *tmp_c = sc + round16(dbh), *ks = sc + 2 * round16(dbh);
    const int hs = h0_slot(n), cs = c0_slot(n);
    const int stateful = (n->a.flags & RNN_F_STATEFUL) && e->state[n->index];
    float *dh0 = hs >= 0 && !stateful ? zn_exec_input_grad(e, n, hs) : NULL;
    float *dc0 = cs >= 0 && !stateful ? zn_exec_input_grad(e, n, cs) : NULL;
    float *dx = zn_exec_input_grad(e, n, 0);
    const int64_t rows = chunk_rows(n, r.B);
    const float *saved = r.saved;
    for (int64_t b0 = 0; b0 < r.B; b0 += rows) {
        const int64_t bc = r.B - b0 < rows ? r.B - b0 : rows;
        for (int d = 0; d < r.D; d++) {
            zn_rnn_args a = args_of(e, n, &r, d, b0, bc);
            zn_rnn_grads gr;
            memset(&gr, 0, sizeof gr);
            gr.dy = e->grad[n->index] + b0 * r.T * DH + d * r.H;
            gr.ldy = DH;
            gr.dh_n = r.dhn + d * bh + b0 * r.H;
            gr.dc_n = r.dcn ? r.dcn + d * bh + b0 * r.H : NULL;
            gr.dx = dx ? dx + b0 * r.T * r.I : NULL;
            gr.ldx = r.I;
            gr.dw_ih = zn_exec_input_grad(e, n, wslot(n, d, 0));
            gr.dw_hh = zn_exec_input_grad(e, n, wslot(n, d, 1));
            if (n->a.flags & RNN_F_BIAS) {
                gr.db_ih = zn_exec_input_grad(e, n, wslot(n, d, 2));
                gr.db_hh = zn_exec_input_grad(e, n, wslot(n, d, 3));
            }
            gr.dh0 = dh0 ? tmp_h : NULL;
            gr.dc0 = dc0 ? tmp_c : NULL;
            const int64_t f = train_floats_at(n, bc, r.T);
            zn_status s =
                zn_rnn_backward(e->k, &a, &gr, saved, (size_t)f, ks, back_floats(n, bc, r.T), e->pool, e->max_threads);
            saved += f;
            if (s != ZN_OK) {
                zn_exec_fail(e, s, "rnn (node %d) backward: %s", n->index, zn_last_error());
                return;
            }
            if (dh0) scatter_add(dh0, tmp_h, &r, d, b0, bc);
            if (dc0) scatter_add(dc0, tmp_c, &r, d, b0, bc);
        }
    }
}

/* Per sample: h_n (and c_n); in training also their gradients' inbox and
 * every direction's saved activations (a chunk's TRAIN scratch is at most
 * its rows times one row's). */
static int64_t rnn_aux(const zn_node *n, int training) {
    const int64_t s = state_floats(n);
    if (!training) return s;
    return 2 * s + dirs(n) * train_floats_at(n, 1, n->dim[0]);
}

/* h0/c0 gathered (and dh0/dc0), then the kernel's: inference's scratch, or
 * in training the packed weights (forward) sharing room with backward's. */
static int64_t rnn_scratch(const zn_node *n, int64_t max_batch, int training) {
    const int64_t T = n->dim[0];
    const int64_t tmp = 2 * round16(dirs(n) * max_batch * hid(n));
    if (!training) {
        const int64_t whole = (int64_t)infer_floats(n, max_batch, T, 0), split = split_floats(n, max_batch);
        return tmp + (whole > split ? whole : split);
    }
    const size_t p = packed_floats(n), b = back_floats(n, chunk_rows(n, max_batch), T);
    return tmp + (int64_t)(p > b ? p : b);
}

/* Inference workspaces' packed weights: every direction's for batch 1,
 * then (max_batch >= 2) every direction's for larger batches (the kernel's
 * two layouts). */
static size_t packed_class(const zn_node *n, int64_t batch) {
    zn_rnn_shape s = shape_at(n, batch, 1, 0);
    return (zn_rnn_packed_floats(zn_kernels_get(), &s) + 15) & ~(size_t)15;
}

static int64_t rnn_packed_size(const zn_node *n, int64_t max_batch) {
    return dirs(n) * (int64_t)(packed_class(n, 1) + (max_batch > 1 ? packed_class(n, 2) : 0));
}

static zn_status rnn_pack(const zn_node *n, const float *const *val, int64_t max_batch, float *dst) {
    const int classes = max_batch > 1 ? 2 : 1;
    for (int c = 0; c < classes; c++)
        for (int d = 0; d < dirs(n); d++) {
            zn_rnn_shape s = shape_at(n, c ? 2 : 1, 1, d == 1);
            const int bias = (n->a.flags & RNN_F_BIAS) != 0;
            float *at = dst + (c ? dirs(n) * packed_class(n, 1) : 0) + d * packed_class(n, c ? 2 : 1);
            zn_status st =
                zn_rnn_pack(zn_kernels_get(), &s, val[n->in[wslot(n, d, 0)]], val[n->in[wslot(n, d, 1)]],
                            bias ? val[n->in[wslot(n, d, 2)]] : NULL, bias ? val[n->in[wslot(n, d, 3)]] : NULL, at);
            if (st != ZN_OK) return st;
        }
    return ZN_OK;
}

/* This pass's packed weights of direction d, or NULL. */
static const float *packed_for(const zn_exec *e, const zn_node *n, int64_t batch, int d) {
    const float *p = e->packed ? e->packed[n->index] : NULL;
    if (!p) return NULL;
    return batch == 1 ? p + d * packed_class(n, 1) : p + dirs(n) * packed_class(n, 1) + d * packed_class(n, 2);
}

static int64_t rnn_state(const zn_node *n) { return n->a.flags & RNN_F_STATEFUL ? state_floats(n) : 0; }

static zn_node *rebuild_rnn(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    const zn_op_attrs *a = &info->attrs;
    const int D = (int)a->size[1], pd = a->flags & RNN_F_BIAS ? 4 : 2;
    const int np = D * pd, need = 1 + np + !!(a->flags & RNN_F_H0) + !!(a->flags & RNN_F_C0);
    if (D < 1 || D > 2 || info->n_in != need || a->size[2] < 0 || a->size[2] > ZN_CELL_GRU)
        return zn_graph_fail(g, ZN_ERR_FORMAT, "rnn (node %d): %d inputs, %lld directions, cell %lld, flags %d",
                             g->count, info->n_in, (long long)a->size[1], (long long)a->size[2], a->flags);
    zn_node *h0 = a->flags & RNN_F_H0 ? in[1 + np] : NULL;
    zn_node *c0 = a->flags & RNN_F_C0 ? in[2 + np] : NULL;
    return zn_rnn_layer(g, (zn_cell)a->size[2], in[0], a->size[0], D, in + 1, np, h0, c0,
                        (a->flags & RNN_F_STATEFUL) != 0);
}

/* backward reads x and the weights (h0, c0 and the biases were saved) */
#define RNN_BWD_READS 0x1FFu

const zn_op_def zn_op_rnn_def = {.name = "rnn",
                                 .flags = ZN_OPF_BWD_DECLARED,
                                 .forward = rnn_forward,
                                 .backward = rnn_backward,
                                 .aux_size = rnn_aux,
                                 .scratch_size = rnn_scratch,
                                 .bwd_reads = RNN_BWD_READS,
                                 .rebuild = rebuild_rnn,
                                 .state_size = rnn_state,
                                 .packed_size = rnn_packed_size,
                                 .pack = rnn_pack};

/* ---- rnn_state: the final h or c of an rnn node as [B, D, H] ------------------------------------ */

zn_node *zn_rnn_final_state(zn_graph *g, zn_node *rnn, int which) {
    if (!zn_graph_check_inputs(g, "zn_rnn_final_state", 1, &rnn)) return NULL;
    if (rnn->op != ZN_OP_RNN || (which != 0 && which != 1) || (which == 1 && !is_lstm(rnn)))
        return zn_graph_fail(g, ZN_ERR_INVALID_ARG,
                             "zn_rnn_final_state (node %d): node %d is not an rnn node (or c of a non-LSTM)", g->count,
                             rnn->index);
    zn_node proto = zn_node_blank();
    proto.batched = 1;
    const int64_t dims[2] = {dirs(rnn), hid(rnn)};
    zn_node_set_shape(&proto, 2, dims);
    proto.a.flags = which;
    return zn_graph_add(g, ZN_OP_RNN_STATE, &proto, 1, &rnn);
}

static void rnn_state_forward(const zn_exec *e, const zn_node *n) {
    const zn_node *rn = &e->nodes[n->in[0]];
    rnn_run r;
    run_of(e, rn, &r);
    const float *src = n->a.flags ? r.cn : r.hn;
    float *y = e->val[n->index];
    for (int64_t b = 0; b < r.B; b++)
        for (int d = 0; d < r.D; d++)
            memcpy(y + (b * r.D + d) * r.H, src + (d * r.B + b) * r.H, (size_t)r.H * sizeof(float));
}

/* Deposits dh_n (dc_n) in the rnn node's inbox; marks its gradient ready so
 * its backward runs even when nothing reads y. */
static void rnn_state_backward(const zn_exec *e, const zn_node *n) {
    const zn_node *rn = &e->nodes[n->in[0]];
    if (!zn_exec_input_grad(e, n, 0)) return;
    rnn_run r;
    run_of(e, rn, &r);
    float *dst = n->a.flags ? r.dcn : r.dhn;
    const float *dy = e->grad[n->index];
    for (int64_t b = 0; b < r.B; b++)
        for (int d = 0; d < r.D; d++)
            for (int64_t j = 0; j < r.H; j++) dst[(d * r.B + b) * r.H + j] += dy[(b * r.D + d) * r.H + j];
}

static zn_node *rebuild_rnn_state(zn_graph *g, zn_node *const *in, const zn_node_info *info) {
    return zn_rnn_final_state(g, in[0], info->attrs.flags);
}

const zn_op_def zn_op_rnn_state_def = {.name = "rnn_state",
                                       .flags = ZN_OPF_BWD_DECLARED,
                                       .forward = rnn_state_forward,
                                       .backward = rnn_state_backward,
                                       .bwd_reads = 0u,
                                       .rebuild = rebuild_rnn_state};
