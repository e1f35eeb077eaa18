/* FANN .net files: reading, writing, every malformed case with its message,
 * and (when libfann is installed, ZN_HAVE_FANN) interop with libfann 2.2:
 * its files load in zenn and run alike, zenn's files load in libfann and run
 * alike, and zenn writes libfann's files back byte for byte. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fann/fnet_internal.h"
#include "zn_test.h"

#ifdef ZN_HAVE_FANN
#include <floatfann.h>
#endif

static char tmp_dir[64];

static const char *tmp_file(const char *name) {
    static char path[128]; /* test-only scratch; one path in use at a time per call site */
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    return path;
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    *len = got;
    return buf;
}

/* A 2-2-1 net as libfann 2.2 writes it (weights rounded to short decimals).
 * Line numbers: num_layers 2, learning_momentum 6, layer_sizes 33,
 * scale_included 34, neurons 35, connections 36. */
static const char *small_net =
    "FANN_FLO_2.1\n"
    "num_layers=3\n"
    "learning_rate=0.700000\n"
    "connection_rate=1.000000\n"
    "network_type=0\n"
    "learning_momentum=0.000000\n"
    "training_algorithm=2\n"
    "train_error_function=1\n"
    "train_stop_function=0\n"
    "cascade_output_change_fraction=0.010000\n"
    "quickprop_decay=-0.000100\n"
    "quickprop_mu=1.750000\n"
    "rprop_increase_factor=1.200000\n"
    "rprop_decrease_factor=0.500000\n"
    "rprop_delta_min=0.000000\n"
    "rprop_delta_max=50.000000\n"
    "rprop_delta_zero=0.100000\n"
    "cascade_output_stagnation_epochs=12\n"
    "cascade_candidate_change_fraction=0.010000\n"
    "cascade_candidate_stagnation_epochs=12\n"
    "cascade_max_out_epochs=150\n"
    "cascade_min_out_epochs=50\n"
    "cascade_max_cand_epochs=150\n"
    "cascade_min_cand_epochs=50\n"
    "cascade_num_candidate_groups=2\n"
    "bit_fail_limit=3.49999994039535522461e-01\n"
    "cascade_candidate_limit=1.00000000000000000000e+03\n"
    "cascade_weight_multiplier=4.00000005960464477539e-01\n"
    "cascade_activation_functions_count=10\n"
    "cascade_activation_functions=3 5 7 8 10 11 14 15 16 17 \n"
    "cascade_activation_steepnesses_count=4\n"
    "cascade_activation_steepnesses=2.50000000000000000000e-01 5.00000000000000000000e-01 7.50000000000000000000e-01 "
    "1.00000000000000000000e+00 \n"
    "layer_sizes=3 3 2 \n"
    "scale_included=0\n"
    "neurons (num_inputs, activation_function, activation_steepness)=(0, 0, 0.00000000000000000000e+00) (0, 0, "
    "0.00000000000000000000e+00) (0, 0, 0.00000000000000000000e+00) (3, 5, 5.00000000000000000000e-01) (3, 5, "
    "5.00000000000000000000e-01) (0, 5, 0.00000000000000000000e+00) (3, 0, 1.00000000000000000000e+00) (0, 0, "
    "0.00000000000000000000e+00) \n"
    "connections (connected_to_neuron, weight)=(0, 5.0e-01) (1, -2.5e-01) (2, 1.25e-01) (0, -1.0e+00) (1, 7.5e-01) "
    "(2, 0.0e+00) (3, 2.0e+00) (4, -1.5e+00) (5, 2.5e-01) \n";

/* small_net with the first `from` replaced by `to`. */
static char *mutate(const char *from, const char *to) {
    const char *at = strstr(small_net, from);
    if (!at) {
        ZT_FAIL("test bug: '%s' is not in the small net", from);
        return NULL;
    }
    size_t head = (size_t)(at - small_net), nf = strlen(from), nt = strlen(to), n = strlen(small_net);
    char *out = malloc(n - nf + nt + 1);
    memcpy(out, small_net, head);
    memcpy(out + head, to, nt);
    memcpy(out + head + nt, at + nf, n - head - nf + 1);
    return out;
}

/* Parsing `text` fails with ZN_ERR_FORMAT, a message containing `want`, and
 * the fann_errno FANN would set. */
static void expect_bad(const char *text, size_t len, const char *want, int want_errno) {
    zn_fnet *net = (zn_fnet *)1;
    int fe = -1;
    zn_clear_error();
    zn_status s = zn_fnet_parse_fann_errno(text, len, "net.net", &net, &fe);
    ZT_CHECK_MSG(s == ZN_ERR_FORMAT, "expected a format error for '%s', got %s (%s)", want, zn_status_str(s),
                 zn_last_error());
    ZT_CHECK(net == NULL);
    ZT_CHECK_MSG(strstr(zn_last_error(), want) != NULL, "message '%s' lacks '%s'", zn_last_error(), want);
    if (want_errno >= 0) ZT_CHECK_MSG(fe == want_errno, "fann_errno %d, expected %d (%s)", fe, want_errno, want);
}

static void bad_mutation(const char *from, const char *to, const char *want, int want_errno) {
    char *t = mutate(from, to);
    if (!t) return;
    expect_bad(t, strlen(t), want, want_errno);
    free(t);
}

/* FANN's fann_errno_enum (fann_error.h). */
enum { E_WRONG_VERSION = 3, E_READ_CONFIG = 4, E_READ_NEURON = 5, E_READ_CONNECTIONS = 6, E_WRONG_NUM_CONN = 7 };

