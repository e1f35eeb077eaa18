/* Suite `mlp-forward`: inference of sigmoid MLPs (hidden and output layers
 * sigmoid for every contender: brain.js has no other output) on one sample
 * and on batches of 64, zenn against libfann's fann_run, PyTorch, brain.js
 * and TensorFlow.js, interleaved rep by rep. */
#include <stdio.h>
#include <string.h>

#include "bench_mlp.h"

typedef struct fwd_ctx {
    zn_model *m;
    zn_ws *ws;
    int64_t batch;
    float *x, *y;
} fwd_ctx;

static int run_zenn(void *p) {
    fwd_ctx *f = p;
    const float *in[2] = {f->x, NULL};
    float *out[1] = {f->y};
    return zn_model_forward(f->m, f->ws, f->batch, in, out) != ZN_OK;
}

static int fwd_init(fwd_ctx *f, const bench_net *net, int64_t batch, zn_pool *pool) {
    memset(f, 0, sizeof *f);
    f->batch = batch;
    if (bench_mlp_model(net, ZN_NACT_FANN_SIGMOID, ZN_NACT_FANN_SIGMOID, ZN_LOSS_MSE, &f->m) != ZN_OK) return 0;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = batch;
    o.mode = ZN_WS_INFER;
    o.pool = pool;
    if (zn_ws_create(f->m, &o, &f->ws) != ZN_OK) return 0;
    /* inference as a server runs it: weights packed once, when loaded */
    if (zn_ws_pack_weights(f->ws, f->m) != ZN_OK) return 0;
    size_t nin = (size_t)batch * net->sizes[0], nout = (size_t)batch * net->sizes[net->n_layers - 1];
    f->x = zn_alloc(nin * sizeof(float));
    f->y = zn_alloc(nout * sizeof(float));
    if (!f->x || !f->y) return 0;
    zn_rng rng;
    zn_rng_seed(&rng, 7);
    zn_rng_fill_uniform(&rng, f->x, nin, 0.0f, 1.0f);
    return 1;
}

static void fwd_free(fwd_ctx *f) {
    zn_ws_free(f->ws);
    zn_model_free(f->m);
    zn_free(f->x);
    zn_free(f->y);
}

/* The floor of a batch-1 pass: reading every weight once with full-width
 * loads (AVX-512 where the CPU has it: the bench is built for the baseline
 * ISA), two streams and independent sums, kept so the reads happen; on one
 * thread and on zenn's, and the faster is the floor (0.4 MB from L2 read
 * fastest on one thread in one run and split over both vCPUs in another). */
typedef float zn_v16 __attribute__((vector_size(64), aligned(4)));
typedef struct read_ctx {
    const float *p;
    int64_t n;
    zn_pool *pool;
    int threads, wide;
    float part_sum[64];
} read_ctx;

/* Two streams, the two halves side by side: 0.4 MB from L2 read so in
 * 1.75 us, as one stream in 2.10 us (four streams: 2.13 us). */
__attribute__((target("avx512f"))) static float read_sum_avx512(const float *p, int64_t n) {
    const int64_t h = n / 2 / 32 * 32;
    const float *q = p + h;
    zn_v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    for (int64_t i = 0; i < h; i += 32) {
        a0 += *(const zn_v16 *)(p + i);
        a1 += *(const zn_v16 *)(p + i + 16);
        a2 += *(const zn_v16 *)(q + i);
        a3 += *(const zn_v16 *)(q + i + 16);
    }
    zn_v16 a = a0 + a1 + a2 + a3;
    float s = 0;
    for (int j = 0; j < 16; j++) s += a[j];
    for (int64_t i = 2 * h; i < n; i++) s += p[i];
    return s;
}

