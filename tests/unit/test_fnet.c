/* FANN-structured networks on their own: creation, runs one sample and
 * many, determinism, argument checks, and (training) slopes against finite
 * differences of FANN's error. */
#include "zn_test.h"

#include "fann/fnet_internal.h"

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

static void test_batch_equals_run(void) {
    unsigned tiny[] = {2, 3, 1}, wide[] = {300, 200, 40}, deep[] = {5, 8, 8, 8, 3};
    zn_fnet *net;
    ZT_OK(zn_fnet_create_standard(3, tiny, 1, &net));
    check_batch_equals_run(net, 7);
    zn_fnet_free(net);
    ZT_OK(zn_fnet_create_standard(3, wide, 2, &net));
    zn_fnet_set_activation_hidden(net, ZN_NACT_SIGMOID_SYMMETRIC);
    zn_fnet_set_activation_output(net, ZN_NACT_SIGMOID);
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

int main(void) {
    ZT_RUN(test_layout_and_counts);
    ZT_RUN(test_batch_equals_run);
    ZT_RUN(test_determinism);
    ZT_RUN(test_bad_arguments);
    return zt_finish();
}
