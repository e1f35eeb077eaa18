/* Training: optimizers on flat parameter arrays, learning-rate schedules,
 * and the trainer loop (mini-batches, validation, early stopping, FANN's
 * stop criteria, a per-epoch callback).
 *
 * Gradients are those a workspace leaves after zn_model_backward: the
 * gradient of the mean loss over the batch. FANN's algorithms (incremental,
 * batch, RPROP, Quickprop, SARPROP) convert them to FANN's "slopes" (minus
 * the gradient of the summed error) so that they follow FANN's update rules
 * and defaults exactly; use them with zn_sse, FANN's error function. */
#ifndef ZENN_TRAIN_H
#define ZENN_TRAIN_H

#include "zenn/data.h"
#include "zenn/graph.h"
#include "zenn/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum zn_algo {
    ZN_ALGO_INCREMENTAL = 0, /* FANN: per-sample gradient steps with momentum */
    ZN_ALGO_BATCH,           /* FANN: full-batch gradient descent */
    ZN_ALGO_RPROP,           /* FANN: iRPROP- */
    ZN_ALGO_QUICKPROP,       /* FANN: Fahlman's Quickprop */
    ZN_ALGO_SARPROP,         /* FANN: simulated-annealing RPROP */
    ZN_ALGO_SGD,
    ZN_ALGO_MOMENTUM, /* SGD with momentum (Nesterov with .nesterov = 1) */
    ZN_ALGO_ADAM,
    ZN_ALGO_ADAMW, /* Adam with decoupled weight decay */
    ZN_ALGO_RMSPROP,
    ZN_ALGO_COUNT
} zn_algo;

ZN_API const char *zn_algo_name(zn_algo algo);  /* "rprop", "adam", ... */
ZN_API int zn_algo_from_name(const char *name); /* -1 when unknown */
/* FANN's algorithms see the whole training set per step by default. */
ZN_API int zn_algo_is_full_batch(zn_algo algo);

typedef struct zn_optim_config {
    zn_algo algo;
    float lr;       /* learning rate (FANN: 0.7) */
    float momentum; /* incremental/batch (FANN's learning_momentum) and momentum SGD */
    int nesterov;
    float beta1, beta2, eps; /* Adam, AdamW; RMSprop uses beta2 as its decay */
    float weight_decay;      /* L2 added to the gradient; AdamW: decoupled */
    float clip_norm;         /* > 0: scale the gradient to at most this global L2 norm */
    float clip_value;        /* > 0: clamp each gradient to [-v, v] */
    /* RPROP and SARPROP (FANN's defaults) */
    float rprop_increase, rprop_decrease, rprop_delta_min, rprop_delta_max, rprop_delta_zero;
    /* Quickprop */
    float quickprop_decay, quickprop_mu;
    /* SARPROP */
    float sarprop_weight_decay_shift, sarprop_step_error_threshold_factor, sarprop_step_error_shift,
        sarprop_temperature;
} zn_optim_config;

/* Sensible defaults for an algorithm: FANN's for FANN's algorithms; lr 0.01
 * for SGD/momentum, 1e-3 for Adam/AdamW/RMSprop. */
ZN_API zn_optim_config zn_optim_config_default(zn_algo algo);

typedef struct zn_optim zn_optim;

/* Optimizer state for n parameters. `seed` drives SARPROP's noise. */
ZN_API zn_status zn_optim_create(const zn_optim_config *cfg, int64_t n, uint64_t seed, zn_optim **out);
ZN_API void zn_optim_free(zn_optim *o);
/* One update. grads: the mean-loss gradient over `batch` samples (clipping
 * may change it in place). error: the current MSE (SARPROP uses it). */
ZN_API zn_status zn_optim_step(zn_optim *o, float *params, float *grads, int64_t n, int64_t batch, float error);
/* The pool the vector updates (Adam, AdamW, SGD, momentum) of large models
 * run on (NULL: the default pool) and at most max_threads threads (0: the
 * pool's size; 1: the calling thread only). Updates are element-wise, so
 * results do not depend on it. */
ZN_API void zn_optim_set_threads(zn_optim *o, zn_pool *pool, int max_threads);
ZN_API void zn_optim_set_lr(zn_optim *o, float lr);
ZN_API float zn_optim_lr(const zn_optim *o);
ZN_API int64_t zn_optim_step_count(const zn_optim *o);

/* ---- schedules -------------------------------------------------------------- */

typedef enum zn_schedule {
    ZN_SCHED_CONSTANT = 0,
    ZN_SCHED_STEP,        /* lr * gamma^(floor(epoch / step)) */
    ZN_SCHED_EXPONENTIAL, /* lr * gamma^epoch */
    ZN_SCHED_COSINE,      /* from lr down to lr * gamma over the run */
} zn_schedule;

