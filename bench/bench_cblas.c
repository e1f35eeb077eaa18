/* BLAS libraries as peers, loaded with dlopen after their environment is
 * set, so the zenn binary needs neither. Each reads its settings when it
 * loads: OpenBLAS 0.3.21 misdetects this generation of CPUs
 * (OPENBLAS_CORETYPE chooses the kernel), and Debian's BLIS is built with
 * OpenMP, and its 2-thread sgemm needs its idle threads to spin a while:
 * with libgomp's default spin (or "passive") a 256^3 call took ~80 ms here,
 * with "active" they spin for ever on the vCPU the next contender needs. The
 * bench sets GOMP_SPINCOUNT=1e7 (tens of ms; the settle pause after a
 * multi-threaded peer rep covers it) unless it is set. Debian's BLIS is
 * built with its generic kernels only. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#if defined(__SANITIZE_ADDRESS__)
#define BENCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BENCH_ASAN 1
#endif
#endif
#ifndef BENCH_ASAN
#define BENCH_ASAN 0
#endif

static int open_first(bench_cblas *cb, const char *const *names, int n) {
    for (int i = 0; i < n && !cb->handle; i++) cb->handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    return cb->handle != NULL;
}

/* POSIX allows converting dlsym's object pointer to a function pointer. */
#define LOAD(cb, field, sym) *(void **)(&(cb)->field) = dlsym((cb)->handle, sym)

static int load_common(bench_cblas *cb, const char *threads_sym) {
    LOAD(cb, sgemm, "cblas_sgemm");
    LOAD(cb, sgemv, "cblas_sgemv");
    LOAD(cb, sger, "cblas_sger");
    LOAD(cb, set_threads, threads_sym);
    if (cb->sgemm && cb->sgemv && cb->set_threads) return 1;
    snprintf(cb->why, sizeof cb->why, "%s lacks cblas_sgemm/cblas_sgemv/%s", cb->name, threads_sym);
    dlclose(cb->handle);
    cb->handle = NULL;
    return 0;
}

int bench_openblas_load(bench_cblas *cb) {
    memset(cb, 0, sizeof *cb);
    snprintf(cb->name, sizeof cb->name, "openblas");
    const char *core = getenv("ZN_BENCH_OPENBLAS_CORETYPE");
    setenv("OPENBLAS_CORETYPE", core && *core ? core : "SkylakeX", 1);
    static const char *const names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0"};
    if (!open_first(cb, names, 3)) {
        snprintf(cb->why, sizeof cb->why, "libopenblas not found (apt-get install libopenblas-dev)");
        return 0;
    }
    if (!load_common(cb, "openblas_set_num_threads")) return 0;
    char *(*corename)(void) = NULL, *(*config)(void) = NULL;
    *(void **)(&corename) = dlsym(cb->handle, "openblas_get_corename");
    *(void **)(&config) = dlsym(cb->handle, "openblas_get_config");
    snprintf(cb->info, sizeof cb->info, "OpenBLAS %s, kernel %s (OPENBLAS_CORETYPE=%s set by the bench)",
             config ? config() : "?", corename ? corename() : "?", getenv("OPENBLAS_CORETYPE"));
    return 1;
}

int bench_blis_load(bench_cblas *cb) {
    memset(cb, 0, sizeof *cb);
    snprintf(cb->name, sizeof cb->name, "blis");
#if BENCH_ASAN
    /* libgomp's threads in BLIS crash LeakSanitizer's tracer at exit. */
    snprintf(cb->why, sizeof cb->why,
             "not loaded in an AddressSanitizer build (its OpenMP threads crash LeakSanitizer)");
    return 0;
#endif
    setenv("GOMP_SPINCOUNT", "10000000", 0);
    static const char *const names[] = {"libblis.so.4", "libblis.so"};
    if (!open_first(cb, names, 2)) {
        snprintf(cb->why, sizeof cb->why, "libblis not found (apt-get install libblis-dev)");
        return 0;
    }
    if (!load_common(cb, "bli_thread_set_num_threads")) return 0;
    const char *(*version)(void) = NULL, *(*arch_string)(int) = NULL;
    int (*arch_id)(void) = NULL;
    *(void **)(&version) = dlsym(cb->handle, "bli_info_get_version_str");
    *(void **)(&arch_id) = dlsym(cb->handle, "bli_arch_query_id");
    *(void **)(&arch_string) = dlsym(cb->handle, "bli_arch_string");
    const char *policy = getenv("OMP_WAIT_POLICY");
    snprintf(cb->info, sizeof cb->info,
             "BLIS %s, kernels for %s (Debian's build), OMP_WAIT_POLICY=%s GOMP_SPINCOUNT=%s",
             version ? version() : "?", arch_id && arch_string ? arch_string(arch_id()) : "?",
             policy && *policy ? policy : "default", getenv("GOMP_SPINCOUNT"));
    return 1;
}
