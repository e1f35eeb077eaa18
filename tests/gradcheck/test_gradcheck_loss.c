/* Gradients of the losses and of dropout against double references. A
 * loss is the root of backward, so its runner here differs from
 * gc_run's: the prediction is x + p (a batch input plus a parameter of the
 * sample's shape, as in gradcheck_ref.h), the target a fixed input, and the
 * reference is the loss itself in double, differentiated by central
 * differences in p. Dropout goes through gc_run: rate 0 (the identity) and
 * rate 0.3, whose mask the reference draws from the workspace's seed as the
 * op does. */
#include "gradcheck_ref.h"

enum { BATCH = 3, ROWS = 2, COLS = 5, SIZE = ROWS * COLS, COUNT = BATCH * SIZE };

enum { L_MSE, L_SSE, L_MAE, L_HUBER, L_BCE, L_XENT, L_TANH, L_TANH_SYM };

typedef struct loss_case {
    const char *label;
    int kind;
    float lo, hi;   /* the prediction's x and p are drawn from [lo, hi] / 2 each */
    float tlo, thi; /* the target's range */
    double delta;   /* huber */
} loss_case;

static zn_node *build_loss(zn_graph *g, int kind, zn_node *y, zn_node *t, float delta) {
    switch (kind) {
    case L_MSE: return zn_mse(g, y, t);
    case L_SSE: return zn_sse(g, y, t);
    case L_MAE: return zn_mae(g, y, t);
    case L_HUBER: return zn_huber(g, y, t, delta);
    case L_BCE: return zn_bce_logits(g, y, t);
    case L_XENT: return zn_softmax_xent(g, y, t);
    case L_TANH: return zn_tanh_error(g, y, t);
    default: return zn_tanh_error_symmetric(g, y, t);
    }
}

static double tanh_f(double d) { return (1 + d) * log1p(d) + (1 - d) * log1p(-d); }

/* The loss in double over the whole batch (rows of COLS values). */
static double ref_loss_of(const loss_case *c, const double *y, const float *t) {
    const int64_t rows = BATCH * ROWS;
    double s = 0;
    if (c->kind == L_XENT) {
        for (int64_t r = 0; r < rows; r++) {
            double mx = -1e300, sum = 0, tsum = 0, tz = 0;
            for (int j = 0; j < COLS; j++) mx = y[r * COLS + j] > mx ? y[r * COLS + j] : mx;
            for (int j = 0; j < COLS; j++) {
                sum += exp(y[r * COLS + j] - mx);
                tsum += t[r * COLS + j];
                tz += t[r * COLS + j] * y[r * COLS + j];
            }
            s += tsum * (mx + log(sum)) - tz;
        }
        return s / (double)rows;
    }
    for (int64_t i = 0; i < COUNT; i++) {
        const double d = y[i] - t[i], a = fabs(d);
        switch (c->kind) {
        case L_MSE:
        case L_SSE: s += d * d; break;
        case L_MAE: s += a; break;
        case L_HUBER: s += a <= c->delta ? 0.5 * d * d : c->delta * (a - 0.5 * c->delta); break;
        case L_BCE: s += log1p(exp(y[i])) - y[i] * t[i]; break;
        case L_TANH: s += tanh_f(-d); break;
        default: s += 2 * tanh_f(-d / 2); break;
        }
    }
    if (c->kind == L_SSE) return 0.5 * s / (double)rows;
    if (c->kind == L_TANH || c->kind == L_TANH_SYM) return s / (double)rows;
    return s / (double)COUNT;
}

