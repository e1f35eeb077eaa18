/* Everything a program can see of a network loaded from a .net file: its
 * parameters and structure, its connections, its outputs on a data set,
 * the MSE and bit fails, a copy's outputs; then saves it again.
 * Usage: net_inspect IN.net DATA OUT.net */
#include <stdio.h>
#include <stdlib.h>

#include "floatfann.h"

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    struct fann *ann = fann_create_from_file(argv[1]);
    struct fann_train_data *data = fann_read_train_from_file(argv[2]);
    if (!ann || !data) return 1;

    fann_print_parameters(ann);
    unsigned nl = fann_get_num_layers(ann);
    unsigned *layers = malloc(nl * sizeof *layers), *bias = malloc(nl * sizeof *bias);
    fann_get_layer_array(ann, layers);
    fann_get_bias_array(ann, bias);
    printf("num_layers %u inputs %u outputs %u neurons %u connections %u type %d rate %.6f\n", nl,
           fann_get_num_input(ann), fann_get_num_output(ann), fann_get_total_neurons(ann),
           fann_get_total_connections(ann), (int)fann_get_network_type(ann), fann_get_connection_rate(ann));
    for (unsigned l = 0; l < nl; l++) printf("layer %u size %u bias %u\n", l, layers[l], bias[l]);
    for (unsigned l = 1; l < nl; l++)
        printf("layer %u act %d steep %.9g\n", l, (int)fann_get_activation_function(ann, (int)l, 0),
               fann_get_activation_steepness(ann, (int)l, 0));

    unsigned nc = fann_get_total_connections(ann);
    struct fann_connection *con = malloc(nc * sizeof *con);
    fann_get_connection_array(ann, con);
    for (unsigned i = 0; i < nc; i++) printf("con %u %u %.9g\n", con[i].from_neuron, con[i].to_neuron, con[i].weight);
    fann_print_connections(ann);

    for (unsigned i = 0; i < data->num_data; i++) {
        fann_type *out = fann_run(ann, data->input[i]);
        printf("out %u", i);
        for (unsigned j = 0; j < data->num_output; j++) printf(" %.9g", out[j]);
        printf("\n");
    }
    printf("test_mse %.9g\n", fann_test_data(ann, data));
    printf("bit_fail %u\n", fann_get_bit_fail(ann));

    /* set_weight on an existing connection, then run again */
    fann_set_weight(ann, con[0].from_neuron, con[0].to_neuron, 0.25f);
    con[1].weight = -0.5f;
    fann_set_weight_array(ann, con + 1, 1);
    fann_get_connection_array(ann, con);
    printf("set_weight %.9g %.9g\n", con[0].weight, con[1].weight);
    struct fann *copy = fann_copy(ann);
    fann_type *out = fann_run(copy, data->input[0]);
    printf("copy_out");
    for (unsigned j = 0; j < fann_get_num_output(copy); j++) printf(" %.9g", out[j]);
    printf("\n");
    fann_destroy(copy);

    if (fann_save(ann, argv[3]) != 0) return 1;
    free(con);
    free(layers);
    free(bias);
    fann_destroy_train(data);
    fann_destroy(ann);
    return 0;
}
