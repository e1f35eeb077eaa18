/* Computation graphs with reverse-mode autodiff, compiled into models.
 *
 * Build a graph with the node functions below; every node's value has a
 * leading batch dimension (implied, any size up to the workspace's maximum)
 * followed by 1 to 4 dimensions per sample ([B, features], [B, T, C] for
 * sequences, [B, H, T, D] for heads); one of them may be a sequence axis
 * whose length a pass may shorten (zn_feed.seq_len). Parameters (weights)
 * have no batch dimension. A builder that fails returns NULL and records the first
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
#include "zenn/tensor.h"

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

/* Typed attributes of a node: what its op's builder fixed (kernel sizes,
 * strides, an axis, an activation, a rate). Fields an op does not use are 0. */
typedef struct zn_op_attrs {
    int64_t kernel, stride, dilation, groups, heads, axis;
    int64_t pad[2];  /* left and right padding */
    int64_t size[4]; /* op-specific sizes (slice begin/end, output length, ...) */
    int flags;       /* op-specific bits */
    int act;         /* an activation (zn_nact) */
    float f[4];      /* op-specific reals: steepness, rate, scale, eps, delta, ... */
} zn_op_attrs;

ZN_API zn_status zn_graph_create(zn_graph **out);
ZN_API void zn_graph_free(zn_graph *g);
ZN_API zn_status zn_graph_status(const zn_graph *g); /* the first builder error, or ZN_OK */
/* Records a builder error (the first one wins) for builders outside the
 * library's ops, such as layers made of several ops; returns NULL. */
ZN_API zn_node *zn_graph_error(zn_graph *g, zn_status s, const char *message);
ZN_API int zn_graph_node_count(const zn_graph *g);

/* ---- leaves ------------------------------------------------------------ */

/* A batch input with `features` values per sample, bound by name at run time. */
ZN_API zn_node *zn_input(zn_graph *g, const char *name, int64_t features);
/* A batch input of shape [batch, dims[0], ..., dims[nd-1]] (nd 1 to 4) of
 * ZN_F32 values or ZN_I32 ids (token or category numbers). seq_axis: the
 * axis (0-based, into dims) whose length may be shorter in a pass, up to
 * dims[seq_axis] (zn_feed.seq_len), or -1 for none. */
ZN_API zn_node *zn_input_nd(zn_graph *g, const char *name, zn_dtype dtype, int nd, const int64_t *dims, int seq_axis);
/* Training computes the gradient of the loss with respect to this (float)
 * input too, read after a pass with zn_ws_input_grad (saliency, attacks,
 * or a layer's input gradient in a benchmark). */
ZN_API zn_status zn_input_requires_grad(zn_graph *g, zn_node *input);
/* A sequence [batch, T, features] with T up to max_len in each pass. */
ZN_API zn_node *zn_input_seq(zn_graph *g, const char *name, int64_t max_len, int64_t features);
/* Ids [batch, T] (int32), T up to max_len in each pass. */
ZN_API zn_node *zn_input_ids(zn_graph *g, const char *name, int64_t max_len);
/* A trainable parameter of rows x cols (cols = 1 for a vector). */
ZN_API zn_node *zn_param(zn_graph *g, const char *name, int64_t rows, int64_t cols, zn_init init, float scale);

/* A parameter of nd (1 to 4) dims, such as a convolution's [out, in, kernel]
 * in PyTorch's layout (the initialisations' fan-in is then in x kernel). */
ZN_API zn_node *zn_param_nd(zn_graph *g, const char *name, int nd, const int64_t *dims, zn_init init, float scale);

/* A constant of rows x cols, made at compile time from `init` and the seed
 * and saved with the model, but never trained (masks, fixed tables). */
ZN_API zn_node *zn_const(zn_graph *g, const char *name, int64_t rows, int64_t cols, zn_init init, float scale);
/* A constant of nd (1 to 4) dims (a batch norm's running statistics, [C]). */
ZN_API zn_node *zn_const_nd(zn_graph *g, const char *name, int nd, const int64_t *dims, zn_init init, float scale);

