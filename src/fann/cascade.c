/* Cascade-correlation as FANN 2.2 does it (fann_cascadetrain_on_data): train
 * the outputs to stagnation, train a pool of candidates against the residual
 * errors, install the best as a new one-neuron layer before the outputs,
 * repeat. The arithmetic is FANN's; the order of work is not: every sample's
 * neuron values are cached (see cascade_internal.h), so an output epoch is
 * two matrix products over the cache rather than a run of the net per
 * sample. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "fann/cascade_internal.h"
#include "fann/fnet_exec.h"
#include "act/nact.h"
#include "zenn/gemm.h"

zn_optim_config zn_cascade_optim_config(const zn_fnet *net) {
    zn_optim_config o = zn_optim_config_default(net->training_algorithm);
    o.lr = net->learning_rate;
    o.momentum = 0.0f; /* FANN's cascade algorithms have none */
    o.rprop_increase = net->rprop_increase_factor;
    o.rprop_decrease = net->rprop_decrease_factor;
    o.rprop_delta_min = net->rprop_delta_min;
    o.rprop_delta_max = net->rprop_delta_max;
    o.rprop_delta_zero = net->rprop_delta_zero;
    o.quickprop_decay = net->quickprop_decay;
    o.quickprop_mu = net->quickprop_mu;
    o.sarprop_weight_decay_shift = net->sarprop_weight_decay_shift;
    o.sarprop_step_error_threshold_factor = net->sarprop_step_error_threshold_factor;
    o.sarprop_step_error_shift = net->sarprop_step_error_shift;
    o.sarprop_temperature = net->sarprop_temperature;
    return o;
}

static const zn_fnet_neuron *output_neurons(const zn_fnet *net) {
    return net->neurons + (net->n_neurons - net->n_outputs);
}

static float *output_weights(zn_fnet *net) { return net->weights + output_neurons(net)[0].first_con; }

/* The updates take minus FANN's slope divided by `batch`; Quickprop's
 * learning rate is per sample, the others' are not. */
static int64_t update_batch(const zn_cascade *c) {
    return c->net->training_algorithm == ZN_ALGO_QUICKPROP ? c->rows : 1;
}

/* rows x n_out raw sums (weights times sources) of the outputs. */
static zn_status output_sums(zn_cascade *c) {
    zn_gemm_opts o = zn_gemm_opts_default();
    o.pool = c->pool;
    o.max_threads = c->nth;
    return zn_sgemm_ex(ZN_NO_TRANS, ZN_TRANS, c->rows, c->n_out, c->k, 1.0f, c->v, c->ld, output_weights(c->net), c->k,
                       0.0f, c->out, c->n_out, &o);
}

/* fann_run's last step for one neuron: steepness, the clamp, the activation.
 * *sum receives the neuron's sum as FANN keeps it (for its derivative). */
static float neuron_value(zn_nact act, float s, float raw, float *sum) {
    const float lim = 150.0f / s;
    float t = s * raw;
    *sum = t > lim ? lim : (t < -lim ? -lim : t);
    return zn_fnet_activate(act, *sum);
}

void zn_cascade_activate_outputs(const zn_cascade *c, float *sums) {
    const zn_fnet_neuron *on = output_neurons(c->net);
    for (int64_t r = 0; r < c->rows; r++)
        for (uint32_t o = 0; o < c->n_out; o++) {
            float sum, *p = sums + r * c->n_out + o;
            *p = neuron_value(on[o].act, on[o].steepness, *p, &sum);
        }
}

/* One epoch of fann_train_outputs_epoch: FANN's error accounting and output
 * slopes for every sample, then one update of the output weights. */
