/* The convolutional ops and layers as a user meets them: bad input gives a
 * status whose message names the node and the shapes (never a crash), a
 * run-time sequence length gives what a model built for that length gives,
 * the layers' padding modes, initialisation and parameter names, and a
 * model rebuilt from its node descriptions (what model files do) computes
 * the same. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "zenn/nn.h"
#include "zn_test.h"

/* The builder error of g after `what` was built into it, checked to be
 * `expected` with a message holding each of the needles. */
static void expect_error(zn_graph *g, zn_status expected, const char *n1, const char *n2) {
    const zn_status s = zn_graph_status(g);
    ZT_CHECK_MSG(s == expected, "status %d, expected %d (%s)", (int)s, (int)expected, zn_last_error());
    zn_model *m = NULL;
    ZT_CHECK(zn_model_compile(g, NULL, 0, NULL, 1, &m) != ZN_OK && m == NULL);
    const char *msg = zn_last_error();
    ZT_CHECK_MSG(!n1 || strstr(msg, n1), "'%s' not in: %s", n1, msg);
    ZT_CHECK_MSG(!n2 || strstr(msg, n2), "'%s' not in: %s", n2, msg);
    zn_graph_free(g);
}

static zn_graph *graph_with(zn_node **x, int64_t t, int64_t c, int seq) {
    zn_graph *g = NULL;
    zn_graph_create(&g);
    *x = seq ? zn_input_seq(g, "x", t, c) : zn_input_nd(g, "x", ZN_F32, 2, (const int64_t[]){t, c}, -1);
    return g;
}

static zn_node *weight(zn_graph *g, int64_t co, int64_t ci, int64_t k) {
    const int64_t d[3] = {co, ci, k};
    return zn_param_nd(g, "w", 3, d, ZN_INIT_UNIFORM, 0.5f);
}