static void test_parse_small(void) {
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_parse(small_net, strlen(small_net), "small.net", &net));
    if (!net) return;
    ZT_CHECK(zn_fnet_num_inputs(net) == 2 && zn_fnet_num_outputs(net) == 1);
    /* As fann_get_total_neurons: a layered net's unused output bias is not counted. */
    ZT_CHECK(zn_fnet_num_neurons(net) == 7 && zn_fnet_num_connections(net) == 9);
    ZT_CHECK(net->n_neurons == 8);
    ZT_CHECK(net->kind == ZN_FNET_LAYER && net->n_layers == 3);
    ZT_CHECK(net->training_algorithm == ZN_ALGO_RPROP && net->train_error_function == ZN_FNET_ERRFN_TANH);
    ZT_NEAR(net->learning_rate, 0.7, 1e-7);
    ZT_NEAR(net->quickprop_decay, -0.0001, 1e-9);
    ZT_CHECK(net->cascade_max_out_epochs == 150 && net->cascade_num_candidate_groups == 2);
    ZT_NEAR(net->bit_fail_limit, 0.35, 1e-7);
    ZT_CHECK(net->cascade_activation_functions_count == 10 && net->cascade_activation_functions[9] == ZN_NACT_COS);
    ZT_CHECK(net->cascade_activation_steepnesses_count == 4);
    ZT_NEAR(net->cascade_activation_steepnesses[2], 0.75, 0);
    ZT_CHECK(net->neurons[3].act == ZN_NACT_FANN_SIGMOID_SYMMETRIC && net->neurons[6].act == ZN_NACT_LINEAR);
    ZT_CHECK(net->neurons[6].first_con == 6 && net->neurons[6].last_con == 9);
    ZT_CHECK(net->sources[8] == 5);
    ZT_NEAR(net->weights[7], -1.5, 0);
    ZT_CHECK(net->scale_mean_in == NULL);
    /* Worked by hand: h0 = tanh(0.5 * (0.5 - 0.25 * 2 + 0.125)), h1 = tanh(0.5 * (-1 + 0.75 * 2)), out linear. */
    float in[2] = {1.0f, 2.0f};
    const float *out = zn_fnet_run(net, in);
    ZT_CHECK(out != NULL);
    double h0 = tanh(0.5 * 0.125), h1 = tanh(0.5 * 0.5);
    if (out) ZT_NEAR(out[0], 2.0 * h0 - 1.5 * h1 + 0.25, 1e-6);
    zn_fnet_free(net);
}

static void test_write_reads_back_identically(void) {
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_parse(small_net, strlen(small_net), "small.net", &net));
    if (!net) return;
    const char *path = tmp_file("small_back.net");
    ZT_OK(zn_fnet_save(net, path));
    size_t len = 0;
    char *text = read_all(path, &len);
    ZT_CHECK(text != NULL);
    /* The numbers change format (5.0e-01 -> 5.00000000000000000000e-01), nothing else. */
    ZT_CHECK(text && strstr(text, "(0, 5.00000000000000000000e-01) (1, -2.50000000000000000000e-01) ") != NULL);
    ZT_CHECK(text && strstr(text, "\nlayer_sizes=3 3 2 \nscale_included=0\nneurons (") != NULL);
    zn_fnet *again = NULL;
    ZT_OK(zn_fnet_parse(text, len, path, &again));
    if (again) {
        ZT_CHECK(again->n_connections == net->n_connections);
        ZT_CHECK(memcmp(again->weights, net->weights, net->n_connections * sizeof(float)) == 0);
        ZT_CHECK(memcmp(again->sources, net->sources, net->n_connections * sizeof(uint32_t)) == 0);
        /* Writing the re-read net gives the same bytes. */
        ZT_OK(zn_fnet_save(again, tmp_file("small_back2.net")));
        size_t len2 = 0;
        char *text2 = read_all(tmp_file("small_back2.net"), &len2);
        ZT_CHECK(text2 && len2 == len && memcmp(text, text2, len) == 0);
        free(text2);
    }
    zn_fnet_free(again);
    free(text);
    /* No temporary file is left next to the output. */
    ZT_CHECK(access(tmp_file("small_back.net.tmp"), F_OK) != 0);
    ZT_ERR(zn_fnet_save(net, "/nonexistent-dir/x.net"), ZN_ERR_IO);
    zn_fnet_free(net);
}

static void test_versions(void) {
    expect_bad("", 0, "net.net:1: field 'version'", E_WRONG_VERSION);
    expect_bad("FANN_FLO_1.1\n1 2", 16, "FANN_FLO_1.1 is not a version", E_WRONG_VERSION);
    expect_bad("hello world, this is not a net\n", 31, "not a FANN network file", E_WRONG_VERSION);
    bad_mutation("FANN_FLO_2.1\n", "FANN_FLO_2.1\r\n", "the first line must be exactly FANN_FLO_2.1", E_WRONG_VERSION);
    /* FANN_FLO_2.0: the same keys without scale_included. */
    char *t = mutate("FANN_FLO_2.1", "FANN_FLO_2.0");
    char *t2 = t ? strstr(t, "scale_included=0\n") : NULL;
    if (t2) memmove(t2, t2 + 17, strlen(t2 + 17) + 1);
    zn_fnet *net = NULL;
    if (t) ZT_OK(zn_fnet_parse(t, strlen(t), "old.net", &net));
    ZT_CHECK(net && net->n_connections == 9);
    zn_fnet_free(net);
    free(t);
}

