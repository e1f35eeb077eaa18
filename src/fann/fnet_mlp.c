/* Between FANN-structured nets (zn_fnet) and zenn's MLPs (zn_mlp).
 *
 * An MLP layer l is x_l = act(steepness * (in_l @ W_l + b_l)) with W_l
 * (fan_in x units) row-major, where in_l is the previous layer or, in a
 * shortcut net, the inputs and every earlier hidden layer in order. A FANN
 * neuron's connection from a bias neuron is its b entry; any other source is
 * a row of W (in a shortcut net FANN numbers the inputs, their bias, then
 * the hidden neurons, so the bias is skipped). A sparse net keeps its
 * pattern as the MLP's 0/1 mask.
 *
 * FANN's scaling, x' = ((x - mean) / deviation + 1) * factor + new_min, is
 * the affine map of a zn_scaler (mul = factor / deviation); going back,
 * mean = -add / mul, deviation = 1 / mul, factor 1, new_min -1. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "fann/fnet_internal.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static float *find_tensor(zn_model *m, const char *name, int consts, int64_t *rows, int64_t *cols) {
    int n = consts ? zn_model_const_tensors(m) : zn_model_param_tensors(m);
    float *base = consts ? zn_model_consts(m, NULL) : zn_model_params(m, NULL);
    for (int i = 0; i < n; i++) {
        const char *nm;
        int64_t off;
        if (consts)
            zn_model_const_info(m, i, &nm, rows, cols, &off);
        else
            zn_model_param_info(m, i, &nm, rows, cols, &off);
        if (!strcmp(nm, name)) return base + off;
    }
    return NULL;
}

/* Is neuron n of layer l its layer's bias neuron? */
static int is_bias(const zn_fnet *net, uint32_t l, uint32_t n) {
    return (l == 0 || net->kind == ZN_FNET_LAYER) && n == net->layers[l].last - 1;
}

static uint32_t units(const zn_fnet *net, uint32_t l) {
    return net->layers[l].last - net->layers[l].first - ((l == 0 || net->kind == ZN_FNET_LAYER) ? 1u : 0u);
}

/* The MLP row of source neuron src feeding layer l, or -1 for a bias. */
static int64_t row_of(const zn_fnet *net, uint32_t l, uint32_t src) {
    if (net->kind == ZN_FNET_LAYER) {
        const zn_fnet_layer *p = &net->layers[l - 1];
        return src == p->last - 1 ? -1 : (int64_t)(src - p->first);
    }
    uint32_t bias = net->layers[0].last - 1;
    return src == bias ? -1 : src < bias ? (int64_t)src : (int64_t)src - 1;
}

/* One activation and steepness over the non-bias neurons of layers [from, to). */
static zn_status uniform_act(const zn_fnet *net, uint32_t from, uint32_t to, const char *what, zn_nact *act,
                             float *steep) {
    int seen = 0;
    for (uint32_t l = from; l < to; l++)
        for (uint32_t n = net->layers[l].first; n < net->layers[l].last; n++) {
            if (is_bias(net, l, n)) continue;
            const zn_fnet_neuron *ne = &net->neurons[n];
            if (!seen) {
                *act = ne->act;
                *steep = ne->steepness;
                seen = 1;
            } else if (ne->act != *act || ne->steepness != *steep) {
                return zn_error(ZN_ERR_UNSUPPORTED,
                                "zn_fnet_to_mlp: the %s neurons differ (neuron %u: %s, steepness %g; others %s, %g); "
                                "an MLP has one activation for all hidden neurons and one for the outputs",
                                what, n, zn_nact_name(ne->act), (double)ne->steepness, zn_nact_name(*act),
                                (double)*steep);
            }
        }
    return ZN_OK;
}

