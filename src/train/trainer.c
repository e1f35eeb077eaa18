/* The trainer loop: batches, optimizer steps, validation, early stopping,
 * FANN's stop criteria and the per-epoch callback. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "train/train_internal.h"

/* Rows per call of incremental training (batch 1 with the fused SGD step). */
enum { SEQ_ROWS = 64 };

zn_train_config zn_train_config_default(zn_algo algo) {
    zn_train_config c;
    memset(&c, 0, sizeof c);
    c.optim = zn_optim_config_default(algo);
    c.schedule.kind = ZN_SCHED_CONSTANT;
    c.schedule.gamma = 0.1f;
    c.schedule.step = 10;
    c.epochs = 100;
    c.shuffle = 1;
    c.seed = 1;
    c.restore_best = 1;
    c.stop = ZN_STOP_MSE;
    c.bit_fail_limit = 0.35f;
    return c;
}

static zn_status check_config(const zn_model *m, const zn_dataset *train, const zn_dataset *val,
                              const zn_train_config *c) {
    if (!m || !train || !c) return zn_error(ZN_ERR_INVALID_ARG, "zn_train: NULL argument");
    if (!zn_model_has_loss(m) || zn_model_input_count(m) < 2 || zn_model_output_count(m) < 1)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_train: the model needs a loss, two inputs (x, target) and an output");
    if (zn_model_input_features(m, 0) != train->n_in || zn_model_input_features(m, 1) != train->n_out)
        return zn_error(ZN_ERR_SHAPE,
                        "zn_train: the model takes %lld inputs and %lld targets, the data has %lld and %lld",
                        (long long)zn_model_input_features(m, 0), (long long)zn_model_input_features(m, 1),
                        (long long)train->n_in, (long long)train->n_out);
    if (val && (val->n_in != train->n_in || val->n_out != train->n_out))
        return zn_error(ZN_ERR_SHAPE, "zn_train: the validation data has other columns than the training data");
    if (train->rows < 1) return zn_error(ZN_ERR_INVALID_ARG, "zn_train: no training rows");
    if (c->epochs < 1 || c->batch_size < 0 || c->patience < 0)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_train: epochs must be >= 1, batch size and patience >= 0");
    if (!(c->val_split >= 0.0 && c->val_split < 1.0))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_train: val_split %g not in [0, 1)", c->val_split);
    if (!(c->bit_fail_limit > 0.0f)) return zn_error(ZN_ERR_INVALID_ARG, "zn_train: bit_fail_limit must be > 0");
    if (c->stop != ZN_STOP_MSE && c->stop != ZN_STOP_BIT)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_train: unknown stop function %d", (int)c->stop);
    return ZN_OK;
}

typedef struct trainer {
    zn_model *m;
    const zn_train_config *cfg;
    zn_rows fit, val; /* the rows trained on and validated on */
    int has_val;
    int64_t *split; /* a validation split's shuffled row numbers: fit first */
    int64_t batch;
    zn_ws *ws;
    zn_optim *opt;
    zn_evaluator eval; /* one for the training and validation rows */
    float *xb, *yb, *best;
    int64_t *order;
    zn_rng rng;
    int fused;     /* plain SGD fused into backpropagation */
    int64_t epoch; /* 1-based, for messages */
    /* Full-batch training with the outputs kept by the training pass: the
     * step is applied after the pass's outputs gave the previous epoch's
     * training figures, so no epoch runs a second forward pass to measure
     * its weights (pipelined). out_node: the output's node; last_y: the
     * targets of the last pass; pending: a computed step not yet applied. */
    int pipelined, pending;
    int out_node;
    const float *last_y;
} trainer;

/* The index of the first non-finite value of v[0..n), or -1. */
static int64_t first_non_finite(const float *v, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return i;
    return -1;
}

/* The loss or a weight became `bad`: the learning rate is too high (or the
 * problem badly scaled). */
static zn_status diverged(const trainer *t, const char *what, double bad) {
    return zn_error(ZN_ERR_DIVERGED,
                    "zn_train: training diverged at epoch %lld of %lld: %s became %g; lower the learning rate "
                    "(%g now) or scale the data",
                    (long long)t->epoch, (long long)t->cfg->epochs, what, isnan(bad) ? NAN : bad,
                    (double)zn_optim_lr(t->opt));
}

