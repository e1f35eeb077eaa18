/* Gradients of the normalisation and embedding ops against double
 * references (gradcheck_ref.h): layer norm and RMS norm with and without
 * their affine parameters on 2-D and 3-D values, batch norm in training
 * mode (through the batch statistics, over batch and time), and the
 * embedding's scatter-add with repeated ids at a run-time sequence length. */
#include "gradcheck_ref.h"

#define OP(nd_, batched_, ...)                                                                                         \
    { .nd = nd_, .dims = {__VA_ARGS__}, .batched = batched_ }

typedef struct norm_ctx {
    int kind;        /* 0 layer norm, 1 RMS norm, 2 batch norm */
    int gamma, beta; /* operands 1 and 2 (beta after gamma) */
    int64_t rows, f; /* per sample: rows x f */
    double eps;
} norm_ctx;

static zn_node *b_norm(zn_graph *g, zn_node **o, const void *ctx) {
    const norm_ctx *c = ctx;
    zn_node *gamma = c->gamma ? o[1] : NULL, *beta = c->beta ? o[1 + c->gamma] : NULL;
    if (c->kind == 0) return zn_layer_norm_op(g, o[0], gamma, beta, (float)c->eps);
    if (c->kind == 1) return zn_rms_norm_op(g, o[0], gamma, (float)c->eps);
    const int64_t cdim = c->f;
    zn_node *rm = zn_const_nd(g, "bn.running_mean", 1, &cdim, ZN_INIT_ZERO, 0.0f);
    zn_node *rv = zn_const_nd(g, "bn.running_var", 1, &cdim, ZN_INIT_CONSTANT, 1.0f);
    return zn_batch_norm_op(g, o[0], gamma, beta, rm, rv, (float)c->eps, 0.1f);
}

static void r_norm(int64_t batch, const double *const *o, double *y, const void *ctx) {
    const norm_ctx *c = ctx;
    const double *gamma = c->gamma ? o[1] : NULL, *beta = c->beta ? o[1 + c->gamma] : NULL;
    const int64_t n = batch * c->rows, f = c->f;
    if (c->kind == 2) { /* per channel over every row of the batch */
        for (int64_t j = 0; j < f; j++) {
            double mu = 0, var = 0;
            for (int64_t r = 0; r < n; r++) mu += o[0][r * f + j];
            mu /= (double)n;
            for (int64_t r = 0; r < n; r++) var += (o[0][r * f + j] - mu) * (o[0][r * f + j] - mu);
            const double rstd = 1.0 / sqrt(var / (double)n + c->eps);
            for (int64_t r = 0; r < n; r++)
                y[r * f + j] = (o[0][r * f + j] - mu) * rstd * (gamma ? gamma[j] : 1.0) + (beta ? beta[j] : 0.0);
        }
        return;
    }
    for (int64_t r = 0; r < n; r++) {
        const double *x = o[0] + r * f;
        double mu = 0, var = 0;
        if (c->kind == 0)
            for (int64_t j = 0; j < f; j++) mu += x[j] / (double)f;
        for (int64_t j = 0; j < f; j++) var += (x[j] - mu) * (x[j] - mu) / (double)f;
        const double rstd = 1.0 / sqrt(var + c->eps);
        for (int64_t j = 0; j < f; j++)
            y[r * f + j] = (x[j] - mu) * rstd * (gamma ? gamma[j] : 1.0) + (beta ? beta[j] : 0.0);
    }
}

static void check_norm(const char *label, int kind, int gamma, int beta, int nd, int64_t rows, int64_t f, double eps) {
    norm_ctx c = {kind, gamma, beta, rows, f, eps};
    gc_case k = {label, 1 + gamma + beta, {{0}}, 3, b_norm, r_norm, &c, 0};
    if (nd == 1)
        k.operands[0] = (gc_operand)OP(1, 1, f);
    else
        k.operands[0] = (gc_operand)OP(2, 1, rows, f);
    for (int i = 1; i < k.n_operands; i++) k.operands[i] = (gc_operand)OP(1, 0, f);
    gc_run(&k);
}

static void test_layer_norm(void) {
    check_norm("layer_norm affine [4, 5]", 0, 1, 1, 2, 4, 5, 1e-5);
    check_norm("layer_norm plain [4, 5]", 0, 0, 0, 2, 4, 5, 1e-5);
    check_norm("layer_norm gamma only [7]", 0, 1, 0, 1, 1, 7, 1e-5);
    check_norm("layer_norm beta only, eps 0.1", 0, 0, 1, 2, 2, 6, 0.1);
}

