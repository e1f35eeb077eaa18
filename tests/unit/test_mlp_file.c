/* zn_mlp: sparse and shortcut networks, and model files round trip exactly. */
#include <unistd.h>

#include "zn_test.h"

#define DATA(f) ZN_SOURCE_DIR "/data/" f

static void test_sparse_mask(void) {
    zn_mlp_spec s = zn_mlp_spec_default();
    s.n_layers = 3;
    s.sizes[0] = 20;
    s.sizes[1] = 30;
    s.sizes[2] = 4;
    s.connection_rate = 0.25f;
    zn_model *m = NULL;
    ZT_OK(zn_mlp_create(&s, 5, &m));
    ZT_CHECK(zn_model_const_tensors(m) == 2);
    for (int i = 0; i < zn_model_const_tensors(m); i++) {
        int64_t rows, cols, off;
        ZT_OK(zn_model_const_info(m, i, NULL, &rows, &cols, &off));
        const float *mask = zn_model_consts(m, NULL) + off;
        int64_t ones = 0;
        for (int64_t r = 0; r < rows; r++) {
            int any = 0;
            for (int64_t c = 0; c < cols; c++) {
                ZT_CHECK(mask[r * cols + c] == 0.0f || mask[r * cols + c] == 1.0f);
                any |= mask[r * cols + c] != 0.0f;
                ones += mask[r * cols + c] != 0.0f;
            }
            ZT_CHECK(any); /* every input feeds a unit */
        }
        for (int64_t c = 0; c < cols; c++) {
            int any = 0;
            for (int64_t r = 0; r < rows; r++) any |= mask[r * cols + c] != 0.0f;
            ZT_CHECK(any); /* every unit has an input */
        }
        ZT_CHECK(ones >= (int64_t)(0.25 * rows * cols) && ones <= (int64_t)(0.25 * rows * cols) + rows + cols);
    }
    zn_model_free(m);
}

static void test_sparse_and_shortcut_train(void) {
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_load_fann(DATA("diabetes.train"), NULL, &d));
    for (int variant = 0; variant < 2; variant++) {
        zn_mlp_spec s = zn_mlp_spec_default();
        s.n_layers = 4;
        s.sizes[0] = 8;
        s.sizes[1] = 16;
        s.sizes[2] = 8;
        s.sizes[3] = 2;
        if (variant == 0)
            s.connection_rate = 0.5f;
        else
            s.shortcut = 1;
        zn_model *m = NULL;
        ZT_OK(zn_mlp_create(&s, 2, &m));
        zn_train_config c = zn_train_config_default(ZN_ALGO_RPROP);
        c.epochs = 150;
        zn_train_report r;
        ZT_OK(zn_train(m, d, NULL, &c, &r));
        ZT_CHECK_MSG(r.train_mse < 0.2, "%s: mse %g", variant ? "shortcut" : "sparse", r.train_mse);
        zn_model_free(m);
    }
    zn_dataset_free(d);
}

