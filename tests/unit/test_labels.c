/* Class targets given as indices (zn_dataset.labels, y NULL): training and
 * evaluation one-hot a batch at a time, with the same results as one-hot y
 * and without a rows x classes matrix. */
#include "zn_test.h"

#define DATA(f) ZN_SOURCE_DIR "/data/" f

/* A copy of d with its one-hot y replaced by class indices. */
static zn_dataset *as_labels(const zn_dataset *d) {
    zn_dataset *l = NULL;
    ZT_OK(zn_dataset_copy(d, &l));
    zn_free(l->labels); /* a loader that keeps labels beside y: replaced below */
    l->labels = zn_alloc((size_t)d->rows * sizeof(int32_t));
    for (int64_t r = 0; r < d->rows; r++) {
        int32_t best = 0;
        for (int32_t j = 1; j < d->n_out; j++)
            if (d->y[r * d->n_out + j] > d->y[r * d->n_out + best]) best = j;
        l->labels[r] = best;
    }
    zn_free(l->y);
    l->y = NULL;
    return l;
}

/* Frees what as_labels made (the labels first: this branch's
 * zn_dataset_free may not know the field). */
static void free_labels(zn_dataset *l) {
    zn_free(l->labels);
    l->labels = NULL;
    zn_dataset_free(l);
}

static zn_model *classifier(const zn_dataset *d, int64_t hidden) {
    zn_mlp_spec s = zn_mlp_spec_default();
    s.n_layers = 3;
    s.sizes[0] = d->n_in;
    s.sizes[1] = hidden;
    s.sizes[2] = d->n_out;
    s.hidden_act = ZN_NACT_RELU;
    s.hidden_steepness = 1.0f;
    s.loss = ZN_LOSS_XENT;
    s.init = ZN_INIT_XAVIER;
    s.init_scale = 1.0f;
    s.fann_derivatives = 0;
    zn_model *m = NULL;
    ZT_OK(zn_mlp_create(&s, 5, &m));
    return m;
}

static void test_labels_train_like_one_hot(void) {
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_load_csv(DATA("digits.train.csv"), NULL, &d));
    for (int64_t i = 0; i < d->rows * d->n_in; i++) d->x[i] /= 16.0f;
    zn_dataset *l = as_labels(d);
    /* shuffled batches with a validation split; then fused SGD steps in order */
    for (int pass = 0; pass < 2; pass++) {
        zn_model *a = classifier(d, 32), *b = classifier(d, 32);
        zn_train_config c = zn_train_config_default(pass ? ZN_ALGO_SGD : ZN_ALGO_ADAM);
        c.optim.lr = pass ? 0.1f : c.optim.lr;
        c.epochs = 3;
        c.val_split = pass ? 0.0 : 0.2;
        c.shuffle = !pass;
        zn_train_report ra, rb;
        ZT_OK(zn_train(a, d, NULL, &c, &ra));
        ZT_OK(zn_train(b, l, NULL, &c, &rb));
        int64_t na, nb;
        const float *wa = zn_model_params_const(a, &na), *wb = zn_model_params_const(b, &nb);
        ZT_CHECK_MSG(na == nb && !memcmp(wa, wb, (size_t)na * sizeof(float)), "pass %d: other weights", pass);
        ZT_CHECK(ra.train_mse == rb.train_mse && (pass || ra.val_accuracy == rb.val_accuracy));
        zn_eval ea, eb;
        ZT_OK(zn_evaluate(a, d, 0.35f, NULL, &ea));
        ZT_OK(zn_evaluate(a, l, 0.35f, NULL, &eb));
        ZT_CHECK_MSG(ea.accuracy == eb.accuracy && ea.loss == eb.loss && ea.accuracy > 0.5, "pass %d: %g %g, %g %g",
                     pass, ea.accuracy, eb.accuracy, ea.loss, eb.loss);
        /* outputs already computed, against labels */
        float *pred = malloc((size_t)(d->rows * d->n_out) * sizeof(float));
        zn_ws_opts wo = zn_ws_opts_default();
        wo.max_batch = d->rows;
        zn_ws *ws = NULL;
        ZT_OK(zn_ws_create(a, &wo, &ws));
        const float *in[2] = {d->x, NULL};
        float *outs[1] = {pred};
        ZT_OK(zn_model_forward(a, ws, d->rows, in, outs));
        zn_eval oa, ob;
        ZT_OK(zn_eval_outputs(pred, d->y, d->rows, d->n_out, 0.35f, &oa));
        ZT_OK(zn_eval_labels(pred, l->labels, d->rows, d->n_out, 0.35f, &ob));
        ZT_CHECK(oa.accuracy == ob.accuracy && oa.mse == ob.mse && oa.bit_fail == ob.bit_fail && oa.mae == ob.mae);
        zn_ws_free(ws);
        free(pred);
        zn_model_free(a);
        zn_model_free(b);
    }
    /* the auto defaults take labels too */
    zn_auto_config ac;
    ZT_OK(zn_train_auto_config(l, &ac));
    ZT_CHECK(ac.classes && ac.spec.loss == ZN_LOSS_XENT);
    ac.train.epochs = 3;
    zn_mlp *m = NULL;
    ZT_OK(zn_mlp_train_auto(l, &ac, &m, NULL));
    zn_mlp_free(m);
    /* a label out of range is named */
    l->labels[9] = 10;
    zn_model *a = classifier(d, 8);
    zn_train_config c = zn_train_config_default(ZN_ALGO_ADAM);
    ZT_ERR(zn_train(a, l, NULL, &c, NULL), ZN_ERR_INVALID_ARG);
    ZT_CHECK_MSG(strstr(zn_last_error(), "row 10"), "'%s'", zn_last_error());
    zn_eval ev;
    ZT_ERR(zn_evaluate(a, l, 0.35f, NULL, &ev), ZN_ERR_INVALID_ARG);
    zn_free(l->labels);
    l->labels = NULL;
    ZT_ERR(zn_train(a, l, NULL, &c, NULL), ZN_ERR_INVALID_ARG); /* neither y nor labels */
    zn_model_free(a);
    zn_dataset_free(l);
    zn_dataset_free(d);
}

/* Many rows of many classes: training allocates batches, not rows x classes. */
static void test_labels_bounded_memory(void) {
    const int64_t rows = 20000, classes = 256;
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_create(rows, 4, 1, &d));
    zn_free(d->y);
    d->y = NULL;
    d->n_out = classes;
    zn_free(d->labels);
    d->labels = zn_alloc((size_t)rows * sizeof(int32_t));
    zn_rng r;
    zn_rng_seed(&r, 1);
    zn_rng_fill_uniform(&r, d->x, (size_t)(rows * 4), -1.0f, 1.0f);
    for (int64_t i = 0; i < rows; i++) d->labels[i] = (int32_t)(i % classes);
    zn_model *m = classifier(d, 16);
    zn_train_config c = zn_train_config_default(ZN_ALGO_ADAM);
    c.epochs = 1;
    c.val_split = 0.1;
    const size_t base = zn_mem_current();
    zn_mem_reset_peak();
    ZT_OK(zn_train(m, d, NULL, &c, NULL));
    const size_t used = zn_mem_peak() - base, one_hot = (size_t)(rows * classes) * sizeof(float);
    ZT_CHECK_MSG(used < one_hot / 4, "training used %zu bytes; one-hot targets would be %zu", used, one_hot);
    zn_model_free(m);
    free_labels(d);
}

int main(void) {
    ZT_RUN(test_labels_train_like_one_hot);
    ZT_RUN(test_labels_bounded_memory);
    return zt_finish();
}
