/* What a FANN network looks like from outside (fnet.h's inspection calls),
 * and runs on raw rows with the net's own scaling. */
#include <string.h>

#include "base/internal.h"
#include "fann/fnet_internal.h"

zn_fnet_kind zn_fnet_network_type(const zn_fnet *net) { return net ? net->kind : ZN_FNET_LAYER; }

float zn_fnet_connection_rate(const zn_fnet *net) { return net ? net->connection_rate : 0.0f; }

unsigned zn_fnet_num_layers(const zn_fnet *net) { return net ? net->n_layers : 0; }

/* Layered nets have a bias neuron in every layer, shortcut nets only in the input layer. */
unsigned zn_fnet_layer_size(const zn_fnet *net, unsigned l) {
    if (!net || l >= net->n_layers) return 0;
    uint32_t n = net->layers[l].last - net->layers[l].first;
    return n - ((l == 0 || net->kind == ZN_FNET_LAYER) ? 1u : 0u);
}

int zn_fnet_layer_activation(const zn_fnet *net, unsigned l) {
    if (!net || l == 0 || l >= net->n_layers) return -1;
    const zn_fnet_layer *ly = &net->layers[l];
    uint32_t end = ly->last - (net->kind == ZN_FNET_LAYER ? 1u : 0u);
    if (end <= ly->first) return -1;
    for (uint32_t n = ly->first + 1; n < end; n++)
        if (net->neurons[n].act != net->neurons[ly->first].act) return -1;
    return (int)net->neurons[ly->first].act;
}

int zn_fnet_has_scaling(const zn_fnet *net) { return net && net->scale_mean_in != NULL; }

zn_status zn_fnet_run_scaled(zn_fnet *net, int64_t rows, const float *x, float *y) {
    if (!net || rows < 0 || (rows > 0 && (!x || !y)))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_run_scaled: NULL argument or rows < 0");
    if (!net->scale_mean_in) return zn_fnet_run_batch(net, rows, x, y);
    int64_t ni = net->n_inputs, no = net->n_outputs;
    float *in = zn_alloc((size_t)ni * sizeof(float));
    if (!in) return ZN_ERR_OUT_OF_MEMORY;
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t i = 0; i < ni; i++)
            in[i] = ((x[r * ni + i] - net->scale_mean_in[i]) / net->scale_deviation_in[i] + 1.0f) *
                        net->scale_factor_in[i] +
                    net->scale_new_min_in[i];
        const float *out = zn_fnet_run(net, in);
        if (!out) {
            zn_free(in);
            return ZN_ERR_INVALID_ARG; /* zn_fnet_run has set the message */
        }
        for (int64_t k = 0; k < no; k++)
            y[r * no + k] =
                ((out[k] - net->scale_new_min_out[k]) / net->scale_factor_out[k] - 1.0f) * net->scale_deviation_out[k] +
                net->scale_mean_out[k];
    }
    zn_free(in);
    return ZN_OK;
}
