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

int main(void) {
    ZT_RUN(test_sparse_mask);
    ZT_RUN(test_sparse_and_shortcut_train);
    ZT_RUN(test_file_round_trip);
    return zt_finish();
}