static zn_status output_epoch(zn_cascade *c, zn_optim *opt) {
    zn_fnet *net = c->net;
    const zn_fnet_neuron *on = output_neurons(net);
    zn_status st = output_sums(c);
    if (st != ZN_OK) return st;
    double sse = 0.0;
    uint32_t bit_fail = 0;
    for (int64_t r = 0; r < c->rows; r++) {
        const float *t = c->data->y + r * c->n_out;
        float *raw = c->out + r * c->n_out, *err = c->err + r * c->n_out;
        for (uint32_t o = 0; o < c->n_out; o++) {
            float sum, y = neuron_value(on[o].act, on[o].steepness, raw[o], &sum);
            float diff = t[o] - y;
            if (zn_nact_symmetric(on[o].act)) diff /= 2.0f;
            sse += (double)(diff * diff);
            if (fabsf(diff) >= net->bit_fail_limit) bit_fail++;
            if (net->train_error_function == ZN_FNET_ERRFN_TANH) {
                if (diff < -0.9999999f)
                    diff = -17.0f;
                else if (diff > 0.9999999f)
                    diff = 17.0f;
                else
                    diff = (float)log((1.0 + diff) / (1.0 - diff));
            }
            err[o] = zn_fnet_derivative(on[o].act, on[o].steepness, y, sum) * diff;
        }
    }
    net->mse_sum = sse;
    net->mse_count = (uint32_t)(c->rows * c->n_out);
    net->bit_fail = bit_fail;
    c->sse = sse;
    /* FANN's slope of output o from source j is the sum of err[o] * v[j];
     * the update takes minus that over the batch. */
    const int64_t batch = update_batch(c);
    zn_gemm_opts go = zn_gemm_opts_default();
    go.pool = c->pool;
    go.max_threads = c->nth;
    st = zn_sgemm_ex(ZN_TRANS, ZN_NO_TRANS, c->n_out, c->k, c->rows, -1.0f / (float)batch, c->err, c->n_out, c->v,
                     c->ld, 0.0f, c->grad, c->k, &go);
    if (st != ZN_OK) return st;
    float mse = (float)(sse / (double)net->mse_count);
    if (!isfinite(mse))
        return zn_error(ZN_ERR_DIVERGED,
                        "zn_cascade_train: training the outputs diverged after %u hidden neurons: the MSE became %g; "
                        "lower the learning rate (%g now) or scale the data",
                        net->n_layers > 2 ? net->n_layers - 2 : 0, isnan(mse) ? NAN : (double)mse,
                        (double)net->learning_rate);
    st = zn_optim_step(opt, output_weights(net), c->grad, (int64_t)c->n_out * c->k, batch, mse);
    zn_fnet_weights_changed(net);
    return st;
}

static int error_reached(const zn_fnet *net, float desired) {
    if (net->train_stop_function == ZN_STOP_BIT) return desired >= 0.0f && net->bit_fail <= (unsigned)desired;
    float mse = net->mse_count ? (float)(net->mse_sum / (double)net->mse_count) : 0.0f;
    return mse <= desired;
}

/* fann_train_outputs: fresh update state, then epochs until the error target,
 * stagnation (the improvement since the first epoch stays within
 * cascade_output_change_fraction of its last goal for
 * cascade_output_stagnation_epochs) or cascade_max_out_epochs. */
