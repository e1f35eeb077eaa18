/* zenn train's network (see train_model.h). */
#include <math.h>
#include <string.h>

#include "cli_net.h"
#include "cli_util.h"
#include "train_model.h"

/* One hidden layer sized between the inputs and outputs. */
static int64_t default_hidden(int64_t in, int64_t out) {
    double h = 2.0 * sqrt((double)in * (double)out);
    if (h < 8) h = 8;
    if (h > 256) h = 256;
    return (int64_t)h;
}

static int set_sizes(const train_args *a, const zn_dataset *t, zn_mlp_spec *spec, int *chosen) {
    *chosen = !a->n_layers;
    if (!a->n_layers) {
        spec->n_layers = 3;
        spec->sizes[0] = t->n_in;
        spec->sizes[1] = default_hidden(t->n_in, t->n_out);
        spec->sizes[2] = t->n_out;
        return 0;
    }
    if (a->layers[0] != t->n_in || a->layers[a->n_layers - 1] != t->n_out)
        return cli_error("--layers %lld,...,%lld does not match %s: %lld inputs and %lld outputs",
                         (long long)a->layers[0], (long long)a->layers[a->n_layers - 1], a->data, (long long)t->n_in,
                         (long long)t->n_out);
    spec->n_layers = a->n_layers;
    memcpy(spec->sizes, a->layers, sizeof a->layers);
    return 0;
}

/* --output-act: FANN's and the modern functions; "softmax" (Keras's name for a
 * classifier's output) means the cross-entropy loss, whose output it is. */
static int set_output_act(const train_args *a, int classes, zn_mlp_spec *spec) {
    if (!a->output_act) return 0;
    if (!strcmp(a->output_act, "softmax")) {
        if (!classes)
            return cli_error("--output-act softmax is a classifier's output, but %s's target is numeric (for a CSV, "
                             "--task classify reads it as labels)",
                             a->data);
        if (a->loss && spec->loss != ZN_LOSS_XENT)
            return cli_error("--output-act softmax goes with --loss xent, not %s", a->loss);
        spec->loss = ZN_LOSS_XENT;
        return 0;
    }
    int act = zn_nact_from_name(a->output_act);
    if (act < 0)
        return cli_error("unknown --output-act '%s' (e.g. linear, sigmoid, sigmoid-symmetric, tanh; softmax for "
                         "classes)",
                         a->output_act);
    if (spec->loss == ZN_LOSS_XENT)
        return cli_error("--output-act %s: a classifier trained with xent outputs the softmax (--output-act softmax); "
                         "--loss mse trains other outputs",
                         a->output_act);
    if (spec->loss == ZN_LOSS_BCE && act != ZN_NACT_FANN_SIGMOID)
        return cli_error("--output-act %s: --loss bce outputs the logistic sigmoid", a->output_act);
    spec->output_act = (zn_nact)act;
    if (act >= ZN_NACT_RELU || act == ZN_NACT_LINEAR) spec->output_steepness = 1.0f;
    return 0;
}

/* The spec the options and the data ask for. Returns 0 or the exit status. */
static int make_spec(const train_args *a, const train_data *d, zn_mlp_spec *spec, int *chosen) {
    const zn_dataset *t = d->train;
    int classes = t->n_classes > 0;
    *spec = zn_mlp_spec_default();
    if (set_sizes(a, t, spec, chosen)) return 1;
    if (!d->fann) { /* modern defaults for CSV data */
        spec->hidden_act = ZN_NACT_RELU;
        spec->hidden_steepness = 1.0f;
        spec->output_act = ZN_NACT_LINEAR;
        spec->output_steepness = 1.0f;
        spec->loss = classes ? ZN_LOSS_XENT : ZN_LOSS_MSE;
        spec->init = ZN_INIT_XAVIER;
        spec->init_scale = 1.0f;
        spec->fann_derivatives = 0;
    }
    spec->shortcut = a->shortcut;
    spec->connection_rate = (float)a->connection_rate;
    spec->dropout = (float)a->dropout;
    if (a->hidden_act) {
        int act = zn_nact_from_name(a->hidden_act);
        if (act < 0)
            return cli_error("unknown --hidden-act '%s' (e.g. sigmoid-symmetric, relu, tanh, elliot)", a->hidden_act);
        spec->hidden_act = (zn_nact)act;
        if (act >= ZN_NACT_RELU) spec->hidden_steepness = 1.0f;
    }
    if (a->loss) {
        int l = zn_loss_from_name(a->loss);
        if (l < 0) return cli_error("unknown --loss '%s' (sse, mse, xent, bce, mae, huber, tanh_error)", a->loss);
        spec->loss = (zn_loss_kind)l;
    }
    return set_output_act(a, classes, spec);
}

