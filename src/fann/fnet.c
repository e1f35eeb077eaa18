/* FANN-structured networks: allocation, FANN 2.2's defaults, the three
 * creation layouts (fann_create_standard/sparse/shortcut), copies and the
 * activation/steepness setters. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "fann/fnet_exec.h"

void zn_fnet_set_defaults(zn_fnet *net) {
    /* fann_allocate_structure's values */
    net->connection_rate = 1.0f;
    net->training_algorithm = ZN_ALGO_RPROP;
    net->learning_rate = 0.7f;
    net->learning_momentum = 0.0f;
    net->train_error_function = ZN_FNET_ERRFN_TANH;
    net->train_stop_function = ZN_STOP_MSE;
    net->bit_fail_limit = 0.35f;
    net->quickprop_decay = -0.0001f;
    net->quickprop_mu = 1.75f;
    net->rprop_increase_factor = 1.2f;
    net->rprop_decrease_factor = 0.5f;
    net->rprop_delta_min = 0.0f;
    net->rprop_delta_max = 50.0f;
    net->rprop_delta_zero = 0.1f;
    net->sarprop_weight_decay_shift = -6.644f;
    net->sarprop_step_error_threshold_factor = 0.1f;
    net->sarprop_step_error_shift = 1.385f;
    net->sarprop_temperature = 0.015f;
    net->sarprop_epoch = 0;
    net->cascade_output_change_fraction = 0.01f;
    net->cascade_candidate_change_fraction = 0.01f;
    net->cascade_output_stagnation_epochs = 12;
    net->cascade_candidate_stagnation_epochs = 12;
    net->cascade_num_candidate_groups = 2;
    net->cascade_weight_multiplier = 0.4f;
    net->cascade_candidate_limit = 1000.0f;
    net->cascade_max_out_epochs = 150;
    net->cascade_max_cand_epochs = 150;
    net->cascade_min_out_epochs = 50;
    net->cascade_min_cand_epochs = 50;
    static const zn_nact acts[] = {ZN_NACT_FANN_SIGMOID,  ZN_NACT_FANN_SIGMOID_SYMMETRIC,
                                   ZN_NACT_GAUSSIAN,      ZN_NACT_GAUSSIAN_SYMMETRIC,
                                   ZN_NACT_ELLIOT,        ZN_NACT_ELLIOT_SYMMETRIC,
                                   ZN_NACT_SIN_SYMMETRIC, ZN_NACT_COS_SYMMETRIC,
                                   ZN_NACT_SIN,           ZN_NACT_COS};
    net->cascade_activation_functions_count = (uint32_t)(sizeof acts / sizeof acts[0]);
    memcpy(net->cascade_activation_functions, acts, sizeof acts);
    static const float steeps[] = {0.25f, 0.5f, 0.75f, 1.0f};
    net->cascade_activation_steepnesses_count = 4;
    memcpy(net->cascade_activation_steepnesses, steeps, sizeof steeps);
    net->mse_sum = 0.0;
    net->mse_count = 0;
    net->bit_fail = 0;
}