static void test_fixed_point_read(void) {
    /* decimal_point=4: weights, steepnesses and the scaled limits are integers / 16. */
    char *t = mutate("FANN_FLO_2.1\n", "FANN_FIX_2.0\ndecimal_point=4\n");
    if (!t) return;
    char *s = strstr(t, "scale_included=0\n");
    memmove(s, s + 17, strlen(s + 17) + 1);
    const char *fl[][2] = {
        {"bit_fail_limit=3.49999994039535522461e-01", "bit_fail_limit=6"},
        {"5.00000000000000000000e-01) (3, 5, 5.00000000000000000000e-01)", "8) (3, 5, 4294967288)"},
        {"(0, 5.0e-01) (1, -2.5e-01)", "(0, 8) (1, -4)"},
    };
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
        char *at = strstr(t, fl[i][0]);
        ZT_CHECK_MSG(at != NULL, "test bug %zu", i);
        if (!at) continue;
        size_t nf = strlen(fl[i][0]), nt = strlen(fl[i][1]);
        memmove(at + nt, at + nf, strlen(at + nf) + 1);
        memcpy(at, fl[i][1], nt);
    }
    /* The remaining float-formatted values are not integers: an error naming them. */
    expect_bad(t, strlen(t), "field 'cascade_candidate_limit': expected an integer", E_READ_CONFIG);
    const char *fix_rest[][2] = {
        {"cascade_candidate_limit=1.00000000000000000000e+03", "cascade_candidate_limit=16000"},
        {"cascade_weight_multiplier=4.00000005960464477539e-01", "cascade_weight_multiplier=6"},
        {"2.50000000000000000000e-01 5.00000000000000000000e-01 7.50000000000000000000e-01 "
         "1.00000000000000000000e+00 ",
         "4 8 12 16 "},
    };
    for (size_t i = 0; i < 3; i++) {
        char *at = strstr(t, fix_rest[i][0]);
        ZT_CHECK(at != NULL);
        if (!at) continue;
        size_t nf = strlen(fix_rest[i][0]), nt = strlen(fix_rest[i][1]);
        memmove(at + nt, at + nf, strlen(at + nf) + 1);
        memcpy(at, fix_rest[i][1], nt);
    }
    /* Every other neuron steepness and weight must be an integer too. */
    for (char *p = strstr(t, "neurons ("); p && *p; p++) {
        if (!strncmp(p, "0.00000000000000000000e+00", 26)) memcpy(p, "0                         ", 26);
        if (!strncmp(p, "5.00000000000000000000e-01", 26)) memcpy(p, "8                         ", 26);
        if (!strncmp(p, "1.00000000000000000000e+00", 26)) memcpy(p, "16                        ", 26);
    }
    const char *w[][2] = {{"1.25e-01", "2"}, {"-1.0e+00", "-16"}, {"7.5e-01", "12"},       {"0.0e+00", "0"},
                          {"2.0e+00", "32"}, {"-1.5e+00", "-24"}, {"2.5e-01) \n", "4) \n"}};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        char *at = strstr(strstr(t, "connections ("), w[i][0]);
        ZT_CHECK_MSG(at != NULL, "test bug: %s", w[i][0]);
        if (!at) continue;
        size_t nf = strlen(w[i][0]), nt = strlen(w[i][1]);
        memmove(at + nt, at + nf, strlen(at + nf) + 1);
        memcpy(at, w[i][1], nt);
    }
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_parse(t, strlen(t), "fixed.net", &net));
    if (net) {
        ZT_NEAR(net->bit_fail_limit, 6.0 / 16, 0);
        ZT_NEAR(net->cascade_candidate_limit, 1000, 0);
        ZT_NEAR(net->cascade_activation_steepnesses[3], 1.0, 0);
        ZT_NEAR(net->neurons[3].steepness, 0.5, 0);
        ZT_NEAR(net->neurons[4].steepness, -0.5, 0); /* 4294967288 is -8 written with %u, as FANN does */
        ZT_NEAR(net->weights[0], 0.5, 0);
        ZT_NEAR(net->weights[1], -0.25, 0);
        ZT_NEAR(net->weights[7], -1.5, 0);
        ZT_NEAR(net->learning_rate, 0.7, 1e-7); /* still a float in fixed files */
    }
    zn_fnet_free(net);
    free(t);
}