static void test_bad_input(void) {
    zn_node *x;
    zn_graph *g = graph_with(&x, 4, 3, 0);
    zn_conv1d_op(g, x, weight(g, 2, 3, 3), NULL, 1, 3, 1, 0, 0); /* span 7 > 4 */
    expect_error(g, ZN_ERR_SHAPE, "node 2", "[B, 4, 3]");
    g = graph_with(&x, 8, 4, 0);
    zn_conv1d_op(g, x, weight(g, 3, 2, 3), NULL, 1, 1, 2, 0, 0); /* groups 2 do not divide 3 outputs */
    expect_error(g, ZN_ERR_SHAPE, "[3, 2, 3]", "2 groups");
    g = graph_with(&x, 8, 4, 0);
    zn_conv1d_op(g, x, weight(g, 3, 3, 3), NULL, 1, 1, 1, 0, 0); /* C_in 4 against 3 */
    expect_error(g, ZN_ERR_SHAPE, "[B, 8, 4]", "[3, 3, 3]");
    g = graph_with(&x, 8, 4, 0);
    zn_conv1d_op(g, x, weight(g, 3, 4, 3), NULL, 0, 1, 1, 0, 0);
    expect_error(g, ZN_ERR_INVALID_ARG, "stride 0", "node 2");
    g = graph_with(&x, 8, 4, 0);
    zn_conv1d_op(g, x, weight(g, 3, 4, 3), NULL, 1, 1, 1, -1, 0);
    expect_error(g, ZN_ERR_INVALID_ARG, "padding (-1, 0)", NULL);
    g = graph_with(&x, 8, 4, 0);
    zn_conv1d_op(g, x, weight(g, 3, 4, 3), zn_param(g, "b", 4, 1, ZN_INIT_ZERO, 0), 1, 1, 1, 0, 0);
    expect_error(g, ZN_ERR_SHAPE, "4 values for 3 channels", NULL);
    g = graph_with(&x, 8, 4, 0);
    zn_conv1d_op(g, x, x, NULL, 1, 1, 1, 0, 0);
    expect_error(g, ZN_ERR_INVALID_ARG, "unbatched", NULL);
    g = graph_with(&x, 8, 4, 0);
    zn_conv1d_op(g, NULL, NULL, NULL, 1, 1, 1, 0, 0);
    expect_error(g, ZN_ERR_INVALID_ARG, "NULL", NULL);
    g = graph_with(&x, 8, 4, 0);
    zn_conv1d_op(g, zn_reshape(g, x, 1, (const int64_t[]){32}), weight(g, 3, 4, 3), NULL, 1, 1, 1, 0, 0);
    expect_error(g, ZN_ERR_INVALID_ARG, "[B, 32]", "[T, C_in]");

    g = graph_with(&x, 3, 2, 0);
    zn_max_pool1d(g, x, 4, 1, 0, 0, 0); /* kernel past the input */
    expect_error(g, ZN_ERR_SHAPE, "node 1", "[B, 3, 2]");
    g = graph_with(&x, 8, 2, 0);
    zn_avg_pool1d(g, x, 2, 2, 2, 0, 0, 1); /* a pad as long as the kernel */
    expect_error(g, ZN_ERR_SHAPE, "padding (2, 0)", NULL);
    g = graph_with(&x, 8, 2, 0);
    zn_max_pool1d(g, x, 2, 0, 0, 0, 0);
    expect_error(g, ZN_ERR_SHAPE, "stride 0", NULL);
    g = graph_with(&x, 8, 2, 0);
    zn_interpolate_linear(g, x, 0);
    expect_error(g, ZN_ERR_INVALID_ARG, "output length 0", "[B, 8, 2]");
    g = graph_with(&x, 8, 2, 1);
    zn_interpolate_linear_scale(g, x, 0.5f); /* a 1-step pass would have no output */
    expect_error(g, ZN_ERR_INVALID_ARG, "scale 0.5", NULL);
    g = graph_with(&x, 8, 2, 0);
    zn_interpolate_linear_scale(g, x, -1.0f);
    expect_error(g, ZN_ERR_INVALID_ARG, "scale -1", NULL);
    g = graph_with(&x, 8, 2, 0);
    zn_weight_norm(g, zn_param_nd(g, "g", 3, (const int64_t[]){3, 1, 1}, ZN_INIT_ZERO, 0), weight(g, 4, 2, 3));
    expect_error(g, ZN_ERR_SHAPE, "[3, 1, 1]", "[4, 2, 3]");

    /* layers */
    g = graph_with(&x, 8, 2, 0);
    zn_conv1d(g, x, 0, 3, ZN_PAD_SAME, "conv");
    expect_error(g, ZN_ERR_INVALID_ARG, "conv.weight", NULL);
    g = graph_with(&x, 8, 2, 0);
    zn_conv1d(g, x, 4, 3, ZN_PAD_SAME, NULL);
    expect_error(g, ZN_ERR_INVALID_ARG, "name", NULL);
    g = graph_with(&x, 8, 2, 0);
    zn_conv1d_spec cs = zn_conv1d_spec_default();
    cs.groups = 0;
    zn_conv1d_ex(g, x, &cs, "conv");
    expect_error(g, ZN_ERR_INVALID_ARG, "groups 0", NULL);
    g = graph_with(&x, 8, 2, 0);
    zn_tcn_spec ts = zn_tcn_spec_default();
    zn_tcn(g, x, &ts, "tcn");
    expect_error(g, ZN_ERR_INVALID_ARG, "zn_tcn 'tcn': 0 blocks", NULL);
    g = graph_with(&x, 8, 2, 0);
    zn_conv1d(g, x, 4, 3, ZN_PAD_SAME, "conv");
    zn_conv1d(g, x, 4, 3, ZN_PAD_SAME, "conv"); /* the same names again */
    expect_error(g, ZN_ERR_INVALID_ARG, "'conv.weight' is taken", NULL);
}

/* A model of x [T, 3] -> TCN (2 blocks, weight norm) -> max pool -> avg pool -> conv same -> interpolation
 * x2 -> interpolation to 10 steps: [10, 2] whatever T. */
