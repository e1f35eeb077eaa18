/* Golden tests of the convolutional sequence ops and the TCN against
 * PyTorch 1.13 (tests/golden/data, made by gen_golden.py on branch
 * h-golden): conv1d (valid, same, causal, stride, dilation, groups,
 * depthwise, no bias), max and average pooling, linear interpolation up and
 * down, and two TCN stacks (with and without weight norm). Each case is
 * built from the file's "config", takes the file's parameters by name and
 * is compared in output, input gradient and parameter gradients at 1e-5 of
 * each tensor's largest value.
 *
 * The input's gradient comes from a zero parameter added to it (x + p_x),
 * one sample per pass; the loss is an MSE against target = v - (N/2) g,
 * whose gradient with respect to the output v is the file's g. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "zenn/nn.h"
#include "zenn/safetensors.h"
#include "golden.h"

/* Builds the case's op or layer on x [T, C] from the config. */
typedef zn_node *(*build_fn)(zn_graph *g, zn_node *x, const char *cfg);

static zn_node *build_conv(zn_graph *g, zn_node *x, const char *cfg) {
    const int64_t co = (int64_t)golden_cfg_at(cfg, "out_channels", 0, 0),
                  groups = (int64_t)golden_cfg_at(cfg, "groups", 0, 0);
    const int64_t wd[3] = {co, (int64_t)golden_cfg_at(cfg, "in_channels", 0, 0) / groups,
                           (int64_t)golden_cfg_at(cfg, "kernel", 0, 0)};
    zn_node *w = zn_param_nd(g, "weight", 3, wd, ZN_INIT_ZERO, 0);
    zn_node *b = golden_cfg_at(cfg, "bias", 0, 0) > 0 ? zn_param_nd(g, "bias", 1, &co, ZN_INIT_ZERO, 0) : NULL;
    return zn_conv1d_op(g, x, w, b, (int64_t)golden_cfg_at(cfg, "stride", 0, 0),
                        (int64_t)golden_cfg_at(cfg, "dilation", 0, 0), groups,
                        (int64_t)golden_cfg_at(cfg, "padding", 0, 0), (int64_t)golden_cfg_at(cfg, "padding", 1, 0));
}

static zn_node *build_pool(zn_graph *g, zn_node *x, const char *cfg) {
    const int64_t k = (int64_t)golden_cfg_at(cfg, "kernel", 0, 0), s = (int64_t)golden_cfg_at(cfg, "stride", 0, 0);
    const int64_t pl = (int64_t)golden_cfg_at(cfg, "padding", 0, 0), pr = (int64_t)golden_cfg_at(cfg, "padding", 1, 0);
    const int ceil_mode = golden_cfg_at(cfg, "ceil_mode", 0, 0) > 0;
    if (strstr(cfg, "\"kind\": \"max_pool1d\"")) return zn_max_pool1d(g, x, k, s, pl, pr, ceil_mode);
    return zn_avg_pool1d(g, x, k, s, pl, pr, ceil_mode, golden_cfg_at(cfg, "count_include_pad", 0, 0) > 0);
}

static zn_node *build_interp(zn_graph *g, zn_node *x, const char *cfg) {
    return zn_interpolate_linear(g, x, (int64_t)golden_cfg_at(cfg, "size", 0, 0));
}

static zn_node *build_tcn(zn_graph *g, zn_node *x, const char *cfg) {
    zn_tcn_spec s = zn_tcn_spec_default();
    s.n_blocks = golden_cfg_len(cfg, "channels");
    for (int i = 0; i < s.n_blocks && i < ZN_TCN_MAX_BLOCKS; i++) {
        s.channels[i] = (int64_t)golden_cfg_at(cfg, "channels", i, 0);
        s.dilations[i] = (int64_t)golden_cfg_at(cfg, "dilations", i, 0);
    }
    s.kernel = (int64_t)golden_cfg_at(cfg, "kernel", 0, 0);
    s.weight_norm = golden_cfg_at(cfg, "weight_norm", 0, 0) > 0;
    return zn_tcn(g, x, &s, "blocks");
}

