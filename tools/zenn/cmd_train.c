/* zenn train DATA -o MODEL [options]: train an MLP on a FANN data file or a
 * CSV, report, and write the model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "progress.h"
#include "svg_plot.h"
#include "train_cascade.h"

#define MAX_TARGETS 64

typedef struct train_args {
    const char *data, *out, *test, *val, *plot;
    int64_t layers[ZN_MLP_MAX_LAYERS];
    int n_layers;
    const char *hidden_act, *output_act, *algo, *loss;
    long long epochs, batch, patience, seed, threads;
    double lr, target_mse, val_split;
    const char *targets[MAX_TARGETS];
    int n_targets;
    int json, quiet, allow_nan, scale; /* scale: -1 default, 0 off, 1 on */
    int shortcut;
    double connection_rate;
    int cascade;
    long long max_neurons;
} train_args;

static void usage(FILE *f) {
    fprintf(f, "usage: zenn train DATA -o MODEL [options]\n"
               "\n"
               "DATA is a FANN data file or a CSV with a header (the last column, or --target, is the target;\n"
               "a column of labels makes a classifier).\n"
               "\n"
               "  -o, --output MODEL   where to write the model (safetensors)\n"
               "  --test FILE          evaluate on this data after training\n"
               "  --val FILE           validation data (for --patience and the curves; else --val-split)\n"
               "  --layers A,B,...     layer sizes, inputs and outputs included (default: one hidden layer)\n"
               "  --hidden-act NAME    hidden activation (default: sigmoid_symmetric for FANN data, relu for CSV)\n"
               "  --output-act NAME    output activation for regression (default: sigmoid_symmetric / linear)\n"
               "  --algo NAME          rprop|quickprop|sarprop|batch|incremental|sgd|momentum|adam|adamw|rmsprop\n"
               "  --loss NAME          sse|mse|xent|bce|mae|huber|tanh_error (default from the data)\n"
               "  --epochs N           maximum epochs (default 500 for FANN's algorithms, 30 otherwise)\n"
               "  --batch N            batch size (default: the algorithm's)\n"
               "  --lr X               learning rate\n"
               "  --target-mse X       stop when the training MSE reaches X\n"
               "  --patience N         stop after N epochs without validation improvement\n"
               "  --val-split X        hold out this fraction for validation (default 0.1 with --patience)\n"
               "  --seed N             random seed (default 1)\n"
               "  --threads N          threads (default: ZN_THREADS or all CPUs)\n"
               "  --target COL         CSV target column (repeat for several)\n"
               "  --shortcut           FANN shortcut network: every layer sees all earlier layers\n"
               "  --connection-rate X  FANN sparse network: keep this fraction of the connections\n"
               "  --cascade            FANN's cascade-correlation: grow a shortcut net neuron by neuron\n"
               "                       (RPROP; --target-mse, --max-neurons); MODEL must be a FANN .net file\n"
               "  --max-neurons N      neurons --cascade may add (default 30)\n"
               "  --scale / --no-scale standardise the inputs (default: on for CSV, off for FANN data)\n"
               "  --allow-nan          accept NaN/Inf values in the data\n"
               "  --plot FILE.svg      write the loss curves\n"
               "  --json               print one JSON object with the results\n"
               "  --quiet              no progress output\n");
}

static int parse_args(int argc, char **argv, train_args *a) {
    memset(a, 0, sizeof *a);
    a->epochs = a->batch = -1;
    a->lr = a->target_mse = a->val_split = -1;
    a->seed = 1;
    a->scale = -1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            exit(0);
        }
