/* zenn's FANN-structured networks against Debian's libfann 2.2, in one
 * process: the same layouts, the same outputs, and the same per-epoch MSE
 * and bit fails for FANN's training algorithms and error functions.
 * Without libfann (ZN_HAVE_LIBFANN unset) the test says so and passes. */
#ifndef ZN_HAVE_LIBFANN
#include <stdio.h>

int main(void) {
    fprintf(stderr, "libfann not found at build time: comparison skipped\n");
    return 0;
}
#else

#include <floatfann.h>
#include <unistd.h>

#include "fann/fnet_internal.h"
#include "zn_test.h"

#define DATA(name) ZN_SOURCE_DIR "/data/" name

/* The zenn copy of a libfann net: layer sizes, connections, weights,
 * activations, steepness and training parameters. */
static zn_fnet *copy_fann(struct fann *a) {
    unsigned nl = fann_get_num_layers(a);
    unsigned *sizes = calloc(nl, sizeof *sizes), *bias = calloc(nl, sizeof *bias);
    uint32_t *ln = calloc(nl, sizeof *ln);
    fann_get_layer_array(a, sizes);
    fann_get_bias_array(a, bias);
    zn_fnet_kind kind = fann_get_network_type(a) == FANN_NETTYPE_SHORTCUT ? ZN_FNET_SHORTCUT : ZN_FNET_LAYER;
    for (unsigned l = 0; l < nl; l++) ln[l] = sizes[l] + bias[l];
    if (kind == ZN_FNET_LAYER) ln[nl - 1] += 1; /* FANN keeps an unused bias neuron in the output layer */
    unsigned nc = fann_get_total_connections(a);
    struct fann_connection *con = calloc(nc ? nc : 1, sizeof *con);
    fann_get_connection_array(a, con);
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_alloc(kind, nl, ln, nc, &net));
    if (!net) exit(1);
    net->connection_rate = fann_get_connection_rate(a);
    for (unsigned c = 0; c < nc; c++) {
        net->sources[c] = con[c].from_neuron;
        net->weights[c] = con[c].weight;
    }
    /* connections come ordered by destination */
    for (uint32_t n = 0, c = 0; n < net->n_neurons; n++) {
        net->neurons[n].first_con = c;
        while (c < nc && con[c].to_neuron == n) c++;
        net->neurons[n].last_con = c;
    }
    for (unsigned l = 1; l < nl; l++)
        for (uint32_t n = net->layers[l].first; n < net->layers[l].last; n++) {
            int i = (int)(n - net->layers[l].first);
            net->neurons[n].act = (zn_nact)fann_get_activation_function(a, (int)l, i);
            net->neurons[n].steepness = fann_get_activation_steepness(a, (int)l, i);
        }
    net->training_algorithm = (zn_algo)fann_get_training_algorithm(a);
    net->learning_rate = fann_get_learning_rate(a);
    net->learning_momentum = fann_get_learning_momentum(a);
    net->train_error_function = (zn_fnet_errfn)fann_get_train_error_function(a);
    net->bit_fail_limit = fann_get_bit_fail_limit(a);
    free(sizes);
    free(bias);
    free(ln);
    free(con);
    return net;
}

