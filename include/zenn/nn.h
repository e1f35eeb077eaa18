/* Ready-made networks built from graph ops. */
#ifndef ZENN_NN_H
#define ZENN_NN_H

#include "zenn/data.h"
#include "zenn/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZN_MLP_MAX_LAYERS 16

typedef enum zn_loss_kind {
    ZN_LOSS_SSE = 0, /* FANN's error: 0.5 * sum of squares per sample */
    ZN_LOSS_MSE,
    ZN_LOSS_XENT, /* softmax cross-entropy; the output is the softmax */
    ZN_LOSS_BCE,  /* binary cross-entropy on logits; the output is the sigmoid */
    ZN_LOSS_MAE,
    ZN_LOSS_HUBER,      /* delta 1 */
    ZN_LOSS_TANH_ERROR, /* FANN's FANN_ERRORFUNC_TANH */
} zn_loss_kind;

ZN_API const char *zn_loss_name(zn_loss_kind kind);
ZN_API int zn_loss_from_name(const char *name); /* "tanh-error" too; -1 when unknown */

/* A multilayer perceptron: sizes[0] inputs, sizes[n_layers-1] outputs. */
typedef struct zn_mlp_spec {
    int n_layers;
    int64_t sizes[ZN_MLP_MAX_LAYERS];
    zn_nact hidden_act, output_act; /* output_act is ignored for XENT and BCE (logits) */
    float hidden_steepness, output_steepness;
    int shortcut; /* FANN's shortcut network: each layer sees every earlier layer */
    zn_loss_kind loss;
    zn_init init; /* ZN_INIT_UNIFORM with init_scale 0.1 is FANN's fann_randomize_weights */
    float init_scale;
    float dropout;         /* after each hidden layer (0: none) */
    float connection_rate; /* FANN's sparse networks: the fraction of connections kept (0 or 1: all) */
    int fann_derivatives;  /* backpropagate FANN's derivative formulas (see zn_activation_fann) */
} zn_mlp_spec;

/* FANN's defaults: sigmoid-symmetric hidden and output layers with
 * steepness 0.5, SSE loss, uniform weights in [-0.1, 0.1], FANN's
 * derivative formulas. */
ZN_API zn_mlp_spec zn_mlp_spec_default(void);

/* The model's inputs are "x" (sizes[0]) and "target" (sizes[last]); its one
 * output is the prediction. */
ZN_API zn_status zn_mlp_create(const zn_mlp_spec *spec, uint64_t seed, zn_model **out);

/* FANN's fann_init_weights (Nguyen-Widrow): with s = (0.7 * hidden
 * neurons)^(1 / inputs) / (largest input - smallest input) over `data`,
 * weights are drawn uniform in [0, s] and biases in [-s, s]. */
ZN_API zn_status zn_mlp_init_widrow(zn_model *m, const zn_mlp_spec *spec, const zn_dataset *data, uint64_t seed);

/* ---- convolutional layers on sequences [B, T, C] (channels last) -------------------- */

typedef enum zn_conv_padding {
    ZN_PAD_VALID = 0, /* no padding: T_out = (T - dilation*(K-1) - 1) / stride + 1 */
    ZN_PAD_SAME,      /* dilation*(K-1) zeros, half on the left (PyTorch's padding="same", the extra one on the
                         right); with stride s, T_out = ceil(T / s) */
    ZN_PAD_CAUSAL,    /* dilation*(K-1) zeros on the left: y[t] sees x[<= t] */
} zn_conv_padding;

typedef struct zn_conv1d_spec {
    int64_t out_channels, kernel, stride, dilation, groups;
    zn_conv_padding padding;
    int bias;        /* "<name>.bias" [C_out] */
    int weight_norm; /* weight = weight_g * weight_v / ||weight_v|| (nn.utils.weight_norm, dim 0) */
} zn_conv1d_spec;
/* 1 output channel, kernel 3, stride, dilation and groups 1, valid padding, bias, no weight norm. */
ZN_API zn_conv1d_spec zn_conv1d_spec_default(void);

/* nn.Conv1d(C_in, out_channels, kernel, ...) on channels-last x [B, T, C_in]
 * (zn_conv1d_op): parameters "<name>.weight" [C_out, C_in/groups, K] and
 * "<name>.bias" [C_out] as PyTorch's state dict, or with weight norm
 * "<name>.weight_g" [C_out, 1, 1] and "<name>.weight_v". Initialised as
 * PyTorch's default (kaiming_uniform with a = sqrt(5)): weight, v and bias
 * uniform within 1/sqrt(C_in/groups * K); weight_g starts at 1/sqrt(3), the
 * expected norm of such a v (PyTorch copies v's norm exactly). A run-time
 * sequence length passes through (zn_feed.seq_len). spec NULL: defaults. */
ZN_API zn_node *zn_conv1d_ex(zn_graph *g, zn_node *x, const zn_conv1d_spec *spec, const char *name);
ZN_API zn_node *zn_conv1d(zn_graph *g, zn_node *x, int64_t out_channels, int64_t kernel, zn_conv_padding padding,
                          const char *name);