static zn_status train_outputs(zn_cascade *c, float desired, unsigned *epochs) {
    zn_fnet *net = c->net;
    const uint32_t max_epochs = net->cascade_max_out_epochs, min_epochs = net->cascade_min_out_epochs;
    zn_optim_config cfg = zn_cascade_optim_config(net);
    zn_optim *opt = NULL;
    *epochs = 0;
    zn_status st = zn_optim_create(&cfg, (int64_t)c->n_out * c->k, zn_rng_next(&net->rng), &opt);
    if (st != ZN_OK) return st;
    zn_free(c->grad);
    c->grad = zn_alloc((size_t)c->n_out * c->k * sizeof(float));
    if (!c->grad) {
        zn_optim_free(opt);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_cascade_train: output slopes");
    }
    if ((st = output_epoch(c, opt)) != ZN_OK) goto done;
    const double initial = c->sse / (double)net->mse_count;
    *epochs = 1;
    if (error_reached(net, desired)) goto done;
    double target = 0.0, backslide = -1.0e20;
    uint32_t stagnation = max_epochs;
    for (uint32_t i = 1; i < max_epochs; i++) {
        if ((st = output_epoch(c, opt)) != ZN_OK) goto done;
        *epochs = i + 1;
        if (error_reached(net, desired)) goto done;
        double improvement = initial - c->sse / (double)net->mse_count;
        if ((target >= 0 && (improvement > target || improvement < backslide)) ||
            (target < 0 && (improvement < target || improvement > backslide))) {
            target = improvement * (1.0 + net->cascade_output_change_fraction);
            backslide = improvement * (1.0 - net->cascade_output_change_fraction);
            stagnation = i + net->cascade_output_stagnation_epochs;
        }
        if (i >= stagnation && i >= min_epochs) goto done;
    }
done:
    zn_optim_free(opt);
    if (st == ZN_OK) { /* the last step's weights, which no MSE has seen yet */
        const float *w = output_weights(net);
        for (int64_t i = 0; i < (int64_t)c->n_out * c->k; i++)
            if (!isfinite(w[i]))
                return zn_error(ZN_ERR_DIVERGED,
                                "zn_cascade_train: training the outputs diverged: a weight became %g; lower the "
                                "learning rate (%g now) or scale the data",
                                (double)w[i], (double)net->learning_rate);
    }
    return st;
}

/* Column c->k of the cache: the new neuron's value for every sample, as
 * fann_run computes it. Grows the cache when it is full. */
static zn_status cache_add_column(zn_cascade *c, const float *w, zn_nact act, float steepness) {
    if (c->k + 1 > c->ld) {
        uint32_t ld = c->ld * 2 > c->k + 1 ? c->ld * 2 : c->k + 1;
        size_t n;
        if (!zn_mul_size((size_t)c->rows, ld, &n) || !zn_mul_size(n, sizeof(float), &n))
            return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_cascade_train: cache of %lld x %u", (long long)c->rows, ld);
        float *v = zn_alloc(n);
        if (!v) return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_cascade_train: cache of %lld x %u", (long long)c->rows, ld);
        for (int64_t r = 0; r < c->rows; r++) memcpy(v + r * ld, c->v + r * c->ld, c->k * sizeof(float));
        zn_free(c->v);
        c->v = v;
        c->ld = ld;
    }
    zn_gemm_opts o = zn_gemm_opts_default();
    o.pool = c->pool;
    o.max_threads = c->nth;
    /* the sums land in the new column itself (stride ld), then turn into values */
    zn_status st =
        zn_sgemm_ex(ZN_NO_TRANS, ZN_NO_TRANS, c->rows, 1, c->k, 1.0f, c->v, c->ld, w, 1, 0.0f, c->v + c->k, c->ld, &o);
    if (st != ZN_OK) return st;
    for (int64_t r = 0; r < c->rows; r++) {
        float sum, *p = c->v + r * c->ld + c->k;
        *p = neuron_value(act, steepness, *p, &sum);
    }
    c->k++;
    return ZN_OK;
}

/* fann_install_candidate: the winner becomes a one-neuron layer just before
 * the outputs, fed by every earlier neuron; each output gains one connection
 * from it, weighted by the candidate's output weight times
 * cascade_weight_multiplier. The arrays are rebuilt in FANN's layout.
 * FANN 2.2 walks the outputs last to first while it takes the candidate's
 * output weights first to last, so with several outputs it pairs them in
 * reverse; here output o gets the weight trained for output o (either way
 * gave the same final error on diabetes within run-to-run noise). */