typedef struct zn_schedule_config {
    zn_schedule kind;
    float gamma;
    int64_t step;          /* ZN_SCHED_STEP's period in epochs */
    int64_t warmup_epochs; /* linear warm-up from lr / (warmup + 1) */
} zn_schedule_config;

/* The learning rate for `epoch` (0-based) of `epochs`. */
ZN_API float zn_schedule_lr(const zn_schedule_config *s, float base_lr, int64_t epoch, int64_t epochs);

/* ---- the trainer ------------------------------------------------------------------ */

typedef struct zn_epoch_report {
    int64_t epoch; /* 1-based */
    int64_t epochs;
    double train_loss;                      /* mean loss over the epoch's batches */
    double train_mse;                       /* FANN's MSE of the outputs on the training set (NAN when not measured) */
    double val_loss, val_mse, val_accuracy; /* NAN without validation data; accuracy NAN for regression */
    int64_t bit_fail;                       /* outputs off by >= bit_fail_limit on the training set */
    double lr;
    double seconds; /* since the start */
    double samples_per_second;
    int improved; /* validation loss improved (kept as best) */
} zn_epoch_report;

/* Returns non-zero to stop training after this epoch. */
typedef int (*zn_epoch_fn)(const zn_epoch_report *report, void *user);

typedef enum zn_stop { ZN_STOP_MSE = 0, ZN_STOP_BIT } zn_stop;

typedef struct zn_train_config {
    zn_optim_config optim;
    zn_schedule_config schedule;
    int64_t epochs;     /* maximum */
    int64_t batch_size; /* 0: 1 for incremental, the whole set for FANN's batch algorithms, else 32 */
    int shuffle;        /* reshuffle the rows every epoch (from seed); a batch of all rows takes them in order */
    uint64_t seed;
    double val_split;     /* when no validation set is given: hold out this fraction (0: none) */
    int64_t patience;     /* stop after this many epochs without validation improvement (0: never) */
    int restore_best;     /* with validation: end with the best epoch's parameters */
    zn_stop stop;         /* FANN's stop function */
    double target_error;  /* stop when train MSE (ZN_STOP_MSE) or bit fails (ZN_STOP_BIT) <= this */
    float bit_fail_limit; /* FANN's default 0.35 */
    zn_epoch_fn on_epoch;
    void *user;
    zn_pool *pool; /* NULL: the default pool */
    int max_threads;
} zn_train_config;

ZN_API zn_train_config zn_train_config_default(zn_algo algo);

/* Why training ended. */
typedef enum zn_stop_reason {
    ZN_STOPPED_EPOCHS = 0, /* the epoch budget ran out */
    ZN_STOPPED_TARGET,     /* target_error reached */
    ZN_STOPPED_PATIENCE,   /* no validation improvement for `patience` epochs */
    ZN_STOPPED_CALLBACK,   /* on_epoch asked to stop */
} zn_stop_reason;

ZN_API const char *zn_stop_reason_name(zn_stop_reason r); /* "epoch budget", "early stop", ... */

typedef struct zn_train_report {
    int64_t epochs;     /* run */
    int64_t best_epoch; /* with validation */
    double train_loss, train_mse, val_loss, val_mse, val_accuracy;
    int64_t bit_fail;
    double seconds, samples_per_second;
    int stopped_early; /* patience, target or the callback */
    zn_stop_reason stop_reason;
    int restored_best; /* the parameters are those of best_epoch, not of the last epoch */
} zn_train_report;

/* ZN_ERR_INVALID_ARG naming the first row and column of d holding NaN or
 * Inf (`what`: "training", "validation" in the message). zn_train checks its
 * data so; call it before scaling data loaded with allow_nan, since scaling
 * spreads a NaN over its whole column. */
ZN_API zn_status zn_train_check_data(const zn_dataset *d, const char *what);

/* One line for a person: why training stopped and which weights it ended
 * with ("early stop at epoch 60 (no validation improvement in 50 epochs);
 * the weights of epoch 10 kept"). Returns buf. */
ZN_API const char *zn_train_report_describe(const zn_train_report *r, char *buf, size_t len);

/* Trains m (its input 0 takes the dataset's x, input 1 its y) on `train`,
 * validating on `val` (or a split of train). The parameters change in
 * place. Deterministic for a seed, whatever the thread count.
 * Data with NaN or Inf values is refused (ZN_ERR_INVALID_ARG naming the row
 * and column). When the loss or a weight becomes non-finite (checked every
 * step and every epoch) training stops with ZN_ERR_DIVERGED and a message
 * naming the epoch: the parameters are then unusable and must not be saved. */
