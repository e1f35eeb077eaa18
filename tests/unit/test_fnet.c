/* FANN-structured networks on their own: creation, runs one sample and
 * many, determinism, argument checks, and (training) slopes against finite
 * differences of FANN's error. */
#include "zn_test.h"

#include "fann/fnet_exec.h"

static void random_inputs(zn_rng *rng, float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(zn_rng_uniform(rng) * 2.0 - 1.0);
}

/* run_batch gives run's answer for every row, on every layout and width. */
static void check_batch_equals_run(zn_fnet *net, int64_t rows) {
    unsigned ni = zn_fnet_num_inputs(net), no = zn_fnet_num_outputs(net);
    float *x = malloc(sizeof(float) * (size_t)rows * ni), *y = malloc(sizeof(float) * (size_t)rows * no);
    zn_rng rng;
    zn_rng_seed(&rng, 5);
    random_inputs(&rng, x, (size_t)rows * ni);
    ZT_OK(zn_fnet_run_batch(net, rows, x, y));
    float worst = 0.0f;
    for (int64_t r = 0; r < rows; r++) {
        const float *o = zn_fnet_run(net, x + r * ni);
        ZT_CHECK(o != NULL);
        if (!o) break;
        for (unsigned j = 0; j < no; j++) {
            float d = fabsf(o[j] - y[r * no + j]) / (fabsf(o[j]) + 1e-3f);
            if (d > worst) worst = d;
        }
    }
    ZT_CHECK_MSG(worst <= 1e-5f, "run_batch differs from run by %g", (double)worst);
    free(x);
    free(y);
}

/* FANN's symmetric sigmoid, (float)(2 / (1 + exp(-2 s)) - 1) in double,
 * against zenn's rational form: every float from -12 to 12 in steps of
 * 2^-12 (and around 0 more finely) within one float rounding, nearly all
 * identical, and the ends, 0 and NaN exact. */
static void test_symmetric_sigmoid_is_fanns(void) {
    long n = 0, same = 0;
    double worst = 0;
    for (int i = -12 * 4096; i <= 12 * 4096; i++) {
        for (int k = 0; k < 2; k++) {
            const float s = k ? (float)i * 0x1p-30f : (float)i * 0x1p-12f;
            const float want = (float)(2.0 / (1.0 + exp(-2.0 * (double)s)) - 1.0);
            const float got = zn_fnet_activate(ZN_NACT_FANN_SIGMOID_SYMMETRIC, s);
            n++;
            same += got == want;
            if (want != 0.0f) worst = fmax(worst, fabs((double)got - want) / fabs((double)want));
        }
    }
    ZT_CHECK_MSG(worst <= 0x1p-23, "symmetric sigmoid: %g relative off FANN's", worst);
    ZT_CHECK_MSG(same >= n - n / 1000, "symmetric sigmoid: %ld of %ld identical to FANN's", same, n);
    ZT_CHECK(zn_fnet_activate(ZN_NACT_FANN_SIGMOID_SYMMETRIC, 150.0f) == 1.0f);
    ZT_CHECK(zn_fnet_activate(ZN_NACT_FANN_SIGMOID_SYMMETRIC, -150.0f) == -1.0f);
    ZT_CHECK(zn_fnet_activate(ZN_NACT_FANN_SIGMOID_SYMMETRIC, 0.0f) == 0.0f);
    ZT_CHECK(isnan(zn_fnet_activate(ZN_NACT_FANN_SIGMOID_SYMMETRIC, NAN)));
}

/* zenn's own trainer with FANN's recipe (an MLP of FANN's defaults, the
 * tanh error function, RPROP) and the FANN-structured net made from the
 * same weights, trained by FANN's rules: the same epochs end at the same
 * MSE, so any gap to libfann comes from the starting weights alone. */
