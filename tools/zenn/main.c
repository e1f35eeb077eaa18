/* The zenn command: dispatches to one file per sub-command. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "zenn/zenn.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: zenn <command> [options]\n"
            "\n"
            "commands:\n"
            "  bench [gemm|vmath|pool]...  measure kernels against OpenBLAS (see zenn bench --help)\n"
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
    fprintf(stderr, "zenn: error: unknown command '%s' (try zenn --help)\n", cmd);
    return 2;
}
