/* Cascade candidates as FANN 2.2 trains them (fann_initialize_candidates,
 * fann_train_candidates, fann_update_candidate_slopes): each candidate sees
 * every neuron before the outputs and has its own output weights; both are
 * trained to maximise FANN's score, the summed squared error minus what
 * remains of it once the candidate's weighted output is taken from the
 * residual errors.
 *
 * The output weights do not change while candidates train, so the residual
 * errors are computed once. Candidates are split into fixed blocks; a block's
 * epoch is two matrix products with the cached neuron values (sums, then
 * slopes) and FANN's update, and the blocks are shared among the pool's
 * threads. A candidate's arithmetic never depends on which thread ran it or
 * how many there are, so results are the same for any thread count. */
#include <math.h>
#include <string.h>

#include "base/internal.h"
#include "fann/cascade_internal.h"
#include "fann/fnet_exec.h"
#include "act/nact.h"
#include "zenn/gemm.h"

enum { CAND_BLOCK = 8, ROW_BLOCK = 256, SCRATCH = (CAND_BLOCK + 2) * ROW_BLOCK, LANES = 16 };

typedef struct cand_run {
    zn_cascade *c;
    const float *resid; /* n_out x rows: FANN's output_train_errors, one output per row */
    float *scratch;     /* per part: sums (then error values) of a block, values and derivatives */
    double *sq;         /* per candidate: the squared residuals left this epoch */
    zn_optim **opt;     /* per block */
    uint32_t n_blocks;
    int64_t batch;
    zn_status *status; /* per part */
} cand_run;

void zn_cascade_free_candidates(zn_cascade *c) {
    zn_free(c->cw);
    zn_free(c->cg);
    zn_free(c->cact);
    zn_free(c->csteep);
    zn_free(c->cscore);
    c->cw = c->cg = c->csteep = NULL;
    c->cact = NULL;
    c->cscore = NULL;
    c->n_cand = 0;
}

/* fann_initialize_candidates: one candidate per (function, steepness, group);
 * weights uniform in [0, f] except the bias weight, in [-f, f], with FANN's
 * "semi Widrow-Nguyen" factor f (its hidden count includes the bias). */
static zn_status init_candidates(zn_cascade *c) {
    zn_fnet *net = c->net;
    zn_cascade_free_candidates(c);
    const uint32_t na = net->cascade_activation_functions_count, ns = net->cascade_activation_steepnesses_count;
    const uint32_t ng = net->cascade_num_candidate_groups;
    c->n_cand = na * ns * ng;
    c->best = 0;
    c->stride = c->k + c->n_out;
    size_t nw;
    if (!zn_mul_size(c->n_cand, c->stride, &nw)) return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_cascade_train: candidates");
    c->cw = zn_alloc(nw * sizeof(float));
    c->cg = zn_calloc(nw, sizeof(float));
    c->cact = zn_alloc(c->n_cand * sizeof *c->cact);
    c->csteep = zn_alloc(c->n_cand * sizeof(float));
    c->cscore = zn_calloc(c->n_cand, sizeof(double));
    if (!c->cw || !c->cg || !c->cact || !c->csteep || !c->cscore)
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_cascade_train: %u candidates of %u weights", c->n_cand, c->stride);
    const uint32_t hidden = c->k - c->n_in;
    float f = (float)(2.0 * pow(0.7f * (float)hidden, 1.0f / (float)c->n_in));
    f = f > 8.0f ? 8.0f : (f < 0.5f ? 0.5f : f);
    uint32_t idx = 0;
    for (uint32_t i = 0; i < na; i++)
        for (uint32_t j = 0; j < ns; j++)
            for (uint32_t g = 0; g < ng; g++, idx++) {
                c->cact[idx] = net->cascade_activation_functions[i];
                c->csteep[idx] = net->cascade_activation_steepnesses[j];
                float *w = c->cw + (size_t)idx * c->stride;
                for (uint32_t q = 0; q < c->stride; q++) {
                    float u = zn_rng_uniformf(&net->rng);
                    w[q] = q == c->n_in ? -f + 2.0f * f * u : f * u;
                }
            }
    return ZN_OK;
}

/* Candidate values a and FANN's derivatives d for n sums x (before
 * steepness; clamped here to +-150/steepness as FANN does). FANN hands a
 * candidate's derivative the sum *before* steepness where fann_run's neurons
 * pass it after; the formulas below keep that. The common functions run over
 * whole columns with the vector kernels; others go one at a time. x is
 * overwritten. */
