/* Training from the weights of a .net file with one algorithm, printing the
 * MSE after every epoch.
 * Usage: train_algo IN.net TRAIN.data TEST.data ALGO EPOCHS [LEARNING_RATE]
 * ALGO: incremental, batch, rprop, quickprop, sarprop, or on_data (RPROP
 * through fann_train_on_data with a callback every epoch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floatfann.h"

static int report(struct fann *ann, struct fann_train_data *train, unsigned int max_epochs,
                  unsigned int epochs_between_reports, float desired_error, unsigned int epochs) {
    (void)train;
    (void)epochs_between_reports;
    (void)desired_error;
    printf("epoch %u mse %.9g bit_fail %u max %u\n", epochs, fann_get_MSE(ann), fann_get_bit_fail(ann), max_epochs);
    return epochs == 7 ? -1 : 0; /* the callback's -1 stops training */
}

int main(int argc, char **argv) {
    if (argc != 6 && argc != 7) return 2;
    struct fann *ann = fann_create_from_file(argv[1]);
    struct fann_train_data *train = fann_read_train_from_file(argv[2]);
    struct fann_train_data *test = fann_read_train_from_file(argv[3]);
    if (!ann || !train || !test) return 1;
    const char *algo = argv[4];
    if (argc == 7) fann_set_learning_rate(ann, (float)atof(argv[6]));
    unsigned epochs = (unsigned)atoi(argv[5]);
    static const char *const names[] = {"incremental", "batch", "rprop", "quickprop", "sarprop"};
    if (strcmp(algo, "on_data") == 0) {
        fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
        fann_set_callback(ann, report);
        fann_train_on_data(ann, train, epochs, 1, 0.0f);
    } else {
        int a = -1;
        for (int i = 0; i < 5; i++)
            if (strcmp(algo, names[i]) == 0) a = i;
        if (a < 0) return 2;
        fann_set_training_algorithm(ann, (enum fann_train_enum)a);
        printf("algorithm %s\n", FANN_TRAIN_NAMES[fann_get_training_algorithm(ann)]);
        for (unsigned e = 1; e <= epochs; e++) {
            float mse = fann_train_epoch(ann, train);
            printf("epoch %u mse %.9g bit_fail %u\n", e, mse, fann_get_bit_fail(ann));
        }
    }
    printf("test_mse %.9g\n", fann_test_data(ann, test));
    fann_destroy_train(train);
    fann_destroy_train(test);
    fann_destroy(ann);
    return 0;
}
