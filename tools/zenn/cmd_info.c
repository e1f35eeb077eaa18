/* zenn info MODEL [--json]: what a model file holds. */
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_graph.h"
#include "cli_json.h"
#include "cli.h"
#include "cli_net.h"
#include "cli_opts.h"
#include "cli_util.h"

/* What the output layer computes: a classifier's loss decides it, not output_act. */
static const char *output_act(const zn_mlp_spec *sp) {
    if (sp->loss == ZN_LOSS_XENT) return "softmax";
    if (sp->loss == ZN_LOSS_BCE) return "sigmoid";
    return zn_nact_name(sp->output_act);
}

/* A JSON string array. */
static void json_names(const char *key, char *const *names, int64_t n) {
    printf(",\"%s\":[", key);
    for (int64_t i = 0; i < n; i++) {
        if (i) putchar(',');
        cli_json_str(stdout, names[i]);
    }
    putchar(']');
}

/* "name, name, ..." with at most 16 names shown. */
static void text_names(const char *label, char *const *names, int64_t n) {
    printf("%s:", label);
    for (int64_t i = 0; i < n && i < 16; i++) printf("%s%s", i ? ", " : " ", names[i]);
    if (n > 16) printf(", ... (%lld in all; --json lists them)", (long long)n);
    printf("\n");
}

typedef struct info_args {
    int json;
} info_args;

static const cli_opt info_opts[] = {
    {"--json", NULL, CLI_FLAG, offsetof(info_args, json), 1, 0, NULL, "print the same as one JSON object", 0, 0, 0,
     NULL},
};

int zn_cmd_info(int argc, char **argv) {
    const char *path = NULL;
    info_args a = {0};
    cli_parse p = {"info", info_opts, (int)(sizeof info_opts / sizeof info_opts[0]), &path, 1, 0, {0}};
    int rc = cli_opts_parse(&p, argc, argv, &a);
    if (rc == CLI_PARSE_HELP) {
        printf("usage: zenn info MODEL [--json]\n\nWhat a model file (or a FANN .net) holds.\n\noptions:\n");
        cli_opts_help(stdout, info_opts, (int)(sizeof info_opts / sizeof info_opts[0]));
        return 0;
    }
    if (rc != CLI_PARSE_OK) return 2;
    const int json = a.json;
    if (!path) return cli_error("info needs a MODEL (try zenn info --help)") + 1;
    if (cli_is_graph_model(path)) {
        zn_model *g = NULL;
        zn_status s = zn_model_load(path, &g);
        if (s != ZN_OK) return cli_fail(s);
        cli_graph_info(g, path, json);
        zn_model_free(g);
        return 0;
    }
    zn_mlp *m = NULL;
    zn_fnet *net = NULL; /* a FANN .net that is not an MLP */
    zn_status s = cli_load_model(path, &m, &net);
    if (s != ZN_OK) return cli_fail(s);
    if (net) {
        cli_net_info(net, path, json);
        zn_fnet_free(net);
        return 0;
    }
    struct stat st;
    long long bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    int64_t params = 0; /* the weights themselves, without the alignment padding between tensors */
    for (int i = 0; i < zn_model_param_tensors(m->model); i++) {
        int64_t r, c;
        zn_model_param_info(m->model, i, NULL, &r, &c, NULL);
        params += r * c;
    }
    const zn_mlp_spec *sp = &m->spec;
    if (json) {
        printf("{\"kind\":\"mlp\",\"layers\":[");
        for (int i = 0; i < sp->n_layers; i++) printf("%s%lld", i ? "," : "", (long long)sp->sizes[i]);
        printf("],\"hidden_act\":\"%s\",\"hidden_steepness\":%g,\"output_act\":\"%s\",\"output_steepness\":%g,",
               zn_nact_name(sp->hidden_act), (double)sp->hidden_steepness, output_act(sp),
               (double)sp->output_steepness);
        printf("\"shortcut\":%s,\"loss\":\"%s\",\"parameters\":%lld,\"file_bytes\":%lld,\"classes\":%lld,"
               "\"input_scaling\":%s",
               sp->shortcut ? "true" : "false", zn_loss_name(sp->loss), (long long)params, bytes,
               (long long)m->n_classes, m->input_scaler ? "true" : "false");
        if (m->n_classes) json_names("class_names", m->class_names, m->n_classes);
        if (m->input_names) json_names("inputs", m->input_names, sp->sizes[0]);
        if (m->n_targets) json_names("targets", m->target_names, m->n_targets);
        printf("}\n");
    } else {
        printf("kind: mlp\nlayers:");
        for (int i = 0; i < sp->n_layers; i++) printf("%s%lld", i ? "," : " ", (long long)sp->sizes[i]);
        printf("\nhidden activation: %s (steepness %g)\n", zn_nact_name(sp->hidden_act), (double)sp->hidden_steepness);
        if (sp->loss == ZN_LOSS_XENT || sp->loss == ZN_LOSS_BCE)
            printf("output activation: %s\n", output_act(sp));
        else
            printf("output activation: %s (steepness %g)\n", output_act(sp), (double)sp->output_steepness);
        printf("shortcut: %s\nloss: %s\nparameters: %lld\nfile size: %lld bytes\n", sp->shortcut ? "yes" : "no",
               zn_loss_name(sp->loss), (long long)params, bytes);
        if (m->n_classes) {
            printf("classes:");
            for (int64_t k = 0; k < m->n_classes; k++) printf("%s%s", k ? ", " : " ", m->class_names[k]);
            printf("\n");
        }
        if (m->input_names) text_names("inputs", m->input_names, sp->sizes[0]);
        if (m->n_targets) text_names("targets", m->target_names, m->n_targets);
        printf("input scaling: %s\n", m->input_scaler ? "standardised" : "none");
    }
    zn_mlp_free(m);
    return 0;
}
