/* Suite `fann-accuracy`: FANN's benchmark datasets trained with FANN's
 * default settings (one hidden layer of 16, sigmoid-symmetric at steepness
 * 0.5, weights in [-0.1, 0.1], the tanh error function, iRPROP-, the same
 * epochs) by zenn's trainer and by libfann, each seed's starting weights
 * the same for both (zenn makes them and hands libfann a .net file: with
 * its own draws each library's median over a few seeds moved by 10% from
 * the draws alone); the median test MSE over seeds, side by side. Reads the files from
 * --fann-data DIR (default: ../shared/data/fann next to the repo); --quick
 * runs only the bundled diabetes set for 50 epochs. */
#define _DEFAULT_SOURCE /* mkstemp */
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench_mlp.h"
#include "zenn/fnet.h"

#ifndef ZN_SOURCE_DIR
#define ZN_SOURCE_DIR "."
#endif

enum { HIDDEN = 16, MAX_SEEDS = 5 };

static const char *const datasets[] = {"diabetes", "mushroom", "robot", "building", "abelone", "parity8", "two-spiral"};

/* FANN's default network for the data: sigmoid-symmetric at 0.5, weights
 * uniform in [-0.1, 0.1] from the seed, and FANN's default error function
 * (tanh, on the halved difference of symmetric outputs). */
static zn_status default_net(const zn_dataset *train, uint64_t seed, zn_mlp **out) {
    zn_mlp_spec s = zn_mlp_spec_default();
    s.loss = ZN_LOSS_TANH_ERROR;
    s.n_layers = 3;
    s.sizes[0] = train->n_in;
    s.sizes[1] = HIDDEN;
    s.sizes[2] = train->n_out;
    return zn_mlp_wrap(&s, seed, NULL, NULL, 0, NULL, out);
}

/* The net's starting weights as a FANN .net file (a new temporary file). */
static int save_start(const zn_mlp *mlp, char *path, size_t cap) {
    snprintf(path, cap, "/tmp/zenn-fann-accuracy-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    close(fd);
    zn_fnet *net = NULL;
    int ok = zn_fnet_from_mlp(mlp, &net) == ZN_OK && zn_fnet_save(net, path) == ZN_OK;
    zn_fnet_free(net);
    if (!ok) unlink(path);
    return ok;
}

/* zenn's trainer, RPROP for the epochs; returns the test MSE, < 0 on error. */
static double zenn_mse(zn_mlp *mlp, const zn_dataset *train, const zn_dataset *test, int epochs, double *seconds) {
    zn_train_config c = zn_train_config_default(ZN_ALGO_RPROP);
    c.epochs = epochs;
    c.shuffle = 0; /* full batch: the order does not matter, as in FANN */
    zn_train_report rep;
    zn_eval ev;
    if (zn_train(mlp->model, train, NULL, &c, &rep) != ZN_OK ||
        zn_evaluate(mlp->model, test, 0.35f, NULL, &ev) != ZN_OK)
        return -1;
    *seconds = rep.seconds;
    return ev.mse;
}

static void one_dataset(bench_run *run, bench_peer *fann, int fann_up, const char *dir, const char *name, int epochs,
                        int seeds) {
    char label[96], train_path[PATH_MAX], test_path[PATH_MAX];
    snprintf(label, sizeof label, "%s test MSE", name);
    if (!bench_selected(&run->opts, label)) return;
    snprintf(train_path, sizeof train_path, "%s/%s.train", dir, name);
    snprintf(test_path, sizeof test_path, "%s/%s.test", dir, name);
    bench_result r;
    char shape[64];
    snprintf(shape, sizeof shape, "hidden %d, %d epochs, %d seeds", HIDDEN, epochs, seeds);
    bench_mlp_result(&r, "fann-accuracy", label, shape, 1, 1, "MSE", 1);
    r.show_value = 1;
    snprintf(r.peer, sizeof r.peer, "libfann");
    /* The same start and the same algorithm (tests/unit/test_fnet.c,
     * test_mlp_trains_as_fann): the runs differ in float rounding only,
     * which 300 RPROP epochs carry to ~1% where the MSE is ~1e-5 */
    r.target = 0.98;
    snprintf(r.target_note, sizeof r.target_note,
             "zenn's test MSE no worse than libfann's, within float rounding (2%%)");
    zn_dataset *train = NULL, *test = NULL;
    if (zn_dataset_load_fann(train_path, NULL, &train) != ZN_OK ||
        zn_dataset_load_fann(test_path, NULL, &test) != ZN_OK) {
        bench_note(run, "%s skipped: %s", name, zn_last_error());
        zn_dataset_free(train);
        return;
    }
    double z[MAX_SEEDS], f[MAX_SEEDS], zt = 0, ft = 0;
    for (int s = 0; s < seeds; s++) {
        double secs = 0;
        char net_path[64];
        zn_mlp *mlp = NULL;
        z[s] = f[s] = -1;
        if (default_net(train, (uint64_t)s + 1, &mlp) != ZN_OK || !save_start(mlp, net_path, sizeof net_path)) {
            snprintf(r.why, sizeof r.why, "cannot make the starting net: %s", zn_last_error());
            zn_mlp_free(mlp);
            break;
        }
        z[s] = zenn_mse(mlp, train, test, epochs, &secs);
        zn_mlp_free(mlp);
        zt += secs;
        char req[2 * PATH_MAX + 256], reply[512];
        snprintf(req, sizeof req, "{\"op\":\"dataset\",\"train\":\"%s\",\"test\":\"%s\",\"net\":\"%s\",\"epochs\":%d}",
                 train_path, test_path, net_path, epochs);
        double v, t;
        if (fann_up && bench_peer_call(fann, req, 600.0, reply, sizeof reply) &&
            bench_json_num(reply, "test_mse", &v) && bench_json_num(reply, "seconds", &t)) {
            f[s] = v;
            ft += t;
        } else if (!r.why[0]) {
            snprintf(r.why, sizeof r.why, "libfann: %s", fann_up ? fann->why : "not running");
        }
        unlink(net_path);
    }
    bench_stats_of(z, seeds, &r.zenn);
    bench_stats_of(f, seeds, &r.other);
    bench_add(run, &r);
    bench_note(run, "  %s: training time zenn %.2f s, libfann %.2f s (%d seeds)", name, zt, ft, seeds);
    zn_dataset_free(train);
    zn_dataset_free(test);
}

int bench_suite_fann_accuracy(bench_run *run) {
    bench_section(run, "fann-accuracy: FANN's datasets, FANN's default network and RPROP, test MSE");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", run->opts.fann_dir ? run->opts.fann_dir : ZN_SOURCE_DIR "/../shared/data/fann");
    bench_peer fann;
    int up = bench_peer_start_fann(&fann);
    if (!up) bench_note(run, "peer libfann skipped: %s", fann.why);
    if (run->opts.quick) {
        one_dataset(run, &fann, up, ZN_SOURCE_DIR "/data", "diabetes", 50, 1);
    } else if (access(dir, R_OK) != 0) {
        bench_note(run, "fann-accuracy skipped: no FANN datasets in %s (--fann-data DIR)", dir);
    } else {
        for (size_t i = 0; i < sizeof datasets / sizeof datasets[0]; i++)
            one_dataset(run, &fann, up, dir, datasets[i], 300, MAX_SEEDS);
    }
    if (up) bench_peer_stop(&fann);
    return 0;
}
