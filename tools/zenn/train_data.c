/* zenn train's data (see train_data.h). */
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "train_data.h"

/* A test or validation file read like the training data: the same columns,
 * its labels mapped onto the training classes. Returns 0 or the exit status. */
static int load_like(const char *path, const cli_data_opts *o, const zn_dataset *train, const char *train_path,
                     zn_dataset **out) {
    zn_status s = cli_load_data(path, o, out);
    if (s != ZN_OK) return cli_fail(s);
    zn_dataset *d = *out;
    int classes = train->n_classes > 0;
    if (d->n_in != train->n_in || (!classes && d->n_out != train->n_out))
        return cli_error("%s: %lld inputs and %lld outputs, but %s has %lld and %lld", path, (long long)d->n_in,
                         (long long)d->n_out, train_path, (long long)train->n_in, (long long)train->n_out);
    if (classes && zn_dataset_align_classes(d, train->class_names, train->n_classes) != ZN_OK)
        return cli_error("%s: %s", path, zn_last_error());
    return 0;
}

static int64_t class_of(const zn_dataset *d, int64_t r) {
    if (d->labels) return d->labels[r];
    const float *y = d->y + r * d->n_out;
    int64_t best = 0;
    for (int64_t j = 1; j < d->n_out; j++)
        if (y[j] > y[best]) best = j;
    return best;
}

/* Holds out `fraction` of d's rows as *test (rows drawn with the seed; for
 * classes, that fraction of each class), the rest as *train, both in file
 * order. Returns 0 or the exit status. */
