/* zenn train DATA -o MODEL [options]: train an MLP on a FANN data file or a
 * CSV, report, and write the model. The steps, in order: options
 * (train_args.c), every output path checked, data (train_data.c), network
 * (train_model.c), training, the model written only when its weights are
 * finite, the summary. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_paths.h"
#include "cli_util.h"
#include "progress.h"
#include "svg_plot.h"
#include "train_args.h"
#include "train_cascade.h"
#include "train_data.h"
#include "train_model.h"
#include "train_report.h"
#include "zenn/fnet.h"

typedef struct curve_log {
    double *train, *val;
    int64_t n, cap;
    progress *prog;
    int64_t diverged; /* the first epoch whose loss was not finite, or 0 */
    double diverged_loss;
} curve_log;

typedef struct train_run {
    train_args a;
    train_data d;
    zn_mlp *mlp;
    zn_fnet *net; /* the model as FANN's net, for -o x.net */
    zn_pool *pool;
    int chosen_hidden;
    zn_algo algo;
    zn_train_config cfg;
    progress prog;
    curve_log log;
    zn_train_report rep;
    zn_eval test_eval;
    int use_auto; /* the data-driven defaults (zn_train_auto_config) train the model */
    zn_auto_config ac;
} train_run;

static int on_epoch(const zn_epoch_report *r, void *user) {
    curve_log *c = user;
    if (c->n < c->cap) {
        c->train[c->n] = r->train_loss;
        c->val[c->n] = r->val_loss;
        c->n++;
    }
    progress_epoch(c->prog, r);
    if (!isfinite(r->train_loss)) { /* diverged: nothing later can be kept */
        c->diverged = r->epoch;
        c->diverged_loss = r->train_loss;
        return 1;
    }
    return 0;
}

/* Every file written is checked before the data is read: writable, not a
 * directory, and none of the files read. */
static int check_outputs(const train_args *a) {
    cli_named_path in[] = {{"DATA", a->data}, {"--test", a->test}, {"--val", a->val}};
    int n = (int)(sizeof in / sizeof in[0]);
    if (cli_check_output("-o", a->out, in, n)) return 1;
    if (a->plot && !strcmp(a->plot, a->out)) return cli_error("--plot and -o name the same file, %s", a->out);
    cli_named_path with_model[] = {
        {"DATA", a->data}, {"--test", a->test}, {"--val", a->val}, {"-o", a->out}, {"--init", a->init}};
    if (a->plot && cli_check_output("--plot", a->plot, with_model, n + 2)) return 1;
    return 0;
}

/* -o x.net: FANN's format must hold the network, which is known before training. */
static int check_net_output(train_run *r) {
    if (r->a.format != TRAIN_FMT_FANN_NET) return 0;
    zn_fnet *net = NULL;
    zn_status s = zn_fnet_from_mlp(r->mlp, &net);
    zn_fnet_free(net);
    if (s != ZN_OK)
        return cli_error("-o %s: FANN's .net format cannot hold this network (%s); write a .safetensors file", r->a.out,
                         zn_last_error());
    return 0;
}

static const char algo_list[] = "rprop, quickprop, sarprop, batch, incremental, sgd, momentum, adam, adamw, rmsprop";

