/* zenn train's options (see train_args.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_opts.h"
#include "cli_util.h"
#include "train_args.h"

enum {
    T_MLP = 1,     /* does not apply to --cascade */
    T_ARCH = 2,    /* the network's shape and kind: fixed by an --init model */
    T_CASCADE = 4, /* needs --cascade */
};

#define F(field) offsetof(train_args, field)
static const cli_opt train_opts[] = {
    {"data and files", NULL, CLI_SECTION, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"--output", "-o", CLI_STR, F(out), 0, 0, "MODEL",
     "where to write the model: .safetensors (or .st) for a zenn model, .net for FANN's format", 0, 0, 0, NULL},
    {"--format", NULL, CLI_STR, F(format_name), 0, 0, "NAME",
     "safetensors|net: the format whatever MODEL's name (a device or FIFO gets safetensors, .net with --cascade)", 0, 0,
     0, NULL},
    {"--test", NULL, CLI_STR, F(test), 0, 0, "FILE", "evaluate on this data after training", 0, 0, 0, NULL},
    {"--test-split", NULL, CLI_FLOAT, F(test_split), 1e-6, 0.9, "X",
     "hold out this fraction of DATA as the test set (seeded; stratified by class)", 0, 0, 0, NULL},
    {"--val", NULL, CLI_STR, F(val), 0, 0, "FILE", "validation data (for --patience and the curves; else --val-split)",
     0, 0, T_MLP, NULL},
    {"--val-split", NULL, CLI_FLOAT, F(val_split), 0, 0.9, "X",
     "hold out this fraction for validation (default 0.1 with --patience)", 0, 0, T_MLP, NULL},
    {"--target", NULL, CLI_STR_LIST, F(targets), 0, 0, "COL", "CSV target column (repeat for several)",
     TRAIN_MAX_TARGETS, F(n_targets), 0, NULL},
    {"--task", NULL, CLI_STR, F(task), 0, 0, "NAME",
     "regression|classify: how to read a CSV target (default: inferred, and printed)", 0, 0, 0, NULL},
    {"--allow-nan", NULL, CLI_FLAG, F(allow_nan), 1, 0, NULL, "accept NaN/Inf values in the data", 0, 0, 0, NULL},
    {"--scale", NULL, CLI_FLAG, F(scale), 1, 0, NULL, "standardise the inputs (default: on for CSV, off for FANN data)",
     0, 0, T_MLP | T_ARCH, NULL},
    {"--no-scale", NULL, CLI_FLAG, F(scale), 0, 0, NULL, "use the inputs as they are", 0, 0, T_ARCH, NULL},

    {"network", NULL, CLI_SECTION, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"--layers", NULL, CLI_SIZES, F(layers), 0, 0, "A,B,...",
     "layer sizes, inputs and outputs included (default: one hidden layer)", ZN_MLP_MAX_LAYERS, F(n_layers),
     T_MLP | T_ARCH, NULL},
    {"--hidden-act", NULL, CLI_STR, F(hidden_act), 0, 0, "NAME",
     "hidden activation: relu, tanh, sigmoid-symmetric, elliot, ... (default: sigmoid-symmetric for FANN data, relu "
     "for CSV)",
     0, 0, T_MLP | T_ARCH, NULL},
    {"--output-act", NULL, CLI_STR, F(output_act), 0, 0, "NAME",
     "output activation: linear, sigmoid, ... for regression; softmax for a classifier (its only one)", 0, 0, T_ARCH,
     NULL},
    {"--loss", NULL, CLI_STR, F(loss), 0, 0, "NAME",
     "sse|mse|xent|bce|mae|huber|tanh_error (default: xent for classes, mse for CSV, sse for FANN data)", 0, 0,
     T_MLP | T_ARCH, NULL},
    {"--dropout", NULL, CLI_FLOAT, F(dropout), 0, 0.95, "X", "drop this fraction of each hidden layer in training", 0,
     0, T_MLP | T_ARCH, NULL},
    {"--shortcut", NULL, CLI_FLAG, F(shortcut), 1, 0, NULL,
     "FANN shortcut network: every layer sees all earlier layers", 0, 0, T_MLP | T_ARCH, NULL},
    {"--connection-rate", NULL, CLI_FLOAT, F(connection_rate), 1e-6, 1, "X",
     "FANN sparse network: keep this fraction of the connections", 0, 0, T_MLP | T_ARCH, NULL},
    {"--init", NULL, CLI_STR, F(init), 0, 0, "MODEL",
     "start from this model's weights (continue or fine-tune; same inputs and outputs)", 0, 0, T_MLP, NULL},

    {"training", NULL, CLI_SECTION, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"--algo", NULL, CLI_STR, F(algo), 0, 0, "NAME",
     "rprop|quickprop|sarprop|batch|incremental|sgd|momentum|adam|adamw|rmsprop", 0, 0, T_MLP, NULL},
    {"--epochs", NULL, CLI_INT, F(epochs), 1, 100000000, "N",
     "maximum epochs (default 500 for FANN's algorithms, 30 otherwise)", 0, 0, T_MLP, NULL},
    {"--batch", NULL, CLI_INT, F(batch), 1, 1 << 24, "N", "batch size (default: the algorithm's)", 0, 0, T_MLP, NULL},
    {"--lr", NULL, CLI_FLOAT, F(lr), 1e-12, 1e6, "X", "learning rate", 0, 0, T_MLP, NULL},
    {"--momentum", NULL, CLI_FLOAT, F(momentum), 0, 0.999, "X",
     "momentum of incremental, batch and momentum (default 0, 0, 0.9)", 0, 0, T_MLP, NULL},
    {"--weight-decay", NULL, CLI_FLOAT, F(weight_decay), 0, 10, "X",
     "L2 weight decay (AdamW: decoupled; default 0.01 there, else 0); not for RPROP/Quickprop/SARPROP", 0, 0, T_MLP,
     NULL},
    {"--target-mse", NULL, CLI_FLOAT, F(target_mse), 0, 1e30, "X", "stop when the training MSE reaches X", 0, 0, 0,
     NULL},
    {"--patience", NULL, CLI_INT, F(patience), 1, 1000000, "N", "stop after N epochs without validation improvement", 0,
     0, T_MLP, NULL},
    {"--seed", NULL, CLI_INT, F(seed), 0, 9.2e18, "N", "random seed (default 1)", 0, 0, 0, NULL},
    {"--threads", NULL, CLI_INT, F(threads), 1, 1024, "N", "threads (default: ZN_THREADS or all CPUs)", 0, 0, 0, NULL},
    {"--cascade", NULL, CLI_FLAG, F(cascade), 1, 0, NULL,
     "FANN's cascade-correlation: grow a shortcut net neuron by neuron (RPROP; --target-mse, --max-neurons); MODEL "
     "must be a .net file",
     0, 0, 0, NULL},
    {"--max-neurons", NULL, CLI_INT, F(max_neurons), 1, 100000, "N", "neurons --cascade may add (default 30)", 0, 0,
     T_CASCADE, NULL},

    {"output", NULL, CLI_SECTION, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"--plot", NULL, CLI_STR, F(plot), 0, 0, "FILE.svg", "write the loss curves", 0, 0, T_MLP, NULL},
    {"--max-memory", NULL, CLI_STR, F(max_memory_text), 0, 0, "SIZE",
     "refuse data or a run needing more: bytes with K, M, G or T, or a share of the memory like 50% (the default)", 0,
     0, 0, NULL},
    {"--json", NULL, CLI_FLAG, F(json), 1, 0, NULL, "print one JSON object with the results on stdout", 0, 0, 0, NULL},
    {"--quiet", NULL, CLI_FLAG, F(quiet), 1, 0, NULL, "no progress or summary on stderr", 0, 0, 0, NULL},
};
#undef F
enum { N_OPTS = (int)(sizeof train_opts / sizeof train_opts[0]) };