/* Weights are checked once per epoch: cheap next to the epoch itself. */
static zn_status check_weights(const trainer *t) {
    int64_t np = 0;
    const float *w = zn_model_params_const(t->m, &np);
    int64_t i = first_non_finite(w, np);
    return i < 0 ? ZN_OK : diverged(t, "a weight", (double)w[i]);
}

/* Plain SGD steps (FANN's incremental without momentum, or SGD without
 * decay or clipping) run fused into backpropagation: no gradient array. */
static int fused_sgd(const zn_optim_config *c) {
    return (c->algo == ZN_ALGO_INCREMENTAL || c->algo == ZN_ALGO_SGD) && c->momentum == 0.0f &&
           c->weight_decay == 0.0f && c->clip_norm == 0.0f && c->clip_value == 0.0f;
}

static void trainer_free(trainer *t) {
    zn_ws_free(t->ws);
    zn_optim_free(t->opt);
    zn_evaluator_free(&t->eval);
    zn_free(t->xb);
    zn_free(t->yb);
    zn_free(t->best);
    zn_free(t->order);
    zn_free(t->split);
}

static zn_status trainer_init(trainer *t, zn_model *m, const zn_dataset *train, const zn_dataset *val,
                              const zn_train_config *c) {
    memset(t, 0, sizeof *t);
    t->m = m;
    t->cfg = c;
    t->fit = (zn_rows){train, NULL, train->rows};
    if (val) {
        t->val = (zn_rows){val, NULL, val->rows};
        t->has_val = 1;
    }
    zn_rng_seed(&t->rng, c->seed);
    zn_status s = ZN_OK;
    if (!val && c->val_split > 0.0) {
        /* Rows shuffled as zn_dataset_shuffle would, split as zn_dataset_split
         * would, by number: no copy of the data. */
        const int64_t n = train->rows;
        if (!(t->split = zn_alloc((size_t)n * sizeof(int64_t))))
            return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_train: out of memory");
        for (int64_t i = 0; i < n; i++) t->split[i] = i;
        for (int64_t i = n - 1; i > 0; i--) {
            int64_t j = (int64_t)zn_rng_below(&t->rng, (uint64_t)i + 1), tmp = t->split[i];
            t->split[i] = t->split[j];
            t->split[j] = tmp;
        }
        int64_t cut = (int64_t)((1.0 - c->val_split) * (double)n + 0.5);
        if (cut > n) cut = n;
        if (cut < 1 || n - cut < 1)
            return zn_error(ZN_ERR_INVALID_ARG, "zn_train: a validation split of %g leaves an empty part",
                            c->val_split);
        t->fit = (zn_rows){train, t->split, cut};
        t->val = (zn_rows){train, t->split + cut, n - cut};
        t->has_val = 1;
    }
    int64_t rows = t->fit.n, batch = c->batch_size;
    if (batch == 0)
        batch = c->optim.algo == ZN_ALGO_INCREMENTAL ? 1 : (zn_algo_is_full_batch(c->optim.algo) ? rows : 32);
    t->batch = batch < rows ? batch : rows;

    zn_ws_opts o = zn_ws_opts_default();
    o.mode = ZN_WS_TRAIN;
    o.max_batch = t->batch;
    o.pool = c->pool;
    o.max_threads = c->max_threads;
    o.seed = c->seed ^ 0x5a5a5a5aULL;
    int64_t np = 0;
    zn_model_params(m, &np);
    s = zn_ws_create(m, &o, &t->ws);
    if (s == ZN_OK) s = zn_optim_create(&c->optim, np, c->seed, &t->opt);
    if (s == ZN_OK) zn_optim_set_threads(t->opt, c->pool, c->max_threads);
    const int64_t eval_rows = t->has_val && t->val.n > rows ? t->val.n : rows;
    if (s == ZN_OK) s = zn_evaluator_init(&t->eval, m, eval_rows, c->pool, c->max_threads);
    if (s != ZN_OK) return s;
    const int64_t buf_rows = t->batch == 1 ? SEQ_ROWS : t->batch;
    t->xb = zn_alloc((size_t)(buf_rows * train->n_in) * sizeof(float));
    t->yb = zn_alloc((size_t)(buf_rows * train->n_out) * sizeof(float));
    t->order = zn_alloc((size_t)rows * sizeof(int64_t));
    if (t->has_val && c->restore_best) t->best = zn_alloc((size_t)(np ? np : 1) * sizeof(float));
    if (!t->xb || !t->yb || !t->order || (t->has_val && c->restore_best && !t->best))
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_train: out of memory");
    for (int64_t i = 0; i < rows; i++) t->order[i] = i;
    t->fused = fused_sgd(&c->optim);
    t->out_node = zn_model_loss_output_node(m, 0);
    /* a dropout's training pass is not the evaluation of the weights */
    t->pipelined = t->batch == rows && !t->fused && t->out_node >= 0 && !zn_model_has_dropout(m);
    return ZN_OK;
}