/* The algorithm and the trainer's settings. Returns 0 or the exit status. */
static int make_config(train_run *r) {
    const train_args *a = &r->a;
    r->algo = r->d.fann ? ZN_ALGO_RPROP : ZN_ALGO_ADAM;
    if (a->algo) {
        int al = zn_algo_from_name(a->algo);
        if (al < 0) return cli_error("unknown --algo '%s' (%s)", a->algo, algo_list);
        r->algo = (zn_algo)al;
    }
    zn_algo algo = r->algo;
    if (a->given_momentum && algo != ZN_ALGO_INCREMENTAL && algo != ZN_ALGO_BATCH && algo != ZN_ALGO_MOMENTUM)
        return cli_error("--momentum applies to incremental, batch and momentum, not %s", zn_algo_name(algo));
    if (a->given_weight_decay && (algo == ZN_ALGO_RPROP || algo == ZN_ALGO_QUICKPROP || algo == ZN_ALGO_SARPROP))
        return cli_error("--weight-decay does not apply to %s (it has its own decay)", zn_algo_name(algo));
    zn_train_config *cfg = &r->cfg;
    *cfg = zn_train_config_default(algo);
    cfg->epochs = a->epochs > 0 ? a->epochs : (zn_algo_is_full_batch(algo) ? 500 : 30);
    if (a->batch > 0) cfg->batch_size = a->batch;
    if (a->lr > 0) cfg->optim.lr = (float)a->lr;
    if (a->given_momentum) cfg->optim.momentum = (float)a->momentum;
    if (a->given_weight_decay) cfg->optim.weight_decay = (float)a->weight_decay;
    if (a->target_mse >= 0) cfg->target_error = a->target_mse;
    if (a->patience > 0) cfg->patience = a->patience;
    /* A validation file wins; otherwise --val-split, or 10% when --patience needs one. */
    cfg->val_split = a->val ? 0.0 : (a->val_split >= 0 ? a->val_split : (a->patience > 0 ? 0.1 : 0.0));
    cfg->seed = (uint64_t)a->seed;
    return 0;
}

/* The pool, the progress line and the loss curves of a run configured in r->cfg. */
static int setup_run(train_run *r) {
    const train_args *a = &r->a;
    zn_train_config *cfg = &r->cfg;
    zn_status s = a->threads > 0 ? zn_pool_create((int)a->threads, &r->pool) : ZN_OK;
    if (s != ZN_OK) return cli_fail(s);
    cfg->pool = r->pool;
    progress_init(&r->prog, stderr, cli_stderr_is_tty(), a->quiet || a->json);
    curve_log *log = &r->log;
    log->cap = cfg->epochs < 1000000 ? cfg->epochs : 1000000;
    log->train = calloc((size_t)log->cap, sizeof(double));
    log->val = calloc((size_t)log->cap, sizeof(double));
    log->prog = &r->prog;
    if (!log->train || !log->val) return cli_error("out of memory");
    cfg->on_epoch = on_epoch;
    cfg->user = log;
    return 0;
}

/* Are all the trained weights finite? A diverged run must never be written. */
static int weights_finite(const zn_mlp *mlp) {
    int64_t n = 0;
    const float *p = zn_model_params_const(mlp->model, &n);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(p[i])) return 0;
    return 1;
}

/* Trains, then refuses a model that diverged. Returns 0 or the exit status. */
static int fit(train_run *r) {
    zn_status s = zn_train(r->mlp->model, r->d.train, r->d.val, &r->cfg, &r->rep);
    progress_done(&r->prog);
    const char *hint = "the model was not written; try a lower --lr";
    if (r->log.diverged)
        return cli_error("training diverged at epoch %lld (loss %s): %s", (long long)r->log.diverged,
                         isnan(r->log.diverged_loss) ? "NaN" : "infinite", hint);
    if (s != ZN_OK) return cli_fail(s);
    if (!weights_finite(r->mlp))
        return cli_error("training diverged by epoch %lld (the weights are not finite): %s", (long long)r->rep.epochs,
                         hint);
    if (r->d.test &&
        (s = zn_evaluate(r->mlp->model, r->d.test, r->cfg.bit_fail_limit, r->pool, &r->test_eval)) != ZN_OK)
        return cli_fail(s);
    return 0;
}

static int write_outputs(train_run *r) {
    const train_args *a = &r->a;
    zn_status s;
    if (a->plot && (s = svg_write_curves(a->plot, r->log.train, r->log.val, r->log.n, a->data)) != ZN_OK)
        return cli_fail(s);
    if (a->format == TRAIN_FMT_FANN_NET) {
        s = zn_fnet_from_mlp(r->mlp, &r->net);
        if (s == ZN_OK) s = zn_fnet_save(r->net, a->out);
    } else {
        s = zn_mlp_save(r->mlp, a->out);
    }
    return s == ZN_OK ? 0 : cli_fail(s);
}

