/* Running a FANN-structured network: a forward pass that runs fully connected layers as GEMV
 * (one sample) or GEMM (a chunk of samples) with vector activations, and
 * FANN's formulas (act/nact.h) elsewhere. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "fann/fnet_exec.h"
#include "kernels/kernels.h"
#include "zenn/gemm.h"
#include "zenn/vmath.h"

/* FANN multiplies by the steepness, then limits the sum to +-150/steepness. */
static inline float steep_sum(float raw, float steepness, float max_sum) {
    float sum = steepness * raw;
    if (sum > max_sum)
        sum = max_sum;
    else if (sum < -max_sum)
        sum = -max_sum;
    return sum;
}

/* Values of k neurons sharing act and steepness: s holds the raw weighted
 * sums on entry and FANN's sums on return. FANN's sigmoid is the logistic
 * of 2x and its symmetric sigmoid is tanh: wide layers use the vector
 * kernels, narrow ones FANN's own formulas in double (as fast as libm's
 * float tanhf, and free of the cancellation that a float 2/(1+e)-1 has
 * near 0). */
static void activate_limited(const zn_vmath_kernels *vk, zn_nact act, int64_t k, const float *s, float *v);

static void activate_uniform(const zn_vmath_kernels *vk, zn_nact act, float steepness, int64_t k, float *s, float *v) {
    const float max_sum = 150.0f / steepness;
    for (int64_t i = 0; i < k; i++) s[i] = steep_sum(s[i], steepness, max_sum);
    activate_limited(vk, act, k, s, v);
}

/* The values of k neurons from FANN's sums (steepness and limit applied). */
static void activate_limited(const zn_vmath_kernels *vk, zn_nact act, int64_t k, const float *s, float *v) {
    switch (act) {
    case ZN_NACT_FANN_SIGMOID:
        if (k < 8) {
            for (int64_t i = 0; i < k; i++) v[i] = zn_fnet_activate(ZN_NACT_FANN_SIGMOID, s[i]);
            return;
        }
        for (int64_t i = 0; i < k; i++) v[i] = 2.0f * s[i];
        vk->sigmoid((size_t)k, v, v);
        return;
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC:
        if (k < 8) {
            for (int64_t i = 0; i < k; i++) v[i] = zn_fnet_activate(ZN_NACT_FANN_SIGMOID_SYMMETRIC, s[i]);
            return;
        }
        vk->tanh((size_t)k, s, v);
        return;
    case ZN_NACT_LINEAR: memcpy(v, s, (size_t)k * sizeof *v); return;
    default:
        for (int64_t i = 0; i < k; i++) v[i] = zn_fnet_activate(act, s[i]);
        return;
    }
}

/* One activation and steepness for the whole range? */
static int uniform_range(const zn_fnet_neuron *ne, uint32_t k) {
    for (uint32_t i = 1; i < k; i++)
        if (ne[i].act != ne[0].act || ne[i].steepness != ne[0].steepness) return 0;
    return 1;
}