static void test_malformed(void) {
    bad_mutation("num_layers=3", "num_layers=x", "net.net:2: field 'num_layers': expected a number", E_READ_CONFIG);
    bad_mutation("num_layers=3", "num_layers=-3", "net.net:2: field 'num_layers': -3 is negative", E_READ_CONFIG);
    bad_mutation("num_layers=3", "num_layers=1", "net.net:2: field 'num_layers': 1 layers", E_READ_CONFIG);
    bad_mutation("num_layers=3", "num_layers=4000000000", "cannot fit in the rest of the file", E_READ_CONFIG);
    bad_mutation("num_layers=3", "num_layers=99999999999", "99999999999 is too large", E_READ_CONFIG);
    bad_mutation("learning_momentum=0.000000\n", "", "net.net:6: field 'learning_momentum': missing", E_READ_CONFIG);
    bad_mutation("learning_rate=0.700000", "learning_rate=nan", "field 'learning_rate': nan is not finite",
                 E_READ_CONFIG);
    bad_mutation("learning_rate=0.700000", "learning_rate=0,7", "field 'learning_rate': expected a number",
                 E_READ_CONFIG);
    bad_mutation("training_algorithm=2", "training_algorithm=7", "field 'training_algorithm': 7 is not one of 0 to 4",
                 E_READ_CONFIG);
    bad_mutation("network_type=0", "network_type=2", "field 'network_type'", E_READ_CONFIG);
    bad_mutation("connection_rate=1.000000", "connection_rate=-0.5", "field 'connection_rate'", E_READ_CONFIG);
    bad_mutation("cascade_activation_functions_count=10", "cascade_activation_functions_count=40",
                 "40 is more than the 32", E_READ_CONFIG);
    bad_mutation("functions=3 5 7", "functions=3 25 7", "activation function 25 is not one of FANN's", E_READ_CONFIG);
    bad_mutation("cascade_activation_steepnesses_count=4", "cascade_activation_steepnesses_count=5",
                 "field 'cascade_activation_steepnesses': expected a number", E_READ_CONFIG);
    bad_mutation("layer_sizes=3 3 2", "layer_sizes=3 3 4000000000", "cannot fit in the rest of the file",
                 E_READ_NEURON);
    bad_mutation("layer_sizes=3 3 2", "layer_sizes=3 1 2", "net.net:33: field 'layer_sizes': layer 1 has 1 neurons",
                 E_READ_CONFIG);
    bad_mutation("layer_sizes=3 3 2", "layer_sizes=3 -3 2", "-3 is negative", E_READ_CONFIG);
    bad_mutation("layer_sizes=3 3 2", "layer_sizes=3 3", "expected a number", E_READ_CONFIG);
    bad_mutation("scale_included=0", "scale_included=2", "field 'scale_included': 2 is not 0 or 1", E_READ_CONFIG);
    bad_mutation("scale_included=0", "scale_included=1", "field 'scale_mean_in': expected 'scale_mean_in='",
                 E_READ_CONFIG);
    /* Counts that disagree. */
    bad_mutation("layer_sizes=3 3 2", "layer_sizes=3 4 2", "net.net:35: field 'neurons'", E_WRONG_NUM_CONN);
    bad_mutation("(0, 0, 0.00000000000000000000e+00) \nconnections", " \nconnections",
                 "field 'neurons': 7 neurons where layer_sizes adds up to 8", E_READ_NEURON);
    bad_mutation("(0, 0, 0.00000000000000000000e+00) \nconnections",
                 "(0, 0, 0.00000000000000000000e+00) (0, 0, 0) "
                 "\nconnections",
                 "more neurons than layer_sizes adds up to (8)", E_READ_NEURON);
    bad_mutation("(3, 0, 1.00", "(2, 0, 1.00", "neuron 6 has 2 connections; a fully connected net", E_WRONG_NUM_CONN);
    bad_mutation("(0, 5, 0.00", "(1, 5, 0.00", "neuron 5 is a bias neuron but has 1 connections", E_WRONG_NUM_CONN);
    bad_mutation("=(0, 0, 0.00", "=(1, 0, 0.00", "neuron 0 is an input neuron", E_WRONG_NUM_CONN);
    bad_mutation("(3, 5, 5.00000000000000000000e-01) (0, 5", "(3, 21, 5.00000000000000000000e-01) (0, 5",
                 "neuron 4: activation function 21 is not one of FANN's", E_READ_NEURON);
    bad_mutation("(3, 5, 5.00000000000000000000e-01) (0, 5", "(3, 5, inf) (0, 5", "field 'neurons': inf is not finite",
                 E_READ_NEURON);
    bad_mutation("(3, 5, 5.00000000000000000000e-01) (0, 5", "(3 5, 5.00000000000000000000e-01) (0, 5",
                 "field 'neurons': expected ','", E_READ_NEURON);
    bad_mutation("(4, -1.5e+00)", "(4, nan)", "net.net:36: field 'connections': nan is not finite", E_READ_CONNECTIONS);
    bad_mutation("(4, -1.5e+00)", "(4, -1e99)", "field 'connections': expected a number", E_READ_CONNECTIONS);
    bad_mutation("(4, -1.5e+00)", "(4, -1.5e+00", "field 'connections': expected ')'", E_READ_CONNECTIONS);
    bad_mutation("(4, -1.5e+00)", "(7, -1.5e+00)", "connection 7 (into neuron 6) comes from neuron 7",
                 E_READ_CONNECTIONS);
    bad_mutation("(4, -1.5e+00)", "(0, -1.5e+00)", "comes from neuron 0", E_READ_CONNECTIONS);
    bad_mutation("(5, 2.5e-01) \n", "(5, 2.5e-01) (5, 1) \n", "more connections after the last of 9", E_WRONG_NUM_CONN);
    bad_mutation("(5, 2.5e-01) \n", "(5, 2.5e-01) junk\n", "unexpected text after the last of 9", -1);
    bad_mutation("(4, -1.5e+00) (5, 2.5e-01) \n", "(4, -1.5e+00)\n", "the file ends after 8 of 9 connections",
                 E_READ_CONNECTIONS);
    bad_mutation("connections (connected_to_neuron, weight)=", "connections (connected_to, weight)=",
                 "field 'connections': expected 'connections (connected_to_neuron, weight)='", E_READ_CONNECTIONS);
    /* A sparse net (connection_rate < 1) may leave connections out, but only from the previous layer. */
    char *t = mutate("connection_rate=1.000000", "connection_rate=0.500000");
    zn_fnet *net = NULL;
    if (t) ZT_OK(zn_fnet_parse(t, strlen(t), "sparse.net", &net));
    zn_fnet_free(net);
    free(t);
}

/* Every strict prefix of a valid file is an error, never a crash (ASan
 * checks the reads); so is every single-byte change that breaks a number. */
static void test_truncations(void) {
    size_t n = strlen(small_net);
    size_t end = n;
    while (end > 0 && (small_net[end - 1] == '\n' || small_net[end - 1] == ' ')) end--;
    end--; /* drop the final ')' too */
    for (size_t len = 0; len <= end; len++) {
        char *copy = malloc(len ? len : 1); /* exactly len bytes: no terminator to lean on */
        memcpy(copy, small_net, len);
        zn_fnet *net = NULL;
        zn_status s = zn_fnet_parse(copy, len, "cut.net", &net);
        ZT_CHECK_MSG(s == ZN_ERR_FORMAT && net == NULL, "prefix of %zu bytes: %s", len, zn_status_str(s));
        zn_fnet_free(net);
        free(copy);
    }
}

