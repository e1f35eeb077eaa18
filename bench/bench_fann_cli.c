/* Suite `fann-cli`: FANN-sized nets trained through the whole command, as a
 * user runs them. `zenn train TRAIN --algo rprop --epochs 200 --layers
 * I,32,O --test TEST -o OUT.net` (this binary, as a child process) against
 * `fann_peer --train` (bench/peers/fann_peer.c against libfann: read the
 * data, fann_train_on_data with RPROP for as many epochs, save, test), both
 * timed as whole processes, start and file parsing included. libfann starts
 * from zenn's initial weights (a .net file written here with the CLI's
 * spec and seed), so the two run the same algorithm from the same start
 * and their test errors must agree. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_mlp.h"
#include "bench_peer.h"
#include "zenn/fnet.h"

#ifndef ZN_SOURCE_DIR
#define ZN_SOURCE_DIR "."
#endif

extern char **environ;

enum { HIDDEN = 32, EPOCHS = 200, PATH_CAP = 1024, DIR_CAP = 256, ARGS = 24 };

/* One contender's command: its arguments, where its stdout goes, and the
 * test MSE its last run printed. */
typedef struct cli_job {
    const char *name;
    char *argv[ARGS];
    char out[PATH_CAP];
    double test_mse;
    char why[160];
} cli_job;

/* Runs the command once, stdout to job->out, stderr dropped; 0 when it
 * exited 0 and printed a test MSE. */
static int run_once(cli_job *j) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, j->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, j->argv[0], &fa, NULL, j->argv, environ), status = 0;
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(j->why, sizeof j->why, "cannot start %s", j->argv[0]);
        return 1;
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(j->why, sizeof j->why, "%s failed (status %d)", j->name, status);
        return 1;
    }
    char buf[4096] = {0};
    FILE *f = fopen(j->out, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    if (!bench_json_num(buf, "test_mse", &j->test_mse)) {
        snprintf(j->why, sizeof j->why, "%s printed no test MSE", j->name);
        return 1;
    }
    return 0;
}

/* Whole runs until min_seconds have passed (at least one): seconds per run. */
static double cli_timed(void *ctx, double min_seconds) {
    cli_job *j = ctx;
    double t0 = zn_time_sec(), t;
    long runs = 0;
    do {
        if (run_once(j)) return -1;
        runs++;
        t = zn_time_sec() - t0;
    } while (t < min_seconds);
    return t / (double)runs;
}

static bench_contender cli_contender(cli_job *j, int available, const char *why) {
    bench_contender c;
    memset(&c, 0, sizeof c);
    c.name = j->name;
    c.ctx = j;
    c.timed = cli_timed;
    c.threads = 1;
    c.skip = !available;
    c.skip_reason = why;
    return c;
}

typedef struct cli_env {
    bench_run *run;
    char dir[DIR_CAP];
    char zenn[PATH_MAX], fann[PATH_MAX + 64];
    int have_fann;
} cli_env;

/* zenn's starting weights for the set, as `zenn train` makes them (FANN
 * data: FANN's default spec; seed 1), written as a .net file for libfann;
 * the layer sizes into sizes. */
static int write_start(cli_env *e, const char *train_path, const char *name, unsigned *sizes, char *path, size_t cap) {
    zn_dataset *d = NULL;
    zn_mlp *mlp = NULL;
    zn_fnet *net = NULL;
    zn_status s = zn_dataset_load_fann(train_path, NULL, &d);
    if (s == ZN_OK) {
        zn_mlp_spec spec = zn_mlp_spec_default();
        spec.n_layers = 3;
        spec.sizes[0] = d->n_in;
        spec.sizes[1] = HIDDEN;
        spec.sizes[2] = d->n_out;
        sizes[0] = (unsigned)d->n_in;
        sizes[1] = HIDDEN;
        sizes[2] = (unsigned)d->n_out;
        s = zn_mlp_wrap(&spec, 1, NULL, NULL, 0, NULL, &mlp);
    }
    snprintf(path, cap, "%s/start-%s.net", e->dir, name);
    if (s == ZN_OK) s = zn_fnet_from_mlp(mlp, &net);
    if (s == ZN_OK) s = zn_fnet_save(net, path);
    if (s != ZN_OK) bench_note(e->run, "fann-cli: %s skipped: %s", name, zn_last_error());
    zn_fnet_free(net);
    zn_mlp_free(mlp);
    zn_dataset_free(d);
    return s == ZN_OK;
}