/* One step of the general path (backward, then the optimizer) on n rows;
 * adds the loss times n to *total. */
static zn_status general_step(trainer *t, int64_t n, const float *x, const float *y, double error_for_sarprop,
                              double *total) {
    int64_t np = 0, ng = 0;
    float *params = zn_model_params(t->m, &np);
    const float *inputs[2] = {x, y};
    float loss;
    zn_status s = zn_model_backward(t->m, t->ws, n, inputs, &loss);
    if (s != ZN_OK) return s;
    if (!isfinite(loss)) return diverged(t, "the loss", (double)loss);
    t->last_y = y;
    if (t->pipelined) { /* applied by apply_step once the outputs were read */
        t->pending = 1;
        *total += (double)loss * (double)n;
        return ZN_OK;
    }
    float *grads = zn_ws_grads(t->ws, &ng);
    s = zn_optim_step(t->opt, params, grads, np, n, (float)error_for_sarprop);
    if (s == ZN_OK) *total += (double)loss * (double)n;
    return s;
}

/* A pipelined epoch's step, on the gradients its pass left. */
static zn_status apply_step(trainer *t, double error_for_sarprop) {
    int64_t np = 0, ng = 0;
    float *params = zn_model_params(t->m, &np);
    float *grads = zn_ws_grads(t->ws, &ng);
    t->pending = 0;
    return zn_optim_step(t->opt, params, grads, np, t->fit.n, (float)error_for_sarprop);
}

/* One pass over the training rows; returns the mean loss. */
static zn_status run_epoch(trainer *t, double error_for_sarprop, double *mean_loss) {
    const zn_dataset *d = t->fit.d;
    int64_t rows = t->fit.n;
    /* A full batch sums the same rows whatever their order: no shuffle. */
    const int shuffle = t->cfg->shuffle && t->batch < rows;
    const int gather = shuffle || zn_rows_gathered(&t->fit);
    if (shuffle)
        for (int64_t i = rows - 1; i > 0; i--) {
            int64_t j = (int64_t)zn_rng_below(&t->rng, (uint64_t)i + 1), tmp = t->order[i];
            t->order[i] = t->order[j];
            t->order[j] = tmp;
        }
    double total = 0;
    /* Incremental training takes SEQ_ROWS samples per call, one at a time
     * (zn_model_train_sgd_seq: the same result as a call per sample). */
    const int seq = t->batch == 1 && t->fused;
    const int64_t step = seq ? SEQ_ROWS : t->batch;
    for (int64_t r0 = 0; r0 < rows; r0 += step) {
        int64_t n = rows - r0 < step ? rows - r0 : step;
        const float *x, *y;
        if (gather) { /* the batch's rows (targets one-hot from labels) */
            zn_rows_gather(&t->fit, shuffle ? t->order + r0 : NULL, r0, n, t->xb, t->yb);
            x = t->xb;
            y = t->yb;
        } else {
            x = d->x + r0 * d->n_in;
            y = d->y + r0 * d->n_out;
        }
        const float *inputs[2] = {x, y};
        float loss;
        zn_status s;
        if (t->fused) {
            s = seq ? zn_model_train_sgd_seq(t->m, t->ws, n, inputs, zn_optim_lr(t->opt), &loss)
                    : zn_model_train_sgd(t->m, t->ws, n, inputs, zn_optim_lr(t->opt), &loss);
            if (s == ZN_OK) {
                if (!isfinite(loss)) return diverged(t, "the loss", (double)loss);
                total += (double)loss * (double)n;
                continue;
            }
            if (s != ZN_ERR_UNSUPPORTED) return s;
            t->fused = 0; /* a shared parameter: the general path from now on */
        }
        /* the general path, a batch at a time (a sample at a time for a
         * chunk gathered for the sequential call) */
        const int64_t per = seq ? 1 : n;
        for (int64_t i = 0; i < n; i += per)
            if ((s = general_step(t, per, x + i * d->n_in, y + i * d->n_out, error_for_sarprop, &total)) != ZN_OK)
                return s;
    }
    *mean_loss = total / (double)rows;
    return ZN_OK;
}

