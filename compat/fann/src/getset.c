/* FANN's parameter getters and setters: each reads or writes the field of
 * zenn's network that has the FANN name (src/fann/fnet_internal.h). */
#include "fann_compat.h"

#define ZF_GET(type, name, field)                                                                                      \
    type fann_get_##name(struct fann *ann) { return (type)ann->zn_net->field; }
#define ZF_SET(type, name, field, ftype)                                                                               \
    void fann_set_##name(struct fann *ann, type value) { ann->zn_net->field = (ftype)value; }
#define ZF_GET_SET(type, name, field, ftype) ZF_GET(type, name, field) ZF_SET(type, name, field, ftype)

ZF_GET_SET(enum fann_train_enum, training_algorithm, training_algorithm, zn_algo)
ZF_GET_SET(float, learning_rate, learning_rate, float)
ZF_GET_SET(float, learning_momentum, learning_momentum, float)
ZF_GET_SET(enum fann_errorfunc_enum, train_error_function, train_error_function, zn_fnet_errfn)
ZF_GET_SET(enum fann_stopfunc_enum, train_stop_function, train_stop_function, zn_stop)
ZF_GET_SET(fann_type, bit_fail_limit, bit_fail_limit, float)
ZF_GET_SET(float, quickprop_decay, quickprop_decay, float)
ZF_GET_SET(float, quickprop_mu, quickprop_mu, float)
ZF_GET_SET(float, rprop_increase_factor, rprop_increase_factor, float)
ZF_GET_SET(float, rprop_decrease_factor, rprop_decrease_factor, float)
ZF_GET_SET(float, rprop_delta_min, rprop_delta_min, float)
ZF_GET_SET(float, rprop_delta_max, rprop_delta_max, float)
ZF_GET_SET(float, rprop_delta_zero, rprop_delta_zero, float)
ZF_GET_SET(float, sarprop_weight_decay_shift, sarprop_weight_decay_shift, float)
ZF_GET_SET(float, sarprop_step_error_threshold_factor, sarprop_step_error_threshold_factor, float)
ZF_GET_SET(float, sarprop_step_error_shift, sarprop_step_error_shift, float)
ZF_GET_SET(float, sarprop_temperature, sarprop_temperature, float)
ZF_GET_SET(void *, user_data, user_data, void *)

ZF_GET_SET(float, cascade_output_change_fraction, cascade_output_change_fraction, float)
ZF_GET_SET(unsigned int, cascade_output_stagnation_epochs, cascade_output_stagnation_epochs, uint32_t)
ZF_GET_SET(float, cascade_candidate_change_fraction, cascade_candidate_change_fraction, float)
ZF_GET_SET(unsigned int, cascade_candidate_stagnation_epochs, cascade_candidate_stagnation_epochs, uint32_t)
ZF_GET_SET(fann_type, cascade_weight_multiplier, cascade_weight_multiplier, float)
ZF_GET_SET(fann_type, cascade_candidate_limit, cascade_candidate_limit, float)
ZF_GET_SET(unsigned int, cascade_max_out_epochs, cascade_max_out_epochs, uint32_t)
ZF_GET_SET(unsigned int, cascade_min_out_epochs, cascade_min_out_epochs, uint32_t)
ZF_GET_SET(unsigned int, cascade_max_cand_epochs, cascade_max_cand_epochs, uint32_t)
ZF_GET_SET(unsigned int, cascade_min_cand_epochs, cascade_min_cand_epochs, uint32_t)
ZF_GET_SET(unsigned int, cascade_num_candidate_groups, cascade_num_candidate_groups, uint32_t)
ZF_GET(unsigned int, cascade_activation_functions_count, cascade_activation_functions_count)
ZF_GET(unsigned int, cascade_activation_steepnesses_count, cascade_activation_steepnesses_count)

void fann_set_callback(struct fann *ann, fann_callback_type callback) { ann->callback = callback; }

unsigned int fann_get_cascade_num_candidates(struct fann *ann) {
    const zn_fnet *n = ann->zn_net;
    return n->cascade_activation_functions_count * n->cascade_activation_steepnesses_count *
           n->cascade_num_candidate_groups;
}

/* The engine keeps zn_nact values, which are FANN's numbers; the API hands
 * out FANN's enum, so it gets a copy kept in struct fann. */
enum fann_activationfunc_enum *fann_get_cascade_activation_functions(struct fann *ann) {
    const zn_fnet *n = ann->zn_net;
    for (uint32_t i = 0; i < n->cascade_activation_functions_count && i < ZN_FNET_MAX_CASCADE_ACTS; i++)
        ann->zn_cascade_functions[i] = (enum fann_activationfunc_enum)n->cascade_activation_functions[i];
    return ann->zn_cascade_functions;
}

/* libfann reallocates its arrays; zenn's hold up to 32 entries, and a longer
 * list is refused with FANN_E_CANT_ALLOCATE_MEM as a failed allocation would be. */
