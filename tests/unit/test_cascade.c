/* Cascade-correlation (zn_cascade_train): the net grows one hidden layer of
 * one neuron at a time in FANN's layout, the error falls, the stop rules and
 * parameters hold, the result is the same for 1 and 2 threads, the cached
 * neuron values agree with running the final net, and (with libfann
 * installed) the final error is no worse than libfann's own cascade. */
#include <unistd.h>

#include "zn_test.h"

#include "fann/cascade_internal.h"

#ifdef ZN_HAVE_LIBFANN
#include <floatfann.h>
#endif

#define DATA(f) ZN_SOURCE_DIR "/data/" f

static zn_dataset *load(const char *path) {
    zn_dataset *d = NULL;
    ZT_OK(zn_dataset_load_fann(path, NULL, &d));
    return d;
}

static zn_fnet *shortcut(const zn_dataset *d, uint64_t seed) {
    unsigned sizes[2] = {(unsigned)d->n_in, (unsigned)d->n_out};
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_create_shortcut(2, sizes, seed, &net));
    return net;
}

/* The report callback records the MSE after each round of output training. */
typedef struct trace {
    int calls;
    unsigned neurons[256];
    float mse[256];
    int stop_after; /* > 0: return -1 on that call */
} trace;

static int record(zn_fnet *net, const zn_dataset *data, unsigned max_neurons, unsigned between, float desired,
                  unsigned epochs, void *user) {
    (void)data, (void)max_neurons, (void)between, (void)desired;
    trace *t = user;
    if (t->calls < 256) {
        t->neurons[t->calls] = epochs;
        t->mse[t->calls] = zn_fnet_mse(net);
    }
    t->calls++;
    return t->stop_after > 0 && t->calls >= t->stop_after ? -1 : 0;
}

/* FANN's cascade layout: input layer with its bias, then one layer of one
 * neuron per hidden neuron, then the outputs; every neuron sees every
 * earlier neuron in order; no other bias neurons. */
static void check_layout(const zn_fnet *net, unsigned hidden) {
    const uint32_t n_in = net->n_inputs, n_out = net->n_outputs;
    ZT_CHECK(net->n_layers == hidden + 2);
    ZT_CHECK(net->n_neurons == n_in + 1 + hidden + n_out);
    ZT_CHECK(zn_fnet_num_neurons(net) == n_in + 1 + hidden + n_out);
    uint32_t expect_con = 0;
    for (uint32_t l = 1; l < net->n_layers; l++) {
        const zn_fnet_layer *L = &net->layers[l];
        ZT_CHECK(L->first == net->layers[l - 1].last);
        ZT_CHECK(L->last - L->first == (l + 1 < net->n_layers ? 1u : n_out));
        for (uint32_t n = L->first; n < L->last; n++) {
            const zn_fnet_neuron *ne = &net->neurons[n];
            ZT_CHECK(ne->first_con == expect_con && ne->last_con == expect_con + L->first);
            for (uint32_t j = 0; j < L->first; j++)
                if (net->sources[ne->first_con + j] != j) {
                    ZT_FAIL("neuron %u connection %u comes from %u", n, j, net->sources[ne->first_con + j]);
                    return;
                }
            expect_con = ne->last_con;
        }
    }
    ZT_CHECK(net->n_connections == expect_con);
}

