/* Suite `fann`: the drop-in FANN API against libfann. One program written
 * against FANN's public API (bench/peers/fann_peer.c) is built twice — with
 * libzenn-fann (zenn_fann_peer) and with Debian's libfann (fann_peer) — and
 * both run as peers of this suite, interleaved rep by rep, on the same .net
 * files (written here by zenn) and the same data files:
 *   fann_run on 2-3-1, 784-128-10 and 2048-512-100;
 *   fann_train_epoch (RPROP, batch, incremental) from the same weights on
 *   FANN's datasets: time per epoch, and the MSE after the last epoch;
 *   fann_cascadetrain_on_data to the same number of neurons: time, and the
 *   median test MSE over several starts. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench_mlp.h"
#include "zenn/fnet.h"

#ifndef ZN_SOURCE_DIR
#define ZN_SOURCE_DIR "."
#endif

/* Paths here are the run's temporary directory or --fann-data files. */
enum { HIDDEN = 16, PATH_CAP = 1024, DIR_CAP = 256, REQ_CAP = 3 * PATH_CAP + 256, CASCADE_STARTS = 7 };

/* A request to one of the two FANN-API peers, and what its last reply said. */
typedef struct fann_job {
    bench_peer *peer;
    char request[REQ_CAP];
    double mse, test_mse;
    char why[160];
} fann_job;

static double fann_job_timed(void *ctx, double min_seconds) {
    fann_job *j = ctx;
    char req[REQ_CAP + 64], reply[1024];
    snprintf(req, sizeof req, "%s,\"min_seconds\":%.4g}", j->request, min_seconds);
    if (!bench_peer_call(j->peer, req, 1800.0, reply, sizeof reply)) {
        snprintf(j->why, sizeof j->why, "%s", j->peer->why);
        return -1;
    }
    double v = 0;
    if (!bench_json_num(reply, "seconds_per_iter", &v) || !(v > 0)) {
        snprintf(j->why, sizeof j->why, "reply without a time");
        return -1;
    }
    if (!bench_json_num(reply, "mse", &j->mse)) j->mse = -1;
    if (!bench_json_num(reply, "test_mse", &j->test_mse)) j->test_mse = -1;
    return v;
}

static bench_contender fann_contender(fann_job *j) {
    bench_contender c;
    memset(&c, 0, sizeof c);
    c.name = j->peer->name;
    c.ctx = j;
    c.timed = fann_job_timed;
    c.threads = 1;
    c.skip = !bench_peer_up(j->peer);
    c.skip_reason = j->peer->why;
    if (c.skip) snprintf(j->why, sizeof j->why, "%s", j->peer->why);
    return c;
}

typedef struct fann_env {
    bench_run *run;
    bench_peer zenn, fann; /* zenn_fann_peer, fann_peer */
    char dir[DIR_CAP];     /* the .net files written for this run */
} fann_env;

/* Times the two peers on the same request; fills the stats and the jobs. */
static void measure_pair(fann_env *e, const char *request, fann_job jobs[2], bench_stats st[2]) {
    jobs[0] = (fann_job){.peer = &e->zenn};
    jobs[1] = (fann_job){.peer = &e->fann};
    snprintf(jobs[0].request, sizeof jobs[0].request, "%s", request);
    snprintf(jobs[1].request, sizeof jobs[1].request, "%s", request);
    bench_contender c[2] = {fann_contender(&jobs[0]), fann_contender(&jobs[1])};
    bench_measure(&e->run->opts, c, 2, st);
}

static void fill_row(bench_result *r, const char *name, const char *shape, const char *unit, double work, double scale,
                     const bench_stats st[2], const fann_job jobs[2], double target, const char *note) {
    bench_mlp_result(r, "fann", name, shape, 1, work, unit, scale);
    snprintf(r->peer, sizeof r->peer, "libfann");
    r->zenn = st[0];
    r->other = st[1];
    r->target = target;
    snprintf(r->target_note, sizeof r->target_note, "%s", note);
    for (int i = 0; i < 2; i++)
        if (!st[i].ok && !r->why[0])
            snprintf(r->why, sizeof r->why, "%s: %s", jobs[i].peer->name, jobs[i].why[0] ? jobs[i].why : "failed");
}

/* A row of values (MSE) rather than times, the medians of n runs (values
 * <= 0: not measured; the arrays are sorted in place): ratio libfann / zenn. */