static void test_load_errors(void) {
    int fe = 0;
    zn_fnet *net = NULL;
    ZT_ERR(zn_fnet_load_fann_errno("/nonexistent/x.net", &net, &fe), ZN_ERR_IO);
    ZT_CHECK(fe == 1 && net == NULL); /* FANN_E_CANT_OPEN_CONFIG_R */
    const char *path = tmp_file("bad.net");
    FILE *f = fopen(path, "w");
    fputs("FANN_FLO_2.1\nnum_layers=3\nlearning_rate=x\n", f);
    fclose(f);
    ZT_ERR(zn_fnet_load(path, &net), ZN_ERR_FORMAT);
    ZT_CHECK(strstr(zn_last_error(), "bad.net:3: field 'learning_rate': expected a number") != NULL);
    ZT_ERR(zn_fnet_parse(NULL, 3, "x", &net), ZN_ERR_INVALID_ARG);
}

static void test_save_fixed_and_errors(void) {
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_parse(small_net, strlen(small_net), "small.net", &net));
    if (!net) return;
    /* The largest neuron input sum is |2| + |-1.5| + |0.25| = 3.75: 2 integer bits, (32 - 2 - 2) / 2 = 14. */
    int dp = -1;
    ZT_OK(zn_fnet_save_fixed(net, tmp_file("small_fix.net"), &dp));
    ZT_CHECK(dp == 14);
    size_t len = 0;
    char *text = read_all(tmp_file("small_fix.net"), &len);
    ZT_CHECK(text && !strncmp(text, "FANN_FIX_2.0\ndecimal_point=14\nnum_layers=3\n", 42));
    ZT_CHECK(text && strstr(text, "(0, 8192) (1, -4096) (2, 2048) ") != NULL);
    ZT_CHECK(text && strstr(text, "\nbit_fail_limit=5734\n") != NULL); /* floor(0.35 * 16384 + 0.5) */
    ZT_CHECK(text && strstr(text, "scale_included") == NULL);
    zn_fnet *back = NULL;
    if (text) ZT_OK(zn_fnet_parse(text, len, "small_fix.net", &back));
    for (uint32_t c = 0; back && c < net->n_connections; c++) ZT_NEAR(back->weights[c], net->weights[c], 0);
    zn_fnet_free(back);
    free(text);
    /* What FANN's format cannot hold. */
    net->weights[2] = NAN;
    ZT_ERR(zn_fnet_save(net, tmp_file("nan.net")), ZN_ERR_INVALID_ARG);
    ZT_CHECK(access(tmp_file("nan.net"), F_OK) != 0);
    net->weights[2] = 0.0f;
    net->neurons[3].act = ZN_NACT_RELU;
    ZT_ERR(zn_fnet_save(net, tmp_file("relu.net")), ZN_ERR_UNSUPPORTED);
    ZT_CHECK(strstr(zn_last_error(), "relu") != NULL);
    zn_fnet_free(net);
}

/* ---- zn_fnet <-> zn_mlp ------------------------------------------------------------ */

/* zn_fnet_run and zn_mlp_predict agree on random raw inputs (no scaling). */
static void mlp_agrees(zn_fnet *net, const zn_mlp *mlp, const char *what) {
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 4;
    zn_ws *ws = NULL;
    ZT_OK(zn_ws_create(mlp->model, &o, &ws));
    if (!ws) return;
    unsigned ni = zn_fnet_num_inputs(net), no = zn_fnet_num_outputs(net);
    ZT_CHECK(mlp->spec.sizes[0] == ni && mlp->spec.sizes[mlp->spec.n_layers - 1] == no);
    zn_rng rng;
    zn_rng_seed(&rng, 3);
    float x[64], y[64];
    for (int s = 0; s < 10; s++) {
        for (unsigned i = 0; i < ni; i++) x[i] = (float)(zn_rng_uniform(&rng) * 4.0 - 2.0);
        const float *ref = zn_fnet_run(net, x);
        ZT_OK(zn_mlp_predict(mlp, ws, 1, x, y));
        for (unsigned k = 0; ref && k < no; k++)
            ZT_CHECK_MSG(fabs(y[k] - ref[k]) <= 1e-5 * fabs(ref[k]) + 1e-6,
                         "%s: sample %d output %u: mlp %.9g, fnet %.9g", what, s, k, y[k], ref[k]);
    }
    zn_ws_free(ws);
}

/* fnet -> mlp -> fnet: outputs agree each way, and the net comes back with the same connections. */
static void mlp_round_trip(zn_fnet *net, const char *what) {
    zn_mlp *mlp = NULL;
    ZT_OK(zn_fnet_to_mlp(net, &mlp));
    if (!mlp) return;
    mlp_agrees(net, mlp, what);
    zn_fnet *back = NULL;
    ZT_OK(zn_fnet_from_mlp(mlp, &back));
    if (back) {
        mlp_agrees(back, mlp, what);
        ZT_CHECK_MSG(back->n_connections == net->n_connections, "%s: %u connections back, %u before", what,
                     back->n_connections, net->n_connections);
        ZT_CHECK(back->kind == net->kind && back->n_layers == net->n_layers);
    }
    zn_fnet_free(back);
    zn_mlp_free(mlp);
}

