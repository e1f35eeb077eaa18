/* Creating, copying, destroying and running networks, their weights and
 * their structure (FANN's fann.c functions). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "fann_compat.h"

struct fann *zf_wrap(zn_fnet *net) {
    struct fann *ann = zn_calloc(1, sizeof *ann);
    if (!ann) {
        zn_fnet_free(net);
        zf_error(NULL, FANN_E_CANT_ALLOCATE_MEM);
        return NULL;
    }
    zf_init_error((struct fann_error *)ann);
    ann->zn_net = net;
    return ann;
}

/* libfann refuses layer sizes above a million as a failed allocation. */
enum { ZF_MAX_LAYER_SIZE = 1000000 };

static struct fann *create(zn_fnet_kind kind, float connection_rate, unsigned int num_layers,
                           const unsigned int *layers) {
    if (!layers || num_layers < 2) {
        zf_error(NULL, FANN_E_CANT_ALLOCATE_MEM);
        return NULL;
    }
    for (unsigned i = 0; i < num_layers; i++)
        if (layers[i] > ZF_MAX_LAYER_SIZE) {
            zf_error(NULL, FANN_E_CANT_ALLOCATE_MEM);
            return NULL;
        }
    if (connection_rate > 1) connection_rate = 1;
    zn_fnet *net = NULL;
    uint64_t seed = zf_next_seed();
    zn_status st;
    if (kind == ZN_FNET_SHORTCUT)
        st = zn_fnet_create_shortcut(num_layers, layers, seed, &net);
    else if (connection_rate >= 1)
        st = zn_fnet_create_standard(num_layers, layers, seed, &net);
    else
        st = zn_fnet_create_sparse(connection_rate, num_layers, layers, seed, &net);
    if (st != ZN_OK) {
        zf_error(NULL, FANN_E_CANT_ALLOCATE_MEM);
        return NULL;
    }
    return zf_wrap(net);
}

/* The variadic forms read num_layers unsigned ints. */
static struct fann *create_va(zn_fnet_kind kind, float rate, unsigned int num_layers, va_list ap) {
    unsigned int *layers = calloc(num_layers ? num_layers : 1, sizeof *layers);
    if (!layers) {
        zf_error(NULL, FANN_E_CANT_ALLOCATE_MEM);
        return NULL;
    }
    for (unsigned i = 0; i < num_layers; i++) layers[i] = va_arg(ap, unsigned int);
    struct fann *ann = create(kind, rate, num_layers, layers);
    free(layers);
    return ann;
}

struct fann *fann_create_standard(unsigned int num_layers, ...) {
    va_list ap;
    va_start(ap, num_layers);
    struct fann *ann = create_va(ZN_FNET_LAYER, 1, num_layers, ap);
    va_end(ap);
    return ann;
}

struct fann *fann_create_standard_array(unsigned int num_layers, const unsigned int *layers) {
    return create(ZN_FNET_LAYER, 1, num_layers, layers);
}

struct fann *fann_create_sparse(float connection_rate, unsigned int num_layers, ...) {
    va_list ap;
    va_start(ap, num_layers);
    struct fann *ann = create_va(ZN_FNET_LAYER, connection_rate, num_layers, ap);
    va_end(ap);
    return ann;
}

struct fann *fann_create_sparse_array(float connection_rate, unsigned int num_layers, const unsigned int *layers) {
    return create(ZN_FNET_LAYER, connection_rate, num_layers, layers);
}

struct fann *fann_create_shortcut(unsigned int num_layers, ...) {
    va_list ap;
    va_start(ap, num_layers);
    struct fann *ann = create_va(ZN_FNET_SHORTCUT, 1, num_layers, ap);
    va_end(ap);
    return ann;
}

struct fann *fann_create_shortcut_array(unsigned int num_layers, const unsigned int *layers) {
    return create(ZN_FNET_SHORTCUT, 1, num_layers, layers);
}

void fann_destroy(struct fann *ann) {
    if (!ann) return;
    zn_fnet_free(ann->zn_net);
    free(ann->errstr);
    zn_free(ann);
}

struct fann *fann_copy(struct fann *ann) {
    if (!ann) return NULL;
    zn_fnet *net = NULL;
    if (zn_fnet_copy(ann->zn_net, &net) != ZN_OK) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return NULL;
    }
    net->user_data = ann->zn_net->user_data; /* shared, as libfann does */
    struct fann *copy = zf_wrap(net);
    if (!copy) return NULL;
    copy->errno_f = ann->errno_f;
    copy->error_log = ann->error_log;
    copy->callback = ann->callback;
    if (ann->errstr) {
        size_t n = strlen(ann->errstr) + 1;
        copy->errstr = malloc(n);
        if (copy->errstr) memcpy(copy->errstr, ann->errstr, n);
    }
    return copy;
}

