/* The normalisation and id ops in models: batch norm's running statistics
 * (updated as PyTorch does in training passes, read in inference), ids out
 * of range (the position in the error, nothing written, the workspace runs
 * on), run-time sequence lengths, one-hot, builder errors, rebuilding from
 * node descriptions, the layers' names and defaults, and the same bits on
 * one thread and two. */
#include "zn_test.h"

enum { B = 3, T = 4, C = 2 };

static zn_ws *make_ws(const zn_model *m, int64_t max_batch, zn_ws_mode mode, zn_pool *pool, int threads) {
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = max_batch;
    o.mode = mode;
    o.pool = pool;
    o.max_threads = threads;
    ZT_OK(zn_ws_create(m, &o, &ws));
    return ws;
}

/* zn_batch_norm on x [B, T, C] with a loss; its constants and parameters. */
static zn_model *bn_model(void) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *x = zn_input_seq(g, "x", T, C);
    zn_node *y = zn_batch_norm(g, x, "bn", NULL);
    zn_node *loss = zn_mse(g, y, zn_input_seq(g, "t", T, C));
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, loss, 1, &m));
    zn_graph_free(g);
    return m;
}

static void test_batch_norm_running_stats(void) {
    zn_model *m = bn_model();
    if (!m) return;
    const char *name = NULL;
    ZT_CHECK(zn_model_const_tensors(m) == 2 && zn_model_param_tensors(m) == 2);
    ZT_OK(zn_model_const_info(m, 0, &name, NULL, NULL, NULL));
    ZT_CHECK(!strcmp(name, "bn.running_mean"));
    ZT_OK(zn_model_const_info(m, 1, &name, NULL, NULL, NULL));
    ZT_CHECK(!strcmp(name, "bn.running_var"));
    ZT_OK(zn_model_param_info(m, 0, &name, NULL, NULL, NULL));
    ZT_CHECK(!strcmp(name, "bn.weight"));
    int64_t dims[ZN_MAX_DIMS];
    ZT_CHECK(zn_model_const_shape(m, 0, dims) == 1 && dims[0] == C);
    int64_t nc = 0, np = 0, at[4];
    float *consts = zn_model_consts(m, &nc), *params = zn_model_params(m, &np);
    ZT_OK(zn_model_const_info(m, 0, NULL, NULL, NULL, &at[0]));
    ZT_OK(zn_model_const_info(m, 1, NULL, NULL, NULL, &at[1]));
    ZT_OK(zn_model_param_info(m, 0, NULL, NULL, NULL, &at[2]));
    ZT_OK(zn_model_param_info(m, 1, NULL, NULL, NULL, &at[3]));
    float *rmean = consts + at[0], *rvar = consts + at[1], *gamma = params + at[2], *beta = params + at[3];
    ZT_CHECK(rmean[0] == 0.0f && rmean[1] == 0.0f && rvar[0] == 1.0f && rvar[1] == 1.0f); /* PyTorch's start */
    ZT_CHECK(gamma[0] == 1.0f && gamma[1] == 1.0f && beta[0] == 0.0f && beta[1] == 0.0f); /* gamma 1, beta 0 */
    gamma[0] = 1.5f, beta[1] = -0.25f;
    rmean[0] = 0.2f, rvar[1] = 2.0f;
    float x[B * T * C], t[B * T * C] = {0};
    for (int i = 0; i < B * T * C; i++) x[i] = (float)((i * 7) % 11) * 0.3f - 1.0f + (float)(i % C);
    /* the reference: statistics over batch and time per channel */
    double mu[C] = {0}, var[C] = {0};
    const int n = B * T;
    for (int r = 0; r < n; r++)
        for (int c = 0; c < C; c++) mu[c] += x[r * C + c] / (double)n;
    for (int r = 0; r < n; r++)
        for (int c = 0; c < C; c++) var[c] += (x[r * C + c] - mu[c]) * (x[r * C + c] - mu[c]);
    const double rm0[C] = {0.2, 0.0}, rv0[C] = {1.0, 2.0};
    zn_ws *ws = make_ws(m, B, ZN_WS_TRAIN, NULL, 1);
    const void *in[2] = {x, t};
    zn_feed feed = {B, 0, in};
    float loss = 0;
    ZT_OK(zn_model_run_backward(m, ws, &feed, &loss));
    for (int c = 0; c < C; c++) {
        ZT_NEAR(rmean[c], 0.9 * rm0[c] + 0.1 * mu[c], 1e-6);
        ZT_NEAR(rvar[c], 0.9 * rv0[c] + 0.1 * var[c] / (n - 1), 1e-6); /* unbiased */
    }
    /* training outputs used the batch statistics */
    const float *y = zn_ws_node_value(ws, 1 + 4); /* x, 4 stored tensors, then the op */
    ZT_CHECK(y != NULL);
    for (int r = 0; y && r < n; r++)
        for (int c = 0; c < C; c++) {
            const double want = (x[r * C + c] - mu[c]) / sqrt(var[c] / n + 1e-5) * gamma[c] + beta[c];
            ZT_NEAR(y[r * C + c], want, 1e-5);
        }
    /* a validation loss and inference read the running statistics and write nothing */
    float saved[2 * C];
    memcpy(saved, rmean, C * sizeof(float));
    memcpy(saved + C, rvar, C * sizeof(float));
    ZT_OK(zn_model_run_loss(m, ws, &feed, &loss));
    ZT_CHECK(!memcmp(saved, rmean, C * sizeof(float)) && !memcmp(saved + C, rvar, C * sizeof(float)));
    zn_ws *inf = make_ws(m, B, ZN_WS_INFER, NULL, 1);
    float out[B * T * C];
    float *outs[1] = {out};
    const void *in1[2] = {x, NULL};
    zn_feed f1 = {B, 0, in1};
    ZT_OK(zn_model_run(m, inf, &f1, outs));
    ZT_CHECK(!memcmp(saved, rmean, C * sizeof(float)) && !memcmp(saved + C, rvar, C * sizeof(float)));
    for (int r = 0; r < n; r++)
        for (int c = 0; c < C; c++) {
            const double want = (x[r * C + c] - rmean[c]) / sqrt(rvar[c] + 1e-5) * gamma[c] + beta[c];
            ZT_NEAR(out[r * C + c], want, 1e-5);
        }
    /* a training pass with one value per channel fails with a status */
    zn_feed f2 = {1, 1, in};
    ZT_ERR(zn_model_run_backward(m, ws, &f2, &loss), ZN_ERR_SHAPE);
    ZT_CHECK(strstr(zn_last_error(), "batch_norm (node 5)") != NULL);
    zn_ws_free(inf);
    zn_ws_free(ws);
    zn_model_free(m);
}

