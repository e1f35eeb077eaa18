/* The zenn command: dispatches to one file per sub-command. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "zenn/zenn.h"

static void usage(FILE *f) {
    fprintf(f, "usage: zenn <command> [options]\n"
               "\n"
               "commands:\n"
               "  train DATA -o MODEL [opts]  train a network on a FANN data file or a CSV\n"
               "  test MODEL DATA             error and accuracy of a model on data\n"
               "  run MODEL [INPUT|-]         outputs for each input row, as CSV\n"
               "  info MODEL                  layers, activations, parameters, file size\n"
               "  convert IN OUT              FANN .net file to zenn model and back\n"
               "  bench [SUITE]...            measure zenn against its peers (see zenn bench --help)\n"
               "  cpu                         show the CPU's features and the kernels in use\n"
               "  version                     print the version\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("zenn %s\n", zn_version());
        return 0;
    }
    if (!strcmp(cmd, "cpu")) return zn_cmd_cpu(argc - 1, argv + 1);
    if (!strcmp(cmd, "bench")) return zn_cmd_bench(argc - 1, argv + 1);
    if (!strcmp(cmd, "train")) return zn_cmd_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "test")) return zn_cmd_test(argc - 1, argv + 1);
    if (!strcmp(cmd, "run")) return zn_cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "info")) return zn_cmd_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "convert")) return zn_cmd_convert(argc - 1, argv + 1);
    fprintf(stderr, "zenn: error: unknown command '%s' (try zenn --help)\n", cmd);
    return 2;
}
