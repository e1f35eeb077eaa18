/* How zenn runs and trains a FANN-structured network: a per-layer plan that
 * finds the fully connected layers (their weights a row-major matrix over a
 * contiguous range of source neurons, so GEMV/GEMM run them), and scratch
 * buffers. Private to src/fann/fnet_*.c.
 *
 * Values, sums and errors of a chunk of samples are rows x n_neurons
 * matrices (row stride n_neurons), so the sources of any layer, including a
 * shortcut layer's "every earlier neuron", are a column range. */
#ifndef ZN_FNET_EXEC_H
#define ZN_FNET_EXEC_H

#include "fann/fnet_internal.h"

/* A one-sample pass over a dense layer of this many weights or more is a
 * threaded GEMV (and may read a copy of the layer); smaller ones are one
 * fused kernel call on the caller. */
#define ZN_FNET_GEMV_MIN ((uint64_t)64 * 1024)

typedef struct zn_fnet_lplan {
    uint32_t first, last; /* the layer's neurons */
    int dense;            /* computed neurons [first, first+k) see sources [src, src+n_src) */
    uint32_t k, src, n_src, con;
    /* One-sample runs may read a copy at wt + wt_off: by_rows, FANN's k rows
     * of n_src on whole cache lines (ldt floats apart), read as a dot
     * product per neuron; otherwise the transpose, n_src rows of ldt. */
    int copied, by_rows;
    uint32_t ldt;
    size_t wt_off;
} zn_fnet_lplan;

struct zn_fnet_exec {
    /* what the plan was built from: any change rebuilds it */
    const zn_fnet_neuron *neurons;
    const uint32_t *sources;
    const zn_fnet_layer *layers;
    const float *weights;
    uint32_t n_neurons, n_connections, n_layers;
    const struct zn_kernels *kt; /* the dispatch table, for unchecked kernel calls */
    zn_fnet_lplan *lp;           /* n_layers (entry 0 unused) */
    int tiny;                    /* every layer dense and small: one scalar loop nest runs it */
    float *vals, *sums;          /* one sample: n_neurons each (bias neurons hold 1) */
    int64_t cap;                 /* rows of the chunk buffers below */
    float *bv, *bs, *be;         /* cap x n_neurons: values (bias columns 1), sums, errors */
    uint32_t kmax;               /* the widest dense layer's k */
    float *bt;                   /* 2 x cap x kmax: one layer's sums and values side by side, for one kernel call */
    /* Copies of the large dense layers' weights for zn_fnet_run, rows padded
     * to whole cache lines (zn_fnet_lplan.by_rows says which layout): a GEMV
     * over FANN's own rows (each row starting anywhere in a cache line) ran
     * at ~60% of the speed of one over the copy. Built once the weights stay
     * unchanged across two runs, so code that trains and runs in turn never
     * pays for the copy. */
    float *wt;
    size_t wt_len;                     /* floats, 0: no layer qualifies */
    uint64_t wt_version, seen_version; /* the weights_version wt holds, and the one the last run saw */
    int wt_valid, seen_valid;
    /* The lane layout of a whole-epoch incremental kernel call
     * (src/fann/fnet_incr.c), allocated on first use. */
    float *incr;
    size_t incr_len;
    int neurons_stale; /* vals and sums hold a run the neurons do not (zn_fnet_sync_neurons) */
    unsigned passes;   /* one-sample runs: GEMVs alternate their order by it (zn_gemv_run) */
};

/* Is net->exec built from the net as it is (nothing it was built from moved)? */
static inline int zn_fnet_exec_current(const zn_fnet *net) {
    const struct zn_fnet_exec *ex = net->exec;
    return ex && ex->neurons == net->neurons && ex->sources == net->sources && ex->layers == net->layers &&
           ex->weights == net->weights && ex->n_neurons == net->n_neurons && ex->n_connections == net->n_connections &&
           ex->n_layers == net->n_layers;
}

/* Builds or refreshes net->exec; ZN_ERR_OUT_OF_MEMORY on failure. */
zn_status zn_fnet_exec_ready(zn_fnet *net);
void zn_fnet_exec_free(struct zn_fnet_exec *ex);
/* Before a one-sample run: builds or checks the copies of large layers. */
void zn_fnet_exec_prepare_run(zn_fnet *net);
/* Does wt hold the current weights? */
static inline int zn_fnet_exec_copy_valid(const zn_fnet *net) {
    const struct zn_fnet_exec *ex = net->exec;
    return ex->wt_valid && ex->wt_version == net->weights_version;
}
/* Chunk buffers for `rows` samples (rows <= zn_fnet_chunk_rows(net)). */
zn_status zn_fnet_exec_reserve(zn_fnet *net, int64_t rows);
/* Rows per chunk: enough to amortise, small enough to stay in cache. */
int64_t zn_fnet_chunk_rows(const zn_fnet *net);

/* Forward pass for `rows` samples whose inputs are already in columns
 * [0, n_inputs) of v (and bias columns hold 1): fills the sums s and values
 * v of every computed neuron. ld is the row stride of v and s. */
zn_status zn_fnet_forward(const zn_fnet *net, int64_t rows, float *v, float *s, int64_t ld);

/* Unchecked products for the plan's shapes, on the calling thread unless
 * the product is large: c = op(a) op(b) + beta c;  y = op(a) x + beta y. */
zn_status zn_fnet_gemm(const zn_fnet *net, int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                       const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
void zn_fnet_gemv(const zn_fnet *net, int trans, int64_t m, int64_t n, const float *a, int64_t lda, const float *x,
                  float beta, float *y);
/* Scatters the one-sample buffers into the neurons' value and sum, and the
 * outputs into net->outputs, as fann_run leaves them. */
void zn_fnet_publish(zn_fnet *net);
/* Brings the neurons' value and sum up to date with the last zn_fnet_run,
 * which publishes only the outputs (scattering every neuron costs a
 * noticeable share of a run, and nothing outside src/fann reads them).
 * Call before reading neurons[].value or .sum. */
static inline void zn_fnet_sync_neurons(zn_fnet *net) {
    if (net->exec && net->exec->neurons_stale && zn_fnet_exec_current(net)) zn_fnet_publish(net);
}
/* e[r][n] *= FANN's derivative for neurons [first, first+count) over rows. */
void zn_fnet_mul_derivative(const zn_fnet *net, uint32_t first, uint32_t count, int64_t rows, const float *v,
                            const float *s, float *e, int64_t ld);

/* fann_clear_train_arrays: slopes and previous slopes 0, previous steps
 * rprop_delta_zero for RPROP and 0 otherwise (allocating them). */
zn_status zn_fnet_clear_train_arrays(zn_fnet *net);

/* An incremental epoch (fann_train on every sample in order) in one
 * kernel call fits nets with one hidden layer of at most 16 neurons and at
 * most 16 outputs, both layers fully connected, each with one linear or
 * sigmoid function and a positive steepness. The exec must be ready. */
int zn_fnet_incr_fits(const zn_fnet *net);
/* That epoch for a net that fits: the MSE and bit fails counted as FANN
 * counts them, the last sample's values and sums published. */
zn_status zn_fnet_incr_epoch(zn_fnet *net, const zn_dataset *data);

#endif /* ZN_FNET_EXEC_H */