/* What the epochs carry from one to the next. */
typedef struct fit_state {
    zn_train_report rep;
    float *params;
    int64_t np, since_best;
    double best_val, start, error; /* error: the last training MSE (SARPROP's) */
} fit_state;

/* Ends an epoch whose training figures are ev (its weights' outputs on the
 * training rows): validation, the best weights, the report and the stop
 * criteria. *stop: non-zero to stop after it. */
static zn_status end_epoch(trainer *t, fit_state *f, zn_epoch_report *er, const zn_eval *ev, int *stop) {
    const zn_train_config *cfg = t->cfg;
    zn_train_report *rep = &f->rep;
    const int64_t epoch = er->epoch - 1;
    *stop = 0;
    er->train_mse = ev->mse;
    er->bit_fail = ev->bit_fail;
    f->error = ev->mse;
    er->val_loss = er->val_mse = er->val_accuracy = NAN;
    if (t->has_val) {
        zn_eval vev;
        zn_status s = zn_evaluator_run(&t->eval, &t->val, cfg->bit_fail_limit, &vev);
        if (s != ZN_OK) return s;
        er->val_loss = isnan(vev.loss) ? vev.mse : vev.loss;
        er->val_mse = vev.mse;
        er->val_accuracy = vev.accuracy;
        if (er->val_loss < f->best_val) {
            f->best_val = er->val_loss;
            rep->best_epoch = epoch + 1;
            er->improved = 1;
            f->since_best = 0;
            if (t->best) memcpy(t->best, f->params, (size_t)f->np * sizeof(float));
        } else {
            f->since_best++;
        }
    }
    er->seconds = zn_time_sec() - f->start;
    er->samples_per_second = er->seconds > 0 ? (double)t->fit.n * (double)(epoch + 1) / er->seconds : 0;
    rep->epochs = epoch + 1;
    rep->train_loss = er->train_loss;
    rep->train_mse = er->train_mse;
    rep->bit_fail = er->bit_fail;
    if (cfg->target_error > 0 &&
        (cfg->stop == ZN_STOP_MSE ? er->train_mse <= cfg->target_error : (double)er->bit_fail <= cfg->target_error))
        *stop = ZN_STOPPED_TARGET;
    else if (t->has_val && cfg->patience > 0 && f->since_best >= cfg->patience)
        *stop = ZN_STOPPED_PATIENCE;
    if (cfg->on_epoch && cfg->on_epoch(er, cfg->user) && !*stop) *stop = ZN_STOPPED_CALLBACK;
    if (*stop) {
        rep->stopped_early = epoch + 1 < cfg->epochs;
        rep->stop_reason = (zn_stop_reason)*stop;
    }
    return ZN_OK;
}

/* The training figures of the weights the last (pipelined) pass ran on,
 * from the outputs it kept. */
static zn_status pass_eval(trainer *t, zn_eval *ev) {
    const float *pred = zn_ws_node_value(t->ws, t->out_node);
    return zn_eval_fit_figures(pred, t->last_y, t->fit.n, t->fit.d->n_out, t->cfg->bit_fail_limit, ev);
}

