/* Workspaces' insides, shared by the workspace and the planner's fast paths. */
#ifndef ZN_WS_INTERNAL_H
#define ZN_WS_INTERNAL_H

#include "graph/model_internal.h"
#include "graph/ws_adapt.h"

struct zn_ws {
    const zn_model *m;
    zn_ws_mode mode;
    int64_t max_batch;
    int64_t max_seq; /* 0: the graph's sequence lengths; otherwise the longest a pass may run */
    float *block;
    size_t bytes;
    float **val, **grad, **aux, **scratch, **state;
    unsigned char *grad_ready, *kept, *state_live;
    int64_t *seq;        /* per node: the run-time sequence length of the last pass */
    int64_t state_batch; /* the batch the state was made for (0: no state yet) */
    float *param_grads;
    zn_ws_memory memory; /* zn_ws_memory_report, filled at creation */
    zn_rng rng;
    zn_pool *pool;
    int max_threads;
    size_t budget_bytes;
    /* zn_ws_pack_weights: one block of packed matmul weights, and per node
     * the copy of its W (NULL for other nodes) */
    float *packed;
    size_t packed_bytes;
    const float **packed_b;
    /* per step of the inference plan: 1 where a layer pair starts, 2 for
     * the steps it runs too; NULL: none */
    unsigned char *pair_step;
    int n_pairs;
    zn_pass_adapt adapt; /* training passes: one thread or all (ws_adapt.h) */
    float *look_buf;     /* zn_model_train_sgd_seq's next-sample product, made on first use */
    unsigned passes;     /* passes run: GEMVs alternate their order by it (zn_gemm_opts.pass) */
};

/* Workspaces of one row keep W^T where that is read faster (fastpath.c). */
static inline int zn_ws_packs_rows(const zn_ws *ws) { return ws->max_batch == 1; }

#endif