#define VALUE()                                                                                                        \
    if (!(v = cli_value(argc, argv, &i))) return 0
        if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
            VALUE();
            a->out = v;
        } else if (!strcmp(o, "--test")) {
            VALUE();
            a->test = v;
        } else if (!strcmp(o, "--val")) {
            VALUE();
            a->val = v;
        } else if (!strcmp(o, "--plot")) {
            VALUE();
            a->plot = v;
        } else if (!strcmp(o, "--layers")) {
            VALUE();
            if (!(a->n_layers = cli_int_list(o, v, a->layers, ZN_MLP_MAX_LAYERS))) return 0;
            if (a->n_layers < 2) return !cli_error("--layers needs at least inputs and outputs, got '%s'", v);
        } else if (!strcmp(o, "--hidden-act")) {
            VALUE();
            a->hidden_act = v;
        } else if (!strcmp(o, "--output-act")) {
            VALUE();
            a->output_act = v;
        } else if (!strcmp(o, "--algo")) {
            VALUE();
            a->algo = v;
        } else if (!strcmp(o, "--loss")) {
            VALUE();
            a->loss = v;
        } else if (!strcmp(o, "--epochs")) {
            VALUE();
            if (!cli_int(o, v, 1, 100000000, &a->epochs)) return 0;
        } else if (!strcmp(o, "--batch")) {
            VALUE();
            if (!cli_int(o, v, 1, 1 << 24, &a->batch)) return 0;
        } else if (!strcmp(o, "--patience")) {
            VALUE();
            if (!cli_int(o, v, 1, 1000000, &a->patience)) return 0;
        } else if (!strcmp(o, "--seed")) {
            VALUE();
            if (!cli_int(o, v, 0, 0x7fffffffffffffffLL, &a->seed)) return 0;
        } else if (!strcmp(o, "--threads")) {
            VALUE();
            if (!cli_int(o, v, 1, 1024, &a->threads)) return 0;
        } else if (!strcmp(o, "--lr")) {
            VALUE();
            if (!cli_float(o, v, 1e-12, 1e6, &a->lr)) return 0;
        } else if (!strcmp(o, "--target-mse")) {
            VALUE();
            if (!cli_float(o, v, 0, 1e30, &a->target_mse)) return 0;
        } else if (!strcmp(o, "--val-split")) {
            VALUE();
            if (!cli_float(o, v, 0, 0.9, &a->val_split)) return 0;
        } else if (!strcmp(o, "--connection-rate")) {
            VALUE();
            if (!cli_float(o, v, 1e-6, 1, &a->connection_rate)) return 0;
        } else if (!strcmp(o, "--max-neurons")) {
            VALUE();
            if (!cli_int(o, v, 1, 100000, &a->max_neurons)) return 0;
        } else if (!strcmp(o, "--cascade"))
            a->cascade = 1;
        else if (!strcmp(o, "--shortcut"))
            a->shortcut = 1;
        else if (!strcmp(o, "--target")) {
            VALUE();
            if (a->n_targets == MAX_TARGETS) return !cli_error("at most %d --target columns", MAX_TARGETS);
            a->targets[a->n_targets++] = v;
        } else if (!strcmp(o, "--scale"))
            a->scale = 1;
        else if (!strcmp(o, "--no-scale"))
            a->scale = 0;
        else if (!strcmp(o, "--allow-nan"))
            a->allow_nan = 1;
        else if (!strcmp(o, "--json"))
            a->json = 1;
        else if (!strcmp(o, "--quiet"))
            a->quiet = 1;
        else if (o[0] == '-' && o[1])
            return !cli_error("unknown option '%s' for train (try zenn train --help)", o);
        else if (!a->data)
            a->data = o;
        else
            return !cli_error("train takes one DATA file; '%s' is extra", o);
#undef VALUE
    }
    if (!a->data) return !cli_error("train needs a DATA file (try zenn train --help)");
    if (!a->out) return !cli_error("train needs -o MODEL, the file to write");
    if (a->max_neurons && !a->cascade) return !cli_error("--max-neurons needs --cascade");
    if (a->cascade) {
        if (!train_cascade_is_net_path(a->out))
            return !cli_error("--cascade writes a FANN .net file: -o must end in .net, not '%s'", a->out);
        const char *other = a->n_layers              ? "--layers"
                            : a->hidden_act          ? "--hidden-act"
                            : a->algo                ? "--algo"
                            : a->loss                ? "--loss"
                            : a->epochs > 0          ? "--epochs"
                            : a->batch > 0           ? "--batch"
                            : a->lr > 0              ? "--lr"
                            : a->patience > 0        ? "--patience"
                            : a->val                 ? "--val"
                            : a->val_split >= 0      ? "--val-split"
                            : a->plot                ? "--plot"
                            : a->shortcut            ? "--shortcut"
                            : a->connection_rate > 0 ? "--connection-rate"
                            : a->scale == 1          ? "--scale"
                                                     : NULL;
        if (other) return !cli_error("%s does not apply to --cascade", other);
    }
    return 1;
}

