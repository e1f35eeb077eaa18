/* FANN .net files in the zenn tool, through fnet.h's public calls. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_net.h"

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

/* One activation name for a layer's neurons, or "mixed". */
static const char *layer_act(const zn_fnet *net, unsigned l) {
    int act = zn_fnet_layer_activation(net, l);
    return act < 0 ? "mixed" : zn_nact_name((zn_nact)act);
}

void cli_net_info(const zn_fnet *net, const char *path, int json) {
    struct stat st;
    long long bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    const char *type = zn_fnet_network_type(net) == ZN_FNET_SHORTCUT ? "shortcut" : "layer";
    unsigned layers = zn_fnet_num_layers(net);
    int scaled = zn_fnet_has_scaling(net);
    if (json) {
        printf("{\"kind\":\"fann-net\",\"network_type\":\"%s\",\"layers\":[", type);
        for (unsigned l = 0; l < layers; l++) printf("%s%u", l ? "," : "", zn_fnet_layer_size(net, l));
        printf("],\"activations\":[");
        for (unsigned l = 1; l < layers; l++) printf("%s\"%s\"", l > 1 ? "," : "", layer_act(net, l));
        printf("],\"neurons\":%u,\"connections\":%u,\"connection_rate\":%g,\"scaling\":%s,\"file_bytes\":%lld}\n",
               zn_fnet_num_neurons(net), zn_fnet_num_connections(net), (double)zn_fnet_connection_rate(net),
               scaled ? "true" : "false", bytes);
        return;
    }
    printf("kind: FANN network (%s)\nlayers:", type);
    for (unsigned l = 0; l < layers; l++) printf("%s%u", l ? "," : " ", zn_fnet_layer_size(net, l));
    printf("\nactivations:");
    for (unsigned l = 1; l < layers; l++) printf("%s%s", l > 1 ? "," : " ", layer_act(net, l));
    printf("\nneurons: %u\nconnections: %u\nconnection rate: %g\nscaling: %s\nfile size: %lld bytes\n",
           zn_fnet_num_neurons(net), zn_fnet_num_connections(net), (double)zn_fnet_connection_rate(net),
           scaled ? "yes" : "no", bytes);
}
