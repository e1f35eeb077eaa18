/* FANN's XOR example flow: create, train on a file, save, reload, run.
 * Usage: xor_flow XOR.data OUT.net
 * libfann seeds its weights from /dev/urandom, so only the outcome (XOR
 * solved, the report lines' form) is compared, not the numbers. */
#include <stdio.h>

#include "floatfann.h"

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    struct fann *ann = fann_create_standard(3, 2, 3, 1);
    if (!ann) return 1;
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID_SYMMETRIC);
    fann_train_on_file(ann, argv[1], 500000, 1000, 0.0001f);
    if (fann_save(ann, argv[2]) != 0) return 1;
    fann_destroy(ann);

    ann = fann_create_from_file(argv[2]);
    struct fann_train_data *data = fann_read_train_from_file(argv[1]);
    if (!ann || !data) return 1;
    int solved = 1;
    for (unsigned i = 0; i < fann_length_train_data(data); i++) {
        fann_type *out = fann_run(ann, data->input[i]);
        if ((out[0] > 0) != (data->output[i][0] > 0)) solved = 0;
    }
    printf("solved %d\n", solved);
    printf("mse_below_0.001 %d\n", fann_test_data(ann, data) < 0.001f);
    fann_destroy_train(data);
    fann_destroy(ann);
    return 0;
}