static void usage(FILE *f) {
    fprintf(f, "usage: zenn train DATA -o MODEL [options]\n"
               "\n"
               "DATA is a FANN data file or a CSV with a header (the last column, or --target, is the target).\n"
               "A target of labels, or of few distinct integers, makes a classifier; --task says which it is.\n"
               "--loss sets the loss only: a classifier with --loss mse fits its one-hot outputs.\n"
               "Every output path is checked before training; a model that diverges is not written.\n");
    cli_opts_help(f, train_opts, N_OPTS);
}

/* A character device, a FIFO or an open file of /proc (/dev/stdout), through
 * links: the writer writes through it, and its name says no format. */
static int is_stream(const char *path) {
    char cur[4096], next[4096];
    snprintf(cur, sizeof cur, "%s", path);
    for (int hop = 0; hop < 40; hop++) {
        if (!strncmp(cur, "/proc/", 6) || !strncmp(cur, "/dev/fd/", 8)) return 1;
        ssize_t n = readlink(cur, next, sizeof next - 1);
        if (n < 0) break;
        next[n] = 0;
        const char *slash = strrchr(cur, '/');
        if (next[0] == '/' || !slash) {
            snprintf(cur, sizeof cur, "%s", next);
        } else {
            char joined[8200];
            int len = snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - cur), cur, next);
            if (len < 0 || (size_t)len >= sizeof cur) break;
            memcpy(cur, joined, (size_t)len + 1);
        }
    }
    struct stat st;
    return stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode));
}

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The format -o asks for, from --format or the extension. Returns 0 or prints the error. */
static int output_format(train_args *a) {
    if (a->format_name) {
        if (!strcmp(a->format_name, "safetensors"))
            a->format = TRAIN_FMT_ZENN;
        else if (!strcmp(a->format_name, "net"))
            a->format = TRAIN_FMT_FANN_NET;
        else
            return cli_error("unknown --format '%s' (safetensors, net)", a->format_name);
        return 0;
    }
    const char *slash = strrchr(a->out, '/'), *dot = strrchr(a->out, '.');
    const char *ext = dot && (!slash || dot > slash) ? dot : "";
    if (!strcmp(ext, ".safetensors") || !strcmp(ext, ".st"))
        a->format = TRAIN_FMT_ZENN;
    else if (!strcmp(ext, ".net"))
        a->format = TRAIN_FMT_FANN_NET;
    else if (is_dir(a->out))
        return cli_error("%s: is a directory; not replacing it", a->out);
    else if (is_stream(a->out)) /* -o /dev/stdout, a FIFO: the command's own format */
        a->format = a->cascade ? TRAIN_FMT_FANN_NET : TRAIN_FMT_ZENN;
    else
        return cli_error("-o %s: the extension '%s' names no model format; use .safetensors (or .st) for a zenn model, "
                         ".net for a FANN net, or --format",
                         a->out, ext);
    return 0;
}