/* ids [B, T] -> embedding [B, T, 3] of a table [5, 3]. */
static zn_model *embed_model(int with_loss) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *ids = zn_input_ids(g, "ids", T);
    zn_node *y = zn_embedding(g, ids, 5, 3, "emb");
    zn_node *loss = with_loss ? zn_mse(g, y, zn_input_nd(g, "t", ZN_F32, 2, (const int64_t[]){T, 3}, 0)) : NULL;
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, loss, 4, &m));
    zn_graph_free(g);
    return m;
}

static void test_embedding_bad_ids(void) {
    zn_model *m = embed_model(1);
    if (!m) return;
    zn_ws *ws = make_ws(m, B, ZN_WS_INFER, NULL, 1);
    int32_t ids[B * T] = {0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 1, 2};
    float out[B * T * 3];
    float *outs[1] = {out};
    const void *in[2] = {ids, NULL};
    zn_feed feed = {B, 0, in};
    ids[1 * T + 2] = 9;
    for (int i = 0; i < B * T * 3; i++) out[i] = -7.0f;
    ZT_ERR(zn_model_run(m, ws, &feed, outs), ZN_ERR_INVALID_ARG);
    ZT_CHECK_MSG(strstr(zn_last_error(), "ids[1][2] = 9 is outside [0, 5)") != NULL, "%s", zn_last_error());
    int untouched = 1;
    for (int i = 0; i < B * T * 3; i++) untouched &= out[i] == -7.0f;
    ZT_CHECK(untouched);
    ids[1 * T + 2] = -1;
    ZT_ERR(zn_model_run(m, ws, &feed, outs), ZN_ERR_INVALID_ARG);
    ZT_CHECK(strstr(zn_last_error(), "ids[1][2] = -1") != NULL);
    /* past the run-time length an id is not read */
    ids[1 * T + 2] = 2;
    int32_t short_ids[B * 2] = {0, 1, 2, 3, 4, 4};
    const void *in2[2] = {short_ids, NULL};
    zn_feed f2 = {B, 2, in2};
    ZT_OK(zn_model_run(m, ws, &f2, outs));
    /* the workspace runs on */
    ZT_OK(zn_model_run(m, ws, &feed, outs));
    int64_t np = 0;
    const float *tab = zn_model_params_const(m, &np);
    int same = 1;
    for (int i = 0; i < B * T; i++)
        for (int j = 0; j < 3; j++) same &= out[i * 3 + j] == tab[ids[i] * 3 + j];
    ZT_CHECK(same);
    /* training fails alike */
    zn_ws *tw = make_ws(m, B, ZN_WS_TRAIN, NULL, 1);
    float t[B * T * 3] = {0};
    ids[0] = 5;
    const void *in3[2] = {ids, t};
    zn_feed f3 = {B, 0, in3};
    float loss = 0;
    ZT_ERR(zn_model_run_backward(m, tw, &f3, &loss), ZN_ERR_INVALID_ARG);
    ZT_CHECK(strstr(zn_last_error(), "ids[0][0] = 5") != NULL);
    ids[0] = 0;
    ZT_OK(zn_model_run_backward(m, tw, &f3, &loss));
    zn_ws_free(tw);
    zn_ws_free(ws);
    zn_model_free(m);
}

