/* zenn train's options: the table, the help text, and the checks that need
 * no file (which options go together, what the output's extension says). */
#ifndef ZN_TRAIN_ARGS_H
#define ZN_TRAIN_ARGS_H

#include "zenn/zenn.h"

#define TRAIN_MAX_TARGETS 64

/* The model file formats -o can write, chosen by the extension (or --format). */
typedef enum train_format { TRAIN_FMT_ZENN = 0, TRAIN_FMT_FANN_NET } train_format;

typedef struct train_args {
    const char *data, *out, *test, *val, *plot, *init, *format_name;
    int64_t layers[ZN_MLP_MAX_LAYERS];
    int n_layers;
    const char *hidden_act, *output_act, *algo, *loss, *task;
    long long epochs, batch, patience, seed, threads, max_neurons;
    double lr, target_mse, val_split, test_split, dropout, weight_decay, momentum, connection_rate;
    const char *targets[TRAIN_MAX_TARGETS];
    int n_targets;
    int json, quiet, allow_nan, scale; /* scale: -1 default, 0 off, 1 on */
    int shortcut, cascade;
    /* derived by train_args_parse */
    train_format format;
    zn_target_kind kind; /* from --task */
    int given_momentum, given_weight_decay;
    const char *max_memory_text; /* --max-memory as given */
    int64_t max_memory;          /* bytes the data and the training run may take */
    int auto_defaults;           /* no option shapes the network or the optimizer: zn_train_auto_config decides */
} train_args;

/* Returns -1 to go on, else the exit status (0 after --help). Errors are one line. */
int train_args_parse(int argc, char **argv, train_args *a);

#endif
