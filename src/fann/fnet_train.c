/* Training a FANN-structured network with FANN 2.2's rules: its MSE and
 * bit-fail accounting, its error function, backpropagation with its
 * derivatives, and its five update rules. The batch algorithms compute an
 * epoch's slopes over chunks of rows with GEMMs (forward, output errors,
 * backward, slopes += errors^T * sources): FANN's sums, up to rounding.
 *
 * The update rules are written here rather than taken from
 * src/train/optim.c: that file keeps its state inside a zn_optim and takes
 * the mean-loss gradient, while FANN keeps slopes, previous slopes and steps
 * in the network (fann_clear_train_arrays, cascade and the .net tools read
 * and reset them) and works on summed slopes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/internal.h"
#include "fann/fnet_exec.h"
#include "act/nact.h"
#include "kernels/kernels.h"
#include "train/fann_rules.h"
#include "zenn/gemm.h"

/* ---- error accounting --------------------------------------------------------------------- */

void zn_fnet_reset_mse(zn_fnet *net) {
    if (!net) return;
    net->mse_sum = 0.0;
    net->mse_count = 0;
    net->bit_fail = 0;
}

/* FANN keeps the sum in a float: so do we (mse_sum holds a float value). */
float zn_fnet_mse(const zn_fnet *net) {
    if (!net || !net->mse_count) return 0.0f;
    return (float)net->mse_sum / (float)net->mse_count;
}

unsigned zn_fnet_bit_fail(const zn_fnet *net) { return net ? net->bit_fail : 0; }

/* fann_update_MSE: the difference (halved for symmetric functions) goes
 * into the float sum and the bit-fail count. */
static inline float count_error(zn_fnet *net, const zn_fnet_neuron *ne, float diff, float *acc) {
    if (zn_nact_symmetric(ne->act)) diff /= 2.0f;
    *acc += diff * diff;
    if (fabsf(diff) >= net->bit_fail_limit) net->bit_fail++;
    return diff;
}

/* Output errors of `rows` samples after a forward pass: FANN's
 * fann_compute_MSE (errors written to e, the rest of e left as is). */
static void output_errors_chunk(zn_fnet *net, int64_t rows, const float *v, const float *s, float *e, int64_t ld,
                                const float *t, int64_t ldt);

static void output_errors(zn_fnet *net, int64_t rows, const float *v, const float *s, float *e, int64_t ld,
                          const float *t, int64_t ldt) {
    uint32_t out0 = net->layers[net->n_layers - 1].first, no = net->n_outputs;
    const zn_fnet_neuron *ne = net->neurons + out0;
    const struct zn_fnet_exec *ex = net->exec;
    if (rows > 1 && ex->lp[net->n_layers - 1].dense && ex->lp[net->n_layers - 1].k == no && ex->bt &&
        (uint64_t)rows * no <= (uint64_t)2 * ex->cap * ex->kmax) {
        output_errors_chunk(net, rows, v, s, e, ld, t, ldt);
        return;
    }
    float acc = (float)net->mse_sum;
    for (int64_t r = 0; r < rows; r++) {
        const float *vr = v + r * ld + out0, *sr = s + r * ld + out0, *tr = t + r * ldt;
        float *er = e + r * ld + out0;
        for (uint32_t o = 0; o < no; o++) {
            float diff = count_error(net, &ne[o], tr[o] - vr[o], &acc);
            if (net->train_error_function == ZN_FNET_ERRFN_TANH) {
                if (diff < -.9999999)
                    diff = -17.0f;
                else if (diff > .9999999)
                    diff = 17.0f;
                else
                    diff = (float)log((1.0 + diff) / (1.0 - diff));
            }
            er[o] = zn_fnet_derivative(ne[o].act, ne[o].steepness, vr[o], sr[o]) * diff;
        }
    }
    net->mse_sum = acc;
    net->mse_count += (uint32_t)(rows * no);
}