static void test_embedding_seq_len(void) {
    zn_model *m = embed_model(1);
    if (!m) return;
    ZT_CHECK(zn_model_param_tensors(m) == 1);
    const char *name = NULL;
    ZT_OK(zn_model_param_info(m, 0, &name, NULL, NULL, NULL));
    ZT_CHECK(!strcmp(name, "emb.weight"));
    zn_ws *ws = make_ws(m, B, ZN_WS_TRAIN, NULL, 1);
    const int32_t ids[B * 2] = {4, 1, 1, 0, 4, 4};
    float t[B * 2 * 3];
    for (int i = 0; i < B * 2 * 3; i++) t[i] = 0.1f * (float)i;
    const void *in[2] = {ids, t};
    zn_feed feed = {B, 2, in};
    float loss = 0;
    ZT_OK(zn_model_run_backward(m, ws, &feed, &loss));
    int64_t np = 0, ng = 0;
    const float *tab = zn_model_params_const(m, &np), *grad = zn_ws_grads(ws, &ng);
    double want[5 * 3] = {0}, l = 0;
    for (int i = 0; i < B * 2; i++)
        for (int j = 0; j < 3; j++) {
            const double d = (double)tab[ids[i] * 3 + j] - t[i * 3 + j];
            l += d * d / (B * 2 * 3);
            want[ids[i] * 3 + j] += 2 * d / (B * 2 * 3);
        }
    ZT_NEAR(loss, l, 1e-6);
    for (int i = 0; i < 15; i++) ZT_NEAR(grad[i], want[i], 1e-6);
    ZT_CHECK(zn_ws_node_seq_len(ws, 2) == 2);
    zn_ws_free(ws);
    zn_model_free(m);
}

static void test_one_hot(void) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *y = zn_one_hot_op(g, zn_input_ids(g, "ids", T), 4);
    int64_t dims[ZN_MAX_DIMS];
    ZT_CHECK(zn_node_shape(y, dims) == 2 && dims[0] == T && dims[1] == 4);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, NULL, 1, &m));
    zn_graph_free(g);
    if (!m) return;
    zn_ws *ws = make_ws(m, 2, ZN_WS_INFER, NULL, 1);
    int32_t ids[2 * 3] = {3, 0, 1, 2, 2, 0};
    float out[2 * 3 * 4];
    float *outs[1] = {out};
    const void *in[1] = {ids};
    zn_feed feed = {2, 3, in};
    ZT_OK(zn_model_run(m, ws, &feed, outs));
    int ok = 1;
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < 4; k++) ok &= out[i * 4 + k] == (k == ids[i] ? 1.0f : 0.0f);
    ZT_CHECK(ok);
    ids[5] = 4;
    ZT_ERR(zn_model_run(m, ws, &feed, outs), ZN_ERR_INVALID_ARG);
    ZT_CHECK(strstr(zn_last_error(), "ids[1][2] = 4 is outside [0, 4)") != NULL);
    zn_ws_free(ws);
    zn_model_free(m);
}