static void test_mlp_trains_as_fann(void) {
    zn_dataset *tr = NULL;
    ZT_OK(zn_dataset_load_fann(ZN_SOURCE_DIR "/data/diabetes.train", NULL, &tr));
    for (uint64_t seed = 1; seed <= 2 && tr; seed++) {
        zn_mlp_spec s = zn_mlp_spec_default();
        s.loss = ZN_LOSS_TANH_ERROR;
        s.n_layers = 3;
        s.sizes[0] = tr->n_in;
        s.sizes[1] = 16;
        s.sizes[2] = tr->n_out;
        zn_mlp *mlp = NULL;
        zn_fnet *net = NULL;
        ZT_OK(zn_mlp_wrap(&s, seed, NULL, NULL, 0, NULL, &mlp));
        ZT_OK(zn_fnet_from_mlp(mlp, &net));
        if (!mlp || !net) break;
        net->training_algorithm = ZN_ALGO_RPROP;
        ZT_CHECK(net->train_error_function == ZN_FNET_ERRFN_TANH); /* FANN's default */
        zn_train_config c = zn_train_config_default(ZN_ALGO_RPROP);
        c.epochs = 40;
        c.shuffle = 0;
        zn_train_report rep;
        zn_eval ev;
        ZT_OK(zn_train(mlp->model, tr, NULL, &c, &rep));
        ZT_OK(zn_evaluate(mlp->model, tr, 0.35f, NULL, &ev));
        for (int e = 0; e < 40; e++) zn_fnet_train_epoch(net, tr);
        double se = 0;
        for (int64_t i = 0; i < tr->rows; i++) {
            const float *y = zn_fnet_run(net, tr->x + i * tr->n_in);
            for (int64_t j = 0; j < tr->n_out; j++) se += pow((double)y[j] - tr->y[i * tr->n_out + j], 2);
        }
        const double fann_mse = se / (double)(tr->rows * tr->n_out);
        ZT_CHECK_MSG(fabs(ev.mse - fann_mse) <= 1e-4 * fann_mse, "seed %d: zenn's trainer %.7g, FANN's rules %.7g",
                     (int)seed, ev.mse, fann_mse);
        zn_mlp_free(mlp);
        zn_fnet_free(net);
    }
    zn_dataset_free(tr);
}

static void test_batch_equals_run(void) {
    unsigned tiny[] = {2, 3, 1}, wide[] = {300, 200, 40}, deep[] = {5, 8, 8, 8, 3};
    zn_fnet *net;
    ZT_OK(zn_fnet_create_standard(3, tiny, 1, &net));
    check_batch_equals_run(net, 7);
    zn_fnet_free(net);
    ZT_OK(zn_fnet_create_standard(3, wide, 2, &net));
    zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
    zn_fnet_set_activation_output(net, ZN_NACT_FANN_SIGMOID);
    check_batch_equals_run(net, 300); /* more rows than one chunk */
    zn_fnet_free(net);
    ZT_OK(zn_fnet_create_shortcut(5, deep, 3, &net));
    zn_fnet_set_activation_hidden(net, ZN_NACT_ELLIOT_SYMMETRIC);
    check_batch_equals_run(net, 33);
    zn_fnet_free(net);
    ZT_OK(zn_fnet_create_sparse(0.4f, 5, deep, 4, &net));
    ZT_OK(zn_fnet_set_activation(net, ZN_NACT_GAUSSIAN, 2, 3)); /* one neuron apart */
    check_batch_equals_run(net, 19);
    zn_fnet_free(net);
}

/* Runs of a layer with 64K+ weights read a copy once the weights stay put
 * for two runs; every weight change must retire it. A hidden layer of 300
 * neurons is copied row by row (a dot product per neuron), one of 200 as
 * the transpose, whose threaded A^T x takes it in three panels, the last
 * one partial. */
static void check_copy_follows_weights(unsigned hidden) {
    unsigned sizes[] = {500, hidden, 7};
    zn_fnet *net;
    ZT_OK(zn_fnet_create_standard(3, sizes, 9, &net));
    zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
    check_batch_equals_run(net, 4);
    ZT_CHECK(net->exec->wt_len > 0 && zn_fnet_exec_copy_valid(net));
    ZT_CHECK(net->exec->lp[1].copied && net->exec->lp[1].by_rows == (hidden > 256));
    float *x = calloc(500, sizeof(float)), t[7] = {0.5f, -0.5f, 0.25f, 0, 0, 0, 1};
    for (int i = 0; i < 500; i++) x[i] = (float)(i % 11) * 0.1f - 0.5f;
    /* training in turn with runs never builds the copy */
    for (int i = 0; i < 3; i++) {
        ZT_OK(zn_fnet_train_sample(net, x, t));
        ZT_CHECK(!zn_fnet_exec_copy_valid(net));
        ZT_CHECK(zn_fnet_run(net, x) != NULL);
        ZT_CHECK(!zn_fnet_exec_copy_valid(net));
    }
    check_batch_equals_run(net, 4); /* the trained weights, through a fresh copy */
    ZT_CHECK(zn_fnet_exec_copy_valid(net));
    zn_fnet_randomize_weights(net, -0.3f, 0.3f);
    ZT_CHECK(!zn_fnet_exec_copy_valid(net));
    check_batch_equals_run(net, 4);
    net->training_algorithm = ZN_ALGO_RPROP;
    zn_dataset *d;
    ZT_OK(zn_dataset_create(2, 500, 7, &d));
    memcpy(d->x, x, 500 * sizeof(float));
    memcpy(d->x + 500, x, 500 * sizeof(float));
    memcpy(d->y, t, sizeof t);
    memcpy(d->y + 7, t, sizeof t);
    ZT_CHECK(!isnan(zn_fnet_train_epoch(net, d)));
    ZT_CHECK(!zn_fnet_exec_copy_valid(net));
    check_batch_equals_run(net, 4);
    zn_dataset_free(d);
    free(x);
    zn_fnet_free(net);
}

