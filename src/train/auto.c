/* Defaults that work on small tabular data with no options: the network,
 * optimizer, epoch budget and early stopping chosen from the data's shape,
 * and a helper that scales, trains and wraps the result as a zn_mlp.
 * The choices and the figures behind them are in docs/DEFAULTS.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "train/train_internal.h"

/* Optimizer steps a run may take before early stopping ends it: enough for
 * Adam to converge on a few hundred rows (docs/DEFAULTS.md). */
#define AUTO_STEPS 20000.0
#define AUTO_MIN_EPOCHS 20
#define AUTO_MAX_EPOCHS 1000
/* The linear start's ridge, per row, on standardised data; and the inputs
 * past which the normal equations (inputs^2 doubles) are not tried. */
#define AUTO_RIDGE 1e-3
#define AUTO_LINEAR_MAX_INPUTS 2048
#define AUTO_MAX_WEIGHTS 4e6
#define AUTO_MIN_VAL_ROWS 10
/* The net replaces the linear start only when it is this much better on the
 * validation rows: a few hundred rows' validation loss is noisy. */
#define AUTO_LINEAR_MARGIN 0.02
#define AUTO_WEIGHT_DECAY 0.1f

/* Targets that are one-hot rows (FANN data's classes: exactly one 1 per row
 * of at least two 0/1 columns). */
static int one_hot_targets(const zn_dataset *d) {
    if (d->n_out < 2 || !d->y) return 0;
    for (int64_t i = 0; i < d->rows; i++) {
        int ones = 0;
        for (int64_t j = 0; j < d->n_out; j++) {
            float v = d->y[i * d->n_out + j];
            if (v == 1.0f)
                ones++;
            else if (v != 0.0f)
                return 0;
        }
        if (ones != 1) return 0;
    }
    return 1;
}

static int64_t clamp64(double v, int64_t lo, int64_t hi) {
    if (!(v >= (double)lo)) return lo;
    return v > (double)hi ? hi : (int64_t)v;
}

zn_status zn_train_auto_config(const zn_dataset *train, zn_auto_config *out) {
    if (!train || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_train_auto_config: NULL argument");
    if (train->rows < 2 || train->n_in < 1 || train->n_out < 1)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_train_auto_config: %lld rows of %lld inputs and %lld outputs",
                        (long long)train->rows, (long long)train->n_in, (long long)train->n_out);
    memset(out, 0, sizeof *out);
    const int classes = train->n_classes > 0 || one_hot_targets(train);
    const int64_t in = train->n_in, nout = train->n_out, rows = train->rows;

    zn_mlp_spec *s = &out->spec;
    *s = zn_mlp_spec_default();
    s->n_layers = 3;
    s->sizes[0] = in;
    /* One hidden layer: at least 64 units (small sets did better wide and
     * regularised than narrow), more for many inputs and outputs, and no
     * more first-layer weights than AUTO_MAX_WEIGHTS (wide inputs). */
    int64_t hidden = clamp64(2.0 * sqrt((double)in * (double)nout), 64, 256);
    s->sizes[1] = clamp64(fmin((double)hidden, AUTO_MAX_WEIGHTS / (double)in), 4, hidden);
    s->sizes[2] = nout;
    s->hidden_act = ZN_NACT_RELU;
    s->hidden_steepness = 1.0f;
    s->output_act = ZN_NACT_LINEAR;
    s->output_steepness = 1.0f;
    s->loss = classes ? ZN_LOSS_XENT : ZN_LOSS_MSE;
    s->init = ZN_INIT_XAVIER;
    s->init_scale = 1.0f;
    s->fann_derivatives = 0;
    /* Regression: the outputs also see the inputs directly, so a linear
     * relation is learnt as such (ordinary least squares is the floor). */
    s->shortcut = !classes;

    zn_train_config *c = &out->train;
    *c = zn_train_config_default(ZN_ALGO_ADAMW);
    c->optim.weight_decay = AUTO_WEIGHT_DECAY;
    /* too few rows to hold any out: the whole budget, no early stopping */
    c->val_split = rows < AUTO_MIN_VAL_ROWS ? 0.0 : rows >= 10000 ? 0.1 : 0.2;
    const double fit_rows = floor((double)rows * (1.0 - c->val_split));
    c->batch_size = clamp64(fit_rows / 16.0, 8, 32);
    const double steps_per_epoch = ceil(fit_rows / (double)c->batch_size);
    c->epochs = clamp64(ceil(AUTO_STEPS / steps_per_epoch), AUTO_MIN_EPOCHS, AUTO_MAX_EPOCHS);
    c->patience = c->val_split > 0 ? clamp64((double)c->epochs / 10.0, 10, 50) : 0;
    c->restore_best = 1;
    c->shuffle = 1;
    out->input_scale = ZN_SCALE_STANDARD;
    out->target_scale = classes ? ZN_SCALE_NONE : ZN_SCALE_STANDARD;
    out->classes = classes;
    out->linear_start = !classes;
    out->linear_margin = AUTO_LINEAR_MARGIN;
    char stop[128] = "no validation split (too few rows)";
    if (c->val_split > 0)
        snprintf(stop, sizeof stop, "early stop after %lld epochs without improvement on a %g%% validation split",
                 (long long)c->patience, c->val_split * 100.0);
    snprintf(out->why, sizeof out->why,
             "%s: %lld rows, %lld inputs; %lld-%lld-%lld %s, adamw lr %g decay %g, batch %lld, up to %lld epochs, "
             "%s; inputs%s standardised%s",
             classes ? "classification" : "regression", (long long)rows, (long long)in, (long long)in,
             (long long)s->sizes[1], (long long)nout, classes ? "relu/softmax" : "relu + linear shortcut",
             (double)c->optim.lr, (double)c->optim.weight_decay, (long long)c->batch_size, (long long)c->epochs, stop,
             classes ? "" : " and targets", classes ? "" : "; starts from least squares");
    return ZN_OK;
}

