/* The graph engine's N-D values: shape errors that name the node and both
 * shapes, a run-time sequence length, slices past it, reshape as a view,
 * state that is absent until an op keeps some, element-wise ops split over
 * the pool with the same bits. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "zn_test.h"

/* x [T, 3] -> dense 4 -> tanh -> mean over time -> [4]. */
static zn_model *seq_model(int64_t max_len, zn_node **mean_out) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input_seq(g, "x", max_len, 3);
    zn_node *h = zn_activation(g, zn_dense(g, x, 4, "fc"), ZN_NACT_TANH, 1.0f);
    zn_node *mean = zn_reduce_mean(g, h, 0);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &mean, 1, NULL, 3, &m));
    if (mean_out) *mean_out = mean;
    zn_graph_free(g);
    return m;
}

static void test_shape_errors_name_node_and_shapes(void) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input_seq(g, "x", 8, 3);
    zn_node *w = zn_param(g, "w", 5, 2, ZN_INIT_XAVIER, 1.0f);
    zn_clear_error();
    ZT_CHECK(zn_matmul(g, x, w, NULL) == NULL);
    const char *msg = zn_last_error();
    ZT_CHECK_MSG(strstr(msg, "node 2") && strstr(msg, "[B, 8 (seq), 3]") && strstr(msg, "[5, 2]"), "message: %s", msg);
    ZT_CHECK(zn_graph_status(g) == ZN_ERR_SHAPE);
    zn_graph_free(g);

    zn_graph_create(&g);
    zn_node *a = zn_input_nd(g, "a", ZN_F32, 2, (const int64_t[]){3, 4}, -1);
    zn_node *b = zn_input_nd(g, "b", ZN_F32, 2, (const int64_t[]){2, 4}, -1);
    zn_clear_error();
    ZT_CHECK(zn_add(g, a, b) == NULL);
    ZT_CHECK_MSG(strstr(zn_last_error(), "[B, 3, 4]") && strstr(zn_last_error(), "[B, 2, 4]"), "%s", zn_last_error());
    zn_graph_free(g);

    zn_graph_create(&g);
    ZT_CHECK(zn_input_nd(g, "z", ZN_F32, 2, (const int64_t[]){0, 4}, -1) == NULL);
    ZT_CHECK(zn_graph_status(g) == ZN_ERR_INVALID_ARG);
    zn_graph_free(g);
    zn_graph_create(&g);
    ZT_CHECK(zn_input_nd(g, "f", ZN_F64, 1, (const int64_t[]){4}, -1) == NULL);
    zn_graph_free(g);
}

/* A pass at sequence length 5 on a model built for 8 gives what a model
 * built for 5 with the same weights gives. */
static void test_run_time_sequence_length(void) {
    zn_model *m8 = seq_model(8, NULL), *m5 = seq_model(5, NULL);
    int64_t n8 = 0, n5 = 0;
    float *p8 = zn_model_params(m8, &n8), *p5 = zn_model_params(m5, &n5);
    ZT_CHECK(n8 == n5);
    memcpy(p5, p8, (size_t)n8 * sizeof(float));
    zn_ws *w8 = NULL, *w5 = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 2;
    ZT_OK(zn_ws_create(m8, &o, &w8));
    ZT_OK(zn_ws_create(m5, &o, &w5));
    float x[2 * 5 * 3];
    for (int i = 0; i < 30; i++) x[i] = 0.1f * (float)(i % 7) - 0.3f;
    const void *in[1] = {x};
    float y8[8], y5[8];
    zn_feed f8 = {2, 5, in}, f5 = {2, 0, in};
    ZT_OK(zn_model_run(m8, w8, &f8, (float *const[]){y8}));
    ZT_OK(zn_model_run(m5, w5, &f5, (float *const[]){y5}));
    ZT_CHECK(memcmp(y8, y5, sizeof y8) == 0);
    ZT_CHECK(zn_ws_node_seq_len(w8, 0) == 5);
    zn_feed too_long = {2, 9, in};
    ZT_ERR(zn_model_run(m8, w8, &too_long, (float *const[]){y8}), ZN_ERR_SHAPE);
    ZT_CHECK(strstr(zn_last_error(), "'x'") != NULL);
    zn_feed negative = {2, -1, in};
    ZT_ERR(zn_model_run(m8, w8, &negative, (float *const[]){y8}), ZN_ERR_INVALID_ARG);
    /* a workspace for sequences up to 5: smaller, and the same outputs */
    zn_ws *small = NULL;
    o.max_seq = 5;
    ZT_OK(zn_ws_create(m8, &o, &small));
    ZT_CHECK_MSG(zn_ws_bytes(small) < zn_ws_bytes(w8), "%zu vs %zu", zn_ws_bytes(small), zn_ws_bytes(w8));
    float ys[8];
    zn_feed at_max = {2, 0, in}, six = {2, 6, in};
    ZT_OK(zn_model_run(m8, small, &at_max, (float *const[]){ys}));
    ZT_CHECK(memcmp(ys, y8, sizeof ys) == 0);
    ZT_ERR(zn_model_run(m8, small, &six, (float *const[]){ys}), ZN_ERR_SHAPE);
    ZT_CHECK(strstr(zn_last_error(), "max_seq of 5") != NULL);
    o.max_seq = 9;
    zn_ws *too_long_ws = NULL;
    ZT_ERR(zn_ws_create(m8, &o, &too_long_ws), ZN_ERR_SHAPE);
    zn_ws_free(small);
    zn_ws_free(w8);
    zn_ws_free(w5);
    zn_model_free(m8);
    zn_model_free(m5);
}