fann_type *fann_run(struct fann *ann, fann_type *input) {
    if (!zn_fnet_run(ann->zn_net, input)) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return NULL;
    }
    return ann->zn_net->outputs;
}

void fann_randomize_weights(struct fann *ann, fann_type min_weight, fann_type max_weight) {
    zn_fnet_randomize_weights(ann->zn_net, min_weight, max_weight);
}

void fann_init_weights(struct fann *ann, struct fann_train_data *train_data) {
    zn_dataset view, *tmp;
    if (zf_data_view(train_data, &view, &tmp) != 0) {
        zf_error((struct fann_error *)ann, FANN_E_CANT_ALLOCATE_MEM);
        return;
    }
    zn_status st = zn_fnet_init_weights(ann->zn_net, &view);
    zn_dataset_free(tmp);
    if (st != ZN_OK) zf_engine_error(ann, st, FANN_E_TRAIN_DATA_MISMATCH);
}

/* ---- structure ---------------------------------------------------------------------- */

unsigned int fann_get_num_input(struct fann *ann) { return ann->zn_net->n_inputs; }
unsigned int fann_get_num_output(struct fann *ann) { return ann->zn_net->n_outputs; }
unsigned int fann_get_total_neurons(struct fann *ann) { return zn_fnet_num_neurons(ann->zn_net); }
unsigned int fann_get_total_connections(struct fann *ann) { return ann->zn_net->n_connections; }
unsigned int fann_get_num_layers(struct fann *ann) { return ann->zn_net->n_layers; }
float fann_get_connection_rate(struct fann *ann) { return ann->zn_net->connection_rate; }

enum fann_nettype_enum fann_get_network_type(struct fann *ann) {
    return ann->zn_net->kind == ZN_FNET_SHORTCUT ? FANN_NETTYPE_SHORTCUT : FANN_NETTYPE_LAYER;
}

/* Neurons per layer without bias neurons: a layered net has one at the end
 * of every layer (the output layer's is unused); a shortcut net only in the
 * input layer. */
void fann_get_layer_array(struct fann *ann, unsigned int *layers) {
    const zn_fnet *n = ann->zn_net;
    for (uint32_t l = 0; l < n->n_layers; l++) {
        unsigned count = n->layers[l].last - n->layers[l].first;
        if (n->kind == ZN_FNET_LAYER || l == 0) count--;
        layers[l] = count;
    }
}

void fann_get_bias_array(struct fann *ann, unsigned int *bias) {
    const zn_fnet *n = ann->zn_net;
    for (uint32_t l = 0; l < n->n_layers; l++) bias[l] = n->kind == ZN_FNET_LAYER ? (l + 1 < n->n_layers) : (l == 0);
}

void fann_get_connection_array(struct fann *ann, struct fann_connection *connections) {
    const zn_fnet *n = ann->zn_net;
    for (uint32_t i = 0; i < n->n_neurons; i++)
        for (uint32_t c = n->neurons[i].first_con; c < n->neurons[i].last_con; c++) {
            connections->from_neuron = n->sources[c];
            connections->to_neuron = i;
            connections->weight = n->weights[c];
            connections++;
        }
}

void fann_set_weight(struct fann *ann, unsigned int from_neuron, unsigned int to_neuron, fann_type weight) {
    zn_fnet *n = ann->zn_net;
    if (to_neuron >= n->n_neurons) return; /* no such connection: ignored, as in libfann */
    for (uint32_t c = n->neurons[to_neuron].first_con; c < n->neurons[to_neuron].last_con; c++)
        if (n->sources[c] == from_neuron) n->weights[c] = weight;
    zn_fnet_weights_changed(n);
}

void fann_set_weight_array(struct fann *ann, struct fann_connection *connections, unsigned int num_connections) {
    for (unsigned i = 0; i < num_connections; i++)
        fann_set_weight(ann, connections[i].from_neuron, connections[i].to_neuron, connections[i].weight);
}

/* ---- printing (to stdout, as libfann) -------------------------------------------------- */

/* One line per neuron after the input layer: a letter per source neuron,
 * a-z for negative and A-Z for positive weights by magnitude, '.' for none. */
void fann_print_connections(struct fann *ann) {
    const zn_fnet *n = ann->zn_net;
    unsigned cols = fann_get_total_neurons(ann) - n->n_outputs;
    char *row = malloc((size_t)cols + 1);
    if (!row) {
        zf_error(NULL, FANN_E_CANT_ALLOCATE_MEM);
        return;
    }
    row[cols] = '\0';
    printf("Layer / Neuron ");
    for (unsigned i = 0; i < cols; i++) printf("%d", (int)(i % 10));
    printf("\n");
    for (uint32_t l = 1; l < n->n_layers; l++)
        for (uint32_t i = n->layers[l].first; i < n->layers[l].last; i++) {
            memset(row, '.', cols);
            for (uint32_t c = n->neurons[i].first_con; c < n->neurons[i].last_con; c++) {
                if (n->sources[c] >= cols) continue;
                float w = n->weights[c];
                int v;
                if (w < 0) {
                    v = (int)((double)w - 0.5); /* in double, as libfann rounds */
                    row[n->sources[c]] = (char)('a' - (v < -25 ? -25 : v));
                } else {
                    v = (int)((double)w + 0.5);
                    row[n->sources[c]] = (char)('A' + (v > 25 ? 25 : v));
                }
            }
            printf("L %3d / N %4d %s\n", (int)l, (int)i, row);
        }
    free(row);
}