static void test_copy_follows_weights(void) {
    check_copy_follows_weights(300);
    check_copy_follows_weights(200);
}

/* zn_fnet_run publishes only the outputs; zn_fnet_sync_neurons then leaves
 * every neuron's sum and value as FANN's per-neuron loop computes them
 * (the cascade cache reads them), and bias neurons at 1. */
static void test_synced_neurons_are_fanns(void) {
    unsigned sizes[] = {40, 30, 20, 5};
    zn_fnet *net;
    ZT_OK(zn_fnet_create_standard(4, sizes, 3, &net));
    zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
    float x[40];
    for (int i = 0; i < 40; i++) x[i] = (float)(i % 9) * 0.2f - 0.8f;
    for (int i = 0; i < 3; i++) ZT_CHECK(zn_fnet_run(net, x) != NULL);
    ZT_CHECK(!net->exec->tiny && net->exec->neurons_stale);
    zn_fnet_sync_neurons(net);
    ZT_CHECK(!net->exec->neurons_stale);
    float worst = 0.0f;
    for (uint32_t n = 0; n < net->n_neurons; n++) {
        const zn_fnet_neuron *ne = &net->neurons[n];
        float want;
        if (n < net->n_inputs)
            want = x[n];
        else if (ne->first_con == ne->last_con)
            want = 1.0f; /* bias */
        else {
            double a = 0.0;
            for (uint32_t c = ne->first_con; c < ne->last_con; c++)
                a += (double)net->weights[c] * net->neurons[net->sources[c]].value;
            ZT_CHECK(fabsf(ne->sum - (float)(a * ne->steepness)) <= 1e-5f);
            want = zn_fnet_activate(ne->act, ne->sum);
        }
        float d = fabsf(ne->value - want);
        if (d > worst) worst = d;
    }
    ZT_CHECK_MSG(worst <= 1e-6f, "a synced neuron's value is off by %g", (double)worst);
    zn_fnet_free(net);
}

static void test_layout_and_counts(void) {
    unsigned s[] = {3, 4, 2};
    zn_fnet *net;
    ZT_OK(zn_fnet_create_standard(3, s, 1, &net));
    /* FANN's counts: (3+1)*4 + (4+1)*2 connections; 4+5+3 neurons, minus the output bias */
    ZT_CHECK(zn_fnet_num_connections(net) == 26);
    ZT_CHECK(zn_fnet_num_neurons(net) == 11);
    ZT_CHECK(zn_fnet_num_inputs(net) == 3 && zn_fnet_num_outputs(net) == 2);
    int in_range = 1;
    for (uint32_t c = 0; c < net->n_connections; c++)
        if (!(net->weights[c] >= -0.1f && net->weights[c] <= 0.1f)) in_range = 0;
    ZT_CHECK(in_range);
    zn_fnet_free(net);
    ZT_OK(zn_fnet_create_shortcut(3, s, 1, &net));
    /* 4 hidden see 4 earlier neurons, 2 outputs see 8 */
    ZT_CHECK(zn_fnet_num_connections(net) == 4 * 4 + 2 * 8);
    ZT_CHECK(zn_fnet_num_neurons(net) == 10);
    zn_fnet_free(net);
}

