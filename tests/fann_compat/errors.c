/* Error paths: missing and malformed .net and data files, and misuse that
 * FANN reports (bad subsets, mismatched data, indices out of bound, missing
 * scaling parameters, unwritable files). Every message goes to stdout
 * through fann_set_error_log, followed by the errno each object holds.
 * Usage: errors WORKDIR DATA NET (a valid .net to cut short) */
#include <stdio.h>
#include <string.h>

#include "floatfann.h"

static const char *dir;

static const char *write_file(const char *name, const char *text) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return path;
    fputs(text, f);
    fclose(f);
    return path;
}

static void net_case(const char *name, const char *text) {
    printf("case %s\n", name);
    fflush(stdout);
    struct fann *ann = fann_create_from_file(text ? write_file(name, text) : "/nonexistent/none.net");
    fflush(stdout);
    printf("result %s\n", ann ? "net" : "NULL");
    fann_destroy(ann);
}

static void data_case(const char *name, const char *text) {
    printf("case %s\n", name);
    fflush(stdout);
    struct fann_train_data *d = fann_read_train_from_file(text ? write_file(name, text) : "/nonexistent/none.data");
    fflush(stdout);
    printf("result %s\n", d ? "data" : "NULL");
    fann_destroy_train(d);
}

/* The errno and message an object holds; fann_get_errstr then resets both
 * (its return value is not printed: libfann 2.2 returns freed memory). */
static void show(const char *what, struct fann_error *e) {
    fflush(stdout);
    printf("%s errno %d errstr %s", what, (int)fann_get_errno(e), e->errstr ? e->errstr : "(none)\n");
    char *s = fann_get_errstr(e);
    printf("%s got_errstr %d after_get errno %d errstr %s\n", what, s != NULL, (int)fann_get_errno(e),
           e->errstr ? "set" : "NULL");
}

/* The valid file cut right after the first occurrence of `marker` plus
 * `extra` characters: the reader fails inside that section. */
static void cut_case(const char *name, const char *net, const char *marker, size_t extra) {
    static char text[1 << 20];
    FILE *f = fopen(net, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f) fclose(f);
    text[n] = '\0';
    char *at = strstr(text, marker);
    if (at && (size_t)(at - text) + strlen(marker) + extra < n) at[strlen(marker) + extra] = '\0';
    net_case(name, text);
}

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    dir = argv[1];
    fann_set_error_log(NULL, stdout);
    cut_case("net_cut_layers", argv[3], "layer_sizes=", 2);
    cut_case("net_cut_neurons", argv[3], "activation_steepness)=", 9);
    cut_case("net_cut_connections", argv[3], "weight)=", 30);

    net_case("net_missing", NULL);
    net_case("net_empty", "");
    net_case("net_version", "FANN_FLO_9.9\nnum_layers=3\n");
    net_case("net_truncated", "FANN_FLO_2.1\nnum_layers=3\nlearning_rate=0.700000\n");
    net_case("net_bad_number", "FANN_FLO_2.1\nnum_layers=x\n");

    data_case("data_missing", NULL);
    data_case("data_bad_header", "4 2\n");
    data_case("data_letters_header", "a b c\n");
    data_case("data_short", "3 2 1\n1 2\n3\n4 5\n");
    data_case("data_bad_value", "2 2 1\n1 2\n3\n4 x\n1\n");
    data_case("data_bad_output", "2 2 1\n1 2\n3\n4 5\nz\n");

    struct fann_train_data *data = fann_read_train_from_file(argv[2]);
    struct fann *ann = fann_create_standard(3, 2, 3, 1);
    if (!data || !ann) return 1;
    fann_set_error_log((struct fann_error *)data, stdout);
    fann_set_error_log((struct fann_error *)ann, stdout);

    printf("case subset\n");
    struct fann_train_data *bad = fann_subset_train_data(data, 3, 5);
    printf("result %s\n", bad ? "data" : "NULL");
    show("data", (struct fann_error *)data);

    printf("case merge\n");
    struct fann_train_data *other = fann_create_train(2, 3, 1);
    bad = fann_merge_train_data(data, other);
    printf("result %s\n", bad ? "data" : "NULL");
    show("data", (struct fann_error *)data);

    printf("case layer_out_of_bound\n");
    fann_set_activation_function(ann, FANN_SIGMOID, 5, 0);
    show("ann", (struct fann_error *)ann);
    printf("case neuron_out_of_bound\n");
    printf("steepness %.3f\n", fann_get_activation_steepness(ann, 1, 17));
    show("ann", (struct fann_error *)ann);
    printf("case input_layer\n");
    printf("function %d\n", (int)fann_get_activation_function(ann, 0, 0));
    show("ann", (struct fann_error *)ann);

    printf("case scale_not_present\n");
    fann_type v[2] = {1, 2};
    fann_scale_input(ann, v);
    show("ann", (struct fann_error *)ann);

    printf("case input_no_match\n");
    printf("mse %.3f\n", fann_train_epoch(ann, other));
    show("ann", (struct fann_error *)ann);
    printf("case scaling_mismatch\n");
    printf("set %d\n", fann_set_scaling_params(ann, other, -1, 1, -1, 1));
    show("ann", (struct fann_error *)ann);

    printf("case save_net_unwritable\n");
    printf("rc %d\n", fann_save(ann, "/nonexistent/dir/x.net"));
    show("ann", (struct fann_error *)ann);
    printf("case save_data_unwritable\n");
    printf("rc %d\n", fann_save_train(data, "/nonexistent/dir/x.data"));
    show("data", (struct fann_error *)data);

    printf("case error_log_null\n");
    fann_set_error_log((struct fann_error *)ann, NULL);
    fann_set_activation_function(ann, FANN_SIGMOID, 9, 0);
    printf("silent errno %d\n", (int)fann_get_errno((struct fann_error *)ann));
    fann_reset_errno((struct fann_error *)ann);
    fann_reset_errstr((struct fann_error *)ann);
    printf("reset errno %d\n", (int)fann_get_errno((struct fann_error *)ann));

    fann_destroy_train(other);
    fann_destroy_train(data);
    fann_destroy(ann);
    return 0;
}