/* FANN's scaling of `n` columns as a zn_scaler; NULL when it is the identity. */
static zn_status scaler_from_fann(const float *mean, const float *dev, const float *new_min, const float *factor,
                                  int64_t n, const char *what, zn_scaler **out) {
    *out = NULL;
    int identity = 1;
    for (int64_t j = 0; j < n; j++) {
        if (!(dev[j] != 0.0f && isfinite(dev[j]) && factor[j] != 0.0f && isfinite(factor[j]) && isfinite(mean[j]) &&
              isfinite(new_min[j])))
            return zn_error(ZN_ERR_UNSUPPORTED,
                            "zn_fnet_to_mlp: %s scaling of column %lld is not invertible (deviation %g, factor %g)",
                            what, (long long)j, (double)dev[j], (double)factor[j]);
        if (mean[j] != 0.0f || dev[j] != 1.0f || new_min[j] != -1.0f || factor[j] != 1.0f) identity = 0;
    }
    if (identity) return ZN_OK;
    zn_scaler *s = zn_calloc(1, sizeof *s);
    if (!s) return ZN_ERR_OUT_OF_MEMORY;
    s->kind = ZN_SCALE_STANDARD; /* FANN scales by mean and deviation */
    s->cols = n;
    s->lo = -1.0f;
    s->hi = 1.0f;
    s->mul = zn_alloc((size_t)n * sizeof(float));
    s->add = zn_alloc((size_t)n * sizeof(float));
    if (!s->mul || !s->add) {
        zn_scaler_free(s);
        return ZN_ERR_OUT_OF_MEMORY;
    }
    for (int64_t j = 0; j < n; j++) {
        double mul = (double)factor[j] / dev[j];
        s->mul[j] = (float)mul;
        s->add[j] = (float)((double)factor[j] + new_min[j] - mean[j] * mul);
    }
    *out = s;
    return ZN_OK;
}

/* ---- fnet -> mlp ---------------------------------------------------------------------------- */

static zn_status spec_of(const zn_fnet *net, zn_mlp_spec *spec, int *sparse) {
    const uint32_t L = net->n_layers;
    if (L > ZN_MLP_MAX_LAYERS)
        return zn_error(ZN_ERR_UNSUPPORTED, "zn_fnet_to_mlp: %u layers; an MLP has at most %d", L, ZN_MLP_MAX_LAYERS);
    *spec = zn_mlp_spec_default();
    spec->n_layers = (int)L;
    for (uint32_t l = 0; l < L; l++) spec->sizes[l] = units(net, l);
    spec->shortcut = net->kind == ZN_FNET_SHORTCUT;
    spec->loss = net->train_error_function == ZN_FNET_ERRFN_TANH ? ZN_LOSS_TANH_ERROR : ZN_LOSS_SSE;
    zn_status s = uniform_act(net, L - 1, L, "output", &spec->output_act, &spec->output_steepness);
    spec->hidden_act = spec->output_act;
    spec->hidden_steepness = spec->output_steepness;
    if (s == ZN_OK) s = uniform_act(net, 1, L - 1, "hidden", &spec->hidden_act, &spec->hidden_steepness);
    if (s != ZN_OK) return s;
    /* Sparse when some neuron lacks a connection its layer could give. */
    *sparse = 0;
    for (uint32_t l = 1; l < L; l++) {
        uint32_t fan_in =
            net->kind == ZN_FNET_LAYER ? net->layers[l - 1].last - net->layers[l - 1].first : net->layers[l].first;
        for (uint32_t n = net->layers[l].first; n < net->layers[l].last; n++)
            if (!is_bias(net, l, n) && net->neurons[n].last_con - net->neurons[n].first_con < fan_in) *sparse = 1;
    }
    if (*sparse)
        spec->connection_rate =
            net->connection_rate > 0.0f && net->connection_rate < 1.0f ? net->connection_rate : 0.5f;
    return ZN_OK;
}

