/* zenn train DATA -o MODEL [options]: train an MLP on a FANN data file or a
 * CSV, report, and write the model. The steps, in order: options
 * (train_args.c), every output path checked, data (train_data.c), network
 * (train_model.c), training, the model written only when its weights are
 * finite, the summary. */
#include <math.h>
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
    train_summary s = {&r->a, &r->d, r->mlp, r->algo, r->chosen_hidden, &r->cfg, &r->rep, &r->test_eval};
    return s;
}

static int run_mlp(train_run *r) {
    int rc = train_model_build(&r->a, &r->d, &r->mlp, &r->chosen_hidden);
    if (!rc) rc = check_net_output(r);
    if (!rc) rc = make_config(r);
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
