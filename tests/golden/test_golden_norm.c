/* The normalisation and embedding layers against PyTorch 1.13's numbers
 * (tests/golden/data, made by gen_golden.py): layer norm with and without
 * its affine parameters, RMS norm, batch norm in training (output,
 * gradients, updated running statistics) and in evaluation (output), and
 * an embedding with repeated ids (the weight's gradient accumulates).
 *
 * The file's batch is one sample of the model here (dims [B, T, C] after a
 * batch of 1), so its input is a parameter "input" whose gradient is the
 * file's grad.input; the other parameters take the file's tensors by name
 * ("<layer>.weight" <- "weight"). The loss mean|y * G - (-1e4)| with
 * G = grad_out * count gives y the upstream gradient grad_out. */
#include "golden.h"

#define DATA ZN_SOURCE_DIR "/tests/golden/data/"

enum { KIND_LN, KIND_RMS, KIND_BN, KIND_EMB };

static void run_case(const char *file, int kind) {
    zn_st_file *f = NULL;
    char path[512];
    snprintf(path, sizeof path, DATA "%s.safetensors", file);
    ZT_OK(zn_st_open(path, &f));
    if (!f) return;
    zn_st_info out_info;
    ZT_OK(zn_st_find(f, "output", &out_info));
    const int64_t B = out_info.shape[0], T = out_info.shape[1], C = out_info.shape[2], count = B * T * C;
    const double eps = golden_cfg_at(zn_st_metadata(f, "config"), "eps", 0, 1e-5);
    const int affine =
        (int)golden_cfg_at(zn_st_metadata(f, "config"), kind == KIND_BN ? "affine" : "elementwise_affine", 0, 1);
    const int training = (int)golden_cfg_at(zn_st_metadata(f, "config"), "training", 0, 1);
    zn_norm_opts o = zn_norm_opts_default();
    o.eps = (float)eps;
    o.affine = affine;
    o.momentum = (float)golden_cfg_at(zn_st_metadata(f, "config"), "momentum", 0, 0.1);

    zn_graph *g = NULL;
    ZT_OK(zn_graph_create(&g));
    const int64_t dims[3] = {B, T, C};
    zn_node *y;
    if (kind == KIND_EMB) {
        zn_node *ids = zn_input_nd(g, "ids", ZN_I32, 2, dims, -1);
        y = zn_embedding(g, ids, (int64_t)golden_cfg_at(zn_st_metadata(f, "config"), "num_embeddings", 0, 0), C, "m");
    } else {
        zn_node *x = zn_add(g, zn_input_nd(g, "zero", ZN_F32, 3, dims, -1),
                            zn_param_nd(g, "input", 3, dims, ZN_INIT_ZERO, 0.0f));
        y = kind == KIND_LN    ? zn_layer_norm(g, x, "m", &o)
            : kind == KIND_RMS ? zn_rms_norm(g, x, "m", &o)
                               : zn_batch_norm(g, x, "m", &o);
    }
    zn_node *gin = zn_input_nd(g, "grad_out", ZN_F32, 3, dims, -1),
            *floor = zn_input_nd(g, "floor", ZN_F32, 3, dims, -1);
    zn_node *loss = zn_mae(g, zn_mul(g, y, gin), floor);
    zn_model *m = NULL;
    ZT_OK(zn_model_compile(g, &y, 1, loss, 1, &m));
    zn_graph_free(g);
    if (!m) {
        zn_st_close(f);
        return;
    }
    /* parameters and constants by name: "m.weight" <- "weight", "input" <- "input" */
    int64_t np = 0, nc = 0;
    float *params = zn_model_params(m, &np), *consts = zn_model_consts(m, &nc);
    for (int stored = 0; stored < 2; stored++) {
        const int n = stored ? zn_model_const_tensors(m) : zn_model_param_tensors(m);
        for (int i = 0; i < n; i++) {
            const char *name = NULL;
            int64_t off = 0, want = 0;
            ZT_OK(stored ? zn_model_const_info(m, i, &name, NULL, NULL, &off)
                         : zn_model_param_info(m, i, &name, NULL, NULL, &off));
            const char *key = strncmp(name, "m.", 2) ? name : name + 2;
            float *v = golden_read(f, key, &want);
            ZT_CHECK_MSG(v != NULL, "%s: no tensor '%s' in the file", file, key);
            if (v) memcpy((stored ? consts : params) + off, v, (size_t)want * sizeof *v);
            free(v);
        }
    }
    float *gout = golden_read(f, "grad_out", NULL), *floor_v = malloc((size_t)count * sizeof *floor_v),
          *zero = calloc((size_t)count, sizeof *zero);
    for (int64_t i = 0; i < count; i++) gout[i] *= (float)count, floor_v[i] = -1e4f;
    int32_t *ids = NULL;
    if (kind == KIND_EMB) {
        zn_st_info info;
        ZT_OK(zn_st_find(f, "ids", &info));
        ids = malloc(info.nbytes);
        memcpy(ids, info.data, info.nbytes);
    }
    const void *in[3] = {kind == KIND_EMB ? (const void *)ids : zero, gout, floor_v};
    zn_feed feed = {1, 0, in};
    float *want_y = golden_read(f, "output", NULL), *got_y = malloc((size_t)count * sizeof *got_y);
    zn_ws_opts wo = zn_ws_opts_default();
    wo.max_batch = 1;
    zn_ws *ws = NULL;
    if (training) {
        wo.mode = ZN_WS_TRAIN;
        ZT_OK(zn_ws_create(m, &wo, &ws));
        float l = 0;
        ZT_OK(zn_model_run_backward(m, ws, &feed, &l));
        const float *yv = zn_ws_node_value(ws, zn_model_output_node(m, 0));
        ZT_CHECK(yv != NULL);
        if (yv) golden_compare(file, "output", yv, want_y, count, 1e-5, 1e-6);
        int64_t ng = 0;
        const float *grads = zn_ws_grads(ws, &ng);
        for (int i = 0; i < zn_model_param_tensors(m); i++) {
            const char *name = NULL;
            int64_t off = 0, n = 0;
            zn_model_param_info(m, i, &name, NULL, NULL, &off);
            char key[64];
            snprintf(key, sizeof key, "grad.%s", strncmp(name, "m.", 2) ? name : name + 2);
            float *v = golden_read(f, key, &n);
            ZT_CHECK_MSG(v != NULL, "%s: no tensor '%s' in the file", file, key);
            if (v) golden_compare(file, key, grads + off, v, n, 1e-5, 1e-6);
            free(v);
        }
        for (int i = 0; kind == KIND_BN && i < 2; i++) { /* the running statistics after the step */
            int64_t off = 0;
            zn_model_const_info(m, i, NULL, NULL, NULL, &off);
            float *v = golden_read(f, i ? "updated.running_var" : "updated.running_mean", NULL);
            ZT_CHECK(v != NULL);
            if (v)
                golden_compare(file, i ? "updated.running_var" : "updated.running_mean", consts + off, v, C, 1e-5,
                               1e-6);
            free(v);
        }
    } else { /* evaluation: the output through the running statistics */
        wo.mode = ZN_WS_INFER;
        ZT_OK(zn_ws_create(m, &wo, &ws));
        float *outs[1] = {got_y};
        ZT_OK(zn_model_run(m, ws, &feed, outs));
        golden_compare(file, "output", got_y, want_y, count, 1e-5, 1e-6);
    }
    zn_ws_free(ws);
    free(ids);
    free(got_y);
    free(want_y);
    free(gout);
    free(floor_v);
    free(zero);
    zn_model_free(m);
    zn_st_close(f);
}

static void test_layer_norm_affine(void) { run_case("layer_norm_affine", KIND_LN); }
static void test_layer_norm_plain(void) { run_case("layer_norm_plain", KIND_LN); }
static void test_rms_norm(void) { run_case("rms_norm", KIND_RMS); }
static void test_batch_norm_train(void) { run_case("batch_norm1d_train", KIND_BN); }
static void test_batch_norm_eval(void) { run_case("batch_norm1d_eval", KIND_BN); }
static void test_embedding(void) { run_case("embedding", KIND_EMB); }

int main(void) {
    ZT_RUN(test_layer_norm_affine);
    ZT_RUN(test_layer_norm_plain);
    ZT_RUN(test_rms_norm);
    ZT_RUN(test_batch_norm_train);
    ZT_RUN(test_batch_norm_eval);
    ZT_RUN(test_embedding);
    return zt_finish();
}