static zn_model *seq_model(int64_t max_t, int seq, zn_node **out) {
    zn_node *x;
    zn_graph *g = graph_with(&x, max_t, 3, seq);
    zn_tcn_spec s = zn_tcn_spec_default();
    s.n_blocks = 2;
    s.channels[0] = 5, s.channels[1] = 5;
    s.kernel = 3;
    s.weight_norm = 1;
    zn_node *y = zn_tcn(g, x, &s, "tcn");
    y = zn_avg_pool1d(g, zn_max_pool1d(g, y, 2, 2, 0, 0, 1), 3, 1, 1, 1, 0, 0);
    y = zn_conv1d(g, y, 2, 3, ZN_PAD_SAME, "head");
    y = zn_interpolate_linear(g, zn_interpolate_linear_scale(g, y, 2.0f), 10);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, NULL, 7, &m));
    if (out) *out = y;
    zn_graph_free(g);
    return m;
}

static void test_runtime_seq_len(void) {
    zn_model *big = seq_model(40, 1, NULL), *small = seq_model(23, 0, NULL);
    ZT_CHECK(big && small);
    if (!big || !small) return;
    int64_t nb = 0, ns = 0;
    const float *pb = zn_model_params_const(big, &nb);
    float *ps = zn_model_params(small, &ns);
    ZT_CHECK(nb == ns);
    memcpy(ps, pb, (size_t)nb * sizeof(float));
    const int64_t batch = 3, t = 23;
    float x[3 * 23 * 3], yb[3 * 10 * 2], ys[3 * 10 * 2];
    zn_rng r;
    zn_rng_seed(&r, 3);
    zn_rng_fill_uniform(&r, x, sizeof x / sizeof x[0], -1, 1);
    zn_ws *wb = NULL, *wsm = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 4;
    ZT_OK(zn_ws_create(big, &o, &wb));
    ZT_OK(zn_ws_create(small, &o, &wsm));
    int64_t od[ZN_MAX_DIMS];
    ZT_CHECK(zn_model_output_shape(small, 0, od) == 2 && od[0] == 10 && od[1] == 2);
    const void *in[1] = {x};
    float *outs_b[1] = {yb}, *outs_s[1] = {ys};
    zn_feed fb = {batch, t, in}, fs = {batch, 0, in};
    ZT_OK(zn_model_run(big, wb, &fb, outs_b));
    ZT_OK(zn_model_run(small, wsm, &fs, outs_s));
    double worst = 0;
    for (size_t i = 0; i < sizeof yb / sizeof yb[0]; i++) worst = fmax(worst, fabs((double)yb[i] - ys[i]));
    ZT_CHECK_MSG(worst <= 1e-6, "a run at T=23 of the T<=40 model differs from the T=23 model by %g", worst);
    /* a sequence too short for the pooling window fails with the node named, no crash */
    zn_feed f1 = {batch, 1, in};
    zn_status s = zn_model_run(big, wb, &f1, outs_b);
    ZT_CHECK_MSG(s == ZN_ERR_SHAPE && strstr(zn_last_error(), "max_pool1d"), "T=1: status %d: %s", (int)s,
                 zn_last_error());
    zn_feed f41 = {batch, 41, in};
    ZT_CHECK(zn_model_run(big, wb, &f41, outs_b) != ZN_OK);
    zn_ws_free(wb);
    zn_ws_free(wsm);
    zn_model_free(big);
    zn_model_free(small);
}

/* A valid convolution at run time: a sequence shorter than the kernel's span fails in the pass. */
static void test_runtime_too_short(void) {
    zn_node *x;
    zn_graph *g = graph_with(&x, 16, 2, 1);
    zn_node *y = zn_conv1d(g, x, 2, 5, ZN_PAD_VALID, "c");
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, NULL, 1, &m));
    zn_graph_free(g);
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 1;
    ZT_OK(zn_ws_create(m, &o, &ws));
    float x4[8] = {0}, y4[32];
    const void *in[1] = {x4};
    float *outs[1] = {y4};
    zn_feed f = {1, 4, in};
    const zn_status s = zn_model_run(m, ws, &f, outs);
    ZT_CHECK_MSG(s == ZN_ERR_SHAPE && strstr(zn_last_error(), "conv1d"), "status %d: %s", (int)s, zn_last_error());
    zn_feed f5 = {1, 5, in};
    float x5[10] = {0};
    in[0] = x5;
    ZT_OK(zn_model_run(m, ws, &f5, outs));
    zn_ws_free(ws);
    zn_model_free(m);
}

