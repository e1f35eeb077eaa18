/* A data file's columns matched to a model's inputs (see cli_columns.h). */
#include <stdlib.h>
#include <string.h>

#include "cli_columns.h"
#include "cli_util.h"

static int64_t find(char *const *names, int64_t n, const char *name) {
    for (int64_t i = 0; names && i < n; i++)
        if (names[i] && !strcmp(names[i], name)) return i;
    return -1;
}

int cli_match_columns(char *const *inputs, int64_t n_inputs, char *const *targets, int64_t n_targets, char *const *cols,
                      int64_t n_cols, const char *what, int64_t *idx) {
    for (int64_t j = 0; cols && j < n_cols; j++)
        if (find(cols, j, cols[j]) >= 0) return cli_error("%s: column '%s' appears twice", what, cols[j]);
    if (inputs && cols) {
        for (int64_t i = 0; i < n_inputs; i++)
            if ((idx[i] = find(cols, n_cols, inputs[i])) < 0)
                return cli_error("%s: no column '%s', an input of the model", what, inputs[i]);
        for (int64_t j = 0; j < n_cols; j++)
            if (find(inputs, n_inputs, cols[j]) < 0 && find(targets, n_targets, cols[j]) < 0)
                return cli_error("%s: column '%s' is not an input of the model (it takes %s%s)", what, cols[j],
                                 inputs[0], n_inputs > 1 ? ", ..." : "");
        return 0;
    }
    int64_t k = 0;
    for (int64_t j = 0; j < n_cols; j++) {
        if (cols && find(targets, n_targets, cols[j]) >= 0) continue;
        if (k < n_inputs) idx[k] = j;
        k++;
    }
    if (k != n_inputs)
        return cli_error("%s: %lld input columns%s, the model takes %lld", what, (long long)k,
                         cols && n_targets ? " besides the targets" : "", (long long)n_inputs);
    return 0;
}

int cli_match_mlp_columns(const zn_mlp *m, char *const *cols, int64_t n_cols, const char *what, int64_t *idx) {
    return cli_match_columns(m->input_names, m->spec.sizes[0], m->target_names, m->n_targets, cols, n_cols, what, idx);
}

int cli_dataset_match(const zn_mlp *m, zn_dataset *d, const char *what) {
    if (!m || !d->in_names) return 0;
    int64_t nin = d->n_in;
    for (int64_t j = 0; j < nin; j++)
        if (find(d->in_names, j, d->in_names[j]) >= 0)
            return cli_error("%s: column '%s' appears twice", what, d->in_names[j]);
    if (!m->input_names) return 0; /* by position: the caller compares the counts */
    int64_t *idx = malloc((size_t)(m->spec.sizes[0] > 0 ? m->spec.sizes[0] : 1) * sizeof *idx);
    float *row = malloc((size_t)(nin > 0 ? nin : 1) * sizeof *row);
    char **names = malloc((size_t)(nin > 0 ? nin : 1) * sizeof *names);
    int rc =
        !idx || !row || !names ? cli_error("out of memory") : cli_match_mlp_columns(m, d->in_names, nin, what, idx);
    /* Every column is an input (the loader took the targets out), each once: a permutation. */
    if (!rc && nin != m->spec.sizes[0])
        rc = cli_error("%s: %lld input columns, the model takes %lld", what, (long long)nin,
                       (long long)m->spec.sizes[0]);
    for (int64_t r = 0; !rc && r < d->rows; r++) {
        float *x = d->x + r * nin;
        for (int64_t i = 0; i < nin; i++) row[i] = x[idx[i]];
        memcpy(x, row, (size_t)nin * sizeof *row);
    }
    if (!rc) {
        for (int64_t i = 0; i < nin; i++) names[i] = d->in_names[idx[i]];
        memcpy(d->in_names, names, (size_t)nin * sizeof *names);
    }
    free(idx);
    free(row);
    free(names);
    return rc;
}
