/* FANN .net files in the zenn tool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/internal.h"
#include "cli_net.h"
#include "fann/fnet_internal.h"

int cli_is_fann_net(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char head[5] = {0};
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    return got == sizeof head && !memcmp(head, "FANN_", 5);
}

zn_status cli_load_model(const char *path, zn_mlp **mlp, zn_fnet **net) {
    *mlp = NULL;
    *net = NULL;
    if (!cli_is_fann_net(path)) return zn_mlp_load(path, mlp);
    zn_fnet *n = NULL;
    zn_status s = zn_fnet_load(path, &n);
    if (s != ZN_OK) return s;
    if (zn_fnet_to_mlp(n, mlp) == ZN_OK) {
        zn_fnet_free(n);
        return ZN_OK;
    }
    zn_clear_error();
    *net = n;
    return ZN_OK;
}

zn_status cli_net_predict(zn_fnet *net, int64_t rows, const float *x, float *y) {
    if (!net->scale_mean_in) return zn_fnet_run_batch(net, rows, x, y);
    int64_t ni = net->n_inputs, no = net->n_outputs;
    float *in = malloc((size_t)ni * sizeof(float));
    if (!in) return zn_error(ZN_ERR_OUT_OF_MEMORY, "out of memory");
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t i = 0; i < ni; i++)
            in[i] = ((x[r * ni + i] - net->scale_mean_in[i]) / net->scale_deviation_in[i] + 1.0f) *
                        net->scale_factor_in[i] +
                    net->scale_new_min_in[i];
        const float *out = zn_fnet_run(net, in);
        if (!out) {
            free(in);
            return ZN_ERR_INVALID_ARG; /* zn_fnet_run has set the message */
        }
        for (int64_t k = 0; k < no; k++)
            y[r * no + k] =
                ((out[k] - net->scale_new_min_out[k]) / net->scale_factor_out[k] - 1.0f) * net->scale_deviation_out[k] +
                net->scale_mean_out[k];
    }
    free(in);
    return ZN_OK;
}

/* One activation name for a layer's neurons, or "mixed". */
static const char *layer_act(const zn_fnet *net, uint32_t l) {
    const zn_fnet_layer *ly = &net->layers[l];
    uint32_t end = ly->last - (net->kind == ZN_FNET_LAYER ? 1u : 0u);
    for (uint32_t n = ly->first + 1; n < end; n++)
        if (net->neurons[n].act != net->neurons[ly->first].act) return "mixed";
    return zn_nact_name(net->neurons[ly->first].act);
}

/* Layer l's neurons without its bias neuron (layered nets have one in every
 * layer, shortcut nets only in the input layer). */
static uint32_t layer_size(const zn_fnet *net, uint32_t l) {
    uint32_t n = net->layers[l].last - net->layers[l].first;
    return n - ((l == 0 || net->kind == ZN_FNET_LAYER) ? 1u : 0u);
}

void cli_net_info(const zn_fnet *net, const char *path, int json) {
    struct stat st;
    long long bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    const char *type = net->kind == ZN_FNET_SHORTCUT ? "shortcut" : "layer";
    if (json) {
        printf("{\"kind\":\"fann-net\",\"network_type\":\"%s\",\"layers\":[", type);
        for (uint32_t l = 0; l < net->n_layers; l++) printf("%s%u", l ? "," : "", layer_size(net, l));
        printf("],\"activations\":[");
        for (uint32_t l = 1; l < net->n_layers; l++) printf("%s\"%s\"", l > 1 ? "," : "", layer_act(net, l));
        printf("],\"neurons\":%u,\"connections\":%u,\"connection_rate\":%g,\"scaling\":%s,\"file_bytes\":%lld}\n",
               zn_fnet_num_neurons(net), zn_fnet_num_connections(net), (double)net->connection_rate,
               net->scale_mean_in ? "true" : "false", bytes);
        return;
    }
    printf("kind: FANN network (%s)\nlayers:", type);
    for (uint32_t l = 0; l < net->n_layers; l++) printf("%s%u", l ? "," : " ", layer_size(net, l));
    printf("\nactivations:");
    for (uint32_t l = 1; l < net->n_layers; l++) printf("%s%s", l > 1 ? "," : " ", layer_act(net, l));
    printf("\nneurons: %u\nconnections: %u\nconnection rate: %g\nscaling: %s\nfile size: %lld bytes\n",
           zn_fnet_num_neurons(net), zn_fnet_num_connections(net), (double)net->connection_rate,
           net->scale_mean_in ? "yes" : "no", bytes);
}

zn_status cli_mlp_predict(const zn_mlp *mlp, int64_t rows, const float *x, float *y) {
    if (rows <= 0) return ZN_OK;
    zn_ws *ws = NULL;
    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_INFER;
    o.max_batch = rows > 256 ? 256 : rows;
    zn_status s = zn_ws_create(mlp->model, &o, &ws);
    /* several batches: packing the weights once beats packing them per batch */
    if (s == ZN_OK && rows >= 2 * o.max_batch) s = zn_ws_pack_weights(ws, mlp->model);
    if (s == ZN_OK) s = zn_mlp_predict(mlp, ws, rows, x, y);
    zn_ws_free(ws);
    return s;
}