/* output_errors for a chunk: the differences in row order (FANN's float
 * MSE sum and bit-fail count), then the error function over the chunk in
 * one kernel call and the derivatives in one more. */
static void output_errors_chunk(zn_fnet *net, int64_t rows, const float *v, const float *s, float *e, int64_t ld,
                                const float *t, int64_t ldt) {
    uint32_t out0 = net->layers[net->n_layers - 1].first, no = net->n_outputs;
    const zn_fnet_neuron *ne = net->neurons + out0;
    const struct zn_fnet_exec *ex = net->exec;
    float *d = ex->bt, acc = (float)net->mse_sum;
    for (int64_t r = 0; r < rows; r++)
        for (uint32_t o = 0; o < no; o++)
            d[r * no + o] = count_error(net, &ne[o], t[r * ldt + o] - v[r * ld + out0 + o], &acc);
    net->mse_sum = acc;
    net->mse_count += (uint32_t)(rows * no);
    if (net->train_error_function == ZN_FNET_ERRFN_TANH) ex->kt->fann.tanh_err((size_t)(rows * no), d, d);
    for (int64_t r = 0; r < rows; r++)
        for (uint32_t o = 0; o < no; o++) e[r * ld + out0 + o] = d[r * no + o];
    zn_fnet_mul_derivative(net, out0, no, rows, v, s, e, ld);
}

/* fann_backpropagate_MSE: from the last layer down to the second, errors
 * flow to every source, then the previous layer's are multiplied by its
 * derivatives. e must be zero outside the output layer on entry. */
static zn_status backpropagate(const zn_fnet *net, int64_t rows, const float *v, const float *s, float *e, int64_t ld) {
    const struct zn_fnet_exec *ex = net->exec;
    for (uint32_t l = net->n_layers - 1; l >= 2; l--) {
        const zn_fnet_lplan *p = &ex->lp[l];
        if (p->dense) {
            const float *w = net->weights + p->con;
            uint32_t k = p->k, n = p->n_src;
            if (rows == 1 && (uint64_t)k * n <= 4096) {
                float *es = e + p->src;
                for (uint32_t i = 0; i < k; i++) {
                    float ei = e[p->first + i];
                    const float *wi = w + (size_t)i * n;
                    for (uint32_t j = 0; j < n; j++) es[j] += ei * wi[j];
                }
            } else if (rows == 1) {
                zn_fnet_gemv(net, 1, k, n, w, n, e + p->first, 1.0f, e + p->src);
            } else {
                zn_status st = zn_fnet_gemm(net, 0, 0, rows, n, k, e + p->first, ld, w, n, 1.0f, e + p->src, ld);
                if (st) return st;
            }
        } else {
            for (int64_t r = 0; r < rows; r++) {
                float *er = e + r * ld;
                for (uint32_t nn = p->first; nn < p->last; nn++) {
                    const zn_fnet_neuron *ne = &net->neurons[nn];
                    float en = er[nn];
                    for (uint32_t c = ne->first_con; c < ne->last_con; c++) er[net->sources[c]] += en * net->weights[c];
                }
            }
        }
        /* the previous layer's computed neurons (a bias neuron's error is never used) */
        const zn_fnet_lplan *q = &ex->lp[l - 1];
        if (q->dense) {
            zn_fnet_mul_derivative(net, q->first, q->k, rows, v, s, e, ld);
            continue;
        }
        for (uint32_t nn = q->first; nn < q->last; nn++)
            if (net->neurons[nn].first_con < net->neurons[nn].last_con)
                zn_fnet_mul_derivative(net, nn, 1, rows, v, s, e, ld);
    }
    return ZN_OK;
}