static void cli_case(cli_env *e, const char *dir, const char *name, int epochs) {
    char label[96], shape[64];
    snprintf(label, sizeof label, "%s train CLI", name);
    if (!bench_selected(&e->run->opts, label)) return;
    char train_path[PATH_CAP], test_path[PATH_CAP], start[PATH_CAP], zout[PATH_CAP], fout[PATH_CAP];
    char layers[40], ep[16];
    snprintf(train_path, sizeof train_path, "%s/%s.train", dir, name);
    snprintf(test_path, sizeof test_path, "%s/%s.test", dir, name);
    unsigned sizes[3];
    if (!write_start(e, train_path, name, sizes, start, sizeof start)) return;
    snprintf(layers, sizeof layers, "%u,%u,%u", sizes[0], sizes[1], sizes[2]);
    snprintf(ep, sizeof ep, "%d", epochs);
    snprintf(zout, sizeof zout, "%s/zenn-%s.net", e->dir, name);
    snprintf(fout, sizeof fout, "%s/fann-%s.net", e->dir, name);
    cli_job jobs[2] = {{.name = "zenn"}, {.name = "libfann"}};
    snprintf(jobs[0].out, sizeof jobs[0].out, "%s/zenn-%s.json", e->dir, name);
    snprintf(jobs[1].out, sizeof jobs[1].out, "%s/fann-%s.json", e->dir, name);
    char threads[16];
    const int nth = e->run->opts.threads > 0 ? e->run->opts.threads : zn_pool_size(zn_pool_default());
    snprintf(threads, sizeof threads, "%d", nth);
    char *zargs[] = {e->zenn,    "train", train_path, "-o",      zout,     "--algo",  "rprop",     "--epochs", ep,
                     "--layers", layers,  "--test",   test_path, "--json", "--quiet", "--threads", threads,    NULL};
    char *fargs[] = {e->fann, "--train", train_path, test_path, start, ep, fout, NULL};
    memcpy(jobs[0].argv, zargs, sizeof zargs);
    memcpy(jobs[1].argv, fargs, sizeof fargs);
    bench_contender c[2] = {cli_contender(&jobs[0], 1, NULL),
                            cli_contender(&jobs[1], e->have_fann, "fann_peer not built (libfann-dev missing)")};
    /* A libfann run of mushroom is seconds: three reps. */
    bench_opts o = e->run->opts;
    o.repeat = o.quick ? 1 : 3;
    bench_stats st[2];
    bench_measure(&o, c, 2, st);
    snprintf(shape, sizeof shape, "%s, %d epochs", layers, epochs);
    bench_result r;
    bench_mlp_result(&r, "fann-cli", label, shape, nth, 1, "runs/s", 1);
    snprintf(r.peer, sizeof r.peer, "libfann");
    r.zenn = st[0];
    r.other = st[1];
    r.target = 10.0;
    snprintf(r.target_note, sizeof r.target_note, "the whole zenn train command >= 10x libfann's program");
    for (int i = 0; i < 2; i++)
        if (!st[i].ok && !r.why[0])
            snprintf(r.why, sizeof r.why, "%s: %s", jobs[i].name,
                     jobs[i].why[0] ? jobs[i].why : (c[i].skip_reason ? c[i].skip_reason : "failed"));
    bench_add(e->run, &r);
    /* Same start, same deterministic algorithm: the test errors agree, up to
     * RPROP steps that take another sign where a slope is near zero and the
     * two libraries sum it in another order (mushroom, whose errors end
     * near 1e-4: a few percent either way). */
    bench_result m;
    snprintf(label, sizeof label, "%s train CLI test MSE", name);
    bench_mlp_result(&m, "fann-cli", label, shape, nth, 1, "MSE", 1);
    snprintf(m.peer, sizeof m.peer, "libfann");
    m.show_value = 1;
    bench_stats_value(&m.zenn, st[0].ok ? jobs[0].test_mse : -1);
    bench_stats_value(&m.other, st[1].ok ? jobs[1].test_mse : -1);
    m.target = 0.9;
    snprintf(m.target_note, sizeof m.target_note, "test MSE within 10%% of libfann's (or lower), same start");
    snprintf(m.why, sizeof m.why, "%s", r.why);
    bench_add(e->run, &m);
}

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

int bench_suite_fann_cli(bench_run *run) {
    bench_section(run, "fann-cli: zenn train (whole command) against a libfann program, FANN's datasets");
    cli_env e;
    memset(&e, 0, sizeof e);
    e.run = run;
    ssize_t n = readlink("/proc/self/exe", e.zenn, sizeof e.zenn - 1);
    if (n <= 0) {
        bench_note(run, "fann-cli: cannot find this zenn binary");
        return 1;
    }
    e.zenn[n] = 0;
    snprintf(e.dir, sizeof e.dir, "/tmp/zenn-bench-fann-cli-XXXXXX");
    if (!mkdtemp(e.dir)) {
        bench_note(run, "fann-cli: cannot create a temporary directory");
        return 1;
    }
    e.have_fann = bench_peer_program("fann_peer", e.fann, sizeof e.fann);
    if (!e.have_fann) bench_note(run, "peer libfann skipped: fann_peer not found (libfann-dev missing at build time)");
    char dir[PATH_CAP];
    snprintf(dir, sizeof dir, "%s", run->opts.fann_dir ? run->opts.fann_dir : ZN_SOURCE_DIR "/../shared/data/fann");
    static const char *const sets[] = {"building", "robot", "mushroom"};
    if (run->opts.quick || access(dir, R_OK) != 0) {
        if (!run->opts.quick)
            bench_note(run, "fann-cli: no FANN datasets in %s (--fann-data DIR): bundled diabetes", dir);
        cli_case(&e, ZN_SOURCE_DIR "/data", "diabetes", EPOCHS);
    } else {
        for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) cli_case(&e, dir, sets[i], EPOCHS);
    }
    remove_dir(e.dir);
    return 0;
}
