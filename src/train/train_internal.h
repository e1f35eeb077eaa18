/* Pieces shared by the trainer's files. */
#ifndef ZN_TRAIN_INTERNAL_H
#define ZN_TRAIN_INTERNAL_H

#include "zenn/train.h"

/* Rows of a dataset: all of them in order (idx NULL, n == d->rows) or the
 * n rows idx names (a validation split without copying the data). */
typedef struct zn_rows {
    const zn_dataset *d;
    const int64_t *idx;
    int64_t n;
} zn_rows;

/* Targets present: y, or labels all in [0, n_out) when y is NULL. */
zn_status zn_check_targets(const zn_dataset *d, const char *fn);
/* Whether rows must be gathered into buffers: picked by index, or targets
 * given as class labels (one-hot per batch). */
int zn_rows_gathered(const zn_rows *rs);
/* Rows at positions pos[0..n) of rs (pos NULL: positions i0..i0+n) into
 * x (n x n_in) and y (n x n_out, labels one-hot encoded). */
void zn_rows_gather(const zn_rows *rs, const int64_t *pos, int64_t i0, int64_t n, float *x, float *y);

/* A reusable evaluation context: one workspace and its buffers. */
typedef struct zn_evaluator {
    const zn_model *m;
    zn_ws *ws;
    int64_t chunk;
    float *out, *xb, *yb; /* xb, yb: gathered rows (NULL until needed) */
} zn_evaluator;

/* The training figures the trainer reports (MSE and bit fails only; the
 * MSE's bits those of zn_evaluator_run on the same outputs). */
zn_status zn_eval_fit_figures(const float *pred, const float *y, int64_t rows, int64_t n_out, float bit_fail_limit,
                              zn_eval *out);
zn_status zn_evaluator_init(zn_evaluator *ev, const zn_model *m, int64_t max_rows, zn_pool *pool, int max_threads);
zn_status zn_evaluator_run(zn_evaluator *ev, const zn_rows *rs, float bit_fail_limit, zn_eval *out);
void zn_evaluator_free(zn_evaluator *ev);

/* Ridge regression y ~ x w + b (x rows x n_in, y rows x n_out, row-major):
 * w is n_in x n_out, b n_out. ridge >= 0 is added to the diagonal of x'x
 * (not the intercept's). */
zn_status zn_least_squares(const float *x, const float *y, int64_t rows, int64_t n_in, int64_t n_out, double ridge,
                           float *w, float *b);

#endif
