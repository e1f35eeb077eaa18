/* The layout of a FANN-structured network, shared by src/fann and the
 * drop-in FANN API (compat/fann). It mirrors FANN 2.2's struct fann:
 *
 *   neurons: every layer's neurons in order, each layer ending with its bias
 *            neuron (value 1). In a shortcut network only the input layer
 *            has a bias neuron, as in FANN.
 *   neuron n's incoming connections are [first_con, last_con) of `sources`
 *            (the neuron each comes from) and `weights`. In a fully
 *            connected layer the sources of every neuron are the previous
 *            layer's neurons in order (all earlier neurons for shortcut), so
 *            the weights of a layer form a row-major matrix that a GEMV runs.
 *   sum:     steepness * weighted input, value: activation(sum), both of the
 *            last sample run, as FANN keeps them.
 */
#ifndef ZN_FNET_INTERNAL_H
#define ZN_FNET_INTERNAL_H

#include "act/nact.h"
#include "zenn/fnet.h"

typedef struct zn_fnet_neuron {
    uint32_t first_con, last_con;
    float sum, value;
    float steepness;
    zn_nact act;
} zn_fnet_neuron;

typedef struct zn_fnet_layer {
    uint32_t first, last; /* neurons [first, last), the bias neuron included where there is one */
} zn_fnet_layer;

enum { ZN_FNET_MAX_CASCADE_ACTS = 32, ZN_FNET_MAX_CASCADE_STEEPS = 32 };

struct zn_fnet {
    zn_fnet_kind kind;
    float connection_rate;
    uint32_t n_layers; /* the input and output layers included */
    zn_fnet_layer *layers;
    uint32_t n_inputs, n_outputs;
    uint32_t n_neurons;
    zn_fnet_neuron *neurons;
    uint32_t n_connections;
    uint32_t *sources; /* n_connections */
    float *weights;    /* n_connections */
    /* bumped by every write to `weights` (zn_fnet_weights_changed): the
     * run plan keeps a copy of large layers and checks it */
    uint64_t weights_version;
    float *outputs; /* n_outputs: what zn_fnet_run returns */

    /* training parameters, with FANN's names and defaults */
    zn_algo training_algorithm; /* FANN's enum values 0-4 are zn_algo's first five */
    float learning_rate, learning_momentum;
    zn_fnet_errfn train_error_function;
    zn_stop train_stop_function;
    float bit_fail_limit;
    float quickprop_decay, quickprop_mu;
    float rprop_increase_factor, rprop_decrease_factor, rprop_delta_min, rprop_delta_max, rprop_delta_zero;
    float sarprop_weight_decay_shift, sarprop_step_error_threshold_factor, sarprop_step_error_shift,
        sarprop_temperature;
    uint32_t sarprop_epoch;

    /* cascade-correlation parameters (FANN's names and defaults) */
    float cascade_output_change_fraction, cascade_candidate_change_fraction;
    uint32_t cascade_output_stagnation_epochs, cascade_candidate_stagnation_epochs;
    float cascade_weight_multiplier, cascade_candidate_limit;
    uint32_t cascade_max_out_epochs, cascade_min_out_epochs, cascade_max_cand_epochs, cascade_min_cand_epochs;
    uint32_t cascade_num_candidate_groups;
    uint32_t cascade_activation_functions_count;
    zn_nact cascade_activation_functions[ZN_FNET_MAX_CASCADE_ACTS];
    uint32_t cascade_activation_steepnesses_count;
    float cascade_activation_steepnesses[ZN_FNET_MAX_CASCADE_STEEPS];

    /* the error of the samples seen since the last reset (fann_get_MSE) */
    double mse_sum;
    uint32_t mse_count;
    uint32_t bit_fail;

    /* training state, allocated on first use (NULL until then) and dropped
     * whenever the structure changes: n_connections each */
    float *train_slopes, *prev_train_slopes, *prev_steps, *prev_weight_deltas;
    /* per-neuron error terms of the sample being trained (n_neurons) */
    float *train_errors;

    /* FANN's input/output scaling (fann_set_scaling_params); NULL when unset */
    float *scale_mean_in, *scale_deviation_in, *scale_new_min_in, *scale_factor_in;     /* n_inputs */
    float *scale_mean_out, *scale_deviation_out, *scale_new_min_out, *scale_factor_out; /* n_outputs */

    zn_rng rng;
    void *user_data; /* fann_set_user_data */

    /* Run/train plan and scratch (src/fann/fnet_exec.h), built on first use
     * and rebuilt when the structure changes; not copied. */
    struct zn_fnet_exec *exec;
};

/* Sets every parameter above to FANN 2.2's default (fann_allocate_structure). */
void zn_fnet_set_defaults(zn_fnet *net);
/* Allocates a net with the given layer sizes (bias neurons included) and
 * connection count, parameters at their defaults, arrays zeroed. The caller
 * fills neurons and connections. */
zn_status zn_fnet_alloc(zn_fnet_kind kind, uint32_t n_layers, const uint32_t *layer_neurons, uint32_t n_connections,
                        zn_fnet **out);
/* Frees and clears the training state (after a structural change). */
void zn_fnet_drop_train_state(zn_fnet *net);
/* Every writer of net->weights calls this after writing. */
static inline void zn_fnet_weights_changed(zn_fnet *net) { net->weights_version++; }

/* zn_fnet_parse / zn_fnet_load that also give the fann_errno_enum value
 * FANN's fann_create_from_file would set for the same file (0 on success),
 * for the drop-in FANN API. */
zn_status zn_fnet_parse_fann_errno(const char *text, size_t len, const char *name, zn_fnet **out, int *fann_errno);
zn_status zn_fnet_load_fann_errno(const char *path, zn_fnet **out, int *fann_errno);

#endif /* ZN_FNET_INTERNAL_H */
