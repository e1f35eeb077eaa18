/* Graph model files in the zenn tool (cli_graph.h). */
#include <string.h>
#include <sys/stat.h>

#include "cli_graph.h"
#include "cli_json.h"

int cli_is_graph_model(const char *path) {
    zn_st_file *f = NULL;
    if (zn_st_open(path, &f) != ZN_OK) {
        zn_clear_error();
        return 0;
    }
    const char *meta = zn_st_metadata(f, "zenn");
    const int yes = meta && strstr(meta, "\"format\":\"zenn-graph\"") != NULL;
    zn_st_close(f);
    return yes;
}

/* "[B, 96 (seq), 32]" for input or output k. */
static void shape_text(char *buf, size_t size, int nd, const int64_t *dims, int seq_axis) {
    size_t at = (size_t)snprintf(buf, size, "[B");
    for (int i = 0; i < nd && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, ", %lld%s", (long long)dims[i], i == seq_axis ? " (seq)" : "");
    if (at < size) snprintf(buf + at, size - at, "]");
}

void cli_graph_info(const zn_model *m, const char *path, int json) {
    struct stat st;
    const long long bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    int64_t params = 0;
    for (int i = 0; i < zn_model_param_tensors(m); i++) {
        int64_t r, c;
        zn_model_param_info(m, i, NULL, &r, &c, NULL);
        params += r * c;
    }
    /* ops by name, in order of first use */
    const char *ops[64];
    int counts[64], n_ops = 0;
    for (int i = 0; i < zn_model_node_count(m); i++) {
        zn_node_info n;
        zn_model_node_info(m, i, &n);
        if (n.n_in == 0) continue;
        int k = 0;
        while (k < n_ops && strcmp(ops[k], n.op) != 0) k++;
        if (k == n_ops && n_ops < 64) ops[n_ops] = n.op, counts[n_ops++] = 0;
        if (k < n_ops) counts[k]++;
    }
    char shape[160];
    if (json) {
        printf("{\"kind\":\"graph\",\"nodes\":%d,\"parameters\":%lld,\"file_bytes\":%lld,\"inputs\":[",
               zn_model_node_count(m), (long long)params, bytes);
    } else {
        printf("kind: graph\nnodes: %d\nparameters: %lld\nfile size: %lld bytes\ninputs:\n", zn_model_node_count(m),
               (long long)params, bytes);
    }
    for (int i = 0; i < zn_model_input_count(m); i++) {
        zn_node_info n;
        int64_t dims[ZN_MAX_DIMS];
        const int nd = zn_model_input_shape(m, i, dims);
        int seq = -1;
        for (int k = 0; k < zn_model_node_count(m); k++) {
            zn_model_node_info(m, k, &n);
            if (n.name && !strcmp(n.name, zn_model_input_name(m, i)) && n.n_in == 0) seq = n.seq_axis;
        }
        shape_text(shape, sizeof shape, nd, dims, seq);
        if (json) {
            printf("%s{\"name\":", i ? "," : "");
            cli_json_str(stdout, zn_model_input_name(m, i));
            printf(",\"shape\":\"%s\",\"dtype\":\"%s\"}", shape, zn_dtype_name(zn_model_input_dtype(m, i)));
        } else {
            printf("  %s %s %s\n", zn_model_input_name(m, i), shape, zn_dtype_name(zn_model_input_dtype(m, i)));
        }
    }
    printf(json ? "],\"outputs\":[" : "outputs:\n");
    for (int k = 0; k < zn_model_output_count(m); k++) {
        zn_node_info n;
        zn_model_node_info(m, zn_model_output_node(m, k), &n);
        shape_text(shape, sizeof shape, n.nd, n.dims, n.seq_axis);
        if (json)
            printf("%s{\"node\":%d,\"op\":\"%s\",\"shape\":\"%s\"}", k ? "," : "", zn_model_output_node(m, k), n.op,
                   shape);
        else
            printf("  node %d (%s) %s\n", zn_model_output_node(m, k), n.op, shape);
    }
    printf(json ? "],\"ops\":{" : "ops:");
    for (int k = 0; k < n_ops; k++)
        printf(json ? "%s\"%s\":%d" : "%s%s x%d", k ? (json ? "," : ", ") : (json ? "" : " "), ops[k], counts[k]);
    printf(json ? "},\"loss\":%s}\n" : "\nloss: %s\n",
           zn_model_has_loss(m) ? (json ? "true" : "yes") : (json ? "false" : "no"));
}