/* A fixed slice of a sequence fails a pass whose sequence is too short,
 * and the workspace runs on afterwards. */
static void test_slice_past_the_sequence(void) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input_seq(g, "x", 8, 2);
    zn_node *first6 = zn_slice_axis(g, x, 0, 0, 6);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &first6, 1, NULL, 1, &m));
    zn_ws *ws = NULL;
    ZT_OK(zn_ws_create(m, NULL, &ws));
    float xs[16], y[12];
    for (int i = 0; i < 16; i++) xs[i] = (float)i;
    const void *in[1] = {xs};
    zn_feed short4 = {1, 4, in}, full = {1, 0, in};
    ZT_ERR(zn_model_run(m, ws, &short4, (float *const[]){y}), ZN_ERR_SHAPE);
    ZT_CHECK(strstr(zn_last_error(), "4 steps") != NULL);
    ZT_OK(zn_model_run(m, ws, &full, (float *const[]){y}));
    ZT_CHECK(y[0] == 0.0f && y[11] == 11.0f);
    zn_ws_free(ws);
    zn_model_free(m);
    zn_graph_free(g);
}

/* reshape shares its input's buffer; state is absent without a stateful op. */
static void test_reshape_view_and_no_state(void) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input_nd(g, "x", ZN_F32, 2, (const int64_t[]){2, 6}, -1);
    zn_node *h = zn_dense(g, x, 6, "fc");
    zn_node *r = zn_reshape(g, h, 2, (const int64_t[]){3, 4});
    zn_node *t = zn_input_nd(g, "t", ZN_F32, 2, (const int64_t[]){3, 4}, -1);
    zn_node *loss = zn_mse(g, r, t);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &r, 1, loss, 1, &m));
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_TRAIN;
    zn_ws *ws = NULL;
    ZT_OK(zn_ws_create(m, &o, &ws));
    float xs[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, ts[12] = {0}, loss_v = 0;
    const void *in[2] = {xs, ts};
    zn_feed f = {1, 0, in};
    ZT_OK(zn_model_run_backward(m, ws, &f, &loss_v));
    ZT_CHECK(zn_ws_node_value(ws, zn_node_index(r)) == zn_ws_node_value(ws, zn_node_index(h)));
    ZT_CHECK(zn_ws_state_count(ws) == 0);
    ZT_ERR(zn_ws_state_read(ws, 0, NULL, NULL), ZN_ERR_INVALID_ARG);
    zn_ws_free(ws);
    zn_model_free(m);
    zn_graph_free(g);
}

