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

#endif