static void cand_activate(zn_nact act, float s, int64_t n, float *x, float *a, float *d) {
    const float lim = 150.0f / s;
    for (int64_t i = 0; i < n; i++) x[i] = x[i] > lim ? lim : (x[i] < -lim ? -lim : x[i]);
    switch (act) {
    case ZN_NACT_FANN_SIGMOID:
        for (int64_t i = 0; i < n; i++) d[i] = 2.0f * s * x[i];
        zn_vsigmoid(n, d, a);
        for (int64_t i = 0; i < n; i++) {
            float v = a[i] < 0.01f ? 0.01f : (a[i] > 0.99f ? 0.99f : a[i]);
            d[i] = 2.0f * s * v * (1.0f - v);
        }
        return;
    case ZN_NACT_FANN_SIGMOID_SYMMETRIC:
        for (int64_t i = 0; i < n; i++) d[i] = s * x[i];
        zn_vtanh(n, d, a);
        for (int64_t i = 0; i < n; i++) {
            float v = a[i] < -0.98f ? -0.98f : (a[i] > 0.98f ? 0.98f : a[i]);
            d[i] = s * (1.0f - v * v);
        }
        return;
    case ZN_NACT_GAUSSIAN:
    case ZN_NACT_GAUSSIAN_SYMMETRIC: {
        const int sym = act == ZN_NACT_GAUSSIAN_SYMMETRIC;
        for (int64_t i = 0; i < n; i++) d[i] = -(s * x[i]) * (s * x[i]);
        zn_vexp(n, d, a);
        for (int64_t i = 0; i < n; i++) {
            float g = a[i];
            a[i] = sym ? 2.0f * g - 1.0f : g;
            d[i] = -2.0f * x[i] * (sym ? 2.0f * g : g) * s * s;
        }
        return;
    }
    case ZN_NACT_ELLIOT:
    case ZN_NACT_ELLIOT_SYMMETRIC: {
        const int sym = act == ZN_NACT_ELLIOT_SYMMETRIC;
        for (int64_t i = 0; i < n; i++) {
            float t = s * x[i], q = 1.0f + fabsf(x[i]);
            a[i] = sym ? t / (1.0f + fabsf(t)) : 0.5f * t / (1.0f + fabsf(t)) + 0.5f;
            d[i] = sym ? s / (q * q) : s / (2.0f * q * q);
        }
        return;
    }
    case ZN_NACT_SIN_SYMMETRIC:
    case ZN_NACT_COS_SYMMETRIC:
    case ZN_NACT_SIN:
    case ZN_NACT_COS: {
        const int is_sin = act == ZN_NACT_SIN_SYMMETRIC || act == ZN_NACT_SIN;
        const float k = act == ZN_NACT_SIN || act == ZN_NACT_COS ? 0.5f : 1.0f, off = k == 0.5f ? 0.5f : 0.0f;
        for (int64_t i = 0; i < n; i++) d[i] = s * x[i];
        /* x is no longer needed: it takes the cosines */
        zn_cascade_sincos(n, d, a, x);
        for (int64_t i = 0; i < n; i++) {
            float sn = a[i], cs = x[i];
            a[i] = k * (is_sin ? sn : cs) + off;
            d[i] = k * s * (is_sin ? cs : -sn);
        }
        return;
    }
    default:
        for (int64_t i = 0; i < n; i++) {
            a[i] = zn_fnet_activate(act, s * x[i]);
            d[i] = zn_fnet_derivative(act, s, a[i], x[i]); /* FANN's candidate quirk: the sum before steepness */
        }
        return;
    }
}

static float lane_sum(const float *x) {
    float s = 0.0f;
    for (int l = 0; l < LANES; l++) s += x[l];
    return s;
}

/* Rows [r0, r1) for candidates [c0, c0 + nb): FANN's per-sample candidate
 * slopes and scores, summed. Buffers are one candidate per row, so each
 * candidate's activation runs over a contiguous column of samples. */
