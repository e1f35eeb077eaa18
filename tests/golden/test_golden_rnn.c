/* Golden tests of the recurrent layers (zn_rnn, zn_lstm, zn_gru) against
 * PyTorch 1.13 (tests/golden/data, made by gen_golden.py on branch
 * h-golden): 1 and 2 layers, one and two directions, h0/c0 given, outputs
 * y, h_n, c_n and the gradients of sum(y gy) + sum(h_n gh) + sum(c_n gc)
 * with respect to the input, h0, c0 and every parameter, at 1e-5 of each
 * tensor's largest value (1e-4 for the 100-step LSTM).
 *
 * Gradients with respect to x, h0 and c0 come from zero parameters added to
 * them (x + p_x), one sample per pass; the loss is an MSE against
 * target = v - (N/2) g, whose gradient with respect to v is g. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "zenn/nn.h"
#include "zenn/safetensors.h"
#include "golden.h"

typedef struct golden {
    zn_st_file *f;
    int kind; /* 0 rnn, 1 lstm, 2 gru */
    int relu, layers, D;
    int64_t B, T, I, H;
} golden;

static void run_case(const char *name, double tol) {
    char path[512];
    snprintf(path, sizeof path, "%s/tests/golden/data/%s.safetensors", ZN_SOURCE_DIR, name);
    golden c;
    memset(&c, 0, sizeof c);
    if (zn_st_open(path, &c.f) != ZN_OK) {
        ZT_FAIL("%s: cannot open %s: %s", name, path, zn_last_error());
        return;
    }
    const char *cfg = zn_st_metadata(c.f, "config");
    ZT_CHECK(cfg != NULL);
    if (!cfg) return;
    c.kind = strstr(cfg, "\"kind\": \"lstm\"") ? 1 : strstr(cfg, "\"kind\": \"gru\"") ? 2 : 0;
    c.relu = strstr(cfg, "\"nonlinearity\": \"relu\"") != NULL;
    c.layers = (int)golden_cfg_at(cfg, "num_layers", 0, -1);
    c.D = golden_cfg_at(cfg, "bidirectional", 0, -1) > 0 ? 2 : 1;
    c.B = (int64_t)golden_cfg_at(cfg, "batch", 0, -1);
    c.T = (int64_t)golden_cfg_at(cfg, "steps", 0, -1);
    c.I = (int64_t)golden_cfg_at(cfg, "input_size", 0, -1);
    c.H = (int64_t)golden_cfg_at(cfg, "hidden_size", 0, -1);
    const int lstm = c.kind == 1, LD = c.layers * c.D;
    const int64_t T = c.T, I = c.I, H = c.H, DH = c.D * H, S = LD * H;

    /* x + p_x, h0 + p_h0, c0 + p_c0; the layer; [y | h_n | c_n] flat */
    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    const int64_t xd[2] = {T, I}, sd[2] = {LD, H};
    zn_node *x = zn_add(g, zn_input_nd(g, "x", ZN_F32, 2, xd, -1), zn_param_nd(g, "p_x", 2, xd, ZN_INIT_ZERO, 0));
    zn_node *h0 = zn_add(g, zn_input_nd(g, "h0", ZN_F32, 2, sd, -1), zn_param_nd(g, "p_h0", 2, sd, ZN_INIT_ZERO, 0));
    zn_node *c0 =
        lstm ? zn_add(g, zn_input_nd(g, "c0", ZN_F32, 2, sd, -1), zn_param_nd(g, "p_c0", 2, sd, ZN_INIT_ZERO, 0))
             : NULL;
    zn_rnn_spec spec = zn_rnn_spec_default(H);
    spec.num_layers = c.layers;
    spec.bidirectional = c.D == 2;
    spec.relu = c.relu;
    zn_node *hn = NULL, *cn = NULL, *y;
    if (c.kind == 1)
        y = zn_lstm(g, x, &spec, "rnn", h0, c0, &hn, &cn);
    else if (c.kind == 2)
        y = zn_gru(g, x, &spec, "rnn", h0, &hn);
    else
        y = zn_rnn(g, x, &spec, "rnn", h0, &hn);
    const int64_t fy[1] = {T * DH}, fs[1] = {S};
    zn_node *parts[3] = {zn_reshape(g, y, 1, fy), zn_reshape(g, hn, 1, fs), lstm ? zn_reshape(g, cn, 1, fs) : NULL};
    zn_node *flat = zn_concat_axis(g, parts, lstm ? 3 : 2, 0);
    const int64_t V = T * DH + (lstm ? 2 : 1) * S, vd[1] = {V};
    zn_node *target = zn_input_nd(g, "target", ZN_F32, 1, vd, -1);
    zn_node *loss = zn_mse(g, flat, target);
    zn_model *m = NULL;
    zn_status st = zn_model_compile(g, &flat, 1, loss, 1, &m);
    ZT_CHECK_MSG(st == ZN_OK, "%s: compile: %s", name, zn_last_error());
    zn_graph_free(g);
    if (st != ZN_OK) {
        zn_st_close(c.f);
        return;
    }

    /* PyTorch's parameters by name; ours are "rnn.<name>" */
    int64_t np = 0;
    float *params = zn_model_params(m, &np);
    const int n_tensors = zn_model_param_tensors(m);
    for (int i = 0; i < n_tensors; i++) {
        const char *pn;
        int64_t r, cc, off;
        zn_model_param_info(m, i, &pn, &r, &cc, &off);
        if (strncmp(pn, "rnn.", 4) != 0) continue;
        ZT_CHECK_MSG(zn_st_read_f32(c.f, pn + 4, params + off, r * cc) == ZN_OK, "%s: parameter %s: %s", name, pn,
                     zn_last_error());
    }

    float *xin = golden_read(c.f, "input", NULL), *h0in = golden_read(c.f, "h0", NULL);
    float *c0in = lstm ? golden_read(c.f, "c0", NULL) : NULL;
    float *yw = golden_read(c.f, "output", NULL), *hnw = golden_read(c.f, "h_n", NULL);
    float *cnw = lstm ? golden_read(c.f, "c_n", NULL) : NULL;
    float *gy = golden_read(c.f, "grad_out", NULL), *ghn = golden_read(c.f, "grad_out.h_n", NULL);
    float *gcn = lstm ? golden_read(c.f, "grad_out.c_n", NULL) : NULL;
    float *gx_w = golden_read(c.f, "grad.input", NULL), *gh0_w = golden_read(c.f, "grad.h0", NULL);
    float *gc0_w = lstm ? golden_read(c.f, "grad.c0", NULL) : NULL;
    ZT_CHECK(xin && h0in && yw && hnw && gy && ghn && gx_w && gh0_w && (!lstm || (c0in && cnw && gcn && gc0_w)));

    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 1;
    o.mode = ZN_WS_TRAIN;
    ZT_OK(zn_ws_create(m, &o, &ws));
    float *v = calloc((size_t)V, sizeof(float)), *t = calloc((size_t)V, sizeof(float));
    float *s_h0 = calloc((size_t)S, sizeof(float)), *s_c0 = calloc((size_t)S, sizeof(float));
    float *y_all = calloc((size_t)(c.B * T * DH), sizeof(float)),
          *hn_all = calloc((size_t)(LD * c.B * H), sizeof(float));
    float *cn_all = calloc((size_t)(LD * c.B * H), sizeof(float)),
          *gx_all = calloc((size_t)(c.B * T * I), sizeof(float));
    float *gh0_all = calloc((size_t)(LD * c.B * H), sizeof(float)),
          *gc0_all = calloc((size_t)(LD * c.B * H), sizeof(float));
    float *gsum = calloc((size_t)np, sizeof(float));
    for (int64_t b = 0; b < c.B && xin && h0in && gy && ghn; b++) {
        /* [LD][B][H] -> this sample's [LD][H] */
        for (int k = 0; k < LD; k++) {
            memcpy(s_h0 + k * H, h0in + (k * c.B + b) * H, (size_t)H * sizeof(float));
            if (lstm) memcpy(s_c0 + k * H, c0in + (k * c.B + b) * H, (size_t)H * sizeof(float));
        }
        const void *in[4] = {xin + b * T * I, s_h0, lstm ? (const void *)s_c0 : (const void *)t, t};
        /* inputs in model order: x, h0, (c0), target */
        const void *feed_in[4];
        int fi = 0;
        feed_in[fi++] = in[0];
        feed_in[fi++] = in[1];
        if (lstm) feed_in[fi++] = in[2];
        feed_in[fi++] = t;
        zn_feed feed = {1, 0, feed_in};
        float *outs[1] = {v};
        ZT_OK(zn_model_run(m, ws, &feed, outs));
        /* target = v - (V/2) g */
        float *gv = calloc((size_t)V, sizeof(float));
        memcpy(gv, gy + b * T * DH, (size_t)(T * DH) * sizeof(float));
        for (int k = 0; k < LD; k++) {
            memcpy(gv + T * DH + k * H, ghn + (k * c.B + b) * H, (size_t)H * sizeof(float));
            if (lstm) memcpy(gv + T * DH + S + k * H, gcn + (k * c.B + b) * H, (size_t)H * sizeof(float));
        }
        for (int64_t i = 0; i < V; i++) t[i] = v[i] - 0.5f * (float)V * gv[i];
        free(gv);
        float l = 0;
        ZT_OK(zn_model_run_backward(m, ws, &feed, &l));
        int64_t ng = 0;
        const float *grads = zn_ws_grads(ws, &ng);
        for (int i = 0; i < n_tensors; i++) {
            const char *pn;
            int64_t r, cc, off;
            zn_model_param_info(m, i, &pn, &r, &cc, &off);
            if (!strcmp(pn, "p_x")) memcpy(gx_all + b * T * I, grads + off, (size_t)(T * I) * sizeof(float));
            for (int k = 0; k < LD && !strcmp(pn, "p_h0"); k++)
                memcpy(gh0_all + (k * c.B + b) * H, grads + off + k * H, (size_t)H * sizeof(float));
            for (int k = 0; k < LD && !strcmp(pn, "p_c0"); k++)
                memcpy(gc0_all + (k * c.B + b) * H, grads + off + k * H, (size_t)H * sizeof(float));
        }
        for (int64_t i = 0; i < np; i++) gsum[i] += grads[i];
        memcpy(y_all + b * T * DH, v, (size_t)(T * DH) * sizeof(float));
        for (int k = 0; k < LD; k++) {
            memcpy(hn_all + (k * c.B + b) * H, v + T * DH + k * H, (size_t)H * sizeof(float));
            if (lstm) memcpy(cn_all + (k * c.B + b) * H, v + T * DH + S + k * H, (size_t)H * sizeof(float));
        }
    }
    if (yw && hnw && gx_w && gh0_w) {
        golden_compare(name, "output", y_all, yw, c.B * T * DH, 0, tol);
        golden_compare(name, "h_n", hn_all, hnw, LD * c.B * H, 0, tol);
        golden_compare(name, "grad.input", gx_all, gx_w, c.B * T * I, 0, tol);
        golden_compare(name, "grad.h0", gh0_all, gh0_w, LD * c.B * H, 0, tol);
        if (lstm && cnw && gc0_w) {
            golden_compare(name, "c_n", cn_all, cnw, LD * c.B * H, 0, tol);
            golden_compare(name, "grad.c0", gc0_all, gc0_w, LD * c.B * H, 0, tol);
        }
    }
    for (int i = 0; i < n_tensors; i++) {
        const char *pn;
        int64_t r, cc, off;
        zn_model_param_info(m, i, &pn, &r, &cc, &off);
        if (strncmp(pn, "rnn.", 4) != 0) continue;
        char gname[128];
        snprintf(gname, sizeof gname, "grad.%s", pn + 4);
        int64_t n = 0;
        float *want = golden_read(c.f, gname, &n);
        ZT_CHECK_MSG(want && n == r * cc, "%s: no %s", name, gname);
        if (want && n == r * cc) golden_compare(name, gname, gsum + off, want, n, 0, tol);
        free(want);
    }
    free(v), free(t), free(s_h0), free(s_c0), free(y_all), free(hn_all), free(cn_all), free(gx_all);
    free(gh0_all), free(gc0_all), free(gsum);
    free(xin), free(h0in), free(c0in), free(yw), free(hnw), free(cnw), free(gy), free(ghn), free(gcn);
    free(gx_w), free(gh0_w), free(gc0_w);
    zn_ws_free(ws);
    zn_model_free(m);
    zn_st_close(c.f);
}

static void test_golden_layers(void) {
    static const char *const kinds[4] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};
    static const char *const shapes[4] = {"l1", "l1_bidir", "l2", "l2_bidir"};
    char name[64];
    for (int k = 0; k < 4; k++)
        for (int s = 0; s < 4; s++) {
            snprintf(name, sizeof name, "%s_%s", kinds[k], shapes[s]);
            run_case(name, 1e-5);
        }
}

static void test_golden_long(void) { run_case("lstm_long", 1e-4); }

int main(void) {
    ZT_RUN(test_golden_layers);
    ZT_RUN(test_golden_long);
    return zt_finish();
}
