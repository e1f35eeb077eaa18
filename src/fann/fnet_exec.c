/* The run plan of a FANN-structured network: which layers are fully
 * connected (a weight matrix over a contiguous source range), and the
 * scratch buffers that runs and training use. */
#include <string.h>

#include "base/internal.h"
#include "fann/fnet_exec.h"
#include "kernels/gemm_driver.h"

void zn_fnet_exec_free(struct zn_fnet_exec *ex) {
    if (!ex) return;
    zn_free(ex->lp);
    zn_free(ex->vals);
    zn_free(ex->sums);
    zn_free(ex->bv);
    zn_free(ex->bs);
    zn_free(ex->be);
    zn_free(ex->bt);
    zn_free(ex->wt);
    zn_free(ex->incr);
    zn_free(ex);
}

/* Neurons that FANN computes: those with incoming connections outside the
 * input layer. The others hold 1 (bias neurons). */
static int computed(const zn_fnet *net, uint32_t n) {
    return n >= net->layers[0].last && net->neurons[n].first_con < net->neurons[n].last_con;
}

/* A layer is dense when its computed neurons are [first, first+k), each
 * reads the same contiguous range of earlier neurons in order, and their
 * connections follow each other (a row-major k x n_src matrix). */
static void plan_layer(const zn_fnet *net, uint32_t l, zn_fnet_lplan *p) {
    const zn_fnet_layer *ly = &net->layers[l];
    memset(p, 0, sizeof *p);
    p->first = ly->first;
    p->last = ly->last;
    uint32_t k = 0;
    while (ly->first + k < ly->last && computed(net, ly->first + k)) k++;
    for (uint32_t n = ly->first + k; n < ly->last; n++)
        if (computed(net, n)) return;
    if (k == 0) return;
    const zn_fnet_neuron *n0 = &net->neurons[ly->first];
    uint32_t n_src = n0->last_con - n0->first_con, src = net->sources[n0->first_con];
    if ((uint64_t)src + n_src > ly->first) return; /* must read finished neurons only */
    for (uint32_t i = 0; i < k; i++) {
        const zn_fnet_neuron *ne = &net->neurons[ly->first + i];
        if (ne->first_con != n0->first_con + i * n_src || ne->last_con - ne->first_con != n_src) return;
        for (uint32_t j = 0; j < n_src; j++)
            if (net->sources[ne->first_con + j] != src + j) return;
    }
    p->dense = 1;
    p->k = k;
    p->src = src;
    p->n_src = n_src;
    p->con = n0->first_con;
}

/* Layers whose one-sample pass is a GEMV (64K weights and more, as
 * forward_dense decides) get a slot in the copy: their rows on whole cache
 * lines where a dot product per neuron reads them fastest
 * (zn_gemv_prefers_rows), else the transpose. */
static void plan_copy(struct zn_fnet_exec *ex, zn_fnet_lplan *p) {
    if (!p->dense || (uint64_t)p->k * p->n_src < ZN_FNET_GEMV_MIN) return;
    p->copied = 1;
    p->by_rows = zn_gemv_prefers_rows(p->n_src, p->k);
    p->wt_off = ex->wt_len;
    p->ldt = ((p->by_rows ? p->n_src : p->k) + 15u) & ~15u;
    ex->wt_len += (size_t)p->ldt * (p->by_rows ? p->k : p->n_src);
}

/* Bias neurons hold 1 in every row of a value buffer. */
static void fill_bias(const zn_fnet *net, float *v, int64_t rows) {
    for (uint32_t n = net->n_inputs; n < net->n_neurons; n++) {
        if (computed(net, n)) continue;
        for (int64_t r = 0; r < rows; r++) v[r * net->n_neurons + n] = 1.0f;
    }
}

zn_status zn_fnet_exec_ready(zn_fnet *net) {
    if (zn_fnet_exec_current(net)) return ZN_OK;
    zn_fnet_exec_free(net->exec);
    net->exec = NULL;
    for (uint32_t c = 0; c < net->n_connections; c++)
        if (net->sources[c] >= net->n_neurons)
            return zn_error(ZN_ERR_FORMAT, "fnet: connection %u comes from neuron %u of %u", (unsigned)c,
                            (unsigned)net->sources[c], (unsigned)net->n_neurons);
    for (uint32_t n = 0; n < net->n_neurons; n++)
        if (net->neurons[n].first_con > net->neurons[n].last_con || net->neurons[n].last_con > net->n_connections)
            return zn_error(ZN_ERR_FORMAT, "fnet: neuron %u has connections [%u, %u) of %u", (unsigned)n,
                            (unsigned)net->neurons[n].first_con, (unsigned)net->neurons[n].last_con,
                            (unsigned)net->n_connections);
    struct zn_fnet_exec *ex = zn_calloc(1, sizeof *ex);
    if (!ex) return zn_error(ZN_ERR_OUT_OF_MEMORY, "fnet: out of memory");
    ex->lp = zn_calloc(net->n_layers, sizeof *ex->lp);
    ex->vals = zn_calloc(net->n_neurons, sizeof(float));
    ex->sums = zn_calloc(net->n_neurons, sizeof(float));
    if (!ex->lp || !ex->vals || !ex->sums) {
        zn_fnet_exec_free(ex);
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "fnet: out of memory");
    }
    ex->tiny = net->n_neurons <= 64;
    for (uint32_t l = 1; l < net->n_layers; l++) {
        plan_layer(net, l, &ex->lp[l]);
        if (ex->lp[l].k > ex->kmax) ex->kmax = ex->lp[l].k;
        if (!ex->lp[l].dense || (uint64_t)ex->lp[l].k * ex->lp[l].n_src > 256) ex->tiny = 0;
        plan_copy(ex, &ex->lp[l]);
    }
    ex->neurons = net->neurons;
    ex->sources = net->sources;
    ex->layers = net->layers;
    ex->weights = net->weights;
    ex->n_neurons = net->n_neurons;
    ex->n_connections = net->n_connections;
    ex->n_layers = net->n_layers;
    ex->kt = zn_kernels_get();
    net->exec = ex;
    fill_bias(net, ex->vals, 1);
    return ZN_OK;
}