static zn_status block_rows(const cand_run *run, uint32_t c0, uint32_t nb, int64_t r0, int64_t r1, float *sums,
                            float *a, float *d) {
    const zn_cascade *c = run->c;
    const uint32_t k = c->k, n_out = c->n_out, stride = c->stride;
    const int64_t nr = r1 - r0;
    zn_gemm_opts o = zn_gemm_opts_default();
    o.pool = c->pool;
    o.max_threads = 1;
    const float *v = c->v + r0 * c->ld;
    zn_status st = zn_sgemm_ex(ZN_NO_TRANS, ZN_TRANS, nb, nr, k, 1.0f, c->cw + (size_t)c0 * stride, stride, v, c->ld,
                               0.0f, sums, ROW_BLOCK, &o);
    if (st != ZN_OK) return st;
    for (uint32_t q = 0; q < nb; q++) {
        const uint32_t ci = c0 + q;
        float *x = sums + (size_t)q * ROW_BLOCK, *ev = x;
        cand_activate(c->cact[ci], c->csteep[ci], nr, x, a, d);
        const float *wo = c->cw + (size_t)ci * stride + k;
        float *go = c->cg + (size_t)ci * stride + k;
        /* sums in LANES fixed partial sums (vectorisable, the same order always) */
        float sq[LANES] = {0};
        for (int64_t r = 0; r < nr; r++) ev[r] = 0.0f;
        for (uint32_t j = 0; j < n_out; j++) {
            const float w = wo[j], *e = run->resid + (size_t)j * c->rows + r0;
            float g[LANES] = {0};
            int64_t r = 0;
            for (; r + LANES <= nr; r += LANES)
                for (int l = 0; l < LANES; l++) {
                    float diff = a[r + l] * w - e[r + l];
                    g[l] += diff * a[r + l];
                    ev[r + l] += diff * w;
                    sq[l] += diff * diff;
                }
            for (; r < nr; r++) {
                float diff = a[r] * w - e[r];
                g[0] += diff * a[r];
                ev[r] += diff * w;
                sq[0] += diff * diff;
            }
            go[j] += 2.0f * lane_sum(g); /* minus FANN's slope */
        }
        for (int64_t r = 0; r < nr; r++) ev[r] *= d[r];
        run->sq[ci] += lane_sum(sq);
    }
    /* minus the input slopes: error value times each source, summed over rows */
    return zn_sgemm_ex(ZN_NO_TRANS, ZN_NO_TRANS, nb, k, nr, 1.0f, sums, ROW_BLOCK, v, c->ld, 1.0f,
                       c->cg + (size_t)c0 * stride, stride, &o);
}

static void cand_epoch_part(void *arg, int ith, int nth) {
    cand_run *run = arg;
    zn_cascade *c = run->c;
    int64_t b0, b1;
    zn_split_range(run->n_blocks, 1, ith, nth, &b0, &b1);
    float *sums = run->scratch + (size_t)ith * SCRATCH, *a = sums + ROW_BLOCK * CAND_BLOCK, *d = a + ROW_BLOCK;
    zn_status st = ZN_OK;
    for (int64_t b = b0; b < b1 && st == ZN_OK; b++) {
        const uint32_t c0 = (uint32_t)b * CAND_BLOCK;
        const uint32_t nb = c->n_cand - c0 < CAND_BLOCK ? c->n_cand - c0 : CAND_BLOCK;
        const size_t nw = (size_t)nb * c->stride;
        float *g = c->cg + (size_t)c0 * c->stride;
        memset(g, 0, nw * sizeof(float));
        for (uint32_t q = 0; q < nb; q++) run->sq[c0 + q] = 0.0;
        for (int64_t r0 = 0; r0 < c->rows && st == ZN_OK; r0 += ROW_BLOCK)
            st = block_rows(run, c0, nb, r0, r0 + ROW_BLOCK < c->rows ? r0 + ROW_BLOCK : c->rows, sums, a, d);
        if (st != ZN_OK) break;
        /* FANN's score starts at the summed squared error of the last output epoch */
        for (uint32_t q = 0; q < nb; q++) c->cscore[c0 + q] = c->sse - run->sq[c0 + q];
        if (run->batch != 1) {
            const float inv = 1.0f / (float)run->batch;
            for (size_t i = 0; i < nw; i++) g[i] *= inv;
        }
        st = zn_optim_step(run->opt[b], c->cw + (size_t)c0 * c->stride, g, (int64_t)nw, run->batch,
                           (float)(c->sse / (double)(c->rows * c->n_out)));
    }
    run->status[ith] = st;
}

/* The residuals the candidates chase: target minus output (halved for
 * symmetric outputs), with the output weights as they are now; into c->err
 * (free while candidates train), one output per row. */
