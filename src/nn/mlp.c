/* Multilayer perceptrons (plain or FANN-style shortcut) as graphs. */
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "act/nact.h"
#include "zenn/nn.h"

static const char *const loss_names[] = {"sse", "mse", "xent", "bce", "mae", "huber", "tanh_error"};

const char *zn_loss_name(zn_loss_kind k) {
    return ((int)k >= 0 && k <= ZN_LOSS_TANH_ERROR) ? loss_names[k] : "unknown";
}

/* Names match with '-' for '_' ("tanh-error"), as zn_nact_from_name. */
static int name_is(const char *given, const char *name) {
    for (; *given && *name; given++, name++)
        if (*given != *name && !(*given == '-' && *name == '_')) return 0;
    return !*given && !*name;
}

int zn_loss_from_name(const char *name) {
    for (int i = 0; name && i <= ZN_LOSS_TANH_ERROR; i++)
        if (name_is(name, loss_names[i])) return i;
    return -1;
}

zn_mlp_spec zn_mlp_spec_default(void) {
    zn_mlp_spec s;
    memset(&s, 0, sizeof s);
    s.hidden_act = ZN_NACT_FANN_SIGMOID_SYMMETRIC;
    s.output_act = ZN_NACT_FANN_SIGMOID_SYMMETRIC;
    s.hidden_steepness = 0.5f;
    s.output_steepness = 0.5f;
    s.loss = ZN_LOSS_SSE;
    s.init = ZN_INIT_UNIFORM;
    s.init_scale = 0.1f;
    s.fann_derivatives = 1;
    return s;
}

static zn_status check_spec(const zn_mlp_spec *s) {
    if (s->n_layers < 2 || s->n_layers > ZN_MLP_MAX_LAYERS)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_create: %d layers (need 2 to %d)", s->n_layers, ZN_MLP_MAX_LAYERS);
    for (int i = 0; i < s->n_layers; i++)
        if (s->sizes[i] < 1 || s->sizes[i] > ((int64_t)1 << 24))
            return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_create: layer %d has %lld neurons", i, (long long)s->sizes[i]);
    if ((int)s->loss < ZN_LOSS_SSE || s->loss > ZN_LOSS_TANH_ERROR)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_create: unknown loss %d", (int)s->loss);
    if (s->loss == ZN_LOSS_XENT && s->sizes[s->n_layers - 1] < 2)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_create: cross-entropy needs at least two outputs");
    if (!(s->connection_rate >= 0.0f && s->connection_rate <= 1.0f))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_create: connection rate %g not in [0, 1]",
                        (double)s->connection_rate);
    if (!(s->dropout >= 0.0f && s->dropout < 1.0f))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_create: dropout %g not in [0, 1)", (double)s->dropout);
    return ZN_OK;
}

/* FANN's tanh error function works on the difference that fann_update_MSE
 * returns: halved for symmetric output functions (targets and outputs in
 * [-1, 1]), so |d| reaches the slope's edge at 1 only for a wholly wrong
 * output (zn_tanh_error_symmetric). */
static zn_node *tanh_error_loss(zn_graph *g, zn_node *pred, zn_node *target, zn_nact output_act) {
    return zn_nact_symmetric(output_act) ? zn_tanh_error_symmetric(g, pred, target) : zn_tanh_error(g, pred, target);
}

zn_status zn_mlp_create(const zn_mlp_spec *spec, uint64_t seed, zn_model **out) {
    if (!spec || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_mlp_create: NULL argument");
    *out = NULL;
    zn_status s = check_spec(spec);
    if (s != ZN_OK) return s;
    zn_graph *g = NULL;
    s = zn_graph_create(&g);
    if (s != ZN_OK) return s;
    int last = spec->n_layers - 1;
    zn_node *x = zn_input(g, "x", spec->sizes[0]);
    zn_node *target = zn_input(g, "target", spec->sizes[last]);
    zn_node *(*act)(zn_graph *, zn_node *, zn_nact, float) =
        spec->fann_derivatives ? zn_activation_fann : zn_activation;
    zn_node *seen = x; /* what the next layer reads: the last layer, or all so far (shortcut) */
    zn_node *h = x;
    for (int l = 1; l <= last; l++) {
        char name[32], wname[48], bname[48];
        snprintf(name, sizeof name, "layer%d", l);
        snprintf(wname, sizeof wname, "%s.weight", name);
        snprintf(bname, sizeof bname, "%s.bias", name);
        zn_node *in = spec->shortcut ? seen : h;
        int64_t fan_in = zn_node_features(in);
        zn_node *w = zn_param(g, wname, fan_in, spec->sizes[l], spec->init, spec->init_scale);
        zn_node *b = zn_param(g, bname, spec->sizes[l], 1,
                              spec->init == ZN_INIT_UNIFORM ? ZN_INIT_UNIFORM : ZN_INIT_ZERO, spec->init_scale);
        if (spec->connection_rate > 0.0f && spec->connection_rate < 1.0f) {
            /* A sparse layer: the weights times a fixed 0/1 mask (FANN's fann_create_sparse). */
            char mname[48];
            snprintf(mname, sizeof mname, "%s.mask", name);
            w = zn_mul(g, w, zn_const(g, mname, fan_in, spec->sizes[l], ZN_INIT_SPARSE_MASK, spec->connection_rate));
        }
        zn_node *z = zn_matmul(g, in, w, b);
        if (l < last) {
            h = act(g, z, spec->hidden_act, spec->hidden_steepness);
            if (spec->dropout > 0.0f) h = zn_dropout(g, h, spec->dropout);
            seen = spec->shortcut ? zn_concat(g, seen, h) : h;
        } else {
            h = z;
        }
    }
    zn_node *pred = NULL, *loss = NULL;
    switch (spec->loss) {
    case ZN_LOSS_XENT:
        pred = zn_softmax(g, h);
        loss = zn_softmax_xent(g, h, target);
        break;
    case ZN_LOSS_BCE:
        pred = zn_activation(g, h, ZN_NACT_FANN_SIGMOID, 0.5f); /* FANN's sigmoid at 0.5 is the logistic */
        loss = zn_bce_logits(g, h, target);
        break;
    default:
        pred = act(g, h, spec->output_act, spec->output_steepness);
        if (spec->loss == ZN_LOSS_SSE)
            loss = zn_sse(g, pred, target);
        else if (spec->loss == ZN_LOSS_MSE)
            loss = zn_mse(g, pred, target);
        else if (spec->loss == ZN_LOSS_MAE)
            loss = zn_mae(g, pred, target);
        else if (spec->loss == ZN_LOSS_TANH_ERROR)
            loss = tanh_error_loss(g, pred, target, spec->output_act);
        else
            loss = zn_huber(g, pred, target, 1.0f);
        break;
    }
    s = zn_graph_status(g);
    if (s == ZN_OK) s = zn_model_compile(g, &pred, 1, loss, seed, out);
    zn_graph_free(g);
    return s;
}
