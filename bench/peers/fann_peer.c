/* FANN-API peer of `zenn bench`: one JSON request per line on stdin, one JSON
 * reply per line on stdout (bench/peers/README.md). Written against FANN 2.2's
 * public API only and built twice: against libfann (`fann_peer`, only when
 * libfann is installed) and against zenn's drop-in libzenn-fann
 * (`zenn_fann_peer`), so the suite `fann` times the same program on both. */
#include <floatfann.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifndef FANN_PEER_VERSION
#define FANN_PEER_VERSION "2.2"
#endif
#ifndef FANN_PEER_NAME
#define FANN_PEER_NAME "libfann"
#endif

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* VmHWM: ru_maxrss would include the spawning zenn's own high-water mark. */
static long long peak_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = atoll(line + 6);
    if (f) fclose(f);
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = ru.ru_maxrss;
    }
    return kb * 1024;
}

/* ---- just enough JSON for flat requests ---- */

static const char *value_of(const char *json, const char *key) {
    size_t k = strlen(key);
    for (const char *s = strchr(json, '"'); s; s = strchr(s + 1, '"'))
        if (!strncmp(s + 1, key, k) && s[k + 1] == '"') {
            s += k + 2;
            while (*s == ' ') s++;
            if (*s++ != ':') continue;
            while (*s == ' ') s++;
            return s;
        }
    return NULL;
}

static double num(const char *json, const char *key, double dflt) {
    const char *v = value_of(json, key);
    return v ? strtod(v, NULL) : dflt;
}

static int str_is(const char *json, const char *key, const char *want) {
    const char *v = value_of(json, key);
    size_t n = strlen(want);
    return v && *v == '"' && !strncmp(v + 1, want, n) && v[n + 1] == '"';
}

/* "layers":[784,128,10] -> sizes; returns the count (0 when malformed). */
static unsigned layers_of(const char *json, unsigned *sizes, unsigned cap) {
    const char *v = value_of(json, "layers");
    if (!v || *v != '[') return 0;
    unsigned n = 0;
    for (v++; n < cap;) {
        char *end;
        long s = strtol(v, &end, 10);
        if (end == v || s < 1 || s > 1 << 20) return 0;
        sizes[n++] = (unsigned)s;
        v = end;
        while (*v == ' ') v++;
        if (*v == ']') return n >= 2 ? n : 0;
        if (*v++ != ',') return 0;
    }
    return 0;
}

/* ---- the work ---- */

static struct fann *make_net(const char *req, unsigned *sizes, unsigned *n) {
    *n = layers_of(req, sizes, 16);
    if (!*n || !(str_is(req, "act", "sigmoid") || !value_of(req, "act"))) return NULL; /* FANN 2.2 has no ReLU */
    struct fann *ann = fann_create_standard_array(*n, sizes);
    if (!ann) return NULL;
    /* Sigmoid at FANN's default steepness 0.5 is the logistic function 1/(1+e^-x). */
    fann_set_activation_function_hidden(ann, FANN_SIGMOID);
    fann_set_activation_function_output(ann, str_is(req, "out_act", "linear") ? FANN_LINEAR : FANN_SIGMOID);
    return ann;
}

static fann_type *random_values(size_t n, unsigned seed) {
    fann_type *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; v && i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = (fann_type)(seed >> 8) / (fann_type)(1u << 24);
    }
    return v;
}

/* Runs step(ctx) once to warm up, then until min_seconds pass; seconds per step. */
/* Steps in blocks that take at least 20 us each, so reading the clock
 * (tens of ns) does not count in a step that itself takes tens of ns. */
static double timed(void (*step)(void *), void *ctx, double min_seconds, long *iters) {
    step(ctx);
    long block = 1;
    for (;;) {
        double t0 = now();
        for (long i = 0; i < block; i++) step(ctx);
        if (now() - t0 >= 2e-5 || block >= (1L << 20)) break;
        block *= 2;
    }
    double t0 = now(), t;
    *iters = 0;
    do {
        for (long i = 0; i < block; i++) step(ctx);
        *iters += block;
        t = now() - t0;
    } while (t < min_seconds);
    return t / (double)*iters;
}

