/* Graph model files (zn_model_save) in the zenn tool: recognising and describing them. */
#ifndef ZN_CLI_GRAPH_H
#define ZN_CLI_GRAPH_H

#include "zenn/zenn.h"

/* Is the file a safetensors model whose metadata says "zenn-graph"? */
int cli_is_graph_model(const char *path);
/* zenn info for a graph model: inputs, outputs, ops, parameters. */
void cli_graph_info(const zn_model *m, const char *path, int json);

#endif