typedef struct curve_log {
    double *train, *val;
    int64_t n, cap;
    progress *prog;
} curve_log;

static int on_epoch(const zn_epoch_report *r, void *user) {
    curve_log *c = user;
    if (c->n < c->cap) {
        c->train[c->n] = r->train_loss;
        c->val[c->n] = r->val_loss;
        c->n++;
    }
    progress_epoch(c->prog, r);
    return 0;
}

/* One hidden layer sized between the inputs and outputs. */
static int64_t default_hidden(int64_t in, int64_t out) {
    double h = 2.0 * sqrt((double)in * (double)out);
    if (h < 8) h = 8;
    if (h > 256) h = 256;
    return (int64_t)h;
}

/* A test or validation file read like the training data: the same columns,
 * its labels mapped onto the training classes. Returns 0 or the exit status. */
static int load_like(const char *path, const cli_data_opts *o, const zn_dataset *train, const char *train_path,
                     zn_dataset **out) {
    zn_status s = cli_load_data(path, o, out);
    if (s != ZN_OK) return cli_fail(s);
    zn_dataset *d = *out;
    int classes = train->n_classes > 0;
    if (d->n_in != train->n_in || (!classes && d->n_out != train->n_out))
        return cli_error("%s: %lld inputs and %lld outputs, but %s has %lld and %lld", path, (long long)d->n_in,
                         (long long)d->n_out, train_path, (long long)train->n_in, (long long)train->n_out);
    if (classes && zn_dataset_align_classes(d, train->class_names, train->n_classes) != ZN_OK)
        return cli_error("%s: %s", path, zn_last_error());
    return 0;
}

static void json_number(FILE *f, const char *key, double v, int last) {
    if (isfinite(v))
        fprintf(f, "\"%s\":%.9g%s", key, v, last ? "" : ",");
    else
        fprintf(f, "\"%s\":null%s", key, last ? "" : ",");
}