static void test_mlp_conversions(void) {
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_parse(small_net, strlen(small_net), "small.net", &net));
    if (net) {
        mlp_round_trip(net, "small");
        zn_mlp *mlp = NULL;
        ZT_OK(zn_fnet_to_mlp(net, &mlp));
        if (mlp) {
            /* FANN's file said: tanh hidden (5), linear output (0), steepness 0.5 and 1, tanh error function. */
            ZT_CHECK(mlp->spec.hidden_act == ZN_NACT_FANN_SIGMOID_SYMMETRIC && mlp->spec.output_act == ZN_NACT_LINEAR);
            ZT_NEAR(mlp->spec.hidden_steepness, 0.5, 0);
            ZT_NEAR(mlp->spec.output_steepness, 1.0, 0);
            ZT_CHECK(mlp->spec.loss == ZN_LOSS_TANH_ERROR && !mlp->spec.shortcut && mlp->input_scaler == NULL);
        }
        zn_mlp_free(mlp);
        /* Mixed hidden activations have no MLP form. */
        net->neurons[4].act = ZN_NACT_GAUSSIAN;
        ZT_ERR(zn_fnet_to_mlp(net, &mlp), ZN_ERR_UNSUPPORTED);
        ZT_CHECK(mlp == NULL && strstr(zn_last_error(), "hidden neurons differ") != NULL);
        zn_fnet_free(net);
    }
    unsigned sizes[4] = {3, 5, 4, 2};
    ZT_OK(zn_fnet_create_shortcut(4, sizes, 5, &net));
    if (net) {
        zn_fnet_set_activation_hidden(net, ZN_NACT_ELLIOT_SYMMETRIC);
        zn_fnet_set_activation_output(net, ZN_NACT_FANN_SIGMOID);
        zn_fnet_set_steepness_hidden(net, 0.8f);
        mlp_round_trip(net, "shortcut");
        zn_fnet_free(net);
    }
    ZT_OK(zn_fnet_create_sparse(0.4f, 4, sizes, 6, &net));
    if (net) {
        zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
        mlp_round_trip(net, "sparse");
        zn_fnet_free(net);
    }
    ZT_OK(zn_fnet_create_standard(2, sizes, 7, &net));
    if (net) {
        mlp_round_trip(net, "no_hidden");
        zn_fnet_free(net);
    }
}

static void test_mlp_unsupported(void) {
    zn_mlp_spec spec = zn_mlp_spec_default();
    spec.n_layers = 3;
    spec.sizes[0] = 2;
    spec.sizes[1] = 3;
    spec.sizes[2] = 2;
    spec.loss = ZN_LOSS_XENT;
    zn_mlp *mlp = NULL;
    zn_fnet *net = NULL;
    ZT_OK(zn_mlp_wrap(&spec, 1, NULL, NULL, 0, NULL, &mlp));
    ZT_ERR(zn_fnet_from_mlp(mlp, &net), ZN_ERR_UNSUPPORTED);
    ZT_CHECK(net == NULL && strstr(zn_last_error(), "softmax") != NULL);
    zn_mlp_free(mlp);
    spec.loss = ZN_LOSS_SSE;
    spec.hidden_act = ZN_NACT_RELU;
    ZT_OK(zn_mlp_wrap(&spec, 1, NULL, NULL, 0, NULL, &mlp));
    ZT_ERR(zn_fnet_from_mlp(mlp, &net), ZN_ERR_UNSUPPORTED);
    ZT_CHECK(strstr(zn_last_error(), "relu") != NULL);
    zn_mlp_free(mlp);
    /* BCE's output is the logistic: FANN's sigmoid at steepness 0.5. */
    spec.hidden_act = ZN_NACT_FANN_SIGMOID_SYMMETRIC;
    spec.loss = ZN_LOSS_BCE;
    ZT_OK(zn_mlp_wrap(&spec, 1, NULL, NULL, 0, NULL, &mlp));
    ZT_OK(zn_fnet_from_mlp(mlp, &net));
    if (net) {
        ZT_CHECK(net->neurons[net->layers[2].first].act == ZN_NACT_FANN_SIGMOID);
        mlp_agrees(net, mlp, "bce");
    }
    zn_fnet_free(net);
    zn_mlp_free(mlp);
}

#ifdef ZN_HAVE_FANN
/* ---- interop with libfann -------------------------------------------------------- */

static int files_equal(const char *a, const char *b) {
    size_t la = 0, lb = 0;
    char *ta = read_all(a, &la), *tb = read_all(b, &lb);
    int eq = ta && tb && la == lb && memcmp(ta, tb, la) == 0;
    if (!eq && ta && tb)
        for (size_t i = 0; i < la && i < lb; i++)
            if (ta[i] != tb[i]) {
                fprintf(stderr, "  %s and %s first differ at byte %zu: '%.40s' vs '%.40s'\n", a, b, i, ta + i, tb + i);
                break;
            }
    free(ta);
    free(tb);
    return eq;
}

/* zn_fnet_run and fann_run agree on random inputs. */
static void same_outputs_tol(struct fann *ann, zn_fnet *net, const char *what, double abs_tol) {
    zn_rng rng;
    zn_rng_seed(&rng, 7);
    unsigned ni = fann_get_num_input(ann), no = fann_get_num_output(ann);
    ZT_CHECK(zn_fnet_num_inputs(net) == ni && zn_fnet_num_outputs(net) == no);
    ZT_CHECK(zn_fnet_num_neurons(net) == fann_get_total_neurons(ann));
    ZT_CHECK(zn_fnet_num_connections(net) == fann_get_total_connections(ann));
    if (zn_fnet_num_inputs(net) != ni || zn_fnet_num_outputs(net) != no) return;
    float in[16];
    for (int s = 0; s < 20; s++) {
        for (unsigned i = 0; i < ni; i++) in[i] = (float)(zn_rng_uniform(&rng) * 4.0 - 2.0);
        const float *mine = zn_fnet_run(net, in);
        float *theirs = fann_run(ann, in);
        ZT_CHECK(mine != NULL);
        for (unsigned o = 0; mine && o < no; o++)
            ZT_CHECK_MSG(fabs(mine[o] - theirs[o]) <= 1e-6 * fabs(theirs[o]) + abs_tol,
                         "%s: sample %d output %u: zenn %.9g, libfann %.9g", what, s, o, mine[o], theirs[o]);
    }
}

