/* The graph engine's insides: nodes, ops, plans and workspaces. */
#ifndef ZN_GRAPH_INTERNAL_H
#define ZN_GRAPH_INTERNAL_H

#include "act/nact.h"
#include "kernels/kernels.h"
#include "zenn/gemm.h"
#include "zenn/graph.h"

typedef enum zn_op {
    ZN_OP_INPUT = 0,
    ZN_OP_PARAM,
    ZN_OP_MATMUL,
    ZN_OP_ADD,
    ZN_OP_SUB,
    ZN_OP_MUL,
    ZN_OP_SCALE,
    ZN_OP_CONCAT,
    ZN_OP_SLICE,
    ZN_OP_ACT,
    ZN_OP_SOFTMAX,
    ZN_OP_DROPOUT,
    ZN_OP_MSE,
    ZN_OP_MAE,
    ZN_OP_HUBER,
    ZN_OP_BCE_LOGITS,
    ZN_OP_SOFTMAX_XENT,
    ZN_OP_CONST,
    ZN_OP_TANH_ERROR,
    ZN_OP_COUNT
} zn_op;

#define ZN_MAX_OP_INPUTS 3

struct zn_node {
    int index;
    zn_op op;
    int n_in;
    int in[ZN_MAX_OP_INPUTS]; /* input node indexes */
    int batched;              /* the value has a leading batch dimension */
    int64_t rows, cols;       /* per sample: 1 x cols; parameters: rows x cols; losses: 1 x 1 */
    float f[2];               /* attributes: steepness, rate, scale, delta ... */
    int i[2];                 /* attributes: activation, slice begin ... */
    zn_init init;
    float init_scale;
    char *name;   /* inputs and parameters; NULL otherwise */
    int param;    /* parameter tensor index, or -1 */
    int constant; /* constant tensor index, or -1 */
    int input;    /* input index, or -1 */
};

/* Elements of a node's value: per sample when batched, in all otherwise. */
static inline int64_t zn_node_size(const zn_node *n) { return n->rows * n->cols; }

struct zn_graph {
    zn_node **nodes;
    int count, cap;
    int n_params, n_inputs, n_consts;
    zn_status status; /* first builder error */
    char message[256];
};

/* Adds a node (copied) with the given inputs; returns the graph's copy or
 * NULL after recording an error. Inputs must belong to g. */
zn_node *zn_graph_add(zn_graph *g, zn_op op, const zn_node *proto, int n_in, zn_node *const *in);
/* Records the first error of a builder (and returns NULL for convenience). */
zn_node *zn_graph_fail(zn_graph *g, zn_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Checks builder inputs: non-NULL, from g; NULL after recording an error. */
int zn_graph_check_inputs(zn_graph *g, const char *fn, int n, zn_node *const *in);

/* ---- execution ---------------------------------------------------------------- */

/* Incremental training's look-ahead (zn_model_train_sgd_seq): at batch 1
 * the fused update of matmul `node` also computes its product for the next
 * sample's input row `next` (NULL: last sample) into `buf`, and sets
 * `filled`; with `ready` set, the forward pass takes the product from buf. */
typedef struct zn_look {
    int node;
    const float *next;
    float *buf;
    int ready, filled;
} zn_look;

typedef struct zn_exec {
    int64_t batch;
    float **val;               /* per node: value (batch x size for batched nodes) */
    float **grad;              /* per node: gradient of the loss, or NULL */
    float **aux;               /* per node: scratch kept from forward to backward, or NULL */
    unsigned char *grad_ready; /* per node: gradient zeroed/written this pass */
    const zn_node *nodes;
    const zn_kernels *k;
    zn_pool *pool;
    int max_threads;
    zn_rng *rng;
    int training;
    /* 0: gradients go to gradient buffers. Otherwise a fused SGD step: the
     * gradient of a parameter is added, times this (-lr), straight into the
     * parameter (zn_model_train_sgd). */
    float param_scale;
    /* NULL, or per node: the packed copy of a matmul's W (zn_ws_pack_weights):
     * W^T when packed_rows, else the GEMM's panels */
    const float *const *packed_b;
    int packed_rows;
    zn_look *look; /* NULL, or incremental training's look-ahead */
    unsigned pass; /* the workspace's count of passes (zn_gemm_opts.pass) */
} zn_exec;

/* The factor for a contribution to the gradient of input `slot` of n: 1,
 * or the fused step's -lr when that input is a parameter. */
static inline float zn_exec_grad_scale(const zn_exec *e, const zn_node *n, int slot) {
    return e->param_scale != 0.0f && e->nodes[n->in[slot]].op == ZN_OP_PARAM ? e->param_scale : 1.0f;
}

typedef struct zn_op_def {
    const char *name;
    void (*forward)(const zn_exec *e, const zn_node *n);
    /* Adds this node's contribution to its inputs' gradients (those not NULL). */
    void (*backward)(const zn_exec *e, const zn_node *n);
    /* Scratch floats per sample kept from forward to backward (training only). */
    int64_t (*aux_size)(const zn_node *n);
} zn_op_def;

const zn_op_def *zn_op_def_get(zn_op op);

/* The gradient buffer of input slot `slot` of n, zeroed on first use in a
 * pass; NULL when that input takes no gradient. */
float *zn_exec_input_grad(const zn_exec *e, const zn_node *n, int slot);
/* The same buffer for an op that writes all of it: *beta is 0 on first use
 * in a pass (the buffer is not zeroed; the op overwrites it) and 1 after
 * (the op adds to it). */
float *zn_exec_input_grad_beta(const zn_exec *e, const zn_node *n, int slot, float *beta);

/* Op tables of each family (one file each). */
extern const zn_op_def zn_op_input_def, zn_op_param_def, zn_op_const_def;
/* Inputs, parameters and constants: values bound or stored, never computed. */
static inline int zn_op_is_leaf(zn_op op) { return op == ZN_OP_INPUT || op == ZN_OP_PARAM || op == ZN_OP_CONST; }
extern const zn_op_def zn_op_matmul_def, zn_op_add_def, zn_op_sub_def, zn_op_mul_def, zn_op_scale_def, zn_op_concat_def,
    zn_op_slice_def;
extern const zn_op_def zn_op_act_def, zn_op_softmax_def, zn_op_dropout_def;
extern const zn_op_def zn_op_mse_def, zn_op_mae_def, zn_op_huber_def, zn_op_bce_logits_def, zn_op_softmax_xent_def,
    zn_op_tanh_error_def;

/* An activation node's forward pass over elements [lo, hi) of its value
 * (element-wise: the same bits as the whole pass gives them). */
void zn_act_forward_range(const zn_exec *e, const zn_node *n, int64_t lo, int64_t hi);
/* Batch-1 inference's layer pair: matmul m1 (W^T packed in rows), the
 * activation act of its value alone, and matmul m2 of act's value alone
 * (W read in place), run as one job (zn_gemv_pair_run); m2's bias too. */
void zn_matmul_pair_forward(const zn_exec *e, const zn_node *m1, const zn_node *act, const zn_node *m2);

/* The layer pairs a workspace runs as one job each (tests look). */
int zn_ws_layer_pairs(const zn_ws *ws);

#endif