static int split_rows(const zn_dataset *d, double fraction, uint64_t seed, zn_dataset **train, zn_dataset **test) {
    int64_t n = d->rows, groups = d->n_classes > 0 ? d->n_classes : 1, n_test = 0;
    int64_t *idx = malloc((size_t)n * sizeof *idx), *order = malloc((size_t)n * sizeof *order);
    char *held = calloc((size_t)n, 1);
    zn_dataset *all = NULL;
    int rc = 1;
    if (!idx || !order || !held) {
        rc = cli_error("out of memory");
        goto done;
    }
    zn_rng rng;
    zn_rng_seed(&rng, seed);
    for (int64_t g = 0; g < groups; g++) {
        int64_t m = 0;
        for (int64_t r = 0; r < n; r++)
            if (groups == 1 || class_of(d, r) == g) idx[m++] = r;
        for (int64_t i = m - 1; i > 0; i--) { /* Fisher-Yates */
            int64_t j = (int64_t)zn_rng_below(&rng, (uint64_t)i + 1), t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int64_t k = (int64_t)(fraction * (double)m + 0.5);
        for (int64_t i = 0; i < k; i++) held[idx[i]] = 1;
        n_test += k;
    }
    if (n_test == 0 || n_test == n) {
        rc = cli_error("--test-split %g of %lld rows leaves %s", fraction, (long long)n,
                       n_test ? "no row to train on" : "no test row");
        goto done;
    }
    int64_t a = 0, b = n_test; /* test rows first, then training rows, each in file order */
    for (int64_t r = 0; r < n; r++) order[held[r] ? a++ : b++] = r;
    zn_status s = zn_dataset_copy(d, &all);
    if (s != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        memcpy(all->x + i * d->n_in, d->x + order[i] * d->n_in, (size_t)d->n_in * sizeof(float));
        if (d->y) memcpy(all->y + i * d->n_out, d->y + order[i] * d->n_out, (size_t)d->n_out * sizeof(float));
        if (d->labels) all->labels[i] = d->labels[order[i]];
    }
    s = zn_dataset_slice(all, 0, n_test, test);
    if (s == ZN_OK) s = zn_dataset_slice(all, n_test, n, train);
    rc = s == ZN_OK ? 0 : cli_fail(s);
done:
    zn_dataset_free(all);
    free(idx);
    free(order);
    free(held);
    return rc;
}

/* The last column's name in a CSV header (for the task line), or "". */
static void last_header_column(const char *path, char *buf, size_t cap) {
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[4096];
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *delims = ",;\t";
        char best = ',';
        size_t best_n = 0;
        for (const char *d = delims; *d; d++) {
            size_t c = 0;
            for (const char *p = line; *p; p++) c += *p == *d;
            if (c > best_n) best_n = c, best = *d;
        }
        const char *last = strrchr(line, best);
        last = last ? last + 1 : line;
        size_t n = strlen(last);
        if (n >= 2 && last[0] == '"' && last[n - 1] == '"') last++, n -= 2;
        snprintf(buf, cap, "%.*s", (int)(n < 64 ? n : 64), last);
    }
    fclose(f);
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static int64_t distinct_values(const zn_dataset *d, int64_t col) {
    float *v = malloc((size_t)d->rows * sizeof *v);
    if (!v) return -1;
    for (int64_t r = 0; r < d->rows; r++) v[r] = d->y[r * d->n_out + col];
    qsort(v, (size_t)d->rows, sizeof *v, cmp_float);
    int64_t n = d->rows > 0;
    for (int64_t r = 1; r < d->rows; r++) n += v[r] != v[r - 1];
    free(v);
    return n;
}

/* "classify (target 'label': 10 classes, inferred)" and the like. */
static void describe_task(const train_args *a, const zn_dataset *d, int fann, char *buf, size_t cap) {
    const char *how = a->task ? "--task" : "inferred; --task to change";
    if (fann) {
        snprintf(buf, cap, "regression (FANN data: %lld output%s)", (long long)d->n_out, d->n_out == 1 ? "" : "s");
        return;
    }
    char name[80];
    if (a->n_targets == 1)
        snprintf(name, sizeof name, "%.64s", a->targets[0]);
    else if (d->n_classes == 0 && d->n_out == 1 && d->out_names)
        snprintf(name, sizeof name, "%.64s", d->out_names[0]);
    else
        last_header_column(a->data, name, sizeof name);
    if (d->n_classes > 0)
        snprintf(buf, cap, "classify (target '%s': %lld classes; %s)", name, (long long)d->n_classes, how);
    else if (d->n_out == 1)
        snprintf(buf, cap, "regression (target '%s': %lld distinct numbers; %s)", name,
                 (long long)distinct_values(d, 0), how);
    else
        snprintf(buf, cap, "regression (%lld targets; %s)", (long long)d->n_out, how);
}

int train_data_load(const train_args *a, train_data *d) {
    memset(d, 0, sizeof *d);
    d->fann = cli_is_fann_file(a->data);
    if (d->fann && a->n_targets) return cli_error("--target names a CSV column; %s is a FANN data file", a->data);
    if (d->fann && a->kind == ZN_TARGET_CLASSES)
        return cli_error("--task classify needs a CSV column of labels; %s is a FANN data file (numeric outputs)",
                         a->data);
    /* Class targets stay indexes (a one-hot matrix of 1M rows and 256 classes is 1 GB); cascade reads one-hot. */
    cli_data_opts dopt = {a->targets, a->n_targets, a->allow_nan, a->kind, a->max_memory, !a->cascade};
    zn_status s = cli_load_data(a->data, &dopt, &d->train);
    if (s != ZN_OK) return cli_fail(s);
    if (d->train->rows < 1) return cli_error("%s: no rows to train on", a->data);
    describe_task(a, d->train, d->fann, d->task, sizeof d->task);
    if (d->train->n_classes == 1)
        return cli_error("%s: every row has the same class ('%s'); a classifier needs at least two", a->data,
                         d->train->class_names ? d->train->class_names[0] : "?");
    int rc;
    if (a->test_split > 0) {
        zn_dataset *all = d->train;
        d->train = NULL;
        rc = split_rows(all, a->test_split, (uint64_t)a->seed, &d->train, &d->test);
        zn_dataset_free(all);
        if (rc) return rc;
        d->test_name = "--test-split";
    }
    if (a->test) {
        if ((rc = load_like(a->test, &dopt, d->train, a->data, &d->test)) != 0) return rc;
        d->test_name = a->test;
    }
    if (a->val && (rc = load_like(a->val, &dopt, d->train, a->data, &d->val)) != 0) return rc;
    return 0;
}

void train_data_free(train_data *d) {
    zn_dataset_free(d->train);
    zn_dataset_free(d->test);
    zn_dataset_free(d->val);
    memset(d, 0, sizeof *d);
}