ZN_API zn_status zn_train(zn_model *m, const zn_dataset *train, const zn_dataset *val, const zn_train_config *cfg,
                          zn_train_report *report);

/* Evaluation of output 0 against y (or the one-hot of labels): loss (when
 * the model has one), MSE, accuracy (argmax; when y has more than one
 * column) and bit fails. */
typedef struct zn_eval {
    double loss, mse, mae, accuracy;
    int64_t bit_fail, rows;
} zn_eval;

ZN_API zn_status zn_evaluate(const zn_model *m, const zn_dataset *d, float bit_fail_limit, zn_pool *pool, zn_eval *out);
/* The same figures (loss NAN) for outputs already computed: pred and y are
 * rows x n_out, row-major. */
ZN_API zn_status zn_eval_outputs(const float *pred, const float *y, int64_t rows, int64_t n_out, float bit_fail_limit,
                                 zn_eval *out);
/* The same against class indices (zn_dataset.labels) instead of one-hot y. */
ZN_API zn_status zn_eval_labels(const float *pred, const int32_t *labels, int64_t rows, int64_t n_out,
                                float bit_fail_limit, zn_eval *out);

/* ---- memory ----------------------------------------------------------------------- */

/* Bytes a zn_train run of an MLP is expected to allocate, by kind. */
typedef struct zn_train_memory {
    size_t params;    /* the model's parameters (and a sparse net's masks) */
    size_t grads;     /* the parameters' gradients (training and evaluation workspaces) */
    size_t optimizer; /* the optimizer's state, and the best epoch's copy with validation */
    size_t workspace; /* activations and their gradients at the batch size, batch buffers */
    size_t data;      /* the training rows (and, for zn_mlp_train_auto, its copies) */
    size_t total;
} zn_train_memory;

/* Estimates, before anything is allocated, what training an MLP of `spec`
 * with `cfg` on `rows` rows of spec->sizes[0] inputs and the last size's
 * targets needs: compare total with a limit and refuse the run before
 * creating the model. An upper bound within a small factor of what zn_mem
 * reports for the run; zn_mlp_train_auto makes one more copy of the data
 * (its scaled copy), counted by zn_auto_memory_estimate. */
ZN_API zn_status zn_train_memory_estimate(const zn_mlp_spec *spec, const zn_train_config *cfg, int64_t rows,
                                          zn_train_memory *out);

/* ---- defaults that work -------------------------------------------------------- */

/* What zn_train_auto_config chooses for a dataset. */
typedef struct zn_auto_config {
    zn_mlp_spec spec;           /* one relu hidden layer sized from the data; softmax cross-entropy for classes,
                                   MSE with a linear shortcut from the inputs for regression */
    zn_train_config train;      /* Adam; epochs from the rows; early stopping on a validation split, best kept */
    zn_scale_kind input_scale;  /* ZN_SCALE_STANDARD */
    zn_scale_kind target_scale; /* ZN_SCALE_STANDARD for regression (inverted on output), else NONE */
    int classes;                /* classification: n_classes > 0, or one-hot 0/1 target rows */
    int linear_start;           /* regression: start from the least-squares fit, and keep it if training does not
                                   beat it on the validation rows by linear_margin (a fraction of its loss) */
    double linear_margin;
    char why[320]; /* one line saying what was chosen and why */
} zn_auto_config;

/* Chooses the network, optimizer and schedule for `train` (raw, unscaled
 * data; only its shape and targets are read). The fields may be changed
 * before use (seed, pool, on_epoch, epochs...). */
ZN_API zn_status zn_train_auto_config(const zn_dataset *train, zn_auto_config *out);

/* Trains with an auto config: fits the scalers ac asks for on a copy of
 * `train`, makes the zn_mlp (its scalers and class names set, so
 * zn_mlp_predict takes raw rows and gives raw outputs) and runs zn_train
 * with ac->train (validation split from ac->train.val_split). report says
 * how many epochs ran, the best epoch and why training stopped. */
ZN_API zn_status zn_mlp_train_auto(const zn_dataset *train, const zn_auto_config *ac, zn_mlp **out,
                                   zn_train_report *report);

/* zn_train_memory_estimate for zn_mlp_train_auto with ac on `rows` rows. */
ZN_API zn_status zn_auto_memory_estimate(const zn_auto_config *ac, int64_t rows, zn_train_memory *out);

#ifdef __cplusplus
}
#endif
#endif /* ZENN_TRAIN_H */
