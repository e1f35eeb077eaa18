/* FANN .net files in the zenn tool: recognising them, loading them as an
 * MLP when they convert and as a FANN network otherwise, and describing them. */
#ifndef ZN_CLI_NET_H
#define ZN_CLI_NET_H

#include "zenn/fnet.h"

/* Does the file start with FANN's "FANN_" header? */
int cli_is_fann_net(const char *path);
/* A model file: a zenn model (*mlp), or a .net that converts to one (*mlp),
 * or a .net that does not (*net, run through zn_fnet_run_scaled). */
zn_status cli_load_model(const char *path, zn_mlp **mlp, zn_fnet **net);
/* zenn info for a net that is not an MLP. */
void cli_net_info(const zn_fnet *net, const char *path, int json);

#endif
