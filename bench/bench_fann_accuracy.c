/* Suite `fann-accuracy`: FANN's benchmark datasets trained with FANN's
 * default settings (one hidden layer of 16, sigmoid-symmetric at steepness
 * 0.5, weights in [-0.1, 0.1], iRPROP-, the same epochs) in zenn and in
 * libfann; the median test MSE over seeds, side by side. Reads the files from
 * --fann-data DIR (default: ../shared/data/fann next to the repo); --quick
 * runs only the bundled diabetes set for 50 epochs. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench_mlp.h"

#ifndef ZN_SOURCE_DIR
#define ZN_SOURCE_DIR "."
#endif

enum { HIDDEN = 16, MAX_SEEDS = 5 };

static const char *const datasets[] = {"diabetes", "mushroom", "robot", "building", "abelone", "parity8", "two-spiral"};

/* zenn with FANN's defaults; returns the test MSE, < 0 on error. */
static double zenn_mse(const zn_dataset *train, const zn_dataset *test, int epochs, uint64_t seed, double *seconds) {
    zn_mlp_spec s = zn_mlp_spec_default(); /* FANN's: sigmoid-symmetric 0.5, SSE, uniform 0.1 */
    s.n_layers = 3;
    s.sizes[0] = train->n_in;
    s.sizes[1] = HIDDEN;
    s.sizes[2] = train->n_out;
    zn_model *m = NULL;
    if (zn_mlp_create(&s, seed, &m) != ZN_OK) return -1;
    zn_train_config c = zn_train_config_default(ZN_ALGO_RPROP);
    c.epochs = epochs;
    c.shuffle = 0; /* full batch: the order does not matter, as in FANN */
    zn_train_report rep;
    zn_eval ev;
    double mse = -1;
    if (zn_train(m, train, NULL, &c, &rep) == ZN_OK && zn_evaluate(m, test, 0.35f, NULL, &ev) == ZN_OK) {
        mse = ev.mse;
        *seconds = rep.seconds;
    }
    zn_model_free(m);
    return mse;
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
    r.target = 1.0;
    snprintf(r.target_note, sizeof r.target_note, "zenn's test MSE no worse than libfann's");
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
        z[s] = zenn_mse(train, test, epochs, (uint64_t)s + 1, &secs);
        zt += secs;
        f[s] = -1;
        char req[2 * PATH_MAX + 160], reply[512];
        snprintf(req, sizeof req,
                 "{\"op\":\"dataset\",\"train\":\"%s\",\"test\":\"%s\",\"hidden\":%d,\"epochs\":%d,\"seed\":%d}",
                 train_path, test_path, HIDDEN, epochs, s + 1);
        double v, t;
        if (fann_up && bench_peer_call(fann, req, 600.0, reply, sizeof reply) &&
            bench_json_num(reply, "test_mse", &v) && bench_json_num(reply, "seconds", &t)) {
            f[s] = v;
            ft += t;
        } else if (!r.why[0]) {
            snprintf(r.why, sizeof r.why, "libfann: %s", fann_up ? fann->why : "not running");
        }
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
            one_dataset(run, &fann, up, dir, datasets[i], 300, 3);
    }
    if (up) bench_peer_stop(&fann);
    return 0;
}
