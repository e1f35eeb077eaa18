/* Reading FANN's .net text (FANN_FLO_2.1, FANN_FLO_2.0, FANN_FIX_2.0) into a
 * zn_fnet. The keys come in FANN's fixed order, as fann_create_from_file
 * reads them; unlike FANN, every count is checked against the others and
 * against what the rest of the file can hold before anything is allocated,
 * and every neuron and connection is checked against the layout that
 * zn_fnet_run and training rely on. */
#include <math.h>
#include <string.h>

#include "base/file.h"
#include "base/number.h"
#include "fann/fann_net_scan.h"
#include "fann/fnet_internal.h"

/* The shortest text of one item: "3 " for a layer size, "(0,0,0)" for a
 * neuron, "(0,0)" for a connection; counts are bounded by these. */
enum { MIN_LAYER_CHARS = 2, MIN_NEURON_CHARS = 7, MIN_CONNECTION_CHARS = 5 };

/* What the file says before the connections. */
typedef struct net_head {
    uint32_t n_layers;
    uint32_t *sizes;        /* n_layers: neurons per layer, bias neurons included */
    uint32_t n_neurons;     /* their sum */
    uint32_t *num_inputs;   /* n_neurons */
    uint32_t *acts;         /* n_neurons */
    float *steep;           /* n_neurons */
    uint64_t n_connections; /* sum of num_inputs */
    float *scale[8];        /* mean, deviation, new_min, factor: in, then out; NULL when absent */
    union {
        float f;
        uint32_t u;
    } params[ZN_NET_N_PARAMS];
    uint32_t n_cascade_acts, n_cascade_steeps;
    uint32_t cascade_acts[ZN_FNET_MAX_CASCADE_ACTS];
    float cascade_steeps[ZN_FNET_MAX_CASCADE_STEEPS];
} net_head;

static void head_free(net_head *h) {
    zn_free(h->sizes);
    zn_free(h->num_inputs);
    zn_free(h->acts);
    zn_free(h->steep);
    for (int k = 0; k < 8; k++) zn_free(h->scale[k]);
}

static size_t left(const zn_net_scan *s) { return (size_t)(s->end - s->p); }

static zn_status read_version(zn_net_scan *s) {
    static const char *const ok[] = {"FANN_FLO_2.1\n", "FANN_FLO_2.0\n", "FANN_FIX_2.0\n", "FANN_FIX_2.1\n"};
    size_t n = strlen(ok[0]);
    for (int i = 0; i < 4; i++)
        if (left(s) >= n && memcmp(s->p, ok[i], n) == 0) {
            s->fixed = i >= 2;
            s->p += n;
            s->line = 2;
            return ZN_OK;
        }
    for (int i = 0; i < 4; i++)
        if (left(s) >= n - 1 && memcmp(s->p, ok[i], n - 1) == 0)
            return zn_net_fail(s, ZN_FANN_E_WRONG_CONFIG_VERSION, "version",
                               "the first line must be exactly %.12s (FANN reads no Windows line ends or spaces)",
                               ok[i]);
    if (left(s) >= 9 && (memcmp(s->p, "FANN_FLO_", 9) == 0 || memcmp(s->p, "FANN_FIX_", 9) == 0))
        return zn_net_fail(s, ZN_FANN_E_WRONG_CONFIG_VERSION, "version",
                           "%.*s is not a version this reader knows (FANN_FLO_2.1, FANN_FLO_2.0, FANN_FIX_2.0)",
                           (int)(left(s) < 12 ? left(s) : 12), s->p);
    /* libfann compares the first line with its version string: anything else is a wrong version */
    return zn_net_fail(s, ZN_FANN_E_WRONG_CONFIG_VERSION, "version",
                       "not a FANN network file (the first line must be FANN_FLO_2.1, FANN_FLO_2.0 or FANN_FIX_2.0)");
}