static zn_status fill_mlp(const zn_fnet *net, zn_mlp *mlp, int sparse) {
    for (uint32_t l = 1; l < net->n_layers; l++) {
        char name[48];
        int64_t rows, cols, br, bc, mr = 0, mc = 0;
        snprintf(name, sizeof name, "layer%u.weight", l);
        float *w = find_tensor(mlp->model, name, 0, &rows, &cols);
        snprintf(name, sizeof name, "layer%u.bias", l);
        float *b = find_tensor(mlp->model, name, 0, &br, &bc);
        snprintf(name, sizeof name, "layer%u.mask", l);
        float *mask = sparse ? find_tensor(mlp->model, name, 1, &mr, &mc) : NULL;
        if (!w || !b || (sparse && (!mask || mr != rows || mc != cols)) || cols != units(net, l))
            return zn_error(ZN_ERR_UNSUPPORTED, "zn_fnet_to_mlp: layer %u's tensors are not where expected", l);
        memset(w, 0, (size_t)(rows * cols) * sizeof(float));
        memset(b, 0, (size_t)(br * bc) * sizeof(float));
        if (mask) memset(mask, 0, (size_t)(rows * cols) * sizeof(float));
        int64_t j = 0;
        for (uint32_t n = net->layers[l].first; n < net->layers[l].last; n++) {
            if (is_bias(net, l, n)) continue;
            for (uint32_t c = net->neurons[n].first_con; c < net->neurons[n].last_con; c++) {
                int64_t r = row_of(net, l, net->sources[c]);
                if (r >= rows)
                    return zn_error(ZN_ERR_UNSUPPORTED,
                                    "zn_fnet_to_mlp: connection %u comes from outside the layer's "
                                    "inputs",
                                    c);
                if (r < 0) {
                    b[j] += net->weights[c];
                } else {
                    w[r * cols + j] += net->weights[c];
                    if (mask) mask[r * cols + j] = 1.0f;
                }
            }
            j++;
        }
    }
    return ZN_OK;
}

zn_status zn_fnet_to_mlp(const zn_fnet *net, zn_mlp **out) {
    if (!net || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_to_mlp: NULL argument");
    *out = NULL;
    zn_mlp_spec spec;
    int sparse = 0;
    zn_status s = spec_of(net, &spec, &sparse);
    if (s != ZN_OK) return s;
    zn_scaler *in_sc = NULL, *out_sc = NULL;
    if (net->scale_mean_in &&
        !(net->scale_deviation_in && net->scale_new_min_in && net->scale_factor_in && net->scale_mean_out &&
          net->scale_deviation_out && net->scale_new_min_out && net->scale_factor_out))
        s = zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_to_mlp: the net's scaling arrays are incomplete");
    if (s == ZN_OK && net->scale_mean_in) {
        s = scaler_from_fann(net->scale_mean_in, net->scale_deviation_in, net->scale_new_min_in, net->scale_factor_in,
                             net->n_inputs, "input", &in_sc);
        if (s == ZN_OK)
            s = scaler_from_fann(net->scale_mean_out, net->scale_deviation_out, net->scale_new_min_out,
                                 net->scale_factor_out, net->n_outputs, "output", &out_sc);
    }
    zn_mlp *mlp = NULL;
    if (s == ZN_OK) s = zn_mlp_wrap(&spec, 0, in_sc, out_sc, 0, NULL, &mlp);
    if (s == ZN_OK) s = fill_mlp(net, mlp, sparse);
    zn_scaler_free(in_sc);
    zn_scaler_free(out_sc);
    if (s != ZN_OK) {
        zn_mlp_free(mlp);
        return s;
    }
    *out = mlp;
    return ZN_OK;
}

/* ---- mlp -> fnet ---------------------------------------------------------------------------- */

static zn_status check_mlp(const zn_mlp *mlp, zn_nact *out_act, float *out_steep) {
    const zn_mlp_spec *sp = &mlp->spec;
    if (sp->n_layers < 2 || sp->n_layers > ZN_MLP_MAX_LAYERS || !mlp->model)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_from_mlp: not a built MLP");
    *out_act = sp->output_act;
    *out_steep = sp->output_steepness;
    if (sp->loss == ZN_LOSS_XENT)
        return zn_error(ZN_ERR_UNSUPPORTED, "zn_fnet_from_mlp: the MLP's softmax output has no FANN activation");
    if (sp->loss == ZN_LOSS_BCE) { /* its output is the logistic: FANN's sigmoid at steepness 0.5 */
        *out_act = ZN_NACT_FANN_SIGMOID;
        *out_steep = 0.5f;
    }
    zn_nact acts[2] = {sp->hidden_act, *out_act};
    for (int k = sp->n_layers > 2 ? 0 : 1; k < 2; k++)
        if ((int)acts[k] < 0 || acts[k] > ZN_NACT_LINEAR_PIECE_RECT_LEAKY)
            return zn_error(ZN_ERR_UNSUPPORTED, "zn_fnet_from_mlp: FANN has no %s activation ('%s')",
                            k ? "output" : "hidden", zn_nact_name(acts[k]));
    for (int l = 0; l < sp->n_layers; l++)
        if (sp->sizes[l] < 1 || sp->sizes[l] > (1 << 24))
            return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_from_mlp: layer %d has %lld units", l,
                            (long long)sp->sizes[l]);
    return ZN_OK;
}