/* A large element-wise op split over two threads: the same bits as one. */
static void test_elementwise_split_same_bits(void) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input_nd(g, "x", ZN_F32, 2, (const int64_t[]){512, 300}, -1);
    zn_node *y = zn_activation(g, x, ZN_NACT_GELU, 1.0f);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, NULL, 1, &m));
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    zn_ws_opts o = zn_ws_opts_default();
    o.pool = pool;
    o.max_threads = 2;
    zn_ws *two = NULL, *one = NULL;
    ZT_OK(zn_ws_create(m, &o, &two));
    o.max_threads = 1;
    ZT_OK(zn_ws_create(m, &o, &one));
    const size_t n = 512 * 300;
    float *xs = zn_alloc(n * sizeof(float)), *a = zn_alloc(n * sizeof(float)), *b = zn_alloc(n * sizeof(float));
    zn_rng r;
    zn_rng_seed(&r, 2);
    zn_rng_fill_uniform(&r, xs, n, -4.0f, 4.0f);
    const void *in[1] = {xs};
    zn_feed f = {1, 0, in};
    ZT_OK(zn_model_run(m, two, &f, &a));
    ZT_OK(zn_model_run(m, one, &f, &b));
    ZT_CHECK(memcmp(a, b, n * sizeof(float)) == 0);
    zn_free(xs);
    zn_free(a);
    zn_free(b);
    zn_ws_free(two);
    zn_ws_free(one);
    zn_pool_free(pool);
    zn_model_free(m);
    zn_graph_free(g);
}

/* Training keeps a value only while a later forward or a backward reads
 * it: a chain of eight scalings (whose backward reads nothing) needs a few
 * buffers, not one per node, and still trains exactly. */
static void test_training_values_live_only_while_read(void) {
    enum { WIDTH = 1000, BATCH = 16, CHAIN = 8 };
    zn_graph *g = NULL;
    zn_graph_create(&g);
    zn_node *x = zn_input(g, "x", WIDTH), *t = zn_input(g, "t", WIDTH);
    zn_node *h = zn_mul(g, x, zn_param_nd(g, "gain", 1, (const int64_t[]){WIDTH}, ZN_INIT_CONSTANT, 1.0f));
    for (int i = 0; i < CHAIN; i++) h = zn_scale(g, h, 0.9f);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, NULL, 0, zn_mse(g, h, t), 1, &m));
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_TRAIN;
    o.max_batch = BATCH;
    zn_ws *ws = NULL;
    ZT_OK(zn_ws_create(m, &o, &ws));
    const size_t one_value = (size_t)WIDTH * BATCH * sizeof(float);
    ZT_CHECK_MSG(zn_ws_bytes(ws) < 5 * one_value, "%zu bytes for %d values of %zu", zn_ws_bytes(ws), CHAIN + 2,
                 one_value);
    zn_ws_memory mem;
    ZT_OK(zn_ws_memory_report(ws, &mem));
    ZT_CHECK(mem.values >= (CHAIN + 1) * one_value && mem.block < mem.values && mem.total == zn_ws_bytes(ws));
    ZT_CHECK(mem.param_grads >= WIDTH * sizeof(float) && mem.state == 0 && mem.aux == 0);
    float *xs = zn_alloc(one_value), *ts = zn_calloc(1, one_value), loss = 0;
    for (int i = 0; i < WIDTH * BATCH; i++) xs[i] = 1.0f;
    const void *in[2] = {xs, ts};
    zn_feed f = {BATCH, 0, in};
    ZT_OK(zn_model_run_backward(m, ws, &f, &loss));
    /* d/dgain of mean((0.9^8 gain x)^2) at gain 1, x 1: 2 * 0.9^16 / WIDTH per element */
    int64_t n = 0;
    const float *grad = zn_ws_grads(ws, &n);
    const double want = 2.0 * pow(0.9, 16) / WIDTH;
    ZT_CHECK_MSG(fabs(grad[0] - want) < 1e-6 * want && fabs(grad[WIDTH - 1] - want) < 1e-6 * want, "grad %g, want %g",
                 grad[0], want);
    zn_free(xs);
    zn_free(ts);
    zn_ws_free(ws);
    zn_model_free(m);
    zn_graph_free(g);
}

/* An input that asks for its gradient gets what a zero parameter added to
 * it would get, bit for bit; other inputs get none; a pass that reaches no
 * input gradient still leaves it defined. */
