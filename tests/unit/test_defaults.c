/* Defaults that work (zn_train_auto_config, zn_mlp_train_auto) on real data
 * with fixed seeds and loose bounds; docs/DEFAULTS.md has the full table. */
#include "zn_test.h"

#include "train/train_internal.h" /* zn_least_squares: the OLS baseline */

#define DATA(f) ZN_SOURCE_DIR "/data/" f

/* Rows shuffled (seed 42) and split 80/20, as the held-out sets are checked. */
static void split(zn_dataset *d, zn_dataset **tr, zn_dataset **te) {
    zn_rng r;
    zn_rng_seed(&r, 42);
    ZT_OK(zn_dataset_shuffle(d, &r));
    ZT_OK(zn_dataset_split(d, 0.8, tr, te));
}

/* Accuracy or MSE of m on raw rows, through zn_mlp_predict. */
static zn_eval run(const zn_mlp *m, const zn_dataset *te) {
    float *pred = malloc((size_t)(te->rows * te->n_out) * sizeof(float));
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = te->rows;
    zn_ws *ws = NULL;
    zn_eval ev;
    memset(&ev, 0, sizeof ev);
    ZT_OK(zn_ws_create(m->model, &o, &ws));
    ZT_OK(zn_mlp_predict(m, ws, te->rows, te->x, pred));
    ZT_OK(zn_eval_outputs(pred, te->y, te->rows, te->n_out, 0.35f, &ev));
    zn_ws_free(ws);
    free(pred);
    return ev;
}

static void test_breast_cancer_classifier(void) {
    zn_dataset *d = NULL, *tr = NULL, *te = NULL;
    ZT_OK(zn_dataset_load_csv(DATA("breast_cancer.csv"), NULL, &d));
    split(d, &tr, &te);
    zn_auto_config ac;
    ZT_OK(zn_train_auto_config(tr, &ac));
    ZT_CHECK(ac.classes && ac.spec.loss == ZN_LOSS_XENT && ac.target_scale == ZN_SCALE_NONE);
    ZT_CHECK(ac.train.val_split > 0 && ac.train.patience > 0 && ac.train.restore_best);
    ZT_CHECK(strstr(ac.why, "classification") != NULL);
    zn_mlp *m = NULL;
    zn_train_report rep;
    ZT_OK(zn_mlp_train_auto(tr, &ac, &m, &rep));
    zn_eval ev = run(m, te);
    ZT_CHECK_MSG(ev.accuracy >= 0.95, "breast cancer: test accuracy %.4f", ev.accuracy);
    /* a small budget: early stopping ends it well before, with the best epoch kept */
    ZT_CHECK_MSG(rep.stop_reason == ZN_STOPPED_PATIENCE && rep.epochs < ac.train.epochs && rep.best_epoch > 0 &&
                     rep.restored_best,
                 "stopped: %s after %lld of %lld epochs, best %lld", zn_stop_reason_name(rep.stop_reason),
                 (long long)rep.epochs, (long long)ac.train.epochs, (long long)rep.best_epoch);
    ZT_CHECK(m->n_classes == 2 && m->input_scaler && !m->output_scaler);
    char why[160];
    zn_train_report_describe(&rep, why, sizeof why);
    char want[160];
    snprintf(want, sizeof want,
             "early stop at epoch %lld (no validation improvement in %lld epochs); the weights of epoch %lld kept",
             (long long)rep.epochs, (long long)(rep.epochs - rep.best_epoch), (long long)rep.best_epoch);
    ZT_CHECK_MSG(!strcmp(why, want), "'%s'", why);
    fprintf(stderr, "breast cancer: %.4f after %lld epochs (best %lld): %s\n", ev.accuracy, (long long)rep.epochs,
            (long long)rep.best_epoch, ac.why);
    /* deterministic for the seed */
    zn_mlp *again = NULL;
    ZT_OK(zn_mlp_train_auto(tr, &ac, &again, NULL));
    int64_t na, nb;
    const float *wa = zn_model_params_const(m->model, &na), *wb = zn_model_params_const(again->model, &nb);
    ZT_CHECK(na == nb && !memcmp(wa, wb, (size_t)na * sizeof(float)));
    zn_mlp_free(again);
    zn_mlp_free(m);
    zn_dataset_free(d);
    zn_dataset_free(tr);
    zn_dataset_free(te);
}

