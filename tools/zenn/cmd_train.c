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
#include "zenn/fnet.h"

typedef struct curve_log {
    double *train, *val;
    int64_t n, cap;
    progress *prog;
    int64_t diverged; /* the first epoch whose loss was not finite, or 0 */
    double diverged_loss;
} curve_log;

/* Why training stopped, for the summary and --json. */
typedef struct stop_info {
    const char *kind; /* "target", "patience" or "epochs" */
    char text[160];
} stop_info;

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
    stop_info stop;
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
    cli_named_path with_model[] = {{"DATA", a->data}, {"--test", a->test}, {"--val", a->val}, {"-o", a->out},
                                   {"--init", a->init}};
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
        return cli_error("-o %s: FANN's .net format cannot hold this network (%s); write a .safetensors file",
                         r->a.out, zn_last_error());
    return 0;
}

static const char *algo_list = "rprop, quickprop, sarprop, batch, incremental, sgd, momentum, adam, adamw, rmsprop";

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

static void print_plan(const train_run *r) {
    const train_args *a = &r->a;
    const zn_dataset *t = r->d.train;
    const zn_mlp_spec *spec = &r->mlp->spec;
    fprintf(stderr, "data: %s: %lld rows, %lld inputs, %lld outputs\n", a->data, (long long)t->rows,
            (long long)t->n_in, (long long)t->n_out);
    fprintf(stderr, "task: %s\n", r->d.task);
    if (t->n_classes > 0 && spec->loss != ZN_LOSS_XENT && spec->loss != ZN_LOSS_BCE)
        fprintf(stderr, "note: --loss %s fits the %lld one-hot class outputs; --task regression predicts the column "
                        "as a number\n",
                zn_loss_name(spec->loss), (long long)t->n_out);
    fprintf(stderr, "network:");
    for (int i = 0; i < spec->n_layers; i++) fprintf(stderr, "%s%lld", i ? "," : " ", (long long)spec->sizes[i]);
    fprintf(stderr, "%s; hidden %s, loss %s; %s, up to %lld epochs\n",
            a->init ? " (from --init)" : (r->chosen_hidden ? " (one hidden layer chosen)" : ""),
            zn_nact_name(spec->hidden_act), zn_loss_name(spec->loss), zn_algo_name(r->algo), (long long)r->cfg.epochs);
}

/* Why the trainer stopped, from its report and the settings. */
static void explain_stop(train_run *r) {
    const zn_train_report *rep = &r->rep;
    const zn_train_config *cfg = &r->cfg;
    stop_info *st = &r->stop;
    if (rep->epochs < cfg->epochs && cfg->target_error > 0 && rep->train_mse <= cfg->target_error) {
        st->kind = "target";
        snprintf(st->text, sizeof st->text, "target reached at epoch %lld (train mse %.6g <= %g)",
                 (long long)rep->epochs, rep->train_mse, cfg->target_error);
    } else if (rep->epochs < cfg->epochs) {
        st->kind = "patience";
        snprintf(st->text, sizeof st->text,
                 "early stop at epoch %lld: no validation improvement for %lld epochs; best epoch %lld kept",
                 (long long)rep->epochs, (long long)cfg->patience, (long long)rep->best_epoch);
    } else {
        st->kind = "epochs";
        snprintf(st->text, sizeof st->text, "the epoch budget (%lld) ran out", (long long)cfg->epochs);
    }
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
    explain_stop(r);
    if (r->d.test && (s = zn_evaluate(r->mlp->model, r->d.test, r->cfg.bit_fail_limit, r->pool, &r->test_eval)) != ZN_OK)
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

static void json_number(FILE *f, const char *key, double v, int last) {
    if (isfinite(v))
        fprintf(f, "\"%s\":%.9g%s", key, v, last ? "" : ",");
    else
        fprintf(f, "\"%s\":null%s", key, last ? "" : ",");
}

/* A JSON string value of plain printable text (what this command builds). */
static void json_string(FILE *f, const char *key, const char *v) {
    fprintf(f, "\"%s\":\"", key);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputs("\",", f);
}

static void print_results(const train_run *r) {
    const train_args *a = &r->a;
    const zn_train_report *rep = &r->rep;
    int classes = r->d.train->n_classes > 0, test = r->d.test != NULL;
    double acc = test ? r->test_eval.accuracy : rep->val_accuracy;
    if (a->json) {
        printf("{\"epochs\":%lld,\"max_epochs\":%lld,", (long long)rep->epochs, (long long)r->cfg.epochs);
        json_string(stdout, "stop", r->stop.kind);
        if (rep->best_epoch > 0)
            printf("\"best_epoch\":%lld,", (long long)rep->best_epoch);
        else
            printf("\"best_epoch\":null,");
        json_string(stdout, "task", classes ? "classify" : "regression");
        json_string(stdout, "task_detail", r->d.task);
        json_number(stdout, "train_mse", rep->train_mse, 0);
        json_number(stdout, "val_mse", rep->val_mse, 0);
        json_number(stdout, "test_mse", test ? r->test_eval.mse : NAN, 0);
        json_number(stdout, "accuracy", classes ? acc : NAN, 0);
        json_number(stdout, "seconds", rep->seconds, 0);
        json_number(stdout, "samples_per_second", rep->samples_per_second, 1);
        printf("}\n");
        return;
    }
    if (a->quiet) return;
    fprintf(stderr, "trained %lld epochs in %.2f s (%.0f samples/s); train mse %.6f\n", (long long)rep->epochs,
            rep->seconds, rep->samples_per_second, rep->train_mse);
    fprintf(stderr, "stopped: %s\n", r->stop.text);
    if (test) {
        fprintf(stderr, "test: mse %.6f", r->test_eval.mse);
        if (classes) fprintf(stderr, ", accuracy %.2f%%", 100.0 * r->test_eval.accuracy);
        fprintf(stderr, " (%s, %lld rows)\n", r->d.test_name, (long long)r->d.test->rows);
    }
    fprintf(stderr, "model written to %s\n", a->out);
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

static int run_mlp(train_run *r) {
    int rc = train_model_build(&r->a, &r->d, &r->mlp, &r->chosen_hidden);
    if (!rc) rc = check_net_output(r);
    if (!rc) rc = make_config(r);
    if (rc) return rc;
    if (!r->a.quiet && !r->a.json) print_plan(r);
    if (!(rc = fit(r)) && !(rc = write_outputs(r))) print_results(r);
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
