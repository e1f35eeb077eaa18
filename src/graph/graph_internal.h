/* The graph engine's insides: nodes, ops, plans and workspaces. */
#ifndef ZN_GRAPH_INTERNAL_H
#define ZN_GRAPH_INTERNAL_H

#include "act/nact.h"
#include "kernels/kernels.h"
#include "zenn/gemm.h"
#include "zenn/graph.h"

/* Every op, declared once: X(ID, name) gives ZN_OP_<ID>, the table entry
 * zn_op_<name>_def (defined in the op's file) and the op's name. A new op is
 * its file and one line in op_list.h. */
typedef enum zn_op {
#define ZN_OP_X(ID, name) ZN_OP_##ID,
#include "graph/op_list.h"
#undef ZN_OP_X
    ZN_OP_COUNT
} zn_op;

#define ZN_MAX_OP_INPUTS 16

struct zn_node {
    int index;
    zn_op op;
    int n_in;
    int in[ZN_MAX_OP_INPUTS]; /* input node indexes */
    int batched;              /* the value has a leading batch dimension */
    /* The shape after the batch dimension (batched nodes) or of the whole
     * tensor (parameters, constants); losses are [1]. */
    int nd;
    int64_t dim[ZN_MAX_DIMS];
    int seq_axis;   /* the axis of dim that follows the run-time sequence length, or -1 */
    zn_dtype dtype; /* ZN_F32, or ZN_I32 for ids */
    /* The 2-D view every op may use: cols = the last dim, rows = the product
     * of the others (zn_node_set_shape keeps them in step with dim). */
    int64_t rows, cols;
    zn_op_attrs a;
    zn_init init;
    float init_scale;
    char *name;     /* inputs and parameters; NULL otherwise */
    int param;      /* parameter tensor index, or -1 */
    int constant;   /* constant tensor index, or -1 */
    int input;      /* input index, or -1 */
    int wants_grad; /* an input whose gradient training computes (zn_input_requires_grad) */
};

/* Sets a node's shape (nd in 1..ZN_MAX_DIMS, every dim >= 1) and its 2-D
 * view; 0 when the shape is invalid or its size overflows. */
int zn_node_set_shape(zn_node *n, int nd, const int64_t *dim);
/* A node to fill in: no inputs, no seq axis, float, shape unset. */
zn_node zn_node_blank(void);
/* A node of x's shape (batch, dims, seq axis, dtype), to fill in. */
zn_node zn_node_like(const zn_node *x);
/* "[B, 96, 32]" (batched) or "[4, 3]": for error messages. */
const char *zn_shape_str(const zn_node *n, char *buf, size_t size);

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

typedef struct zn_exec {
    int64_t batch;
    const int64_t *seq;        /* per node: the run-time length of its seq axis (unused without one) */
    float **val;               /* per node: value (batch x size for batched nodes; ids are int32_t) */
    float **grad;              /* per node: gradient of the loss, or NULL */
    float **aux;               /* per node: kept from forward to backward (or readers), or NULL */
    float **scratch;           /* per node: temporary floats of its own steps, or NULL */
    float **state;             /* per node: state kept between calls (op's state_size), or NULL */
    unsigned char *state_live; /* per node: state holds values (else the op starts from zeros) */
    unsigned char *grad_ready; /* per node: gradient zeroed/written this pass */
    /* per node: its aux and scratch were sized with training 1 (a training
     * workspace's trained nodes), so inference passes may use either size;
     * NULL in inference workspaces */
    const unsigned char *sized_for_training;
    /* per node: its weights packed by zn_ws_pack_weights (op's pack), or
     * NULL; NULL in training passes */
    const float *const *packed;
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
    unsigned pass;     /* the workspace's count of passes (zn_gemm_opts.pass) */
    zn_status *status; /* an op that meets bad input (an id out of range) sets it with zn_exec_fail */
} zn_exec;

/* The factor for a contribution to the gradient of input `slot` of n: 1,
 * or the fused step's -lr when that input is a parameter. */
static inline float zn_exec_grad_scale(const zn_exec *e, const zn_node *n, int slot) {
    return e->param_scale != 0.0f && e->nodes[n->in[slot]].op == ZN_OP_PARAM ? e->param_scale : 1.0f;
}

/* Run-time sizes: a node's seq axis follows the pass's sequence length. */
static inline int64_t zn_exec_dim(const zn_exec *e, const zn_node *n, int axis) {
    return axis == n->seq_axis ? e->seq[n->index] : n->dim[axis];
}
/* Elements per sample (all elements for unbatched nodes). */
static inline int64_t zn_exec_size(const zn_exec *e, const zn_node *n) {
    return n->seq_axis < 0 ? n->rows * n->cols : n->rows * n->cols / n->dim[n->seq_axis] * e->seq[n->index];
}
/* Elements of the whole value in this pass. */
static inline int64_t zn_exec_count(const zn_exec *e, const zn_node *n) {
    return zn_exec_size(e, n) * (n->batched ? e->batch : 1);
}
/* The 2-D view in this pass: rows (batch included) x cols. */
static inline int64_t zn_exec_cols(const zn_exec *e, const zn_node *n) {
    return n->seq_axis == n->nd - 1 ? e->seq[n->index] : n->cols;
}
static inline int64_t zn_exec_rows(const zn_exec *e, const zn_node *n) {
    return zn_exec_count(e, n) / zn_exec_cols(e, n);
}

