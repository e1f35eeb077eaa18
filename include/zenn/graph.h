/* Computation graphs with reverse-mode autodiff, compiled into models.
 *
 * Build a graph with the node functions below; every node's value has a
 * leading batch dimension (implied, any size up to the workspace's maximum)
 * followed by `features` values per sample. Parameters (weights) have no
 * batch dimension. A builder that fails returns NULL and records the first
 * error in the graph; later builders given a NULL node also return NULL, so
 * a whole network can be written without checks and the error read once, from
 * zn_graph_status() or from zn_model_compile().
 *
 *   zn_graph *g;  zn_graph_create(&g);
 *   zn_node *x = zn_input(g, "x", 784);
 *   zn_node *h = zn_activation(g, zn_dense(g, x, 128, "fc1"), ZN_NACT_RELU, 1.0f);
 *   zn_node *y = zn_dense(g, h, 10, "fc2");
 *   zn_node *p = zn_softmax(g, y);                         // the prediction
 *   zn_node *loss = zn_softmax_xent(g, y, zn_input(g, "label", 10));
 *   zn_model *m;  zn_model_compile(g, &p, 1, loss, 42, &m); // seed 42; g may be freed now
 *
 * A compiled zn_model holds the parameters in one 64-byte aligned block and
 * never changes while it runs: any number of threads may run one model at
 * once, each with its own zn_ws (workspace) holding activations, gradients
 * and random state. Only training (writing the parameters) needs exclusive
 * access. */
#ifndef ZENN_GRAPH_H
#define ZENN_GRAPH_H

#include "zenn/base.h"
#include "zenn/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zn_graph zn_graph;
typedef struct zn_node zn_node;
typedef struct zn_model zn_model;
typedef struct zn_ws zn_ws;

/* Neuron activations: FANN's twenty (applied to steepness * x, with FANN's
 * formulas; s is the steepness) and the modern ones. FANN's sigmoids carry
 * FANN_ in their names: FANN doubles the steepness, so ZN_NACT_FANN_SIGMOID
 * is vmath.h's logistic ZN_ACT_SIGMOID only at steepness 0.5. The values are
 * FANN's activation numbers (its files and API map to them): never reorder. */
typedef enum zn_nact {
    ZN_NACT_LINEAR = 0,
    ZN_NACT_THRESHOLD,
    ZN_NACT_THRESHOLD_SYMMETRIC,
    ZN_NACT_FANN_SIGMOID,                    /* 1 / (1 + exp(-2 s x)), "sigmoid" */
    ZN_NACT_FANN_SIGMOID_STEPWISE,           /* FANN_SIGMOID, linear between FANN's six points */
    ZN_NACT_FANN_SIGMOID_SYMMETRIC,          /* 2 / (1 + exp(-2 s x)) - 1 = tanh(s x), "sigmoid_symmetric" */
    ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE, /* FANN_SIGMOID_SYMMETRIC, linear between FANN's six points */
    ZN_NACT_GAUSSIAN,
    ZN_NACT_GAUSSIAN_SYMMETRIC,
    ZN_NACT_GAUSSIAN_STEPWISE,
    ZN_NACT_ELLIOT,
    ZN_NACT_ELLIOT_SYMMETRIC,
    ZN_NACT_LINEAR_PIECE,
    ZN_NACT_LINEAR_PIECE_SYMMETRIC,
    ZN_NACT_SIN_SYMMETRIC,
    ZN_NACT_COS_SYMMETRIC,
    ZN_NACT_SIN,
    ZN_NACT_COS,
    ZN_NACT_LINEAR_PIECE_RECT,
    ZN_NACT_LINEAR_PIECE_RECT_LEAKY,
    /* modern */
    ZN_NACT_RELU,
    ZN_NACT_LEAKY_RELU, /* slope 0.01 below zero */
    ZN_NACT_ELU,
    ZN_NACT_GELU, /* tanh form */
    ZN_NACT_SILU,
    ZN_NACT_SOFTPLUS,
    ZN_NACT_TANH,
    ZN_NACT_COUNT
} zn_nact;

/* Old names of FANN's sigmoids, kept for source compatibility (deprecated). */
#define ZN_NACT_SIGMOID ZN_NACT_FANN_SIGMOID
#define ZN_NACT_SIGMOID_STEPWISE ZN_NACT_FANN_SIGMOID_STEPWISE
#define ZN_NACT_SIGMOID_SYMMETRIC ZN_NACT_FANN_SIGMOID_SYMMETRIC
#define ZN_NACT_SIGMOID_SYMMETRIC_STEPWISE ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE

/* "sigmoid_symmetric", "relu", ... and back ("sigmoid-symmetric" too); -1 when unknown. */
ZN_API const char *zn_nact_name(zn_nact act);
ZN_API int zn_nact_from_name(const char *name);

/* Parameter initialisation. */
typedef enum zn_init {
    ZN_INIT_UNIFORM = 0, /* uniform in [-scale, scale] (FANN's random weights: scale 0.1) */
    ZN_INIT_XAVIER,      /* uniform, limit sqrt(6 / (fan_in + fan_out)) */
    ZN_INIT_HE,          /* normal, sd sqrt(2 / fan_in) */
    ZN_INIT_ZERO,
    ZN_INIT_CONSTANT,    /* every value = scale */
    ZN_INIT_SPARSE_MASK, /* 0/1 connection mask of rows inputs x cols units keeping a fraction `scale`
                            (FANN's connection rate): every unit keeps an input, every input a unit */
} zn_init;

ZN_API zn_status zn_graph_create(zn_graph **out);
ZN_API void zn_graph_free(zn_graph *g);
ZN_API zn_status zn_graph_status(const zn_graph *g); /* the first builder error, or ZN_OK */
ZN_API int zn_graph_node_count(const zn_graph *g);

/* ---- leaves ------------------------------------------------------------ */

/* A batch input with `features` values per sample, bound by name at run time. */
ZN_API zn_node *zn_input(zn_graph *g, const char *name, int64_t features);
/* A trainable parameter of rows x cols (cols = 1 for a vector). */
ZN_API zn_node *zn_param(zn_graph *g, const char *name, int64_t rows, int64_t cols, zn_init init, float scale);

/* A constant of rows x cols, made at compile time from `init` and the seed
 * and saved with the model, but never trained (masks, fixed tables). */
ZN_API zn_node *zn_const(zn_graph *g, const char *name, int64_t rows, int64_t cols, zn_init init, float scale);

/* ---- layers and ops ---------------------------------------------------------- */

/* y = x W + b with W: in x units, b: units (parameters "<name>.weight",
 * "<name>.bias"; Xavier initialisation). */
ZN_API zn_node *zn_dense(zn_graph *g, zn_node *x, int64_t units, const char *name);
/* y = x W (+ b when b is not NULL); W and b are unbatched nodes (parameters,
 * or ops on them such as a masked weight zn_mul(W, mask)), W of in x out. */
ZN_API zn_node *zn_matmul(zn_graph *g, zn_node *x, zn_node *w, zn_node *b);

ZN_API zn_node *zn_add(zn_graph *g, zn_node *a, zn_node *b); /* same shape */
ZN_API zn_node *zn_sub(zn_graph *g, zn_node *a, zn_node *b);
ZN_API zn_node *zn_mul(zn_graph *g, zn_node *a, zn_node *b); /* element-wise */
ZN_API zn_node *zn_scale(zn_graph *g, zn_node *a, float s);
ZN_API zn_node *zn_concat(zn_graph *g, zn_node *a, zn_node *b);                /* along features */
ZN_API zn_node *zn_slice(zn_graph *g, zn_node *a, int64_t begin, int64_t end); /* features [begin, end) */

/* y = f(steepness * x). */
ZN_API zn_node *zn_activation(zn_graph *g, zn_node *x, zn_nact act, float steepness);
/* The same, but backpropagating FANN's derivative formulas, not the exact
 * ones: FANN clips the output of sigmoid-like functions (to [0.01, 0.99] or
 * [-0.98, 0.98]) before taking the derivative, so saturated neurons keep
 * learning ("flat spot elimination"), gives linear-piece functions their
 * slope everywhere, and keeps its quirks for gaussian and sine/cosine. Use
 * it to train as FANN trains. */
ZN_API zn_node *zn_activation_fann(zn_graph *g, zn_node *x, zn_nact act, float steepness);
/* FANN's derivative for neuron input x (before steepness) and output y. */
ZN_API float zn_nact_fann_derivative(zn_nact act, float steepness, float x, float y);
ZN_API zn_node *zn_softmax(zn_graph *g, zn_node *x); /* over the features of each sample */
/* Inverted dropout: in training, zeroes a fraction `rate` and scales the rest
 * by 1/(1-rate); the identity in inference. */