/* FANN's defaults are zenn's defaults. */
static void test_defaults(void) {
    struct fann *a = fann_create_standard(3, 2, 3, 1);
    zn_fnet *z = NULL;
    unsigned sizes[] = {2, 3, 1};
    ZT_OK(zn_fnet_create_standard(3, sizes, 1, &z));
    ZT_CHECK((int)z->training_algorithm == (int)fann_get_training_algorithm(a));
    ZT_CHECK(z->learning_rate == fann_get_learning_rate(a));
    ZT_CHECK(z->learning_momentum == fann_get_learning_momentum(a));
    ZT_CHECK((int)z->train_error_function == (int)fann_get_train_error_function(a));
    ZT_CHECK((int)z->train_stop_function == (int)fann_get_train_stop_function(a));
    ZT_CHECK(z->bit_fail_limit == fann_get_bit_fail_limit(a));
    ZT_CHECK(z->quickprop_decay == fann_get_quickprop_decay(a));
    ZT_CHECK(z->quickprop_mu == fann_get_quickprop_mu(a));
    ZT_CHECK(z->rprop_increase_factor == fann_get_rprop_increase_factor(a));
    ZT_CHECK(z->rprop_decrease_factor == fann_get_rprop_decrease_factor(a));
    ZT_CHECK(z->rprop_delta_min == fann_get_rprop_delta_min(a));
    ZT_CHECK(z->rprop_delta_max == fann_get_rprop_delta_max(a));
    ZT_CHECK(z->rprop_delta_zero == fann_get_rprop_delta_zero(a));
    ZT_CHECK(z->sarprop_weight_decay_shift == fann_get_sarprop_weight_decay_shift(a));
    ZT_CHECK(z->sarprop_step_error_threshold_factor == fann_get_sarprop_step_error_threshold_factor(a));
    ZT_CHECK(z->sarprop_step_error_shift == fann_get_sarprop_step_error_shift(a));
    ZT_CHECK(z->sarprop_temperature == fann_get_sarprop_temperature(a));
    ZT_CHECK(z->cascade_output_change_fraction == fann_get_cascade_output_change_fraction(a));
    ZT_CHECK(z->cascade_max_out_epochs == fann_get_cascade_max_out_epochs(a));
    ZT_CHECK(z->cascade_candidate_limit == fann_get_cascade_candidate_limit(a));
    ZT_CHECK(z->cascade_activation_functions_count == fann_get_cascade_activation_functions_count(a));
    ZT_CHECK(z->cascade_activation_steepnesses_count == fann_get_cascade_activation_steepnesses_count(a));
    ZT_CHECK(z->cascade_num_candidate_groups == fann_get_cascade_num_candidate_groups(a));
    ZT_CHECK((int)z->neurons[z->layers[1].first].act == (int)fann_get_activation_function(a, 1, 0));
    ZT_CHECK(z->neurons[z->layers[2].first].steepness == fann_get_activation_steepness(a, 2, 0));
    zn_fnet_free(z);
    fann_destroy(a);
}

/* zenn's creation gives FANN's neurons, connection counts and sources. */
static void check_same_layout(struct fann *a, const zn_fnet *z) {
    ZT_CHECK(zn_fnet_num_neurons(z) == fann_get_total_neurons(a));
    ZT_CHECK(zn_fnet_num_connections(z) == fann_get_total_connections(a));
    ZT_CHECK(zn_fnet_num_inputs(z) == fann_get_num_input(a));
    ZT_CHECK(zn_fnet_num_outputs(z) == fann_get_num_output(a));
    ZT_CHECK(z->n_layers == fann_get_num_layers(a));
    unsigned nc = fann_get_total_connections(a);
    if (zn_fnet_num_connections(z) != nc) return;
    struct fann_connection *con = calloc(nc, sizeof *con);
    fann_get_connection_array(a, con);
    int same_dest = 1, same_src = 1;
    for (uint32_t n = 0; n < z->n_neurons; n++)
        for (uint32_t c = z->neurons[n].first_con; c < z->neurons[n].last_con; c++) {
            if (con[c].to_neuron != n) same_dest = 0;
            if (con[c].from_neuron != z->sources[c]) same_src = 0;
        }
    ZT_CHECK_MSG(same_dest, "connections go to other neurons than FANN's");
    if (z->connection_rate >= 1.0f) ZT_CHECK_MSG(same_src, "connections come from other neurons than FANN's");
    free(con);
}

