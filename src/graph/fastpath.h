/* The planner's fast paths: speed tricks that span ops, decided here and
 * nowhere else, so that ops only compute and a new op needs to know none of
 * them. They apply to ops by their table properties (ZN_OPF_LINEAR,
 * ZN_OPF_ELEMENTWISE), never by name:
 * - inference workspaces keep stored weights packed (zn_ws_pack_weights);
 * - at batch 1, linear -> element-wise -> linear runs as one job (a layer pair);
 * - incremental training's update of the first linear op also computes
 *   its product for the next sample (the look-ahead);
 * - large element-wise ops split their elements over the pool. */
#ifndef ZN_FASTPATH_H
#define ZN_FASTPATH_H

#include "graph/ws_internal.h"

/* Incremental training's look-ahead (zn_model_train_sgd_seq): at batch 1
 * the fused update of linear node `node` also computes its product for the
 * next sample's input row `next` (NULL: last sample) into `buf`, and sets
 * `filled`; with `ready` set, the forward pass takes the product from buf. */
typedef struct zn_look {
    int node;
    const float *next;
    float *buf;
    int ready, filled;
} zn_look;

/* What a pass may use besides the ops. */
typedef struct zn_fast {
    const float *const *packed_b; /* NULL, or per node: its W packed (W^T when packed_rows) */
    int packed_rows;
    const unsigned char *pair_step; /* NULL, or the inference plan's layer pairs */
    zn_look *look;                  /* NULL, or the look-ahead */
} zn_fast;

/* Sets m->look_node and m->look_input (-1: none). */
void zn_fast_find_look(zn_model *m);
/* Layer pairs a batch-1 workspace may run: where they may start on the inference plan. */
int zn_fast_pair_shape_at(const zn_model *m, int s);
/* Runs a plan's forward steps. */
void zn_fast_forward(const zn_exec *e, const zn_fast *f, const zn_plan *plan);
/* One node's backward step. */
void zn_fast_backward(const zn_exec *e, const zn_fast *f, const zn_node *n);

#endif