static void test_xor_reaches_target(void) {
    zn_dataset *d = load(DATA("xor.data"));
    zn_fnet *net = shortcut(d, 7);
    zn_fnet_set_activation_output(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
    trace t = {0};
    const float target = 0.001f;
    ZT_OK(zn_cascade_train(net, d, 30, 1, target, record, &t, NULL));
    unsigned hidden = net->n_layers - 2;
    printf("xor: %u hidden neurons, MSE %g\n", hidden, (double)zn_fnet_test_data(net, d));
    ZT_CHECK(hidden >= 1 && hidden < 30); /* XOR needs a hidden neuron, and 30 is plenty */
    check_layout(net, hidden);
    /* one report per round; the last reached the target and added nothing */
    ZT_CHECK(t.calls == (int)hidden + 1);
    ZT_CHECK(t.mse[t.calls - 1] <= target);
    for (int i = 0; i < t.calls; i++) ZT_CHECK(t.neurons[i] == (unsigned)i);
    for (int i = 0; i + 1 < t.calls; i++) ZT_CHECK(t.mse[i] > target);
    ZT_CHECK(zn_fnet_test_data(net, d) < 0.01f);
    zn_fnet_free(net);
    zn_dataset_free(d);
}

/* max_neurons bounds the growth exactly, and each neuron lowers the error. */
static void test_diabetes_max_neurons(void) {
    zn_dataset *d = load(DATA("diabetes.train"));
    zn_fnet *net = shortcut(d, 3);
    zn_fnet_set_activation_output(net, ZN_NACT_FANN_SIGMOID);
    trace t = {0};
    ZT_OK(zn_cascade_train(net, d, 3, 1, 0.0f, record, &t, NULL));
    check_layout(net, 3);
    ZT_CHECK(net->n_connections == 9 + 10 + 11 + 2 * 12);
    ZT_CHECK(t.calls == 3);
    for (int i = 0; i < t.calls; i++) printf("diabetes: %u neurons, MSE %.6f\n", t.neurons[i], (double)t.mse[i]);
    for (int i = 0; i + 1 < t.calls; i++) ZT_CHECK_MSG(t.mse[i + 1] < t.mse[i], "MSE rose after neuron %d", i + 1);
    float final = zn_fnet_test_data(net, d);
    printf("diabetes: after 3 neurons MSE %.6f\n", (double) final);
    ZT_CHECK(final < t.mse[0]);
    /* the network generalises somewhat: test error not far above train */
    zn_dataset *test = load(DATA("diabetes.test"));
    float test_mse = zn_fnet_test_data(net, test);
    printf("diabetes: test MSE %.6f\n", (double)test_mse);
    ZT_CHECK(test_mse < 0.25f);
    zn_dataset_free(test);

    /* cascade goes on from a net that has hidden neurons already (the cache
     * starts from running it), and lowers the error further */
    trace more = {0};
    ZT_OK(zn_cascade_train(net, d, 2, 1, 0.0f, record, &more, NULL));
    check_layout(net, 5);
    ZT_CHECK(more.calls == 2);
    float after = zn_fnet_test_data(net, d);
    printf("diabetes: after 2 more neurons MSE %.6f\n", (double)after);
    ZT_CHECK(after < final);

    /* a report that returns -1 stops before the first neuron */
    zn_fnet *net2 = shortcut(d, 3);
    trace stop = {0};
    stop.stop_after = 1;
    ZT_OK(zn_cascade_train(net2, d, 3, 1, 0.0f, record, &stop, NULL));
    ZT_CHECK(stop.calls == 1);
    check_layout(net2, 0);
    zn_fnet_free(net2);
    zn_fnet_free(net);
    zn_dataset_free(d);
}

/* The same seed gives bit-identical nets with 1 and 2 threads; and the
 * outputs the cache computed are those of running the final net. */
static void test_threads_and_cache(void) {
    zn_dataset *d = load(DATA("diabetes.train"));
    zn_pool *p1 = NULL, *p2 = NULL;
    ZT_OK(zn_pool_create(1, &p1));
    ZT_OK(zn_pool_create(2, &p2));
    zn_fnet *a = shortcut(d, 11), *b = shortcut(d, 11);
    /* more candidates than one block, and a block left over */
    a->cascade_num_candidate_groups = b->cascade_num_candidate_groups = 3;
    float *outs = zn_alloc((size_t)d->rows * d->n_out * sizeof(float));
    zn_cascade_opts oa = {0}, ob = {0};
    oa.pool = p1;
    ob.pool = p2;
    ob.outputs = outs;
    ZT_OK(zn_cascade_train_ex(a, d, 4, 0, 0.0f, NULL, NULL, &oa));
    ZT_OK(zn_cascade_train_ex(b, d, 4, 0, 0.0f, NULL, NULL, &ob));
    ZT_CHECK(a->n_connections == b->n_connections);
    ZT_CHECK(a->n_connections > 0 && !memcmp(a->weights, b->weights, a->n_connections * sizeof(float)));
    for (uint32_t n = 0; n < a->n_neurons && n < b->n_neurons; n++)
        ZT_CHECK(a->neurons[n].act == b->neurons[n].act && a->neurons[n].steepness == b->neurons[n].steepness);
    double worst = 0.0;
    for (int64_t r = 0; r < d->rows; r++) {
        const float *y = zn_fnet_run(b, d->x + r * d->n_in);
        ZT_CHECK(y != NULL);
        if (!y) break;
        for (int64_t j = 0; j < d->n_out; j++) {
            double diff = fabs((double)y[j] - outs[r * d->n_out + j]);
            worst = diff > worst ? diff : worst;
        }
    }
    printf("cache vs zn_fnet_run: largest output difference %g\n", worst);
    ZT_CHECK(worst < 1e-4);
    zn_free(outs);
    zn_fnet_free(a);
    zn_fnet_free(b);
    zn_pool_free(p1);
    zn_pool_free(p2);
    zn_dataset_free(d);
}

/* Quickprop trains too, and the bit-fail stop function stops on bits. */
static void test_quickprop_and_bit_stop(void) {
    zn_dataset *d = load(DATA("diabetes.train"));
    zn_fnet *net = shortcut(d, 5);
    net->training_algorithm = ZN_ALGO_QUICKPROP;
    trace t = {0};
    ZT_OK(zn_cascade_train(net, d, 2, 1, 0.0f, record, &t, NULL));
    check_layout(net, 2);
    ZT_CHECK(t.calls == 2 && t.mse[1] < t.mse[0]);
    printf("quickprop: MSE %.6f -> %.6f\n", (double)t.mse[0], (double)t.mse[1]);
    zn_fnet_free(net);

    /* bit fails: stop once at most `target` outputs are off by bit_fail_limit */
    net = shortcut(d, 5);
    net->train_stop_function = ZN_STOP_BIT;
    net->bit_fail_limit = 0.45f;
    const unsigned target = 160; /* of 768 outputs */
    ZT_OK(zn_cascade_train(net, d, 20, 1, (float)target, NULL, NULL, NULL));
    unsigned hidden = net->n_layers - 2;
    zn_fnet_reset_mse(net);
    (void)zn_fnet_test_data(net, d);
    printf("bit stop: %u neurons, %u bit fails\n", hidden, zn_fnet_bit_fail(net));
    ZT_CHECK(hidden < 20);
    ZT_CHECK(zn_fnet_bit_fail(net) <= target + 20); /* the last output round may move a few */
    zn_fnet_free(net);
    zn_dataset_free(d);
}

/* The net's cascade parameters are the ones used: the candidates' functions
 * and steepnesses, and the epoch limits (counted through FANN's report of
 * total epochs). */
static void test_parameters(void) {
    zn_dataset *d = load(DATA("diabetes.train"));
    zn_fnet *net = shortcut(d, 4);
    net->cascade_activation_functions_count = 1;
    net->cascade_activation_functions[0] = ZN_NACT_GAUSSIAN;
    net->cascade_activation_steepnesses_count = 1;
    net->cascade_activation_steepnesses[0] = 0.3f;
    net->cascade_num_candidate_groups = 5;
    net->cascade_min_out_epochs = net->cascade_max_out_epochs = 5;
    net->cascade_min_cand_epochs = net->cascade_max_cand_epochs = 7;
    trace t = {0};
    zn_cascade_opts o = {0};
    o.report_epochs = 1;
    ZT_OK(zn_cascade_train_ex(net, d, 3, 1, 0.0f, record, &t, &o));
    check_layout(net, 3);
    for (uint32_t n = d->n_in + 1; n < d->n_in + 4; n++)
        ZT_CHECK(net->neurons[n].act == ZN_NACT_GAUSSIAN && net->neurons[n].steepness == 0.3f);
    ZT_CHECK(t.calls == 3);
    /* round i: 5 output epochs each round, 7 candidate epochs between rounds */
    for (int i = 0; i < t.calls; i++)
        ZT_CHECK_MSG(t.neurons[i] == 5u * (unsigned)(i + 1) + 7u * (unsigned)i, "round %d: %u epochs", i, t.neurons[i]);
    zn_fnet_free(net);
    zn_dataset_free(d);
}

/* The vectorised sin/cos of candidate sums against libm in double. */
static void test_sincos(void) {
    enum { N = 20001 };
    static float x[N], sn[N], cs[N];
    for (int i = 0; i < N; i++) x[i] = -160.0f + 320.0f * (float)i / (N - 1);
    x[0] = 0.0f, x[1] = 1e-30f, x[2] = -8192.0f, x[3] = 8192.0f;
    zn_cascade_sincos(N, x, sn, cs);
    double worst = 0.0;
    for (int i = 0; i < N; i++) {
        double es = fabs(sn[i] - sin((double)x[i])), ec = fabs(cs[i] - cos((double)x[i]));
        worst = es > worst ? es : worst;
        worst = ec > worst ? ec : worst;
    }
    printf("sincos: largest error %g\n", worst);
    ZT_CHECK(worst < 4e-7);
    ZT_CHECK(sn[0] == 0.0f && cs[0] == 1.0f && sn[1] == 1e-30f);
}

static void test_errors(void) {
    zn_dataset *d = load(DATA("xor.data"));
    unsigned sizes[2] = {2, 1};
    zn_fnet *layered = NULL;
    ZT_OK(zn_fnet_create_standard(2, sizes, 1, &layered));
    ZT_ERR(zn_cascade_train(layered, d, 3, 0, 0.0f, NULL, NULL, NULL), ZN_ERR_UNSUPPORTED);
    zn_fnet_free(layered);
    unsigned wrong[2] = {3, 1};
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_create_shortcut(2, wrong, 1, &net));
    ZT_ERR(zn_cascade_train(net, d, 3, 0, 0.0f, NULL, NULL, NULL), ZN_ERR_SHAPE);
    zn_fnet_free(net);
    net = shortcut(d, 1);
    net->training_algorithm = ZN_ALGO_INCREMENTAL; /* FANN refuses it too */
    ZT_ERR(zn_cascade_train(net, d, 3, 0, 0.0f, NULL, NULL, NULL), ZN_ERR_UNSUPPORTED);
    net->training_algorithm = ZN_ALGO_RPROP;
    net->cascade_activation_functions_count = 0;
    ZT_ERR(zn_cascade_train(net, d, 3, 0, 0.0f, NULL, NULL, NULL), ZN_ERR_INVALID_ARG);
    check_layout(net, 0); /* nothing changed */
    ZT_ERR(zn_cascade_train(NULL, d, 3, 0, 0.0f, NULL, NULL, NULL), ZN_ERR_INVALID_ARG);
    zn_fnet_free(net);
    zn_dataset_free(d);
}