static void test_layouts(void) {
    unsigned s1[] = {2, 3, 1}, s2[] = {7, 5, 4, 3}, s3[] = {10, 1, 6};
    unsigned *sizes[] = {s1, s2, s3}, nls[] = {3, 4, 3};
    for (int i = 0; i < 3; i++) {
        struct fann *a = fann_create_standard_array(nls[i], sizes[i]);
        zn_fnet *z = NULL;
        ZT_OK(zn_fnet_create_standard(nls[i], sizes[i], 3, &z));
        if (z) check_same_layout(a, z);
        zn_fnet_free(z);
        fann_destroy(a);
        a = fann_create_shortcut_array(nls[i], sizes[i]);
        ZT_OK(zn_fnet_create_shortcut(nls[i], sizes[i], 3, &z));
        if (z) check_same_layout(a, z);
        zn_fnet_free(z);
        fann_destroy(a);
        const float rates[] = {0.1f, 0.35f, 0.5f, 0.8f, 1.0f};
        for (int r = 0; r < 5; r++) {
            a = fann_create_sparse_array(rates[r], nls[i], sizes[i]);
            ZT_OK(zn_fnet_create_sparse(rates[r], nls[i], sizes[i], 3, &z));
            if (!z) continue;
            check_same_layout(a, z);
            /* the same counts per neuron, FANN's validity: bias first, distinct sources from the previous layer */
            zn_fnet *c = copy_fann(a);
            int ok = 1;
            for (uint32_t l = 1; l < z->n_layers; l++)
                for (uint32_t n = z->layers[l].first; n < z->layers[l].last; n++) {
                    const zn_fnet_neuron *zn = &z->neurons[n], *cn = &c->neurons[n];
                    if (zn->first_con != cn->first_con || zn->last_con != cn->last_con) ok = 0;
                    for (uint32_t k = zn->first_con; k < zn->last_con; k++) {
                        uint32_t s = z->sources[k];
                        if (s < z->layers[l - 1].first || s >= z->layers[l - 1].last) ok = 0;
                        for (uint32_t j = zn->first_con; j < k; j++)
                            if (z->sources[j] == s) ok = 0;
                    }
                    if (zn->last_con > zn->first_con && z->sources[zn->first_con] != z->layers[l - 1].last - 1 &&
                        rates[r] < 1.0f)
                        ok = 0;
                }
            ZT_CHECK_MSG(ok, "sparse layout %d rate %g differs from FANN's rules", i, (double)rates[r]);
            zn_fnet_free(c);
            zn_fnet_free(z);
            fann_destroy(a);
        }
    }
}

static const enum fann_activationfunc_enum all_acts[] = {FANN_LINEAR,
                                                         FANN_THRESHOLD,
                                                         FANN_THRESHOLD_SYMMETRIC,
                                                         FANN_SIGMOID,
                                                         FANN_SIGMOID_STEPWISE,
                                                         FANN_SIGMOID_SYMMETRIC,
                                                         FANN_SIGMOID_SYMMETRIC_STEPWISE,
                                                         FANN_GAUSSIAN,
                                                         FANN_GAUSSIAN_SYMMETRIC,
                                                         FANN_GAUSSIAN_STEPWISE,
                                                         FANN_ELLIOT,
                                                         FANN_ELLIOT_SYMMETRIC,
                                                         FANN_LINEAR_PIECE,
                                                         FANN_LINEAR_PIECE_SYMMETRIC,
                                                         FANN_SIN_SYMMETRIC,
                                                         FANN_COS_SYMMETRIC,
                                                         FANN_SIN,
                                                         FANN_COS};
#define N_ACTS (sizeof all_acts / sizeof all_acts[0])

/* Runs a libfann net and its zenn copy on random inputs. */
static void compare_runs(struct fann *a, const char *what) {
    zn_fnet *z = copy_fann(a);
    zn_rng rng;
    zn_rng_seed(&rng, 11);
    unsigned ni = fann_get_num_input(a), no = fann_get_num_output(a);
    float in[512];
    int bad = 0;
    for (int t = 0; t < 20 && !bad; t++) {
        for (unsigned i = 0; i < ni; i++) in[i] = (float)(zn_rng_uniform(&rng) * 4.0 - 2.0);
        const float *fo = fann_run(a, in);
        const float *zo = zn_fnet_run(z, in);
        ZT_CHECK(zo != NULL);
        if (!zo) break;
        for (unsigned o = 0; o < no; o++)
            if (!(fabsf(fo[o] - zo[o]) <= 1e-6f * fabsf(fo[o]) + 2e-6f)) {
                ZT_FAIL("%s: output %u of sample %d: fann %.9g, zenn %.9g", what, o, t, fo[o], zo[o]);
                bad = 1;
                break;
            }
    }
    zn_fnet_free(z);
}