static zn_status install_candidate(zn_cascade *c) {
    zn_fnet *net = c->net;
    const uint32_t k = c->k, n_out = c->n_out, base = output_neurons(net)[0].first_con;
    const float *cw = c->cw + (size_t)c->best * c->stride;
    const uint32_t n_neurons = net->n_neurons + 1, n_layers = net->n_layers + 1;
    const uint32_t n_conn = net->n_connections + k + n_out;
    zn_fnet_layer *layers = zn_alloc(n_layers * sizeof *layers);
    zn_fnet_neuron *neurons = zn_alloc(n_neurons * sizeof *neurons);
    uint32_t *sources = zn_alloc(n_conn * sizeof *sources);
    float *weights = zn_alloc(n_conn * sizeof *weights);
    if (!layers || !neurons || !sources || !weights) {
        zn_free(layers);
        zn_free(neurons);
        zn_free(sources);
        zn_free(weights);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_cascade_train: installing neuron %u", n_neurons);
    }
    memcpy(layers, net->layers, (net->n_layers - 1) * sizeof *layers);
    layers[n_layers - 2].first = k;
    layers[n_layers - 2].last = k + 1;
    layers[n_layers - 1].first = k + 1;
    layers[n_layers - 1].last = n_neurons;
    memcpy(neurons, net->neurons, k * sizeof *neurons);
    memcpy(sources, net->sources, base * sizeof *sources);
    memcpy(weights, net->weights, base * sizeof *weights);
    zn_fnet_neuron *hn = &neurons[k];
    memset(hn, 0, sizeof *hn);
    hn->first_con = base;
    hn->last_con = base + k;
    hn->act = c->cact[c->best];
    hn->steepness = c->csteep[c->best];
    for (uint32_t j = 0; j < k; j++) {
        sources[base + j] = j;
        weights[base + j] = cw[j];
    }
    for (uint32_t o = 0; o < n_out; o++) {
        const zn_fnet_neuron *old = &net->neurons[k + o];
        zn_fnet_neuron *n = &neurons[k + 1 + o];
        *n = *old;
        n->first_con = base + k + o * (k + 1);
        n->last_con = n->first_con + k + 1;
        memcpy(weights + n->first_con, net->weights + old->first_con, k * sizeof *weights);
        weights[n->first_con + k] = cw[k + o] * net->cascade_weight_multiplier;
        for (uint32_t j = 0; j <= k; j++) sources[n->first_con + j] = j;
    }
    zn_status st = cache_add_column(c, cw, hn->act, hn->steepness);
    if (st != ZN_OK) {
        zn_free(layers);
        zn_free(neurons);
        zn_free(sources);
        zn_free(weights);
        return st;
    }
    zn_free(net->layers);
    zn_free(net->neurons);
    zn_free(net->sources);
    zn_free(net->weights);
    net->layers = layers;
    net->neurons = neurons;
    net->sources = sources;
    net->weights = weights;
    net->n_layers = n_layers;
    net->n_neurons = n_neurons;
    net->n_connections = n_conn;
    zn_fnet_weights_changed(net);
    zn_fnet_drop_train_state(net);
    return ZN_OK;
}

/* The net must be a FANN shortcut net whose outputs (and hidden neurons)
 * see every earlier neuron in order, as fann_create_shortcut makes it. */
