/* Cascade-correlation (FANN 2.2's Cascade2), shared by cascade.c (the loop,
 * output training, installing a neuron) and cascade_cand.c (the candidates).
 *
 * Installed hidden neurons are frozen, so every sample's neuron values are
 * cached once: `v` holds, per sample, the values of neurons 0..k-1 (inputs,
 * the bias neuron, the hidden neurons in order), which are exactly the
 * sources of every output and of every candidate. Installing a neuron adds
 * one column. An output epoch and a candidate epoch are then products with
 * this matrix instead of a forward pass of the whole net per sample. */
#ifndef ZN_CASCADE_INTERNAL_H
#define ZN_CASCADE_INTERNAL_H

#include "fann/fnet_internal.h"
#include "zenn/pool.h"

typedef struct zn_cascade_opts {
    zn_pool *pool;          /* NULL: the default pool */
    int max_threads;        /* 0: the pool's size; 1: the calling thread only */
    int report_epochs;      /* 1: `report` gets the total epochs (FANN's callback), 0: the neurons added */
    float *outputs;         /* NULL, or rows x n_out: the outputs for the data as the cache computes them
                               after training (so tests can hold them against zn_fnet_run) */
    unsigned *total_epochs; /* NULL, or receives FANN's total_epochs, the final output training's
                               included (the drop-in API's last report line) */
} zn_cascade_opts;

/* zn_cascade_train with the thread count and the report's meaning chosen. */
zn_status zn_cascade_train_ex(zn_fnet *net, const zn_dataset *data, unsigned max_neurons,
                              unsigned neurons_between_reports, float desired_error, zn_fnet_report_fn report,
                              void *user, const zn_cascade_opts *opts);

typedef struct zn_cascade {
    zn_fnet *net;
    const zn_dataset *data;
    int64_t rows;
    uint32_t n_in, n_out;
    uint32_t k;  /* cached columns: the sources of the outputs */
    uint32_t ld; /* row stride of v (capacity in columns) */
    float *v;    /* rows x ld */
    float *out;  /* rows x n_out: output sums, then values or errors */
    float *err;  /* rows x n_out: FANN's output errors (train_errors) */
    float *grad; /* n_out x k: minus the output slopes */
    double sse;  /* FANN's MSE_value (the summed squared error) of the last output epoch */
    zn_pool *pool;
    int nth;

    /* the candidate pool: each candidate's k input weights then n_out output
     * weights, `stride` = k + n_out floats apart */
    uint32_t n_cand, stride;
    float *cw, *cg; /* weights and minus the slopes */
    zn_nact *cact;
    float *csteep;
    double *cscore;
    uint32_t best; /* the best candidate of the last epoch */
} zn_cascade;

/* The FANN optimizer configuration from the net's parameters. */
zn_optim_config zn_cascade_optim_config(const zn_fnet *net);
/* rows x n_out raw output sums (weights times sources) become the outputs'
 * values as fann_run computes them: steepness, its clamp, the activation. */
void zn_cascade_activate_outputs(const zn_cascade *c, float *sums);

/* sn[i] = sin(x[i]), cs[i] = cos(x[i]) to a few float ulps for |x| <= 8192
 * (cascade_math.c). */
void zn_cascade_sincos(int64_t n, const float *x, float *sn, float *cs);

/* Candidate training (cascade_cand.c): sets up the pool for the current k,
 * trains it to stagnation (fann_train_candidates), leaves the winner in
 * c->best; *epochs receives the epochs used. */
zn_status zn_cascade_train_candidates(zn_cascade *c, unsigned *epochs);
void zn_cascade_free_candidates(zn_cascade *c);

#endif /* ZN_CASCADE_INTERNAL_H */