int zn_cmd_train(int argc, char **argv) {
    train_args a;
    if (!parse_args(argc, argv, &a)) return 2;
    zn_dataset *train = NULL, *test = NULL, *val = NULL;
    zn_scaler *scaler = NULL;
    zn_mlp *mlp = NULL;
    zn_pool *pool = NULL;
    curve_log log = {0};
    int rc = 1;
    cli_data_opts dopt = {a.targets, a.n_targets, a.allow_nan, ZN_TARGET_AUTO};
    zn_status s = cli_load_data(a.data, &dopt, &train);
    if (s != ZN_OK) return cli_fail(s);
    int fann_data = cli_is_fann_file(a.data), classes = train->n_classes > 0;
    if (train->rows < 1) {
        rc = cli_error("%s: no rows to train on", a.data);
        goto done;
    }
    if ((a.test && (rc = load_like(a.test, &dopt, train, a.data, &test)) != 0) ||
        (a.val && (rc = load_like(a.val, &dopt, train, a.data, &val)) != 0))
        goto done;
    if (a.cascade) {
        if (a.threads > 0 && (s = zn_pool_create((int)a.threads, &pool)) != ZN_OK) {
            rc = cli_fail(s);
            goto done;
        }
        cascade_cli co = {
            a.data, a.test,       a.out,        train, test,   fann_data, a.max_neurons ? a.max_neurons : 30,
            a.seed, a.target_mse, a.output_act, pool,  a.json, a.quiet};
        rc = train_cascade(&co);
        goto done;
    }

    zn_mlp_spec spec = zn_mlp_spec_default();
    if (a.n_layers) {
        if (a.layers[0] != train->n_in || a.layers[a.n_layers - 1] != train->n_out) {
            rc = cli_error("--layers %lld,...,%lld does not match %s: %lld inputs and %lld outputs",
                           (long long)a.layers[0], (long long)a.layers[a.n_layers - 1], a.data, (long long)train->n_in,
                           (long long)train->n_out);
            goto done;
        }
        spec.n_layers = a.n_layers;
        memcpy(spec.sizes, a.layers, sizeof a.layers);
    } else {
        spec.n_layers = 3;
        spec.sizes[0] = train->n_in;
        spec.sizes[1] = default_hidden(train->n_in, train->n_out);
        spec.sizes[2] = train->n_out;
    }
    if (!fann_data) { /* modern defaults for CSV data */
        spec.hidden_act = ZN_NACT_RELU;
        spec.hidden_steepness = 1.0f;
        spec.output_act = ZN_NACT_LINEAR;
        spec.output_steepness = 1.0f;
        spec.loss = classes ? ZN_LOSS_XENT : ZN_LOSS_MSE;
        spec.init = ZN_INIT_XAVIER;
        spec.init_scale = 1.0f;
        spec.fann_derivatives = 0;
    }
    spec.shortcut = a.shortcut;
    spec.connection_rate = (float)a.connection_rate;
    if (a.hidden_act) {
        int act = zn_nact_from_name(a.hidden_act);
        if (act < 0) {
            rc = cli_error("unknown --hidden-act '%s' (e.g. sigmoid_symmetric, relu, tanh, elliot)", a.hidden_act);
            goto done;
        }
        spec.hidden_act = (zn_nact)act;
        if (act >= ZN_NACT_RELU) spec.hidden_steepness = 1.0f;
    }
    if (a.output_act) {
        int act = zn_nact_from_name(a.output_act);
        if (act < 0) {
            rc = cli_error("unknown --output-act '%s'", a.output_act);
            goto done;
        }
        spec.output_act = (zn_nact)act;
        if (act >= ZN_NACT_RELU || act == ZN_NACT_LINEAR) spec.output_steepness = 1.0f;
    }
    if (a.loss) {
        int l = zn_loss_from_name(a.loss);
        if (l < 0) {
            rc = cli_error("unknown --loss '%s' (sse, mse, xent, bce, mae, huber, tanh_error)", a.loss);
            goto done;
        }
        spec.loss = (zn_loss_kind)l;
    }
    zn_algo algo = fann_data ? ZN_ALGO_RPROP : ZN_ALGO_ADAM;
    if (a.algo) {
        int al = zn_algo_from_name(a.algo);
        if (al < 0) {
            rc = cli_error("unknown --algo '%s' (rprop, quickprop, sarprop, batch, incremental, sgd, momentum, adam, "
                           "adamw, rmsprop)",
                           a.algo);
            goto done;
        }
        algo = (zn_algo)al;
    }
    int scale = a.scale >= 0 ? a.scale : !fann_data;
    if (scale) {
        s = zn_scaler_fit(ZN_SCALE_STANDARD, 0, 0, train->x, train->rows, train->n_in, &scaler);
        if (s == ZN_OK) s = zn_scaler_apply(scaler, train->x, train->rows);
        if (s == ZN_OK && test) s = zn_scaler_apply(scaler, test->x, test->rows);
        if (s == ZN_OK && val) s = zn_scaler_apply(scaler, val->x, val->rows);
        if (s != ZN_OK) {
            rc = cli_fail(s);
            goto done;
        }
    }
    s = zn_mlp_wrap(&spec, (uint64_t)a.seed, scaler, NULL, train->n_classes, train->class_names, &mlp);
    if (s != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }
    /* The CSV columns predicted, so `zenn test` reads test files alike (default: the last column). */
    if (a.n_targets && (s = zn_mlp_set_targets(mlp, (char *const *)(uintptr_t)a.targets, a.n_targets)) != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }
    if (a.threads > 0 && (s = zn_pool_create((int)a.threads, &pool)) != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }

    zn_train_config cfg = zn_train_config_default(algo);
    cfg.epochs = a.epochs > 0 ? a.epochs : (zn_algo_is_full_batch(algo) ? 500 : 30);
    if (a.batch > 0) cfg.batch_size = a.batch;
    if (a.lr > 0) cfg.optim.lr = (float)a.lr;
    if (a.target_mse >= 0) cfg.target_error = a.target_mse;
    if (a.patience > 0) cfg.patience = a.patience;
    /* A validation file wins; otherwise --val-split, or 10% when --patience needs one. */
    cfg.val_split = a.val ? 0.0 : (a.val_split >= 0 ? a.val_split : (a.patience > 0 ? 0.1 : 0.0));
    cfg.seed = (uint64_t)a.seed;
    cfg.pool = pool;
    progress prog;
    progress_init(&prog, stderr, cli_stderr_is_tty(), a.quiet || a.json);
    log.cap = cfg.epochs < 1000000 ? cfg.epochs : 1000000;
    log.train = calloc((size_t)log.cap, sizeof(double));
    log.val = calloc((size_t)log.cap, sizeof(double));
    log.prog = &prog;
    if (!log.train || !log.val) {
        rc = cli_error("out of memory");
        goto done;
    }
    cfg.on_epoch = on_epoch;
    cfg.user = &log;
    if (!a.quiet && !a.json) {
        fprintf(stderr, "data: %s: %lld rows, %lld inputs, %lld outputs%s\n", a.data, (long long)train->rows,
                (long long)train->n_in, (long long)train->n_out, classes ? " (classes)" : "");
        fprintf(stderr, "network:");
        for (int i = 0; i < spec.n_layers; i++) fprintf(stderr, "%s%lld", i ? "," : " ", (long long)spec.sizes[i]);
        fprintf(stderr, "%s; hidden %s, loss %s; %s, %lld epochs\n", a.n_layers ? "" : " (one hidden layer chosen)",
                zn_nact_name(spec.hidden_act), zn_loss_name(spec.loss), zn_algo_name(algo), (long long)cfg.epochs);
    }
    zn_train_report rep;
    s = zn_train(mlp->model, train, val, &cfg, &rep);
    progress_done(&prog);
    if (s != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }
    zn_eval tev = {NAN, NAN, NAN, NAN, 0, 0};
    if (test && (s = zn_evaluate(mlp->model, test, cfg.bit_fail_limit, pool, &tev)) != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }
    if (a.plot && (s = svg_write_curves(a.plot, log.train, log.val, log.n, a.data)) != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }
    if ((s = zn_mlp_save(mlp, a.out)) != ZN_OK) {
        rc = cli_fail(s);
        goto done;
    }
    double acc = test ? tev.accuracy : rep.val_accuracy;
    if (a.json) {
        printf("{\"epochs\":%lld,", (long long)rep.epochs);
        json_number(stdout, "train_mse", rep.train_mse, 0);
        json_number(stdout, "val_mse", rep.val_mse, 0);
        json_number(stdout, "test_mse", test ? tev.mse : NAN, 0);
        json_number(stdout, "accuracy", classes ? acc : NAN, 0);
        json_number(stdout, "seconds", rep.seconds, 0);
        json_number(stdout, "samples_per_second", rep.samples_per_second, 1);
        printf("}\n");
    } else if (!a.quiet) {
        fprintf(stderr, "trained %lld epochs in %.2f s (%.0f samples/s); train mse %.6f\n", (long long)rep.epochs,
                rep.seconds, rep.samples_per_second, rep.train_mse);
        if (test) {
            fprintf(stderr, "test: mse %.6f", tev.mse);
            if (classes) fprintf(stderr, ", accuracy %.2f%%", 100.0 * tev.accuracy);
            fprintf(stderr, " (%s, %lld rows)\n", a.test, (long long)test->rows);
        }
        fprintf(stderr, "model written to %s\n", a.out);
    }
    rc = 0;
done:
    free(log.train);
    free(log.val);
    zn_pool_free(pool);
    zn_mlp_free(mlp);
    zn_scaler_free(scaler);
    zn_dataset_free(train);
    zn_dataset_free(test);
    zn_dataset_free(val);
    return rc;
}