static zn_status forward_dense(const zn_fnet *net, const zn_fnet_lplan *p, int64_t rows, float *v, float *s,
                               int64_t ld) {
    const float *w = net->weights + p->con;
    uint32_t k = p->k, n = p->n_src;
    const zn_fnet_neuron *ne = net->neurons + p->first;
    if (rows == 1 && (uint64_t)k * n < ZN_FNET_GEMV_MIN && uniform_range(ne, k)) {
        /* sums, steepness and limit in one kernel call (larger blocks go to
         * the threaded GEMV) */
        const float st = ne[0].steepness;
        net->exec->kt->fann.dense_sums(k, n, w, v + p->src, st, 150.0f / st, s + p->first);
        activate_limited(&net->exec->kt->vmath, ne[0].act, k, s + p->first, v + p->first);
        return ZN_OK;
    }
    if (rows == 1 && (uint64_t)k * n <= 256) {
        const float *x = v + p->src;
        for (uint32_t i = 0; i < k; i++) {
            const float *wi = w + (size_t)i * n;
            float a = 0.0f;
            for (uint32_t j = 0; j < n; j++) a += wi[j] * x[j];
            s[p->first + i] = a;
        }
    } else if (rows == 1 && p->copied && zn_fnet_exec_copy_valid(net)) {
        if (p->by_rows)
            zn_fnet_gemv(net, 0, k, n, net->exec->wt + p->wt_off, p->ldt, v + p->src, 0.0f, s + p->first);
        else
            zn_fnet_gemv(net, 1, n, k, net->exec->wt + p->wt_off, p->ldt, v + p->src, 0.0f, s + p->first);
    } else if (rows == 1) {
        zn_fnet_gemv(net, 0, k, n, w, n, v + p->src, 0.0f, s + p->first);
    } else {
        zn_status st = zn_fnet_gemm(net, 0, 1, rows, k, n, v + p->src, ld, w, n, 0.0f, s + p->first, ld);
        if (st) return st;
    }
    if (rows > 1 && uniform_range(ne, k)) {
        /* the chunk's sums of this layer side by side: one kernel call
         * activates them all (the call costs as much as 16 activations) */
        float *t = net->exec->bt;
        float *tv = t + rows * k;
        for (int64_t r = 0; r < rows; r++) /* loops: a memcpy call costs more than a short row */
            for (uint32_t i = 0; i < k; i++) t[r * k + i] = s[r * ld + p->first + i];
        activate_uniform(&net->exec->kt->vmath, ne[0].act, ne[0].steepness, rows * k, t, tv);
        for (int64_t r = 0; r < rows; r++)
            for (uint32_t i = 0; i < k; i++) {
                s[r * ld + p->first + i] = t[r * k + i];
                v[r * ld + p->first + i] = tv[r * k + i];
            }
        return ZN_OK;
    }
    if (uniform_range(ne, k)) {
        const zn_vmath_kernels *vk = &net->exec->kt->vmath;
        for (int64_t r = 0; r < rows; r++)
            activate_uniform(vk, ne[0].act, ne[0].steepness, k, s + r * ld + p->first, v + r * ld + p->first);
        return ZN_OK;
    }
    for (int64_t r = 0; r < rows; r++)
        for (uint32_t i = 0; i < k; i++) {
            float *si = s + r * ld + p->first + i;
            *si = steep_sum(*si, ne[i].steepness, 150.0f / ne[i].steepness);
            v[r * ld + p->first + i] = zn_fnet_activate(ne[i].act, *si);
        }
    return ZN_OK;
}

/* Any layout: one connection at a time, as FANN's sparse path. */
static void forward_generic(const zn_fnet *net, const zn_fnet_lplan *p, int64_t rows, float *v, float *s, int64_t ld) {
    for (int64_t r = 0; r < rows; r++) {
        float *vr = v + r * ld, *sr = s + r * ld;
        for (uint32_t n = p->first; n < p->last; n++) {
            const zn_fnet_neuron *ne = &net->neurons[n];
            if (ne->first_con == ne->last_con) continue; /* bias: holds 1 */
            float a = 0.0f;
            for (uint32_t c = ne->first_con; c < ne->last_con; c++) a += net->weights[c] * vr[net->sources[c]];
            sr[n] = steep_sum(a, ne->steepness, 150.0f / ne->steepness);
            vr[n] = zn_fnet_activate(ne->act, sr[n]);
        }
    }
}

zn_status zn_fnet_forward(const zn_fnet *net, int64_t rows, float *v, float *s, int64_t ld) {
    const struct zn_fnet_exec *ex = net->exec;
    for (uint32_t l = 1; l < net->n_layers; l++) {
        if (!ex->lp[l].dense) {
            forward_generic(net, &ex->lp[l], rows, v, s, ld);
            continue;
        }
        zn_status st = forward_dense(net, &ex->lp[l], rows, v, s, ld);
        if (st) return st;
    }
    return ZN_OK;
}