zn_status zn_fnet_alloc(zn_fnet_kind kind, uint32_t n_layers, const uint32_t *layer_neurons, uint32_t n_connections,
                        zn_fnet **out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_alloc: out is NULL");
    *out = NULL;
    if (kind != ZN_FNET_LAYER && kind != ZN_FNET_SHORTCUT)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_alloc: unknown network type %d", (int)kind);
    if (n_layers < 2 || !layer_neurons)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_alloc: a network needs at least 2 layers");
    uint64_t total = 0;
    for (uint32_t l = 0; l < n_layers; l++) total += layer_neurons[l];
    if (total > UINT32_MAX / 2)
        return zn_error(ZN_ERR_OVERFLOW, "zn_fnet_alloc: %llu neurons", (unsigned long long)total);
    /* the input layer holds the inputs and one bias neuron */
    if (layer_neurons[0] < 2)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_alloc: the input layer needs inputs and a bias");
    uint32_t last = layer_neurons[n_layers - 1];
    uint32_t n_out = kind == ZN_FNET_LAYER ? (last ? last - 1 : 0) : last;
    if (n_out == 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_alloc: the output layer has no outputs");

    zn_fnet *net = zn_calloc(1, sizeof *net);
    if (!net) return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_fnet_alloc: out of memory");
    net->kind = kind;
    net->n_layers = n_layers;
    net->n_neurons = (uint32_t)total;
    net->n_connections = n_connections;
    net->n_inputs = layer_neurons[0] - 1;
    net->n_outputs = n_out;
    net->layers = zn_calloc(n_layers, sizeof *net->layers);
    net->neurons = zn_calloc(total, sizeof *net->neurons);
    net->sources = zn_calloc(n_connections ? n_connections : 1, sizeof *net->sources);
    net->weights = zn_calloc(n_connections ? n_connections : 1, sizeof *net->weights);
    net->outputs = zn_calloc(n_out, sizeof *net->outputs);
    if (!net->layers || !net->neurons || !net->sources || !net->weights || !net->outputs) {
        zn_fnet_free(net);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_fnet_alloc: out of memory for %u neurons, %u connections",
                        (unsigned)total, (unsigned)n_connections);
    }
    uint32_t at = 0;
    for (uint32_t l = 0; l < n_layers; l++) {
        net->layers[l].first = at;
        at += layer_neurons[l];
        net->layers[l].last = at;
    }
    zn_fnet_set_defaults(net);
    zn_rng_seed(&net->rng, 0);
    *out = net;
    return ZN_OK;
}

void zn_fnet_drop_train_state(zn_fnet *net) {
    if (!net) return;
    zn_free(net->train_slopes);
    zn_free(net->prev_train_slopes);
    zn_free(net->prev_steps);
    zn_free(net->prev_weight_deltas);
    zn_free(net->train_errors);
    net->train_slopes = net->prev_train_slopes = net->prev_steps = net->prev_weight_deltas = NULL;
    net->train_errors = NULL;
    zn_fnet_exec_free(net->exec);
    net->exec = NULL;
}

static void free_scale(zn_fnet *net) {
    float **s[] = {&net->scale_mean_in,  &net->scale_deviation_in,  &net->scale_new_min_in,  &net->scale_factor_in,
                   &net->scale_mean_out, &net->scale_deviation_out, &net->scale_new_min_out, &net->scale_factor_out};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        zn_free(*s[i]);
        *s[i] = NULL;
    }
}

void zn_fnet_free(zn_fnet *net) {
    if (!net) return;
    zn_fnet_drop_train_state(net);
    free_scale(net);
    zn_free(net->layers);
    zn_free(net->neurons);
    zn_free(net->sources);
    zn_free(net->weights);
    zn_free(net->outputs);
    zn_free(net);
}

static float *dup_floats(const float *src, size_t n, int *fail) {
    if (!src) return NULL;
    float *d = zn_alloc((n ? n : 1) * sizeof *d);
    if (!d) {
        *fail = 1;
        return NULL;
    }
    memcpy(d, src, n * sizeof *d);
    return d;
}

