/* zenn-fann: a drop-in replacement for FANN 2.2's C API (the float
 * variant), implemented on zenn's FANN-structured networks.
 *
 * Programs written for libfann compile unchanged against these headers
 * (-I<prefix>/include/zenn-fann, or `pkg-config --cflags zenn-fann`) and
 * link with -lzenn-fann. Differences from libfann are listed in zenn's
 * docs/FANN.md: random numbers come from each network's own generator
 * (zenn never calls srand), the default error log is per thread, and
 * fixed-point networks can be saved but not run.
 *
 * Included directly, this header acts as floatfann.h. */
#ifndef FANN_INCLUDE
#include "floatfann.h"
#else

#ifndef __fann_h__
#define __fann_h__

/* libfann's installed headers bring these in; programs rely on it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef NULL
#define NULL 0
#endif

/* Windows DLL decoration in libfann; nothing here. */
#define FANN_EXTERNAL
#define FANN_API

/* Version strings of .net files. */
#define FANN_FIX_VERSION "FANN_FIX_2.0"
#define FANN_FLO_VERSION "FANN_FLO_2.1"
#define FANN_CONF_VERSION FANN_FLO_VERSION

/* Small helpers libfann's headers define. */
#define fann_max(x, y) (((x) > (y)) ? (x) : (y))
#define fann_min(x, y) (((x) < (y)) ? (x) : (y))
#define fann_abs(value) (((value) > 0) ? (value) : -(value))
#define fann_clip(x, lo, hi) (((x) < (lo)) ? (lo) : (((x) > (hi)) ? (hi) : (x)))
#define fann_safe_free(x)                                                                                              \
    {                                                                                                                  \
        if (x) {                                                                                                       \
            free(x);                                                                                                   \
            x = NULL;                                                                                                  \
        }                                                                                                              \
    }

#include "fann_error.h"
#include "fann_activation.h"
#include "fann_data.h"
#include "fann_train.h"
#include "fann_cascade.h"
#include "fann_io.h"

/* ---- creation, destruction, running -------------------------------------------- */

/* num_layers sizes (unsigned int), input layer first. Weights are uniform
 * in [-0.1, 0.1] from the network's generator. */
FANN_EXTERNAL struct fann *FANN_API fann_create_standard(unsigned int num_layers, ...);
FANN_EXTERNAL struct fann *FANN_API fann_create_standard_array(unsigned int num_layers, const unsigned int *layers);
FANN_EXTERNAL struct fann *FANN_API fann_create_sparse(float connection_rate, unsigned int num_layers, ...);
FANN_EXTERNAL struct fann *FANN_API fann_create_sparse_array(float connection_rate, unsigned int num_layers,
                                                             const unsigned int *layers);
FANN_EXTERNAL struct fann *FANN_API fann_create_shortcut(unsigned int num_layers, ...);
FANN_EXTERNAL struct fann *FANN_API fann_create_shortcut_array(unsigned int num_layers, const unsigned int *layers);
FANN_EXTERNAL void FANN_API fann_destroy(struct fann *ann);
/* A deep copy; the user data pointer is shared. */
FANN_EXTERNAL struct fann *FANN_API fann_copy(struct fann *ann);
/* The outputs, in a buffer owned by ann and valid until its next run. */
FANN_EXTERNAL fann_type *FANN_API fann_run(struct fann *ann, fann_type *input);
FANN_EXTERNAL void FANN_API fann_randomize_weights(struct fann *ann, fann_type min_weight, fann_type max_weight);
/* Nguyen-Widrow initialisation over the range of the data's inputs. */
FANN_EXTERNAL void FANN_API fann_init_weights(struct fann *ann, struct fann_train_data *train_data);
FANN_EXTERNAL void FANN_API fann_print_connections(struct fann *ann);

/* ---- parameters ------------------------------------------------------------------- */

FANN_EXTERNAL void FANN_API fann_print_parameters(struct fann *ann);
FANN_EXTERNAL unsigned int FANN_API fann_get_num_input(struct fann *ann);
FANN_EXTERNAL unsigned int FANN_API fann_get_num_output(struct fann *ann);
FANN_EXTERNAL unsigned int FANN_API fann_get_total_neurons(struct fann *ann);
FANN_EXTERNAL unsigned int FANN_API fann_get_total_connections(struct fann *ann);
FANN_EXTERNAL enum fann_nettype_enum FANN_API fann_get_network_type(struct fann *ann);
FANN_EXTERNAL float FANN_API fann_get_connection_rate(struct fann *ann);
FANN_EXTERNAL unsigned int FANN_API fann_get_num_layers(struct fann *ann);
/* Neurons per layer, bias neurons not counted (fann_get_num_layers entries). */
FANN_EXTERNAL void FANN_API fann_get_layer_array(struct fann *ann, unsigned int *layers);
/* Bias neurons per layer (fann_get_num_layers entries). */
FANN_EXTERNAL void FANN_API fann_get_bias_array(struct fann *ann, unsigned int *bias);
/* Every connection (fann_get_total_connections entries). */
FANN_EXTERNAL void FANN_API fann_get_connection_array(struct fann *ann, struct fann_connection *connections);
/* Sets the weights of connections that exist; others are ignored. */
FANN_EXTERNAL void FANN_API fann_set_weight_array(struct fann *ann, struct fann_connection *connections,
                                                  unsigned int num_connections);
FANN_EXTERNAL void FANN_API fann_set_weight(struct fann *ann, unsigned int from_neuron, unsigned int to_neuron,
                                            fann_type weight);
FANN_EXTERNAL void FANN_API fann_set_user_data(struct fann *ann, void *user_data);
FANN_EXTERNAL void *FANN_API fann_get_user_data(struct fann *ann);

#ifdef __cplusplus
}
#endif

#endif /* __fann_h__ */
#endif /* FANN_INCLUDE */