static void test_determinism(void) {
    unsigned s[] = {4, 6, 2};
    zn_fnet *a, *b, *c;
    ZT_OK(zn_fnet_create_sparse(0.6f, 3, s, 42, &a));
    ZT_OK(zn_fnet_create_sparse(0.6f, 3, s, 42, &b));
    ZT_OK(zn_fnet_create_sparse(0.6f, 3, s, 43, &c));
    ZT_CHECK(!memcmp(a->weights, b->weights, a->n_connections * sizeof(float)));
    ZT_CHECK(!memcmp(a->sources, b->sources, a->n_connections * sizeof(uint32_t)));
    ZT_CHECK(memcmp(a->weights, c->weights, a->n_connections * sizeof(float)) != 0);
    float x[4] = {0.1f, -0.3f, 0.7f, 0.2f}, ya[2];
    const float *o = zn_fnet_run(a, x);
    ZT_CHECK(o != NULL);
    if (o) memcpy(ya, o, sizeof ya);
    o = zn_fnet_run(b, x);
    ZT_CHECK(o && o[0] == ya[0] && o[1] == ya[1]);
    zn_fnet *d;
    ZT_OK(zn_fnet_copy(a, &d));
    o = zn_fnet_run(d, x);
    ZT_CHECK(o && o[0] == ya[0] && o[1] == ya[1]);
    zn_fnet_free(a);
    zn_fnet_free(b);
    zn_fnet_free(c);
    zn_fnet_free(d);
}

static void test_bad_arguments(void) {
    zn_fnet *net = NULL;
    unsigned s[] = {2, 3, 1}, zero[] = {2, 0, 1};
    ZT_ERR(zn_fnet_create_standard(1, s, 1, &net), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_fnet_create_standard(3, NULL, 1, &net), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_fnet_create_standard(3, zero, 1, &net), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_fnet_create_standard(3, s, 1, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_fnet_create_sparse(0.0f, 3, s, 1, &net), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_fnet_create_shortcut(3, zero, 1, &net), ZN_ERR_INVALID_ARG);
    ZT_CHECK(net == NULL);
    ZT_OK(zn_fnet_create_standard(3, s, 1, &net));
    ZT_ERR(zn_fnet_set_activation(net, ZN_NACT_LINEAR, 0, -1), ZN_ERR_INVALID_ARG); /* the inputs, as FANN */
    ZT_ERR(zn_fnet_set_activation(net, ZN_NACT_LINEAR, 3, -1), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_fnet_set_activation(net, ZN_NACT_LINEAR, 1, 4), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_fnet_set_activation(net, ZN_NACT_COUNT, 1, 0), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_fnet_set_steepness(net, NAN, 1, 0), ZN_ERR_INVALID_ARG);
    ZT_OK(zn_fnet_set_activation(net, ZN_NACT_LINEAR, 1, 3)); /* the bias neuron, as FANN allows */
    ZT_ERR(zn_fnet_run_batch(net, -1, NULL, NULL), ZN_ERR_INVALID_ARG);
    ZT_ERR(zn_fnet_run_batch(net, 2, NULL, NULL), ZN_ERR_INVALID_ARG);
    ZT_OK(zn_fnet_run_batch(net, 0, NULL, NULL));
    zn_clear_error();
    ZT_CHECK(zn_fnet_run(net, NULL) == NULL && zn_last_error()[0]);
    ZT_CHECK(zn_fnet_run(NULL, NULL) == NULL);
    /* a corrupt connection is found before it is read */
    net->sources[0] = 999;
    float x[2] = {0, 0};
    zn_fnet_drop_train_state(net);
    ZT_CHECK(zn_fnet_run(net, x) == NULL);
    zn_fnet_free(net);
    zn_fnet_free(NULL);
}

/* FANN's summed error 0.5 * sum (t - y)^2 over a dataset, in double. */
static double summed_error(zn_fnet *net, const zn_dataset *d) {
    double e = 0.0;
    for (int64_t r = 0; r < d->rows; r++) {
        const float *o = zn_fnet_run(net, d->x + r * d->n_in);
        for (int64_t j = 0; j < d->n_out; j++) {
            double diff = (double)d->y[r * d->n_out + j] - o[j];
            e += 0.5 * diff * diff;
        }
    }
    return e;
}

/* The batch slopes are minus the gradient of FANN's summed error (linear
 * error function, activations whose FANN derivative is exact here). Batch
 * training with learning rate = rows moves each weight by its slope. */
static void check_slopes(zn_fnet *net, const zn_dataset *d, const char *what) {
    net->training_algorithm = ZN_ALGO_BATCH;
    net->train_error_function = ZN_FNET_ERRFN_LINEAR;
    net->learning_rate = (float)d->rows;
    uint32_t nc = net->n_connections;
    float *w0 = malloc(nc * sizeof *w0), *slope = malloc(nc * sizeof *slope);
    memcpy(w0, net->weights, nc * sizeof *w0);
    ZT_CHECK(!isnan(zn_fnet_train_epoch(net, d)));
    float big = 0.0f;
    for (uint32_t c = 0; c < nc; c++) {
        slope[c] = net->weights[c] - w0[c];
        if (fabsf(slope[c]) > big) big = fabsf(slope[c]);
    }
    memcpy(net->weights, w0, nc * sizeof *w0);
    float worst = 0.0f;
    for (uint32_t c = 0; c < nc; c++) {
        const float h = 1e-3f;
        net->weights[c] = w0[c] + h;
        double ep = summed_error(net, d);
        net->weights[c] = w0[c] - h;
        double em = summed_error(net, d);
        net->weights[c] = w0[c];
        float grad = (float)((ep - em) / (double)((w0[c] + h) - (w0[c] - h)));
        float err = fabsf(slope[c] + grad);
        if (err > worst) worst = err;
    }
    ZT_CHECK_MSG(big > 1e-3f, "%s: slopes are all ~0", what);
    ZT_CHECK_MSG(worst <= 2e-3f * big + 1e-4f, "%s: slopes differ from -dE/dw by %g (largest slope %g)", what,
                 (double)worst, (double)big);
    free(w0);
    free(slope);
}

static zn_dataset *random_data(int64_t rows, int64_t ni, int64_t no, uint64_t seed) {
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_create(rows, ni, no, &d));
    if (!d) exit(1);
    zn_rng rng;
    zn_rng_seed(&rng, seed);
    random_inputs(&rng, d->x, (size_t)(rows * ni));
    random_inputs(&rng, d->y, (size_t)(rows * no));
    return d;
}