/* FANN's scale arrays for a scaler (identity for NULL). */
static zn_status scale_to_fann(const zn_scaler *sc, uint32_t n, const char *what, float **mean, float **dev,
                               float **new_min, float **factor) {
    *mean = zn_alloc(n * sizeof(float));
    *dev = zn_alloc(n * sizeof(float));
    *new_min = zn_alloc(n * sizeof(float));
    *factor = zn_alloc(n * sizeof(float));
    if (!*mean || !*dev || !*new_min || !*factor) return ZN_ERR_OUT_OF_MEMORY;
    for (uint32_t j = 0; j < n; j++) {
        double mul = sc && sc->kind != ZN_SCALE_NONE ? sc->mul[j] : 1.0,
               add = sc && sc->kind != ZN_SCALE_NONE ? sc->add[j] : 0.0;
        if (!(mul != 0.0 && isfinite(mul) && isfinite(add)))
            return zn_error(ZN_ERR_UNSUPPORTED, "zn_fnet_from_mlp: the %s scaler's column %u is not invertible", what,
                            j);
        (*mean)[j] = (float)(-add / mul);
        (*dev)[j] = (float)(1.0 / mul);
        (*new_min)[j] = -1.0f;
        (*factor)[j] = 1.0f;
    }
    return ZN_OK;
}

static zn_status fill_fnet(const zn_mlp *mlp, zn_fnet *net, int sparse) {
    zn_model *m = mlp->model;
    uint32_t c = 0;
    for (uint32_t l = 1; l < net->n_layers; l++) {
        char name[48];
        int64_t rows, cols, br, bc, mr = 0, mc = 0;
        snprintf(name, sizeof name, "layer%u.weight", l);
        const float *w = find_tensor(m, name, 0, &rows, &cols);
        snprintf(name, sizeof name, "layer%u.bias", l);
        const float *b = find_tensor(m, name, 0, &br, &bc);
        snprintf(name, sizeof name, "layer%u.mask", l);
        const float *mask = sparse ? find_tensor(m, name, 1, &mr, &mc) : NULL;
        if (!w || !b || (sparse && !mask) || cols != units(net, l))
            return zn_error(ZN_ERR_UNSUPPORTED, "zn_fnet_from_mlp: layer %u's tensors are not an MLP's", l);
        /* Sources in FANN's order: every earlier neuron (or the previous layer), the bias among them. */
        uint32_t lo = net->kind == ZN_FNET_LAYER ? net->layers[l - 1].first : 0;
        uint32_t hi = net->kind == ZN_FNET_LAYER ? net->layers[l - 1].last : net->layers[l].first;
        int64_t j = 0;
        for (uint32_t n = net->layers[l].first; n < net->layers[l].last; n++) {
            net->neurons[n].first_con = c;
            if (!is_bias(net, l, n)) {
                for (uint32_t src = lo; src < hi; src++) {
                    int64_t r = row_of(net, l, src);
                    if (r >= rows)
                        return zn_error(ZN_ERR_UNSUPPORTED, "zn_fnet_from_mlp: layer %u has %lld inputs", l,
                                        (long long)rows);
                    if (r >= 0 && mask && mask[r * cols + j] == 0.0f) continue;
                    net->sources[c] = src;
                    net->weights[c++] = r < 0 ? b[j] : w[r * cols + j];
                }
                j++;
            }
            net->neurons[n].last_con = c;
        }
    }
    net->n_connections = c;
    return ZN_OK;
}