static void test_runs(void) {
    char what[128];
    const float steeps[] = {0.25f, 0.5f, 1.0f, 1.7f};
    for (size_t i = 0; i < N_ACTS; i++)
        for (int s = 0; s < 4; s++) {
            struct fann *a = fann_create_standard(3, 5, 7, 3);
            fann_set_activation_function_hidden(a, FANN_SIGMOID_SYMMETRIC);
            fann_set_activation_function_output(a, all_acts[i]);
            fann_set_activation_steepness_output(a, steeps[s]);
            fann_randomize_weights(a, -1.0f, 1.0f);
            snprintf(what, sizeof what, "standard, output %s steepness %g", FANN_ACTIVATIONFUNC_NAMES[all_acts[i]],
                     (double)steeps[s]);
            compare_runs(a, what);
            fann_destroy(a);
        }
    /* every activation in the hidden layers too, on the three layouts */
    for (size_t i = 0; i < N_ACTS; i++) {
        unsigned sizes[] = {6, 9, 4, 2};
        struct fann *nets[3] = {fann_create_standard_array(4, sizes), fann_create_shortcut_array(4, sizes),
                                fann_create_sparse_array(0.5f, 4, sizes)};
        for (int k = 0; k < 3; k++) {
            fann_set_activation_function_hidden(nets[k], all_acts[i]);
            fann_set_activation_steepness_hidden(nets[k], 0.75f);
            fann_set_activation_function_output(nets[k], FANN_SIGMOID);
            fann_randomize_weights(nets[k], -0.8f, 0.8f);
            snprintf(what, sizeof what, "%s, hidden %s",
                     k == 0   ? "standard"
                     : k == 1 ? "shortcut"
                              : "sparse",
                     FANN_ACTIVATIONFUNC_NAMES[all_acts[i]]);
            compare_runs(nets[k], what);
            fann_destroy(nets[k]);
        }
    }
    /* wide layers take the GEMV path, per-neuron activations the scalar one */
    struct fann *a = fann_create_standard(3, 300, 64, 20);
    fann_set_activation_function_hidden(a, FANN_SIGMOID);
    fann_set_activation_function_output(a, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function(a, FANN_ELLIOT, 1, 3);
    fann_set_activation_steepness(a, 0.3f, 2, 1);
    compare_runs(a, "300-64-20 mixed");
    fann_destroy(a);
    /* FANN limits the sum to 150/steepness */
    a = fann_create_standard(2, 1, 1);
    fann_set_activation_function_output(a, FANN_LINEAR);
    fann_randomize_weights(a, 100.0f, 100.0f);
    compare_runs(a, "linear output limited at 150/steepness");
    fann_destroy(a);
}

static float rel_err(float a, float b) { return fabsf(a - b) / (fabsf(b) + 1e-7f); }

/* Per-epoch MSE and bit fails of fann_train_epoch and zn_fnet_train_epoch
 * from the same start, then fann_test_data against zn_fnet_test_data. */
static void compare_training(struct fann *a, const char *file, enum fann_train_enum algo,
                             enum fann_errorfunc_enum errfn, int epochs, const char *what) {
    fann_set_training_algorithm(a, algo);
    fann_set_train_error_function(a, errfn);
    /* libfann seeds rand() from /dev/urandom at creation: fixed weights make the run repeatable */
    srand(1234);
    fann_randomize_weights(a, -0.1f, 0.1f);
    /* Quickprop's quadratic step divides by a slope difference: one near-singular step can turn a
     * 1e-6 rounding difference into 1e-4 (seen at epoch 21 on diabetes), so it runs 20 epochs */
    if (algo == FANN_TRAIN_QUICKPROP && epochs > 20) epochs = 20;
    zn_fnet *z = copy_fann(a);
    struct fann_train_data *fd = fann_read_train_from_file(file);
    zn_dataset *zd = NULL;
    ZT_OK(zn_dataset_load_fann(file, NULL, &zd));
    ZT_CHECK(fd != NULL);
    if (!fd || !zd) return;
    float worst = 0.0f;
    int worst_epoch = 0, bits_same = 1;
    for (int e = 1; e <= epochs; e++) {
        float fm = fann_train_epoch(a, fd), zm = zn_fnet_train_epoch(z, zd);
        float r = rel_err(zm, fm);
        if (getenv("ZN_FNET_TRACE")) fprintf(stderr, "%s %d %.9g %.9g %g\n", what, e, fm, zm, r);
        if (!(r <= worst)) {
            worst = r;
            worst_epoch = e;
        }
        if (fann_get_bit_fail(a) != zn_fnet_bit_fail(z)) bits_same = 0;
    }
    ZT_CHECK_MSG(worst <= 1e-4f, "%s, %s, %s: epoch %d MSE differs from libfann's by %g (relative)", what,
                 FANN_TRAIN_NAMES[algo], FANN_ERRORFUNC_NAMES[errfn], worst_epoch, (double)worst);
    ZT_CHECK_MSG(bits_same, "%s, %s, %s: bit fails differ from libfann's", what, FANN_TRAIN_NAMES[algo],
                 FANN_ERRORFUNC_NAMES[errfn]);
    float ft = fann_test_data(a, fd), zt = zn_fnet_test_data(z, zd);
    ZT_CHECK_MSG(rel_err(zt, ft) <= 1e-4f, "%s, %s: test MSE %.9g, libfann %.9g", what, FANN_TRAIN_NAMES[algo],
                 (double)zt, (double)ft);
    ZT_CHECK(fann_get_bit_fail(a) == zn_fnet_bit_fail(z));
    fann_destroy_train(fd);
    zn_dataset_free(zd);
    zn_fnet_free(z);
}

static const enum fann_train_enum algos[] = {FANN_TRAIN_INCREMENTAL, FANN_TRAIN_BATCH, FANN_TRAIN_RPROP,
                                             FANN_TRAIN_QUICKPROP};

static void test_training_xor(void) {
    for (int e = 0; e < 2; e++)
        for (int i = 0; i < 4; i++) {
            struct fann *a = fann_create_standard(3, 2, 3, 1);
            fann_set_activation_function_hidden(a, FANN_SIGMOID_SYMMETRIC);
            fann_set_activation_function_output(a, FANN_SIGMOID_SYMMETRIC);
            compare_training(a, DATA("xor.data"), algos[i], (enum fann_errorfunc_enum)e, 40, "xor 2-3-1");
            fann_destroy(a);
        }
}

static void test_training_diabetes(void) {
    for (int e = 0; e < 2; e++)
        for (int i = 0; i < 4; i++) {
            struct fann *a = fann_create_standard(3, 8, 16, 2);
            fann_set_activation_function_hidden(a, FANN_SIGMOID);
            fann_set_activation_function_output(a, FANN_SIGMOID);
            compare_training(a, DATA("diabetes.train"), algos[i], (enum fann_errorfunc_enum)e, 25, "diabetes 8-16-2");
            fann_destroy(a);
        }
}

/* Shortcut and sparse layouts, other activations and momentum. */
/* A sparse net whose connections come from zenn's seeded RNG, loaded into
 * libfann through a .net file: libfann draws its own from a /dev/urandom
 * seed, and one draw in a few dozen made a structure on which 20 epochs of
 * incremental training amplify float rounding past the test's bounds (or
 * put a difference within rounding of the bit-fail limit). */
static struct fann *sparse_from_zenn(float rate, unsigned n_layers, const unsigned *sizes, uint64_t seed) {
    zn_fnet *z = NULL;
    char path[] = "/tmp/zn_fnet_sparse_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || zn_fnet_create_sparse(rate, n_layers, sizes, seed, &z) != ZN_OK || zn_fnet_save(z, path) != ZN_OK) {
        if (fd >= 0) {
            close(fd);
            unlink(path);
        }
        zn_fnet_free(z);
        return NULL;
    }
    close(fd);
    struct fann *a = fann_create_from_file(path);
    unlink(path);
    zn_fnet_free(z);
    return a;
}

