/* Suite `mlp-train`: training throughput (samples/s) of sigmoid MLPs with an
 * MSE loss, zenn against libfann, PyTorch, brain.js and tfjs on the same
 * networks and algorithms, interleaved rep by rep.
 *
 * zenn's side is one zn_model_backward + zn_optim_step per batch on a fixed
 * synthetic set of rows (no shuffling, no per-epoch evaluation: zn_train's
 * validation and train-MSE passes are not part of a throughput figure); the
 * peers run the same kind of loop. libfann's batch algorithms (batch,
 * RPROP) step once per epoch over the whole set (fann_train_epoch), so their
 * time per sample is the epoch's time over its rows; zenn then steps once per
 * batch of 64, which costs it more optimizer steps, not fewer. */
#include <stdio.h>
#include <string.h>

#include "bench_mlp.h"

typedef struct train_ctx {
    zn_model *m;
    zn_ws *ws;
    zn_optim *opt;
    int64_t batch, rows, nin, nout, pos;
    float *x, *y;
    int fused;   /* plain SGD: zn_model_train_sgd, no gradient array */
    int64_t seq; /* batch 1, fused: samples per zn_model_train_sgd_seq call (what zn_train does) */
} train_ctx;

enum { SEQ_SAMPLES = 16 };

static int run_zenn(void *p) {
    train_ctx *t = p;
    const float *in[2] = {t->x + t->pos * t->nin, t->y + t->pos * t->nout};
    const int64_t per_call = t->seq ? t->seq : t->batch;
    t->pos = t->pos + 2 * per_call <= t->rows ? t->pos + per_call : 0;
    float loss = 0;
    if (t->seq) return zn_model_train_sgd_seq(t->m, t->ws, t->seq, in, zn_optim_lr(t->opt), &loss) != ZN_OK;
    if (t->fused) return zn_model_train_sgd(t->m, t->ws, t->batch, in, zn_optim_lr(t->opt), &loss) != ZN_OK;
    if (zn_model_backward(t->m, t->ws, t->batch, in, &loss) != ZN_OK) return 1;
    int64_t np = 0, ng = 0;
    float *params = zn_model_params(t->m, &np), *grads = zn_ws_grads(t->ws, &ng);
    return zn_optim_step(t->opt, params, grads, np, t->batch, loss) != ZN_OK;
}

static void train_free(train_ctx *t) {
    zn_optim_free(t->opt);
    zn_ws_free(t->ws);
    zn_model_free(t->m);
    zn_free(t->x);
    zn_free(t->y);
}

static int train_init(train_ctx *t, const bench_net *net, int64_t batch, zn_algo algo, zn_pool *pool) {
    memset(t, 0, sizeof *t);
    t->batch = batch;
    t->rows = 256;
    t->nin = net->sizes[0];
    t->nout = net->sizes[net->n_layers - 1];
    if (bench_mlp_model(net, ZN_NACT_FANN_SIGMOID, ZN_NACT_FANN_SIGMOID, ZN_LOSS_MSE, &t->m) != ZN_OK) return 0;
    zn_ws_opts o = zn_ws_opts_default();
    o.max_batch = batch;
    o.mode = ZN_WS_TRAIN;
    o.pool = pool;
    if (zn_ws_create(t->m, &o, &t->ws) != ZN_OK) return 0;
    int64_t np = 0;
    zn_model_params(t->m, &np);
    zn_optim_config oc = zn_optim_config_default(algo);
    t->fused = algo == ZN_ALGO_INCREMENTAL || algo == ZN_ALGO_SGD; /* what zn_train does for them too */
    t->seq = t->fused && batch == 1 ? SEQ_SAMPLES : 0;
    if (zn_optim_create(&oc, np, 1, &t->opt) != ZN_OK) return 0;
    zn_optim_set_threads(t->opt, pool, 0);
    t->x = zn_alloc((size_t)(t->rows * t->nin) * sizeof(float));
    t->y = zn_alloc((size_t)(t->rows * t->nout) * sizeof(float));
    if (!t->x || !t->y) return 0;
    zn_rng rng;
    zn_rng_seed(&rng, 11);
    zn_rng_fill_uniform(&rng, t->x, (size_t)(t->rows * t->nin), 0.0f, 1.0f);
    zn_rng_fill_uniform(&rng, t->y, (size_t)(t->rows * t->nout), 0.0f, 1.0f);
    return 1;
}

typedef struct peer_row {
    int peer;
    const char *algo; /* the peer's algorithm */
    double target;
} peer_row;