/* fann_update_slopes_batch: slope of each connection += error * source value. */
static zn_status add_slopes(const zn_fnet *net, int64_t rows, const float *v, const float *e, int64_t ld,
                            float *slopes) {
    const struct zn_fnet_exec *ex = net->exec;
    for (uint32_t l = 1; l < net->n_layers; l++) {
        const zn_fnet_lplan *p = &ex->lp[l];
        if (p->dense) {
            uint32_t k = p->k, n = p->n_src;
            if (rows == 1) {
                for (uint32_t i = 0; i < k; i++) {
                    float ei = e[p->first + i];
                    float *si = slopes + p->con + (size_t)i * n;
                    const float *x = v + p->src;
                    for (uint32_t j = 0; j < n; j++) si[j] += ei * x[j];
                }
            } else {
                zn_status st =
                    zn_fnet_gemm(net, 1, 0, k, n, rows, e + p->first, ld, v + p->src, ld, 1.0f, slopes + p->con, n);
                if (st) return st;
            }
            continue;
        }
        for (int64_t r = 0; r < rows; r++) {
            const float *vr = v + r * ld, *er = e + r * ld;
            for (uint32_t nn = p->first; nn < p->last; nn++) {
                const zn_fnet_neuron *ne = &net->neurons[nn];
                float en = er[nn];
                for (uint32_t c = ne->first_con; c < ne->last_con; c++) slopes[c] += en * vr[net->sources[c]];
            }
        }
    }
    return ZN_OK;
}

/* fann_update_weights (incremental, with momentum). FANN 2.2 reads the
 * source values of a sparse net (connection rate < 1) positionally from
 * the first neurons of the net instead of through the connections; that
 * is reproduced so incremental training gives FANN's answers. */
static void update_incremental(zn_fnet *net, const float *v, const float *e) {
    const float lr = net->learning_rate, mom = net->learning_momentum;
    float *w = net->weights, *d = net->prev_weight_deltas;
    int positional = net->connection_rate < 1.0f;
    const struct zn_fnet_exec *ex = net->exec;
    for (uint32_t l = 1; l < net->n_layers; l++) {
        const zn_fnet_layer *ly = &net->layers[l];
        const zn_fnet_lplan *p = &ex->lp[l];
        if (!positional && p->dense) {
            /* the layer's block at once: the rest of the layer is bias neurons */
            ex->kt->fann.update_inc(p->k, p->n_src, w + p->con, d + p->con, e + p->first, v + p->src, lr, mom);
            continue;
        }
        for (uint32_t n = ly->first; n < ly->last; n++) {
            const zn_fnet_neuron *ne = &net->neurons[n];
            float te = e[n] * lr;
            uint32_t a = ne->first_con, b = ne->last_con;
            if (positional) {
                for (uint32_t c = a; c < b; c++) {
                    float dw = te * v[c - a] + mom * d[c];
                    w[c] += dw;
                    d[c] = dw;
                }
                continue;
            }
            const uint32_t *src = net->sources;
            if (b > a && net->exec->lp[l].dense) {
                const float *x = v + src[a];
                for (uint32_t c = a; c < b; c++) {
                    float dw = te * x[c - a] + mom * d[c];
                    w[c] += dw;
                    d[c] = dw;
                }
                continue;
            }
            for (uint32_t c = a; c < b; c++) {
                float dw = te * v[src[c]] + mom * d[c];
                w[c] += dw;
                d[c] = dw;
            }
        }
    }
    zn_fnet_weights_changed(net);
}

/* ---- the update rules after an epoch ----------------------------------------------------------- */

static void update_batch(zn_fnet *net, uint32_t num_data) {
    float *w = net->weights, *g = net->train_slopes;
    const float eps = net->learning_rate / (float)num_data;
    for (uint32_t i = 0; i < net->n_connections; i++) {
        w[i] += g[i] * eps;
        g[i] = 0.0f;
    }
    zn_fnet_weights_changed(net);
}

/* RPROP, Quickprop and SARPROP through the rules zn_optim uses, on FANN's
 * summed slopes (scale 1), which the next epoch starts again from zero. */
