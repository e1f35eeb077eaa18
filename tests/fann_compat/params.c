/* Every parameter getter and setter, per-neuron activations, user data,
 * single-sample training and testing, fixed-point saving, and the weight
 * initialisers, on a net loaded from a .net file.
 * Usage: params IN.net DATA OUT_FIXED.net */
#include <stdio.h>
#include <stdlib.h>

#include "floatfann.h"

static void print_outputs(const char *what, const fann_type *out, unsigned n) {
    printf("%s", what);
    for (unsigned j = 0; j < n; j++) printf(" %.9g", out[j]);
    printf("\n");
}

/* Every weight within [lo, hi]: the initialisers draw from different
 * generators, so only their ranges compare. */
static int weights_within(struct fann *ann, float lo, float hi) {
    unsigned n = fann_get_total_connections(ann);
    struct fann_connection *c = malloc(n * sizeof *c);
    fann_get_connection_array(ann, c);
    int ok = 1, differ = 0;
    for (unsigned i = 0; i < n; i++) {
        if (c[i].weight < lo || c[i].weight > hi) ok = 0;
        if (i && c[i].weight != c[0].weight) differ = 1;
    }
    free(c);
    return ok && differ;
}

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    struct fann *ann = fann_create_from_file(argv[1]);
    struct fann_train_data *data = fann_read_train_from_file(argv[2]);
    if (!ann || !data) return 1;
    unsigned no = fann_get_num_output(ann);

    fann_set_learning_rate(ann, 0.35f);
    fann_set_learning_momentum(ann, 0.2f);
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
    fann_set_train_stop_function(ann, FANN_STOPFUNC_BIT);
    fann_set_bit_fail_limit(ann, 0.3f);
    fann_set_quickprop_decay(ann, -0.0002f);
    fann_set_quickprop_mu(ann, 1.5f);
    fann_set_rprop_increase_factor(ann, 1.3f);
    fann_set_rprop_decrease_factor(ann, 0.4f);
    fann_set_rprop_delta_min(ann, 0.001f);
    fann_set_rprop_delta_max(ann, 40);
    fann_set_rprop_delta_zero(ann, 0.2f);
    fann_set_sarprop_weight_decay_shift(ann, -6);
    fann_set_sarprop_step_error_threshold_factor(ann, 0.2f);
    fann_set_sarprop_step_error_shift(ann, 1.2f);
    fann_set_sarprop_temperature(ann, 0.02f);
    fann_set_training_algorithm(ann, FANN_TRAIN_QUICKPROP);
    printf("lr %.6f momentum %.6f errfn %d stopfn %d bitlimit %.6f algo %d\n", fann_get_learning_rate(ann),
           fann_get_learning_momentum(ann), (int)fann_get_train_error_function(ann),
           (int)fann_get_train_stop_function(ann), fann_get_bit_fail_limit(ann), (int)fann_get_training_algorithm(ann));
    printf("qp %.6f %.6f rprop %.6f %.6f %.6f %.6f %.6f\n", fann_get_quickprop_decay(ann), fann_get_quickprop_mu(ann),
           fann_get_rprop_increase_factor(ann), fann_get_rprop_decrease_factor(ann), fann_get_rprop_delta_min(ann),
           fann_get_rprop_delta_max(ann), fann_get_rprop_delta_zero(ann));
    printf("sarprop %.6f %.6f %.6f %.6f\n", fann_get_sarprop_weight_decay_shift(ann),
           fann_get_sarprop_step_error_threshold_factor(ann), fann_get_sarprop_step_error_shift(ann),
           fann_get_sarprop_temperature(ann));

    fann_set_cascade_output_change_fraction(ann, 0.02f);
    fann_set_cascade_output_stagnation_epochs(ann, 14);
    fann_set_cascade_candidate_change_fraction(ann, 0.03f);
    fann_set_cascade_candidate_stagnation_epochs(ann, 15);
    fann_set_cascade_weight_multiplier(ann, 0.5f);
    fann_set_cascade_candidate_limit(ann, 900);
    fann_set_cascade_max_out_epochs(ann, 160);
    fann_set_cascade_min_out_epochs(ann, 40);
    fann_set_cascade_max_cand_epochs(ann, 170);
    fann_set_cascade_min_cand_epochs(ann, 45);
    fann_set_cascade_num_candidate_groups(ann, 3);
    enum fann_activationfunc_enum funcs[3] = {FANN_SIGMOID, FANN_ELLIOT, FANN_GAUSSIAN};
    fann_set_cascade_activation_functions(ann, funcs, 3);
    fann_type steeps[2] = {0.3f, 0.9f};
    fann_set_cascade_activation_steepnesses(ann, steeps, 2);
    printf("cascade %.6f %u %.6f %u %.6f %.6f %u %u %u %u %u\n", fann_get_cascade_output_change_fraction(ann),
           fann_get_cascade_output_stagnation_epochs(ann), fann_get_cascade_candidate_change_fraction(ann),
           fann_get_cascade_candidate_stagnation_epochs(ann), fann_get_cascade_weight_multiplier(ann),
           fann_get_cascade_candidate_limit(ann), fann_get_cascade_max_out_epochs(ann),
           fann_get_cascade_min_out_epochs(ann), fann_get_cascade_max_cand_epochs(ann),
           fann_get_cascade_min_cand_epochs(ann), fann_get_cascade_num_candidate_groups(ann));
    printf("cascade_functions %u:", fann_get_cascade_activation_functions_count(ann));
    for (unsigned i = 0; i < fann_get_cascade_activation_functions_count(ann); i++)
        printf(" %s", FANN_ACTIVATIONFUNC_NAMES[fann_get_cascade_activation_functions(ann)[i]]);
    printf("\ncascade_steepnesses %u:", fann_get_cascade_activation_steepnesses_count(ann));
    for (unsigned i = 0; i < fann_get_cascade_activation_steepnesses_count(ann); i++)
        printf(" %.6f", fann_get_cascade_activation_steepnesses(ann)[i]);
    printf("\ncandidates %u\n", fann_get_cascade_num_candidates(ann));
    fann_print_parameters(ann);

    int user = 42;
    fann_set_user_data(ann, &user);
    printf("user_data %d\n", *(int *)fann_get_user_data(ann));

    /* activations per neuron, layer, hidden and output */
    fann_set_activation_function_hidden(ann, FANN_ELLIOT_SYMMETRIC);
    fann_set_activation_steepness_hidden(ann, 0.7f);
    fann_set_activation_function_output(ann, FANN_LINEAR_PIECE_SYMMETRIC);
    fann_set_activation_steepness_output(ann, 0.9f);
    fann_set_activation_function(ann, FANN_GAUSSIAN_SYMMETRIC, 1, 2);
    fann_set_activation_steepness(ann, 1.1f, 1, 3);
    fann_set_activation_function_layer(ann, FANN_SIN_SYMMETRIC, 2);
    fann_set_activation_steepness_layer(ann, 0.45f, 2);
    unsigned nl = fann_get_num_layers(ann), *layers = malloc(nl * sizeof *layers);
    fann_get_layer_array(ann, layers);
    for (unsigned l = 1; l < nl; l++)
        for (unsigned n = 0; n < layers[l]; n++)
            printf("neuron %u %u %s %.6f\n", l, n,
                   FANN_ACTIVATIONFUNC_NAMES[fann_get_activation_function(ann, (int)l, (int)n)],
                   fann_get_activation_steepness(ann, (int)l, (int)n));
    print_outputs("run", fann_run(ann, data->input[0]), no);

    /* single samples: train a few, test, MSE and bit fails */
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_activation_steepness_hidden(ann, 0.5f);
    fann_set_activation_steepness_output(ann, 0.5f);
    fann_reset_MSE(ann);
    for (unsigned i = 0; i < 20 && i < data->num_data; i++) fann_train(ann, data->input[i], data->output[i]);
    printf("train_mse %.9g bit_fail %u\n", fann_get_MSE(ann), fann_get_bit_fail(ann));
    fann_reset_MSE(ann);
    printf("reset_mse %.9g bit_fail %u\n", fann_get_MSE(ann), fann_get_bit_fail(ann));
    print_outputs("test", fann_test(ann, data->input[3], data->output[3]), no);
    printf("test_mse %.9g bit_fail %u\n", fann_get_MSE(ann), fann_get_bit_fail(ann));

    printf("decimal_point %d\n", fann_save_to_fixed(ann, argv[3]));

    fann_randomize_weights(ann, -0.3f, 0.2f);
    printf("randomized_in_range %d\n", weights_within(ann, -0.3f, 0.2f));
    fann_init_weights(ann, data);
    printf("init_weights_in_range %d\n", weights_within(ann, -10, 10));

    /* the variadic creators: structure only (libfann's weights are random) */
    struct fann *made[3] = {fann_create_sparse(0.5f, 3, 8, 10, 2), fann_create_shortcut(3, 8, 4, 2),
                            fann_create_standard(4, 3, 5, 4, 2)};
    for (int k = 0; k < 3; k++) {
        unsigned n = fann_get_num_layers(made[k]), sizes[8], bias[8];
        fann_get_layer_array(made[k], sizes);
        fann_get_bias_array(made[k], bias);
        printf("made %d type %d rate %.3f neurons %u connections %u layers", k, (int)fann_get_network_type(made[k]),
               fann_get_connection_rate(made[k]), fann_get_total_neurons(made[k]), fann_get_total_connections(made[k]));
        for (unsigned l = 0; l < n && l < 8; l++) printf(" %u/%u", sizes[l], bias[l]);
        printf("\n");
        fann_destroy(made[k]);
    }

    /* fann_print_error writes the object's last error to stderr */
    fann_set_error_log((struct fann_error *)ann, NULL);
    fann_set_activation_steepness(ann, 1, 7, 0);
    fflush(stdout);
    fann_print_error((struct fann_error *)ann);
    fflush(stderr);
    free(layers);
    fann_destroy_train(data);
    fann_destroy(ann);
    return 0;
}