/* ---- layers and ops ---------------------------------------------------------- */

/* y = x W + b with W: in x units, b: units (parameters "<name>.weight",
 * "<name>.bias"; Xavier initialisation). */
ZN_API zn_node *zn_dense(zn_graph *g, zn_node *x, int64_t units, const char *name);
/* y = x W (+ b when b is not NULL); W and b are unbatched nodes (parameters,
 * or ops on them such as a masked weight zn_mul(W, mask)), W of in x out. */
ZN_API zn_node *zn_matmul(zn_graph *g, zn_node *x, zn_node *w, zn_node *b);

/* Element-wise, broadcasting: shapes align from the last axis, and an axis
 * of 1 (or a missing one, or an unbatched operand's batch) repeats over the
 * other's, as in NumPy and PyTorch (a bias over time, a scale per channel). */
ZN_API zn_node *zn_add(zn_graph *g, zn_node *a, zn_node *b);
ZN_API zn_node *zn_sub(zn_graph *g, zn_node *a, zn_node *b);
ZN_API zn_node *zn_mul(zn_graph *g, zn_node *a, zn_node *b); /* element-wise */
ZN_API zn_node *zn_scale(zn_graph *g, zn_node *a, float s);
ZN_API zn_node *zn_concat(zn_graph *g, zn_node *a, zn_node *b);                /* along the last axis */
ZN_API zn_node *zn_slice(zn_graph *g, zn_node *a, int64_t begin, int64_t end); /* last axis [begin, end) */
/* Axes count after the batch: 0 is the first per-sample axis, -1 the last.
 * concat: `count` batch nodes (1 to 16) equal but along `axis`; along a
 * sequence axis their run-time lengths add up. */
ZN_API zn_node *zn_concat_axis(zn_graph *g, zn_node *const *xs, int count, int axis);
/* [begin, end) of `axis`; along a sequence axis the part is fixed-length
 * and a pass whose sequence is shorter than `end` fails (ZN_ERR_SHAPE). */
ZN_API zn_node *zn_slice_axis(zn_graph *g, zn_node *x, int axis, int64_t begin, int64_t end);

/* ---- shapes ------------------------------------------------------------------------ */

/* The same values in other dims (same size per sample): a view, no copy. A
 * sequence axis must stay the first axis with its maximum. */
ZN_API zn_node *zn_reshape(zn_graph *g, zn_node *x, int nd, const int64_t *dims);
/* Axis i of the result is axis perm[i] of x (axes after the batch); a copy. */
ZN_API zn_node *zn_permute(zn_graph *g, zn_node *x, const int *perm);
ZN_API zn_node *zn_swap_axes(zn_graph *g, zn_node *x, int axis_a, int axis_b);
/* Sum, mean or max over one axis, which goes (a scalar per sample becomes [1]). */
ZN_API zn_node *zn_reduce_sum(zn_graph *g, zn_node *x, int axis);
ZN_API zn_node *zn_reduce_mean(zn_graph *g, zn_node *x, int axis);
ZN_API zn_node *zn_reduce_max(zn_graph *g, zn_node *x, int axis);
/* Batched matrix product over the last two axes, the leading ones equal:
 * [B, ..., m, k] x [B, ..., k, n] -> [B, ..., m, n]; trans_a / trans_b use
 * an operand transposed (attention's Q K^T). */
ZN_API zn_node *zn_bmm(zn_graph *g, zn_node *a, zn_node *b, int trans_a, int trans_b);

/* ---- convolutional sequence ops on [B, T, C] (channels last) -------------------------- */

/* y[B, T_out, C_out] = conv1d(x[B, T, C_in], w) (+ b) as PyTorch's Conv1d on
 * the transposed layout: w is unbatched [C_out, C_in/groups, K] in PyTorch's
 * layout (zn_param_nd, or zn_weight_norm's output), b [C_out] or NULL; zero
 * padding pad_left and pad_right (valid: 0, 0; causal: (K-1)*dilation, 0).
 * T_out = (T + pads - dilation*(K-1) - 1) / stride + 1 follows a run-time
 * sequence length (a pass with T too short for the kernel fails). */