static int run_cascade(train_run *r) {
    const train_args *a = &r->a;
    zn_status s = a->threads > 0 ? zn_pool_create((int)a->threads, &r->pool) : ZN_OK;
    if (s != ZN_OK) return cli_fail(s);
    cascade_cli co = {.data = a->data,
                      .test_path = r->d.test_name,
                      .out = a->out,
                      .task = r->d.task,
                      .train = r->d.train,
                      .test = r->d.test,
                      .fann_data = r->d.fann,
                      .max_neurons = a->max_neurons ? a->max_neurons : 30,
                      .seed = a->seed,
                      .target_mse = a->target_mse,
                      .output_act = a->output_act,
                      .pool = r->pool,
                      .json = a->json,
                      .quiet = a->quiet};
    return train_cascade(&co);
}

static train_summary summary(const train_run *r) {
    train_summary s = {&r->a,
                       &r->d,
                       r->mlp,
                       r->algo,
                       r->chosen_hidden,
                       &r->cfg,
                       &r->rep,
                       &r->test_eval,
                       r->use_auto ? &r->ac.spec : &r->mlp->spec,
                       r->use_auto ? r->ac.why : NULL};
    return s;
}

/* Refuses a run whose estimated memory passes --max-memory, before allocating it. */
static int check_memory(const train_run *r, const zn_train_memory *m) {
    if (m->total <= (size_t)r->a.max_memory) return 0;
    const double mb = 1024.0 * 1024.0;
    return cli_error("training would take about %.0f MB (parameters %.0f, gradients %.0f, optimizer %.0f, "
                     "activations %.0f, data %.0f), more than --max-memory's %.0f MB; use fewer hidden units "
                     "(--layers), a smaller --batch, or a higher --max-memory",
                     (double)m->total / mb, (double)m->params / mb, (double)m->grads / mb, (double)m->optimizer / mb,
                     (double)m->workspace / mb, (double)m->data / mb, (double)r->a.max_memory / mb);
}

/* The model's column names, so test and run read files by name. */
static int name_columns(train_run *r) {
    const zn_dataset *t = r->d.train;
    zn_status s = ZN_OK;
    if (r->a.n_targets)
        s = zn_mlp_set_targets(r->mlp, (char *const *)(uintptr_t)r->a.targets, r->a.n_targets);
    else if (t->n_classes == 0 && t->out_names && !r->d.fann)
        s = zn_mlp_set_targets(r->mlp, t->out_names, t->n_out);
    if (s == ZN_OK && t->in_names && !r->mlp->input_names) s = zn_mlp_set_inputs(r->mlp, t->in_names, t->n_in);
    return s == ZN_OK ? 0 : cli_fail(s);
}

/* Test figures of a model that takes raw rows (its scalers inside). */
static int evaluate_raw(train_run *r) {
    const zn_dataset *t = r->d.test;
    if (!t) return 0;
    float *pred = malloc((size_t)(t->rows > 0 ? t->rows : 1) * (size_t)t->n_out * sizeof(float));
    if (!pred) return cli_error("out of memory");
    zn_status s = zn_mlp_predict_rows(r->mlp, t->rows, t->x, pred);
    if (s == ZN_OK)
        s = t->y ? zn_eval_outputs(pred, t->y, t->rows, t->n_out, r->cfg.bit_fail_limit, &r->test_eval)
                 : zn_eval_labels(pred, t->labels, t->rows, t->n_out, r->cfg.bit_fail_limit, &r->test_eval);
    free(pred);
    return s == ZN_OK ? 0 : cli_fail(s);
}

/* CSV data with no option that shapes the network or the optimizer: the
 * library chooses them from the data (docs/DEFAULTS.md); the options given
 * (epochs, batch, lr, patience, val-split, weight decay, dropout, seed) override its choice. */
