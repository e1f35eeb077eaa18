/* A network's scaling parameters: set from data, scale and descale data and
 * vectors, run on scaled inputs, save and reload them with the net, clear.
 * Usage: scaling IN.net DATA OUT.net */
#include <stdio.h>

#include "floatfann.h"

static void print_vec(const char *what, const fann_type *v, unsigned n) {
    printf("%s", what);
    for (unsigned j = 0; j < n; j++) printf(" %.7g", v[j]);
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    struct fann *ann = fann_create_from_file(argv[1]);
    struct fann_train_data *data = fann_read_train_from_file(argv[2]);
    if (!ann || !data) return 1;
    unsigned ni = fann_get_num_input(ann), no = fann_get_num_output(ann);
    printf("set %d\n", fann_set_scaling_params(ann, data, -1, 1, 0.1f, 0.9f));
    struct fann_train_data *scaled = fann_duplicate_train_data(data);
    fann_scale_train(ann, scaled);
    for (unsigned i = 0; i < 3; i++) {
        print_vec("scaled_in", scaled->input[i], ni);
        print_vec("scaled_out", scaled->output[i], no);
        fann_type *out = fann_run(ann, scaled->input[i]);
        fann_type y[16];
        for (unsigned j = 0; j < no && j < 16; j++) y[j] = out[j];
        fann_descale_output(ann, y);
        print_vec("descaled_run", y, no);
    }
    fann_descale_train(ann, scaled);
    print_vec("descaled_in", scaled->input[2], ni);
    print_vec("descaled_out", scaled->output[2], no);

    fann_type v[64];
    for (unsigned j = 0; j < ni && j < 64; j++) v[j] = data->input[5][j];
    fann_scale_input(ann, v);
    print_vec("vec_scaled", v, ni);
    fann_descale_input(ann, v);
    print_vec("vec_back", v, ni);
    fann_type y[16];
    for (unsigned j = 0; j < no && j < 16; j++) y[j] = data->output[5][j];
    fann_scale_output(ann, y);
    print_vec("vec_scaled_out", y, no);

    printf("input_only %d output_only %d\n", fann_set_input_scaling_params(ann, data, 0, 1),
           fann_set_output_scaling_params(ann, data, -0.5f, 0.5f));
    for (unsigned j = 0; j < ni && j < 64; j++) v[j] = data->input[7][j];
    fann_scale_input(ann, v);
    print_vec("vec_scaled2", v, ni);

    if (fann_save(ann, argv[3]) != 0) return 1;
    struct fann *back = fann_create_from_file(argv[3]);
    if (!back) return 1;
    for (unsigned j = 0; j < ni && j < 64; j++) v[j] = data->input[7][j];
    fann_scale_input(back, v);
    print_vec("reloaded_scaled", v, ni);

    printf("clear %d\n", fann_clear_scaling_params(back));
    for (unsigned j = 0; j < ni && j < 64; j++) v[j] = data->input[7][j];
    fann_scale_input(back, v);
    print_vec("cleared_scaled", v, ni);

    fann_destroy(back);
    fann_destroy_train(scaled);
    fann_destroy_train(data);
    fann_destroy(ann);
    return 0;
}