static void test_slopes_are_gradients(void) {
    unsigned s[] = {3, 5, 4, 2};
    zn_dataset *d = random_data(40, 3, 2, 9);
    for (int kind = 0; kind < 3; kind++) {
        zn_fnet *net = NULL;
        if (kind == 0) ZT_OK(zn_fnet_create_standard(4, s, 7, &net));
        if (kind == 1) ZT_OK(zn_fnet_create_shortcut(4, s, 7, &net));
        if (kind == 2) ZT_OK(zn_fnet_create_sparse(0.6f, 4, s, 7, &net));
        if (!net) continue;
        zn_fnet_randomize_weights(net, -0.5f, 0.5f);
        zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
        zn_fnet_set_steepness_hidden(net, 0.8f);
        ZT_OK(zn_fnet_set_activation(net, ZN_NACT_ELLIOT_SYMMETRIC, 2, -1));
        zn_fnet_set_activation_output(net, ZN_NACT_LINEAR);
        zn_fnet_set_steepness_output(net, 0.7f);
        check_slopes(net, d, kind == 0 ? "standard" : kind == 1 ? "shortcut" : "sparse");
        zn_fnet_free(net);
    }
    /* a wide layer goes through the GEMM path over several chunks */
    unsigned w[] = {70, 40, 3};
    zn_dataset *dw = random_data(300, 70, 3, 10);
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_create_standard(3, w, 8, &net));
    zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
    zn_fnet_set_activation_output(net, ZN_NACT_LINEAR);
    check_slopes(net, dw, "70-40-3");
    zn_fnet_free(net);
    zn_dataset_free(dw);
    zn_dataset_free(d);
}

/* The same net trained twice gives bit-identical epochs; the batch epoch's
 * MSE equals fann_test_data's before the update. */