static zn_status check_net(const zn_fnet *net, const zn_dataset *d) {
    if (!net || !d) return zn_error(ZN_ERR_INVALID_ARG, "zn_cascade_train: NULL argument");
    if (net->kind != ZN_FNET_SHORTCUT)
        return zn_error(ZN_ERR_UNSUPPORTED,
                        "zn_cascade_train: cascade needs a shortcut network (fann_create_shortcut)");
    if (d->rows < 1 || d->n_in != net->n_inputs || d->n_out != net->n_outputs)
        return zn_error(ZN_ERR_SHAPE,
                        "zn_cascade_train: data has %lld rows of %lld inputs and %lld outputs, the net %u and %u",
                        (long long)d->rows, (long long)d->n_in, (long long)d->n_out, net->n_inputs, net->n_outputs);
    if (d->rows * (int64_t)d->n_out > UINT32_MAX)
        return zn_error(ZN_ERR_UNSUPPORTED, "zn_cascade_train: %lld rows are too many", (long long)d->rows);
    zn_algo a = net->training_algorithm;
    if (a != ZN_ALGO_RPROP && a != ZN_ALGO_QUICKPROP && a != ZN_ALGO_SARPROP)
        return zn_error(ZN_ERR_UNSUPPORTED, "zn_cascade_train: cascade trains with rprop, quickprop or sarprop, not %s",
                        zn_algo_name(a));
    uint32_t nc = net->cascade_activation_functions_count, ns = net->cascade_activation_steepnesses_count;
    if (nc < 1 || nc > ZN_FNET_MAX_CASCADE_ACTS || ns < 1 || ns > ZN_FNET_MAX_CASCADE_STEEPS ||
        net->cascade_num_candidate_groups < 1 || net->cascade_num_candidate_groups > 4096)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_cascade_train: no candidates (%u functions, %u steepnesses, %u groups)",
                        nc, ns, net->cascade_num_candidate_groups);
    for (uint32_t i = 0; i < ns; i++)
        if (!(isfinite(net->cascade_activation_steepnesses[i]) && net->cascade_activation_steepnesses[i] > 0))
            return zn_error(ZN_ERR_INVALID_ARG, "zn_cascade_train: candidate steepness %u is not > 0", i);
    for (uint32_t i = 0; i < nc; i++)
        if ((int)net->cascade_activation_functions[i] < 0 || net->cascade_activation_functions[i] >= ZN_NACT_COUNT)
            return zn_error(ZN_ERR_INVALID_ARG, "zn_cascade_train: candidate activation %u is unknown", i);
    const uint32_t n_in = net->n_inputs, n_out = net->n_outputs;
    if (net->n_layers < 2 || n_out < 1 || net->layers[0].first != 0 || net->layers[0].last != n_in + 1 ||
        net->layers[net->n_layers - 1].last != net->n_neurons ||
        net->layers[net->n_layers - 1].last - net->layers[net->n_layers - 1].first != n_out)
        return zn_error(ZN_ERR_FORMAT, "zn_cascade_train: the layers are not a shortcut net's");
    for (uint32_t l = 1; l < net->n_layers; l++) {
        const zn_fnet_layer *L = &net->layers[l];
        for (uint32_t n = L->first; n < L->last; n++) {
            const zn_fnet_neuron *ne = &net->neurons[n];
            if (ne->last_con - ne->first_con != L->first || ne->last_con > net->n_connections)
                return zn_error(ZN_ERR_FORMAT, "zn_cascade_train: neuron %u does not see every earlier neuron", n);
            for (uint32_t j = 0; j < L->first; j++)
                if (net->sources[ne->first_con + j] != j)
                    return zn_error(ZN_ERR_FORMAT, "zn_cascade_train: neuron %u's connection %u is out of order", n, j);
            if (!(net->neurons[n].steepness > 0.0f))
                return zn_error(ZN_ERR_INVALID_ARG, "zn_cascade_train: neuron %u's steepness is not > 0", n);
        }
    }
    const zn_fnet_neuron *on = output_neurons(net);
    for (uint32_t o = 1; o < n_out; o++)
        if (on[o].first_con != on[0].first_con + o * (net->n_neurons - n_out))
            return zn_error(ZN_ERR_FORMAT, "zn_cascade_train: the output connections are not in one block");
    if (on[n_out - 1].last_con != net->n_connections)
        return zn_error(ZN_ERR_FORMAT, "zn_cascade_train: the output connections are not last");
    return ZN_OK;
}

/* The cache for the net as it is: the data's inputs, the bias, and the values
 * of any hidden neurons the net already has. */
