/* zenn train --cascade: grow a FANN shortcut net by cascade-correlation and
 * write it as a FANN .net file. */
#ifndef ZN_TRAIN_CASCADE_H
#define ZN_TRAIN_CASCADE_H

#include "zenn/fnet.h"
#include "zenn/zenn.h"

typedef struct cascade_cli {
    const char *data, *test_path, *out; /* file names, for messages */
    const char *task;                   /* what the data was read as, printed with the data */
    const zn_dataset *train, *test;     /* test may be NULL */
    int fann_data;                      /* the data came from a FANN file (else CSV) */
    long long max_neurons, seed;
    double target_mse;      /* < 0: none (train to max_neurons) */
    const char *output_act; /* NULL: the default for the data */
    zn_pool *pool;          /* NULL: the default */
    int json, quiet;
} cascade_cli;

/* Returns the exit status (errors as one line). */
int train_cascade(const cascade_cli *o);
/* 1 when path names a .net file. */
int train_cascade_is_net_path(const char *path);

#endif
