/* FANN .net files in the zenn tool: recognising them, loading them as an
 * MLP when they convert and as a FANN network otherwise, describing and
 * running them. */
#ifndef ZN_CLI_NET_H
#define ZN_CLI_NET_H

#include "zenn/fnet.h"

/* Does the file start with FANN's "FANN_" header? */
int cli_is_fann_net(const char *path);
/* A model file: a zenn model (*mlp), or a .net that converts to one (*mlp),
 * or a .net that does not (*net, run through zn_fnet_run_batch). */
zn_status cli_load_model(const char *path, zn_mlp **mlp, zn_fnet **net);
/* Runs raw rows through a net, with FANN's scaling applied around the run
 * when the file has it (fann_scale_input, fann_run, fann_descale_output). */
zn_status cli_net_predict(zn_fnet *net, int64_t rows, const float *x, float *y);
/* Runs raw rows through an MLP with its scalers (a workspace of up to 256 rows). */
zn_status cli_mlp_predict(const zn_mlp *mlp, int64_t rows, const float *x, float *y);
/* zenn info for a net that is not an MLP. */
void cli_net_info(const zn_fnet *net, const char *path, int json);

#endif
