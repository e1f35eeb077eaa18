/* Weights of a FANN-structured network: uniform random weights and FANN's
 * Nguyen-Widrow initialisation (fann_init_weights), from the net's own
 * generator. */
#include <math.h>

#include "base/internal.h"
#include "fann/fnet_exec.h"

/* fann_rand(lo, hi) */
static float uniform(zn_rng *rng, float lo, float hi) { return lo + (hi - lo) * zn_rng_uniformf(rng); }

void zn_fnet_randomize_weights(zn_fnet *net, float min_weight, float max_weight) {
    if (!net) return;
    for (uint32_t c = 0; c < net->n_connections; c++) net->weights[c] = uniform(&net->rng, min_weight, max_weight);
    zn_fnet_weights_changed(net);
    if (net->prev_train_slopes) zn_fnet_clear_train_arrays(net);
}

zn_status zn_fnet_init_weights(zn_fnet *net, const zn_dataset *data) {
    if (!net || !data) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_init_weights: NULL argument");
    if (data->rows < 1 || data->n_in < 1 || !data->x)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_init_weights: the data has no inputs");
    if (data->n_in != (int64_t)net->n_inputs)
        return zn_error(ZN_ERR_SHAPE, "zn_fnet_init_weights: the data has %lld inputs, the net %u",
                        (long long)data->n_in, net->n_inputs);
    float lo = data->x[0], hi = data->x[0];
    for (int64_t i = 0; i < data->rows * data->n_in; i++) {
        if (data->x[i] < lo) lo = data->x[i];
        if (data->x[i] > hi) hi = data->x[i];
    }
    /* FANN's count, unsigned arithmetic included */
    uint32_t hidden = net->n_neurons - (net->n_inputs + net->n_outputs + net->n_layers);
    float scale =
        (float)(pow((double)(0.7f * (double)hidden), (double)(1.0f / (double)net->n_inputs)) / (double)(hi - lo));
    uint32_t bias = net->layers[0].last - 1;
    for (uint32_t l = 1; l < net->n_layers; l++) {
        const zn_fnet_layer *ly = &net->layers[l];
        if (net->kind == ZN_FNET_LAYER) bias = net->layers[l - 1].last - 1;
        for (uint32_t n = ly->first; n < ly->last; n++)
            for (uint32_t c = net->neurons[n].first_con; c < net->neurons[n].last_con; c++)
                net->weights[c] =
                    net->sources[c] == bias ? uniform(&net->rng, -scale, scale) : uniform(&net->rng, 0.0f, scale);
    }
    zn_fnet_weights_changed(net);
    if (net->prev_train_slopes) return zn_fnet_clear_train_arrays(net);
    return ZN_OK;
}