static zn_status read_params(zn_net_scan *s, net_head *h) {
    zn_status st = ZN_OK;
    for (int i = 0; i < ZN_NET_N_PARAMS && st == ZN_OK; i++) {
        const zn_net_param *p = &zn_net_params[i];
        if (p->kind == ZN_NET_U32 || p->kind == ZN_NET_ENUM) {
            st = zn_net_key_uint(s, p->key, &h->params[i].u);
            if (st == ZN_OK && p->kind == ZN_NET_ENUM && h->params[i].u > p->max)
                st = zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, p->key, "%u is not one of 0 to %u", h->params[i].u,
                                 p->max);
        } else {
            st = zn_net_key_float(s, p->key, p->kind == ZN_NET_SCALED, &h->params[i].f);
        }
    }
    if (st == ZN_OK && !(h->params[1].f >= 0.0f)) /* connection_rate */
        st = zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, "connection_rate", "%g is negative", (double)h->params[1].f);
    return st;
}

static zn_status read_cascade_lists(zn_net_scan *s, net_head *h) {
    zn_status st = zn_net_key_uint(s, "cascade_activation_functions_count", &h->n_cascade_acts);
    if (st == ZN_OK && h->n_cascade_acts > ZN_FNET_MAX_CASCADE_ACTS)
        st = zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, "cascade_activation_functions_count",
                         "%u is more than the %d this reader keeps", h->n_cascade_acts, ZN_FNET_MAX_CASCADE_ACTS);
    if (st == ZN_OK)
        st = zn_net_expect(s, "cascade_activation_functions=", "cascade_activation_functions",
                           ZN_FANN_E_CANT_READ_CONFIG);
    for (uint32_t i = 0; st == ZN_OK && i < h->n_cascade_acts; i++) {
        st = zn_net_uint(s, "cascade_activation_functions", ZN_FANN_E_CANT_READ_CONFIG, &h->cascade_acts[i]);
        if (st == ZN_OK && h->cascade_acts[i] > ZN_NET_MAX_ACT)
            st = zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, "cascade_activation_functions",
                             "activation function %u is not one of FANN's (0 to %d)", h->cascade_acts[i],
                             ZN_NET_MAX_ACT);
    }
    if (st == ZN_OK) st = zn_net_key_uint(s, "cascade_activation_steepnesses_count", &h->n_cascade_steeps);
    if (st == ZN_OK && h->n_cascade_steeps > ZN_FNET_MAX_CASCADE_STEEPS)
        st = zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, "cascade_activation_steepnesses_count",
                         "%u is more than the %d this reader keeps", h->n_cascade_steeps, ZN_FNET_MAX_CASCADE_STEEPS);
    if (st == ZN_OK)
        st = zn_net_expect(s, "cascade_activation_steepnesses=", "cascade_activation_steepnesses",
                           ZN_FANN_E_CANT_READ_CONFIG);
    for (uint32_t i = 0; st == ZN_OK && i < h->n_cascade_steeps; i++)
        st = zn_net_float(s, "cascade_activation_steepnesses", ZN_FANN_E_CANT_READ_CONFIG, 1, &h->cascade_steeps[i]);
    return st;
}

static zn_status read_layers(zn_net_scan *s, net_head *h, zn_fnet_kind kind) {
    zn_status st = zn_net_expect(s, "layer_sizes=", "layer_sizes", ZN_FANN_E_CANT_READ_CONFIG);
    if (st != ZN_OK) return st;
    h->sizes = zn_alloc((size_t)h->n_layers * sizeof *h->sizes);
    if (!h->sizes) return zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory for %u layers", s->name, h->n_layers);
    uint64_t total = 0;
    for (uint32_t l = 0; l < h->n_layers; l++) {
        if ((st = zn_net_uint(s, "layer_sizes", ZN_FANN_E_CANT_READ_CONFIG, &h->sizes[l])) != ZN_OK) return st;
        /* Every layer but a shortcut net's later ones ends with a bias neuron. */
        uint32_t min = (l == 0 || kind == ZN_FNET_LAYER) ? 2 : 1;
        if (h->sizes[l] < min)
            return zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, "layer_sizes",
                               "layer %u has %u neurons; it needs at least %u%s", l, h->sizes[l], min,
                               min == 2 ? " (one and the bias neuron)" : "");
        total += h->sizes[l];
    }
    if (total > left(s) / MIN_NEURON_CHARS) /* libfann would read on and fail on the neurons: its errno */
        return zn_net_fail(s, ZN_FANN_E_CANT_READ_NEURON, "layer_sizes",
                           "%llu neurons cannot fit in the rest of the file", (unsigned long long)total);
    h->n_neurons = (uint32_t)total;
    return ZN_OK;
}