typedef struct work {
    struct fann *ann;
    fann_type *x, *y;
    unsigned nin, nout, samples, pos;
    struct fann_train_data *data;
} work;

static void run_one(void *p) {
    work *w = p;
    fann_run(w->ann, w->x);
}

static void train_one(void *p) {
    work *w = p;
    fann_train(w->ann, w->x + (size_t)w->pos * w->nin, w->y + (size_t)w->pos * w->nout);
    w->pos = (w->pos + 1) % w->samples;
}

static void train_epoch(void *p) {
    work *w = p;
    fann_train_epoch(w->ann, w->data);
}

/* The last network, kept while requests name the same one. */
static struct fann *cached_ann;
static char cached_key[256];

static struct fann *net_for(const char *req, unsigned *sizes, unsigned *n) {
    char key[256];
    const char *l = value_of(req, "layers");
    snprintf(key, sizeof key, "%.120s|%d|%d|%.40s", l ? l : "", str_is(req, "act", "sigmoid"),
             str_is(req, "out_act", "linear"), value_of(req, "algo") ? value_of(req, "algo") : "");
    *n = layers_of(req, sizes, 16);
    if (cached_ann && !strcmp(key, cached_key)) return cached_ann;
    if (cached_ann) fann_destroy(cached_ann);
    cached_ann = make_net(req, sizes, n);
    snprintf(cached_key, sizeof cached_key, "%s", cached_ann ? key : "");
    return cached_ann;
}

/* The path value of `key` (a JSON string without escapes) into out. */
static int path_of(const char *req, const char *key, char *out, size_t cap) {
    const char *v = value_of(req, key);
    if (!v || *v != '"') return 0;
    const char *end = strchr(v + 1, '"');
    if (!end || (size_t)(end - v - 1) >= cap) return 0;
    memcpy(out, v + 1, (size_t)(end - v - 1));
    out[end - v - 1] = 0;
    return 1;
}

/* Plain mean squared error of the outputs (fann_test_data halves the error of
 * symmetric activations, which would flatter FANN by 4x). */
static double plain_mse(struct fann *ann, struct fann_train_data *d) {
    double se = 0;
    unsigned nout = fann_num_output_train_data(d), n = fann_length_train_data(d);
    for (unsigned i = 0; i < n; i++) {
        fann_type *y = fann_run(ann, d->input[i]);
        for (unsigned j = 0; j < nout; j++) se += ((double)y[j] - d->output[i][j]) * ((double)y[j] - d->output[i][j]);
    }
    return n && nout ? se / ((double)n * nout) : 0.0;
}

/* Trains a FANN-default network (sigmoid-symmetric, steepness 0.5, weights
 * in [-0.1, 0.1] from srand(seed), or the .net file given as "net") with
 * RPROP on a data file and tests it on another. */
static void dataset_accuracy(const char *req) {
    char train_path[1024], test_path[1024];
    if (!path_of(req, "train", train_path, sizeof train_path) || !path_of(req, "test", test_path, sizeof test_path)) {
        printf("{\"ok\":false,\"error\":\"train and test paths needed\"");
        return;
    }
    struct fann_train_data *train = fann_read_train_from_file(train_path);
    struct fann_train_data *test = fann_read_train_from_file(test_path);
    if (!train || !test) {
        printf("{\"ok\":false,\"error\":\"cannot read the data files\"");
        if (train) fann_destroy_train(train);
        if (test) fann_destroy_train(test);
        return;
    }
    unsigned hidden = (unsigned)num(req, "hidden", 16), epochs = (unsigned)num(req, "epochs", 100);
    char net_path[1024];
    struct fann *ann = NULL;
    if (path_of(req, "net", net_path, sizeof net_path)) { /* the starting weights given */
        if (!(ann = fann_create_from_file(net_path))) {
            printf("{\"ok\":false,\"error\":\"cannot load the network\"");
            fann_destroy_train(train);
            fann_destroy_train(test);
            return;
        }
    } else {
        ann = fann_create_standard(3, fann_num_input_train_data(train), hidden, fann_num_output_train_data(train));
        fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
        fann_set_activation_function_output(ann, FANN_SIGMOID_SYMMETRIC);
        srand((unsigned)num(req, "seed", 1)); /* fann_create seeds from the clock; make runs repeatable */
        fann_randomize_weights(ann, -0.1f, 0.1f);
    }
    fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
    double t0 = now();
    for (unsigned e = 0; e < epochs; e++) fann_train_epoch(ann, train);
    double seconds = now() - t0;
    double train_mse = plain_mse(ann, train), test_mse = plain_mse(ann, test);
    printf("{\"ok\":true,\"train_mse\":%.9g,\"test_mse\":%.9g,\"seconds\":%.6g", train_mse, test_mse, seconds);
    fann_destroy(ann);
    fann_destroy_train(train);
    fann_destroy_train(test);
}