static void test_layer_shapes_init_names(void) {
    zn_node *x;
    zn_graph *g = graph_with(&x, 10, 4, 0);
    zn_node *same = zn_conv1d(g, x, 6, 4, ZN_PAD_SAME, "same");
    zn_node *causal = zn_conv1d(g, x, 6, 3, ZN_PAD_CAUSAL, "causal");
    zn_node *valid = zn_conv1d(g, x, 6, 3, ZN_PAD_VALID, "valid");
    zn_conv1d_spec s = zn_conv1d_spec_default();
    s.out_channels = 6, s.kernel = 3, s.stride = 3, s.padding = ZN_PAD_SAME, s.groups = 2, s.bias = 0;
    zn_node *strided = zn_conv1d_ex(g, x, &s, "strided");
    int64_t d[ZN_MAX_DIMS];
    ZT_CHECK(zn_node_shape(same, d) == 2 && d[0] == 10 && d[1] == 6);
    ZT_CHECK(zn_node_shape(causal, d) == 2 && d[0] == 10);
    ZT_CHECK(zn_node_shape(valid, d) == 2 && d[0] == 8);
    ZT_CHECK(zn_node_shape(strided, d) == 2 && d[0] == 4); /* ceil(10 / 3) */
    zn_node *outs[4] = {same, causal, valid, strided};
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, outs, 4, NULL, 5, &m));
    zn_graph_free(g);
    static const char *const names[] = {"same.weight",  "same.bias",  "causal.weight", "causal.bias",
                                        "valid.weight", "valid.bias", "strided.weight"};
    ZT_CHECK(zn_model_param_tensors(m) == 7);
    int64_t np = 0;
    const float *p = zn_model_params_const(m, &np);
    for (int i = 0; i < zn_model_param_tensors(m) && i < 7; i++) {
        const char *name;
        int64_t rows, cols, off;
        ZT_OK(zn_model_param_info(m, i, &name, &rows, &cols, &off));
        ZT_CHECK_MSG(!strcmp(name, names[i]), "parameter %d is %s, expected %s", i, name, names[i]);
        const double fan_in = i < 2 ? 4 * 4 : i < 6 ? 4 * 3 : 2 * 3, bound = 1 / sqrt(fan_in);
        double lo = 0, hi = 0;
        for (int64_t k = 0; k < rows * cols; k++) lo = fmin(lo, p[off + k]), hi = fmax(hi, p[off + k]);
        ZT_CHECK_MSG(hi <= bound && lo >= -bound && hi - lo > bound / 2, "%s in [%g, %g], bound %g", name, lo, hi,
                     bound);
    }
    zn_model_free(m);
}

/* Weight norm layers: "<name>.weight_g" [C_out, 1, 1] starting at 1/sqrt(3), "<name>.weight_v" within the
 * bound, and the effective weight g v / ||v||. */