/* Test MSE of least squares fitted on tr (raw units). */
static double ols_mse(const zn_dataset *tr, const zn_dataset *te) {
    float *w = malloc((size_t)(tr->n_in * tr->n_out) * sizeof(float)), *b = malloc((size_t)tr->n_out * sizeof(float));
    ZT_OK(zn_least_squares(tr->x, tr->y, tr->rows, tr->n_in, tr->n_out, 0.0, w, b));
    double se = 0;
    for (int64_t r = 0; r < te->rows; r++)
        for (int64_t o = 0; o < te->n_out; o++) {
            double p = b[o];
            for (int64_t i = 0; i < te->n_in; i++) p += (double)te->x[r * te->n_in + i] * w[i * te->n_out + o];
            se += pow(p - te->y[r * te->n_out + o], 2);
        }
    free(w);
    free(b);
    return se / (double)(te->rows * te->n_out);
}

/* A real regression in raw units (hundreds to thousands): breast cancer's
 * mean_area from the other measurements. Within 10% of OLS, and far better
 * than the old defaults' unscaled targets could do. */
static void test_regression_against_least_squares(void) {
    zn_csv_opts o = zn_csv_opts_default();
    const char *target[] = {"mean_area"};
    o.targets = target;
    o.n_targets = 1;
    o.kind = ZN_TARGET_REGRESSION;
    zn_dataset *d = NULL, *tr = NULL, *te = NULL;
    ZT_OK(zn_dataset_load_csv(DATA("breast_cancer.csv"), &o, &d));
    split(d, &tr, &te);
    zn_auto_config ac;
    ZT_OK(zn_train_auto_config(tr, &ac));
    ZT_CHECK(!ac.classes && ac.spec.loss == ZN_LOSS_MSE && ac.target_scale == ZN_SCALE_STANDARD);
    zn_mlp *m = NULL;
    zn_train_report rep;
    ZT_OK(zn_mlp_train_auto(tr, &ac, &m, &rep));
    ZT_CHECK(m->output_scaler != NULL); /* saved with the model, inverted by zn_mlp_predict */
    double mse = run(m, te).mse, ols = ols_mse(tr, te);
    ZT_CHECK_MSG(mse <= 1.1 * ols, "mean_area: test MSE %.4g, least squares %.4g", mse, ols);
    fprintf(stderr, "mean_area: test MSE %.4g (least squares %.4g) after %lld epochs (best %lld, %s)\n", mse, ols,
            (long long)rep.epochs, (long long)rep.best_epoch, zn_stop_reason_name(rep.stop_reason));
    zn_mlp_free(m);
    zn_dataset_free(d);
    zn_dataset_free(tr);
    zn_dataset_free(te);
}

/* The epoch budget grows as the data shrinks; wide inputs get a narrow layer. */
static void test_choices_scale_with_data(void) {
    zn_dataset *small = NULL, *big = NULL, *wide = NULL;
    ZT_OK(zn_dataset_create(150, 13, 1, &small));
    ZT_OK(zn_dataset_create(60000, 13, 1, &big));
    ZT_OK(zn_dataset_create(3, 1000000, 1, &wide));
    zn_auto_config a, b, w;
    ZT_OK(zn_train_auto_config(small, &a));
    ZT_OK(zn_train_auto_config(big, &b));
    ZT_OK(zn_train_auto_config(wide, &w));
    ZT_CHECK_MSG(a.train.epochs > b.train.epochs, "%lld epochs for 150 rows, %lld for 60000", (long long)a.train.epochs,
                 (long long)b.train.epochs);
    ZT_CHECK(b.train.epochs >= 20);
    ZT_CHECK_MSG(w.spec.sizes[1] * 1000000 <= 4000000, "hidden %lld over 1M inputs", (long long)w.spec.sizes[1]);
    ZT_CHECK(w.train.val_split == 0.0 && w.train.patience == 0); /* 3 rows: none to hold out */
    /* a handful of rows trains on all of them */
    zn_dataset *few = NULL;
    ZT_OK(zn_dataset_create(5, 2, 1, &few));
    for (int i = 0; i < 5; i++) {
        few->x[2 * i] = (float)i;
        few->x[2 * i + 1] = (float)(i * i);
        few->y[i] = 3.0f * (float)i + 100.0f;
    }
    ZT_OK(zn_train_auto_config(few, &a));
    a.train.epochs = 20;
    zn_mlp *m = NULL;
    zn_train_report rep;
    ZT_OK(zn_mlp_train_auto(few, &a, &m, &rep));
    ZT_CHECK(rep.epochs == 20 && rep.stop_reason == ZN_STOPPED_EPOCHS);
    char why[64];
    ZT_CHECK(!strcmp(zn_train_report_describe(&rep, why, sizeof why), "ran its budget of 20 epochs"));
    zn_mlp_free(m);
    zn_dataset_free(few);
    zn_dataset *one = NULL;
    ZT_OK(zn_dataset_create(1, 3, 1, &one));
    ZT_ERR(zn_train_auto_config(one, &a), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_train_auto_config(NULL, &a), ZN_ERR_INVALID_ARG);
    zn_dataset_free(small);
    zn_dataset_free(big);
    zn_dataset_free(wide);
    zn_dataset_free(one);
}