#ifdef ZN_HAVE_LIBFANN
/* libfann's own cascade on the same data with the same parameters; returns
 * its final train MSE and the seconds it took. libfann seeds rand() from
 * /dev/urandom whenever it creates a net; the test reseeds it after creation
 * (and redraws the weights) so every run of the test compares the same
 * libfann runs: the comparison of means over seeds cannot flake. */
static float fann_cascade(const char *path, unsigned max_neurons, double *secs, const char *save, unsigned seed) {
    struct fann_train_data *fd = fann_read_train_from_file(path);
    if (!fd) return NAN;
    struct fann *ann = fann_create_shortcut(2, fann_num_input_train_data(fd), fann_num_output_train_data(fd));
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    srand(seed);
    fann_randomize_weights(ann, -0.1f, 0.1f);
    double t0 = zn_time_sec();
    fann_cascadetrain_on_data(ann, fd, max_neurons, 0, 0.0f);
    *secs = zn_time_sec() - t0;
    float mse = fann_test_data(ann, fd);
    if (save && fann_save(ann, save) != 0) mse = NAN;
    /* libfann 2.2's fann_destroy forgets the candidate scores */
    free(ann->cascade_candidate_scores);
    ann->cascade_candidate_scores = NULL;
    fann_destroy(ann);
    fann_destroy_train(fd);
    return mse;
}