static zn_status read_scale(zn_net_scan *s, net_head *h, zn_fnet_kind kind) {
    static const char *const keys[8] = {"scale_mean_in",     "scale_deviation_in", "scale_new_min_in",
                                        "scale_factor_in",   "scale_mean_out",     "scale_deviation_out",
                                        "scale_new_min_out", "scale_factor_out"};
    /* FANN reads scale_included only if it is there (FANN_FLO_2.0 has none). */
    if (s->fixed || !zn_net_accept(s, "scale_included=")) return ZN_OK;
    uint32_t inc;
    zn_status st = zn_net_uint(s, "scale_included", ZN_FANN_E_CANT_READ_CONFIG, &inc);
    if (st != ZN_OK) return st;
    if (inc > 1) return zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, "scale_included", "%u is not 0 or 1", inc);
    if (inc == 0) return ZN_OK;
    uint32_t n_in = h->sizes[0] - 1, last = h->sizes[h->n_layers - 1];
    uint32_t n_out = kind == ZN_FNET_LAYER ? last - 1 : last; /* a layered net's output layer has a bias */
    for (int k = 0; k < 8; k++) {
        uint32_t n = k < 4 ? n_in : n_out;
        if (n > left(s) / MIN_LAYER_CHARS)
            return zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, keys[k], "%u values cannot fit in the rest of the file",
                               n);
        h->scale[k] = zn_alloc((size_t)n * sizeof(float));
        if (!h->scale[k]) return zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory for %s", s->name, keys[k]);
        char lit[32];
        memcpy(lit, keys[k], strlen(keys[k]));
        memcpy(lit + strlen(keys[k]), "=", 2);
        if ((st = zn_net_expect(s, lit, keys[k], ZN_FANN_E_CANT_READ_CONFIG)) != ZN_OK) return st;
        for (uint32_t j = 0; j < n; j++)
            if ((st = zn_net_float(s, keys[k], ZN_FANN_E_CANT_READ_CONFIG, 0, &h->scale[k][j])) != ZN_OK) return st;
    }
    return ZN_OK;
}