static float read_sum(const float *p, int64_t n) {
    float acc[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += p[i + j];
    for (; i < n; i++) acc[0] += p[i];
    return acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
}

static void read_part(void *arg, int ith, int nth) {
    read_ctx *r = arg;
    int64_t b, e;
    zn_split_range(r->n, 256, ith, nth, &b, &e);
    r->part_sum[ith] = r->wide ? read_sum_avx512(r->p + b, e - b) : read_sum(r->p + b, e - b);
}

static int run_read(void *p) {
    read_ctx *r = p;
    return zn_pool_run(r->pool ? r->pool : zn_pool_default(), read_part, r, r->threads) != ZN_OK;
}

typedef struct peer_row {
    int peer;      /* PEER_* */
    double target; /* 0: for reference */
    const char *note;
} peer_row;

/* One network at one batch size: zenn and the listed peers, interleaved;
 * at batch 1 the time to read the weights, with_peak the 2-thread FMA
 * peak for the same flops. */
static void forward_case(bench_run *run, bench_peers *ps, const bench_net *net, int batch, zn_pool *pool, int threads,
                         const peer_row *rows, int nrows, int with_peak) {
    char label[32], name[96], shape[64], layers[64];
    bench_net_label(net, label, sizeof label);
    bench_net_json(net, layers, sizeof layers);
    snprintf(name, sizeof name, "fwd %s b%d", label, batch);
    snprintf(shape, sizeof shape, "%s batch %d", label, batch);
    if (!bench_selected(&run->opts, name)) return;
    fwd_ctx z;
    if (!fwd_init(&z, net, batch, pool)) {
        bench_note(run, "%s: zenn setup failed: %s", name, zn_last_error());
        fwd_free(&z);
        return;
    }
    bench_contender c[4 + PEER_COUNT];
    peer_job jobs[PEER_COUNT];
    c[0] = (bench_contender){"zenn", run_zenn, &z, NULL, threads, 0, NULL, NULL};
    read_ctx rd = {.pool = pool, .threads = threads > 64 ? 64 : threads, .wide = zn_cpu()->avx512f};
    rd.p = zn_model_params_const(z.m, &rd.n);
    read_ctx rd1 = rd;
    rd1.threads = 1;
    for (int i = 0; i < nrows; i++) {
        peer_job *j = &jobs[i];
        memset(j, 0, sizeof *j);
        j->peer = &ps->p[rows[i].peer];
        snprintf(j->request, sizeof j->request,
                 "{\"op\":\"forward\",\"layers\":%s,\"act\":\"sigmoid\",\"out_act\":\"sigmoid\",\"batch\":%d", layers,
                 batch);
        c[1 + i] = peer_contender(j, j->peer->threads > 0 ? j->peer->threads : 1);
    }
    const int with_read = batch == 1 ? (threads > 1 ? 2 : 1) : 0;
    if (with_read) c[1 + nrows] = (bench_contender){"weight-read", run_read, &rd, NULL, threads, 0, NULL, NULL};
    if (with_read == 2) c[2 + nrows] = (bench_contender){"weight-read-1t", run_read, &rd1, NULL, 1, 0, NULL, NULL};
    /* The 2-thread FMA peak for the same flops, interleaved with the rest. */
    const double flops = bench_net_flops(net) * batch;
    bench_peak_ctx peak;
    const int ipeak = 1 + nrows + with_read;
    if (with_peak) {
        bench_peak_init(&peak, pool, 2, flops);
        c[ipeak] = (bench_contender){"fma-peak-2t", bench_peak_run, &peak, NULL, 2, 0, NULL, NULL};
    }
    bench_stats st[4 + PEER_COUNT];
    bench_measure(&run->opts, c, ipeak + with_peak, st);
    bench_result r;
    for (int i = 0; i < nrows; i++) {
        bench_mlp_result(&r, "mlp-forward", name, shape, threads, batch, "ksmp/s", 1e-3);
        bench_peer_row(&r, &st[0], &st[1 + i], &jobs[i], &c[1 + i]);
        r.target = rows[i].target;
        snprintf(r.target_note, sizeof r.target_note, "%s", rows[i].note ? rows[i].note : "");
        bench_add(run, &r);
    }
    if (with_read) {
        /* Reading the weights bounds a batch-1 pass: a ratio near 1 means zenn
         * runs at the machine's bandwidth for these bytes. */
        const bench_stats *rs = &st[1 + nrows];
        int read_threads = threads;
        if (with_read == 2 && st[2 + nrows].ok && (!rs->ok || st[2 + nrows].median < rs->median)) {
            rs = &st[2 + nrows];
            read_threads = 1;
        }
        bench_mlp_result(&r, "mlp-forward", name, shape, threads, batch, "ksmp/s", 1e-3);
        snprintf(r.peer, sizeof r.peer, "weight-read");
        r.zenn = st[0];
        r.other = *rs;
        if (st[0].ok && rs->ok && rs->median > 0)
            snprintf(r.target_note, sizeof r.target_note,
                     "reading the %.1f MB of weights alone: %.0f GB/s, %d thread%s", (double)rd.n * 4e-6,
                     (double)rd.n * 4 / rs->median * 1e-9, read_threads, read_threads == 1 ? "" : "s");
        bench_add(run, &r);
    }
    if (with_peak) {
        bench_mlp_result(&r, "mlp-forward", name, shape, threads, flops, "GFLOP/s", 1e-9);
        snprintf(r.peer, sizeof r.peer, "fma-peak-2t");
        r.zenn = st[0];
        r.other = st[ipeak];
        r.target = 0.6;
        if (st[0].ok && st[ipeak].ok && st[0].median > 0)
            snprintf(r.target_note, sizeof r.target_note, "%.0f%% of the 2-thread FMA peak",
                     100.0 * st[ipeak].median / st[0].median);
        bench_add(run, &r);
    }
    fwd_free(&z);
}

/* PyTorch at 1 and 2 threads once, to show why it runs with one here. */
static void torch_threads_note(bench_run *run, bench_peer *torch) {
    char reply[512];
    const char *req = "{\"op\":\"probe_threads\",\"layers\":[784,128,10],\"act\":\"sigmoid\",\"out_act\":\"sigmoid\","
                      "\"batch\":64,\"min_seconds\":0.05}";
    double t1 = 0, t2 = 0;
    if (bench_peer_call(torch, req, 120.0, reply, sizeof reply) && bench_json_num(reply, "t1", &t1) &&
        bench_json_num(reply, "t2", &t2))
        bench_note(run, "pytorch 784-128-10 batch 64: 1 thread %.1f us, 2 threads %.1f us per batch -> runs with %d",
                   t1 * 1e6, t2 * 1e6, t2 < t1 ? 2 : 1);
    else
        bench_note(run, "pytorch thread probe failed: %s", torch->why);
}

int bench_suite_mlp_forward(bench_run *run) {
    int threads = run->opts.threads > 0 ? run->opts.threads : zn_pool_size(zn_pool_default());
    zn_pool *pool = NULL;
    if (run->opts.threads > 0 && zn_pool_create(threads, &pool) != ZN_OK) {
        bench_note(run, "mlp-forward: cannot create a pool: %s", zn_last_error());
        return 1;
    }
    bench_section(run, "mlp-forward: sigmoid MLP inference, samples/s (hidden and output sigmoid)");
    bench_note(run,
               "zenn: zn_model_forward on %d thread(s), weights packed once (zn_ws_pack_weights: the GEMM's panels for "
               "batches of 64, W^T of layers wider than 256 at batch 1); "
               "fma-peak-2t: the FMA loop on 2 threads for the same flops, its reps interleaved with the others",
               threads);
    bench_peers ps;
    const int want[PEER_COUNT] = {1, 1, 1, 1};
    bench_peers_start(run, &ps, want);
    if (ps.up[PEER_TORCH]) torch_threads_note(run, &ps.p[PEER_TORCH]);

    static const peer_row one[] = {
        {PEER_FANN, 15, "fann_run"}, {PEER_BRAIN, 50, NULL}, {PEER_TORCH, 0, NULL}, {PEER_TFJS, 0, NULL}};
    static const peer_row many[] = {{PEER_TORCH, 2, NULL}, {PEER_TFJS, 0, NULL}};
    const bench_net *nets;
    int nn = bench_mlp_nets(&run->opts, &nets);
    for (int i = 0; i < nn; i++) {
        forward_case(run, &ps, &nets[i], 1, pool, threads, one, 4, 0);
        forward_case(run, &ps, &nets[i], 64, pool, threads, many, 2, i > 0);
    }
    bench_peers_stop(&ps);
    zn_pool_free(pool);
    return 0;
}