static void test_builder_errors(void) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *x = zn_input_seq(g, "x", T, C);
    const int64_t three = 3, two = 2;
    zn_node *bad = zn_param_nd(g, "bad", 1, &three, ZN_INIT_ZERO, 0.0f);
    zn_clear_error();
    ZT_CHECK(zn_layer_norm_op(g, x, bad, NULL, 1e-5f) == NULL);
    ZT_CHECK_MSG(strstr(zn_last_error(), "zn_layer_norm_op (node 2): gamma [3] does not match the last axis of x "
                                         "[B, 4 (seq), 2]") != NULL,
                 "%s", zn_last_error());
    zn_graph_free(g);
    const struct {
        int what;
        const char *msg;
    } cases[] = {{0, "must be a float batch node whose last axis is not a sequence"},
                 {1, "must be two constants"},
                 {2, "momentum 2 not in [0, 1]"},
                 {3, "must be an int32 batch node"},
                 {4, "the table [B, 4 (seq), 2] must be an unbatched float [V, D]"},
                 {5, "eps -1 must be finite"},
                 {6, "0 classes"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ZT_OK(zn_graph_create(&g));
        zn_node *xs = zn_input_seq(g, "x", T, C), *ids = zn_input_ids(g, "ids", T);
        zn_node *seq_last = zn_input_nd(g, "s", ZN_F32, 1, &three, 0);
        zn_node *pm = zn_param_nd(g, "pm", 1, &two, ZN_INIT_ZERO, 0.0f);
        zn_node *cm = zn_const_nd(g, "cm", 1, &two, ZN_INIT_ZERO, 0.0f);
        zn_node *cv = zn_const_nd(g, "cv", 1, &two, ZN_INIT_ZERO, 0.0f);
        zn_clear_error();
        zn_node *r = NULL;
        switch (cases[k].what) {
        case 0: r = zn_rms_norm_op(g, seq_last, NULL, 1e-5f); break;
        case 1: r = zn_batch_norm_op(g, xs, NULL, NULL, pm, cv, 1e-5f, 0.1f); break;
        case 2: r = zn_batch_norm_op(g, xs, NULL, NULL, cm, cv, 1e-5f, 2.0f); break;
        case 3: r = zn_embedding_op(g, xs, pm); break;
        case 4: r = zn_embedding_op(g, ids, xs); break;
        case 5: r = zn_layer_norm_op(g, xs, NULL, NULL, -1.0f); break;
        case 6: r = zn_one_hot_op(g, ids, 0); break;
        }
        ZT_CHECK(r == NULL && zn_graph_status(g) != ZN_OK);
        ZT_CHECK_MSG(strstr(zn_last_error(), cases[k].msg) != NULL, "case %d: %s", cases[k].what, zn_last_error());
        zn_graph_free(g);
    }
}

/* Every op rebuilt from the compiled model's node descriptions gives the same model. */
static void test_rebuild(void) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *x = zn_input_seq(g, "x", T, 3), *ids = zn_input_ids(g, "ids", T);
    zn_norm_opts plain = zn_norm_opts_default();
    plain.affine = 0;
    plain.eps = 1e-3f;
    zn_node *h = zn_layer_norm(g, x, "ln", NULL);
    h = zn_add(g, h, zn_layer_norm(g, x, "ln2", &plain));
    h = zn_add(g, h, zn_rms_norm(g, x, "rms", NULL));
    h = zn_add(g, h, zn_batch_norm(g, x, "bn", NULL));
    h = zn_add(g, h, zn_embedding(g, ids, 6, 3, "emb"));
    h = zn_add(g, h, zn_slice(g, zn_one_hot_op(g, ids, 6), 0, 3));
    h = zn_add(g, h, zn_batch_norm(g, x, "bn2", &plain));
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &h, 1, NULL, 2, &m));
    zn_graph_free(g);
    if (!m) return;
    zn_graph *g2 = NULL;
    ZT_OK(zn_graph_create(&g2));
    const int count = zn_model_node_count(m);
    zn_node **nodes = calloc((size_t)count, sizeof *nodes);
    for (int i = 0; i < count; i++) {
        zn_node_info info;
        ZT_OK(zn_model_node_info(m, i, &info));
        zn_node *in[16];
        for (int k = 0; k < info.n_in; k++) in[k] = nodes[info.in[k]];
        nodes[i] = zn_graph_add_node(g2, &info, in);
        ZT_CHECK_MSG(nodes[i] != NULL, "node %d (%s): %s", i, info.op, zn_last_error());
    }
    zn_model *m2 = NULL;
    zn_node *out = nodes[zn_model_output_node(m, 0)];
    ZT_OK(zn_model_compile(g2, &out, 1, NULL, 2, &m2));
    zn_graph_free(g2);
    free(nodes);
    if (m2) {
        int64_t n1 = 0, n2 = 0;
        const float *p1 = zn_model_params_const(m, &n1), *p2 = zn_model_params_const(m2, &n2);
        ZT_CHECK(n1 == n2 && !memcmp(p1, p2, (size_t)n1 * sizeof *p1));
        ZT_CHECK(zn_model_const_tensors(m2) == 4);
        float xv[2 * T * 3], o1[2 * T * 3], o2[2 * T * 3];
        int32_t iv[2 * T] = {0, 5, 3, 3, 1, 2, 4, 0};
        for (int i = 0; i < 2 * T * 3; i++) xv[i] = (float)(i % 5) * 0.4f - 0.7f;
        const void *in[2] = {xv, iv};
        zn_feed feed = {2, 0, in};
        float *a[1] = {o1}, *b[1] = {o2};
        zn_ws *w1 = make_ws(m, 2, ZN_WS_INFER, NULL, 1), *w2 = make_ws(m2, 2, ZN_WS_INFER, NULL, 1);
        ZT_OK(zn_model_run(m, w1, &feed, a));
        ZT_OK(zn_model_run(m2, w2, &feed, b));
        ZT_CHECK(!memcmp(o1, o2, sizeof o1));
        zn_ws_free(w1);
        zn_ws_free(w2);
        zn_model_free(m2);
    }
    zn_model_free(m);
}