static void same_outputs(struct fann *ann, zn_fnet *net, const char *what) { same_outputs_tol(ann, net, what, 1e-7); }

static void train_data_cb(unsigned n, unsigned ni, unsigned no, fann_type *in, fann_type *out) {
    for (unsigned i = 0; i < ni; i++) in[i] = sinf((float)n * 1.3f + (float)i) * 3.0f + 1.0f;
    for (unsigned o = 0; o < no; o++) out[o] = in[0] * in[ni - 1] > 0.5f ? 1.0f : -1.0f;
}

/* One libfann net through zenn both ways. */
static void interop_tol(struct fann *ann, const char *name, double abs_tol) {
    char fann_path[128], zenn_path[128];
    snprintf(fann_path, sizeof fann_path, "%s/%s.fann.net", tmp_dir, name);
    snprintf(zenn_path, sizeof zenn_path, "%s/%s.zenn.net", tmp_dir, name);
    ZT_CHECK(fann_save(ann, fann_path) == 0);
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_load(fann_path, &net));
    if (!net) return;
    same_outputs_tol(ann, net, name, abs_tol);
    /* zenn's file is libfann's file, byte for byte. */
    ZT_OK(zn_fnet_save(net, zenn_path));
    ZT_CHECK_MSG(files_equal(fann_path, zenn_path), "%s: zenn's file differs from libfann's", name);
    /* libfann reads zenn's file and runs it alike. */
    struct fann *back = fann_create_from_file(zenn_path);
    ZT_CHECK(back != NULL);
    if (back) same_outputs_tol(back, net, name, abs_tol);
    if (back) fann_destroy(back);
    /* The fixed-point file too, with FANN's decimal point. */
    char fix_fann[160], fix_zenn[160];
    snprintf(fix_fann, sizeof fix_fann, "%s/%s.fann.fix.net", tmp_dir, name);
    snprintf(fix_zenn, sizeof fix_zenn, "%s/%s.zenn.fix.net", tmp_dir, name);
    int fann_dp = fann_save_to_fixed(ann, fix_fann), dp = -100;
    ZT_OK(zn_fnet_save_fixed(net, fix_zenn, &dp));
    ZT_CHECK_MSG(dp == fann_dp, "%s: decimal point %d, libfann %d", name, dp, fann_dp);
    ZT_CHECK_MSG(files_equal(fix_fann, fix_zenn), "%s: zenn's fixed-point file differs from libfann's", name);
    zn_fnet *fixed = NULL;
    ZT_OK(zn_fnet_load(fix_fann, &fixed));
    if (fixed) {
        /* Weights are libfann's, rounded to multiples of 2^-dp. */
        float step = 1.0f / (float)(1 << (fann_dp < 0 ? 0 : fann_dp));
        for (uint32_t c = 0; c < net->n_connections; c++)
            ZT_CHECK_MSG(fabsf(fixed->weights[c] - net->weights[c]) <= step / 2, "%s: fixed weight %u", name, c);
    }
    zn_fnet_free(fixed);
    zn_fnet_free(net);
}

static void interop(struct fann *ann, const char *name) { interop_tol(ann, name, 1e-7); }

