/* zenn convert IN OUT [--fixed]: between FANN .net files and zenn model
 * files. The input's kind comes from its contents (a .net starts with
 * "FANN_"), the output's from its name: .net is FANN's text (fixed point
 * with --fixed), .safetensors (or .st, as zenn train) a zenn model, and any
 * other name an error, so a file never carries a format its name denies.
 * Writes are atomic, so a failed conversion leaves no output file. */
#include <stddef.h>
#include <string.h>

#include "cli.h"
#include "cli_net.h"
#include "cli_opts.h"
#include "cli_util.h"

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

typedef struct convert_args {
    int fixed;
} convert_args;

static const cli_opt convert_opts[] = {
    {"--fixed", NULL, CLI_FLAG, offsetof(convert_args, fixed), 1, 0, NULL,
     "write FANN's fixed-point .net (FANN_FIX_2.0); OUT must end in .net", 0, 0, 0, NULL},
};

int zn_cmd_convert(int argc, char **argv) {
    const char *files[2] = {NULL, NULL};
    convert_args a = {0};
    cli_parse p = {"convert", convert_opts, (int)(sizeof convert_opts / sizeof convert_opts[0]), files, 2, 0, {0}};
    int rc = cli_opts_parse(&p, argc, argv, &a);
    if (rc == CLI_PARSE_HELP) {
        printf("usage: zenn convert IN OUT [--fixed]\n\n"
               "Converts a FANN .net file to a zenn model (.safetensors) and back. The format follows OUT's\n"
               "name: .net is written as FANN_FLO_2.1, or as FANN_FIX_2.0 with --fixed; .safetensors (or\n"
               ".st) is a zenn model; any other name is an error.\n"
               "A .net converts to a model when its hidden neurons share one activation and steepness and\n"
               "its outputs share one; its scaling becomes the model's scalers.\n\noptions:\n");
        cli_opts_help(stdout, convert_opts, (int)(sizeof convert_opts / sizeof convert_opts[0]));
        return 0;
    }
    if (rc != CLI_PARSE_OK) return 2;
    const char *in = files[0], *out = files[1];
    const int fixed = a.fixed;
    if (!in || !out) return cli_error("convert needs IN and OUT (try zenn convert --help)") + 1;
    int to_net = ends_with(out, ".net");
    if (!to_net && !ends_with(out, ".safetensors") && !ends_with(out, ".st"))
        return cli_error("'%s': OUT must end in .net (a FANN network) or .safetensors/.st (a zenn model)", out) + 1;
    if (fixed && !to_net)
        return cli_error("--fixed writes FANN's fixed-point .net, but '%s' names a zenn model", out) + 1;
    zn_fnet *net = NULL;
    zn_mlp *mlp = NULL;
    zn_status s = cli_is_fann_net(in) ? zn_fnet_load(in, &net) : zn_mlp_load(in, &mlp);
    int dp = 0; /* fann_save_to_fixed's decimal point; unused beyond the call */
    if (s == ZN_OK && to_net) {
        if (!net) s = zn_fnet_from_mlp(mlp, &net);
        if (s == ZN_OK) s = fixed ? zn_fnet_save_fixed(net, out, &dp) : zn_fnet_save(net, out);
    } else if (s == ZN_OK) {
        if (!mlp) s = zn_fnet_to_mlp(net, &mlp);
        if (s == ZN_OK) s = zn_mlp_save(mlp, out);
    }
    rc = 0;
    if (s != ZN_OK)
        rc = cli_fail(s);
    else if (to_net)
        printf("%s: FANN %s network, %u inputs, %u outputs, %u connections%s\n", out,
               zn_fnet_network_type(net) == ZN_FNET_SHORTCUT ? "shortcut" : "layered", zn_fnet_num_inputs(net),
               zn_fnet_num_outputs(net), zn_fnet_num_connections(net), fixed ? ", fixed point" : "");
    else
        printf("%s: zenn MLP, %d layers, %lld inputs, %lld outputs\n", out, mlp->spec.n_layers,
               (long long)mlp->spec.sizes[0], (long long)mlp->spec.sizes[mlp->spec.n_layers - 1]);
    zn_fnet_free(net);
    zn_mlp_free(mlp);
    return rc;
}