/* Norm ops over the kernels, binary ops and activations large enough to
 * split: one thread and two give the same bits, forward and backward. */
static void test_threads_bit_identical(void) {
    enum { TB = 8, TT = 64, TF = 256, N = TB * TT * TF };
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    const int64_t xdims[2] = {TT, TF};
    zn_node *x = zn_input_nd(g, "x", ZN_F32, 2, xdims, -1); /* no seq axis: a [TT, 1] scale broadcasts */
    const int64_t bias_dims[2] = {1, TF}, col_dims[2] = {TT, 1}, f = TF;
    zn_node *h = zn_layer_norm(g, x, "ln", NULL);
    h = zn_activation(g, h, ZN_NACT_TANH, 1.0f);
    h = zn_add(g, h, zn_param_nd(g, "bias", 2, bias_dims, ZN_INIT_UNIFORM, 0.5f)); /* over batch and time */
    h = zn_mul(g, h, zn_param_nd(g, "col", 2, col_dims, ZN_INIT_UNIFORM, 0.5f));   /* per step */
    h = zn_sub(g, h, zn_rms_norm(g, x, "rms", NULL));
    h = zn_mul(g, h, zn_param_nd(g, "scale", 1, &f, ZN_INIT_UNIFORM, 0.5f));
    h = zn_activation(g, zn_batch_norm(g, h, "bn", NULL), ZN_NACT_GELU, 1.0f);
    h = zn_mul(g, h, h);
    zn_node *loss = zn_mse(g, h, zn_input_nd(g, "t", ZN_F32, 2, xdims, -1));
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &h, 1, loss, 6, &m));
    zn_graph_free(g);
    if (!m) return;
    float *xv = malloc(N * sizeof *xv), *t = malloc(N * sizeof *t);
    zn_rng r;
    zn_rng_seed(&r, 3);
    zn_rng_fill_uniform(&r, xv, N, -2.0f, 2.0f);
    zn_rng_fill_uniform(&r, t, N, -1.0f, 1.0f);
    zn_pool *pool = NULL;
    ZT_OK(zn_pool_create(2, &pool));
    int64_t nc = 0, ng = 0;
    float *consts = zn_model_consts(m, &nc);
    float *start = malloc((size_t)nc * sizeof *start);
    memcpy(start, consts, (size_t)nc * sizeof *start);
    float *grads[2] = {NULL, NULL}, *stats[2], *vals[2], loss_v[2];
    for (int k = 0; k < 2; k++) {
        memcpy(consts, start, (size_t)nc * sizeof *start);
        zn_ws *ws = make_ws(m, TB, ZN_WS_TRAIN, pool, k + 1);
        const void *in[2] = {xv, t};
        zn_feed feed = {TB, 0, in};
        ZT_OK(zn_model_run_backward(m, ws, &feed, &loss_v[k]));
        const float *gr = zn_ws_grads(ws, &ng);
        grads[k] = malloc((size_t)ng * sizeof(float));
        memcpy(grads[k], gr, (size_t)ng * sizeof(float));
        stats[k] = malloc((size_t)nc * sizeof(float));
        memcpy(stats[k], consts, (size_t)nc * sizeof(float));
        vals[k] = malloc(N * sizeof(float));
        float *outs[1] = {vals[k]};
        zn_ws *inf = make_ws(m, TB, ZN_WS_INFER, pool, k + 1);
        ZT_OK(zn_model_run(m, inf, &feed, outs));
        zn_ws_free(inf);
        zn_ws_free(ws);
    }
    ZT_CHECK(!memcmp(&loss_v[0], &loss_v[1], sizeof(float)));
    ZT_CHECK(!memcmp(grads[0], grads[1], (size_t)ng * sizeof(float)));
    ZT_CHECK(!memcmp(stats[0], stats[1], (size_t)nc * sizeof(float)));
    ZT_CHECK(!memcmp(vals[0], vals[1], N * sizeof(float)));
    for (int k = 0; k < 2; k++) free(grads[k]), free(stats[k]), free(vals[k]);
    free(start);
    free(xv);
    free(t);
    zn_pool_free(pool);
    zn_model_free(m);
}