void zn_fnet_mul_derivative(const zn_fnet *net, uint32_t first, uint32_t count, int64_t rows, const float *v,
                            const float *s, float *e, int64_t ld) {
    const zn_fnet_neuron *ne = net->neurons + first;
    if (count && uniform_range(ne, count)) { /* the common sigmoids: one kernel call over the rows */
        const float st = ne[0].steepness;
        const zn_fann_kernels *fk = &net->exec->kt->fann;
        switch (ne[0].act) {
        case ZN_NACT_FANN_SIGMOID:
        case ZN_NACT_FANN_SIGMOID_STEPWISE:
            fk->mul_deriv((size_t)rows, count, (size_t)ld, v + first, e + first, st, 0);
            return;
        case ZN_NACT_FANN_SIGMOID_SYMMETRIC:
        case ZN_NACT_FANN_SIGMOID_SYMMETRIC_STEPWISE:
            fk->mul_deriv((size_t)rows, count, (size_t)ld, v + first, e + first, st, 1);
            return;
        default: break;
        }
    }
    for (int64_t r = 0; r < rows; r++)
        for (uint32_t i = 0; i < count; i++) {
            int64_t at = r * ld + first + i;
            e[at] *= zn_fnet_derivative(ne[i].act, ne[i].steepness, v[at], s[at]);
        }
}

/* zn_fnet_run's return buffer from the one-sample values. */
static void copy_outputs(zn_fnet *net) {
    memcpy(net->outputs, net->exec->vals + net->layers[net->n_layers - 1].first, net->n_outputs * sizeof(float));
}

void zn_fnet_publish(zn_fnet *net) {
    const struct zn_fnet_exec *ex = net->exec;
    zn_fnet_neuron *ne = net->neurons;
    for (uint32_t n = 0; n < net->n_neurons; n++) {
        ne[n].value = ex->vals[n];
        if (n >= net->layers[0].last && ne[n].first_con < ne[n].last_con) ne[n].sum = ex->sums[n];
    }
    copy_outputs(net);
    net->exec->neurons_stale = 0;
}

/* FANN's formula per neuron, the common functions tested first (each call
 * with a constant function compiles to that function's formula alone). */
static inline float activate_one(zn_nact act, float sum) {
    switch (act) {
    case ZN_NACT_FANN_SIGMOID: return zn_fnet_activate(ZN_NACT_FANN_SIGMOID, sum);
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC: return zn_fnet_activate(ZN_NACT_FANN_SIGMOID_SYMMETRIC, sum);
    case ZN_NACT_LINEAR: return sum;
    default: return zn_fnet_activate(act, sum);
    }
}

/* w . x in libfann's order (the n mod 4 leading terms last to first, then
 * groups of four): a short scalar loop, and bit-identical sums. */
static inline float tiny_dot(const float *w, const zn_fnet_neuron *x, uint32_t n) {
    float a = 0.0f;
    uint32_t j = n & 3;
    switch (j) {
    case 3: a += w[2] * x[2].value; /* fall through */
    case 2: a += w[1] * x[1].value; /* fall through */
    case 1: a += w[0] * x[0].value; /* fall through */
    default: break;
    }
    for (; j < n; j += 4)
        a += w[j] * x[j].value + w[j + 1] * x[j + 1].value + w[j + 2] * x[j + 2].value + w[j + 3] * x[j + 3].value;
    return a;
}

/* Tiny nets (XOR-sized): everything in one loop nest over the neurons
 * themselves, as FANN keeps them (no scratch to publish afterwards), with
 * nothing to amortise a kernel call or a vector setup over. */