static void test_training_determinism(void) {
    unsigned s[] = {4, 6, 2};
    zn_dataset *d = random_data(50, 4, 2, 3);
    for (int algo = ZN_ALGO_INCREMENTAL; algo <= ZN_ALGO_SARPROP; algo++) {
        zn_fnet *a = NULL, *b = NULL;
        ZT_OK(zn_fnet_create_standard(3, s, 5, &a));
        ZT_OK(zn_fnet_create_standard(3, s, 5, &b));
        if (!a || !b) break;
        a->training_algorithm = b->training_algorithm = (zn_algo)algo;
        float before = zn_fnet_test_data(a, d);
        int same = 1;
        float first = NAN, last = NAN;
        for (int e = 0; e < 10; e++) {
            float ma = zn_fnet_train_epoch(a, d), mb = zn_fnet_train_epoch(b, d);
            if (ma != mb || isnan(ma)) same = 0;
            if (e == 0) first = ma;
            last = ma;
        }
        ZT_CHECK_MSG(same, "%s: two runs differ", zn_algo_name((zn_algo)algo));
        ZT_CHECK_MSG(last < first, "%s: MSE did not fall (%g -> %g)", zn_algo_name((zn_algo)algo), (double)first,
                     (double)last);
        if (algo != ZN_ALGO_INCREMENTAL) ZT_NEAR(first, before, 1e-6 * before);
        zn_fnet_free(a);
        zn_fnet_free(b);
    }
    zn_dataset_free(d);
}

typedef struct reports {
    unsigned calls, last;
    int stop_at;
} reports;

static int on_report(zn_fnet *net, const zn_dataset *data, unsigned max_epochs, unsigned between, float desired,
                     unsigned epochs, void *user) {
    (void)net, (void)data, (void)max_epochs, (void)between, (void)desired;
    reports *r = user;
    r->calls++;
    r->last = epochs;
    return r->stop_at && (int)epochs >= r->stop_at ? -1 : 0;
}

static void test_train_on_data(void) {
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_load_fann(ZN_SOURCE_DIR "/data/xor.data", NULL, &d));
    unsigned s[] = {2, 3, 1};
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_create_standard(3, s, 1, &net));
    if (!net || !d) return;
    zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
    zn_fnet_set_activation_output(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
    /* reports at 1, every 10th and the last: 1, 10, 20, 25 */
    reports r = {0, 0, 0};
    ZT_OK(zn_fnet_train_on_data(net, d, 25, 10, 0.0f, on_report, &r));
    ZT_CHECK(r.calls == 4 && r.last == 25);
    /* a negative report stops */
    r = (reports){0, 0, 3};
    ZT_OK(zn_fnet_train_on_data(net, d, 100, 1, 0.0f, on_report, &r));
    ZT_CHECK(r.calls == 3 && r.last == 3);
    /* the desired error stops, with a report at that epoch */
    r = (reports){0, 0, 0};
    ZT_OK(zn_fnet_train_on_data(net, d, 1000, 100, 0.001f, on_report, &r));
    ZT_CHECK(zn_fnet_mse(net) <= 0.001f);
    ZT_CHECK(r.last < 1000 && r.last % 100 != 0);
    /* bit fails as the stop function: 0 wrong outputs */
    net->train_stop_function = ZN_STOP_BIT;
    ZT_OK(zn_fnet_train_on_data(net, d, 1000, 0, 0.0f, NULL, NULL));
    ZT_CHECK(zn_fnet_bit_fail(net) == 0);
    /* bad arguments */
    zn_dataset *wrong = random_data(4, 3, 1, 1);
    ZT_ERR(zn_fnet_train_on_data(net, wrong, 10, 0, 0.0f, NULL, NULL), ZN_ERR_SHAPE);
    ZT_CHECK(isnan(zn_fnet_train_epoch(net, wrong)));
    ZT_CHECK(isnan(zn_fnet_test_data(net, wrong)));
    ZT_CHECK(isnan(zn_fnet_train_epoch(NULL, d)));
    net->training_algorithm = ZN_ALGO_ADAM;
    ZT_CHECK(isnan(zn_fnet_train_epoch(net, d)));
    ZT_ERR(zn_fnet_train_sample(net, NULL, NULL), ZN_ERR_INVALID_ARG);
    ZT_CHECK(zn_fnet_test_sample(net, NULL, NULL) == NULL);
    zn_dataset_free(wrong);
    zn_dataset_free(d);
    zn_fnet_free(net);
}

int main(void) {
    ZT_RUN(test_symmetric_sigmoid_is_fanns);
    ZT_RUN(test_mlp_trains_as_fann);
    ZT_RUN(test_layout_and_counts);
    ZT_RUN(test_batch_equals_run);
    ZT_RUN(test_copy_follows_weights);
    ZT_RUN(test_synced_neurons_are_fanns);
    ZT_RUN(test_determinism);
    ZT_RUN(test_bad_arguments);
    ZT_RUN(test_slopes_are_gradients);
    ZT_RUN(test_training_determinism);
    ZT_RUN(test_train_on_data);
    return zt_finish();
}