static zn_status read_neurons(zn_net_scan *s, net_head *h, zn_fnet_kind kind, int dense) {
    const char *key = "neurons (num_inputs, activation_function, activation_steepness)=";
    zn_status st = zn_net_expect(s, key, "neurons", ZN_FANN_E_CANT_READ_NEURON);
    if (st != ZN_OK) return st;
    h->num_inputs = zn_alloc((size_t)h->n_neurons * sizeof(uint32_t));
    h->acts = zn_alloc((size_t)h->n_neurons * sizeof(uint32_t));
    h->steep = zn_alloc((size_t)h->n_neurons * sizeof(float));
    if (!h->num_inputs || !h->acts || !h->steep)
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "%s: out of memory for %u neurons", s->name, h->n_neurons);
    uint32_t l = 0, first = 0, last = h->sizes[0], prev_first = 0;
    for (uint32_t n = 0; n < h->n_neurons; n++) {
        if (n == last) {
            prev_first = first;
            first = last;
            last += h->sizes[++l];
        }
        if (!zn_net_accept(s, "("))
            return zn_net_fail(s, ZN_FANN_E_CANT_READ_NEURON, "neurons",
                               s->p < s->end ? "%u neurons where layer_sizes adds up to %u"
                                             : "the file ends after %u of %u neurons",
                               n, h->n_neurons);
        if ((st = zn_net_uint(s, "neurons", ZN_FANN_E_CANT_READ_NEURON, &h->num_inputs[n])) != ZN_OK ||
            (st = zn_net_expect(s, ",", "neurons", ZN_FANN_E_CANT_READ_NEURON)) != ZN_OK ||
            (st = zn_net_uint(s, "neurons", ZN_FANN_E_CANT_READ_NEURON, &h->acts[n])) != ZN_OK ||
            (st = zn_net_expect(s, ",", "neurons", ZN_FANN_E_CANT_READ_NEURON)) != ZN_OK ||
            (st = zn_net_float(s, "neurons", ZN_FANN_E_CANT_READ_NEURON, 1, &h->steep[n])) != ZN_OK ||
            (st = zn_net_expect(s, ")", "neurons", ZN_FANN_E_CANT_READ_NEURON)) != ZN_OK)
            return st;
        if (h->acts[n] > ZN_NET_MAX_ACT)
            return zn_net_fail(s, ZN_FANN_E_CANT_READ_NEURON, "neurons",
                               "neuron %u: activation function %u is not one of FANN's (0 to %d)", n, h->acts[n],
                               ZN_NET_MAX_ACT);
        int bias = (l == 0 || kind == ZN_FNET_LAYER) && n == last - 1;
        uint32_t k = h->num_inputs[n];
        if ((l == 0 || bias) && k != 0)
            return zn_net_fail(s, ZN_FANN_E_WRONG_NUM_CONNECTIONS, "neurons",
                               "neuron %u is %s neuron but has %u connections", n, bias ? "a bias" : "an input", k);
        /* Sources come from the previous layer (layered) or any earlier one (shortcut). */
        uint32_t fan_in = l == 0 || bias ? 0 : kind == ZN_FNET_LAYER ? first - prev_first : first;
        if (dense ? k != fan_in : (kind == ZN_FNET_LAYER && k > fan_in))
            return zn_net_fail(
                s, ZN_FANN_E_WRONG_NUM_CONNECTIONS, "neurons", "neuron %u has %u connections; %s %u", n, k,
                dense ? "a fully connected net (connection_rate 1) needs" : "its layer can give at most", fan_in);
        h->n_connections += k;
    }
    if (h->n_connections > left(s) / MIN_CONNECTION_CHARS)
        /* libfann would read on and fail on the connections: its errno */
        return zn_net_fail(s, ZN_FANN_E_CANT_READ_CONNECTIONS, "neurons",
                           "%llu connections cannot fit in the rest of the file", (unsigned long long)h->n_connections);
    return ZN_OK;
}

