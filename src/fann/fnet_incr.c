/* FANN's incremental epoch in one kernel call (kernels/fann_kernels.h,
 * incr_epoch): the net's weights and previous steps go into the kernel's
 * lane layout, every sample runs there, and they come back. A sample
 * depends on the previous sample's weights, so the per-sample cost is a
 * chain of latencies; the generic path (forward, output errors,
 * backpropagation and update through the per-layer plan) spent most of it
 * between kernel calls. */
#include <string.h>

#include "base/internal.h"
#include "fann/fnet_exec.h"
#include "act/nact.h"
#include "kernels/kernels.h"

enum { L = ZN_FANN_INCR_LANES };

static int incr_act(zn_nact act, zn_fann_incr_act *out) {
    switch (act) {
    case ZN_NACT_LINEAR: *out = ZN_FANN_INCR_LINEAR; return 1;
    case ZN_NACT_FANN_SIGMOID: *out = ZN_FANN_INCR_SIGMOID; return 1;
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC: *out = ZN_FANN_INCR_SIGMOID_SYMMETRIC; return 1;
    default: return 0;
    }
}

/* The layer's neurons share one function the kernel has and a steepness
 * above 0 (the kernel limits sums with min/max against 150 / steepness). */
static int incr_layer(const zn_fnet *net, const zn_fnet_lplan *p, zn_fann_incr_act *act, float *st) {
    const zn_fnet_neuron *ne = net->neurons + p->first;
    if (!incr_act(ne[0].act, act) || !(ne[0].steepness > 0.0f)) return 0;
    for (uint32_t i = 1; i < p->k; i++)
        if (ne[i].act != ne[0].act || ne[i].steepness != ne[0].steepness) return 0;
    *st = ne[0].steepness;
    return 1;
}

int zn_fnet_incr_fits(const zn_fnet *net) {
    const struct zn_fnet_exec *ex = net->exec;
    if (net->n_layers != 3 || net->connection_rate < 1.0f) return 0;
    /* The scalar form is the vector forms' (AVX-512, AVX2) oracle, slower
     * than the per-layer path. */
    if (ex->kt->fann.incr_epoch == zn_kernels_for(ZN_ISA_REF)->fann.incr_epoch) return 0;
    const zn_fnet_lplan *h = &ex->lp[1], *o = &ex->lp[2];
    if (!h->dense || !o->dense || h->k > L || o->k > L || o->k != net->n_outputs) return 0;
    /* inputs and their bias into the hidden layer, the hidden layer and its bias into the outputs */
    if (h->src != 0 || h->n_src != net->n_inputs + 1 || net->layers[0].last != net->n_inputs + 1) return 0;
    if (o->src != h->first || o->n_src != h->k + 1 || net->layers[1].last != h->first + h->k + 1) return 0;
    zn_fann_incr_act a;
    float st;
    return incr_layer(net, h, &a, &st) && incr_layer(net, o, &a, &st) &&
           (net->train_error_function == ZN_FNET_ERRFN_TANH || net->train_error_function == ZN_FNET_ERRFN_LINEAR);
}

/* Between FANN's rows (a neuron's weights, its bias last) and lanes. */
static void incr_layout(zn_fnet *net, zn_fann_incr_net *p, int to_net) {
    const zn_fnet_lplan *h = &net->exec->lp[1], *o = &net->exec->lp[2];
    const size_t ni = p->n_in, nh = p->n_hid;
    float *w = net->weights, *d = net->prev_weight_deltas;
    for (size_t i = 0; i < nh; i++)
        for (size_t j = 0; j <= ni; j++) {
            const size_t c = h->con + i * (ni + 1) + j;
            if (to_net) {
                w[c] = p->w1[j * L + i];
                d[c] = p->d1[j * L + i];
            } else {
                p->w1[j * L + i] = w[c];
                p->d1[j * L + i] = d[c];
            }
        }
    for (size_t k = 0; k < p->n_out; k++)
        for (size_t i = 0; i <= nh; i++) {
            const size_t c = o->con + k * (nh + 1) + i;
            float *lw = i < nh ? &p->w2[k * L + i] : &p->b2[k], *ld = i < nh ? &p->d2[k * L + i] : &p->db2[k];
            if (to_net) {
                w[c] = *lw;
                d[c] = *ld;
            } else {
                *lw = w[c];
                *ld = d[c];
            }
        }
}

zn_status zn_fnet_incr_epoch(zn_fnet *net, const zn_dataset *data) {
    struct zn_fnet_exec *ex = net->exec;
    const zn_fnet_lplan *h = &ex->lp[1], *o = &ex->lp[2];
    const size_t ni = net->n_inputs, no = net->n_outputs, need = zn_fann_incr_floats(ni, no);
    if (ex->incr_len < need) {
        zn_free(ex->incr);
        ex->incr_len = 0;
        if (!(ex->incr = zn_alloc(need * sizeof(float))))
            return zn_error(ZN_ERR_OUT_OF_MEMORY, "fnet: out of memory for incremental training");
        ex->incr_len = need;
    }
    memset(ex->incr, 0, need * sizeof(float)); /* lanes past the neurons stay 0 */
    zn_fann_incr_net p = {.n_in = ni, .n_hid = h->k, .n_out = no};
    zn_fann_incr_place(&p, ex->incr);
    incr_layer(net, h, &p.act1, &p.st1);
    incr_layer(net, o, &p.act2, &p.st2);
    p.lr = net->learning_rate;
    p.mom = net->learning_momentum;
    p.tanh_err = net->train_error_function == ZN_FNET_ERRFN_TANH;
    p.out_symmetric = zn_nact_symmetric(net->neurons[o->first].act);
    p.bit_fail_limit = net->bit_fail_limit;
    float sums[2 * L], vals[2 * L]; /* hidden then outputs: in the net, the hidden bias is between */
    p.sums = sums;
    p.vals = vals;
    p.mse_sum = net->mse_sum;
    p.bit_fail = net->bit_fail;
    incr_layout(net, &p, 0);
    ex->kt->fann.incr_epoch(&p, (size_t)data->rows, data->x, data->y);
    incr_layout(net, &p, 1);
    zn_fnet_weights_changed(net);
    net->mse_sum = p.mse_sum;
    net->bit_fail = p.bit_fail;
    net->mse_count += (uint32_t)((size_t)data->rows * no);
    if (data->rows) { /* the last sample's values, as FANN leaves them */
        memcpy(ex->vals, data->x + (data->rows - 1) * (int64_t)ni, ni * sizeof(float));
        memcpy(ex->sums + h->first, sums, h->k * sizeof(float));
        memcpy(ex->vals + h->first, vals, h->k * sizeof(float));
        memcpy(ex->sums + o->first, sums + h->k, no * sizeof(float));
        memcpy(ex->vals + o->first, vals + h->k, no * sizeof(float));
        zn_fnet_publish(net);
    }
    return ZN_OK;
}