/* The epochs. Pipelined, epoch k's pass (on the weights epoch k-1 left)
 * first ends epoch k-1 with its outputs, then applies its own step; the
 * last epoch's weights are measured by one evaluation at the end. */
static zn_status fit_epochs(trainer *t, fit_state *f) {
    const zn_train_config *cfg = t->cfg;
    zn_epoch_report er, prev;
    memset(&prev, 0, sizeof prev);
    zn_status s = ZN_OK;
    int stop = 0;
    for (int64_t epoch = 0; epoch < cfg->epochs && !stop; epoch++) {
        float lr = zn_schedule_lr(&cfg->schedule, cfg->optim.lr, epoch, cfg->epochs);
        zn_optim_set_lr(t->opt, lr);
        memset(&er, 0, sizeof er);
        er.epoch = epoch + 1;
        er.epochs = cfg->epochs;
        er.lr = lr;
        t->epoch = epoch + 1;
        if ((s = run_epoch(t, f->error, &er.train_loss)) != ZN_OK) return s;
        zn_eval ev;
        if (t->pending) {
            if (epoch > 0) {
                if ((s = pass_eval(t, &ev)) != ZN_OK || (s = end_epoch(t, f, &prev, &ev, &stop)) != ZN_OK) return s;
                if (stop) return ZN_OK; /* this epoch's step is dropped: it never ran */
            }
            if ((s = apply_step(t, f->error)) != ZN_OK) return s;
        }
        if ((s = check_weights(t)) != ZN_OK) return s;
        if (t->pipelined) {
            prev = er;
            continue;
        }
        if ((s = zn_evaluator_run(&t->eval, &t->fit, cfg->bit_fail_limit, &ev)) != ZN_OK ||
            (s = end_epoch(t, f, &er, &ev, &stop)) != ZN_OK)
            return s;
    }
    if (t->pipelined && !stop && prev.epoch > 0) {
        zn_eval ev;
        if ((s = zn_evaluator_run(&t->eval, &t->fit, cfg->bit_fail_limit, &ev)) != ZN_OK) return s;
        s = end_epoch(t, f, &prev, &ev, &stop);
    }
    return s;
}

zn_status zn_train(zn_model *m, const zn_dataset *train, const zn_dataset *val, const zn_train_config *cfg,
                   zn_train_report *report) {
    zn_status s = check_config(m, train, val, cfg);
    if (s == ZN_OK) s = zn_check_targets(train, "zn_train");
    if (s == ZN_OK && val) s = zn_check_targets(val, "zn_train");
    if (s == ZN_OK) s = zn_train_check_data(train, "training");
    if (s == ZN_OK && val) s = zn_train_check_data(val, "validation");
    if (s != ZN_OK) return s;
    trainer t;
    s = trainer_init(&t, m, train, val, cfg);
    if (s != ZN_OK) {
        trainer_free(&t);
        return s;
    }
    fit_state f;
    memset(&f, 0, sizeof f);
    zn_train_report *rep = &f.rep;
    rep->val_loss = rep->val_mse = rep->val_accuracy = NAN;
    f.params = zn_model_params(m, &f.np);
    f.best_val = INFINITY;
    f.start = zn_time_sec();
    if (t.best) memcpy(t.best, f.params, (size_t)f.np * sizeof(float));
    s = fit_epochs(&t, &f);
    if (s == ZN_OK && t.has_val && cfg->restore_best && rep->best_epoch > 0 && rep->best_epoch != rep->epochs) {
        memcpy(f.params, t.best, (size_t)f.np * sizeof(float));
        rep->restored_best = 1;
    }
    if (s == ZN_OK && t.has_val) {
        zn_eval ev;
        s = zn_evaluator_run(&t.eval, &t.val, cfg->bit_fail_limit, &ev);
        rep->val_loss = isnan(ev.loss) ? ev.mse : ev.loss;
        rep->val_mse = ev.mse;
        rep->val_accuracy = ev.accuracy;
    }
    rep->seconds = zn_time_sec() - f.start;
    rep->samples_per_second = rep->seconds > 0 ? (double)t.fit.n * (double)rep->epochs / rep->seconds : 0;
    if (report) *report = *rep;
    trainer_free(&t);
    return s;
}