/* The output layer of a shortcut regression net set to the least-squares
 * fit of d (scaled): the hidden units' output weights 0, so the net starts
 * as the linear model and training adds what it does not explain. */
static zn_status linear_start(zn_model *m, const zn_mlp_spec *spec, const zn_dataset *d) {
    char wname[32], bname[32];
    const int last = spec->n_layers - 1;
    snprintf(wname, sizeof wname, "layer%d.weight", last);
    snprintf(bname, sizeof bname, "layer%d.bias", last);
    int64_t np = 0, w_at = -1, b_at = -1, w_rows = 0;
    float *p = zn_model_params(m, &np);
    for (int i = 0; i < zn_model_param_tensors(m); i++) {
        const char *name;
        int64_t rows, cols, at;
        if (zn_model_param_info(m, i, &name, &rows, &cols, &at) != ZN_OK) continue;
        if (!strcmp(name, wname)) {
            w_at = at;
            w_rows = rows;
        } else if (!strcmp(name, bname))
            b_at = at;
    }
    if (w_at < 0 || b_at < 0 || w_rows < d->n_in) return ZN_OK; /* not the layout expected: a random start */
    memset(p + w_at, 0, (size_t)(w_rows * d->n_out) * sizeof(float));
    return zn_least_squares(d->x, d->y, d->rows, d->n_in, d->n_out, AUTO_RIDGE * (double)d->rows, p + w_at, p + b_at);
}

/* A copy of n floats (NULL when src is NULL or out of memory: *ok says). */
static float *copy_floats(const float *src, int64_t n, int *ok) {
    if (!src) return NULL;
    float *p = zn_alloc((size_t)(n ? n : 1) * sizeof(float));
    if (p)
        memcpy(p, src, (size_t)n * sizeof(float));
    else
        *ok = 0;
    return p;
}

/* d's rows split as zn_train would split them (shuffled with `seed`, the
 * first 1 - val_split for fitting), copied into fit and val views of d. */
static zn_status split_rows(const zn_dataset *d, double val_split, uint64_t seed, zn_dataset *fit, zn_dataset *val) {
    const int64_t n = d->rows, ni = d->n_in, no = d->n_out;
    int64_t cut = (int64_t)((1.0 - val_split) * (double)n + 0.5);
    if (cut > n) cut = n;
    if (cut < 1 || n - cut < 1)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_train_auto: a validation split of %g leaves an empty part",
                        val_split);
    int64_t *perm = zn_alloc((size_t)n * sizeof(int64_t));
    float *x = zn_alloc((size_t)(n * ni) * sizeof(float)), *y = zn_alloc((size_t)(n * no) * sizeof(float));
    if (!perm || !x || !y) {
        zn_free(perm);
        zn_free(x);
        zn_free(y);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_mlp_train_auto: out of memory");
    }
    zn_rng rng;
    zn_rng_seed(&rng, seed);
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)zn_rng_below(&rng, (uint64_t)i + 1), tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    for (int64_t i = 0; i < n; i++) {
        memcpy(x + i * ni, d->x + perm[i] * ni, (size_t)ni * sizeof(float));
        memcpy(y + i * no, d->y + perm[i] * no, (size_t)no * sizeof(float));
    }
    zn_free(perm);
    *fit = *val = *d;
    fit->labels = val->labels = NULL;
    fit->rows = cut;
    fit->x = x;
    fit->y = y;
    val->rows = n - cut;
    val->x = x + cut * ni;
    val->y = y + cut * no;
    return ZN_OK;
}