static void check_loss(const loss_case *c) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    const int64_t dims[2] = {ROWS, COLS};
    zn_node *p = zn_param_nd(g, "p", 2, dims, ZN_INIT_UNIFORM, (c->hi - c->lo) / 4);
    zn_node *y = zn_add(g, zn_input_nd(g, "x", ZN_F32, 2, dims, -1), p);
    zn_node *loss = build_loss(g, c->kind, y, zn_input_nd(g, "t", ZN_F32, 2, dims, -1), (float)c->delta);
    zn_model *m = NULL;
    zn_status s = zn_model_compile(g, &y, 1, loss, 21, &m);
    zn_graph_free(g);
    ZT_CHECK_MSG(s == ZN_OK, "%s: compile: %s", c->label, zn_last_error());
    if (s != ZN_OK) return;
    float x[COUNT], t[COUNT];
    zn_rng r;
    zn_rng_seed(&r, 77);
    const float mid = (c->lo + c->hi) / 2, half = (c->hi - c->lo) / 4;
    zn_rng_fill_uniform(&r, x, COUNT, mid - half, mid + half);
    zn_rng_fill_uniform(&r, t, COUNT, c->tlo, c->thi);
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = BATCH;
    o.mode = ZN_WS_TRAIN;
    ZT_OK(zn_ws_create(m, &o, &ws));
    const void *in[2] = {x, t};
    zn_feed feed = {BATCH, 0, in};
    float loss_f = 0;
    ZT_OK(zn_model_run_backward(m, ws, &feed, &loss_f));
    int64_t np = 0, ng = 0;
    const float *pv = zn_model_params_const(m, &np), *grad = zn_ws_grads(ws, &ng);
    double yd[COUNT];
    for (int64_t i = 0; i < COUNT; i++) yd[i] = (double)x[i] + pv[i % SIZE];
    const double l0 = ref_loss_of(c, yd, t);
    ZT_CHECK_MSG(fabs(l0 - loss_f) <= 1e-5 * (fabs(l0) + 1e-3), "%s: loss %.8g, reference %.8g", c->label, loss_f, l0);
    int bad = 0, nonzero = 0;
    const double h = 1e-6;
    for (int i = 0; i < SIZE; i++) {
        for (int b = 0; b < BATCH; b++) yd[b * SIZE + i] += h;
        const double lp = ref_loss_of(c, yd, t);
        for (int b = 0; b < BATCH; b++) yd[b * SIZE + i] -= 2 * h;
        const double lm = ref_loss_of(c, yd, t);
        for (int b = 0; b < BATCH; b++) yd[b * SIZE + i] += h;
        const double num = (lp - lm) / (2 * h);
        nonzero += fabs(num) > 1e-7;
        if (fabs(grad[i] - num) > 1e-6 + 1e-4 * fabs(num)) {
            if (bad < 5) fprintf(stderr, "  %s: [%d]: engine %.8g, reference %.8g\n", c->label, i, grad[i], num);
            bad++;
        }
    }
    ZT_CHECK_MSG(bad == 0, "%s: %d of %d gradients differ from the double reference", c->label, bad, SIZE);
    ZT_CHECK_MSG(nonzero > 0, "%s: every reference gradient is zero", c->label);
    zn_ws_free(ws);
    zn_model_free(m);
}

static void test_losses(void) {
    static const loss_case cases[] = {
        {"mse", L_MSE, -2, 2, -1, 1, 0},
        {"sse (FANN)", L_SSE, -2, 2, -1, 1, 0},
        {"mae", L_MAE, -2, 2, -1, 1, 0},
        {"huber delta 0.5 (both pieces)", L_HUBER, -2, 2, -1, 1, 0.5},
        {"bce on logits", L_BCE, -4, 4, 0, 1, 0},
        {"softmax xent, soft targets", L_XENT, -3, 3, 0, 1, 0},
        {"tanh error", L_TANH, -0.6f, 0.6f, -0.35f, 0.35f, 0},
        {"tanh error symmetric", L_TANH_SYM, -1.2f, 1.2f, -0.7f, 0.7f, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_loss(&cases[i]);
}

/* ---- dropout on [2, 5]: the mask the workspace (seed 1, zn_ws_opts_default) draws ---- */
typedef struct drop_ctx {
    float rate;
    double mask[BATCH * SIZE];
} drop_ctx;

static zn_node *b_dropout(zn_graph *g, zn_node **o, const void *ctx) {
    return zn_dropout(g, o[0], ((const drop_ctx *)ctx)->rate);
}

static void r_dropout(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const drop_ctx *c = ctx;
    for (int64_t i = 0; i < batch * SIZE; i++) y[i] = o[0][i] * c->mask[i];
}

static void check_dropout(const char *label, float rate) {
    static drop_ctx c;
    c.rate = rate;
    zn_rng r;
    zn_rng_seed(&r, zn_ws_opts_default().seed);
    const float keep = 1.0f / (1.0f - rate);
    int dropped = 0;
    for (int i = 0; i < BATCH * SIZE; i++) {
        c.mask[i] = rate == 0.0f ? 1.0 : (zn_rng_uniformf(&r) < rate ? 0.0 : (double)keep);
        dropped += c.mask[i] == 0.0;
    }
    ZT_CHECK_MSG(rate == 0.0f || (dropped > 0 && dropped < BATCH * SIZE), "%s: the mask drops %d", label, dropped);
    gc_case k = {label, 1, {{.nd = 2, .dims = {ROWS, COLS}, .batched = 1}}, BATCH, b_dropout, r_dropout, &c, 0};
    gc_run(&k);
}

static void test_dropout(void) {
    check_dropout("dropout rate 0", 0.0f);
    check_dropout("dropout rate 0.3", 0.3f);
}

int main(void) {
    ZT_RUN(test_losses);
    ZT_RUN(test_dropout);
    return zt_finish();
}
