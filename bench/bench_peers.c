/* Where the peer runners live and how each is started: its program, its
 * arguments and the environment that lets it run at its best here. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_peer.h"

#ifndef ZN_SOURCE_DIR
#define ZN_SOURCE_DIR "."
#endif

const char *bench_peers_dir(void) {
    static char dir[PATH_MAX];
    const char *env = getenv("ZN_BENCH_PEERS_DIR");
    snprintf(dir, sizeof dir, "%s", env && *env ? env : ZN_SOURCE_DIR "/bench/peers");
    return dir;
}

const char *bench_exe_dir(void) {
    static char dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0) return ".";
    dir[n] = 0;
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    return dir;
}

/* Installed, the peer programs are in libexec/zenn: this, relative to bin/. */
#ifndef ZN_PEER_PROGRAMS_DIR
#define ZN_PEER_PROGRAMS_DIR "../libexec/zenn"
#endif

/* A FANN-API peer program: fann_peer (libfann) or zenn_fann_peer (the same
 * source against libzenn-fann), beside zenn in the build tree, or where
 * `cmake --install` put it relative to zenn. */
int bench_peer_program(const char *program, char *path, size_t cap) {
    snprintf(path, cap, "%s/%s", bench_exe_dir(), program);
    if (access(path, X_OK) != 0) snprintf(path, cap, "%s/" ZN_PEER_PROGRAMS_DIR "/%s", bench_exe_dir(), program);
    return access(path, X_OK) == 0;
}

int bench_peer_start_fann_program(bench_peer *p, const char *program, const char *name, const char *missing) {
    char prog[PATH_MAX + 64];
    if (!bench_peer_program(program, prog, sizeof prog)) {
        memset(p, 0, sizeof *p);
        p->to_fd = p->from_fd = -1;
        snprintf(p->name, sizeof p->name, "%s", name);
        snprintf(p->why, sizeof p->why, "%s not found beside zenn or in " ZN_PEER_PROGRAMS_DIR " (%s)", program,
                 missing);
        return 0;
    }
    char *argv[] = {prog, NULL};
    return bench_peer_start(p, name, argv, NULL, 1);
}

int bench_peer_start_fann(bench_peer *p) {
    return bench_peer_start_fann_program(p, "fann_peer", "libfann",
                                         "zenn was built without libfann-dev: install it, rebuild");
}

int bench_peer_start_torch(bench_peer *p) {
    char script[PATH_MAX + 32];
    snprintf(script, sizeof script, "%s/torch_peer.py", bench_peers_dir());
    /* Debian's python3-torch lives with /usr/bin/python3, not a pyenv python
     * first on PATH. One BLAS/OpenMP thread: two spin on this 2-vCPU machine
     * and are far slower; OpenBLAS 0.3.21 misdetects newer CPUs. */
    char *argv[] = {"/usr/bin/python3", "-u", script, NULL};
    char *env[] = {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "OPENBLAS_CORETYPE=SkylakeX", "MKL_NUM_THREADS=1",
                   NULL};
    return bench_peer_start(p, "pytorch", argv, env, 1);
}

int bench_peer_start_js(bench_peer *p, const char *lib) {
    char script[PATH_MAX + 32];
    snprintf(script, sizeof script, "%s/js/peer.js", bench_peers_dir());
    char which[16];
    snprintf(which, sizeof which, "%s", lib);
    char *argv[] = {"node", script, which, NULL};
    return bench_peer_start(p, strcmp(lib, "brain") ? "tfjs" : "brain.js", argv, NULL, 1);
}

int bench_peer_start_numpy(bench_peer *p) {
    char script[PATH_MAX + 32];
    snprintf(script, sizeof script, "%s/numpy_peer.py", bench_peers_dir());
    /* One BLAS thread, as PyTorch: NumPy is compared with zenn's 1-thread rows. */
    char *argv[] = {"/usr/bin/python3", "-u", script, NULL};
    char *env[] = {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "OPENBLAS_CORETYPE=SkylakeX", NULL};
    return bench_peer_start(p, "numpy", argv, env, 1);
}