/* "512M", "4G", "123456", "50%" (of the physical memory) into bytes; 0 or -1. */
static int parse_memory(const char *text, int64_t *out) {
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || !(v > 0) || v > 1e18) return -1;
    double mul = 1;
    if (*end == '%') {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        if (pages <= 0 || page <= 0 || v > 100) return -1;
        mul = (double)pages * (double)page / 100.0;
        end++;
    } else if (*end) {
        const char *units = "KMGT";
        const char *u = strchr(units, *end == 'k' ? 'K' : *end);
        if (!u) return -1;
        for (const char *q = units; q <= u; q++) mul *= 1024.0;
        end++;
        if (*end == 'B' || *end == 'b') end++;
    }
    if (*end || v * mul > 9e18) return -1;
    *out = (int64_t)(v * mul);
    return *out > 0 ? 0 : -1;
}

/* Which options go together. Returns 0 or prints the error. */
static int check_combinations(const cli_parse *p, train_args *a) {
    const char *o;
    if ((o = cli_opts_first_given(p, T_CASCADE)) && !a->cascade) return cli_error("%s needs --cascade", o);
    if (a->cascade) {
        if (a->format != TRAIN_FMT_FANN_NET)
            return cli_error("--cascade grows a FANN net with a hidden layer per neuron, which only a FANN .net file "
                             "holds: -o must end in .net, not '%s'",
                             a->out);
        if ((o = cli_opts_first_given(p, T_MLP))) return cli_error("%s does not apply to --cascade", o);
    }
    if (a->init && (o = cli_opts_first_given(p, T_ARCH)))
        return cli_error("%s does not apply with --init: the model's own is kept", o);
    if (a->test && a->test_split > 0) return cli_error("--test and --test-split both name a test set; give one");
    if (a->task) {
        if (!strcmp(a->task, "regression"))
            a->kind = ZN_TARGET_REGRESSION;
        else if (!strcmp(a->task, "classify") || !strcmp(a->task, "classification"))
            a->kind = ZN_TARGET_CLASSES;
        else
            return cli_error("unknown --task '%s' (regression, classify)", a->task);
    }
    a->given_momentum = cli_opts_given(p, "--momentum");
    a->given_weight_decay = cli_opts_given(p, "--weight-decay");
    if (parse_memory(a->max_memory_text ? a->max_memory_text : "50%", &a->max_memory))
        return cli_error("--max-memory expects bytes like 512M or 4G, or a share like 50%%, got '%s'",
                         a->max_memory_text);
    /* The data decides the network and the optimizer unless an option does. */
    static const char *const shaping[] = {"--layers", "--hidden-act", "--loss",     "--shortcut", "--connection-rate",
                                          "--init",   "--algo",       "--momentum", "--val",      "--no-scale",
                                          "--scale"};
    a->auto_defaults =
        !a->cascade && a->format == TRAIN_FMT_ZENN && (!a->output_act || !strcmp(a->output_act, "softmax"));
    for (size_t i = 0; i < sizeof shaping / sizeof shaping[0]; i++)
        if (cli_opts_given(p, shaping[i])) a->auto_defaults = 0;
    return 0;
}

int train_args_parse(int argc, char **argv, train_args *a) {
    memset(a, 0, sizeof *a);
    a->epochs = a->batch = -1;
    a->lr = a->target_mse = a->val_split = -1;
    a->seed = 1;
    a->scale = -1;
    const char *pos[1] = {NULL};
    cli_parse p = {"train", train_opts, N_OPTS, pos, 1, 0, {0}};
    int rc = cli_opts_parse(&p, argc, argv, a);
    if (rc == CLI_PARSE_HELP) {
        usage(stdout);
        return 0;
    }
    if (rc != CLI_PARSE_OK) return 2;
    a->data = pos[0];
    if (!a->data) return cli_error("train needs a DATA file (try zenn train --help)"), 2;
    if (!a->out) return cli_error("train needs -o MODEL, the file to write"), 2;
    if (output_format(a) || check_combinations(&p, a)) return 2;
    return -1;
}