static void test_interop_libfann(void) {
    struct fann_train_data *data = fann_create_train_from_callback(40, 3, 2, train_data_cb);
    struct fann *a = fann_create_standard(3, 3, 5, 2);
    interop(a, "standard");
    fann_set_activation_function_hidden(a, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(a, FANN_LINEAR);
    interop(a, "standard_tanh_linear");
    fann_train_on_data(a, data, 30, 0, 0.0f);
    interop(a, "standard_trained");
    fann_set_scaling_params(a, data, -1, 1, -0.8f, 0.8f);
    interop(a, "scaled");
    fann_destroy(a);

    struct fann *b = fann_create_shortcut(4, 3, 4, 3, 2);
    fann_set_activation_function_hidden(b, FANN_ELLIOT_SYMMETRIC);
    interop(b, "shortcut");
    fann_destroy(b);

    struct fann *c = fann_create_sparse(0.5f, 4, 3, 6, 5, 2);
    interop(c, "sparse");
    fann_destroy(c);

    struct fann *d = fann_create_standard(4, 3, 4, 3, 2);
    const enum fann_activationfunc_enum acts[] = {
        FANN_GAUSSIAN,           FANN_COS, FANN_SIN_SYMMETRIC, FANN_ELLIOT, FANN_LINEAR_PIECE_SYMMETRIC,
        FANN_THRESHOLD_SYMMETRIC};
    for (int i = 0; i < 4; i++) {
        fann_set_activation_function(d, acts[i], 1, i);
        fann_set_activation_steepness(d, 0.2f + 0.3f * (float)i, 1, i);
    }
    fann_set_activation_function(d, acts[4], 2, 1);
    fann_set_activation_function(d, acts[5], 3, 0);
    fann_set_activation_steepness(d, 1.7f, 3, 1);
    interop(d, "per_neuron");
    fann_destroy(d);

    struct fann *e = fann_create_shortcut(2, 3, 2);
    fann_set_activation_function_output(e, FANN_SIGMOID_SYMMETRIC);
    fann_cascadetrain_on_data(e, data, 4, 0, 0.0f);
    ZT_CHECK(fann_get_total_neurons(e) > 6); /* it grew */
    interop(e, "cascade");
    fann_destroy(e);
    fann_destroy_train(data);
}

/* Scaling: FANN's fann_scale_input -> fann_run -> fann_descale_output is the
 * MLP's zn_mlp_predict on raw rows, and an MLP's scalers become FANN's. */
static void scaled_agrees(struct fann *ann, const zn_mlp *mlp, const char *what) {
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = 1;
    zn_ws *ws = NULL;
    ZT_OK(zn_ws_create(mlp->model, &o, &ws));
    if (!ws) return;
    unsigned ni = fann_get_num_input(ann), no = fann_get_num_output(ann);
    zn_rng rng;
    zn_rng_seed(&rng, 9);
    float raw[16], x[16], y[16];
    for (int s = 0; s < 10; s++) {
        for (unsigned i = 0; i < ni; i++) raw[i] = x[i] = (float)(zn_rng_uniform(&rng) * 8.0 - 3.0);
        fann_scale_input(ann, x);
        float *r = fann_run(ann, x);
        float ref[16];
        memcpy(ref, r, no * sizeof(float));
        fann_descale_output(ann, ref);
        ZT_OK(zn_mlp_predict(mlp, ws, 1, raw, y));
        for (unsigned k = 0; k < no; k++)
            ZT_CHECK_MSG(fabs(y[k] - ref[k]) <= 1e-5 * fabs(ref[k]) + 1e-5,
                         "%s: sample %d output %u: mlp %.9g, libfann %.9g", what, s, k, y[k], ref[k]);
    }
    zn_ws_free(ws);
}

static void test_scaling_with_libfann(void) {
    struct fann_train_data *data = fann_create_train_from_callback(40, 3, 2, train_data_cb);
    struct fann *a = fann_create_standard(3, 3, 5, 2);
    fann_set_activation_function_hidden(a, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(a, FANN_LINEAR);
    fann_set_scaling_params(a, data, -1, 1, -0.8f, 0.8f);
    const char *path = tmp_file("scaled_for_mlp.net");
    fann_save(a, path);
    zn_fnet *net = NULL;
    zn_mlp *mlp = NULL;
    ZT_OK(zn_fnet_load(path, &net));
    if (net) ZT_OK(zn_fnet_to_mlp(net, &mlp));
    if (mlp) {
        ZT_CHECK(mlp->input_scaler && mlp->output_scaler);
        scaled_agrees(a, mlp, "fann_scaled_to_mlp");
    }
    fann_destroy(a);
    zn_fnet_free(net);
    zn_mlp_free(mlp);

    /* An MLP with zenn's own scalers, through a .net file into libfann. */
    zn_mlp_spec spec = zn_mlp_spec_default();
    spec.n_layers = 3;
    spec.sizes[0] = 3;
    spec.sizes[1] = 4;
    spec.sizes[2] = 2;
    spec.output_act = ZN_NACT_LINEAR;
    zn_scaler *in_sc = NULL, *out_sc = NULL;
    ZT_OK(zn_scaler_fit(ZN_SCALE_RANGE, -1, 1, data->input[0], 40, 3, &in_sc));
    ZT_OK(zn_scaler_fit(ZN_SCALE_STANDARD, 0, 0, data->output[0], 40, 2, &out_sc));
    ZT_OK(zn_mlp_wrap(&spec, 4, in_sc, out_sc, 0, NULL, &mlp));
    net = NULL;
    if (mlp) ZT_OK(zn_fnet_from_mlp(mlp, &net));
    if (net) ZT_OK(zn_fnet_save(net, path));
    struct fann *b = net ? fann_create_from_file(path) : NULL;
    ZT_CHECK(b != NULL);
    /* The file holds scale values with 6 decimals (FANN's %f), so agreement is to that precision. */
    if (b && mlp) scaled_agrees(b, mlp, "mlp_scaled_to_fann");
    if (b) fann_destroy(b);
    zn_fnet_free(net);
    zn_mlp_free(mlp);
    zn_scaler_free(in_sc);
    zn_scaler_free(out_sc);
    fann_destroy_train(data);
}

/* A net made by zenn loads in libfann and runs alike. */
static void test_zenn_net_in_libfann(void) {
    unsigned sizes[3] = {4, 6, 3};
    zn_fnet *net = NULL;
    ZT_OK(zn_fnet_create_standard(3, sizes, 11, &net));
    if (!net) return;
    zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
    zn_fnet_set_activation_output(net, ZN_NACT_FANN_SIGMOID);
    const char *path = tmp_file("from_zenn.net");
    ZT_OK(zn_fnet_save(net, path));
    struct fann *ann = fann_create_from_file(path);
    ZT_CHECK(ann != NULL);
    if (ann) same_outputs(ann, net, "from_zenn");
    if (ann) fann_destroy(ann);
    zn_fnet_free(net);
    ZT_OK(zn_fnet_create_shortcut(3, sizes, 12, &net));
    ZT_OK(zn_fnet_save(net, path));
    ann = fann_create_from_file(path);
    ZT_CHECK(ann != NULL);
    if (ann) same_outputs(ann, net, "from_zenn_shortcut");
    if (ann) fann_destroy(ann);
    zn_fnet_free(net);
}
#endif

int main(void) {
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/zn_fann_net_XXXXXX");
    if (!mkdtemp(tmp_dir)) return 2;
    ZT_RUN(test_parse_small);
    ZT_RUN(test_write_reads_back_identically);
    ZT_RUN(test_versions);
    ZT_RUN(test_fixed_point_read);
    ZT_RUN(test_malformed);
    ZT_RUN(test_truncations);
    ZT_RUN(test_load_errors);
    ZT_RUN(test_save_fixed_and_errors);
    ZT_RUN(test_mlp_conversions);
    ZT_RUN(test_mlp_unsupported);
#ifdef ZN_HAVE_FANN
    ZT_RUN(test_interop_libfann);
    ZT_RUN(test_zenn_net_in_libfann);
    ZT_RUN(test_scaling_with_libfann);
#else
    fprintf(stderr, "libfann not found: interop tests skipped\n");
#endif
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_dir);
    return zt_finish();
}