static void update_rule(zn_fnet *net, uint32_t num_data) {
    const zn_fann_rule r = {net->learning_rate,
                            net->rprop_increase_factor,
                            net->rprop_decrease_factor,
                            net->rprop_delta_min,
                            net->rprop_delta_max,
                            net->quickprop_decay,
                            net->quickprop_mu,
                            net->sarprop_weight_decay_shift,
                            net->sarprop_step_error_threshold_factor,
                            net->sarprop_step_error_shift,
                            net->sarprop_temperature};
    float *w = net->weights, *g = net->train_slopes, *ps = net->prev_steps, *pg = net->prev_train_slopes;
    const int64_t n = net->n_connections;
    if (net->training_algorithm == ZN_ALGO_RPROP)
        zn_fann_rprop(&r, n, w, g, 1.0f, ps, pg);
    else if (net->training_algorithm == ZN_ALGO_QUICKPROP)
        zn_fann_quickprop(&r, n, w, g, 1.0f, num_data, ps, pg);
    else
        zn_fann_sarprop(&r, n, w, g, 1.0f, net->sarprop_epoch++, zn_fnet_mse(net), &net->rng, ps, pg);
    memset(g, 0, (size_t)n * sizeof(float));
    zn_fnet_weights_changed(net);
}

/* ---- state -------------------------------------------------------------------------------------- */

static zn_status ensure(float **p, size_t n) {
    if (*p) return ZN_OK;
    *p = zn_calloc(n ? n : 1, sizeof(float));
    return *p ? ZN_OK : zn_error(ZN_ERR_OUT_OF_MEMORY, "fnet: out of memory for the training state");
}

zn_status zn_fnet_clear_train_arrays(zn_fnet *net) {
    size_t n = net->n_connections;
    if (ensure(&net->train_slopes, n) || ensure(&net->prev_steps, n) || ensure(&net->prev_train_slopes, n))
        return ZN_ERR_OUT_OF_MEMORY;
    memset(net->train_slopes, 0, n * sizeof(float));
    memset(net->prev_train_slopes, 0, n * sizeof(float));
    float z = net->training_algorithm == ZN_ALGO_RPROP ? net->rprop_delta_zero : 0.0f;
    for (size_t i = 0; i < n; i++) net->prev_steps[i] = z;
    return ZN_OK;
}

/* ---- one sample ---------------------------------------------------------------------------------- */

/* fann_train on one sample, the net's exec ready: forward, output errors,
 * backpropagation, update. Neurons are not published (the caller does). */
static zn_status train_one(zn_fnet *net, const float *input, const float *target) {
    struct zn_fnet_exec *ex = net->exec;
    uint32_t nn = net->n_neurons;
    memcpy(ex->vals, input, net->n_inputs * sizeof(float));
    zn_status st = zn_fnet_forward(net, 1, ex->vals, ex->sums, nn);
    if (st) return st;
    float *e = net->train_errors;
    memset(e, 0, nn * sizeof *e);
    output_errors(net, 1, ex->vals, ex->sums, e, nn, target, net->n_outputs);
    if ((st = backpropagate(net, 1, ex->vals, ex->sums, e, nn))) return st;
    update_incremental(net, ex->vals, e);
    return ZN_OK;
}

static zn_status train_ready(zn_fnet *net) {
    zn_status st = zn_fnet_exec_ready(net);
    if (st) return st;
    if ((st = ensure(&net->train_errors, net->n_neurons)) ||
        (st = ensure(&net->prev_weight_deltas, net->n_connections)))
        return st;
    return ZN_OK;
}

zn_status zn_fnet_train_sample(zn_fnet *net, const float *input, const float *target) {
    if (!net || !input || !target) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_train_sample: NULL argument");
    zn_status st = train_ready(net);
    if (st || (st = train_one(net, input, target))) return st;
    zn_fnet_publish(net);
    return ZN_OK;
}