ZN_API zn_node *zn_dropout(zn_graph *g, zn_node *x, float rate);

/* ---- losses: scalar nodes, averaged over the batch ------------------------------------- */

ZN_API zn_node *zn_mse(zn_graph *g, zn_node *y, zn_node *target); /* mean over batch and features */
/* FANN's error function: 0.5 * sum over features of (y - t)^2, mean over the batch. */
ZN_API zn_node *zn_sse(zn_graph *g, zn_node *y, zn_node *target);
ZN_API zn_node *zn_mae(zn_graph *g, zn_node *y, zn_node *target);
ZN_API zn_node *zn_huber(zn_graph *g, zn_node *y, zn_node *target, float delta);
/* FANN's tanh error function: per output F(d) = (1+d) ln(1+d) + (1-d) ln(1-d)
 * with d = target - y, so the error sent back is ln((1+d)/(1-d)) (FANN
 * clamps it to +-17 where |d| >= 0.9999999); summed over the outputs, mean
 * over the batch. It punishes large errors harder than SSE. */
ZN_API zn_node *zn_tanh_error(zn_graph *g, zn_node *y, zn_node *target);
/* The same for FANN's symmetric output functions: FANN first halves the
 * difference (outputs and targets in [-1, 1]), so per output 2 F(d/2),
 * whose slope ln((1+d/2)/(1-d/2)) is what FANN sends back. */
ZN_API zn_node *zn_tanh_error_symmetric(zn_graph *g, zn_node *y, zn_node *target);
/* Binary cross-entropy on logits (sigmoid fused in, stable for any logit). */
ZN_API zn_node *zn_bce_logits(zn_graph *g, zn_node *logits, zn_node *target);
/* Softmax cross-entropy on logits against a one-hot (or soft) target: sum
 * over classes, mean over the batch. */
ZN_API zn_node *zn_softmax_xent(zn_graph *g, zn_node *logits, zn_node *target);

/* ---- models ---------------------------------------------------------------------- */

/* Compiles outputs (what inference computes) and an optional scalar loss
 * (what training minimises) into a model with freshly initialised
 * parameters drawn from `seed`. The graph is copied: free it when you like. */
ZN_API zn_status zn_model_compile(const zn_graph *g, zn_node *const *outputs, int n_outputs, zn_node *loss,
                                  uint64_t seed, zn_model **out);
ZN_API void zn_model_free(zn_model *m);

/* All parameters as one flat array, in the order they were declared. */
ZN_API float *zn_model_params(zn_model *m, int64_t *count);
ZN_API const float *zn_model_params_const(const zn_model *m, int64_t *count);
ZN_API int zn_model_param_tensors(const zn_model *m); /* how many named parameters */
/* Name, shape and offset (into the flat array) of parameter i. */
ZN_API zn_status zn_model_param_info(const zn_model *m, int i, const char **name, int64_t *rows, int64_t *cols,
                                     int64_t *offset);
/* Constants (zn_const), in their own block, in the order declared. */
ZN_API float *zn_model_consts(zn_model *m, int64_t *count);
ZN_API int zn_model_const_tensors(const zn_model *m);
ZN_API zn_status zn_model_const_info(const zn_model *m, int i, const char **name, int64_t *rows, int64_t *cols,
                                     int64_t *offset);
/* Input and output sizes (features per sample), by position. */
ZN_API int zn_model_input_count(const zn_model *m);
ZN_API int zn_model_output_count(const zn_model *m);
ZN_API const char *zn_model_input_name(const zn_model *m, int i);
ZN_API int64_t zn_model_input_features(const zn_model *m, int i);
ZN_API int64_t zn_model_output_features(const zn_model *m, int i);
/* Output i's node index when the pass to the loss (zn_model_loss,
 * zn_model_backward) computes it, so that zn_ws_node_value reads it after
 * that pass; -1 otherwise (no loss, or an output off the loss's path). */
ZN_API int zn_model_loss_output_node(const zn_model *m, int i);
/* Non-zero when a dropout with a rate above 0 is in the model: its training
 * passes then compute other values than its evaluation passes. */
ZN_API int zn_model_has_dropout(const zn_model *m);
ZN_API int zn_model_has_loss(const zn_model *m);