static void test_against_libfann(void) {
    const char *path = DATA("diabetes.train");
    zn_dataset *d = load(path);
    const unsigned max_neurons = 5, seeds = 6;
    double zsum = 0, fsum = 0, zt = 0, ft = 0;
    for (unsigned s = 1; s <= seeds; s++) {
        double secs = 0.0;
        float fm = fann_cascade(path, max_neurons, &secs, NULL, s);
        ZT_CHECK(isfinite(fm));
        fsum += fm;
        ft += secs;
        zn_fnet *net = shortcut(d, s);
        zn_fnet_set_activation_output(net, ZN_NACT_FANN_SIGMOID);
        double t0 = zn_time_sec();
        ZT_OK(zn_cascade_train(net, d, max_neurons, 0, 0.0f, NULL, NULL, NULL));
        zt += zn_time_sec() - t0;
        float zm = zn_fnet_test_data(net, d);
        zsum += zm;
        printf("seed %u: zenn MSE %.6f, libfann MSE %.6f\n", s, (double)zm, (double)fm);
        zn_fnet_free(net);
    }
    printf("diabetes, %u neurons, mean of %u seeds: zenn MSE %.6f in %.3f s, libfann MSE %.6f in %.3f s\n", max_neurons,
           seeds, zsum / seeds, zt / seeds, fsum / seeds, ft / seeds);
    ZT_CHECK(zsum <= fsum * 1.10);
    zn_dataset_free(d);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 22);
    if (buf) fread(buf, 1, (1 << 22) - 1, f);
    fclose(f);
    return buf;
}

/* The rest of the line that starts with key, copied into out. */
static int field(const char *text, const char *key, char *out, size_t cap) {
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, key, strlen(key))) {
            size_t n = strcspn(p, "\n");
            if (n >= cap) return 0;
            memcpy(out, p, n);
            out[n] = 0;
            return 1;
        }
    return 0;
}