zn_status zn_fnet_from_mlp(const zn_mlp *mlp, zn_fnet **out) {
    if (!mlp || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_from_mlp: NULL argument");
    *out = NULL;
    zn_nact out_act = ZN_NACT_LINEAR;
    float out_steep = 1.0f;
    zn_status s = check_mlp(mlp, &out_act, &out_steep);
    if (s != ZN_OK) return s;
    const zn_mlp_spec *sp = &mlp->spec;
    zn_fnet_kind kind = sp->shortcut ? ZN_FNET_SHORTCUT : ZN_FNET_LAYER;
    uint32_t sizes[ZN_MLP_MAX_LAYERS];
    uint64_t max_con = 0, seen = 0;
    for (int l = 0; l < sp->n_layers; l++) {
        sizes[l] = (uint32_t)sp->sizes[l] + ((l == 0 || kind == ZN_FNET_LAYER) ? 1u : 0u);
        if (l > 0) max_con += (uint64_t)sp->sizes[l] * (kind == ZN_FNET_LAYER ? sizes[l - 1] : seen);
        seen += sizes[l];
    }
    if (max_con > UINT32_MAX)
        return zn_error(ZN_ERR_UNSUPPORTED, "zn_fnet_from_mlp: %llu connections", (unsigned long long)max_con);
    int sparse = sp->connection_rate > 0.0f && sp->connection_rate < 1.0f;
    zn_fnet *net = NULL;
    s = zn_fnet_alloc(kind, (uint32_t)sp->n_layers, sizes, (uint32_t)max_con, &net);
    if (s != ZN_OK) return s;
    net->connection_rate = sparse ? sp->connection_rate : 1.0f;
    net->train_error_function = sp->loss == ZN_LOSS_TANH_ERROR ? ZN_FNET_ERRFN_TANH : ZN_FNET_ERRFN_LINEAR;
    /* Inputs and bias neurons as FANN writes them: linear, steepness 0. */
    for (uint32_t n = 0; n < net->n_neurons; n++) {
        net->neurons[n].act = ZN_NACT_LINEAR;
        net->neurons[n].steepness = 0.0f;
    }
    for (uint32_t l = 1; l < net->n_layers; l++)
        for (uint32_t n = net->layers[l].first; n < net->layers[l].last; n++) {
            if (is_bias(net, l, n)) continue;
            int out_layer = l + 1 == net->n_layers;
            net->neurons[n].act = out_layer ? out_act : sp->hidden_act;
            net->neurons[n].steepness = out_layer ? out_steep : sp->hidden_steepness;
        }
    s = fill_fnet(mlp, net, sparse);
    if (s == ZN_OK && (mlp->input_scaler || mlp->output_scaler)) {
        s = scale_to_fann(mlp->input_scaler, net->n_inputs, "input", &net->scale_mean_in, &net->scale_deviation_in,
                          &net->scale_new_min_in, &net->scale_factor_in);
        if (s == ZN_OK)
            s = scale_to_fann(mlp->output_scaler, net->n_outputs, "output", &net->scale_mean_out,
                              &net->scale_deviation_out, &net->scale_new_min_out, &net->scale_factor_out);
    }
    if (s != ZN_OK) {
        zn_fnet_free(net);
        return s;
    }
    *out = net;
    return ZN_OK;
}