ZN_API zn_node *zn_conv1d_op(zn_graph *g, zn_node *x, zn_node *w, zn_node *b, int64_t stride, int64_t dilation,
                             int64_t groups, int64_t pad_left, int64_t pad_right);
/* PyTorch's MaxPool1d / AvgPool1d along T with padding split left/right
 * (each below the kernel): T_out = floor or ceil((T + pads - kernel) /
 * stride) + 1 (ceil mode drops a last window starting past the input and
 * left pad). Max keeps the argmax for backward; average divides by the
 * window within the padded input (count_include_pad, PyTorch's default) or
 * within the input. */
ZN_API zn_node *zn_max_pool1d(zn_graph *g, zn_node *x, int64_t kernel, int64_t stride, int64_t pad_left,
                              int64_t pad_right, int ceil_mode);
ZN_API zn_node *zn_avg_pool1d(zn_graph *g, zn_node *x, int64_t kernel, int64_t stride, int64_t pad_left,
                              int64_t pad_right, int ceil_mode, int count_include_pad);
/* F.interpolate(mode='linear', align_corners=False) along T to out_len steps
 * whatever the run-time T (the result has no sequence axis). */
ZN_API zn_node *zn_interpolate_linear(zn_graph *g, zn_node *x, int64_t out_len);
/* The same to floor(T * scale) steps of the run-time T (a sequence when x
 * is one), sampling at T / T_out: F.interpolate(scale_factor=scale,
 * recompute_scale_factor=True). A scale that would leave a 1-step sequence
 * empty is a builder error. */
ZN_API zn_node *zn_interpolate_linear_scale(zn_graph *g, zn_node *x, float scale);
/* PyTorch's weight_norm (dim 0): w = gain * v / ||v||, the norm over each
 * slice v[o] of the first axis; gain [C_out, 1, ...] and v unbatched. A
 * slice of zeros gives zeros and no gradient. */
ZN_API zn_node *zn_weight_norm(zn_graph *g, zn_node *gain, zn_node *v);

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
ZN_API zn_node *zn_softmax(zn_graph *g, zn_node *x); /* over the last axis */
ZN_API zn_node *zn_softmax_axis(zn_graph *g, zn_node *x, int axis);
/* Inverted dropout: in training, zeroes a fraction `rate` and scales the rest
 * by 1/(1-rate); the identity in inference. */
ZN_API zn_node *zn_dropout(zn_graph *g, zn_node *x, float rate);

/* ---- normalisation and ids (layers with named parameters: zenn/nn.h) -------------------- */

/* Layer norm over the last axis: (x - mean) rstd gamma + beta with the
 * row's mean and biased variance, rstd = 1 / sqrt(var + eps). gamma and
 * beta are unbatched [F] nodes (F: x's last axis, which must not be a
 * sequence axis) or NULL (scale 1, shift 0). Threaded over rows. */
ZN_API zn_node *zn_layer_norm_op(zn_graph *g, zn_node *x, zn_node *gamma, zn_node *beta, float eps);
/* RMS norm over the last axis: x rstd gamma, rstd = 1 / sqrt(mean(x^2) + eps). */
ZN_API zn_node *zn_rms_norm_op(zn_graph *g, zn_node *x, zn_node *gamma, float eps);
/* Batch norm of a channels-last x [B, (T, ...) C]: per channel, statistics
 * over the batch and every other axis. A training pass (zn_model_backward
 * and the like) normalises with the batch's mean and biased variance and
 * updates running_mean and running_var (unbatched [C] constants,
 * zn_const_nd, saved with the model) to (1 - momentum) running + momentum
 * batch, with the unbiased variance for running_var, as PyTorch: so a
 * training pass writes the model's constants, as an optimizer step writes
 * its parameters (training needs the model alone). Every other pass
 * (inference, zn_model_loss) normalises with the running statistics and
 * writes nothing. A training pass needs two values or more per channel.
 * gamma and beta: [C] or NULL. */
