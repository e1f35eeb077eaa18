/* Creates a network and saves it, to give both libraries the same weights.
 * Usage: make_net OUT.net standard|sparse|shortcut HIDDEN_ACT OUTPUT_ACT SIZE...
 * (activations by FANN number; sparse uses a connection rate of 0.6).
 * With MAKE_NET_SKIP=k in the environment, k networks are created and
 * dropped first, for a different start from a library with a fixed seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floatfann.h"

int main(int argc, char **argv) {
    if (argc < 7) return 2;
    unsigned n = (unsigned)(argc - 5), sizes[16];
    if (n > 16) return 2;
    for (unsigned i = 0; i < n; i++) sizes[i] = (unsigned)atoi(argv[5 + i]);
    struct fann *ann;
    const char *skip = getenv("MAKE_NET_SKIP");
    for (int k = skip ? atoi(skip) : 0; k > 0; k--) fann_destroy(fann_create_standard_array(n, sizes));
    if (strcmp(argv[2], "sparse") == 0)
        ann = fann_create_sparse_array(0.6f, n, sizes);
    else if (strcmp(argv[2], "shortcut") == 0)
        ann = fann_create_shortcut_array(n, sizes);
    else
        ann = fann_create_standard_array(n, sizes);
    if (!ann) return 1;
    fann_set_activation_function_hidden(ann, (enum fann_activationfunc_enum)atoi(argv[3]));
    fann_set_activation_function_output(ann, (enum fann_activationfunc_enum)atoi(argv[4]));
    int rc = fann_save(ann, argv[1]);
    fann_destroy(ann);
    return rc == 0 ? 0 : 1;
}