void zn_fnet_exec_prepare_run(zn_fnet *net) {
    struct zn_fnet_exec *ex = net->exec;
    ex->passes++;
    if (!ex->wt_len || zn_fnet_exec_copy_valid(net)) return;
    if (!ex->seen_valid || ex->seen_version != net->weights_version) {
        ex->seen_version = net->weights_version; /* changed since the last run: wait and see */
        ex->seen_valid = 1;
        return;
    }
    if (!ex->wt && !(ex->wt = zn_calloc(ex->wt_len, sizeof(float)))) return; /* runs on without the copy */
    for (uint32_t l = 1; l < net->n_layers; l++) {
        const zn_fnet_lplan *p = &ex->lp[l];
        if (!p->copied) continue;
        const float *w = net->weights + p->con;
        if (p->by_rows)
            for (uint32_t i = 0; i < p->k; i++)
                memcpy(ex->wt + p->wt_off + (size_t)i * p->ldt, w + (size_t)i * p->n_src, p->n_src * sizeof(float));
        else
            zn_transpose_copy(p->k, p->n_src, w, p->n_src, ex->wt + p->wt_off, p->ldt);
    }
    ex->wt_version = net->weights_version;
    ex->wt_valid = 1;
}

int64_t zn_fnet_chunk_rows(const zn_fnet *net) {
    /* the buffers within about 3 MB, and at most 128 rows: a fresh net's
     * first epoch pays a page fault per 4 KB of them (~10 us each on a VM),
     * which 256 rows doubled for a 2% faster steady state */
    int64_t rows = (int64_t)(256 * 1024) / (int64_t)(net->n_neurons ? net->n_neurons : 1);
    return rows < 1 ? 1 : (rows > 128 ? 128 : rows);
}

zn_status zn_fnet_exec_reserve(zn_fnet *net, int64_t rows) {
    struct zn_fnet_exec *ex = net->exec;
    if (ex->cap >= rows) return ZN_OK;
    size_t n = (size_t)rows * net->n_neurons;
    zn_free(ex->bv);
    zn_free(ex->bs);
    zn_free(ex->be);
    zn_free(ex->bt);
    ex->bv = zn_calloc(n, sizeof(float));
    ex->bs = zn_calloc(n, sizeof(float));
    ex->be = zn_calloc(n, sizeof(float));
    ex->bt = zn_calloc((size_t)rows * 2 * (ex->kmax ? ex->kmax : 1), sizeof(float));
    if (!ex->bv || !ex->bs || !ex->be || !ex->bt) {
        zn_free(ex->bv);
        zn_free(ex->bs);
        zn_free(ex->be);
        zn_free(ex->bt);
        ex->bv = ex->bs = ex->be = ex->bt = NULL;
        ex->cap = 0;
        return zn_error(ZN_ERR_OUT_OF_MEMORY, "fnet: out of memory for %lld rows", (long long)rows);
    }
    ex->cap = rows;
    fill_bias(net, ex->bv, rows);
    return ZN_OK;
}

/* Threads pay off only for large products (a pool wake-up costs about as
 * much as a million multiply-adds on one core). */
static zn_pool *pool_for(int64_t flops) { return flops >= ((int64_t)1 << 21) ? zn_pool_default() : NULL; }

zn_status zn_fnet_gemm(const zn_fnet *net, int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                       const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    zn_gemm_call call = {ta, tb, m, n, k, 1.0f, beta, a, b, c, lda, ldb, ldc, NULL, ZN_ACT_NONE, 0.0f, NULL};
    return zn_gemm_run(net->exec->kt, &call, pool_for(m * n * k), 0);
}

void zn_fnet_gemv(const zn_fnet *net, int trans, int64_t m, int64_t n, const float *a, int64_t lda, const float *x,
                  float beta, float *y) {
    /* zn_gemv_run decides the threads (row parts, from 128K elements) */
    zn_gemv_run(net->exec->kt, trans, m, n, 1.0f, a, lda, x, beta, y, zn_pool_default(), 0, net->exec->passes);
}
