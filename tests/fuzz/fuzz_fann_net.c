/* Fuzz target: FANN .net text. Any input must give ZN_OK with a net that
 * runs, or an error with a message; never a crash or a read outside the
 * buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zenn/zenn.h"
#include "zenn/fnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zn_fnet *net = NULL;
    zn_status s = zn_fnet_parse((const char *)data, size, "fuzz", &net);
    if (s == ZN_OK) {
        /* The net the reader accepted must run: every source and count is in range. */
        unsigned ni = zn_fnet_num_inputs(net), no = zn_fnet_num_outputs(net);
        float *in = calloc(ni, sizeof(float));
        const float *out = in ? zn_fnet_run(net, in) : NULL;
        volatile float sink = 0;
        for (unsigned o = 0; out && o < no; o++) sink += out[o];
        (void)sink;
        free(in);
        zn_mlp *mlp = NULL;
        if (zn_fnet_to_mlp(net, &mlp) == ZN_OK) zn_mlp_free(mlp);
        zn_fnet_free(net);
    } else if (net != NULL || zn_last_error()[0] == '\0') {
        __builtin_trap(); /* an error must leave no net and say why */
    }
    return 0;
}