const float *zn_fnet_test_sample(zn_fnet *net, const float *input, const float *target) {
    if (!net || !input || !target) {
        zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_test_sample: NULL argument");
        return NULL;
    }
    const float *out = zn_fnet_run(net, input);
    if (!out) return NULL;
    const zn_fnet_neuron *ne = net->neurons + net->layers[net->n_layers - 1].first;
    float acc = (float)net->mse_sum;
    for (uint32_t o = 0; o < net->n_outputs; o++) count_error(net, &ne[o], target[o] - out[o], &acc);
    net->mse_sum = acc;
    net->mse_count += net->n_outputs;
    return out;
}

/* ---- epochs ----------------------------------------------------------------------------------------- */

static zn_status check_data(const char *fn, const zn_fnet *net, const zn_dataset *data) {
    if (!net || !data) return zn_error(ZN_ERR_INVALID_ARG, "%s: NULL argument", fn);
    if (data->n_in != (int64_t)net->n_inputs || data->n_out != (int64_t)net->n_outputs)
        return zn_error(ZN_ERR_SHAPE, "%s: the data has %lld inputs and %lld outputs, the net %u and %u", fn,
                        (long long)data->n_in, (long long)data->n_out, net->n_inputs, net->n_outputs);
    if (data->rows < 0 || data->rows > UINT32_MAX || (data->rows > 0 && (!data->x || !data->y)))
        return zn_error(ZN_ERR_INVALID_ARG, "%s: bad dataset", fn);
    return ZN_OK;
}

/* Forward passes over the data in chunks; with slopes, also the errors and
 * the slope sums of a batch epoch. The MSE is counted in row order. */
static zn_status sweep(zn_fnet *net, const zn_dataset *data, int train) {
    zn_status st = zn_fnet_exec_ready(net);
    if (st) return st;
    int64_t rows = data->rows, chunk = zn_fnet_chunk_rows(net);
    if (chunk > rows) chunk = rows;
    if (chunk < 1) return ZN_OK;
    if ((st = zn_fnet_exec_reserve(net, chunk))) return st;
    struct zn_fnet_exec *ex = net->exec;
    int64_t ld = net->n_neurons, ni = data->n_in, no = data->n_out;
    uint32_t out0 = net->layers[net->n_layers - 1].first;
    const zn_fnet_neuron *oute = net->neurons + out0;
    for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
        int64_t m = rows - r0 < chunk ? rows - r0 : chunk;
        for (int64_t r = 0; r < m; r++) /* a loop: inputs are often shorter than a memcpy call */
            for (int64_t i = 0; i < ni; i++) ex->bv[r * ld + i] = data->x[(r0 + r) * ni + i];
        if ((st = zn_fnet_forward(net, m, ex->bv, ex->bs, ld))) return st;
        const float *t = data->y + r0 * no;
        if (!train) {
            float acc = (float)net->mse_sum;
            for (int64_t r = 0; r < m; r++)
                for (int64_t o = 0; o < no; o++)
                    count_error(net, &oute[o], t[r * no + o] - ex->bv[r * ld + out0 + o], &acc);
            net->mse_sum = acc;
            net->mse_count += (uint32_t)(m * no);
            continue;
        }
        memset(ex->be, 0, (size_t)(m * ld) * sizeof(float));
        output_errors(net, m, ex->bv, ex->bs, ex->be, ld, t, no);
        if ((st = backpropagate(net, m, ex->bv, ex->bs, ex->be, ld)) ||
            (st = add_slopes(net, m, ex->bv, ex->be, ld, net->train_slopes)))
            return st;
    }
    return ZN_OK;
}

/* The MSE or a weight became non-finite after an epoch (number `no`, 0 when
 * the caller does not count): FANN's rules diverged. */
static zn_status check_diverged(const zn_fnet *net, float mse, unsigned no) {
    const char *what = "the MSE";
    double bad = mse;
    if (isfinite(mse)) {
        uint32_t i = 0;
        while (i < net->n_connections && isfinite(net->weights[i])) i++;
        if (i == net->n_connections) return ZN_OK;
        what = "a weight";
        bad = net->weights[i];
    }
    char at[32] = "";
    if (no) snprintf(at, sizeof at, " at epoch %u", no);
    return zn_error(ZN_ERR_DIVERGED,
                    "fnet: training (%s) diverged%s: %s became %g; lower the learning rate (%g now) or scale the data",
                    zn_algo_name(net->training_algorithm), at, what, isnan(bad) ? NAN : bad,
                    (double)net->learning_rate);
}