/* ---- workspaces ------------------------------------------------------------------------- */

typedef enum zn_ws_mode { ZN_WS_INFER = 0, ZN_WS_TRAIN = 1 } zn_ws_mode;

typedef struct zn_ws_opts {
    int64_t max_batch; /* largest batch this workspace runs */
    zn_ws_mode mode;
    size_t budget_bytes; /* 0: none; otherwise creation fails with ZN_ERR_BUDGET past it */
    zn_pool *pool;       /* NULL: the default pool */
    int max_threads;     /* 0: the pool's size (training passes: the pool's size or the caller alone,
                            whichever trains faster, timed as it goes; ZN_POOL_ADAPT=0 keeps the pool's) */
    uint64_t seed;       /* dropout's random stream */
} zn_ws_opts;

ZN_API zn_ws_opts zn_ws_opts_default(void);
ZN_API zn_status zn_ws_create(const zn_model *m, const zn_ws_opts *opts, zn_ws **out);
ZN_API void zn_ws_free(zn_ws *ws);
ZN_API size_t zn_ws_bytes(const zn_ws *ws); /* the workspace's size */
ZN_API int64_t zn_ws_max_batch(const zn_ws *ws);
/* Inference workspaces: keeps a copy of dense layers' weights laid out for
 * the kernels, which zn_model_forward then reads instead of the parameters.
 * - max_batch >= 2: every layer's W packed for the GEMM kernels (batches of
 *   two rows or more read it; one row reads the parameters). GEMM packs its
 *   operand on every call otherwise.
 * - max_batch 1: W^T of the layers with more than 256 outputs and at most
 *   1.5M weights, read as a dot product per output (one sequential stream per
 *   row instead of strided passes over W's rows); other layers read the
 *   parameters. Those outputs differ from an unpacked workspace's by
 *   rounding only (the sums run in another order).
 * The copy is taken now: after the parameters change, call again (it is
 * repacked in place). Adds the copy's size to zn_ws_bytes and the budget. */
ZN_API zn_status zn_ws_pack_weights(zn_ws *ws, const zn_model *m);

/* Runs the outputs on `batch` samples. `inputs` has one entry per model
 * input (zn_model_input_count, in the order of zn_model_input_name):
 * batch x features(i) floats, or NULL for an input the outputs do not need
 * (a target used only by the loss); outputs[j] receives batch x features(j)
 * floats. */
ZN_API zn_status zn_model_forward(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs,
                                  float *const *outputs);

/* One training pass: forward to the loss, then backward. The loss value is
 * stored in *loss; the gradient of the loss with respect to every parameter
 * is left in the workspace (zn_ws_grads), in the layout of zn_model_params. */
ZN_API zn_status zn_model_backward(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs,
                                   float *loss);
ZN_API float *zn_ws_grads(zn_ws *ws, int64_t *count);

/* One plain SGD step fused into backpropagation: every parameter moves by
 * -lr times its gradient as soon as that gradient is known, with no
 * gradient array and no separate update pass (what FANN's incremental
 * training does). Same result as zn_model_backward followed by
 * w -= lr * grad, up to rounding. ZN_ERR_UNSUPPORTED when a parameter feeds
 * more than one op (then use zn_model_backward and an optimizer); the
 * workspace's gradient array is left untouched. Writes the model. */
ZN_API zn_status zn_model_train_sgd(zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs, float lr,
                                    float *loss);
/* Incremental training on n samples in turn: exactly n calls of
 * zn_model_train_sgd with batch 1, on row t of every input (inputs[i]
 * holds n rows), bit for bit. Faster: the update of the first layer that
 * reads an input also computes that layer's product for the next sample,
 * in the same pass over its weights. *loss: the mean of the n losses. The
 * rows must not change during the call. */
ZN_API zn_status zn_model_train_sgd_seq(zn_model *m, zn_ws *ws, int64_t n, const float *const *inputs, float lr,
                                        float *loss);

/* The loss on `batch` samples without the backward pass (validation). */
ZN_API zn_status zn_model_loss(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs, float *loss);

/* The value of any node after a forward pass in this workspace (batch x
 * features), or NULL when the plan did not compute or keep it. */
ZN_API const float *zn_ws_node_value(const zn_ws *ws, int node_index);
ZN_API int zn_node_index(const zn_node *n);
ZN_API int64_t zn_node_features(const zn_node *n);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_GRAPH_H */
