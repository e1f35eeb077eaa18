/* zenn bench: entry point (filled in below). */
#include <stdio.h>

#include "cli.h"

int zn_cmd_bench(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "zenn: error: bench is being built\n");
    return 2;
}