zn_status zn_fnet_copy(const zn_fnet *net, zn_fnet **out) {
    if (!net || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_copy: NULL argument");
    *out = NULL;
    zn_fnet *c = zn_calloc(1, sizeof *c);
    if (!c) return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_fnet_copy: out of memory");
    *c = *net;
    c->exec = NULL;
    c->layers = NULL;
    c->neurons = NULL;
    c->sources = NULL;
    c->weights = c->outputs = NULL;
    c->train_slopes = c->prev_train_slopes = c->prev_steps = c->prev_weight_deltas = c->train_errors = NULL;
    c->scale_mean_in = c->scale_deviation_in = c->scale_new_min_in = c->scale_factor_in = NULL;
    c->scale_mean_out = c->scale_deviation_out = c->scale_new_min_out = c->scale_factor_out = NULL;
    int fail = 0;
    size_t nc = net->n_connections, nn = net->n_neurons, ni = net->n_inputs, no = net->n_outputs;
    c->layers = zn_alloc(net->n_layers * sizeof *c->layers);
    c->neurons = zn_alloc((nn ? nn : 1) * sizeof *c->neurons);
    c->sources = zn_alloc((nc ? nc : 1) * sizeof *c->sources);
    if (!c->layers || !c->neurons || !c->sources)
        fail = 1;
    else {
        memcpy(c->layers, net->layers, net->n_layers * sizeof *c->layers);
        memcpy(c->neurons, net->neurons, nn * sizeof *c->neurons);
        memcpy(c->sources, net->sources, nc * sizeof *c->sources);
    }
    c->weights = dup_floats(net->weights, nc, &fail);
    c->outputs = dup_floats(net->outputs, no, &fail);
    c->train_slopes = dup_floats(net->train_slopes, nc, &fail);
    c->prev_train_slopes = dup_floats(net->prev_train_slopes, nc, &fail);
    c->prev_steps = dup_floats(net->prev_steps, nc, &fail);
    c->prev_weight_deltas = dup_floats(net->prev_weight_deltas, nc, &fail);
    c->train_errors = dup_floats(net->train_errors, nn, &fail);
    c->scale_mean_in = dup_floats(net->scale_mean_in, ni, &fail);
    c->scale_deviation_in = dup_floats(net->scale_deviation_in, ni, &fail);
    c->scale_new_min_in = dup_floats(net->scale_new_min_in, ni, &fail);
    c->scale_factor_in = dup_floats(net->scale_factor_in, ni, &fail);
    c->scale_mean_out = dup_floats(net->scale_mean_out, no, &fail);
    c->scale_deviation_out = dup_floats(net->scale_deviation_out, no, &fail);
    c->scale_new_min_out = dup_floats(net->scale_new_min_out, no, &fail);
    c->scale_factor_out = dup_floats(net->scale_factor_out, no, &fail);
    if (fail || !c->weights || !c->outputs) {
        zn_fnet_free(c);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_fnet_copy: out of memory");
    }
    *out = c;
    return ZN_OK;
}

/* ---- creation ------------------------------------------------------------------------------ */

static zn_status check_sizes(const char *fn, unsigned n_layers, const unsigned *sizes, zn_fnet **out) {
    if (!out) return zn_error(ZN_ERR_INVALID_ARG, "%s: out is NULL", fn);
    *out = NULL;
    if (n_layers < 2)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: %u layers (at least 2: inputs and outputs)", fn, n_layers);
    if (!sizes) return zn_error(ZN_ERR_INVALID_ARG, "%s: sizes is NULL", fn);
    for (unsigned l = 0; l < n_layers; l++)
        if (sizes[l] == 0 || sizes[l] > 1000000) /* FANN's limit */
            return zn_error(ZN_ERR_INVALID_ARG, "%s: layer %u has %u neurons (1 to 1000000)", fn, l, sizes[l]);
    return ZN_OK;
}

static float random_weight(zn_rng *rng) { return -0.1f + 0.2f * zn_rng_uniformf(rng); }

static void init_neuron(zn_fnet_neuron *n, uint32_t first_con, uint32_t last_con) {
    n->first_con = first_con;
    n->last_con = last_con;
    n->act = ZN_NACT_FANN_SIGMOID_STEPWISE; /* FANN's default */
    n->steepness = 0.5f;
}

/* FANN's sparse layout: the bias, one connection from every neuron of the
 * previous layer to a random neuron with room, the rest random distinct. */
static void connect_sparse(zn_fnet *net, uint32_t l) {
    const zn_fnet_layer *prev = &net->layers[l - 1], *cur = &net->layers[l];
    uint32_t n_in = prev->last - prev->first - 1, n_out = cur->last - cur->first - 1;
    uint32_t bias = prev->last - 1;
    const uint32_t empty = UINT32_MAX;
    for (uint32_t n = cur->first; n < cur->first + n_out; n++) {
        zn_fnet_neuron *ne = &net->neurons[n];
        for (uint32_t c = ne->first_con; c < ne->last_con; c++) net->sources[c] = empty;
        net->sources[ne->first_con] = bias;
        net->weights[ne->first_con] = random_weight(&net->rng);
    }
    for (uint32_t src = prev->first; src < prev->first + n_in; src++) {
        zn_fnet_neuron *ne;
        do ne = &net->neurons[cur->first + (uint32_t)zn_rng_below(&net->rng, n_out)];
        while (net->sources[ne->last_con - 1] != empty);
        for (uint32_t c = ne->first_con; c < ne->last_con; c++)
            if (net->sources[c] == empty) {
                net->sources[c] = src;
                net->weights[c] = random_weight(&net->rng);
                break;
            }
    }
    for (uint32_t n = cur->first; n < cur->first + n_out; n++) {
        zn_fnet_neuron *ne = &net->neurons[n];
        for (uint32_t c = ne->first_con; c < ne->last_con; c++) {
            if (net->sources[c] != empty) continue;
            uint32_t src;
            int taken;
            do {
                src = prev->first + (uint32_t)zn_rng_below(&net->rng, n_in);
                taken = 0;
                for (uint32_t j = ne->first_con; j < c; j++)
                    if (net->sources[j] == src) {
                        taken = 1;
                        break;
                    }
            } while (taken);
            net->sources[c] = src;
            net->weights[c] = random_weight(&net->rng);
        }
    }
}

zn_status zn_fnet_create_sparse(float connection_rate, unsigned n_layers, const unsigned *sizes, uint64_t seed,
                                zn_fnet **out) {
    zn_status st = check_sizes("zn_fnet_create_sparse", n_layers, sizes, out);
    if (st) return st;
    if (!(connection_rate > 0.0f))
        return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_create_sparse: connection rate %g must be > 0",
                        (double)connection_rate);
    if (connection_rate > 1.0f) connection_rate = 1.0f;
    uint32_t *ln = zn_alloc(n_layers * sizeof *ln);
    uint32_t *per = zn_alloc(n_layers * sizeof *per);
    if (!ln || !per) {
        zn_free(ln);
        zn_free(per);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_fnet_create_sparse: out of memory");
    }
    /* FANN's connection counts per layer */
    uint64_t total = 0;
    for (unsigned l = 0; l < n_layers; l++) ln[l] = sizes[l] + 1;
    for (unsigned l = 1; l < n_layers; l++) {
        uint32_t n_in = sizes[l - 1], n_out = sizes[l];
        uint64_t max_c = (uint64_t)n_in * n_out;
        uint64_t min_c = n_in > n_out ? n_in : n_out;
        uint64_t want = (uint64_t)(0.5 + (double)(connection_rate * (float)max_c));
        uint64_t num = (want > min_c ? want : min_c) + n_out;
        if (connection_rate >= 1.0f) num = max_c + n_out;
        per[l] = (uint32_t)(num > UINT32_MAX ? UINT32_MAX : num);
        total += num;
    }
    if (total > UINT32_MAX / 2) {
        zn_free(ln);
        zn_free(per);
        return zn_error(ZN_ERR_OVERFLOW, "zn_fnet_create_sparse: %llu connections", (unsigned long long)total);
    }
    zn_fnet *net;
    st = zn_fnet_alloc(ZN_FNET_LAYER, n_layers, ln, (uint32_t)total, &net);
    zn_free(ln);
    if (st) {
        zn_free(per);
        return st;
    }
    zn_rng_seed(&net->rng, seed);
    net->connection_rate = connection_rate;
    uint32_t con = 0;
    for (unsigned l = 1; l < n_layers; l++) {
        const zn_fnet_layer *ly = &net->layers[l];
        uint32_t n_out = sizes[l], num = per[l], each = num / n_out, given = 0;
        for (uint32_t i = 0; i < n_out; i++) {
            uint32_t first = con + given;
            given += each;
            /* spread the remainder as FANN does */
            if ((uint64_t)given < ((uint64_t)num * (i + 1)) / n_out) given++;
            init_neuron(&net->neurons[ly->first + i], first, con + given);
        }
        net->neurons[ly->first + n_out].first_con = net->neurons[ly->first + n_out].last_con = con + given;
        con += num;
    }
    zn_free(per);
    for (unsigned l = 1; l < n_layers; l++) {
        const zn_fnet_layer *ly = &net->layers[l], *prev = &net->layers[l - 1];
        if (connection_rate < 1.0f) {
            connect_sparse(net, l);
            continue;
        }
        for (uint32_t n = ly->first; n + 1 < ly->last; n++) {
            const zn_fnet_neuron *ne = &net->neurons[n];
            for (uint32_t c = ne->first_con; c < ne->last_con; c++) {
                net->sources[c] = prev->first + (c - ne->first_con);
                net->weights[c] = random_weight(&net->rng);
            }
        }
    }
    *out = net;
    return ZN_OK;
}