/* A temporal convolutional network's residual block (Bai et al. 2018):
 * relu(y + res), y = drop(relu(conv2(drop(relu(conv1(x)))))) with conv1 and
 * conv2 dilated causal convolutions of out_channels (kernel, dilation,
 * optional weight norm), res = x, or a 1x1 convolution "<name>.downsample"
 * when the channels change. Parameters "<name>.conv1.weight" (or .weight_g
 * and .weight_v), "<name>.conv1.bias", "<name>.conv2.*",
 * "<name>.downsample.weight", "<name>.downsample.bias". Dropout 0: none. */
ZN_API zn_node *zn_tcn_block(zn_graph *g, zn_node *x, int64_t out_channels, int64_t kernel, int64_t dilation,
                             float dropout, int weight_norm, const char *name);

#define ZN_TCN_MAX_BLOCKS 16
typedef struct zn_tcn_spec {
    int n_blocks;
    int64_t channels[ZN_TCN_MAX_BLOCKS];  /* each block's output channels */
    int64_t dilations[ZN_TCN_MAX_BLOCKS]; /* 0: 2^i for block i */
    int64_t kernel;
    float dropout;
    int weight_norm;
} zn_tcn_spec;
/* No blocks (set n_blocks and channels), kernel 3, dilations 2^i, no dropout, no weight norm. */
ZN_API zn_tcn_spec zn_tcn_spec_default(void);
/* Blocks "<name>.0", "<name>.1", ... in turn (an nn.ModuleList called name):
 * receptive field 1 + 2 (K-1) sum(dilations). */
ZN_API zn_node *zn_tcn(zn_graph *g, zn_node *x, const zn_tcn_spec *spec, const char *name);

/* ---- layers: graph ops with named parameters ---------------------------------------- */

/* Options of the normalisation layers, PyTorch's defaults from
 * zn_norm_opts_default(): eps 1e-5, momentum 0.1, affine on. */
typedef struct zn_norm_opts {
    float eps;
    float momentum; /* batch norm: the running statistics' update rate */
    int affine;     /* learnable "<name>.weight" (gamma, starts at 1) and "<name>.bias" (beta, 0) */
} zn_norm_opts;
ZN_API zn_norm_opts zn_norm_opts_default(void);

/* Each layer names its tensors as PyTorch's state dict under `name`, so a
 * converted state dict loads unchanged; opts NULL: the defaults. */
/* nn.LayerNorm(F) over x's last axis (zn_layer_norm_op). */
ZN_API zn_node *zn_layer_norm(zn_graph *g, zn_node *x, const char *name, const zn_norm_opts *opts);
/* RMS norm over the last axis with "<name>.weight" only (affine). */
ZN_API zn_node *zn_rms_norm(zn_graph *g, zn_node *x, const char *name, const zn_norm_opts *opts);
/* nn.BatchNorm1d(C) on channels-last x [B, (T,) C] (zn_batch_norm_op) with
 * constants "<name>.running_mean" (0) and "<name>.running_var" (1), which
 * training passes update (a model write) and the model saves; there is no
 * "num_batches_tracked" (momentum is always given). */
ZN_API zn_node *zn_batch_norm(zn_graph *g, zn_node *x, const char *name, const zn_norm_opts *opts);
/* nn.Embedding(num, dim): ids [B, T] -> [B, T, dim] with "<name>.weight"
 * [num, dim] drawn from N(0, 1) (zn_embedding_op). */
ZN_API zn_node *zn_embedding(zn_graph *g, zn_node *ids, int64_t num, int64_t dim, const char *name);

/* ---- recurrent layers (PyTorch's nn.RNN, nn.LSTM, nn.GRU, batch_first) -----------------
 *
 * num_layers stacked zn_rnn_layer ops, each one or both directions; the
 * parameters are named as PyTorch's state dict under `name`:
 * "<name>.weight_ih_l0", "<name>.weight_hh_l0", "<name>.bias_ih_l0",
 * "<name>.bias_hh_l0", "<name>.weight_ih_l0_reverse", ... (layer-major,
 * forward then reverse), so a converted state dict loads unchanged. Every
 * weight and bias starts uniform in [-1/sqrt(H), 1/sqrt(H)], as PyTorch's.
 * x is [B, T, I] (T may be a run-time sequence axis); the result is
 * [B, T, D*H] (D = 2 when bidirectional). h0, c0: NULL (zeros) or
 * [B, num_layers*D, H] (PyTorch's [L*D, B, H] batch-first); *h_n, *c_n
 * (when not NULL) receive the final states in that shape.
 *
 * Truncated BPTT: run windows of k steps and carry the state: feed the
 * previous window's h_n (and c_n) values back as the next window's h0 (c0)
 * inputs (the gradient stops there, as PyTorch's detach()); or build the
 * layer stateful, which carries it inside the workspace (zn_ws_state_reset
 * between independent sequences). */