static int run_auto(train_run *r) {
    const train_args *a = &r->a;
    zn_auto_config *ac = &r->ac;
    zn_status s = zn_train_check_data(r->d.train, a->data);
    if (s == ZN_OK) s = zn_train_auto_config(r->d.train, ac);
    if (s != ZN_OK) return cli_fail(s);
    zn_train_config *t = &ac->train;
    if (a->epochs > 0) t->epochs = a->epochs;
    if (a->batch > 0) t->batch_size = a->batch;
    if (a->lr > 0) t->optim.lr = (float)a->lr;
    if (a->given_weight_decay) t->optim.weight_decay = (float)a->weight_decay;
    if (a->patience > 0) t->patience = a->patience;
    if (a->val_split >= 0) t->val_split = a->val_split;
    if (a->target_mse >= 0) t->target_error = a->target_mse;
    if (a->dropout > 0) ac->spec.dropout = (float)a->dropout;
    t->seed = (uint64_t)a->seed;
    r->algo = t->optim.algo;
    r->chosen_hidden = !a->n_layers;
    zn_train_memory m;
    if ((s = zn_auto_memory_estimate(ac, r->d.train->rows, &m)) != ZN_OK) return cli_fail(s);
    if (check_memory(r, &m)) return 1;
    r->cfg = *t;
    int rc = setup_run(r);
    if (rc) return rc;
    *t = r->cfg;
    train_summary sum = summary(r);
    if (!a->quiet && !a->json) train_report_plan(&sum);
    s = zn_mlp_train_auto(r->d.train, ac, &r->mlp, &r->rep);
    progress_done(&r->prog);
    const char *hint = "the model was not written; try a lower --lr";
    if (r->log.diverged || s == ZN_ERR_DIVERGED)
        return cli_error("training diverged at epoch %lld: %s",
                         (long long)(r->log.diverged ? r->log.diverged : r->rep.epochs), hint);
    if (s != ZN_OK) return cli_fail(s);
    if (!weights_finite(r->mlp))
        return cli_error("training diverged by epoch %lld (the weights are not finite): %s", (long long)r->rep.epochs,
                         hint);
    if ((rc = name_columns(r)) || (rc = evaluate_raw(r)) || (rc = write_outputs(r))) return rc;
    sum = summary(r);
    train_report_results(&sum);
    return 0;
}

static int run_mlp(train_run *r) {
    if (r->a.auto_defaults && !r->d.fann) {
        r->use_auto = 1;
        return run_auto(r);
    }
    int rc = make_config(r);
    if (rc) return rc;
    if (!r->a.init) { /* the memory a new network's run needs, before anything is allocated */
        zn_mlp_spec spec;
        zn_train_memory m;
        if ((rc = train_model_spec(&r->a, &r->d, &spec))) return rc;
        zn_status s = zn_train_memory_estimate(&spec, &r->cfg, r->d.train->rows, &m);
        if (s != ZN_OK) return cli_fail(s);
        if (check_memory(r, &m)) return 1;
    }
    rc = train_model_build(&r->a, &r->d, &r->mlp, &r->chosen_hidden);
    if (!rc) rc = check_net_output(r);
    if (!rc) rc = setup_run(r);
    if (!rc) rc = name_columns(r);
    if (rc) return rc;
    train_summary sum = summary(r);
    if (!r->a.quiet && !r->a.json) train_report_plan(&sum);
    if (!(rc = fit(r)) && !(rc = write_outputs(r))) train_report_results(&sum);
    return rc;
}

int zn_cmd_train(int argc, char **argv) {
    train_run r;
    memset(&r, 0, sizeof r);
    int rc = train_args_parse(argc, argv, &r.a);
    if (rc >= 0) return rc;
    if ((rc = check_outputs(&r.a)) == 0 && (rc = train_data_load(&r.a, &r.d)) == 0)
        rc = r.a.cascade ? run_cascade(&r) : run_mlp(&r);
    free(r.log.train);
    free(r.log.val);
    zn_fnet_free(r.net);
    zn_pool_free(r.pool);
    zn_mlp_free(r.mlp);
    train_data_free(&r.d);
    return rc;
}