static zn_status cache_init(zn_cascade *c, unsigned max_neurons) {
    zn_fnet *net = c->net;
    c->k = net->n_neurons - c->n_out;
    c->ld = c->k + (max_neurons < 16 ? max_neurons : 16);
    size_t n;
    if (!zn_mul_size((size_t)c->rows, c->ld, &n) || !zn_mul_size(n, sizeof(float), &n))
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_cascade_train: cache");
    c->v = zn_alloc(n);
    c->out = zn_alloc((size_t)c->rows * c->n_out * sizeof(float));
    c->err = zn_alloc((size_t)c->rows * c->n_out * sizeof(float));
    if (!c->v || !c->out || !c->err) return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_cascade_train: cache");
    const int hidden = c->k > c->n_in + 1;
    for (int64_t r = 0; r < c->rows; r++) {
        float *row = c->v + r * c->ld;
        const float *x = c->data->x + r * c->n_in;
        if (hidden) {
            if (!zn_fnet_run(net, x)) return ZN_ERR_INVALID_ARG;
            zn_fnet_sync_neurons(net);
            for (uint32_t j = 0; j < c->k; j++) row[j] = net->neurons[j].value;
        } else {
            memcpy(row, x, c->n_in * sizeof(float));
            row[c->n_in] = 1.0f;
        }
    }
    return ZN_OK;
}

static void cascade_free(zn_cascade *c) {
    zn_cascade_free_candidates(c);
    zn_free(c->v);
    zn_free(c->out);
    zn_free(c->err);
    zn_free(c->grad);
}

zn_status zn_cascade_train_ex(zn_fnet *net, const zn_dataset *data, unsigned max_neurons,
                              unsigned neurons_between_reports, float desired_error, zn_fnet_report_fn report,
                              void *user, const zn_cascade_opts *opts) {
    zn_status st = check_net(net, data);
    if (st != ZN_OK) return st;
    zn_cascade c;
    memset(&c, 0, sizeof c);
    c.net = net;
    c.data = data;
    c.rows = data->rows;
    c.n_in = net->n_inputs;
    c.n_out = net->n_outputs;
    c.pool = opts && opts->pool ? opts->pool : zn_pool_default();
    c.nth = c.pool ? zn_pool_size(c.pool) : 1;
    if (opts && opts->max_threads > 0 && opts->max_threads < c.nth) c.nth = opts->max_threads;
    if ((st = cache_init(&c, max_neurons)) != ZN_OK) goto done;
    unsigned total_epochs = 0, epochs;
    for (unsigned i = 1; i <= max_neurons; i++) {
        if ((st = train_outputs(&c, desired_error, &epochs)) != ZN_OK) goto done;
        total_epochs += epochs;
        const int reached = error_reached(net, desired_error);
        if (report && neurons_between_reports &&
            (i % neurons_between_reports == 0 || i == max_neurons || i == 1 || reached)) {
            unsigned shown = opts && opts->report_epochs ? total_epochs : i - 1;
            if (report(net, data, max_neurons, neurons_between_reports, desired_error, shown, user) < 0) break;
        }
        if (reached) break;
        if ((st = zn_cascade_train_candidates(&c, &epochs)) != ZN_OK) goto done;
        total_epochs += epochs;
        if ((st = install_candidate(&c)) != ZN_OK) goto done;
    }
    /* FANN trains the outputs once more with no error target */
    if ((st = train_outputs(&c, 0.0f, &epochs)) != ZN_OK) goto done;
    if (opts && opts->total_epochs) *opts->total_epochs = total_epochs + epochs;
    if (opts && opts->outputs) {
        if ((st = output_sums(&c)) != ZN_OK) goto done;
        zn_cascade_activate_outputs(&c, c.out);
        memcpy(opts->outputs, c.out, (size_t)c.rows * c.n_out * sizeof(float));
    }
done:
    cascade_free(&c);
    return st;
}

zn_status zn_cascade_train(zn_fnet *net, const zn_dataset *data, unsigned max_neurons, unsigned neurons_between_reports,
                           float desired_error, zn_fnet_report_fn report, void *user, zn_pool *pool) {
    zn_cascade_opts o;
    memset(&o, 0, sizeof o);
    o.pool = pool;
    return zn_cascade_train_ex(net, data, max_neurons, neurons_between_reports, desired_error, report, user, &o);
}