ZN_API zn_node *zn_batch_norm_op(zn_graph *g, zn_node *x, zn_node *gamma, zn_node *beta, zn_node *running_mean,
                                 zn_node *running_var, float eps, float momentum);
/* table[ids]: int32 ids [B, T] (zn_input_ids; any batch node of ids) and
 * an unbatched table [V, D] give [B, T, D], following the ids' run-time
 * sequence length. The table's gradient is a scatter-add (a repeated id
 * sums its rows). An id outside [0, V) fails the pass (ZN_ERR_INVALID_ARG,
 * naming the batch row, the step and the value) before anything is
 * written; the workspace stays usable. */
ZN_API zn_node *zn_embedding_op(zn_graph *g, zn_node *ids, zn_node *table);
/* ids [B, T] -> [B, T, classes] floats, 1 at each id; ids out of range fail as above. */
ZN_API zn_node *zn_one_hot_op(zn_graph *g, zn_node *ids, int64_t classes);

/* ---- recurrent layers ------------------------------------------------------------------ */

/* Cells with PyTorch's gate order and formulas (nn.RNN tanh/relu, nn.LSTM
 * gates i f g o, nn.GRU gates r z n). */
typedef enum zn_cell { ZN_CELL_RNN_TANH = 0, ZN_CELL_RNN_RELU, ZN_CELL_LSTM, ZN_CELL_GRU } zn_cell;

/* One recurrent layer over a sequence x [B, T, I] (T may be a run-time
 * sequence axis): y [B, T, directions * hidden], the reverse direction in
 * the second half of each row (PyTorch's bidirectional output). params per
 * direction (forward first): w_ih [G*H, I], w_hh [G*H, H] and optionally
 * b_ih, b_hh [G*H] (G = 1, 4, 3), so n_params is 2 or 4 per direction.
 * h0, c0 (c0: LSTM only, needs h0): [B, directions, H] or NULL for zeros.
 * stateful: the workspace keeps the final h (and c) between passes: a pass
 * starts from them when a previous pass (same batch) left them, else from
 * h0/c0; zn_ws_state_reset starts over. The state (zn_ws_state_read) is h
 * then c, each [directions][B][H]; a stateful layer's initial state takes
 * no gradient (truncated BPTT: see zn_lstm in nn.h). */
ZN_API zn_node *zn_rnn_layer(zn_graph *g, zn_cell cell, zn_node *x, int64_t hidden, int directions,
                             zn_node *const *params, int n_params, zn_node *h0, zn_node *c0, int stateful);
/* The final state of a zn_rnn_layer node as [B, directions, H]: which 0 =
 * h_n, 1 = c_n (LSTM). PyTorch's h_n[d] is [:, d, :] here. */
ZN_API zn_node *zn_rnn_final_state(zn_graph *g, zn_node *rnn, int which);

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

/* Model files (safetensors): every parameter and constant as an F32 tensor
 * under its name, the graph (ops, inputs, shapes, attributes) as JSON in
 * the metadata key "zenn". Loading rebuilds the graph through each op's
 * own builder, so a file can only describe what the builders accept; a
 * NaN or infinity is refused both ways. Written atomically. */
ZN_API zn_status zn_model_save(const zn_model *m, const char *path);
ZN_API zn_status zn_model_load(const char *path, zn_model **out);
/* The same from bytes in memory (name: for messages, NULL "<memory>"). */
ZN_API zn_status zn_model_load_memory(const void *bytes, size_t len, const char *name, zn_model **out);
/* Copies a file's tensors into m's parameters and constants by name (a
 * PyTorch state dict converted by scripts/torch_state_dict_to_safetensors.py).
 * prefix NULL: every one of m's tensors must be in the file under its name,
 * and no other key. prefix "lstm.": only m's tensors named "lstm.*", each
 * found in the file without the prefix ("weight_ih_l0"), and every key of
 * the file must be one of them. On any error the model is left as it was. */