/* The value of n as [outer, len, inner] around `axis` in this pass: outer
 * the batch times the dims before it, len the axis, inner the dims after. */
void zn_exec_around(const zn_exec *e, const zn_node *n, int axis, int64_t *outer, int64_t *len, int64_t *inner);
/* GEMM options for this pass: the workspace's pool, thread cap and pass count. */
zn_gemm_opts zn_exec_gemm_opts(const zn_exec *e);

/* Records an op's failure in this pass (the first one wins) with a message. */
void zn_exec_fail(const zn_exec *e, zn_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Properties of an op that the compiler and the planner read. */
enum {
    ZN_OPF_LEAF = 1,           /* input, parameter or constant: bound or stored, never computed */
    ZN_OPF_LOSS = 2,           /* a scalar loss: may be the root of training */
    ZN_OPF_SCALES_GRAD = 4,    /* its backward scales parameter inputs' contributions by zn_exec_grad_scale,
                                  so a fused SGD step may write a parameter input in place */
    ZN_OPF_FUSED_MULTI = 32,   /* ... and several parameter inputs at once (its backward never reads a
                                  parameter after writing another's gradient) */
    ZN_OPF_BWD_DECLARED = 128, /* bwd_reads lists what its backward reads (else: every input and its value) */
    ZN_OPF_VIEW = 64,          /* its value is input 0's in another shape: no buffer, no forward work */
    ZN_OPF_ELEMENTWISE = 8,    /* value[i] depends on inputs[i] alone: forward_range may run any part */
    ZN_OPF_LINEAR = 16,        /* y = x W (+ b): x at slot 0 with W's rows as its last axis, W (rows x cols)
                                  at slot 1, optional bias at slot 2: the planner's packed-weight paths */
};

#define ZN_BWD_OUTPUT (1u << 31)

typedef struct zn_op_def {
    const char *name;
    unsigned flags;
    void (*forward)(const zn_exec *e, const zn_node *n);
    /* Adds this node's contribution to its inputs' gradients (those not NULL). */
    void (*backward)(const zn_exec *e, const zn_node *n);
    /* Floats per sample kept from forward to backward (training) or for the
     * node's readers (inference, where the op may need less): e->aux. */
    int64_t (*aux_size)(const zn_node *n, int training);
    /* Floats (in all, for batches up to max_batch) the op needs during its
     * own forward and backward steps only: e->scratch. */
    int64_t (*scratch_size)(const zn_node *n, int64_t max_batch, int training);
    /* ZN_OPF_ELEMENTWISE: forward over elements [lo, hi) of the value, the same bits as the whole pass. */
    void (*forward_range)(const zn_exec *e, const zn_node *n, int64_t lo, int64_t hi);
    /* The node's run-time sequence length from its inputs' (in_seq[k] for input k, -1 where that input
     * has no seq axis); NULL: the first input's that has one. */
    int64_t (*seq_out)(const zn_node *n, const int64_t *in_seq);
    /* ZN_OPF_BWD_DECLARED: bit k set when backward reads input k's value,
     * ZN_BWD_OUTPUT when it reads its own; training frees the others early. */
    unsigned bwd_reads;
    /* Runs the op's builder on `in` with the attributes of info (zn_graph_add_node). */
    zn_node *(*rebuild)(zn_graph *g, zn_node *const *in, const zn_node_info *info);
    /* Floats per sample of state kept between calls (an RNN's h and c); NULL: none. */
    int64_t (*state_size)(const zn_node *n);
    /* Weights an inference workspace keeps packed for the op's kernels
     * (zn_ws_pack_weights): floats for batches up to max_batch (0: none),
     * and the packing from the node's inputs' values (val, per node) into
     * dst. The op then finds them in e->packed[n->index]. NULL: none. */
    int64_t (*packed_size)(const zn_node *n, int64_t max_batch);
    zn_status (*pack)(const zn_node *n, const float *const *val, int64_t max_batch, float *dst);
} zn_op_def;

const zn_op_def *zn_op_def_get(zn_op op);
/* The op of that name, or -1. */
int zn_op_by_name(const char *name);

/* Every op's table entry, defined in its file. */
#define ZN_OP_X(ID, name) extern const zn_op_def zn_op_##name##_def;
#include "graph/op_list.h"
#undef ZN_OP_X

static inline int zn_op_is_leaf(zn_op op) { return (zn_op_def_get(op)->flags & ZN_OPF_LEAF) != 0; }

/* The gradient buffer of input slot `slot` of n, zeroed on first use in a
 * pass; NULL when that input takes no gradient. */
float *zn_exec_input_grad(const zn_exec *e, const zn_node *n, int slot);
/* The same buffer for an op that writes all of it: *beta is 0 on first use
 * in a pass (the buffer is not zeroed; the op overwrites it) and 1 after
 * (the op adds to it). */
float *zn_exec_input_grad_beta(const zn_exec *e, const zn_node *n, int slot, float *beta);

/* The layer pairs a workspace runs as one job each (tests look). */
int zn_ws_layer_pairs(const zn_ws *ws);

#endif