/* The first number of every "(a, ...)" group: each neuron's input count, or
 * each connection's source neuron. */
static int firsts(const char *line, int *out, int max) {
    int n = 0;
    for (const char *p = strchr(line, '='); p && (p = strchr(p, '(')) && n < max; p++) out[n++] = atoi(p + 1);
    return n;
}

/* A cascade net zenn wrote has libfann's cascade layout (layer sizes, each
 * neuron's input count, every connection's source), libfann loads it and
 * computes zenn's outputs; zenn loads libfann's cascade net and computes
 * libfann's. */
static void test_net_files_against_libfann(void) {
    const char *path = DATA("diabetes.train");
    zn_dataset *d = load(path);
    char zpath[] = "/tmp/zn_cascade_XXXXXX", fpath[] = "/tmp/zn_cascade_XXXXXX";
    int fdz = mkstemp(zpath), fdf = mkstemp(fpath);
    ZT_CHECK(fdz >= 0 && fdf >= 0);
    close(fdz);
    close(fdf);
    double secs;
    ZT_CHECK(isfinite(fann_cascade(path, 4, &secs, fpath, 1)));
    zn_fnet *net = shortcut(d, 9);
    zn_fnet_set_activation_output(net, ZN_NACT_FANN_SIGMOID);
    ZT_OK(zn_cascade_train(net, d, 4, 0, 0.0f, NULL, NULL, NULL));
    ZT_OK(zn_fnet_save(net, zpath));
    char *zt = slurp(zpath), *ft = slurp(fpath);
    static char zl[1 << 20], fl[1 << 20];
    static int za[4096], fa[4096];
    ZT_CHECK(zt && ft);
    if (zt && ft) {
        ZT_CHECK(field(zt, "layer_sizes=", zl, sizeof zl) && field(ft, "layer_sizes=", fl, sizeof fl));
        ZT_CHECK_MSG(!strcmp(zl, fl), "zenn '%s', libfann '%s'", zl, fl);
        ZT_CHECK(!strcmp(zl, "layer_sizes=9 1 1 1 1 2 ") || !strcmp(zl, "layer_sizes=9 1 1 1 1 2"));
        const char *keys[2] = {"neurons (", "connections ("};
        for (int k = 0; k < 2; k++) {
            ZT_CHECK(field(zt, keys[k], zl, sizeof zl) && field(ft, keys[k], fl, sizeof fl));
            int nz = firsts(zl, za, 4096), nf = firsts(fl, fa, 4096);
            ZT_CHECK_MSG(nz == nf && nz > 0 && !memcmp(za, fa, (size_t)nz * sizeof(int)), "%s differ (%d and %d)",
                         keys[k], nz, nf);
        }
    }
    struct fann *ann = fann_create_from_file(zpath);
    zn_fnet *theirs = NULL;
    ZT_OK(zn_fnet_load(fpath, &theirs));
    struct fann *ann2 = fann_create_from_file(fpath);
    ZT_CHECK(ann && ann2 && theirs);
    double worst = 0.0;
    for (int64_t r = 0; ann && ann2 && theirs && r < d->rows; r++) {
        float *x = d->x + r * d->n_in;
        const float *a = zn_fnet_run(net, x), *b = fann_run(ann, x);
        for (int64_t j = 0; j < d->n_out; j++) worst = fmax(worst, fabs((double)a[j] - b[j]));
        a = zn_fnet_run(theirs, x);
        b = fann_run(ann2, x);
        for (int64_t j = 0; j < d->n_out; j++) worst = fmax(worst, fabs((double)a[j] - b[j]));
    }
    printf("cascade .net files: largest output difference zenn vs libfann %g\n", worst);
    ZT_CHECK(worst < 1e-5);
    if (ann) fann_destroy(ann);
    if (ann2) fann_destroy(ann2);
    zn_fnet_free(theirs);
    zn_fnet_free(net);
    free(zt);
    free(ft);
    remove(zpath);
    remove(fpath);
    zn_dataset_free(d);
}
#endif

int main(void) {
    ZT_RUN(test_xor_reaches_target);
    ZT_RUN(test_diabetes_max_neurons);
    ZT_RUN(test_threads_and_cache);
    ZT_RUN(test_quickprop_and_bit_stop);
    ZT_RUN(test_parameters);
    ZT_RUN(test_sincos);
    ZT_RUN(test_errors);
#ifdef ZN_HAVE_LIBFANN
    ZT_RUN(test_against_libfann);
    ZT_RUN(test_net_files_against_libfann);
#else
    fprintf(stderr, "skip test_against_libfann: libfann not found at build time\n");
#endif
    return zt_finish();
}