static void test_training_layouts(void) {
    unsigned sizes[] = {8, 6, 5, 2};
    for (int i = 0; i < 4; i++) {
        struct fann *a = fann_create_shortcut_array(4, sizes);
        fann_set_activation_function_hidden(a, FANN_ELLIOT_SYMMETRIC);
        fann_set_activation_function_output(a, FANN_SIGMOID_STEPWISE);
        compare_training(a, DATA("diabetes.train"), algos[i], FANN_ERRORFUNC_TANH, 20, "diabetes shortcut 8-6-5-2");
        fann_destroy(a);
        a = sparse_from_zenn(0.5f, 4, sizes, 7);
        ZT_CHECK(a != NULL);
        if (!a) continue;
        fann_set_activation_function_hidden(a, FANN_SIGMOID_SYMMETRIC);
        fann_set_activation_function_output(a, FANN_SIGMOID);
        fann_set_learning_rate(a, 0.2f);
        fann_set_learning_momentum(a, 0.4f);
        compare_training(a, DATA("diabetes.train"), algos[i], FANN_ERRORFUNC_LINEAR, 20, "diabetes sparse 8-6-5-2");
        fann_destroy(a);
    }
    /* SARPROP draws noise from rand(): only its first epoch (measured before any update) can match */
    struct fann *a = fann_create_standard(3, 8, 16, 2);
    compare_training(a, DATA("diabetes.train"), FANN_TRAIN_SARPROP, FANN_ERRORFUNC_TANH, 1, "diabetes sarprop");
    fann_destroy(a);
}