/* zn_train_memory_estimate against what zn_mem counts for the run: within
 * a small factor. */
static void check_estimate(const char *what, const zn_mlp_spec *spec, const zn_train_config *c, int64_t rows) {
    zn_train_memory est;
    ZT_OK(zn_train_memory_estimate(spec, c, rows, &est));
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_create(rows, spec->sizes[0], spec->sizes[spec->n_layers - 1], &d));
    zn_rng r;
    zn_rng_seed(&r, 3);
    zn_rng_fill_uniform(&r, d->x, (size_t)(rows * d->n_in), -1.0f, 1.0f);
    for (int64_t i = 0; i < rows; i++) d->y[i * d->n_out + i % d->n_out] = 1.0f;
    const size_t data = (size_t)(rows * (d->n_in + d->n_out)) * sizeof(float), base = zn_mem_current();
    zn_mem_reset_peak();
    zn_model *m = NULL;
    ZT_OK(zn_mlp_create(spec, 1, &m));
    ZT_OK(zn_train(m, d, NULL, c, NULL));
    const double used = (double)(zn_mem_peak() - base + data);
    zn_model_free(m);
    zn_dataset_free(d);
    fprintf(stderr, "%s: estimated %.1f MB, used %.1f MB\n", what, (double)est.total / 1e6, used / 1e6);
    ZT_CHECK_MSG((double)est.total >= 0.8 * used && (double)est.total <= 2.0 * used,
                 "%s: estimated %zu bytes, used %.0f", what, est.total, used);
    ZT_CHECK(est.total == est.params + est.grads + est.optimizer + est.workspace + est.data);
}

static void test_memory_estimate(void) {
    zn_auto_config ac;
    zn_dataset *shape = NULL;
    ZT_OK(zn_dataset_create(1000, 64, 10, &shape));
    ZT_OK(zn_train_auto_config(shape, &ac));
    ac.train.epochs = 2;
    ac.spec.loss = ZN_LOSS_XENT;
    check_estimate("1000 x 64 -> 10, validation", &ac.spec, &ac.train, 1000);
    /* wide inputs: the parameters dominate (the 1M columns, scaled down) */
    zn_mlp_spec w = ac.spec;
    w.sizes[0] = 20000;
    w.sizes[1] = 256;
    w.sizes[2] = 2;
    zn_train_config c = zn_train_config_default(ZN_ALGO_ADAM);
    c.epochs = 1;
    check_estimate("3 x 20000 -> 256 -> 2", &w, &c, 3);
    /* the run, estimated without allocating: past any sane limit */
    w.sizes[0] = 1000000;
    zn_train_memory est;
    ZT_OK(zn_train_memory_estimate(&w, &c, 3, &est));
    ZT_CHECK_MSG(est.total > (size_t)5e9, "1M x 256: %zu bytes", est.total);
    ZT_ERR(zn_train_memory_estimate(NULL, &c, 3, &est), ZN_ERR_INVALID_ARG);
    zn_dataset_free(shape);
}

int main(void) {
    ZT_RUN(test_memory_estimate);
    ZT_RUN(test_breast_cancer_classifier);
    ZT_RUN(test_regression_against_least_squares);
    ZT_RUN(test_choices_scale_with_data);
    return zt_finish();
}