typedef struct zn_rnn_spec {
    int64_t hidden;    /* H */
    int num_layers;    /* 1 to 16 */
    int bidirectional; /* 0 or 1 */
    int bias;          /* 1 (PyTorch's default): b_ih and b_hh */
    int relu;          /* zn_rnn only: nonlinearity relu instead of tanh */
    float dropout;     /* on every layer's output but the last, training only (PyTorch's) */
    int stateful;      /* streaming: keep the final state in the workspace between passes */
} zn_rnn_spec;

/* hidden H, one layer, one direction, biases, no dropout, not stateful. */
ZN_API zn_rnn_spec zn_rnn_spec_default(int64_t hidden);
ZN_API zn_node *zn_rnn(zn_graph *g, zn_node *x, const zn_rnn_spec *spec, const char *name, zn_node *h0, zn_node **h_n);
ZN_API zn_node *zn_lstm(zn_graph *g, zn_node *x, const zn_rnn_spec *spec, const char *name, zn_node *h0, zn_node *c0,
                        zn_node **h_n, zn_node **c_n);
ZN_API zn_node *zn_gru(zn_graph *g, zn_node *x, const zn_rnn_spec *spec, const char *name, zn_node *h0, zn_node **h_n);

/* ---- a trained network with what it needs to run on raw data ------------------- */

/* An MLP together with its input/output scaling and class names: what
 * `zenn train` writes and `zenn run` reads. Files are safetensors with the
 * architecture, scaling and labels in the metadata (see docs/FORMATS.md). */
typedef struct zn_mlp {
    zn_mlp_spec spec;
    zn_model *model;
    zn_scaler *input_scaler;  /* NULL: inputs used as they are */
    zn_scaler *output_scaler; /* NULL: outputs as the network gives them */
    int64_t n_classes;        /* > 0 for classifiers: outputs are class probabilities */
    char **class_names;
    int64_t n_targets; /* the CSV columns it was trained to predict (0 for FANN data) */
    char **target_names;
    char **input_names;         /* the CSV input columns, spec.sizes[0] of them, or NULL (FANN data) */
    struct zn_mlp_cache *cache; /* zn_mlp_predict_rows' workspace; created by zn_mlp_wrap/zn_mlp_load */
} zn_mlp;

/* Takes ownership of nothing: copies the scalers and names it is given. */
ZN_API zn_status zn_mlp_wrap(const zn_mlp_spec *spec, uint64_t seed, const zn_scaler *input_scaler,
                             const zn_scaler *output_scaler, int64_t n_classes, char *const *class_names, zn_mlp **out);
ZN_API void zn_mlp_free(zn_mlp *mlp);
/* Records the CSV target columns (copied), so test data can be read alike. */
ZN_API zn_status zn_mlp_set_targets(zn_mlp *mlp, char *const *names, int64_t n);
/* Records the CSV input column names (copied; n must be the number of inputs),
 * so run and test can match columns by name. */
ZN_API zn_status zn_mlp_set_inputs(zn_mlp *mlp, char *const *names, int64_t n);
/* Runs raw (unscaled) rows: scales the inputs, runs, unscales the outputs. */
ZN_API zn_status zn_mlp_predict(const zn_mlp *mlp, zn_ws *ws, int64_t rows, const float *x, float *y);
ZN_API zn_status zn_mlp_save(const zn_mlp *mlp, const char *path);
ZN_API zn_status zn_mlp_load(const char *path, zn_mlp **out);

/* ---- load and predict ------------------------------------------------------------
 *
 *     zn_mlp *m;
 *     if (zn_mlp_load("model.safetensors", &m) != ZN_OK) { puts(zn_last_error()); return 1; }
 *     float x[2 * 4] = {...};                     // 2 rows of zn_mlp_n_inputs(m) = 4 values
 *     float *y = malloc(2 * zn_mlp_n_outputs(m) * sizeof *y);
 *     zn_mlp_predict_rows(m, 2, x, y);            // raw rows in, raw outputs out
 *     zn_mlp_free(m);
 *
 * For a classifier (n_classes > 0) output j is the probability of class
 * class_names[j]. */
ZN_API int64_t zn_mlp_n_inputs(const zn_mlp *mlp);  /* 0 for NULL */
ZN_API int64_t zn_mlp_n_outputs(const zn_mlp *mlp); /* 0 for NULL */
/* zn_mlp_predict without a workspace: rows x n_inputs raw values in x,
 * rows x n_outputs outputs in y (scaling applied as zn_mlp_predict does).
 * The model keeps one workspace for such calls, created on first use.
 * Thread safety: any number of threads may call it on one model at once;
 * one of them uses the kept workspace, the others one of their own for the
 * call (slower, never wrong). The model must not be changed or freed while
 * calls run. Large requests (512 rows or more) run on a workspace of their
 * own with packed weights. */
ZN_API zn_status zn_mlp_predict_rows(const zn_mlp *mlp, int64_t rows, const float *x, float *y);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_NN_H */