ZN_API zn_status zn_model_load_weights(zn_model *m, const char *path, const char *prefix);

/* All parameters as one flat array, in the order they were declared. */
ZN_API float *zn_model_params(zn_model *m, int64_t *count);
ZN_API const float *zn_model_params_const(const zn_model *m, int64_t *count);
ZN_API int zn_model_param_tensors(const zn_model *m); /* how many named parameters */
/* Name, shape and offset (into the flat array) of parameter i. */
ZN_API zn_status zn_model_param_info(const zn_model *m, int i, const char **name, int64_t *rows, int64_t *cols,
                                     int64_t *offset);
/* The dims of parameter (or constant) i into dims (ZN_MAX_DIMS entries); returns how many. */
ZN_API int zn_model_param_shape(const zn_model *m, int i, int64_t *dims);
ZN_API int zn_model_const_shape(const zn_model *m, int i, int64_t *dims);
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
/* Dims after the batch into dims (ZN_MAX_DIMS entries), returning how many;
 * 0 for no such input or output. A sequence axis holds its maximum. */
ZN_API int zn_model_input_shape(const zn_model *m, int i, int64_t *dims);
ZN_API int zn_model_output_shape(const zn_model *m, int i, int64_t *dims);
ZN_API zn_dtype zn_model_input_dtype(const zn_model *m, int i);

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
    int64_t max_seq;     /* 0: sequences up to the inputs' built lengths; otherwise the longest sequence
                            a pass runs (buffers sized for it; a pass's seq_len 0 then means max_seq) */
} zn_ws_opts;

ZN_API zn_ws_opts zn_ws_opts_default(void);
ZN_API zn_status zn_ws_create(const zn_model *m, const zn_ws_opts *opts, zn_ws **out);
ZN_API void zn_ws_free(zn_ws *ws);
ZN_API size_t zn_ws_bytes(const zn_ws *ws); /* the workspace's size */
ZN_API int64_t zn_ws_max_batch(const zn_ws *ws);
/* Where a workspace's bytes go. Buffers share memory by liveness, so the
 * parts are what each kind would take alone (summed over nodes) and
 * `block` is what the shared block takes. */
typedef struct zn_ws_memory {
    size_t values;      /* forward values */
    size_t gradients;   /* gradients of inner nodes */
    size_t aux;         /* what ops keep for backward (or their readers) */
    size_t scratch;     /* ops' temporaries */
    size_t block;       /* the one block holding all of the above, placed by liveness */
    size_t param_grads; /* the flat parameter gradient (training) */
    size_t state;       /* state kept between calls */
    size_t packed;      /* zn_ws_pack_weights' copies */
    size_t total;       /* zn_ws_bytes */
} zn_ws_memory;
ZN_API zn_status zn_ws_memory_report(const zn_ws *ws, zn_ws_memory *out);
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
 * - recurrent layers (zn_rnn_layer): every direction's weights in the
 *   kernel's layouts for batch 1 and, when max_batch >= 2, for larger
 *   batches (the same bits as packing on every call, which a batch-1 step
 *   otherwise spends half its time on).
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

/* What a pass reads: the batch, the sequence length (0: every input's full
 * length; otherwise 1 up to the inputs' maximum), and one pointer per model
 * input (zn_model_input_count, in order): batch x size floats, or int32_t
 * for an id input (out-of-range ids fail the pass with their position),
 * or NULL for an input the pass does not need. Sequence inputs hold
 * seq_len steps per sample, packed. */
typedef struct zn_feed {
    int64_t batch;
    int64_t seq_len;
    const void *const *inputs;
} zn_feed;

/* zn_model_forward for any inputs: outputs[j] receives batch x the
 * output's size at this pass's sequence length. */
ZN_API zn_status zn_model_run(const zn_model *m, zn_ws *ws, const zn_feed *feed, float *const *outputs);
ZN_API zn_status zn_model_run_loss(const zn_model *m, zn_ws *ws, const zn_feed *feed, float *loss);
ZN_API zn_status zn_model_run_backward(const zn_model *m, zn_ws *ws, const zn_feed *feed, float *loss);

