/* Training-data functions: read, query, duplicate, subset, merge, scale,
 * create (also from a callback), shuffle, save (float and fixed point).
 * Usage: data_ops DATA OUTDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floatfann.h"

static void print_rows(const char *what, struct fann_train_data *d, unsigned n) {
    for (unsigned i = 0; i < n && i < d->num_data; i++) {
        printf("%s %u", what, i);
        for (unsigned j = 0; j < d->num_input; j++) printf(" %.9g", d->input[i][j]);
        printf(" |");
        for (unsigned j = 0; j < d->num_output; j++) printf(" %.9g", d->output[i][j]);
        printf("\n");
    }
}

static double total(struct fann_train_data *d) {
    double s = 0;
    for (unsigned i = 0; i < d->num_data; i++) {
        for (unsigned j = 0; j < d->num_input; j++) s += d->input[i][j] * (1.0 + j);
        for (unsigned j = 0; j < d->num_output; j++) s += d->output[i][j] * (2.0 + j);
    }
    return s;
}

static void FANN_API fill(unsigned int num, unsigned int num_input, unsigned int num_output, fann_type *input,
                          fann_type *output) {
    for (unsigned j = 0; j < num_input; j++) input[j] = (fann_type)(num * 10 + j) / 4.0f;
    for (unsigned j = 0; j < num_output; j++) output[j] = (fann_type)num - (fann_type)j / 3.0f;
}

static int save(struct fann_train_data *d, const char *dir, const char *name, int fixed) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return fixed ? fann_save_train_to_fixed(d, path, 10) : fann_save_train(d, path);
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    struct fann_train_data *d = fann_read_train_from_file(argv[1]);
    if (!d) return 1;
    printf("length %u inputs %u outputs %u\n", fann_length_train_data(d), fann_num_input_train_data(d),
           fann_num_output_train_data(d));
    print_rows("row", d, 3);

    struct fann_train_data *dup = fann_duplicate_train_data(d);
    struct fann_train_data *sub = fann_subset_train_data(d, 10, 20);
    struct fann_train_data *merged = fann_merge_train_data(d, sub);
    printf("dup %u sub %u merged %u\n", fann_length_train_data(dup), fann_length_train_data(sub),
           fann_length_train_data(merged));
    print_rows("sub", sub, 2);
    struct fann_train_data *tail = fann_subset_train_data(merged, fann_length_train_data(d), 2);
    print_rows("merged_tail", tail, 2);
    fann_destroy_train(tail);
    int rc = save(d, argv[2], "saved.data", 0) | save(sub, argv[2], "subset.data", 0) |
             save(merged, argv[2], "merged.data", 0) | save(d, argv[2], "fixed.data", 1);
    printf("saves %d\n", rc);

    fann_scale_input_train_data(dup, -1, 1);
    print_rows("scaled_in", dup, 3);
    fann_scale_output_train_data(dup, 0.25f, 0.75f);
    print_rows("scaled_out", dup, 3);
    fann_scale_train_data(dup, 0, 1);
    print_rows("scaled_all", dup, 3);
    rc = save(dup, argv[2], "scaled.data", 0);
    printf("save_scaled %d\n", rc);

    struct fann_train_data *cb = fann_create_train_from_callback(5, 3, 2, fill);
    print_rows("callback", cb, 5);
    struct fann_train_data *empty = fann_create_train(4, 2, 1);
    print_rows("empty", empty, 4);
    printf("save_callback %d\n", save(cb, argv[2], "callback.data", 0));

    /* a shuffle is a permutation: the weighted total and the length stay */
    double before = total(d);
    fann_shuffle_train_data(d);
    printf("shuffle_length %u same_total %d\n", fann_length_train_data(d), (int)(total(d) == before));

    fann_destroy_train(dup);
    fann_destroy_train(sub);
    fann_destroy_train(merged);
    fann_destroy_train(cb);
    fann_destroy_train(empty);
    fann_destroy_train(d);
    return 0;
}