/* Plain mean squared error (no halving) of libfann's outputs on a data file. */
static double fann_plain_mse(struct fann *a, struct fann_train_data *d) {
    double se = 0;
    unsigned n = fann_length_train_data(d), no = fann_num_output_train_data(d);
    for (unsigned i = 0; i < n; i++) {
        const fann_type *y = fann_run(a, d->input[i]);
        for (unsigned j = 0; j < no; j++) se += ((double)y[j] - d->output[i][j]) * ((double)y[j] - d->output[i][j]);
    }
    return se / ((double)n * no);
}

/* `zenn train DATA --algo rprop --epochs 200 --layers 8,32,2 --test TEST`
 * makes these library calls (FANN data: FANN's default spec, seed 1, full
 * batch, zn_evaluate). libfann's fann_train_on_data from the same weights
 * (the model's .net file) must reach the same test error: the bench's
 * fann-cli rows time the two commands, this checks their claim of equal
 * error without a clock. */
static void test_cli_training_matches_libfann(void) {
    zn_dataset *train = NULL, *test = NULL;
    ZT_OK(zn_dataset_load(DATA("diabetes.train"), NULL, &train));
    ZT_OK(zn_dataset_load(DATA("diabetes.test"), NULL, &test));
    if (!train || !test) return;
    zn_mlp_spec spec = zn_mlp_spec_default();
    spec.n_layers = 3;
    spec.sizes[0] = 8;
    spec.sizes[1] = 32;
    spec.sizes[2] = 2;
    zn_mlp *mlp = NULL;
    zn_fnet *net = NULL;
    ZT_OK(zn_mlp_wrap(&spec, 1, NULL, NULL, 0, NULL, &mlp));
    ZT_OK(zn_fnet_from_mlp(mlp, &net));
    char path[] = "/tmp/zn_cli_start_XXXXXX";
    int fd = mkstemp(path);
    ZT_CHECK(fd >= 0);
    if (fd >= 0) close(fd);
    ZT_OK(zn_fnet_save(net, path));
    struct fann *a = fann_create_from_file(path);
    unlink(path);
    ZT_CHECK(a != NULL);
    struct fann_train_data *ftrain = fann_read_train_from_file(DATA("diabetes.train"));
    struct fann_train_data *ftest = fann_read_train_from_file(DATA("diabetes.test"));
    if (a && ftrain && ftest) {
        zn_train_config cfg = zn_train_config_default(ZN_ALGO_RPROP);
        cfg.epochs = 200;
        zn_train_report rep;
        ZT_OK(zn_train(mlp->model, train, NULL, &cfg, &rep));
        zn_eval ev;
        ZT_OK(zn_evaluate(mlp->model, test, cfg.bit_fail_limit, NULL, &ev));
        fann_set_training_algorithm(a, FANN_TRAIN_RPROP);
        fann_train_on_data(a, ftrain, 200, 0, 0.0f);
        const double fm = fann_plain_mse(a, ftest), ft = fann_plain_mse(a, ftrain);
        ZT_CHECK_MSG(rep.epochs == 200 && fabs(ev.mse - fm) <= 0.01 * fm && fabs(rep.train_mse - ft) <= 0.01 * ft,
                     "test MSE %.6g (libfann %.6g), train MSE %.6g (libfann %.6g) after %lld epochs", ev.mse, fm,
                     rep.train_mse, ft, (long long)rep.epochs);
        if (getenv("ZN_FNET_TRACE"))
            fprintf(stderr, "cli path: test %.9g libfann %.9g, train %.9g libfann %.9g\n", ev.mse, fm, rep.train_mse,
                    ft);
    }
    if (ftrain) fann_destroy_train(ftrain);
    if (ftest) fann_destroy_train(ftest);
    if (a) fann_destroy(a);
    zn_fnet_free(net);
    zn_mlp_free(mlp);
    zn_dataset_free(train);
    zn_dataset_free(test);
}

int main(void) {
    ZT_RUN(test_defaults);
    ZT_RUN(test_layouts);
    ZT_RUN(test_runs);
    ZT_RUN(test_training_xor);
    ZT_RUN(test_training_diabetes);
    ZT_RUN(test_training_layouts);
    ZT_RUN(test_cli_training_matches_libfann);
    return zt_finish();
}
#endif