void fann_print_parameters(struct fann *ann) {
    const zn_fnet *n = ann->zn_net;
    printf("Input layer                          :%4d neurons, 1 bias\n", (int)n->n_inputs);
    for (uint32_t l = 1; l + 1 < n->n_layers; l++) {
        int size = (int)(n->layers[l].last - n->layers[l].first);
        if (n->kind == ZN_FNET_SHORTCUT)
            printf("  Hidden layer                       :%4d neurons, 0 bias\n", size);
        else
            printf("  Hidden layer                       :%4d neurons, 1 bias\n", size - 1);
    }
    printf("Output layer                         :%4d neurons\n", (int)n->n_outputs);
    printf("Total neurons and biases             :%4d\n", (int)fann_get_total_neurons(ann));
    printf("Total connections                    :%4d\n", (int)n->n_connections);
    printf("Connection rate                      :%8.3f\n", (double)n->connection_rate);
    printf("Network type                         :   %s\n", FANN_NETTYPE_NAMES[fann_get_network_type(ann)]);
    unsigned algo = (unsigned)n->training_algorithm, errfn = (unsigned)n->train_error_function,
             stopfn = (unsigned)n->train_stop_function;
    printf("Training algorithm                   :   %s\n", algo < 5 ? FANN_TRAIN_NAMES[algo] : "(zenn)");
    printf("Training error function              :   %s\n", errfn < 2 ? FANN_ERRORFUNC_NAMES[errfn] : "?");
    printf("Training stop function               :   %s\n", stopfn < 2 ? FANN_STOPFUNC_NAMES[stopfn] : "?");
    printf("Bit fail limit                       :%8.3f\n", (double)n->bit_fail_limit);
    printf("Learning rate                        :%8.3f\n", (double)n->learning_rate);
    printf("Learning momentum                    :%8.3f\n", (double)n->learning_momentum);
    printf("Quickprop decay                      :%11.6f\n", (double)n->quickprop_decay);
    printf("Quickprop mu                         :%8.3f\n", (double)n->quickprop_mu);
    printf("RPROP increase factor                :%8.3f\n", (double)n->rprop_increase_factor);
    printf("RPROP decrease factor                :%8.3f\n", (double)n->rprop_decrease_factor);
    printf("RPROP delta min                      :%8.3f\n", (double)n->rprop_delta_min);
    printf("RPROP delta max                      :%8.3f\n", (double)n->rprop_delta_max);
    printf("Cascade output change fraction       :%11.6f\n", (double)n->cascade_output_change_fraction);
    printf("Cascade candidate change fraction    :%11.6f\n", (double)n->cascade_candidate_change_fraction);
    printf("Cascade output stagnation epochs     :%4d\n", (int)n->cascade_output_stagnation_epochs);
    printf("Cascade candidate stagnation epochs  :%4d\n", (int)n->cascade_candidate_stagnation_epochs);
    printf("Cascade max output epochs            :%4d\n", (int)n->cascade_max_out_epochs);
    printf("Cascade min output epochs            :%4d\n", (int)n->cascade_min_out_epochs);
    printf("Cascade max candidate epochs         :%4d\n", (int)n->cascade_max_cand_epochs);
    printf("Cascade min candidate epochs         :%4d\n", (int)n->cascade_min_cand_epochs);
    printf("Cascade weight multiplier            :%8.3f\n", (double)n->cascade_weight_multiplier);
    printf("Cascade candidate limit              :%8.3f\n", (double)n->cascade_candidate_limit);
    for (uint32_t i = 0; i < n->cascade_activation_functions_count; i++) {
        unsigned a = (unsigned)n->cascade_activation_functions[i];
        printf("Cascade activation functions[%d]      :   %s\n", (int)i,
               a <= FANN_COS ? FANN_ACTIVATIONFUNC_NAMES[a] : zn_nact_name((zn_nact)a));
    }
    for (uint32_t i = 0; i < n->cascade_activation_steepnesses_count; i++)
        printf("Cascade activation steepnesses[%d]    :%8.3f\n", (int)i, (double)n->cascade_activation_steepnesses[i]);
    printf("Cascade candidate groups             :%4d\n", (int)n->cascade_num_candidate_groups);
    printf("Cascade no. of candidates            :%4d\n", (int)fann_get_cascade_num_candidates(ann));
}