zn_status zn_fnet_create_standard(unsigned n_layers, const unsigned *sizes, uint64_t seed, zn_fnet **out) {
    zn_status st = check_sizes("zn_fnet_create_standard", n_layers, sizes, out);
    if (st) return st;
    return zn_fnet_create_sparse(1.0f, n_layers, sizes, seed, out);
}

zn_status zn_fnet_create_shortcut(unsigned n_layers, const unsigned *sizes, uint64_t seed, zn_fnet **out) {
    zn_status st = check_sizes("zn_fnet_create_shortcut", n_layers, sizes, out);
    if (st) return st;
    uint32_t *ln = zn_alloc(n_layers * sizeof *ln);
    if (!ln) return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_fnet_create_shortcut: out of memory");
    /* only the input layer has a bias neuron; each neuron sees all earlier ones */
    uint64_t total = 0, before = (uint64_t)sizes[0] + 1;
    for (unsigned l = 0; l < n_layers; l++) ln[l] = sizes[l] + (l == 0);
    for (unsigned l = 1; l < n_layers; l++) {
        total += before * sizes[l];
        before += sizes[l];
    }
    if (total > UINT32_MAX / 2) {
        zn_free(ln);
        return zn_error(ZN_ERR_OVERFLOW, "zn_fnet_create_shortcut: %llu connections", (unsigned long long)total);
    }
    zn_fnet *net;
    st = zn_fnet_alloc(ZN_FNET_SHORTCUT, n_layers, ln, (uint32_t)total, &net);
    zn_free(ln);
    if (st) return st;
    zn_rng_seed(&net->rng, seed);
    uint32_t con = 0;
    for (unsigned l = 1; l < n_layers; l++) {
        const zn_fnet_layer *ly = &net->layers[l];
        for (uint32_t n = ly->first; n < ly->last; n++) {
            init_neuron(&net->neurons[n], con, con + ly->first);
            for (uint32_t j = 0; j < ly->first; j++) {
                net->sources[con + j] = j;
                net->weights[con + j] = random_weight(&net->rng);
            }
            con += ly->first;
        }
    }
    *out = net;
    return ZN_OK;
}

