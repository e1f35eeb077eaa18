/* Compiled models and their plans. */
#ifndef ZN_MODEL_INTERNAL_H
#define ZN_MODEL_INTERNAL_H

#include "graph/graph_internal.h"

/* A schedule: the non-leaf nodes to run, in order. */
typedef struct zn_plan {
    int *steps;
    int n_steps;
    unsigned char *used; /* per node: computed or read by this plan */
} zn_plan;

struct zn_model {
    zn_node *nodes; /* copies; names owned */
    int n_nodes;
    int *outputs, n_outputs;
    int loss; /* node index, or -1 */
    int *inputs, n_inputs;
    int *params, n_params;
    int64_t *param_offset; /* per parameter tensor, into params_data */
    float *params_data;
    int64_t n_param_values;
    int *consts, n_consts; /* never trained: their own block */
    int64_t *const_offset;
    float *consts_data;
    int64_t n_const_values;
    zn_plan infer;             /* outputs only */
    zn_plan train;             /* the loss (forward; backward runs it in reverse) */
    unsigned char *needs_grad; /* per node, for the train plan */
    int fused_sgd_ok;          /* every parameter feeds one op that scales its contribution */
    /* The matmul whose update can carry the next sample's product (-1:
     * none), and the model input it reads (zn_model_train_sgd_seq). */
    int look_node, look_input;
};

#endif