static void test_rms_norm(void) {
    check_norm("rms_norm gamma [4, 5]", 1, 1, 0, 2, 4, 5, 1e-6);
    check_norm("rms_norm plain [3]", 1, 0, 0, 1, 1, 3, 1e-5);
}

static void test_batch_norm_training(void) {
    check_norm("batch_norm train affine [B, 4, 3]", 2, 1, 1, 2, 4, 3, 1e-5);
    check_norm("batch_norm train plain [B, 5, 2]", 2, 0, 0, 2, 5, 2, 1e-5);
    check_norm("batch_norm train affine [B, 6]", 2, 1, 1, 1, 1, 6, 1e-5);
}

/* ---- embedding: ids [B, T] (T up to 5, run at 4) into a table [7, 3], then
 * times a weight [3] so the table's gradient meets the chain rule ---- */
static void test_embedding(void) {
    enum { B = 3, TMAX = 5, T = 4, V = 7, D = 3 };
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *ids = zn_input_ids(g, "ids", TMAX);
    const int64_t tdims[2] = {V, D}, wd = D;
    zn_node *table = zn_param_nd(g, "emb.weight", 2, tdims, ZN_INIT_UNIFORM, 0.8f);
    zn_node *w = zn_param_nd(g, "w", 1, &wd, ZN_INIT_UNIFORM, 0.8f);
    zn_node *y = zn_mul(g, zn_embedding_op(g, ids, table), w);
    const int64_t ydims[2] = {TMAX, D};
    zn_node *target = zn_input_nd(g, "target", ZN_F32, 2, ydims, 0);
    zn_node *loss = zn_mse(g, y, target);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, loss, 3, &m));
    zn_graph_free(g);
    if (!m) return;
    const int32_t id[B * T] = {2, 5, 2, 0, 6, 6, 4, 2, 3, 2, 4, 6}; /* 2 four times, 6 three times, never 1 */
    float t[B * T * D];
    zn_rng r;
    zn_rng_seed(&r, 9);
    zn_rng_fill_uniform(&r, t, B * T * D, -1.0f, 1.0f);
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = B;
    o.mode = ZN_WS_TRAIN;
    ZT_OK(zn_ws_create(m, &o, &ws));
    const void *in[2] = {id, t};
    zn_feed feed = {B, T, in};
    float loss_f = 0;
    ZT_OK(zn_model_run_backward(m, ws, &feed, &loss_f));
    int64_t np = 0, ng = 0, toff = 0, woff = 0;
    const float *p = zn_model_params_const(m, &np), *grads = zn_ws_grads(ws, &ng);
    ZT_OK(zn_model_param_info(m, 0, NULL, NULL, NULL, &toff));
    ZT_OK(zn_model_param_info(m, 1, NULL, NULL, NULL, &woff));
    /* the double reference: loss = mean (table[id] w - t)^2 over B T D; its
     * gradients by central differences of every table and weight value */
    double dt[V * D], dw[D];
    for (int i = 0; i < V * D; i++) dt[i] = p[toff + i];
    for (int i = 0; i < D; i++) dw[i] = p[woff + i];
    double *vals[2] = {dt, dw};
    const int counts[2] = {V * D, D};
    const int64_t offs[2] = {toff, woff};
    int bad = 0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < counts[k]; i++) {
            double l[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                vals[k][i] += sgn ? -2e-6 : 1e-6;
                double s = 0;
                for (int q = 0; q < B * T; q++)
                    for (int j = 0; j < D; j++) {
                        const double d = dt[id[q] * D + j] * dw[j] - t[q * D + j];
                        s += d * d;
                    }
                l[sgn] = s / (B * T * D);
            }
            vals[k][i] += 1e-6;
            const double num = (l[0] - l[1]) / 2e-6, an = grads[offs[k] + i];
            if (fabs(an - num) > 1e-6 + 1e-3 * fabs(num)) {
                fprintf(stderr, "  embedding: operand %d [%d]: engine %.8g, reference %.8g\n", k, i, an, num);
                bad++;
            }
        }
    ZT_CHECK_MSG(bad == 0, "embedding: %d gradients differ from the double reference", bad);
    /* the row no id picks gets nothing; a picked one does */
    for (int j = 0; j < D; j++) ZT_CHECK(grads[toff + 1 * D + j] == 0.0f && grads[toff + 2 * D + j] != 0.0f);
    zn_ws_free(ws);
    zn_model_free(m);
}

int main(void) {
    ZT_RUN(test_layer_norm);
    ZT_RUN(test_rms_norm);
    ZT_RUN(test_batch_norm_training);
    ZT_RUN(test_embedding);
    return zt_finish();
}