/* ---- sizes --------------------------------------------------------------------------------- */

unsigned zn_fnet_num_inputs(const zn_fnet *net) { return net ? net->n_inputs : 0; }
unsigned zn_fnet_num_outputs(const zn_fnet *net) { return net ? net->n_outputs : 0; }
unsigned zn_fnet_num_neurons(const zn_fnet *net) {
    if (!net) return 0;
    /* FANN does not count the unused bias neuron of a layered net's output layer */
    return net->kind == ZN_FNET_LAYER ? net->n_neurons - 1 : net->n_neurons;
}
unsigned zn_fnet_num_connections(const zn_fnet *net) { return net ? net->n_connections : 0; }

void zn_fnet_seed(zn_fnet *net, uint64_t seed) {
    if (net) zn_rng_seed(&net->rng, seed);
}

/* ---- activations and steepness, FANN's layer numbering ------------------------------------------ */

/* The neurons [*a, *b) that (layer, neuron) names, as fann_get_layer and
 * fann_get_neuron check them: layer 0 (the inputs) is not settable. */
static zn_status select_neurons(const char *fn, const zn_fnet *net, int layer, int neuron, uint32_t *a, uint32_t *b) {
    if (!net) return zn_error(ZN_ERR_INVALID_ARG, "%s: net is NULL", fn);
    if (layer <= 0 || (uint32_t)layer >= net->n_layers)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: layer %d out of range 1..%u", fn, layer, net->n_layers - 1);
    const zn_fnet_layer *ly = &net->layers[layer];
    uint32_t size = ly->last - ly->first;
    if (neuron == -1) {
        *a = ly->first;
        *b = ly->last;
        return ZN_OK;
    }
    if (neuron < 0 || (uint32_t)neuron >= size)
        return zn_error(ZN_ERR_INVALID_ARG, "%s: neuron %d out of range 0..%u of layer %d", fn, neuron, size - 1,
                        layer);
    *a = ly->first + (uint32_t)neuron;
    *b = *a + 1;
    return ZN_OK;
}