static void run_tiny(zn_fnet *net, const float *input) {
    /* everything in locals: the neuron stores could alias any of it */
    const zn_fnet_lplan *lp = net->exec->lp;
    zn_fnet_neuron *const ne = net->neurons;
    const float *const weights = net->weights;
    const uint32_t n_in = net->n_inputs, n_layers = net->n_layers;
    for (uint32_t i = 0; i < n_in; i++) ne[i].value = input[i];
    for (uint32_t n = n_in; n < net->layers[0].last; n++) ne[n].value = 1.0f; /* the input layer's bias */
    for (uint32_t l = 1; l < n_layers; l++) {
        const uint32_t k = lp[l].k, n_src = lp[l].n_src, first = lp[l].first, last = lp[l].last;
        const float *w = weights + lp[l].con;
        const zn_fnet_neuron *x = ne + lp[l].src;
        zn_fnet_neuron *o = ne + first;
        for (uint32_t i = 0; i < k; i++, w += n_src) {
            const float a = tiny_dot(w, x, n_src), st = o[i].steepness, max_sum = 150.0f / st;
            float sum = st * a;
            sum = sum > max_sum ? max_sum : (sum < -max_sum ? -max_sum : sum);
            o[i].sum = sum;
            o[i].value = activate_one(o[i].act, sum);
        }
        for (uint32_t n = first + k; n < last; n++) ne[n].value = 1.0f; /* bias */
    }
    const uint32_t n_out = net->n_outputs;
    const zn_fnet_neuron *out = ne + lp[n_layers - 1].first;
    float *y = net->outputs;
    for (uint32_t i = 0; i < n_out; i++) y[i] = out[i].value;
}

const float *zn_fnet_run(zn_fnet *net, const float *input) {
    if (!net || !input) {
        zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_run: NULL argument");
        return NULL;
    }
    struct zn_fnet_exec *ex = net->exec;
    if (!zn_fnet_exec_current(net)) { /* inline: on XOR-sized nets the call was a tenth of a run */
        if (zn_fnet_exec_ready(net)) return NULL;
        ex = net->exec;
    }
    if (ex->tiny) {
        run_tiny(net, input);
        return net->outputs;
    }
    zn_fnet_exec_prepare_run(net);
    memcpy(ex->vals, input, net->n_inputs * sizeof(float));
    if (zn_fnet_forward(net, 1, ex->vals, ex->sums, net->n_neurons)) return NULL;
    /* the outputs now; every neuron's value and sum when asked for */
    copy_outputs(net);
    ex->neurons_stale = 1;
    return net->outputs;
}

zn_status zn_fnet_run_batch(zn_fnet *net, int64_t rows, const float *x, float *y) {
    if (!net) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_run_batch: net is NULL");
    if (rows < 0) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_run_batch: rows %lld < 0", (long long)rows);
    if (rows == 0) return ZN_OK;
    if (!x || !y) return zn_error(ZN_ERR_INVALID_ARG, "zn_fnet_run_batch: NULL data");
    zn_status st = zn_fnet_exec_ready(net);
    if (st) return st;
    int64_t chunk = zn_fnet_chunk_rows(net);
    if (chunk > rows) chunk = rows;
    if ((st = zn_fnet_exec_reserve(net, chunk))) return st;
    struct zn_fnet_exec *ex = net->exec;
    int64_t ld = net->n_neurons, ni = net->n_inputs, no = net->n_outputs;
    uint32_t out0 = net->layers[net->n_layers - 1].first;
    for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
        int64_t m = rows - r0 < chunk ? rows - r0 : chunk;
        for (int64_t r = 0; r < m; r++) memcpy(ex->bv + r * ld, x + (r0 + r) * ni, (size_t)ni * sizeof(float));
        if ((st = zn_fnet_forward(net, m, ex->bv, ex->bs, ld))) return st;
        for (int64_t r = 0; r < m; r++) memcpy(y + (r0 + r) * no, ex->bv + r * ld + out0, (size_t)no * sizeof(float));
    }
    return ZN_OK;
}