static void test_file_round_trip(void) {
    zn_mlp_spec s = zn_mlp_spec_default();
    s.n_layers = 4;
    s.sizes[0] = 5;
    s.sizes[1] = 7;
    s.sizes[2] = 6;
    s.sizes[3] = 3;
    s.shortcut = 1;
    s.connection_rate = 0.6f;
    s.hidden_act = ZN_NACT_ELLIOT_SYMMETRIC;
    s.hidden_steepness = 0.3f;
    s.loss = ZN_LOSS_XENT;
    float mul[5] = {1, 2, 3, 4, 5}, add[5] = {-1, -2, -3, -4, -5};
    zn_scaler sc = {ZN_SCALE_STANDARD, 5, 0, 0, mul, add};
    char *names[3] = {"cat", "dog, big", "\"emu\""};
    char *targets[1] = {"animal"};
    zn_mlp *m = NULL, *back = NULL;
    ZT_OK(zn_mlp_wrap(&s, 9, &sc, NULL, 3, names, &m));
    ZT_OK(zn_mlp_set_targets(m, targets, 1));
    char path[] = "/tmp/zn_mlp_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    ZT_OK(zn_mlp_save(m, path));
    ZT_OK(zn_mlp_load(path, &back));
    if (back) {
        ZT_CHECK(memcmp(&back->spec, &m->spec, sizeof s) == 0);
        int64_t n1, n2;
        const float *p1 = zn_model_params_const(m->model, &n1), *p2 = zn_model_params_const(back->model, &n2);
        ZT_CHECK(n1 == n2 && memcmp(p1, p2, (size_t)n1 * sizeof(float)) == 0);
        const float *c1 = zn_model_consts(m->model, &n1), *c2 = zn_model_consts(back->model, &n2);
        ZT_CHECK(n1 == n2 && n1 > 0 && memcmp(c1, c2, (size_t)n1 * sizeof(float)) == 0);
        ZT_CHECK(back->n_classes == 3 && strcmp(back->class_names[1], "dog, big") == 0);
        ZT_CHECK(back->n_targets == 1 && strcmp(back->target_names[0], "animal") == 0);
        ZT_CHECK(back->input_scaler && back->input_scaler->mul[4] == 5.0f && back->input_scaler->add[0] == -1.0f);
        ZT_CHECK(back->output_scaler == NULL);
        /* Same predictions. */
        float x[10] = {1, 2, 3, 4, 5, -1, 0, 1, 0, 2}, y1[6], y2[6];
        zn_ws *w1 = NULL, *w2 = NULL;
        zn_ws_opts o = zn_ws_opts_default();
        o.max_batch = 2;
        ZT_OK(zn_ws_create(m->model, &o, &w1));
        ZT_OK(zn_ws_create(back->model, &o, &w2));
        ZT_OK(zn_mlp_predict(m, w1, 2, x, y1));
        ZT_OK(zn_mlp_predict(back, w2, 2, x, y2));
        ZT_CHECK(memcmp(y1, y2, sizeof y1) == 0);
        zn_ws_free(w1);
        zn_ws_free(w2);
    }
    /* Saving twice gives the same bytes. */
    char path2[] = "/tmp/zn_mlp_XXXXXX";
    fd = mkstemp(path2);
    close(fd);
    ZT_OK(zn_mlp_save(back ? back : m, path2));
    char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    FILE *fa = fopen(path, "rb"), *fb = fopen(path2, "rb");
    if (fa && fb) {
        fseek(fa, 0, SEEK_END);
        fseek(fb, 0, SEEK_END);
        la = (size_t)ftell(fa);
        lb = (size_t)ftell(fb);
        rewind(fa);
        rewind(fb);
        a = malloc(la);
        b = malloc(lb);
        ZT_CHECK(fread(a, 1, la, fa) == la && fread(b, 1, lb, fb) == lb);
        ZT_CHECK(la == lb && memcmp(a, b, la) == 0);
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    free(a);
    free(b);
    /* A data file is not a model. */
    zn_mlp *bad = NULL;
    ZT_ERR(zn_mlp_load(DATA("xor.data"), &bad), ZN_ERR_FORMAT);
    ZT_CHECK(bad == NULL);
    unlink(path);
    unlink(path2);
    zn_mlp_free(m);
    zn_mlp_free(back);
}

/* A file holding m's tensors and the given metadata, as a damaged or older writer would leave it. */
static void write_with_meta(const zn_mlp *m, const char *json, const char *path) {
    zn_st_writer *w = NULL;
    ZT_OK(zn_st_writer_create(&w));
    ZT_OK(zn_st_writer_set_metadata(w, "zenn", json));
    const float *params = zn_model_params_const(m->model, NULL);
    for (int i = 0; i < zn_model_param_tensors(m->model); i++) {
        const char *name;
        int64_t rows, cols, off;
        zn_model_param_info(m->model, i, &name, &rows, &cols, &off);
        int64_t shape[2] = {rows, cols};
        ZT_OK(zn_st_writer_add(w, name, ZN_F32, cols == 1 ? 1 : 2, shape, params + off));
    }
    ZT_OK(zn_st_writer_save(w, path));
    zn_st_writer_free(w);
}

#define META_HEAD "{\"format\":\"zenn-mlp\",\"version\":1,"
#define META_TAIL                                                                                                      \
    "\"hidden_act\":\"sigmoid\",\"hidden_steepness\":1,\"output_act\":\"linear\",\"output_steepness\":1,"              \
    "\"shortcut\":false,\"loss\":\"mse\",\"fann_derivatives\":false,\"classes\":[],\"targets\":[],"                    \
    "\"input_scaling\":null,\"output_scaling\":null"

/* Issue 16 §5: bad metadata says what is wrong, once prefixed with the path
 * (the old code formatted zn_last_error() into itself: "f: f: "). */
static void test_bad_metadata_messages(void) {
    zn_mlp_spec s = zn_mlp_spec_default();
    s.n_layers = 3;
    s.sizes[0] = 2;
    s.sizes[1] = 3;
    s.sizes[2] = 1;
    s.loss = ZN_LOSS_MSE;
    zn_mlp *m = NULL;
    ZT_OK(zn_mlp_wrap(&s, 1, NULL, NULL, 0, NULL, &m));
    if (!m) return;
    char path[] = "/tmp/zn_mlp_meta_XXXXXX";
    close(mkstemp(path));
    static const struct {
        const char *meta, *said;
    } cases[] = {
        {META_HEAD "\"layers\":[2,3,1],\"dropout\":1,\"connection_rate\":0," META_TAIL "}",
         "dropout 1 is not in [0, 1)"},
        {META_HEAD "\"layers\":[2,3,1],\"dropout\":0,\"connection_rate\":2.0," META_TAIL "}",
         "connection_rate 2 is not in [0, 1]"},
        {META_HEAD "\"layers\":[2,100000000,1],\"dropout\":0,\"connection_rate\":0," META_TAIL "}",
         "layer 1 has 100000000 units, but tensor 'layer1.bias' has shape [3]"},
        {META_HEAD "\"layers\":[5,3,1],\"dropout\":0,\"connection_rate\":0," META_TAIL "}",
         "layer 1 takes 5 inputs to 3 units, but tensor 'layer1.weight' has another shape"},
        {META_HEAD "\"layers\":[2,3,1],\"dropout\":0,\"connection_rate\":0,\"inputs\":[\"a\"]," META_TAIL "}",
         "1 input names for 2 inputs"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_with_meta(m, cases[i].meta, path);
        zn_mlp *back = NULL;
        ZT_ERR(zn_mlp_load(path, &back), ZN_ERR_FORMAT);
        ZT_CHECK(back == NULL);
        const char *msg = zn_last_error();
        ZT_CHECK_MSG(strstr(msg, cases[i].said) != NULL, "case %zu: '%s' lacks '%s'", i, msg, cases[i].said);
        ZT_CHECK_MSG(strncmp(msg, path, strlen(path)) == 0 && strstr(msg + 1, path) == NULL,
                     "case %zu: '%s' names the file once, first", i, msg);
    }
    /* A file from before input names: loads, with none. */
    write_with_meta(m, META_HEAD "\"layers\":[2,3,1],\"dropout\":0,\"connection_rate\":0," META_TAIL "}", path);
    zn_mlp *old = NULL;
    ZT_OK(zn_mlp_load(path, &old));
    ZT_CHECK(old && old->input_names == NULL);
    zn_mlp_free(old);
    unlink(path);
    zn_mlp_free(m);
}

/* Input names and an output (target) scaler round trip; a non-finite model is
 * refused with the tensor named and the file left alone (issue 16 §1, §2). */
static void test_save_names_scaler_finite(void) {
    zn_mlp_spec s = zn_mlp_spec_default();
    s.n_layers = 3;
    s.sizes[0] = 3;
    s.sizes[1] = 4;
    s.sizes[2] = 2;
    s.loss = ZN_LOSS_MSE;
    float mul[2] = {0.5f, 0.25f}, add[2] = {-3.0f, 1.0f};
    zn_scaler out = {ZN_SCALE_STANDARD, 2, 0, 0, mul, add};
    zn_mlp *m = NULL, *back = NULL;
    ZT_OK(zn_mlp_wrap(&s, 4, NULL, &out, 0, NULL, &m));
    if (!m) return;
    char *inputs[3] = {"age", "bmi, kg/m2", "b\xc3\xa9"}, *targets[2] = {"y1", "y2"};
    ZT_OK(zn_mlp_set_inputs(m, inputs, 3));
    ZT_OK(zn_mlp_set_targets(m, targets, 2));
    char path[] = "/tmp/zn_mlp_names_XXXXXX";
    close(mkstemp(path));
    ZT_OK(zn_mlp_save(m, path));
    ZT_OK(zn_mlp_load(path, &back));
    ZT_CHECK(back && back->input_names && back->n_targets == 2);
    if (back && back->input_names)
        for (int i = 0; i < 3; i++) ZT_CHECK(strcmp(back->input_names[i], inputs[i]) == 0);
    ZT_CHECK(back && back->output_scaler && back->output_scaler->kind == ZN_SCALE_STANDARD);
    if (back && back->output_scaler) {
        ZT_CHECK(memcmp(back->output_scaler->mul, mul, sizeof mul) == 0);
        ZT_CHECK(memcmp(back->output_scaler->add, add, sizeof add) == 0);
        float x[3] = {1, 2, 3}, y1[2], y2[2];
        zn_ws *w1 = NULL, *w2 = NULL;
        ZT_OK(zn_ws_create(m->model, NULL, &w1));
        ZT_OK(zn_ws_create(back->model, NULL, &w2));
        ZT_OK(zn_mlp_predict(m, w1, 1, x, y1));
        ZT_OK(zn_mlp_predict(back, w2, 1, x, y2));
        ZT_CHECK(memcmp(y1, y2, sizeof y1) == 0);
        zn_ws_free(w1);
        zn_ws_free(w2);
    }
    zn_mlp_free(back);
    /* NaN in a weight, then infinity in a scaler: refused, the file untouched. */
    FILE *f = fopen(path, "rb");
    char before[4096];
    size_t n_before = f ? fread(before, 1, sizeof before, f) : 0;
    if (f) fclose(f);
    float *p = zn_model_params(m->model, NULL);
    float keep = p[5];
    p[5] = NAN;
    ZT_ERR(zn_mlp_save(m, path), ZN_ERR_INVALID_ARG);
    ZT_CHECK_MSG(strstr(zn_last_error(), "tensor 'layer1.weight' holds NaN") && strstr(zn_last_error(), path),
                 "message: %s", zn_last_error());
    p[5] = keep;
    m->output_scaler->add[1] = INFINITY;
    ZT_ERR(zn_mlp_save(m, path), ZN_ERR_INVALID_ARG);
    ZT_CHECK_MSG(strstr(zn_last_error(), "'scaler.output.add' holds an infinity"), "message: %s", zn_last_error());
    f = fopen(path, "rb");
    char after[4096];
    size_t n_after = f ? fread(after, 1, sizeof after, f) : 0;
    if (f) fclose(f);
    ZT_CHECK(n_before > 0 && n_before == n_after && memcmp(before, after, n_before) == 0);
    unlink(path);
    zn_mlp_free(m);
}

int main(void) {
    ZT_RUN(test_sparse_mask);
    ZT_RUN(test_sparse_and_shortcut_train);
    ZT_RUN(test_file_round_trip);
    ZT_RUN(test_bad_metadata_messages);
    ZT_RUN(test_save_names_scaler_finite);
    return zt_finish();
}