/* ---- networks from .net files (suite `fann`) ------------------------------ */

/* fann_run on a network loaded from `net`, timed on one fixed input. */
static void run_net(const char *req, double min_seconds) {
    char path[1024];
    if (!path_of(req, "net", path, sizeof path)) {
        printf("{\"ok\":false,\"error\":\"net path needed\"");
        return;
    }
    work w = {0};
    w.ann = fann_create_from_file(path);
    if (!w.ann) {
        printf("{\"ok\":false,\"error\":\"cannot load the network\"");
        return;
    }
    w.x = random_values(fann_get_num_input(w.ann), 7);
    long iters = 0;
    double per = timed(run_one, &w, min_seconds, &iters);
    fann_type *y = fann_run(w.ann, w.x);
    printf("{\"ok\":true,\"seconds_per_iter\":%.6g,\"iters\":%ld,\"y0\":%.9g", per, iters, (double)y[0]);
    free(w.x);
    fann_destroy(w.ann);
}

static int algo_of(const char *req, enum fann_train_enum *algo) {
    static const char *const names[] = {"incremental", "batch", "rprop", "quickprop", "sarprop"};
    static const enum fann_train_enum algos[] = {FANN_TRAIN_INCREMENTAL, FANN_TRAIN_BATCH, FANN_TRAIN_RPROP,
                                                 FANN_TRAIN_QUICKPROP, FANN_TRAIN_SARPROP};
    for (int i = 0; i < 5; i++)
        if (str_is(req, "algo", names[i])) {
            *algo = algos[i];
            return 1;
        }
    return 0;
}

/* One untimed and then `epochs` timed epochs of fann_train_epoch with `algo`
 * from the weights in `net`, and more until min_seconds: seconds per epoch,
 * and after `epochs` epochs the MSE and the test MSE (fann_test_data). */
static void train_net(const char *req) {
    char net_path[1024], data_path[1024], test_path[1024];
    enum fann_train_enum algo;
    if (!path_of(req, "net", net_path, sizeof net_path) || !path_of(req, "data", data_path, sizeof data_path) ||
        !algo_of(req, &algo)) {
        printf("{\"ok\":false,\"error\":\"net, data and algo needed\"");
        return;
    }
    int have_test = path_of(req, "test", test_path, sizeof test_path);
    struct fann *ann = fann_create_from_file(net_path);
    struct fann_train_data *data = fann_read_train_from_file(data_path);
    struct fann_train_data *test = have_test ? fann_read_train_from_file(test_path) : NULL;
    if (!ann || !data || (have_test && !test)) {
        printf("{\"ok\":false,\"error\":\"cannot load the network or the data\"");
    } else {
        fann_set_training_algorithm(ann, algo);
        unsigned epochs = (unsigned)num(req, "epochs", 10);
        if (epochs < 1) epochs = 1;
        /* One untimed epoch first: a freshly loaded net's first epoch pays for
         * its buffers (page faults), which is not the steady state. */
        float mse = fann_train_epoch(ann, data);
        double t0 = now();
        for (unsigned e = 0; e < epochs; e++) mse = fann_train_epoch(ann, data);
        double timed = now() - t0;
        double test_mse = test ? (double)fann_test_data(ann, test) : -1.0;
        /* More epochs until min_seconds have run, for the time only: 20 epochs
         * of a small set are under a millisecond, too short to time well. */
        unsigned done = epochs;
        const double min_seconds = num(req, "min_seconds", 0.0);
        for (t0 = now(); timed + (now() - t0) < min_seconds; done++) fann_train_epoch(ann, data);
        timed += now() - t0;
        printf("{\"ok\":true,\"seconds_per_iter\":%.6g,\"epochs\":%u,\"mse\":%.9g,\"test_mse\":%.9g", timed / done,
               epochs, (double)mse, test_mse);
    }
    if (ann) fann_destroy(ann);
    if (data) fann_destroy_train(data);
    if (test) fann_destroy_train(test);
}

