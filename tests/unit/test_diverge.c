/* Divergence: every training path stops with ZN_ERR_DIVERGED and a message
 * naming the epoch when the loss or the weights become non-finite, and NaN
 * data is reported as data, not as a learning rate to lower. */
#include "zn_test.h"

#include "fann/fnet_internal.h"

#define DATA(f) ZN_SOURCE_DIR "/data/" f

/* digits.train.csv, standardised, as `zenn train` prepares it. */
static zn_dataset *digits(void) {
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_load_csv(DATA("digits.train.csv"), NULL, &d));
    zn_scaler *sc = NULL;
    ZT_OK(zn_scaler_fit(ZN_SCALE_STANDARD, 0, 0, d->x, d->rows, d->n_in, &sc));
    ZT_OK(zn_scaler_apply(sc, d->x, d->rows));
    zn_scaler_free(sc);
    return d;
}

/* The CLI's default classifier for d: relu hidden layer, softmax cross-entropy. */
static zn_model *classifier(const zn_dataset *d) {
    zn_mlp_spec s = zn_mlp_spec_default();
    s.n_layers = 3;
    s.sizes[0] = d->n_in;
    s.sizes[1] = 50;
    s.sizes[2] = d->n_out;
    s.hidden_act = ZN_NACT_RELU;
    s.hidden_steepness = 1.0f;
    s.output_act = ZN_NACT_LINEAR;
    s.output_steepness = 1.0f;
    s.loss = ZN_LOSS_XENT;
    s.init = ZN_INIT_XAVIER;
    s.init_scale = 1.0f;
    s.fann_derivatives = 0;
    zn_model *m = NULL;
    ZT_OK(zn_mlp_create(&s, 1, &m));
    return m;
}

static int64_t non_finite(const zn_model *m) {
    int64_t n = 0, bad = 0;
    const float *w = zn_model_params_const(m, &n);
    for (int64_t i = 0; i < n; i++) bad += !isfinite(w[i]);
    return bad;
}

/* The reproductions: plain SGD at lr 10 and 3 (fused batch step),
 * incremental at lr 3 (fused sequential step), momentum (the general step). */
static void test_mlp_paths_diverge(void) {
    zn_dataset *d = digits();
    const struct {
        zn_algo algo;
        float lr;
    } runs[] = {{ZN_ALGO_SGD, 10.0f}, {ZN_ALGO_SGD, 3.0f}, {ZN_ALGO_INCREMENTAL, 3.0f}, {ZN_ALGO_MOMENTUM, 10.0f}};
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        zn_model *m = classifier(d);
        zn_train_config c = zn_train_config_default(runs[r].algo);
        c.optim.lr = runs[r].lr;
        c.epochs = 3;
        zn_train_report rep;
        ZT_ERR(zn_train(m, d, NULL, &c, &rep), ZN_ERR_DIVERGED);
        ZT_CHECK_MSG(strstr(zn_last_error(), "epoch") && strstr(zn_last_error(), "learning rate"), "%s lr %g: '%s'",
                     zn_algo_name(runs[r].algo), (double)runs[r].lr, zn_last_error());
        fprintf(stderr, "%s lr %g: %s (%lld weights non-finite)\n", zn_algo_name(runs[r].algo), (double)runs[r].lr,
                zn_last_error(), (long long)non_finite(m));
        zn_model_free(m);
    }
    /* a sane rate still trains */
    zn_model *m = classifier(d);
    zn_train_config c = zn_train_config_default(ZN_ALGO_SGD);
    c.optim.lr = 0.05f;
    c.epochs = 2;
    ZT_OK(zn_train(m, d, NULL, &c, NULL));
    ZT_CHECK(non_finite(m) == 0);
    zn_model_free(m);
    zn_dataset_free(d);
}