static void test_weight_norm_layer(void) {
    zn_node *x;
    zn_graph *g = graph_with(&x, 6, 2, 0);
    zn_conv1d_spec s = zn_conv1d_spec_default();
    s.out_channels = 3, s.kernel = 2, s.weight_norm = 1, s.bias = 0, s.padding = ZN_PAD_CAUSAL;
    zn_node *y = zn_conv1d_ex(g, x, &s, "wn");
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, NULL, 3, &m));
    zn_graph_free(g);
    ZT_CHECK(zn_model_param_tensors(m) == 2);
    const char *ng, *nv;
    int64_t r, c, og, ov, dims[ZN_MAX_DIMS];
    ZT_OK(zn_model_param_info(m, 0, &ng, &r, &c, &og));
    ZT_OK(zn_model_param_info(m, 1, &nv, &r, &c, &ov));
    ZT_CHECK(!strcmp(ng, "wn.weight_g") && !strcmp(nv, "wn.weight_v"));
    ZT_CHECK(zn_model_param_shape(m, 0, dims) == 3 && dims[0] == 3 && dims[1] == 1 && dims[2] == 1);
    ZT_CHECK(zn_model_param_shape(m, 1, dims) == 3 && dims[0] == 3 && dims[1] == 2 && dims[2] == 2);
    int64_t np = 0;
    float *p = zn_model_params(m, &np);
    for (int o = 0; o < 3; o++) ZT_NEAR(p[og + o], 1.0 / sqrt(3.0), 1e-6);
    /* g = 2 for channel 0: its output is 2 v / ||v|| applied to x */
    p[og] = 2.0f;
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 1;
    ZT_OK(zn_ws_create(m, &o, &ws));
    float xv[12] = {0}, yv[18];
    xv[2 * 5 + 1] = 1.0f; /* x[t=5][c=1] = 1: y[5][0] = w[0][1][1] (the tap at t) */
    const void *in[1] = {xv};
    float *outs[1] = {yv};
    zn_feed f = {1, 0, in};
    ZT_OK(zn_model_run(m, ws, &f, outs));
    double ss = 0;
    for (int i = 0; i < 4; i++) ss += (double)p[ov + i] * p[ov + i];
    ZT_NEAR(yv[5 * 3 + 0], 2.0 * p[ov + 1 * 2 + 1] / sqrt(ss), 1e-5);
    zn_ws_free(ws);
    zn_model_free(m);
}

/* Rebuilding every node through zn_graph_add_node (what model files do) gives the same outputs. */
static void test_rebuild(void) {
    zn_node *y;
    zn_model *m = seq_model(20, 1, &y);
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    const int n = zn_model_node_count(m);
    zn_node **nodes = calloc((size_t)n, sizeof *nodes);
    zn_node *in[16];
    for (int i = 0; i < n; i++) {
        zn_node_info info;
        ZT_OK(zn_model_node_info(m, i, &info));
        for (int k = 0; k < info.n_in; k++) in[k] = nodes[info.in[k]];
        nodes[i] = zn_graph_add_node(g, &info, in);
        ZT_CHECK_MSG(nodes[i] != NULL, "node %d (%s): %s", i, info.op, zn_last_error());
    }
    zn_node *out = nodes[zn_model_output_node(m, 0)];
    zn_model *m2 = NULL;
    ZT_OK(zn_model_compile(g, &out, 1, NULL, 99, &m2));
    zn_graph_free(g);
    free(nodes);
    int64_t np = 0, np2 = 0;
    const float *p = zn_model_params_const(m, &np);
    float *p2 = zn_model_params(m2, &np2);
    ZT_CHECK(np == np2);
    memcpy(p2, p, (size_t)np * sizeof(float));
    float x[2 * 17 * 3], y1[2 * 10 * 2], y2[2 * 10 * 2];
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) x[i] = sinf((float)i);
    zn_ws *w1 = NULL, *w2 = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 2;
    ZT_OK(zn_ws_create(m, &o, &w1));
    ZT_OK(zn_ws_create(m2, &o, &w2));
    const void *in2[1] = {x};
    float *o1[1] = {y1}, *o2[1] = {y2};
    zn_feed f = {2, 17, in2};
    ZT_OK(zn_model_run(m, w1, &f, o1));
    ZT_OK(zn_model_run(m2, w2, &f, o2));
    ZT_CHECK(memcmp(y1, y2, sizeof y1) == 0);
    zn_ws_free(w1);
    zn_ws_free(w2);
    zn_model_free(m);
    zn_model_free(m2);
}

int main(void) {
    ZT_RUN(test_bad_input);
    ZT_RUN(test_runtime_seq_len);
    ZT_RUN(test_runtime_too_short);
    ZT_RUN(test_layer_shapes_init_names);
    ZT_RUN(test_weight_norm_layer);
    ZT_RUN(test_rebuild);
    return zt_finish();
}
