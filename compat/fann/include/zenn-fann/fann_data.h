/* zenn-fann: FANN 2.2's enums, name tables and structures.
 *
 * struct fann here is zenn's: it starts with struct fann_error's fields
 * (programs cast a network to struct fann_error *) and then holds zenn's
 * FANN-structured network; its other fields are private. Programs must
 * use the fann_get_* and fann_set_* functions, which cover everything
 * libfann's struct fann holds. */
#ifndef __fann_data_h__
#define __fann_data_h__

#include <stdio.h>

/* Training algorithms (values as FANN 2.2). */
enum fann_train_enum {
    FANN_TRAIN_INCREMENTAL = 0, /* weights move after every sample */
    FANN_TRAIN_BATCH,           /* weights move once per epoch */
    FANN_TRAIN_RPROP,           /* iRPROP-, the default */
    FANN_TRAIN_QUICKPROP,
    FANN_TRAIN_SARPROP
};

static char const *const FANN_TRAIN_NAMES[] = {"FANN_TRAIN_INCREMENTAL", "FANN_TRAIN_BATCH", "FANN_TRAIN_RPROP",
                                               "FANN_TRAIN_QUICKPROP", "FANN_TRAIN_SARPROP"};

/* Activation functions (values as FANN 2.2). */
enum fann_activationfunc_enum {
    FANN_LINEAR = 0,
    FANN_THRESHOLD,
    FANN_THRESHOLD_SYMMETRIC,
    FANN_SIGMOID,
    FANN_SIGMOID_STEPWISE,
    FANN_SIGMOID_SYMMETRIC,
    FANN_SIGMOID_SYMMETRIC_STEPWISE,
    FANN_GAUSSIAN,
    FANN_GAUSSIAN_SYMMETRIC,
    FANN_GAUSSIAN_STEPWISE,
    FANN_ELLIOT,
    FANN_ELLIOT_SYMMETRIC,
    FANN_LINEAR_PIECE,
    FANN_LINEAR_PIECE_SYMMETRIC,
    FANN_SIN_SYMMETRIC,
    FANN_COS_SYMMETRIC,
    FANN_SIN,
    FANN_COS
};

static char const *const FANN_ACTIVATIONFUNC_NAMES[] = {"FANN_LINEAR",
                                                        "FANN_THRESHOLD",
                                                        "FANN_THRESHOLD_SYMMETRIC",
                                                        "FANN_SIGMOID",
                                                        "FANN_SIGMOID_STEPWISE",
                                                        "FANN_SIGMOID_SYMMETRIC",
                                                        "FANN_SIGMOID_SYMMETRIC_STEPWISE",
                                                        "FANN_GAUSSIAN",
                                                        "FANN_GAUSSIAN_SYMMETRIC",
                                                        "FANN_GAUSSIAN_STEPWISE",
                                                        "FANN_ELLIOT",
                                                        "FANN_ELLIOT_SYMMETRIC",
                                                        "FANN_LINEAR_PIECE",
                                                        "FANN_LINEAR_PIECE_SYMMETRIC",
                                                        "FANN_SIN_SYMMETRIC",
                                                        "FANN_COS_SYMMETRIC",
                                                        "FANN_SIN",
                                                        "FANN_COS"};

/* Error functions for training. */
enum fann_errorfunc_enum { FANN_ERRORFUNC_LINEAR = 0, FANN_ERRORFUNC_TANH };

static char const *const FANN_ERRORFUNC_NAMES[] = {"FANN_ERRORFUNC_LINEAR", "FANN_ERRORFUNC_TANH"};

/* Stop criteria: the MSE, or the number of outputs off by more than the bit fail limit. */
enum fann_stopfunc_enum { FANN_STOPFUNC_MSE = 0, FANN_STOPFUNC_BIT };

static char const *const FANN_STOPFUNC_NAMES[] = {"FANN_STOPFUNC_MSE", "FANN_STOPFUNC_BIT"};

/* Layered networks connect each layer to the next; shortcut networks
 * connect every layer to all later ones. */
enum fann_nettype_enum { FANN_NETTYPE_LAYER = 0, FANN_NETTYPE_SHORTCUT };

static char const *const FANN_NETTYPE_NAMES[] = {"FANN_NETTYPE_LAYER", "FANN_NETTYPE_SHORTCUT"};

struct fann;
struct fann_train_data;
struct zn_fnet;

/* Called during training every epochs_between_reports epochs (neurons for
 * cascade training); returning -1 stops training. */
typedef int(FANN_API *fann_callback_type)(struct fann *ann, struct fann_train_data *train, unsigned int max_epochs,
                                          unsigned int epochs_between_reports, float desired_error,
                                          unsigned int epochs);

/* The common start of every object that records errors. */
struct fann_error {
    enum fann_errno_enum errno_f;
    FILE *error_log;
    char *errstr;
};

/* One connection, as fann_get_connection_array and fann_set_weight_array use them. */
struct fann_connection {
    unsigned int from_neuron; /* neuron numbers count every neuron, bias neurons included */
    unsigned int to_neuron;
    fann_type weight;
};

/* A network. Only the first three fields are FANN's; the rest is zenn's. */
struct fann {
    enum fann_errno_enum errno_f;
    FILE *error_log;
    char *errstr;

    /* private: */
    struct zn_fnet *zn_net;                                 /* the network: neurons, weights, parameters */
    fann_callback_type callback;                            /* fann_set_callback */
    enum fann_activationfunc_enum zn_cascade_functions[32]; /* fann_get_cascade_activation_functions' array */
};

#endif /* __fann_data_h__ */