static void mse_row(bench_run *run, const char *name, const char *shape, double *zenn, double *fann, int n,
                    double target, const char *note, const char *why) {
    bench_result r;
    bench_mlp_result(&r, "fann", name, shape, 1, 1, "MSE", 1);
    snprintf(r.peer, sizeof r.peer, "libfann");
    r.show_value = 1;
    bench_stats_of(zenn, n, &r.zenn);
    bench_stats_of(fann, n, &r.other);
    r.target = target;
    snprintf(r.target_note, sizeof r.target_note, "%s", note);
    if ((!r.zenn.ok || !r.other.ok) && why) snprintf(r.why, sizeof r.why, "%s", why);
    bench_add(run, &r);
}

/* Writes a FANN net with FANN's sigmoid-symmetric activations. */
static int write_net(fann_env *e, const char *file, zn_fnet_kind kind, unsigned n_layers, const unsigned *sizes,
                     uint64_t seed, char *path, size_t cap) {
    zn_fnet *net = NULL;
    zn_status st = kind == ZN_FNET_SHORTCUT ? zn_fnet_create_shortcut(n_layers, sizes, seed, &net)
                                            : zn_fnet_create_standard(n_layers, sizes, seed, &net);
    snprintf(path, cap, "%s/%s", e->dir, file);
    if (st == ZN_OK) {
        zn_fnet_set_activation_hidden(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
        zn_fnet_set_activation_output(net, ZN_NACT_FANN_SIGMOID_SYMMETRIC);
        st = zn_fnet_save(net, path);
    }
    zn_fnet_free(net);
    if (st != ZN_OK) bench_note(e->run, "fann: cannot write %s: %s", path, zn_last_error());
    return st == ZN_OK;
}

static void run_case(fann_env *e, unsigned n_layers, const unsigned *sizes, double target) {
    char label[96], shape[48], file[64], path[PATH_CAP], req[PATH_CAP + 64];
    snprintf(shape, sizeof shape, n_layers == 3 ? "%u-%u-%u" : "%u-%u", sizes[0], sizes[1], sizes[2]);
    snprintf(label, sizeof label, "fann_run %s", shape);
    if (!bench_selected(&e->run->opts, label)) return;
    snprintf(file, sizeof file, "run-%s.net", shape);
    if (!write_net(e, file, ZN_FNET_LAYER, n_layers, sizes, 2026, path, sizeof path)) return;
    snprintf(req, sizeof req, "{\"op\":\"run_net\",\"net\":\"%s\"", path);
    fann_job jobs[2];
    bench_stats st[2];
    measure_pair(e, req, jobs, st);
    bench_result r;
    char note[96];
    snprintf(note, sizeof note, "fann_run through libzenn-fann >= %gx libfann's", target);
    fill_row(&r, label, "1 sample", "M runs/s", 1, 1e-6, st, jobs, target, note);
    snprintf(r.shape, sizeof r.shape, "%s, 1 sample", shape);
    bench_add(e->run, &r);
}

static int load_dims(const char *path, unsigned *n_in, unsigned *n_out) {
    zn_dataset *d = NULL;
    if (zn_dataset_load_fann(path, NULL, &d) != ZN_OK) return 0;
    *n_in = (unsigned)d->n_in;
    *n_out = (unsigned)d->n_out;
    zn_dataset_free(d);
    return 1;
}

static void train_cases(fann_env *e, const char *dir, const char *name, int epochs) {
    char train_path[PATH_CAP], test_path[PATH_CAP], net_path[PATH_CAP], file[64];
    snprintf(train_path, sizeof train_path, "%s/%s.train", dir, name);
    snprintf(test_path, sizeof test_path, "%s/%s.test", dir, name);
    unsigned sizes[3];
    if (!load_dims(train_path, &sizes[0], &sizes[2])) {
        bench_note(e->run, "fann: %s skipped: %s", name, zn_last_error());
        return;
    }
    sizes[1] = HIDDEN;
    snprintf(file, sizeof file, "train-%s.net", name);
    if (!write_net(e, file, ZN_FNET_LAYER, 3, sizes, 2026, net_path, sizeof net_path)) return;
    static const char *const algos[] = {"rprop", "batch", "incremental"};
    for (int a = 0; a < 3; a++) {
        char label[96], shape[64], req[REQ_CAP];
        snprintf(label, sizeof label, "%s %s epoch", name, algos[a]);
        if (!bench_selected(&e->run->opts, label)) continue;
        snprintf(shape, sizeof shape, "%u-%u-%u, %d epochs", sizes[0], sizes[1], sizes[2], epochs);
        snprintf(req, sizeof req, "{\"op\":\"train_net\",\"net\":\"%s\",\"data\":\"%s\",\"algo\":\"%s\",\"epochs\":%d",
                 net_path, train_path, algos[a], epochs);
        fann_job jobs[2];
        bench_stats st[2];
        measure_pair(e, req, jobs, st);
        bench_result r;
        fill_row(&r, label, shape, "epochs/s", 1, 1, st, jobs, 5.0, "fann_train_epoch >= 5x libfann's");
        bench_add(e->run, &r);
        /* Same weights, same deterministic algorithm: the MSE must agree. */
        snprintf(label, sizeof label, "%s %s MSE", name, algos[a]);
        double zm = st[0].ok ? jobs[0].mse : -1, fm = st[1].ok ? jobs[1].mse : -1;
        mse_row(e->run, label, shape, &zm, &fm, 1, 0.99, "MSE after the last epoch within 1% of libfann's (or lower)",
                r.why);
    }
}

/* The test MSE of one more cascade run from start k (its own .net file and
 * candidate draws) for each peer; < 0 where a run failed. */
static void cascade_start(fann_env *e, const char *name, const char *train_path, const char *test_path,
                          const unsigned *sizes, unsigned neurons, int k, double *zenn, double *fann) {
    char file[96], net_path[PATH_CAP], req[REQ_CAP], reply[1024];
    *zenn = *fann = -1;
    snprintf(file, sizeof file, "cascade-%s-%d.net", name, k);
    if (!write_net(e, file, ZN_FNET_SHORTCUT, 2, sizes, 2026 + (uint64_t)k, net_path, sizeof net_path)) return;
    snprintf(req, sizeof req,
             "{\"op\":\"cascade\",\"net\":\"%s\",\"data\":\"%s\",\"test\":\"%s\",\"neurons\":%u,\"seed\":%d}", net_path,
             train_path, test_path, neurons, k + 1);
    bench_peer *peers[2] = {&e->zenn, &e->fann};
    double *out[2] = {zenn, fann};
    for (int i = 0; i < 2; i++)
        if (bench_peer_up(peers[i]) && bench_peer_call(peers[i], req, 1800.0, reply, sizeof reply) &&
            !bench_json_num(reply, "test_mse", out[i]))
            *out[i] = -1;
}

static void cascade_case(fann_env *e, const char *dir, const char *name, unsigned neurons) {
    char label[96], shape[64], train_path[PATH_CAP], test_path[PATH_CAP], net_path[PATH_CAP], file[64];
    snprintf(label, sizeof label, "%s cascade %u neurons", name, neurons);
    if (!bench_selected(&e->run->opts, label)) return;
    snprintf(train_path, sizeof train_path, "%s/%s.train", dir, name);
    snprintf(test_path, sizeof test_path, "%s/%s.test", dir, name);
    unsigned sizes[2];
    if (!load_dims(train_path, &sizes[0], &sizes[1])) {
        bench_note(e->run, "fann: %s skipped: %s", name, zn_last_error());
        return;
    }
    snprintf(file, sizeof file, "cascade-%s.net", name);
    if (!write_net(e, file, ZN_FNET_SHORTCUT, 2, sizes, 2026, net_path, sizeof net_path)) return;
    char req[REQ_CAP];
    snprintf(req, sizeof req, "{\"op\":\"cascade\",\"net\":\"%s\",\"data\":\"%s\",\"test\":\"%s\",\"neurons\":%u",
             net_path, train_path, test_path, neurons);
    /* One cascade run is seconds of work: fewer reps. */
    bench_opts o = e->run->opts;
    o.repeat = o.quick ? 1 : 3;
    fann_job jobs[2] = {{.peer = &e->zenn}, {.peer = &e->fann}};
    snprintf(jobs[0].request, sizeof jobs[0].request, "%s", req);
    snprintf(jobs[1].request, sizeof jobs[1].request, "%s", req);
    bench_contender c[2] = {fann_contender(&jobs[0]), fann_contender(&jobs[1])};
    bench_stats st[2];
    bench_measure(&o, c, 2, st);
    snprintf(shape, sizeof shape, "%u inputs, %u outputs", sizes[0], sizes[1]);
    bench_result r;
    fill_row(&r, label, shape, "runs/s", 1, 1, st, jobs, 5.0, "cascade to the same neurons >= 5x libfann");
    bench_add(e->run, &r);
    /* A cascade run's test MSE depends on its start and its candidates' random
     * draws as much as on the algorithm (one run's ratio moved by +-10%), so
     * the MSE row is the median over CASCADE_STARTS starts, each from its own
     * .net file and draws, the same for both libraries. */
    double zm[CASCADE_STARTS], fm[CASCADE_STARTS];
    const int starts = o.quick ? 1 : CASCADE_STARTS;
    zm[0] = st[0].ok ? jobs[0].test_mse : -1;
    fm[0] = st[1].ok ? jobs[1].test_mse : -1;
    for (int k = 1; k < starts; k++) cascade_start(e, name, train_path, test_path, sizes, neurons, k, &zm[k], &fm[k]);
    snprintf(label, sizeof label, "%s cascade %u neurons test MSE", name, neurons);
    char starts_shape[96];
    snprintf(starts_shape, sizeof starts_shape, "%s, %d starts", shape, starts);
    /* The libraries run the same algorithm on different random numbers, so
     * even the medians move by 1-2% between runs: "no worse" is taken
     * within 2% (a run that is worse beyond that is not met) */
    mse_row(e->run, label, starts_shape, zm, fm, starts, 0.98,
            "median test MSE over the starts no worse than libfann's, within 2% (random draws differ)", r.why);
}

/* Removes the run's directory of .net files. */
static void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *ent;
    char path[DIR_CAP + 256];
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

int bench_suite_fann(bench_run *run) {
    bench_section(run, "fann: the drop-in FANN API (libzenn-fann) against libfann, same program, same files");
    fann_env e;
    memset(&e, 0, sizeof e);
    e.run = run;
    snprintf(e.dir, sizeof e.dir, "/tmp/zenn-bench-fann-XXXXXX");
    if (!mkdtemp(e.dir)) {
        bench_note(run, "fann: cannot create a temporary directory");
        return 1;
    }
    int zup = bench_peer_start_fann_program(&e.zenn, "zenn_fann_peer", "zenn-fann", "libzenn-fann not built");
    int fup = bench_peer_start_fann(&e.fann);
    if (zup)
        bench_note(run, "zenn: zenn_fann_peer (bench/peers/fann_peer.c built against libzenn-fann)");
    else
        bench_note(run, "zenn-fann skipped: %s", e.zenn.why);
    if (fup)
        bench_note(run, "peer: libfann %s (the same program built against Debian's libfann)", e.fann.version);
    else
        bench_note(run, "peer libfann skipped: %s", e.fann.why);

    static const unsigned nets[][3] = {{2, 3, 1}, {784, 128, 10}, {2048, 512, 100}};
    static const double run_targets[] = {1.0, 10.0, 10.0};
    for (int i = 0; i < (run->opts.quick ? 2 : 3); i++) run_case(&e, 3, nets[i], run_targets[i]);

    char dir[PATH_CAP];
    snprintf(dir, sizeof dir, "%s", run->opts.fann_dir ? run->opts.fann_dir : ZN_SOURCE_DIR "/../shared/data/fann");
    static const char *const sets[] = {"mushroom", "robot", "building", "diabetes"};
    if (run->opts.quick || access(dir, R_OK) != 0) {
        if (!run->opts.quick) bench_note(run, "fann: no FANN datasets in %s (--fann-data DIR): bundled diabetes", dir);
        train_cases(&e, ZN_SOURCE_DIR "/data", "diabetes", run->opts.quick ? 10 : 20);
        cascade_case(&e, ZN_SOURCE_DIR "/data", "diabetes", run->opts.quick ? 2 : 4);
    } else {
        for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) train_cases(&e, dir, sets[i], 20);
        for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) cascade_case(&e, dir, sets[i], 4);
    }
    if (zup) bench_peer_stop(&e.zenn);
    if (fup) bench_peer_stop(&e.fann);
    remove_dir(e.dir);
    return 0;
}