static void test_input_gradient(void) {
    zn_graph *g = NULL, *h = NULL;
    zn_graph_create(&g);
    zn_graph_create(&h);
    zn_node *x = zn_input_nd(g, "x", ZN_F32, 2, (const int64_t[]){5, 3}, -1),
            *t = zn_input_nd(g, "t", ZN_F32, 2, (const int64_t[]){5, 2}, -1);
    ZT_OK(zn_input_requires_grad(g, x));
    zn_node *loss = zn_mse(g, zn_activation(g, zn_dense(g, x, 2, "fc"), ZN_NACT_TANH, 1.0f), t);
    zn_node *x2 = zn_input_nd(h, "x", ZN_F32, 2, (const int64_t[]){5, 3}, -1),
            *t2 = zn_input_nd(h, "t", ZN_F32, 2, (const int64_t[]){5, 2}, -1);
    zn_node *p = zn_param_nd(h, "p", 2, (const int64_t[]){5, 3}, ZN_INIT_ZERO, 0);
    zn_node *loss2 = zn_mse(h, zn_activation(h, zn_dense(h, zn_add(h, x2, p), 2, "fc"), ZN_NACT_TANH, 1.0f), t2);
    ZT_ERR(zn_input_requires_grad(h, p), ZN_ERR_INVALID_ARG);
    zn_model *m = NULL, *m2 = NULL;
    ZT_OK(zn_model_compile(g, NULL, 0, loss, 4, &m));
    zn_graph_free(h);
    zn_graph_create(&h); /* the failed call above marks that graph: build it again */
    x2 = zn_input_nd(h, "x", ZN_F32, 2, (const int64_t[]){5, 3}, -1);
    t2 = zn_input_nd(h, "t", ZN_F32, 2, (const int64_t[]){5, 2}, -1);
    p = zn_param_nd(h, "p", 2, (const int64_t[]){5, 3}, ZN_INIT_ZERO, 0);
    loss2 = zn_mse(h, zn_activation(h, zn_dense(h, zn_add(h, x2, p), 2, "fc"), ZN_NACT_TANH, 1.0f), t2);
    ZT_OK(zn_model_compile(h, NULL, 0, loss2, 4, &m2));
    /* the same dense weights in both */
    int64_t off1 = 0, off2 = 0, r, c;
    const char *name;
    zn_model_param_info(m, 0, &name, &r, &c, &off1);
    zn_model_param_info(m2, 1, &name, &r, &c, &off2);
    memcpy(zn_model_params(m2, NULL) + off2, zn_model_params(m, NULL) + off1, 6 * sizeof(float));
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_TRAIN;
    zn_ws *ws = NULL, *ws2 = NULL;
    ZT_OK(zn_ws_create(m, &o, &ws));
    ZT_OK(zn_ws_create(m2, &o, &ws2));
    float xs[15], ts[10], l1, l2;
    for (int i = 0; i < 15; i++) xs[i] = 0.1f * (float)i - 0.7f;
    for (int i = 0; i < 10; i++) ts[i] = 0.05f * (float)i;
    const void *in[2] = {xs, ts};
    zn_feed f = {1, 0, in};
    ZT_OK(zn_model_run_backward(m, ws, &f, &l1));
    ZT_OK(zn_model_run_backward(m2, ws2, &f, &l2));
    const float *dx = zn_ws_input_grad(ws, 0);
    int64_t n = 0;
    const float *dp = zn_ws_grads(ws2, &n);
    ZT_CHECK(dx && memcmp(dx, dp, 15 * sizeof(float)) == 0 && l1 == l2);
    ZT_CHECK(zn_ws_input_grad(ws, 1) == NULL && zn_ws_input_grad(ws2, 0) == NULL);
    /* saved and loaded, the input still asks for its gradient */
    char path[] = "/tmp/zn_input_grad_XXXXXX";
    close(mkstemp(path));
    ZT_OK(zn_model_save(m, path));
    zn_model *back = NULL;
    ZT_OK(zn_model_load(path, &back));
    zn_node_info info;
    ZT_CHECK(back && zn_model_node_info(back, 0, &info) == ZN_OK && info.wants_grad == 1);
    unlink(path);
    zn_model_free(back);
    zn_ws_free(ws);
    zn_ws_free(ws2);
    zn_model_free(m);
    zn_model_free(m2);
    zn_graph_free(g);
    zn_graph_free(h);
}

int main(void) {
    ZT_RUN(test_shape_errors_name_node_and_shapes);
    ZT_RUN(test_run_time_sequence_length);
    ZT_RUN(test_slice_past_the_sequence);
    ZT_RUN(test_reshape_view_and_no_state);
    ZT_RUN(test_elementwise_split_same_bits);
    ZT_RUN(test_training_values_live_only_while_read);
    ZT_RUN(test_input_gradient);
    return zt_finish();
}