zn_status zn_mlp_train_auto(const zn_dataset *train, const zn_auto_config *ac, zn_mlp **out, zn_train_report *report) {
    if (!train || !ac || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_train_auto: NULL argument");
    *out = NULL;
    zn_status s = zn_check_targets(train, "zn_mlp_train_auto");
    if (s == ZN_OK) s = zn_train_check_data(train, "training"); /* before scaling spreads a NaN */
    if (s != ZN_OK) return s;
    /* a view of train with scaled copies of what scaling changes */
    zn_dataset d = *train, fit, val;
    memset(&fit, 0, sizeof fit);
    memset(&val, 0, sizeof val);
    zn_scaler *xs = NULL, *ys = NULL;
    zn_mlp *m = NULL;
    float *start = NULL;
    zn_train_config c = ac->train;
    zn_train_report rep;
    memset(&rep, 0, sizeof rep);
    const int scale_y = ac->target_scale != ZN_SCALE_NONE && !ac->classes && train->y;
    int ok = 1;
    float *xc = ac->input_scale != ZN_SCALE_NONE ? copy_floats(train->x, train->rows * train->n_in, &ok) : NULL;
    float *yc = scale_y ? copy_floats(train->y, train->rows * train->n_out, &ok) : NULL;
    if (!ok) s = zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_mlp_train_auto: out of memory");
    if (xc) d.x = xc;
    if (yc) d.y = yc;
    if (s == ZN_OK && xc) s = zn_scaler_fit(ac->input_scale, -1.0f, 1.0f, d.x, d.rows, d.n_in, &xs);
    if (s == ZN_OK && xs) s = zn_scaler_apply(xs, d.x, d.rows);
    if (s == ZN_OK && yc) s = zn_scaler_fit(ac->target_scale, -1.0f, 1.0f, d.y, d.rows, d.n_out, &ys);
    if (s == ZN_OK && ys) s = zn_scaler_apply(ys, d.y, d.rows);
    if (s == ZN_OK) s = zn_mlp_wrap(&ac->spec, c.seed, xs, ys, train->n_classes, train->class_names, &m);
    const int lin = s == ZN_OK && ac->linear_start && !ac->classes && ac->spec.shortcut && d.y &&
                    d.n_in <= AUTO_LINEAR_MAX_INPUTS && d.rows > d.n_in;
    if (lin) s = linear_start(m->model, &ac->spec, &d);
    /* The linear start is judged on the validation rows too: split here. */
    const int own_split = lin && c.val_split > 0;
    if (s == ZN_OK && own_split) {
        s = split_rows(&d, c.val_split, c.seed, &fit, &val);
        c.val_split = 0.0;
    }
    double start_loss = INFINITY;
    int64_t np = 0;
    float *params = s == ZN_OK ? zn_model_params(m->model, &np) : NULL;
    if (s == ZN_OK && own_split) {
        zn_eval ev;
        s = zn_evaluate(m->model, &val, c.bit_fail_limit, c.pool, &ev);
        start_loss = ev.loss;
        start = zn_alloc((size_t)(np ? np : 1) * sizeof(float));
        if (s == ZN_OK && !start) s = zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_mlp_train_auto: out of memory");
        if (s == ZN_OK) memcpy(start, params, (size_t)np * sizeof(float));
    }
    if (s == ZN_OK) s = own_split ? zn_train(m->model, &fit, &val, &c, &rep) : zn_train(m->model, &d, NULL, &c, &rep);
    if (s == ZN_OK && start && !(rep.val_loss < start_loss * (1.0 - ac->linear_margin))) {
        /* training did not clearly beat the linear start */
        memcpy(params, start, (size_t)np * sizeof(float));
        rep.best_epoch = 0;
        rep.restored_best = 1;
        rep.val_loss = rep.val_mse = start_loss;
    }
    if (report) *report = rep;
    zn_free(start);
    zn_free(fit.x); /* val's rows are in the same blocks */
    zn_free(fit.y);
    zn_free(xc);
    zn_free(yc);
    zn_scaler_free(xs);
    zn_scaler_free(ys);
    if (s != ZN_OK) {
        zn_mlp_free(m);
        return s;
    }
    *out = m;
    return ZN_OK;
}

zn_status zn_auto_memory_estimate(const zn_auto_config *ac, int64_t rows, zn_train_memory *out) {
    if (!ac) return zn_error(ZN_ERR_INVALID_ARG, "zn_auto_memory_estimate: NULL argument");
    zn_status s = zn_train_memory_estimate(&ac->spec, &ac->train, rows, out);
    if (s != ZN_OK) return s;
    /* the scaled copy, and for the linear start its split copy */
    const size_t data = (size_t)rows * (size_t)(ac->spec.sizes[0] + ac->spec.sizes[ac->spec.n_layers - 1]) * 4;
    out->data += ac->linear_start && !ac->classes ? 2 * data : data;
    const double in = (double)ac->spec.sizes[0];
    if (ac->linear_start && !ac->classes && in <= AUTO_LINEAR_MAX_INPUTS)
        out->optimizer += out->params + (size_t)((in + 1.0) * (in + 1.0) * 8.0); /* the start's copy, x'x */
    out->total = out->params + out->grads + out->optimizer + out->workspace + out->data;
    return ZN_OK;
}