static zn_status residuals(zn_cascade *c) {
    const zn_fnet_neuron *on = c->net->neurons + (c->net->n_neurons - c->n_out);
    zn_gemm_opts o = zn_gemm_opts_default();
    o.pool = c->pool;
    o.max_threads = c->nth;
    zn_status st = zn_sgemm_ex(ZN_NO_TRANS, ZN_TRANS, c->rows, c->n_out, c->k, 1.0f, c->v, c->ld,
                               c->net->weights + on[0].first_con, c->k, 0.0f, c->out, c->n_out, &o);
    if (st != ZN_OK) return st;
    zn_cascade_activate_outputs(c, c->out);
    for (int64_t r = 0; r < c->rows; r++)
        for (uint32_t j = 0; j < c->n_out; j++) {
            float e = c->data->y[r * c->n_out + j] - c->out[r * c->n_out + j];
            if (zn_nact_symmetric(on[j].act)) e /= 2.0f;
            c->err[(size_t)j * c->rows + r] = e;
        }
    return ZN_OK;
}

static zn_status run_epoch(cand_run *run, float *best_score) {
    zn_cascade *c = run->c;
    int nth = c->nth < (int)run->n_blocks ? c->nth : (int)run->n_blocks;
    if (c->pool && nth > 1) {
        zn_status st = zn_pool_run(c->pool, cand_epoch_part, run, nth);
        if (st != ZN_OK) return st;
    } else {
        nth = 1;
        cand_epoch_part(run, 0, 1);
    }
    for (int i = 0; i < nth; i++)
        if (run->status[i] != ZN_OK) return run->status[i];
    uint32_t best = 0;
    for (uint32_t i = 1; i < c->n_cand; i++)
        if (c->cscore[i] > c->cscore[best]) best = i;
    c->best = best;
    *best_score = (float)c->cscore[best];
    return ZN_OK;
}

zn_status zn_cascade_train_candidates(zn_cascade *c, unsigned *epochs) {
    zn_fnet *net = c->net;
    *epochs = 0;
    zn_status st = init_candidates(c);
    if (st != ZN_OK) return st;
    cand_run run;
    memset(&run, 0, sizeof run);
    run.c = c;
    run.n_blocks = (c->n_cand + CAND_BLOCK - 1) / CAND_BLOCK;
    run.batch = net->training_algorithm == ZN_ALGO_QUICKPROP ? c->rows : 1;
    const int parts = c->nth > 0 ? c->nth : 1;
    run.scratch = zn_alloc((size_t)parts * SCRATCH * sizeof(float));
    run.sq = zn_calloc(c->n_cand, sizeof(double));
    run.opt = zn_calloc(run.n_blocks, sizeof *run.opt);
    run.status = zn_calloc((size_t)parts, sizeof *run.status);
    run.resid = c->err;
    if (!run.scratch || !run.sq || !run.opt || !run.status) {
        st = zn_error(ZN_ERR_OUT_OF_MEMORY, "zn_cascade_train: candidate buffers");
        goto done;
    }
    if ((st = residuals(c)) != ZN_OK) goto done;
    const zn_optim_config cfg = zn_cascade_optim_config(net);
    for (uint32_t b = 0; b < run.n_blocks; b++) {
        uint32_t nb = c->n_cand - b * CAND_BLOCK < CAND_BLOCK ? c->n_cand - b * CAND_BLOCK : CAND_BLOCK;
        if ((st = zn_optim_create(&cfg, (int64_t)nb * c->stride, zn_rng_next(&net->rng), &run.opt[b])) != ZN_OK)
            goto done;
    }
    /* fann_train_candidates: until the best score stops moving by more than
     * cascade_candidate_change_fraction for cascade_candidate_stagnation_epochs */
    const uint32_t max_epochs = net->cascade_max_cand_epochs, min_epochs = net->cascade_min_cand_epochs;
    float target = 0.0f, backslide = -1.0e20f;
    uint32_t stagnation = max_epochs;
    for (uint32_t i = 0; i < max_epochs; i++) {
        float best;
        if ((st = run_epoch(&run, &best)) != ZN_OK) goto done;
        *epochs = i + 1;
        if (best / (float)c->sse > net->cascade_candidate_limit) break;
        if (best > target || best < backslide) {
            target = best * (1.0f + net->cascade_candidate_change_fraction);
            backslide = best * (1.0f - net->cascade_candidate_change_fraction);
            stagnation = i + net->cascade_candidate_stagnation_epochs;
        }
        if (i >= stagnation && i >= min_epochs) break;
    }
done:
    if (run.opt)
        for (uint32_t b = 0; b < run.n_blocks; b++) zn_optim_free(run.opt[b]);
    zn_free(run.opt);
    zn_free(run.scratch);
    zn_free(run.sq);
    zn_free(run.status);
    return st;
}