static void run_case(const char *name, build_fn build, double tol) {
    char path[512];
    snprintf(path, sizeof path, "%s/tests/golden/data/%s.safetensors", ZN_SOURCE_DIR, name);
    zn_st_file *f = NULL;
    if (zn_st_open(path, &f) != ZN_OK) {
        ZT_FAIL("%s: cannot open %s: %s", name, path, zn_last_error());
        return;
    }
    const char *cfg = zn_st_metadata(f, "config");
    zn_st_info xi, yi;
    ZT_CHECK(cfg != NULL);
    ZT_OK(zn_st_find(f, "input", &xi));
    ZT_OK(zn_st_find(f, "output", &yi));
    if (!cfg || xi.ndim != 3 || yi.ndim != 3) {
        zn_st_close(f);
        return;
    }
    const int64_t B = xi.shape[0], T = xi.shape[1], C = xi.shape[2], To = yi.shape[1], Co = yi.shape[2];
    const int64_t X = T * C, Y = To * Co;

    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    const int64_t xd[2] = {T, C};
    zn_node *x = zn_add(g, zn_input_nd(g, "x", ZN_F32, 2, xd, -1), zn_param_nd(g, "p_x", 2, xd, ZN_INIT_ZERO, 0));
    zn_node *y = build(g, x, cfg);
    const int64_t yd[2] = {To, Co};
    zn_node *loss = zn_mse(g, y, zn_input_nd(g, "target", ZN_F32, 2, yd, -1));
    zn_model *m = NULL;
    zn_status st = zn_model_compile(g, &y, 1, loss, 1, &m);
    ZT_CHECK_MSG(st == ZN_OK, "%s: compile: %s", name, zn_last_error());
    zn_graph_free(g);
    if (st != ZN_OK) {
        zn_st_close(f);
        return;
    }
    /* every parameter but p_x from the file, by PyTorch's name */
    int64_t np = 0;
    float *params = zn_model_params(m, &np);
    const int n_tensors = zn_model_param_tensors(m);
    for (int i = 0; i < n_tensors; i++) {
        const char *pn;
        int64_t r, cc, off;
        zn_model_param_info(m, i, &pn, &r, &cc, &off);
        if (strcmp(pn, "p_x") != 0)
            ZT_CHECK_MSG(zn_st_read_f32(f, pn, params + off, r * cc) == ZN_OK, "%s: parameter %s: %s", name, pn,
                         zn_last_error());
    }
    float *xin = golden_read(f, "input", NULL), *yw = golden_read(f, "output", NULL),
          *gy = golden_read(f, "grad_out", NULL);
    float *gxw = golden_read(f, "grad.input", NULL);
    ZT_CHECK(xin && yw && gy && gxw);
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 1;
    o.mode = ZN_WS_TRAIN;
    ZT_OK(zn_ws_create(m, &o, &ws));
    float *v = calloc((size_t)Y, sizeof(float)), *t = calloc((size_t)Y, sizeof(float));
    float *y_all = calloc((size_t)(B * Y), sizeof(float)), *gx_all = calloc((size_t)(B * X), sizeof(float));
    float *gsum = calloc((size_t)np, sizeof(float));
    for (int64_t b = 0; ws && b < B && xin && yw && gy && gxw; b++) {
        const void *feed_in[2] = {xin + b * X, t};
        zn_feed feed = {1, 0, feed_in};
        float *outs[1] = {v};
        ZT_OK(zn_model_run(m, ws, &feed, outs));
        for (int64_t i = 0; i < Y; i++) t[i] = v[i] - 0.5f * (float)Y * gy[b * Y + i];
        float l = 0;
        ZT_OK(zn_model_run_backward(m, ws, &feed, &l));
        int64_t ng = 0;
        const float *grads = zn_ws_grads(ws, &ng);
        for (int i = 0; i < n_tensors; i++) {
            const char *pn;
            int64_t r, cc, off;
            zn_model_param_info(m, i, &pn, &r, &cc, &off);
            if (!strcmp(pn, "p_x")) memcpy(gx_all + b * X, grads + off, (size_t)X * sizeof(float));
        }
        for (int64_t i = 0; i < np; i++) gsum[i] += grads[i];
        memcpy(y_all + b * Y, v, (size_t)Y * sizeof(float));
    }
    if (xin && yw && gy && gxw) {
        golden_compare(name, "output", y_all, yw, B * Y, 0, tol);
        golden_compare(name, "grad.input", gx_all, gxw, B * X, 0, tol);
    }
    int n_grads = 0;
    for (int i = 0; i < n_tensors; i++) {
        const char *pn;
        int64_t r, cc, off;
        zn_model_param_info(m, i, &pn, &r, &cc, &off);
        if (!strcmp(pn, "p_x")) continue;
        char gname[300];
        snprintf(gname, sizeof gname, "grad.%s", pn);
        int64_t n = 0;
        float *gw = golden_read(f, gname, &n);
        ZT_CHECK_MSG(gw && n == r * cc, "%s: no %s of %lld values in the file", name, gname, (long long)(r * cc));
        if (gw && n == r * cc) golden_compare(name, gname, gsum + off, gw, n, 0, tol), n_grads++;
        free(gw);
    }
    /* the file holds no parameter the model lacks */
    int file_params = 0;
    for (int64_t i = 0; i < zn_st_count(f); i++) {
        zn_st_info info;
        zn_st_tensor(f, i, &info);
        file_params += !strncmp(info.name, "grad.", 5) && strcmp(info.name, "grad.input") != 0;
    }
    ZT_CHECK_MSG(file_params == n_grads, "%s: the file has %d parameter gradients, the model %d", name, file_params,
                 n_grads);
    free(v), free(t), free(y_all), free(gx_all), free(gsum), free(xin), free(yw), free(gy), free(gxw);
    zn_ws_free(ws);
    zn_model_free(m);
    zn_st_close(f);
}

static void test_conv1d(void) {
    static const char *const cases[] = {"conv1d_valid",     "conv1d_same",      "conv1d_same_k4",   "conv1d_causal",
                                        "conv1d_stride2",   "conv1d_dilation2", "conv1d_dilation8", "conv1d_groups2",
                                        "conv1d_depthwise", "conv1d_nobias"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(cases[i], build_conv, 1e-5);
}

static void test_pooling(void) {
    static const char *const cases[] = {"max_pool1d_k2s2",
                                        "max_pool1d_k3s1_pad1",
                                        "max_pool1d_k3s2",
                                        "max_pool1d_k3s2_ceil",
                                        "avg_pool1d_k3s2",
                                        "avg_pool1d_k3s2_ceil",
                                        "avg_pool1d_k3s2_pad1_incl",
                                        "avg_pool1d_k3s2_pad1_excl",
                                        "avg_pool1d_k3s2_pad1_ceil_excl",
                                        "avg_pool1d_k4s3_pad1_ceil_incl"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(cases[i], build_pool, 1e-5);
}

static void test_interp_tcn(void) {
    run_case("interpolate_linear_up", build_interp, 1e-5);
    run_case("interpolate_linear_down", build_interp, 1e-5);
    run_case("tcn", build_tcn, 1e-5);
    run_case("tcn_weight_norm", build_tcn, 1e-5);
}

int main(void) {
    ZT_RUN(test_conv1d);
    ZT_RUN(test_pooling);
    ZT_RUN(test_interp_tcn);
    return zt_finish();
}