static zn_status epoch_run(zn_fnet *net, const zn_dataset *data, float *mse) {
    zn_status st = check_data("zn_fnet_train_epoch", net, data);
    if (st) return st;
    zn_algo algo = net->training_algorithm;
    if ((int)algo < 0 || algo > ZN_ALGO_SARPROP)
        return zn_error(ZN_ERR_UNSUPPORTED, "zn_fnet_train_epoch: %s is not one of FANN's algorithms",
                        zn_algo_name(algo));
    if (algo == ZN_ALGO_INCREMENTAL) {
        if ((st = train_ready(net))) return st;
        zn_fnet_reset_mse(net);
        if (zn_fnet_incr_fits(net)) {
            if ((st = zn_fnet_incr_epoch(net, data))) return st;
            *mse = zn_fnet_mse(net);
            return ZN_OK;
        }
        for (int64_t r = 0; r < data->rows; r++)
            if ((st = train_one(net, data->x + r * data->n_in, data->y + r * data->n_out))) return st;
        if (data->rows) zn_fnet_publish(net); /* the last sample's values, as FANN leaves them */
        *mse = zn_fnet_mse(net);
        return ZN_OK;
    }
    if (algo != ZN_ALGO_BATCH && !net->prev_train_slopes && (st = zn_fnet_clear_train_arrays(net))) return st;
    if ((st = ensure(&net->train_slopes, net->n_connections))) return st;
    zn_fnet_reset_mse(net);
    if ((st = sweep(net, data, 1))) return st;
    uint32_t n = (uint32_t)data->rows;
    switch (algo) {
    case ZN_ALGO_BATCH: update_batch(net, n); break;
    default: update_rule(net, n); break;
    }
    *mse = zn_fnet_mse(net);
    return ZN_OK;
}

static zn_status epoch(zn_fnet *net, const zn_dataset *data, float *mse, unsigned no) {
    zn_status st = epoch_run(net, data, mse);
    return st != ZN_OK ? st : check_diverged(net, *mse, no);
}

float zn_fnet_train_epoch(zn_fnet *net, const zn_dataset *data) {
    float mse = NAN;
    return epoch(net, data, &mse, 0) ? NAN : mse;
}

float zn_fnet_test_data(zn_fnet *net, const zn_dataset *data) {
    if (check_data("zn_fnet_test_data", net, data)) return NAN;
    zn_fnet_reset_mse(net);
    if (sweep(net, data, 0)) return NAN;
    return zn_fnet_mse(net);
}

/* fann_desired_error_reached */
static int reached(const zn_fnet *net, float desired_error) {
    if (net->train_stop_function == ZN_STOP_BIT) return net->bit_fail <= (unsigned)desired_error;
    return zn_fnet_mse(net) <= desired_error;
}

zn_status zn_fnet_train_on_data(zn_fnet *net, const zn_dataset *data, unsigned max_epochs,
                                unsigned epochs_between_reports, float desired_error, zn_fnet_report_fn report,
                                void *user) {
    zn_status st = check_data("zn_fnet_train_on_data", net, data);
    if (st) return st;
    for (unsigned i = 1; i <= max_epochs; i++) {
        float mse = NAN;
        if ((st = epoch(net, data, &mse, i))) return st;
        int done = reached(net, desired_error);
        if (epochs_between_reports && report &&
            (i % epochs_between_reports == 0 || i == max_epochs || i == 1 || done) &&
            report(net, data, max_epochs, epochs_between_reports, desired_error, i, user) < 0)
            break;
        if (done) break;
    }
    return ZN_OK;
}