/* fann_cascadetrain_on_data from the (hidden-less shortcut) network in `net`
 * until `neurons` neurons are added: seconds, train and test MSE. */
static void cascade_net(const char *req) {
    char net_path[1024], data_path[1024], test_path[1024];
    if (!path_of(req, "net", net_path, sizeof net_path) || !path_of(req, "data", data_path, sizeof data_path) ||
        !path_of(req, "test", test_path, sizeof test_path)) {
        printf("{\"ok\":false,\"error\":\"net, data and test needed\"");
        return;
    }
    struct fann *ann = fann_create_from_file(net_path);
    struct fann_train_data *data = fann_read_train_from_file(data_path);
    struct fann_train_data *test = fann_read_train_from_file(test_path);
    if (!ann || !data || !test) {
        printf("{\"ok\":false,\"error\":\"cannot load the network or the data\"");
    } else {
        unsigned neurons = (unsigned)num(req, "neurons", 4);
        srand((unsigned)num(req, "seed", 1)); /* candidates' weights come from rand() in libfann */
        double t0 = now();
        fann_cascadetrain_on_data(ann, data, neurons, 0, 0.0f);
        double seconds = now() - t0;
        double train_mse = fann_test_data(ann, data), test_mse = fann_test_data(ann, test);
        printf("{\"ok\":true,\"seconds_per_iter\":%.6g,\"neurons\":%u,\"mse\":%.9g,\"test_mse\":%.9g", seconds,
               fann_get_total_neurons(ann), train_mse, test_mse);
    }
    if (ann) fann_destroy(ann);
    if (data) fann_destroy_train(data);
    if (test) fann_destroy_train(test);
}

