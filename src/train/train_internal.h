/* Pieces shared by the trainer's files. */
#ifndef ZN_TRAIN_INTERNAL_H
#define ZN_TRAIN_INTERNAL_H

#include "zenn/train.h"

/* A reusable evaluation context: one workspace and an output buffer. */
typedef struct zn_evaluator {
    const zn_model *m;
    zn_ws *ws;
    int64_t chunk;
    float *out;
} zn_evaluator;

zn_status zn_evaluator_init(zn_evaluator *ev, const zn_model *m, int64_t max_rows, zn_pool *pool, int max_threads);
zn_status zn_evaluator_run(zn_evaluator *ev, const zn_dataset *d, float bit_fail_limit, zn_eval *out);
void zn_evaluator_free(zn_evaluator *ev);

/* Ridge regression y ~ x w + b (x rows x n_in, y rows x n_out, row-major):
 * w is n_in x n_out, b n_out. ridge >= 0 is added to the diagonal of x'x
 * (not the intercept's). */
zn_status zn_least_squares(const float *x, const float *y, int64_t rows, int64_t n_in, int64_t n_out, double ridge,
                           float *w, float *b);

#endif
