/* zenn train's data: the training file, the test and validation files (or a
 * held-out split), and the one line that says what task was read. */
#ifndef ZN_TRAIN_DATA_H
#define ZN_TRAIN_DATA_H

#include "train_args.h"

typedef struct train_data {
    zn_dataset *train, *test, *val; /* test and val may be NULL */
    const char *test_name;          /* the test file, or "--test-split" */
    int fann;                       /* DATA is a FANN data file (else a CSV) */
    char task[256];                 /* "classify (target 'label': 10 classes)" */
} train_data;

/* Loads everything the options name. Returns 0 or the exit status after one
 * error line. */
int train_data_load(const train_args *a, train_data *d);
void train_data_free(train_data *d);

#endif