static void handle(const char *req) {
    unsigned sizes[16], n = 0;
    double min_seconds = num(req, "min_seconds", 0.1);
    long iters = 0;
    if (str_is(req, "op", "hello")) {
        printf("{\"ok\":true,\"name\":\"%s\",\"version\":\"%s\",\"threads\":1", FANN_PEER_NAME, FANN_PEER_VERSION);
    } else if (str_is(req, "op", "forward") || str_is(req, "op", "memory")) {
        work w = {0};
        w.ann = net_for(req, sizes, &n);
        if (!w.ann) {
            printf("{\"ok\":false,\"error\":\"bad network\"");
        } else if (num(req, "batch", 1) != 1 && !str_is(req, "op", "memory")) {
            printf("{\"ok\":false,\"error\":\"fann_run takes one sample\"");
        } else {
            w.x = random_values(sizes[0], 7);
            double per = str_is(req, "op", "memory") ? (run_one(&w), 0.0) : timed(run_one, &w, min_seconds, &iters);
            printf("{\"ok\":true,\"seconds_per_iter\":%.6g,\"iters\":%ld", per, iters);
            free(w.x);
        }
    } else if (str_is(req, "op", "train")) {
        work w = {0};
        w.ann = net_for(req, sizes, &n);
        int incremental = str_is(req, "algo", "incremental");
        int full = str_is(req, "algo", "batch") || str_is(req, "algo", "rprop");
        if (!w.ann || (!incremental && !full)) {
            printf("{\"ok\":false,\"error\":\"bad network or algo (incremental, batch, rprop)\"");
        } else {
            w.nin = sizes[0];
            w.nout = sizes[n - 1];
            w.samples = (unsigned)num(req, "samples", 256);
            if (w.samples < 1) w.samples = 1;
            w.x = random_values((size_t)w.samples * w.nin, 1);
            w.y = random_values((size_t)w.samples * w.nout, 2);
            double per, per_sample;
            if (incremental) {
                fann_set_training_algorithm(w.ann, FANN_TRAIN_INCREMENTAL);
                per = per_sample = timed(train_one, &w, min_seconds, &iters);
            } else {
                /* FANN's batch algorithms step once per epoch over the whole set. */
                fann_set_training_algorithm(w.ann, str_is(req, "algo", "rprop") ? FANN_TRAIN_RPROP : FANN_TRAIN_BATCH);
                w.data = fann_create_train(w.samples, w.nin, w.nout);
                for (unsigned i = 0; w.data && i < w.samples; i++) {
                    memcpy(w.data->input[i], w.x + (size_t)i * w.nin, w.nin * sizeof(fann_type));
                    memcpy(w.data->output[i], w.y + (size_t)i * w.nout, w.nout * sizeof(fann_type));
                }
                per = w.data ? timed(train_epoch, &w, min_seconds, &iters) : 0;
                per_sample = per / w.samples;
                fann_destroy_train(w.data);
            }
            printf("{\"ok\":true,\"seconds_per_iter\":%.6g,\"seconds_per_sample\":%.6g,\"iters\":%ld", per, per_sample,
                   iters);
            free(w.x);
            free(w.y);
        }
    } else if (str_is(req, "op", "dataset")) {
        dataset_accuracy(req);
    } else if (str_is(req, "op", "run_net")) {
        run_net(req, min_seconds);
    } else if (str_is(req, "op", "train_net")) {
        train_net(req);
    } else if (str_is(req, "op", "cascade")) {
        cascade_net(req);
    } else {
        printf("{\"ok\":false,\"error\":\"unknown op\"");
    }
    printf(",\"peak_rss_bytes\":%lld}\n", peak_rss());
    fflush(stdout);
}

/* One-shot mode, the libfann side of the suite `fann-cli`: what
 * `zenn train TRAIN --algo rprop --epochs E --test TEST -o OUT` does, as one
 * command a user of libfann would write: read the data, load the starting
 * net (zenn's initial weights, so both train from the same start), RPROP
 * for E epochs with fann_train_on_data, save, and the test error (plain
 * MSE, as zenn reports it), printed as one JSON line. */
static int cli_train(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: fann_peer --train TRAIN TEST START.net EPOCHS OUT.net\n");
        return 2;
    }
    struct fann_train_data *train = fann_read_train_from_file(argv[2]);
    struct fann *ann = fann_create_from_file(argv[4]);
    int rc = 1;
    if (train && ann) {
        fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
        fann_train_on_data(ann, train, (unsigned)atoi(argv[5]), 0, 0.0f);
        struct fann_train_data *test = fann_read_train_from_file(argv[3]);
        if (test && fann_save(ann, argv[6]) == 0) {
            printf("{\"ok\":true,\"test_mse\":%.9g}\n", plain_mse(ann, test));
            rc = 0;
        }
        if (test) fann_destroy_train(test);
    }
    if (rc) printf("{\"ok\":false,\"error\":\"cannot read, train or save\"}\n");
    if (ann) fann_destroy(ann);
    if (train) fann_destroy_train(train);
    return rc;
}

int main(int argc, char **argv) {
    static char line[1 << 16];
    fann_set_error_log(NULL, NULL); /* errors go in replies, not on stdout */
    if (argc > 1 && !strcmp(argv[1], "--train")) return cli_train(argc, argv);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0]) handle(line);
    }
    if (cached_ann) fann_destroy(cached_ann);
    return 0;
}