static zn_status read_connections(zn_net_scan *s, const net_head *h, zn_fnet *net, int dense) {
    zn_net_skip_space(s);
    if (s->p < s->end && *s->p == '(')
        return zn_net_fail(s, ZN_FANN_E_CANT_READ_NEURON, "neurons", "more neurons than layer_sizes adds up to (%u)",
                           h->n_neurons);
    zn_status st =
        zn_net_expect(s, "connections (connected_to_neuron, weight)=", "connections", ZN_FANN_E_CANT_READ_CONNECTIONS);
    if (st != ZN_OK) return st;
    uint32_t c = 0, l = 0, first = 0, last = h->sizes[0], prev_first = 0;
    for (uint32_t n = 0; n < h->n_neurons; n++) {
        if (n == last) { /* the next layer; walked along, not searched, so the loop stays linear */
            prev_first = first;
            first = last;
            last += h->sizes[++l];
        }
        for (uint32_t j = 0; j < h->num_inputs[n]; j++, c++) {
            if (!zn_net_accept(s, "("))
                return zn_net_fail(s, ZN_FANN_E_CANT_READ_CONNECTIONS, "connections",
                                   s->p < s->end ? "%u connections where the neurons' num_inputs add up to %llu"
                                                 : "the file ends after %u of %llu connections",
                                   c, (unsigned long long)h->n_connections);
            uint32_t src;
            float w;
            if ((st = zn_net_uint(s, "connections", ZN_FANN_E_CANT_READ_CONNECTIONS, &src)) != ZN_OK ||
                (st = zn_net_expect(s, ",", "connections", ZN_FANN_E_CANT_READ_CONNECTIONS)) != ZN_OK ||
                (st = zn_net_float(s, "connections", ZN_FANN_E_CANT_READ_CONNECTIONS, 1, &w)) != ZN_OK ||
                (st = zn_net_expect(s, ")", "connections", ZN_FANN_E_CANT_READ_CONNECTIONS)) != ZN_OK)
                return st;
            uint32_t lo = net->kind == ZN_FNET_LAYER ? prev_first : 0;
            if (dense ? src != lo + j : (src < lo || src >= first))
                return zn_net_fail(s, ZN_FANN_E_CANT_READ_CONNECTIONS, "connections",
                                   "connection %u (into neuron %u) comes from neuron %u; %s", c, n, src,
                                   dense ? "a fully connected net's connections are the earlier neurons in order"
                                   : net->kind == ZN_FNET_LAYER ? "it must be in the previous layer"
                                                                : "it must be in an earlier layer");
            net->sources[c] = src;
            net->weights[c] = w;
        }
    }
    zn_net_skip_space(s);
    if (s->p < s->end)
        return zn_net_fail(s, ZN_FANN_E_WRONG_NUM_CONNECTIONS, "connections", "%s after the last of %u connections",
                           *s->p == '(' ? "more connections" : "unexpected text", c);
    return ZN_OK;
}

/* Moves what was read into a new net. */
static zn_status build(zn_net_scan *s, net_head *h, zn_fnet **out) {
    zn_fnet_kind kind = (zn_fnet_kind)h->params[2].u;
    zn_fnet *net = NULL;
    zn_status st = zn_fnet_alloc(kind, h->n_layers, h->sizes, (uint32_t)h->n_connections, &net);
    if (st != ZN_OK) {
        s->fann_errno = ZN_FANN_E_CANT_ALLOCATE_MEM;
        return st;
    }
    for (int i = 0; i < ZN_NET_N_PARAMS; i++) {
        char *field = (char *)net + zn_net_params[i].offset;
        if (zn_net_params[i].kind == ZN_NET_U32)
            memcpy(field, &h->params[i].u, sizeof(uint32_t));
        else if (zn_net_params[i].kind == ZN_NET_ENUM) {
            int v = (int)h->params[i].u;
            memcpy(field, &v, sizeof v);
        } else
            memcpy(field, &h->params[i].f, sizeof(float));
    }
    net->cascade_activation_functions_count = h->n_cascade_acts;
    for (uint32_t i = 0; i < h->n_cascade_acts; i++) net->cascade_activation_functions[i] = (zn_nact)h->cascade_acts[i];
    net->cascade_activation_steepnesses_count = h->n_cascade_steeps;
    memcpy(net->cascade_activation_steepnesses, h->cascade_steeps, h->n_cascade_steeps * sizeof(float));
    uint32_t con = 0;
    for (uint32_t n = 0; n < h->n_neurons; n++) {
        net->neurons[n].first_con = con;
        con += h->num_inputs[n];
        net->neurons[n].last_con = con;
        net->neurons[n].act = (zn_nact)h->acts[n];
        net->neurons[n].steepness = h->steep[n];
    }
    if (h->scale[0]) {
        float **dst[8] = {&net->scale_mean_in,     &net->scale_deviation_in, &net->scale_new_min_in,
                          &net->scale_factor_in,   &net->scale_mean_out,     &net->scale_deviation_out,
                          &net->scale_new_min_out, &net->scale_factor_out};
        for (int k = 0; k < 8; k++) {
            *dst[k] = h->scale[k];
            h->scale[k] = NULL;
        }
    }
    int dense = net->connection_rate >= 1.0f;
    st = read_connections(s, h, net, dense);
    if (st != ZN_OK) {
        zn_fnet_free(net);
        return st;
    }
    *out = net;
    return ZN_OK;
}