/* NaN in the data (loaded with allow_nan) names the row and column. */
static void test_nan_data_is_named(void) {
    zn_dataset *d = digits();
    d->x[5 * d->n_in + 3] = NAN;
    zn_model *m = classifier(d);
    zn_train_config c = zn_train_config_default(ZN_ALGO_ADAM);
    c.epochs = 1;
    ZT_ERR(zn_train(m, d, NULL, &c, NULL), ZN_ERR_INVALID_ARG);
    const char *e = zn_last_error();
    ZT_CHECK_MSG(strstr(e, "row 6") && strstr(e, "column 4") && !strstr(e, "learning rate"), "'%s'", e);
    ZT_CHECK(non_finite(m) == 0);
    d->x[5 * d->n_in + 3] = 0.0f;
    d->y[7 * d->n_out] = INFINITY;
    ZT_ERR(zn_train(m, d, NULL, &c, NULL), ZN_ERR_INVALID_ARG);
    ZT_CHECK_MSG(strstr(zn_last_error(), "row 8") && strstr(zn_last_error(), "target"), "'%s'", zn_last_error());
    d->y[7 * d->n_out] = 0.0f;
    /* before scaling, and through the auto path (which scales) */
    d->x[2 * d->n_in + 9] = NAN;
    ZT_ERR(zn_train_check_data(d, "training"), ZN_ERR_INVALID_ARG);
    ZT_CHECK_MSG(strstr(zn_last_error(), "row 3, input column 10"), "'%s'", zn_last_error());
    zn_auto_config ac;
    ZT_OK(zn_train_auto_config(d, &ac));
    zn_mlp *mlp = NULL;
    ZT_ERR(zn_mlp_train_auto(d, &ac, &mlp, NULL), ZN_ERR_INVALID_ARG);
    ZT_CHECK_MSG(strstr(zn_last_error(), "row 3, input column 10"), "'%s'", zn_last_error());
    /* a column NaN throughout (what a scaler fitted on a NaN makes of it) is named so */
    for (int64_t r = 0; r < d->rows; r++) d->x[r * d->n_in + 9] = NAN;
    ZT_ERR(zn_train(m, d, NULL, &c, NULL), ZN_ERR_INVALID_ARG);
    ZT_CHECK_MSG(strstr(zn_last_error(), "scaled with a NaN"), "'%s'", zn_last_error());
    zn_model_free(m);
    zn_dataset_free(d);
}

/* FANN's trainers on zn_fnet at a learning rate that overflows the steps. */
static zn_fnet *linear_net(zn_algo algo, float lr) {
    unsigned sizes[3] = {2, 4, 1};
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_create_standard(3, sizes, 3, &net));
    zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
    zn_fnet_set_activation_output(net, ZN_NACT_LINEAR);
    net->training_algorithm = algo;
    net->learning_rate = lr;
    return net;
}

static void test_fnet_paths_diverge(void) {
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_load_fann(DATA("xor.data"), NULL, &d));
    const zn_algo algos[] = {ZN_ALGO_INCREMENTAL, ZN_ALGO_BATCH};
    for (size_t a = 0; a < 2; a++) {
        zn_fnet *net = linear_net(algos[a], 1e30f);
        ZT_ERR(zn_fnet_train_on_data(net, d, 200, 0, 0.0f, NULL, NULL), ZN_ERR_DIVERGED);
        ZT_CHECK_MSG(strstr(zn_last_error(), "epoch"), "%s: '%s'", zn_algo_name(algos[a]), zn_last_error());
        ZT_CHECK(isnan(zn_fnet_train_epoch(net, d)));
        zn_fnet_free(net);
    }
    /* FANN's rules clamp weights at +-1500: cascade's outputs overflow on
     * targets out of any activation's reach */
    for (int i = 0; i < d->rows; i++) d->y[i] *= 1e30f;
    unsigned sizes[2] = {2, 1};
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_create_shortcut(2, sizes, 3, &net));
    zn_fnet_set_activation_output(net, ZN_NACT_LINEAR);
    ZT_ERR(zn_cascade_train(net, d, 3, 0, 0.0f, NULL, NULL, NULL), ZN_ERR_DIVERGED);
    zn_fnet_free(net);
    zn_dataset_free(d);
}

int main(void) {
    ZT_RUN(test_mlp_paths_diverge);
    ZT_RUN(test_nan_data_is_named);
    ZT_RUN(test_fnet_paths_diverge);
    return zt_finish();
}