/* Standardises the inputs of every set with a scaler fitted on the training rows. */
static int scale_inputs(train_data *d, zn_scaler **out) {
    zn_dataset *t = d->train;
    zn_status s = zn_scaler_fit(ZN_SCALE_STANDARD, 0, 0, t->x, t->rows, t->n_in, out);
    if (s == ZN_OK) s = zn_scaler_apply(*out, t->x, t->rows);
    if (s == ZN_OK && d->test) s = zn_scaler_apply(*out, d->test->x, d->test->rows);
    if (s == ZN_OK && d->val) s = zn_scaler_apply(*out, d->val->x, d->val->rows);
    return s == ZN_OK ? 0 : cli_fail(s);
}

static int new_model(const train_args *a, train_data *d, zn_mlp **out, int *chosen) {
    zn_mlp_spec spec;
    if (make_spec(a, d, &spec, chosen)) return 1;
    zn_scaler *scaler = NULL;
    int scale = a->scale >= 0 ? a->scale : !d->fann;
    if (scale && scale_inputs(d, &scaler)) return 1;
    const zn_dataset *t = d->train;
    zn_status s = zn_mlp_wrap(&spec, (uint64_t)a->seed, scaler, NULL, t->n_classes, t->class_names, out);
    zn_scaler_free(scaler);
    /* The CSV columns predicted, so `zenn test` reads test files alike (default: the last column). */
    if (s == ZN_OK && a->n_targets) s = zn_mlp_set_targets(*out, (char *const *)(uintptr_t)a->targets, a->n_targets);
    if (s == ZN_OK && t->in_names) s = zn_mlp_set_inputs(*out, t->in_names, t->n_in);
    return s == ZN_OK ? 0 : cli_fail(s);
}

/* Applies a scaler to every set's inputs (or targets). */
static zn_status scale_all(const zn_scaler *sc, train_data *d, int targets) {
    zn_dataset *sets[3] = {d->train, d->test, d->val};
    zn_status s = ZN_OK;
    for (int i = 0; i < 3 && s == ZN_OK; i++)
        if (sets[i]) s = zn_scaler_apply(sc, targets ? sets[i]->y : sets[i]->x, sets[i]->rows);
    return s;
}

/* --init: the saved model, checked against the data, its scaling applied. */
static int init_model(const train_args *a, train_data *d, zn_mlp **out) {
    zn_fnet *net = NULL;
    zn_status s = cli_load_model(a->init, out, &net);
    if (s != ZN_OK) return cli_fail(s);
    if (net) {
        zn_fnet_free(net);
        return cli_error("--init %s: this FANN net is not an MLP zenn can train (convert gives the reason)", a->init);
    }
    const zn_mlp *m = *out;
    const zn_dataset *t = d->train;
    int64_t in = m->spec.sizes[0], outs = m->spec.sizes[m->spec.n_layers - 1];
    if (in != t->n_in || outs != t->n_out)
        return cli_error("--init %s has %lld inputs and %lld outputs, but %s has %lld and %lld", a->init, (long long)in,
                         (long long)outs, a->data, (long long)t->n_in, (long long)t->n_out);
    if ((m->n_classes > 0) != (t->n_classes > 0))
        return cli_error("--init %s is a %s, but %s's target is %s", a->init,
                         m->n_classes > 0 ? "classifier" : "regression model", a->data,
                         t->n_classes > 0 ? "a class column" : "numeric");
    zn_dataset *sets[3] = {d->train, d->test, d->val};
    for (int i = 0; i < 3 && m->n_classes > 0; i++)
        if (sets[i] && zn_dataset_align_classes(sets[i], m->class_names, m->n_classes) != ZN_OK)
            return cli_error("--init %s: %s", a->init, zn_last_error());
    s = ZN_OK;
    if (m->input_scaler) s = scale_all(m->input_scaler, d, 0);
    if (s == ZN_OK && m->output_scaler) s = scale_all(m->output_scaler, d, 1);
    return s == ZN_OK ? 0 : cli_fail(s);
}

int train_model_spec(const train_args *a, const train_data *d, zn_mlp_spec *spec) {
    int chosen = 0;
    return make_spec(a, d, spec, &chosen);
}

int train_model_build(const train_args *a, train_data *d, zn_mlp **out, int *chosen_hidden) {
    *out = NULL;
    *chosen_hidden = 0;
    return a->init ? init_model(a, d, out) : new_model(a, d, out, chosen_hidden);
}