void fann_set_cascade_activation_functions(struct fann *ann,
                                           enum fann_activationfunc_enum *cascade_activation_functions,
                                           unsigned int cascade_activation_functions_count) {
    zn_fnet *n = ann->zn_net;
    if (cascade_activation_functions_count > ZN_FNET_MAX_CASCADE_ACTS) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return;
    }
    for (unsigned i = 0; i < cascade_activation_functions_count; i++)
        n->cascade_activation_functions[i] = (zn_nact)cascade_activation_functions[i];
    n->cascade_activation_functions_count = cascade_activation_functions_count;
}

fann_type *fann_get_cascade_activation_steepnesses(struct fann *ann) {
    return ann->zn_net->cascade_activation_steepnesses;
}

void fann_set_cascade_activation_steepnesses(struct fann *ann, fann_type *cascade_activation_steepnesses,
                                             unsigned int cascade_activation_steepnesses_count) {
    zn_fnet *n = ann->zn_net;
    if (cascade_activation_steepnesses_count > ZN_FNET_MAX_CASCADE_STEEPS) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return;
    }
    for (unsigned i = 0; i < cascade_activation_steepnesses_count; i++)
        n->cascade_activation_steepnesses[i] = cascade_activation_steepnesses[i];
    n->cascade_activation_steepnesses_count = cascade_activation_steepnesses_count;
}

/* ---- activation functions and steepness per neuron ------------------------------- */

/* FANN's fann_get_layer: layers 1 .. num_layers-1 (the input layer has no
 * activation). */
static const zn_fnet_layer *get_layer(struct fann *ann, int layer) {
    if (layer <= 0 || (uint32_t)layer >= ann->zn_net->n_layers) {
        zf_error((struct fann_error *)ann, FANN_E_INDEX_OUT_OF_BOUND, layer);
        return NULL;
    }
    return &ann->zn_net->layers[layer];
}

/* FANN's fann_get_neuron: a neuron of the layer, its bias neuron included. */
static zn_fnet_neuron *get_neuron(struct fann *ann, int layer, int neuron) {
    const zn_fnet_layer *l = get_layer(ann, layer);
    if (!l) return NULL;
    if (neuron < 0 || (uint32_t)neuron >= l->last - l->first) {
        zf_error((struct fann_error *)ann, FANN_E_INDEX_OUT_OF_BOUND, neuron);
        return NULL;
    }
    return &ann->zn_net->neurons[l->first + (uint32_t)neuron];
}

static void set_layers(struct fann *ann, uint32_t from, uint32_t to, int set_act, zn_nact act, float steepness) {
    zn_fnet *n = ann->zn_net;
    for (uint32_t l = from; l < to; l++)
        for (uint32_t i = n->layers[l].first; i < n->layers[l].last; i++) {
            if (set_act)
                n->neurons[i].act = act;
            else
                n->neurons[i].steepness = steepness;
        }
}

enum fann_activationfunc_enum fann_get_activation_function(struct fann *ann, int layer, int neuron) {
    zn_fnet_neuron *n = get_neuron(ann, layer, neuron);
    return n ? (enum fann_activationfunc_enum)n->act : (enum fann_activationfunc_enum) - 1;
}

void fann_set_activation_function(struct fann *ann, enum fann_activationfunc_enum activation_function, int layer,
                                  int neuron) {
    zn_fnet_neuron *n = get_neuron(ann, layer, neuron);
    if (n) n->act = (zn_nact)activation_function;
}

void fann_set_activation_function_layer(struct fann *ann, enum fann_activationfunc_enum activation_function,
                                        int layer) {
    if (get_layer(ann, layer))
        set_layers(ann, (uint32_t)layer, (uint32_t)layer + 1, 1, (zn_nact)activation_function, 0);
}

void fann_set_activation_function_hidden(struct fann *ann, enum fann_activationfunc_enum activation_function) {
    set_layers(ann, 1, ann->zn_net->n_layers - 1, 1, (zn_nact)activation_function, 0);
}

void fann_set_activation_function_output(struct fann *ann, enum fann_activationfunc_enum activation_function) {
    uint32_t last = ann->zn_net->n_layers - 1;
    set_layers(ann, last, last + 1, 1, (zn_nact)activation_function, 0);
}

fann_type fann_get_activation_steepness(struct fann *ann, int layer, int neuron) {
    zn_fnet_neuron *n = get_neuron(ann, layer, neuron);
    return n ? n->steepness : -1;
}

void fann_set_activation_steepness(struct fann *ann, fann_type steepness, int layer, int neuron) {
    zn_fnet_neuron *n = get_neuron(ann, layer, neuron);
    if (n) n->steepness = steepness;
}

void fann_set_activation_steepness_layer(struct fann *ann, fann_type steepness, int layer) {
    if (get_layer(ann, layer)) set_layers(ann, (uint32_t)layer, (uint32_t)layer + 1, 0, ZN_NACT_LINEAR, steepness);
}

void fann_set_activation_steepness_hidden(struct fann *ann, fann_type steepness) {
    set_layers(ann, 1, ann->zn_net->n_layers - 1, 0, ZN_NACT_LINEAR, steepness);
}

void fann_set_activation_steepness_output(struct fann *ann, fann_type steepness) {
    uint32_t last = ann->zn_net->n_layers - 1;
    set_layers(ann, last, last + 1, 0, ZN_NACT_LINEAR, steepness);
}
