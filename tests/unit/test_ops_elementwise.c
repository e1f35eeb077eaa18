/* Broadcasting add/sub/mul and activations on the pool: one thread and two
 * give the same bits, forward and backward, for flat and broadcast shapes;
 * and a fused SGD step through a broadcast mul by a parameter matches
 * backward plus the update (the other operand's gradient reads the
 * parameter before the step writes it). */
#include "zn_test.h"

enum { B = 16, T = 64, F = 160, N = B * T * F }; /* past two threads x ZN_PAR_MIN_ELEMENTWISE: the ops split */

static void test_threads_bit_identical(void) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    const int64_t xd[2] = {T, F}, row[2] = {1, F}, col[2] = {T, 1}, f = F;
    zn_node *x = zn_input_nd(g, "x", ZN_F32, 2, xd, -1), *x2 = zn_input_nd(g, "x2", ZN_F32, 2, xd, -1);
    zn_node *p = zn_param_nd(g, "p", 2, xd, ZN_INIT_UNIFORM, 0.5f);
    zn_node *h = zn_mul(g, zn_add(g, x, p), x2);                            /* flat, with a parameter */
    h = zn_activation(g, h, ZN_NACT_SILU, 1.0f);                            /* generic derivative */
    h = zn_sub(g, h, zn_param_nd(g, "row", 2, row, ZN_INIT_UNIFORM, 0.5f)); /* over batch and time */
    h = zn_mul(g, zn_param_nd(g, "col", 2, col, ZN_INIT_UNIFORM, 0.5f), h); /* per step */
    h = zn_mul(g, h, zn_param_nd(g, "vec", 1, &f, ZN_INIT_UNIFORM, 0.5f));  /* per feature */
    h = zn_activation(g, zn_add(g, h, h), ZN_NACT_TANH, 0.7f);              /* the same node twice */
    h = zn_activation_fann(g, h, ZN_NACT_FANN_SIGMOID_SYMMETRIC, 0.5f);
    zn_node *loss = zn_mse(g, h, zn_input_nd(g, "t", ZN_F32, 2, xd, -1));
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &h, 1, loss, 8, &m));
    zn_graph_free(g);
    if (!m) return;
    float *in_v[3];
    zn_rng r;
    zn_rng_seed(&r, 12);
    for (int k = 0; k < 3; k++) {
        in_v[k] = malloc(N * sizeof(float));
        zn_rng_fill_uniform(&r, in_v[k], N, -1.5f, 1.5f);
    }
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    float *grads[2], *outs[2], loss_v[2];
    int64_t ng = 0;
    for (int k = 0; k < 2; k++) {
        zn_ws_opts o = zn_ws_opts_default();
        o.max_batch = B;
        o.mode = ZN_WS_TRAIN;
        o.pool = pool;
        o.max_threads = k + 1;
        zn_ws *ws = NULL;
        ZT_OK(zn_ws_create(m, &o, &ws));
        const void *in[3] = {in_v[0], in_v[1], in_v[2]};
        zn_feed feed = {B, 0, in};
        ZT_OK(zn_model_run_backward(m, ws, &feed, &loss_v[k]));
        const float *gr = zn_ws_grads(ws, &ng);
        grads[k] = malloc((size_t)ng * sizeof(float));
        memcpy(grads[k], gr, (size_t)ng * sizeof(float));
        outs[k] = malloc(N * sizeof(float));
        memcpy(outs[k], zn_ws_node_value(ws, zn_model_output_node(m, 0)), N * sizeof(float));
        zn_ws_free(ws);
    }
    ZT_CHECK(!memcmp(&loss_v[0], &loss_v[1], sizeof(float)));
    ZT_CHECK(!memcmp(outs[0], outs[1], N * sizeof(float)));
    ZT_CHECK(!memcmp(grads[0], grads[1], (size_t)ng * sizeof(float)));
    for (int k = 0; k < 2; k++) free(grads[k]), free(outs[k]);
    for (int k = 0; k < 3; k++) free(in_v[k]);
    zn_pool_free(pool);
    zn_model_free(m);
}

/* y = s * (x W), s a parameter [3] broadcast over the batch. */
static zn_model *scaled_model(void) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    const int64_t three = 3;
    zn_node *x = zn_input(g, "x", 4);
    zn_node *w = zn_param(g, "w", 4, 3, ZN_INIT_UNIFORM, 0.8f);
    zn_node *s = zn_param_nd(g, "s", 1, &three, ZN_INIT_UNIFORM, 0.8f);
    zn_node *y = zn_mul(g, s, zn_matmul(g, x, w, NULL));
    zn_node *loss = zn_mse(g, y, zn_input(g, "t", 3));
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, loss, 5, &m));
    zn_graph_free(g);
    return m;
}

static void test_fused_sgd_broadcast_mul(void) {
    zn_model *a = scaled_model(), *b = scaled_model();
    if (!a || !b) return;
    const float x[2 * 4] = {0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 1.5f, 0.1f, -0.3f}, t[2 * 3] = {1, -1, 0.5f, 0, 2, -2};
    const float *in[2] = {x, t};
    const float lr = 0.5f;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 2;
    o.mode = ZN_WS_TRAIN;
    o.max_threads = 1;
    zn_ws *wa = NULL, *wb = NULL;
    ZT_OK(zn_ws_create(a, &o, &wa));
    ZT_OK(zn_ws_create(b, &o, &wb));
    float la = 0, lb = 0;
    ZT_OK(zn_model_backward(a, wa, 2, in, &la));
    int64_t np = 0, ng = 0;
    float *pa = zn_model_params(a, &np);
    const float *g = zn_ws_grads(wa, &ng);
    for (int64_t i = 0; i < np; i++) pa[i] -= lr * g[i];
    ZT_OK(zn_model_train_sgd(b, wb, 2, in, lr, &lb));
    const float *pb = zn_model_params_const(b, &np);
    int bad = 0;
    for (int64_t i = 0; i < np; i++) bad += fabsf(pa[i] - pb[i]) > 1e-6f * (1.0f + fabsf(pa[i]));
    ZT_CHECK_MSG(bad == 0, "%d parameters differ between the fused step and backward + update", bad);
    zn_ws_free(wa);
    zn_ws_free(wb);
    zn_model_free(a);
    zn_model_free(b);
}

int main(void) {
    ZT_RUN(test_threads_bit_identical);
    ZT_RUN(test_fused_sgd_broadcast_mul);
    return zt_finish();
}