/* State kept in a workspace between calls (a recurrent layer's h and c in
 * streaming inference): never a parameter, never saved. A pass that finds
 * no state starts from zeros and leaves its final state; the next pass
 * (same batch) continues from it. Reset to start over or change the batch. */
ZN_API int zn_ws_state_count(const zn_ws *ws);
ZN_API zn_status zn_ws_state_reset(zn_ws *ws);
/* The node holding state i and its floats per sample. */
ZN_API zn_status zn_ws_state_info(const zn_ws *ws, int i, int *node, int64_t *floats_per_sample);
/* Copies state i (batch x floats per sample) out; fails before a pass made it. */
ZN_API zn_status zn_ws_state_read(const zn_ws *ws, int i, float *out, int64_t *batch);
ZN_API zn_status zn_ws_state_write(zn_ws *ws, int i, const float *in, int64_t batch);
/* A node's sequence length in the last pass (0: it has no sequence axis). */
ZN_API int64_t zn_ws_node_seq_len(const zn_ws *ws, int node_index);

/* One training pass: forward to the loss, then backward. The loss value is
 * stored in *loss; the gradient of the loss with respect to every parameter
 * is left in the workspace (zn_ws_grads), in the layout of zn_model_params. */
ZN_API zn_status zn_model_backward(const zn_model *m, zn_ws *ws, int64_t batch, const float *const *inputs,
                                   float *loss);
ZN_API float *zn_ws_grads(zn_ws *ws, int64_t *count);
/* After a training pass: the gradient of the loss with respect to model
 * input i (batch x its size at the pass's sequence length), for an input
 * made with zn_input_requires_grad; NULL otherwise. */
ZN_API const float *zn_ws_input_grad(const zn_ws *ws, int i);

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

/* The value of a node after a pass in this workspace (batch x its size),
 * or NULL when the plan did not compute it or did not keep it: a pass keeps
 * the outputs (and in training the loss and what lives to the end of the
 * pass); other values share memory by liveness. */
ZN_API const float *zn_ws_node_value(const zn_ws *ws, int node_index);
ZN_API int zn_node_index(const zn_node *n);
ZN_API int64_t zn_node_features(const zn_node *n); /* the last dimension */
/* The node's dimensions after the batch (all of them for a parameter) into
 * dims (ZN_MAX_DIMS entries); returns how many. */
ZN_API int zn_node_shape(const zn_node *n, int64_t *dims);

/* ---- introspection and rebuilding (model files, converters) ------------------------- */

/* One node of a compiled model as its builder made it. */
typedef struct zn_node_info {
    const char *op;   /* the op's name ("matmul", "lstm", "input", "param", ...) */
    const char *name; /* inputs, parameters and constants; NULL otherwise */
    int n_in;
    const int *in; /* input node indexes */
    int batched;
    int nd;
    int64_t dims[ZN_MAX_DIMS];
    int seq_axis;
    zn_dtype dtype;
    zn_op_attrs attrs;
    zn_init init; /* parameters and constants */
    float init_scale;
    int wants_grad; /* inputs: zn_input_requires_grad */
} zn_node_info;

ZN_API int zn_model_node_count(const zn_model *m);
ZN_API zn_status zn_model_node_info(const zn_model *m, int i, zn_node_info *out);
ZN_API int zn_model_output_node(const zn_model *m, int k); /* -1 when there is none */
ZN_API int zn_model_loss_node(const zn_model *m);          /* -1 when there is none */
/* Adds a node from its description, running its op's own builder on `in`
 * (info->n_in nodes of g), so every check of the builder applies; fails
 * (ZN_ERR_FORMAT) when the result's shape differs from info's. */
ZN_API zn_node *zn_graph_add_node(zn_graph *g, const zn_node_info *info, zn_node *const *in);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_GRAPH_H */