zn_status zn_fnet_set_activation(zn_fnet *net, zn_nact act, int layer, int neuron) {
    uint32_t a = 0, b = 0;
    zn_status st = select_neurons("zn_fnet_set_activation", net, layer, neuron, &a, &b);
    if (st) return st;
    if ((int)act < 0 || act >= ZN_NACT_COUNT)
        return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_set_activation: unknown activation %d", (int)act);
    for (uint32_t n = a; n < b; n++) net->neurons[n].act = act;
    return ZN_OK;
}

zn_status zn_fnet_set_steepness(zn_fnet *net, float steepness, int layer, int neuron) {
    uint32_t a = 0, b = 0;
    zn_status st = select_neurons("zn_fnet_set_steepness", net, layer, neuron, &a, &b);
    if (st) return st;
    if (isnan(steepness)) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_set_steepness: steepness is NaN");
    for (uint32_t n = a; n < b; n++) net->neurons[n].steepness = steepness;
    return ZN_OK;
}

/* Hidden: every layer between input and output, bias neurons included, as FANN. */
void zn_fnet_set_activation_hidden(zn_fnet *net, zn_nact act) {
    if (!net || (int)act < 0 || act >= ZN_NACT_COUNT) return;
    for (uint32_t l = 1; l + 1 < net->n_layers; l++) zn_fnet_set_activation(net, act, (int)l, -1);
}

void zn_fnet_set_activation_output(zn_fnet *net, zn_nact act) {
    if (!net || (int)act < 0 || act >= ZN_NACT_COUNT) return;
    zn_fnet_set_activation(net, act, (int)net->n_layers - 1, -1);
}

void zn_fnet_set_steepness_hidden(zn_fnet *net, float steepness) {
    if (!net || isnan(steepness)) return;
    for (uint32_t l = 1; l + 1 < net->n_layers; l++) zn_fnet_set_steepness(net, steepness, (int)l, -1);
}

void zn_fnet_set_steepness_output(zn_fnet *net, float steepness) {
    if (!net || isnan(steepness)) return;
    zn_fnet_set_steepness(net, steepness, (int)net->n_layers - 1, -1);
}