/* x [B, T, 5] through every norm layer: a model of T up to 6 run at 3
 * steps equals one built for 3 (values, gradients, running statistics). */
static zn_model *seq_model(int64_t max_len) {
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    zn_node *x = zn_input_seq(g, "x", max_len, 5);
    zn_node *h = zn_layer_norm(g, x, "ln", NULL);
    h = zn_mul(g, h, zn_rms_norm(g, x, "rms", NULL));
    h = zn_batch_norm(g, zn_add(g, h, x), "bn", NULL);
    zn_node *loss = zn_mse(g, h, zn_input_seq(g, "t", max_len, 5));
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &h, 1, loss, 7, &m));
    zn_graph_free(g);
    return m;
}

static void test_norm_seq_len(void) {
    enum { SB = 2, ST = 3, SF = 5, SN = SB * ST * SF };
    zn_model *m[2] = {seq_model(6), seq_model(ST)};
    if (!m[0] || !m[1]) return;
    float x[SN], t[SN], loss[2], *grads[2], *stats[2], *vals[2];
    for (int i = 0; i < SN; i++) x[i] = (float)((i * 5) % 7) * 0.5f - 1.2f, t[i] = (float)(i % 3) - 1.0f;
    int64_t ng = 0, nc = 0;
    for (int k = 0; k < 2; k++) {
        zn_ws *ws = make_ws(m[k], SB, ZN_WS_TRAIN, NULL, 1);
        const void *in[2] = {x, t};
        zn_feed feed = {SB, ST, in};
        ZT_OK(zn_model_run_backward(m[k], ws, &feed, &loss[k]));
        const float *g = zn_ws_grads(ws, &ng), *c = zn_model_consts(m[k], &nc);
        grads[k] = malloc((size_t)ng * sizeof(float));
        memcpy(grads[k], g, (size_t)ng * sizeof(float));
        stats[k] = malloc((size_t)nc * sizeof(float));
        memcpy(stats[k], c, (size_t)nc * sizeof(float));
        vals[k] = malloc(SN * sizeof(float));
        const float *v = zn_ws_node_value(ws, zn_model_output_node(m[k], 0));
        ZT_CHECK(v != NULL);
        if (v) memcpy(vals[k], v, SN * sizeof(float));
        zn_ws_free(ws);
    }
    ZT_CHECK(loss[0] == loss[1]);
    ZT_CHECK(!memcmp(grads[0], grads[1], (size_t)ng * sizeof(float)));
    ZT_CHECK(!memcmp(stats[0], stats[1], (size_t)nc * sizeof(float)));
    ZT_CHECK(!memcmp(vals[0], vals[1], SN * sizeof(float)));
    for (int k = 0; k < 2; k++) free(grads[k]), free(stats[k]), free(vals[k]), zn_model_free(m[k]);
}

int main(void) {
    ZT_RUN(test_batch_norm_running_stats);
    ZT_RUN(test_embedding_bad_ids);
    ZT_RUN(test_embedding_seq_len);
    ZT_RUN(test_norm_seq_len);
    ZT_RUN(test_one_hot);
    ZT_RUN(test_builder_errors);
    ZT_RUN(test_rebuild);
    ZT_RUN(test_threads_bit_identical);
    return zt_finish();
}