/* One network, batch size and zenn algorithm against the listed peers. */
static void train_case(bench_run *run, bench_peers *ps, const bench_net *net, int batch, zn_algo algo, int fann_rows,
                       zn_pool *pool, int threads, const peer_row *rows, int nrows) {
    char label[32], name[96], shape[64], layers[64];
    bench_net_label(net, label, sizeof label);
    bench_net_json(net, layers, sizeof layers);
    snprintf(name, sizeof name, "train %s b%d %s", label, batch, zn_algo_name(algo));
    snprintf(shape, sizeof shape, "%s batch %d", label, batch);
    if (!bench_selected(&run->opts, name)) return;
    train_ctx z;
    if (!train_init(&z, net, batch, algo, pool)) {
        bench_note(run, "%s: zenn setup failed: %s", name, zn_last_error());
        train_free(&z);
        return;
    }
    bench_contender c[1 + PEER_COUNT];
    peer_job jobs[PEER_COUNT];
    c[0] = (bench_contender){"zenn", run_zenn, &z, NULL, threads, 0, NULL, NULL};
    for (int i = 0; i < nrows; i++) {
        peer_job *j = &jobs[i];
        memset(j, 0, sizeof *j);
        j->peer = &ps->p[rows[i].peer];
        j->train = 1;
        j->per_call = batch;
        int full = !strcmp(rows[i].algo, "rprop") || !strcmp(rows[i].algo, "batch");
        snprintf(j->request, sizeof j->request,
                 "{\"op\":\"train\",\"layers\":%s,\"act\":\"sigmoid\",\"out_act\":\"sigmoid\",\"loss\":\"mse\","
                 "\"algo\":\"%s\",\"batch\":%d,\"samples\":%d,\"lr\":%g",
                 layers, rows[i].algo, batch, full ? fann_rows : 256, !strcmp(rows[i].algo, "adam") ? 1e-3 : 0.01);
        c[1 + i] = peer_contender(j, j->peer->threads > 0 ? j->peer->threads : 1);
    }
    bench_stats st[1 + PEER_COUNT];
    bench_measure(&run->opts, c, 1 + nrows, st);
    if (z.seq) { /* seconds per call of z.seq samples to seconds per sample */
        st[0].median /= (double)z.seq;
        st[0].min /= (double)z.seq;
        st[0].max /= (double)z.seq;
    }
    for (int i = 0; i < nrows; i++) {
        bench_result r;
        bench_mlp_result(&r, "mlp-train", name, shape, threads, batch, "ksmp/s", 1e-3);
        bench_peer_row(&r, &st[0], &st[1 + i], &jobs[i], &c[1 + i]);
        r.target = rows[i].target;
        int full = !strcmp(rows[i].algo, "rprop") || !strcmp(rows[i].algo, "batch");
        snprintf(r.target_note, sizeof r.target_note, "peer %s%s", rows[i].algo,
                 full ? ", full batch (epoch / rows)" : "");
        bench_add(run, &r);
    }
    train_free(&z);
}

int bench_suite_mlp_train(bench_run *run) {
    int threads = run->opts.threads > 0 ? run->opts.threads : zn_pool_size(zn_pool_default());
    zn_pool *pool = NULL;
    if (run->opts.threads > 0 && zn_pool_create(threads, &pool) != ZN_OK) {
        bench_note(run, "mlp-train: cannot create a pool: %s", zn_last_error());
        return 1;
    }
    bench_section(run, "mlp-train: sigmoid MLP, MSE loss, training samples/s");
    bench_note(run,
               "zenn: zn_model_backward + zn_optim_step per batch (plain SGD and incremental: zn_model_train_sgd, "
               "the update fused into backpropagation; at batch 1 zn_model_train_sgd_seq on 16 samples a call, "
               "as zn_train) on %d thread(s), 256 synthetic rows; "
               "lr 0.01 (SGD), 1e-3 (Adam), FANN's defaults (incremental, RPROP)",
               threads);
    bench_peers ps;
    const int want[PEER_COUNT] = {1, 1, 1, 1};
    bench_peers_start(run, &ps, want);

    static const peer_row incr[] = {{PEER_FANN, "incremental", 10}, {PEER_BRAIN, "incremental", 0}};
    static const peer_row sgd1[] = {{PEER_TORCH, "sgd", 10}, {PEER_TFJS, "sgd", 0}};
    static const peer_row rprop[] = {{PEER_FANN, "rprop", 10}};
    static const peer_row batch[] = {{PEER_FANN, "batch", 10}};
    static const peer_row sgd64[] = {{PEER_TORCH, "sgd", 2}, {PEER_TFJS, "sgd", 0}};
    static const peer_row adam64[] = {{PEER_TORCH, "adam", 2}, {PEER_TFJS, "adam", 0}};
    static const int fann_rows[] = {256, 64, 32}; /* one FANN epoch of the big nets takes seconds */
    const bench_net *nets;
    int nn = bench_mlp_nets(&run->opts, &nets);
    for (int i = 0; i < nn; i++) {
        train_case(run, &ps, &nets[i], 1, ZN_ALGO_INCREMENTAL, 0, pool, threads, incr, 2);
        train_case(run, &ps, &nets[i], 1, ZN_ALGO_SGD, 0, pool, threads, sgd1, 2);
        train_case(run, &ps, &nets[i], 64, ZN_ALGO_RPROP, fann_rows[i], pool, threads, rprop, 1);
        if (!run->opts.quick) train_case(run, &ps, &nets[i], 64, ZN_ALGO_BATCH, fann_rows[i], pool, threads, batch, 1);
        train_case(run, &ps, &nets[i], 64, ZN_ALGO_SGD, 0, pool, threads, sgd64, 2);
        train_case(run, &ps, &nets[i], 64, ZN_ALGO_ADAM, 0, pool, threads, adam64, 2);
    }
    bench_peers_stop(&ps);
    zn_pool_free(pool);
    return 0;
}