static zn_status parse(zn_net_scan *s, zn_fnet **out) {
    net_head h;
    memset(&h, 0, sizeof h);
    zn_status st = read_version(s);
    if (st == ZN_OK && s->fixed) {
        uint32_t dp;
        st = zn_net_key_uint(s, "decimal_point", &dp);
        if (st == ZN_OK && dp > 30)
            st = zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, "decimal_point", "%u is more than 30", dp);
        s->multiplier = (float)(1u << (dp & 31));
    }
    if (st == ZN_OK) st = zn_net_key_uint(s, "num_layers", &h.n_layers);
    if (st == ZN_OK && h.n_layers < 2)
        st = zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, "num_layers", "%u layers; a net needs at least 2", h.n_layers);
    if (st == ZN_OK && h.n_layers > left(s) / MIN_LAYER_CHARS)
        st = zn_net_fail(s, ZN_FANN_E_CANT_READ_CONFIG, "num_layers", "%u layers cannot fit in the rest of the file",
                         h.n_layers);
    if (st == ZN_OK) st = read_params(s, &h);
    if (st == ZN_OK) st = read_cascade_lists(s, &h);
    zn_fnet_kind kind = (zn_fnet_kind)h.params[2].u;
    int dense = h.params[1].f >= 1.0f;
    if (st == ZN_OK) st = read_layers(s, &h, kind);
    if (st == ZN_OK) st = read_scale(s, &h, kind);
    if (st == ZN_OK) st = read_neurons(s, &h, kind, dense);
    if (st == ZN_OK) st = build(s, &h, out);
    head_free(&h);
    return st;
}

zn_status zn_fnet_parse_fann_errno(const char *text, size_t len, const char *name, zn_fnet **out, int *fann_errno) {
    if (fann_errno) *fann_errno = ZN_FANN_E_NO_ERROR;
    if (!out || (!text && len > 0)) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_parse: NULL argument");
    *out = NULL;
    zn_net_scan s = {text ? text : "", (text ? text : "") + len, name ? name : "<text>", 1, 0, 0, 1.0f};
    zn_c_locale loc;
    zn_c_locale_enter(&loc);
    zn_status st = parse(&s, out);
    zn_c_locale_leave(&loc);
    if (st != ZN_OK && fann_errno)
        *fann_errno = s.fann_errno != ZN_FANN_E_NO_ERROR ? s.fann_errno : ZN_FANN_E_CANT_ALLOCATE_MEM;
    return st;
}

zn_status zn_fnet_parse(const char *text, size_t len, const char *name, zn_fnet **out) {
    return zn_fnet_parse_fann_errno(text, len, name, out, NULL);
}

zn_status zn_fnet_load_fann_errno(const char *path, zn_fnet **out, int *fann_errno) {
    if (fann_errno) *fann_errno = ZN_FANN_E_NO_ERROR;
    if (!path || !out) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_load: NULL argument");
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    zn_status st = zn_file_read(path, ZN_DEFAULT_MAX_FILE_BYTES, &text, &len);
    if (st != ZN_OK) {
        if (fann_errno) *fann_errno = ZN_FANN_E_CANT_OPEN_CONFIG_R;
        return st;
    }
    st = zn_fnet_parse_fann_errno(text, len, path, out, fann_errno);
    zn_free(text);
    return st;
}

zn_status zn_fnet_load(const char *path, zn_fnet **out) { return zn_fnet_load_fann_errno(path, out, NULL); }
