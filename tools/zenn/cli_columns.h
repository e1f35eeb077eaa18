/* A data file's columns matched to a model's inputs: by name when the model
 * stores its input names, else by position among the columns that are not
 * its targets. */
#ifndef ZN_CLI_COLUMNS_H
#define ZN_CLI_COLUMNS_H

#include "zenn/zenn.h"

/* For each of the model's inputs, idx[i] is the column of `cols` (the file's
 * header, n_cols names) that holds it. By name: every input must appear
 * exactly once, target columns are ignored, and any other column is an
 * error. Without input names (FANN data, older files): the columns that are
 * not targets, in order, and there must be n_inputs of them. A name that
 * appears twice is always an error. Returns 0, or 1 after printing an error
 * naming `what` (the file). */
int cli_match_columns(char *const *inputs, int64_t n_inputs, char *const *targets, int64_t n_targets, char *const *cols,
                      int64_t n_cols, const char *what, int64_t *idx);
/* The same with an MLP's input and target names. */
int cli_match_mlp_columns(const zn_mlp *m, char *const *cols, int64_t n_cols, const char *what, int64_t *idx);
/* Reorders a loaded dataset's input columns (d->in_names, the target
 * columns already taken out) into the model's input order. A dataset or model
 * without names is left as it is. Returns 0 or 1 after printing an error. */
int cli_dataset_match(const zn_mlp *m, zn_dataset *d, const char *what);

#endif
