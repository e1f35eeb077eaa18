/* Cascade-correlation from a shortcut net without hidden neurons loaded from
 * a .net file, then the MSE on the training and test data.
 * Usage: cascade IN.net TRAIN.data TEST.data MAX_NEURONS REPORT_EVERY [file]
 * (with "file": fann_cascadetrain_on_file on TRAIN.data) */
#include <stdio.h>
#include <stdlib.h>

#include "floatfann.h"

int main(int argc, char **argv) {
    if (argc != 6 && argc != 7) return 2;
    struct fann *ann = fann_create_from_file(argv[1]);
    struct fann_train_data *train = fann_read_train_from_file(argv[2]);
    struct fann_train_data *test = fann_read_train_from_file(argv[3]);
    if (!ann || !train || !test) return 1;
    printf("candidates %u\n", fann_get_cascade_num_candidates(ann));
    if (argc == 7)
        fann_cascadetrain_on_file(ann, argv[2], (unsigned)atoi(argv[4]), (unsigned)atoi(argv[5]), 0.0f);
    else
        fann_cascadetrain_on_data(ann, train, (unsigned)atoi(argv[4]), (unsigned)atoi(argv[5]), 0.0f);
    printf("neurons %u layers %u\n", fann_get_total_neurons(ann), fann_get_num_layers(ann));
    printf("final_train_mse %.9g\n", fann_test_data(ann, train));
    printf("final_test_mse %.9g\n", fann_test_data(ann, test));
    fann_destroy_train(train);
    fann_destroy_train(test);
    fann_destroy(ann);
    return 0;
}
